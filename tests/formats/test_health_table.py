"""The terminal health table tells what ran: full versions, answers from the cache, what a check checked;
the notes name what git ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from run_cli import run_cli

from secscan.core.model import Gate, Result, ScannerResult, Status
from secscan.formats.summary import health_table


def _result(*scanners: ScannerResult) -> Result:
    return Result(target=".", started_at="2026-12-07T00:00:00+00:00", duration_s=1.0, scanners=scanners,
                  findings=(), gate=Gate("critical", True, 0, (), False))


def test_full_versions_cached_runs_and_the_mtls_self_test_are_shown() -> None:
    table = "\n".join(health_table(_result(
        ScannerResult("mtls", Status.OK, "OpenSSL 4.0.3 29 Sep 2026", 0.4, evidence={"mode": "self-test"}),
        ScannerResult("bandit", Status.OK, "1.9.4", 0.0, coverage={"files_scanned": 3, "files_from_cache": 3},
                      canary="detected", cached=True),
        ScannerResult("semgrep", Status.OK, "1.187.0", 6.1, canary="detected"))))
    assert "OpenSSL 4.0.3 29 Sep 2026" in table
    assert "self-test of the local TLS stack (not of the application" in table
    bandit = next(line for line in table.splitlines() if "bandit" in line)
    semgrep = next(line for line in table.splitlines() if "semgrep" in line)
    assert " cached " in bandit and " cached " not in semgrep and "6.1s" in semgrep


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_the_notes_name_what_git_ignored(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text(".env\nbuild/\n")
    (repo / ".env").write_text("X=1\n")
    (repo / "build").mkdir()
    (repo / "build" / "x.py").write_text("x = 1\n")
    (repo / "app.py").write_text("y = 2\n")
    code, doc = run_cli("secrets", repo, tmp_path / "out", "--scanners", "secscan-secrets", "--offline", "-q",
                        "--format", "json")
    note = next(n for n in doc["notes"] if "git ignores" in n)
    assert code == 0 and "2 path(s) git ignores were not scanned: .env, build/" in note
