"""pip-audit online on a project with only a pyproject.toml: the project is never handed to pip-audit (pip
would build it, running the untrusted tree's build backend); its index requirements are written to a
requirements file in a private temporary folder and given with ``-r``."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import scanner
from run_cli import run_cli

# A stand-in for pip-audit that behaves as pip does with what it is given: a positional folder is a project
# pip builds (its setup.py runs, or its in-tree build backend is imported); -r files are read and logged.
FAKE = textwrap.dedent("""
    import json, os, subprocess, sys
    from pathlib import Path
    args = sys.argv[1:]
    if args == ["--version"]:
        print("pip-audit 2.10.1"); sys.exit(0)
    files = [args[i + 1] for i, a in enumerate(args) if a == "-r"]
    given = {f: Path(f).read_text() for f in files}
    with open(os.environ["FAKE_PIP_AUDIT_LOG"], "a") as log:
        log.write(json.dumps({"argv": args, "cwd": os.getcwd(), "files": given}) + "\\n")
    for a in args:
        if Path(a).is_dir():  # pip builds a project folder: its setup.py / build backend runs
            if (Path(a) / "setup.py").is_file():
                subprocess.run([sys.executable, "setup.py", "egg_info"], cwd=a)
            subprocess.run([sys.executable, "-c", "import backend"], cwd=a)
    known = {("pyyaml", "5.3"): ("PYSEC-2020-96", "CVE-2020-1747", "5.3.1"),
             ("urllib3", "1.24.1"): ("PYSEC-2019-133", "CVE-2019-11324", "1.24.2"),
             ("pygments", "2.7.3"): ("PYSEC-2021-141", "CVE-2021-27291", "2.7.4")}
    deps = []
    for text in given.values():
        for ln in text.splitlines():
            if "==" in ln and not ln.startswith("#"):
                name, version = ln.split("==")
                hit = known.get((name.lower(), version))
                vulns = [{"id": hit[0], "fix_versions": [hit[2]], "aliases": [hit[1]], "description": "d"}
                         ] if hit else []
                deps.append({"name": name.lower(), "version": version, "vulns": vulns})
    print(json.dumps({"dependencies": deps, "fixes": []}))
    sys.exit(1 if any(d["vulns"] for d in deps) else 0)
    """)

MARKER_CODE = "import pathlib, os; pathlib.Path(os.environ['BUILD_MARKER']).write_text('built')\n"


@pytest.fixture
def fake_pip_audit(tmp_path: Path, fake_bin: Callable[[str, str], Path],
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "fake_pip_audit.py"
    script.write_text(FAKE, "utf-8")
    fake_bin("pip-audit", f'exec "{sys.executable}" "{script}" "$@"\n')
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_PIP_AUDIT_LOG", str(log))
    monkeypatch.setenv("BUILD_MARKER", str(tmp_path / "BUILT"))
    return log


def hostile_project(root: Path, dependencies: str) -> Path:
    """A project whose setup.py and in-tree build backend leave a marker file when they run."""
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""
        [build-system]
        requires = []
        build-backend = "backend"
        backend-path = ["."]

        [project]
        name = "hostile"
        version = "1.0"
        dependencies = {dependencies}
        """), "utf-8")
    (root / "setup.py").write_text(MARKER_CODE, "utf-8")
    (root / "backend.py").write_text(MARKER_CODE, "utf-8")
    return root


