"""`secscan secrets --history [RANGE]`, `secscan all --history` and `history = true` on the command line: a
secret only in history fails the gate, a baseline accepts it, a range git could read as an option is exit 2;
reports are validated against the schema (tests/support/run_cli.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from run_cli import run_cli
from secret_samples import positive_samples

from secscan.cli.main import main

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]


def repo(root: Path) -> str:
    """A repository whose second commit deletes the key the first added; returns the value."""
    sample = next(s for s in positive_samples() if s.pattern == "aws-access-key-id")
    root.mkdir()
    (root / "app.py").write_text("print('hello')\n", "utf-8")
    (root / "settings.py").write_text(sample.line + "\n", "utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "add"], ["rm", "-q", "settings.py"],
                 ["commit", "-q", "-m", "remove"]):
        subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)
    return sample.value


def test_secrets_history_fails_the_gate_on_a_deleted_secret(tmp_path: Path) -> None:
    value = repo(tmp_path / "r")
    code, report = run_cli("secrets", tmp_path / "r", tmp_path / "out", "--scanners", "secscan-secrets",
                           "--fail-on", "high")
    assert code == 0  # the working tree is clean
    code, report = run_cli("secrets", tmp_path / "r", tmp_path / "out2", "--scanners",
                           "secscan-secrets,secscan-history", "--fail-on", "high", "--history")
    assert code == 1
    [f] = report["findings"]
    assert f["properties"]["history"]["present_at_head"] is False and f["location"]["path"] == "settings.py"
    assert value not in (tmp_path / "out2" / "secscan.json").read_text("utf-8")
    health = {s["name"]: s for s in report["scanners"]}
    assert health["secscan-history"]["status"] == "ok" and health["secscan-history"]["canary"] == "detected"
    assert "detect-secrets" in health["secscan-history"]["evidence"]["readers"]


def test_a_range_and_the_configuration_key(tmp_path: Path) -> None:
    repo(tmp_path / "r")
    code, report = run_cli("secrets", tmp_path / "r", tmp_path / "out", "--scanners",
                           "secscan-secrets,secscan-history", "--fail-on", "high",
                           "--history", "HEAD~1..HEAD")
    assert code == 0 and report["findings"] == []  # the key was added before that range
    (tmp_path / "r" / "pyproject.toml").write_text("[tool.secscan]\nhistory = true\n", "utf-8")
    code, _ = run_cli("all", tmp_path / "r", tmp_path / "out2", "--scanners",
                      "secscan-secrets,secscan-history", "--fail-on", "high")
    assert code == 1


def test_a_baseline_accepts_a_secret_only_in_history(tmp_path: Path) -> None:
    repo(tmp_path / "r")
    scan = ("--scanners", "secscan-secrets,secscan-history", "--no-cache")
    assert main(["baseline", "create", str(tmp_path / "r"), *scan, "--history"]) == 0
    code, report = run_cli("secrets", tmp_path / "r", tmp_path / "out", "--scanners",
                           "secscan-secrets,secscan-history", "--fail-on", "high", "--history",
                           "--baseline", str(tmp_path / "r" / ".secscan-baseline.json"))
    assert code == 0 and report["findings"][0]["suppressed"] is True


def test_a_range_git_could_read_as_an_option_is_a_usage_error(tmp_path: Path) -> None:
    repo(tmp_path / "r")
    assert main(["secrets", str(tmp_path / "r"), "--no-cache", "--output-dir", str(tmp_path / "o"),
                 "--history=--output=/tmp/x"]) == 2
