"""Faults: a scanner killed from outside, a crash mid-output, a full disk, an unwritable output folder, and
`--output-dir` traversal. (Crash by signal, hang/timeout, bad exit codes and Ctrl-C:
tests/test_scan_faults.py.)

A full disk is simulated by monkeypatching ``os.write``/``os.replace`` in secscan.core.atomic; a read-only
folder by a folder that is a file, or a path under a file (root ignores chmod).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from run_cli import run_cli

from secscan.cli.main import main
from secscan.core import atomic
from secscan.formats.json_report import validate

BANDIT_VERSION = 'case "$1" in --version) echo "bandit 9.9.9"; exit 0;; esac\n'
GOOD_BANDIT = {
    "errors": [],
    "generated_at": "2026-01-01T00:00:00Z",
    "metrics": {"_totals": {"loc": 3, "nosec": 0}, "a.py": {"loc": 3}},
    "results": [
        {
            "code": "1 eval(x)\n",
            "col_offset": 0,
            "filename": "a.py",
            "issue_confidence": "HIGH",
            "issue_cwe": {"id": 78, "link": ""},
            "issue_severity": "MEDIUM",
            "issue_text": "Use of eval",
            "line_number": 1,
            "line_range": [1],
            "more_info": "",
            "test_id": "B307",
            "test_name": "blacklist",
        }
    ],
}


def run_all(tree: Path, out: Path, *extra: str) -> tuple[int, dict]:
    return run_cli("sast", tree, out, "--quiet", *extra)


def kill_when_started(pidfile: Path, sig: int) -> threading.Thread:
    def killer() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = pidfile.read_text() if pidfile.exists() else ""
            if text.strip():
                time.sleep(0.3)
                os.kill(int(text), sig)
                return
            time.sleep(0.05)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_scanner_killed_from_outside(
    fake_bin: Callable[[str, str], Path], insecure_tree: Path, tmp_path: Path, sig: int
) -> None:
    pidfile = tmp_path / "bandit.pid"
    fake_bin("bandit", f"{BANDIT_VERSION}echo $$ > '{pidfile}'\nexec sleep 60\n")
    killer = kill_when_started(pidfile, sig)
    start = time.monotonic()
    code, rep = run_all(insecure_tree, tmp_path / "out", "--scanners", "bandit", "--timeout", "120")
    killer.join(1)
    assert pidfile.exists() and time.monotonic() - start < 40
    s = next(s for s in rep["scanners"] if s["name"] == "bandit")
    assert s["status"] == "failed" and f"signal {int(sig)}" in s["reason"], s
    assert code == 3 and rep["incomplete"] is True and rep["summary"]["gate"]["passed"] is False


def test_crash_mid_output_keeps_the_other_scanner(
    fake_bin: Callable[[str, str], Path], insecure_tree: Path, tmp_path: Path
) -> None:
    half = json.dumps(GOOD_BANDIT)[:120]
    fake_bin("bandit", f"{BANDIT_VERSION}printf '%s' '{half}'\nexit 0\n")
    code, rep = run_all(insecure_tree, tmp_path / "out", "--scanners", "bandit,secscan-secrets")
    by = {s["name"]: s for s in rep["scanners"]}
    assert by["bandit"]["status"] == "failed" and by["secscan-secrets"]["status"] == "ok"
    assert code == 3 and rep["incomplete"] is True


def import_args(tmp_path: Path, out: Path, *extra: str) -> list[str]:
    src = tmp_path / "bandit.json"
    if not src.exists():
        src.write_text(json.dumps(GOOD_BANDIT), "utf-8")
    return ["import", "bandit", str(src), "--output-dir", str(out), "--quiet", "--fail-on", "never", *extra]


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("secscan: error: ") and "Traceback" not in err, err
    return lines[0]


def fail_nth(n: int, exc: OSError, real: Callable[..., object]) -> Callable[..., object]:
    calls = {"n": 0}

    def fake(*args: object) -> object:
        calls["n"] += 1
        if calls["n"] >= n:
            raise exc
        return real(*args)

    return fake


ENOSPC = OSError(errno.ENOSPC, "No space left on device")
EROFS = OSError(errno.EROFS, "Read-only file system")
# name -> (function of the write module to break, on which call, error); each is one fault case.
WRITE_FAULTS = {
    "ENOSPC on the first write": ("write", 1, ENOSPC),
    "ENOSPC on the third write (after reports were written)": ("write", 3, ENOSPC),
    "EROFS on replace": ("replace", 1, EROFS),
    "ENOSPC on fsync": ("fsync", 1, ENOSPC),
}


@pytest.mark.parametrize("case", sorted(WRITE_FAULTS))
def test_full_disk_keeps_older_reports_byte_identical(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(import_args(tmp_path, out)) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"secscan.json", "secscan.md", "secscan.html", "secscan.sarif"}
    capsys.readouterr()
    func, nth, exc = WRITE_FAULTS[case]
    monkeypatch.setattr(atomic.os, func, fail_nth(nth, exc, getattr(os, func)))
    code = main(import_args(tmp_path, out))
    monkeypatch.undo()
    assert code == 2  # never 0: the results were not delivered
    line = one_error_line(capsys.readouterr().err)
    assert "cannot write report" in line and os.strerror(exc.errno) in line
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(after) == set(before)  # no temporary file left behind
    # every report is whole: either byte-identical to the old one, or a complete new one
    assert after["secscan.json"] == before["secscan.json"] or json.loads(after["secscan.json"])
    if nth == 1:
        assert after == before
    validate(json.loads(after["secscan.json"]))


BLOCKED_OUTPUT = {
    "output dir is a file": lambda d: d / "file",
    "output dir under a file": lambda d: d / "file" / "reports",
    "secscan.json is a folder": lambda d: d / "out",
}


@pytest.mark.parametrize("case", sorted(BLOCKED_OUTPUT))
def test_unwritable_output_folder_is_one_line_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("not a folder", "utf-8")
    (tmp_path / "out" / "secscan.json").mkdir(parents=True)
    out = BLOCKED_OUTPUT[case](tmp_path)
    code = main(import_args(tmp_path, out))
    assert code == 2
    assert "report" in one_error_line(capsys.readouterr().err)
    assert (tmp_path / "file").read_text("utf-8") == "not a folder"
    assert (tmp_path / "out" / "secscan.json").is_dir()


def test_unwritable_output_after_a_failing_gate_is_not_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x", "utf-8")
    args = import_args(tmp_path, tmp_path / "file")
    args[args.index("never")] = "medium"
    assert main(args) == 2
    one_error_line(capsys.readouterr().err)


TRAVERSAL = [
    "../../../../escaped.py",
    "/etc/passwd",
    "..",
    "../secscan.json",
    "a/../../../x",
    "C:\\..\\..\\x",
]


def test_finding_data_cannot_steer_report_files(tmp_path: Path) -> None:
    """Paths and rule ids with ../ and absolute paths stay data: only the fixed file names are written."""
    results = [
        dict(GOOD_BANDIT["results"][0], filename=p, test_id=p, test_name=p, issue_text=p) for p in TRAVERSAL
    ]
    src = tmp_path / "evil.json"
    src.write_text(json.dumps(dict(GOOD_BANDIT, results=results)), "utf-8")
    work = tmp_path / "work"
    out = work / "out"
    out.mkdir(parents=True)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    code = main(
        [
            "import",
            "bandit",
            str(src),
            "--output-dir",
            str(out),
            "--quiet",
            "--fail-on",
            "never",
            "--format",
            "json,md,html,sarif,gitlab",
        ]
    )
    assert code == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(
        [
            "secscan.json",
            "secscan.md",
            "secscan.html",
            "secscan.sarif",
            "gl-sast-report.json",
            "gl-dependency-scanning-report.json",
            "gl-secret-detection-report.json",
        ]
    )
    assert sorted(str(p) for p in tmp_path.rglob("*") if p.parent != out) == before
    assert not Path("/escaped.py").exists()
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    assert {f["location"]["path"] for f in report["findings"]} >= {"../../../../escaped.py", "/etc/passwd"}


def test_symlinked_report_is_replaced_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious", "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(outside, out / "secscan.json")
    os.symlink(tmp_path / "nowhere" / "created.md", out / "secscan.md")  # dangling: must not create it
    assert main(import_args(tmp_path, out)) == 0
    assert outside.read_text("utf-8") == "precious"
    assert not (tmp_path / "nowhere").exists()
    for name in ("secscan.json", "secscan.md"):
        assert not (out / name).is_symlink() and (out / name).is_file()
    validate(json.loads((out / "secscan.json").read_text("utf-8")))


def test_interrupted_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C in the middle of writing a report: the old file stays, no temporary file is left."""
    target = tmp_path / "secscan.json"
    target.write_bytes(b"old")
    monkeypatch.setattr(atomic.os, "fsync", fail_nth(1, KeyboardInterrupt(), os.fsync))  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        atomic.atomic_write(target, b"new" * 1000)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["secscan.json"]


def test_short_writes_are_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write
    monkeypatch.setattr(atomic.os, "write", lambda fd, data: real(fd, bytes(data[:7])))
    data = os.urandom(10_000)
    atomic.atomic_write(tmp_path / "x", data)
    assert (tmp_path / "x").read_bytes() == data
