"""A tool whose report names its version (semgrep's and detect-secrets' JSON) is not started a second time
for ``--version`` (1.2 CPU-s of every semgrep run); a run whose output lacks it still asks the tool."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from secscan.cli.main import main


@pytest.mark.parametrize(("tool", "command"), [("semgrep", "sast"), ("detect-secrets", "secrets")])
def test_the_real_tool_runs_once_and_its_version_comes_from_its_report(
        fake_bin: Callable[[str, str], Path], insecure_tree: Path, tmp_path: Path, tool: str,
        command: str) -> None:
    real = shutil.which(tool)
    assert real is not None, f"{tool} ships with secscan"
    log = tmp_path / "calls.log"
    fake_bin(tool, f'echo "$@" >> "{log}"\nexec "{real}" "$@"\n')
    out = tmp_path / "out"
    main([command, str(insecure_tree), "--scanners", tool, "--output-dir", str(out), "--no-cache", "-q",
          "--offline", "--format", "json"])
    entry = next(s for s in json.loads((out / "secscan.json").read_text("utf-8"))["scanners"]
                 if s["name"] == tool)
    calls = log.read_text("utf-8").splitlines()
    assert entry["status"] == "ok" and entry["version"], entry
    assert not any(c.strip() == "--version" for c in calls), calls
    assert len(calls) == 1, calls


def test_without_a_version_in_its_output_the_tool_is_asked(
        fake_bin: Callable[[str, str], Path], insecure_tree: Path, tmp_path: Path) -> None:
    fake_bin("semgrep", 'case "$1" in --version) echo 9.8.7; exit 0;; esac\n'
                        'echo \'{"results": [], "errors": [], "paths": {"scanned": []}}\'\n')
    out = tmp_path / "out"
    main(["sast", str(insecure_tree), "--scanners", "semgrep", "--output-dir", str(out), "--no-cache", "-q",
          "--offline", "--format", "json"])
    entry = next(s for s in json.loads((out / "secscan.json").read_text("utf-8"))["scanners"]
                 if s["name"] == "semgrep")
    assert entry["version"] == "9.8.7" and entry["status"] != "ok"  # covered nothing: never clean
