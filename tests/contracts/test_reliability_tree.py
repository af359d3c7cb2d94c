"""Hostile trees: binary and non-UTF-8 files, symlink loops and links out, unreadable files, FIFOs, names with
spaces/newlines/HTML/Markdown/terminal escapes, very deep folders; the walker alone, then a real
`secscan all --offline` (bandit, semgrep, detect-secrets, secscan-secrets) on such a tree.

The tests run as root, for whom ``chmod 000`` changes nothing, so unreadable files and folders are
simulated by monkeypatching ``secscan.run.files.readable`` (the walker's access check) and ``os.scandir``
for one folder.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from secscan.cli.main import main
from secscan.formats.json_report import validate
from secscan.run import files as files_mod
from secscan.run.files import MAX_DEPTH, walk

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
HTML_NAME = "<img src=x onerror=alert(1)>.py"
MD_NAME = "**bold** [link](javascript:alert(1)) |pipe|.py"
ESC_NAME = "\x1b[2Jclear\x07.py"
NL_NAME = "new\nline.py"
NON_UTF8_NAME = b"bad\xffname.py"
EVAL = "eval(input())\n"
# What build_tree plants (counted in docs/reliability.md).
HOSTILE_ENTRIES = (
    "a .py file with invalid UTF-8",
    "a .py file of binary bytes",
    "a binary blob",
    "a name with a space",
    "a name with a newline",
    "a name with HTML",
    "a name with terminal escapes",
    "a name with Markdown",
    "code with a <script> and Markdown payload",
    "a name that is not UTF-8",
    "a symlink loop to .",
    "a symlink loop to a parent",
    "a link out to /etc",
    "a link out to /etc/passwd",
    "a FIFO",
    "an unreadable file (simulated)",
    "an unlistable folder (simulated)",
    f"a folder {MAX_DEPTH + 10} levels deep",
)


def build_tree(root: Path) -> Path:
    """Every hostile thing at once; app.py holds a plain planted problem."""
    root.mkdir()
    (root / "app.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
    )
    (root / "latin1.py").write_bytes(b"# caf\xe9\nimport pickle\n\n\ndef f(b):\n    return pickle.loads(b)\n")
    (root / "binary.py").write_bytes(bytes(range(256)) * 4)
    (root / "xss.py").write_text('eval(input("<script>alert(1)</script> | ](javascript:x)"))\n')
    (root / "blob.bin").write_bytes(os.urandom(2048) + b"\x00" * 64)
    (root / "has space.py").write_text("import os\nos.system('ls ' + input())\n")
    (root / NL_NAME).write_text(EVAL)
    (root / HTML_NAME).write_text("import hashlib\nhashlib.md5(b'x')\n")
    (root / ESC_NAME).write_text(EVAL)
    (root / "sub").mkdir()
    (root / "sub" / MD_NAME).write_text(EVAL)
    (root / os.fsdecode(NON_UTF8_NAME)).write_text("exec(input())\n")
    os.symlink(".", root / "loop")
    os.symlink("/etc", root / "outside")
    os.symlink("/etc/passwd", root / "passwd.py")
    (root / "a").mkdir()
    os.symlink("../a", root / "a" / "b")
    os.mkfifo(root / "pipe.py")
    (root / "locked").mkdir()
    (root / "locked" / "hidden.py").write_text(EVAL)
    (root / "denied.py").write_text(EVAL)
    deep = root / "deep"
    for i in range(MAX_DEPTH + 10):
        deep = deep / "d"
        if i == 50:
            deep.mkdir(parents=True)
            (deep / "mid.py").write_text(EVAL)
    deep.mkdir(parents=True)
    (deep / "bottom.py").write_text(EVAL)
    return root


@contextlib.contextmanager
def simulated_denials(mp: pytest.MonkeyPatch) -> Iterator[None]:
    """denied.py cannot be read and the folder locked/ cannot be listed (as for a non-root user)."""
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith(f"{os.sep}locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    mp.setattr(files_mod, "readable", lambda p: not p.endswith("denied.py"))
    mp.setattr(files_mod.os, "scandir", scandir)
    yield


def test_walker_on_hostile_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = build_tree(tmp_path / "t")
    with simulated_denials(monkeypatch):
        fs = walk(root)
    assert fs.unreadable == ["denied.py", "locked"] or sorted(fs.unreadable) == ["denied.py", "locked"]
    assert fs.links_skipped == 4  # loop, outside, passwd.py, a/b: none followed
    assert fs.special == ["pipe.py"]
    assert fs.too_deep and all(p.startswith("deep/") for p in fs.too_deep)
    assert any(p.endswith("/mid.py") for p in fs.files)
    assert not any(p.endswith("bottom.py") or p.startswith(("loop/", "outside/", "a/b/")) for p in fs.files)
    for name in (HTML_NAME, NL_NAME, ESC_NAME, "has space.py", f"sub/{MD_NAME}", os.fsdecode(NON_UTF8_NAME)):
        assert name in fs.files, name
    assert "passwd.py" not in fs.files and "pipe.py" not in fs.files


def test_walker_without_simulation_reads_everything_as_root(tmp_path: Path) -> None:
    """Why the simulation is needed: as root, a chmod 000 file is still readable (and really is)."""
    f = tmp_path / "t" / "x.py"
    f.parent.mkdir()
    f.write_text("x = 1\n")
    f.chmod(0)
    fs = walk(f.parent)
    if os.geteuid() != 0:
        assert fs.unreadable == ["x.py"]
    else:
        assert fs.files == ["x.py"] and f.read_text() == "x = 1\n"


def test_walker_single_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "one.py"
    f.write_text("x = 1\n")
    monkeypatch.setattr(files_mod, "readable", lambda p: False)
    fs = walk(f)
    assert fs.files == [] and fs.unreadable == ["one.py"]


def test_unreadable_file_alone_makes_the_scan_incomplete_in_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The only secret sits in a file nobody could read: never a clean pass."""
    root = tmp_path / "t"
    root.mkdir()
    (root / "ok.py").write_text("x = 1\n", "utf-8")
    (root / "secret.py").write_text("k = 1\n", "utf-8")
    monkeypatch.setattr(files_mod, "readable", lambda p: not p.endswith("secret.py"))
    out = tmp_path / "out"
    code = main(["secrets", str(root), "--scanners", "secscan-secrets", "--no-cache", "--quiet",
                 "--output-dir", str(out), "--format", "json,md,html,sarif,gitlab"])
    rep = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(rep)
    walk_entry = next(s for s in rep["scanners"] if s["name"] == "file-walk")
    assert code == 3 and rep["incomplete"] and "secret.py" in walk_entry["reason"]
    sarif = json.loads((out / "secscan.sarif").read_text("utf-8"))
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    for name in ("secscan.md", "secscan.html"):
        assert "secret.py" in (out / name).read_text("utf-8")
    code = main(["secrets", str(root / "ok.py"), "--scanners", "secscan-secrets", "--no-cache", "--quiet",
                 "--output-dir", str(tmp_path / "o2"), "--format", "json"])
    assert code == 0  # a staged-style run on other files is not concerned


