"""`secscan all/sast/deps` end to end: real tools on planted trees, and every failure mode with fake tools."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import scanner

from secscan.cli.main import main
from secscan.formats.json_report import validate

EMPTY_BANDIT = (
    '{"errors": [], "generated_at": "2026-01-01T00:00:00Z", '
    '"metrics": {"_totals": {"loc": 0}}, "results": []}'
)


def run(args: list[str], out: Path) -> tuple[int, dict]:
    code = main([*args, "--output-dir", str(out), "--no-cache", "--quiet"])
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    return code, report


@pytest.mark.slow
def test_real_sast_run_finds_planted_problems(insecure_tree: Path, tmp_path: Path) -> None:
    code, rep = run(["sast", str(insecure_tree)], tmp_path / "out")
    assert code == 0  # highs only; the default gate is critical
    for name in ("bandit", "semgrep"):
        s = scanner(rep, name)
        assert s["status"] == "ok" and s["canary"] == "detected", s
        assert s["coverage"]["files_scanned"] >= 2
    places = {(f["location"]["path"], f["location"]["start_line"], f["rule_id"]) for f in rep["findings"]}
    assert ("app.py", 7, "B602") in places
    pickle = next(f for f in rep["findings"] if f["location"]["start_line"] == 8)
    assert set(pickle["sources"]) == {"bandit", "semgrep"}
    assert {m["rule_id"] for m in pickle["properties"]["merged_from"]} == {
        "B301",
        "secscan.python.pickle-loads",
    }
    shell = next(f for f in rep["findings"] if f["rule_id"] == "B602")
    assert set(shell["sources"]) == {"bandit", "semgrep"}  # merged across tools
    assert not any("canary" in f["location"]["path"] for f in rep["findings"])
    assert not any(p.name.startswith(".secscan-canary") for p in insecure_tree.iterdir())
    code, rep = run(["sast", str(insecure_tree), "--fail-on", "high"], tmp_path / "out2")
    assert code == 1 and not rep["summary"]["gate"]["passed"]


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (f"echo '{EMPTY_BANDIT}'; exit 0", "failed", "canary not detected"),
        ("echo 'usage: bandit' >&2; exit 2", "failed", "bandit exited 2"),
        ("echo 'Traceback (most recent call last):' >&2; kill -SEGV $$", "failed", "signal"),
        ("echo '{not json'; exit 1", "failed", "unreadable output"),
        ("sleep 30", "timeout", "timed out"),
    ],
)
def test_bandit_failure_modes(
    fake_bin: Callable[[str, str], Path],
    insecure_tree: Path,
    tmp_path: Path,
    body: str,
    status: str,
    reason: str,
) -> None:
    fake_bin("bandit", f'case "$1" in --version) echo "bandit 9.9.9"; exit 0;; esac\n{body}\n')
    start = time.monotonic()
    code, rep = run(["sast", str(insecure_tree), "--scanners", "bandit", "--timeout", "2"], tmp_path / "out")
    s = scanner(rep, "bandit")
    assert s["status"] == status and reason in s["reason"], s
    assert code == 3 and rep["incomplete"] is True
    assert time.monotonic() - start < 20


def test_missing_tool_is_failed_and_required_when_named(
    fake_bin: Callable[[str, str], Path], insecure_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_bin("placeholder", "exit 0").parent
    monkeypatch.setenv("PATH", str(fake))
    monkeypatch.setattr("secscan.process.runner.environment_dirs", lambda: ())  # nothing beside secscan
    code, rep = run(["sast", str(insecure_tree), "--scanners", "bandit"], tmp_path / "out")
    s = scanner(rep, "bandit")
    assert s["status"] == "failed" and "not found" in s["reason"] and s["required"]
    assert code == 3


def test_bandit_config_skipping_every_test_is_caught(insecure_tree: Path, tmp_path: Path) -> None:
    (insecure_tree / "pyproject.toml").write_text(
        '[tool.bandit]\nskips = ["B602", "B301", "B403", "B404", "B506", "B324", "B303"]\n', "utf-8"
    )
    code, rep = run(["sast", str(insecure_tree), "--scanners", "bandit"], tmp_path / "out")
    s = scanner(rep, "bandit")
    assert s["status"] == "failed" and "canary not detected" in s["reason"] and code == 3
    (insecure_tree / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B602"]\n', "utf-8")
    code, rep = run(["sast", str(insecure_tree), "--scanners", "bandit"], tmp_path / "out2")
    s = scanner(rep, "bandit")
    assert s["status"] == "ok" and s["canary"] == "detected", s
    assert not any(f["rule_id"] == "B602" for f in rep["findings"])


def test_no_canary_is_reported(
    fake_bin: Callable[[str, str], Path], insecure_tree: Path, tmp_path: Path
) -> None:
    covered = EMPTY_BANDIT.replace(
        '"_totals": {"loc": 0}', '"_totals": {"loc": 0}, "app.py": {}, "clean.py": {}'
    )
    fake_bin("bandit", f'case "$1" in --version) echo "bandit 9.9.9"; exit 0;; esac\necho \'{covered}\'\n')
    code, rep = run(["sast", str(insecure_tree), "--scanners", "bandit", "--no-canary"], tmp_path / "out")
    assert scanner(rep, "bandit")["canary"] == "disabled"
    assert any("--no-canary" in n for n in rep["notes"])
    assert code == 0  # without the canary, an empty result that claims coverage reads as ok: the note says so
    fake_bin(
        "bandit", f'case "$1" in --version) echo "bandit 9.9.9"; exit 0;; esac\necho \'{EMPTY_BANDIT}\'\n'
    )
    code, rep = run(["sast", str(insecure_tree), "--scanners", "bandit", "--no-canary"], tmp_path / "out2")
    s = scanner(rep, "bandit")
    assert s["status"] == "partial" and "scanned 0 of 2" in s["reason"] and code == 3


@pytest.mark.slow
def test_pip_audit_offline_machine_is_failed_not_clean(tmp_path: Path) -> None:
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "requirements.txt").write_text("requests==2.19.1\njinja2==2.10\n", "utf-8")
    code, rep = run(["deps", str(tree), "--scanners", "pip-audit", "--timeout", "120"], tmp_path / "out")
    s = scanner(rep, "pip-audit")
    if s["status"] == "ok":  # this machine reached the vulnerability service: then it must show the real ones
        assert s["canary"] == "detected" and code == 1
        assert any(f["package"]["name"] == "requests" for f in rep["findings"]), rep["findings"]
        return
    assert s["status"] == "failed" and "audited" in s["reason"], s
    assert s["coverage"].get("dependencies_skipped", 0) >= 2
    assert code == 3
    code, rep = run(["deps", str(tree), "--offline"], tmp_path / "out2")
    s = scanner(rep, "pip-audit")
    assert s["status"] == "skipped" and s["reason"] == "offline" and code == 0


def test_ctrl_c_writes_incomplete_report(
    fake_bin: Callable[[str, str], Path], insecure_tree: Path, tmp_path: Path
) -> None:
    started = tmp_path / "bandit-started"  # the readiness signal: the scan's bandit process is running
    fake_bin("bandit", f'case "$1" in --version) echo "bandit 9.9.9"; exit 0;; esac\n'
                       f'touch "{started}"\nsleep 60\n')
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "secscan.cli.main",
            "sast",
            str(insecure_tree),
            "--scanners",
            "bandit",
            "--output-dir",
            str(out),
            "--no-cache",
        ],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not started.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the fake bandit never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    rep = json.loads((out / "secscan.json").read_text("utf-8"))
    assert rep["incomplete"] is True
    assert any("interrupted" in r for r in rep["summary"]["gate"]["reasons"])
    assert not any(p.name.startswith(".secscan-canary") for p in insecure_tree.iterdir())


TOOL_CASES = {  # tool -> (command, its --version answer)
    "semgrep": ("sast", "1.185.0"),
    "detect-secrets": ("secrets", "1.5.0"),
    "pip-audit": ("deps", "pip-audit 2.10.1"),
    "trivy": ("all", "Version: 0.58.1"),
}


@pytest.mark.parametrize("tool", list(TOOL_CASES))
@pytest.mark.parametrize(
    ("version_body", "body", "status", "reason"),
    [
        ("", "echo 'boom: internal error' >&2; exit 2", "failed", "2"),
        ("", "echo '{not json'; exit 0", "failed", ""),
        ("", "sleep 30", "timeout", "timed out after 2s"),
        ("sleep 30", "exit 0", "timeout", "did not answer"),
    ],
    ids=["crash", "garbage", "hang", "version-hang"],
)
def test_each_tool_failure_mode_is_never_clean(
    fake_bin: Callable[[str, str], Path], insecure_tree: Path, tmp_path: Path, tool: str,
    version_body: str, body: str, status: str, reason: str,
) -> None:
    command, version = TOOL_CASES[tool]
    (insecure_tree / "requirements.txt").write_text("requests==2.31.0\n", "utf-8")
    answer = version_body or f"echo '{version}'; exit 0"
    fake_bin(tool, f'case "$1" in --version) {answer};; esac\n{body}\n')
    start = time.monotonic()
    code, rep = run([command, str(insecure_tree), "--scanners", tool, "--timeout", "2"], tmp_path / "out")
    s = scanner(rep, tool)
    if version_body and tool in ("semgrep", "detect-secrets"):  # their JSON names their version: no probe
        status, reason = "failed", "no output"  # first; the run itself gave nothing (the probe after it hung)
    assert s["status"] == status and reason in (s["reason"] or ""), s
    assert code == 3 and rep["incomplete"] is True and rep["findings"] == []
    assert time.monotonic() - start < 20