def scan(root: Path, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    return run_cli("deps", root, tmp_path / "out", "--scanners", "pip-audit", "--quiet", "--format", "json",
                   "--fail-on", "high")


def test_the_fake_does_build_a_project_folder_it_is_given(tmp_path: Path, fake_pip_audit: Path) -> None:
    """The proof below means something: given the folder, as before the fix, the marker appears."""
    import subprocess

    root = hostile_project(tmp_path / "proj", '["pyyaml==5.3"]')
    subprocess.run(["pip-audit", "-f", "json", str(root)], capture_output=True, check=False)
    assert (tmp_path / "BUILT").read_text() == "built"


def test_a_pyproject_only_project_is_audited_from_its_requirements_and_never_built(
    tmp_path: Path, fake_pip_audit: Path
) -> None:
    root = hostile_project(tmp_path / "proj", '["pyyaml==5.3", "requests==2.31.0"]')
    code, rep = scan(root, tmp_path)
    assert not (tmp_path / "BUILT").exists(), "the tree's build backend ran"
    s = scanner(rep, "pip-audit")
    assert s["status"] == "ok" and s["canary"] == "detected", s
    (call,) = [json.loads(x) for x in fake_pip_audit.read_text("utf-8").splitlines()]
    argv = call["argv"]
    assert not any(Path(a).is_absolute() and Path(a).resolve().is_relative_to(root.resolve()) for a in argv)
    assert str(root) not in argv and "." not in argv
    assert "--no-deps" in argv and "--disable-pip" in argv  # every requirement pinned: nothing is installed
    given = sorted(call["files"].values())
    assert given == ["# requirements read by secscan from pyproject.toml\npyyaml==5.3\nrequests==2.31.0\n",
                     "urllib3==1.24.1\n"]
    assert all(not Path(f).resolve().is_relative_to(root.resolve()) for f in call["files"])
    assert [(f["package"]["name"], f["package"]["manifest"]) for f in rep["findings"]] == [
        ("pyyaml", "pyproject.toml")]
    assert code == 1


def test_ranges_are_resolved_by_pip_audit_and_paths_are_left_out_as_partial(
    tmp_path: Path, fake_pip_audit: Path
) -> None:
    deps = '["flask>=2; python_version >= \'3.8\'", "local @ file:///tmp/local", "./vendored"]'
    root = hostile_project(tmp_path / "proj", deps)
    code, rep = scan(root, tmp_path)
    assert not (tmp_path / "BUILT").exists(), "the tree's build backend ran"
    s = scanner(rep, "pip-audit")
    (call,) = [json.loads(x) for x in fake_pip_audit.read_text("utf-8").splitlines()]
    assert "--no-deps" not in call["argv"]  # a range: pip-audit resolves it from the index, not the tree
    text = next(t for t in call["files"].values() if t.startswith("# requirements"))
    assert text.splitlines()[1:] == ['flask>=2; python_version >= "3.8"']
    assert s["status"] == "partial", s
    assert s["reason"].startswith("pyproject.toml: 2 dependencies not given to pip-audit: "), s["reason"]
    assert "local (direct URL reference" in s["reason"] and "./vendored (local path" in s["reason"]
    assert code == 3  # partial under --fail-on high: incomplete


def test_a_requirements_file_never_picks_the_index_nor_builds_the_tree(
    tmp_path: Path, fake_pip_audit: Path
) -> None:
    """The tree's requirements.txt is not handed over either: its options would send pip to an index or
    link the tree chose, and its editable/path lines would build the tree's code."""
    root = hostile_project(tmp_path / "proj", "[]")
    (root / "pkg").mkdir()
    (root / "pkg" / "setup.py").write_text(MARKER_CODE, "utf-8")
    (root / "extra.txt").write_text("urllib3==1.24.1\n", "utf-8")
    (tmp_path / "outside.txt").write_text("pygments==2.7.3\n", "utf-8")
    (root / "requirements.txt").write_text(textwrap.dedent("""\
        --index-url http://127.0.0.1:9/evil/simple
        --extra-index-url=http://127.0.0.1:9/more
        -f http://127.0.0.1:9/links
        --trusted-host 127.0.0.1
        -e .
        ./pkg
        evil @ git+https://127.0.0.1:9/evil.git
        -r extra.txt
        -r ../outside.txt
        pyyaml==5.3 --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000
        flask>=2
        """), "utf-8")
    code, rep = scan(root, tmp_path)
    assert not (tmp_path / "BUILT").exists(), "the tree's code was built"
    calls = [json.loads(x) for x in fake_pip_audit.read_text("utf-8").splitlines()]
    for call in calls:
        assert not any(Path(a).resolve().is_relative_to(root.resolve()) for a in call["argv"] if "/" in a)
        assert not Path(call["cwd"]).resolve().is_relative_to(root.resolve())
        for text in call["files"].values():
            assert "127.0.0.1" not in text and "-e" not in text.split() and "./pkg" not in text
    given = [t for c in calls for t in c["files"].values() if t.startswith("# requirements read by secscan")]
    req = next(t for t in given if "from requirements.txt" in t)
    assert req.splitlines()[1:] == ["urllib3==1.24.1", "pyyaml==5.3", "flask>=2"]
    s = scanner(rep, "pip-audit")
    assert s["status"] == "partial", s
    assert "4 dependencies not given to pip-audit" in s["reason"], s["reason"]  # the 4th: ../outside.txt
    for left in ("editable install", "./pkg (local path", "evil (direct URL"):
        assert left in s["reason"], (left, s["reason"])
    assert code == 1 and rep["summary"]["gate"]["incomplete"]  # findings win over 3; still incomplete