def test_given_file_inside_a_gap_is_incomplete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "t"
    deep = root.joinpath(*(f"d{i}" for i in range(MAX_DEPTH + 3)))
    deep.mkdir(parents=True)
    (deep / "f.py").write_text("x = 1\n", "utf-8")
    (root / "top.py").write_text("y = 2\n", "utf-8")
    monkeypatch.chdir(root)
    given = str((deep / "f.py").relative_to(root))
    code = main(["secrets", given, "top.py", "--scanners", "secscan-secrets", "--no-cache", "--quiet",
                 "--output-dir", str(tmp_path / "out"), "--format", "json"])
    rep = json.loads((tmp_path / "out" / "secscan.json").read_text("utf-8"))
    walk_entry = next(s for s in rep["scanners"] if s["name"] == "file-walk")
    assert code == 3 and "deeper than the walk limit" in walk_entry["reason"]


def test_walker_symlink_loop_only(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    os.symlink("..", tmp_path / "x" / "up")
    os.symlink("x", tmp_path / "self")
    assert walk(tmp_path).links_skipped == 2


SCANNERS = "bandit,semgrep,detect-secrets,secscan-secrets"


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real in-process run on the hostile tree (shared: semgrep starts slowly)."""
    base = tmp_path_factory.mktemp("hostile")
    root = build_tree(base / "tree <b>&amp;")
    out = base / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        pytest.MonkeyPatch.context() as mp,
        simulated_denials(mp),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        code = main(
            [
                "all",
                str(root),
                "--offline",
                "--scanners",
                SCANNERS,
                "--no-cache",
                "--timeout",
                "300",
                "--output-dir",
                str(out),
                "--format",
                "json,md,html,sarif,gitlab",
            ]
        )
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    return {
        "code": code,
        "report": report,
        "out": out,
        "root": root,
        "stdout": stdout.getvalue(),
        "stderr": stderr.getvalue(),
    }


@pytest.mark.slow
def test_real_run_exit_code_and_health(hostile_run: dict[str, Any]) -> None:
    rep = hostile_run["report"]
    validate(rep)
    assert "internal error" not in hostile_run["stderr"], hostile_run["stderr"]
    status = {s["name"]: s for s in rep["scanners"]}
    assert set(status) == {*SCANNERS.split(","), "file-walk"}
    walk_entry = status["file-walk"]
    assert walk_entry["status"] == "partial" and walk_entry["incomplete"] and walk_entry["required"]
    assert "2 path(s) could not be read: denied.py, locked" in walk_entry["reason"]
    assert "deeper than the walk limit" in walk_entry["reason"]
    # bandit cannot parse binary.py and latin1.py: honest "partial", so the run is incomplete (exit 3)
    assert status["bandit"]["status"] == "partial" and "binary.py" in status["bandit"]["reason"]
    assert status["detect-secrets"]["status"] == "ok" and status["secscan-secrets"]["status"] == "ok"
    assert hostile_run["code"] == 3 and rep["incomplete"] is True
    assert rep["summary"]["gate"]["exit_code"] == 3
    notes = " | ".join(rep["notes"])
    assert "2 path(s) could not be read (coverage gap): denied.py, locked" in notes
    assert "4 symbolic link(s) not followed" in notes and "deeper than the walk limit" in notes


@pytest.mark.slow
def test_real_run_finds_and_does_not_follow(hostile_run: dict[str, Any]) -> None:
    paths = {f["location"]["path"] for f in hostile_run["report"]["findings"] if f["location"]}
    for expected in (
        "app.py",
        "xss.py",
        "has space.py",
        HTML_NAME,
        NL_NAME,
        ESC_NAME,
        f"sub/{MD_NAME}",
        "bad?name.py",
    ):
        assert expected in paths, (expected, paths)
    assert any(p.endswith("/mid.py") for p in paths)
    for p in paths:
        assert not p.startswith(("loop/", "outside/", "a/b/", "/", "..")), p
        assert p not in ("passwd.py", "pipe.py", "denied.py") and not p.startswith("locked/")
        assert not p.endswith("bottom.py") and ".secscan-canary" not in p
    assert not any(p.name.startswith(".secscan-canary") for p in hostile_run["root"].iterdir())


@pytest.mark.slow
def test_real_run_reports_escape_hostile_names(hostile_run: dict[str, Any]) -> None:
    out: Path = hostile_run["out"]
    html = (out / "secscan.html").read_text("utf-8")
    md = (out / "secscan.md").read_text("utf-8")
    for text in (html, md):
        assert "<img src=x" not in text and "\x1b" not in text and "\x07" not in text
        assert "<script>alert" not in text
        assert "<b>&amp;" not in text  # the target folder's name too
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # no live Markdown link: the bracket is escaped
    assert "\\](javascript:" in md
    assert "new\nline.py" not in md  # a newline in a name never breaks a table row
    for row in (ln for ln in md.splitlines() if ln.startswith("| ") and "line.py" in ln):
        assert row.rstrip().endswith("|"), row
    for name in ("secscan.sarif", "gl-sast-report.json", "gl-secret-detection-report.json"):
        json.loads((out / name).read_text("utf-8"))
    schema_path = SAMPLES / "sarif-schema-2.1.0.json"
    if schema_path.is_file():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(schema_path.read_text("utf-8"))).validate(
            json.loads((out / "secscan.sarif").read_text("utf-8"))
        )


@pytest.mark.slow
def test_real_run_terminal_output_is_clean(hostile_run: dict[str, Any]) -> None:
    text = hostile_run["stdout"] + hostile_run["stderr"]
    assert "\x1b[2J" not in text and "\x07" not in text and "Traceback" not in text
    assert "new\nline.py" not in text
    assert "secscan: INCOMPLETE" in hostile_run["stdout"]
