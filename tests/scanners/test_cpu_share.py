"""Scanners running side by side share the cores: semgrep gets ``-j`` from the engine, results unchanged."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from run_cli import run_cli

from secscan.run.engine import cpu_share


@pytest.mark.parametrize(("jobs", "scanners", "cpus", "share"), [
    (1, 1, 8, 8),    # one busy tool alone: every core
    (2, 2, 8, 7),    # the other busy tool keeps one core
    (7, 4, 8, 5),    # bandit, detect-secrets, trivy beside semgrep on 8 cores
    (7, 3, 2, 1),    # this machine: never below one core
    (2, 4, 8, 7),    # --jobs 2: only two run at once
    (6, 0, 4, 4),    # nothing busy: still a valid share
    (3, 3, 1, 1),
])
def test_share_table(jobs: int, scanners: int, cpus: int, share: int) -> None:
    assert cpu_share(jobs, scanners, cpus) == share


SEMGREP = shutil.which("semgrep")


def _scan(tree: Path, out: Path, scanners: str) -> dict:
    rc, report = run_cli("sast", tree, out, "--offline", "--quiet", "--format", "json",
                         "--scanners", scanners)
    assert rc in (0, 1), rc
    return report


@pytest.mark.skipif(SEMGREP is None, reason="semgrep is not installed")
def test_semgrep_gets_its_share_and_finds_the_same(insecure_tree: Path, tmp_path: Path,
                                                  fake_bin: Callable[[str, str], Path]) -> None:
    log = tmp_path / "argv.log"
    fake_bin("semgrep", f'printf "%s\\n" "$*" >> "{log}"\nexec "{SEMGREP}" "$@"\n')
    alone = _scan(insecure_tree, tmp_path / "alone", "semgrep")
    both = _scan(insecure_tree, tmp_path / "both", "semgrep,bandit")
    scans = [line.split() for line in log.read_text().splitlines() if " scan " in f" {line} "]
    assert len(scans) == 2
    jobs = [argv[argv.index("-j") + 1] for argv in scans]
    assert jobs == [str(cpu_share(1, 1, os.cpu_count())), str(cpu_share(2, 2, os.cpu_count()))]

    def semgrep_places(report: dict) -> set[tuple[str, int]]:  # merged with bandit's: bandit's rule id
        return {(f["location"]["path"], f["location"]["start_line"]) for f in report["findings"]
                if "semgrep" in f["sources"]}

    assert semgrep_places(alone) and semgrep_places(alone) == semgrep_places(both)
    for report in (alone, both):
        assert next(s for s in report["scanners"] if s["name"] == "semgrep")["status"] == "ok"
