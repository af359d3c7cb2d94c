"""Imported outputs that covered nothing are failed like a live run that scanned nothing, not clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.core.model import Status
from secscan.run.imports import import_one

EMPTY = {
    "semgrep": {"version": "1.100.0", "results": [], "errors": [], "paths": {"scanned": []}},
    "bandit": {"errors": [], "generated_at": "2026-01-01T00:00:00Z", "metrics": {"_totals": {"loc": 0}},
               "results": []},
    "npm-audit": {"auditReportVersion": 2, "vulnerabilities": {}, "metadata": {
        "vulnerabilities": {"info": 0, "low": 0, "moderate": 0, "high": 0, "critical": 0, "total": 0},
        "dependencies": {"prod": 0, "dev": 0, "optional": 0, "peer": 0, "peerOptional": 0, "total": 0}}},
    "pip-audit": {"dependencies": [], "fixes": []},
}
COVERED = {
    "semgrep": {"version": "1.100.0", "results": [], "errors": [], "paths": {"scanned": ["app.py"]}},
    "bandit": {"errors": [], "generated_at": "2026-01-01T00:00:00Z",
               "metrics": {"_totals": {"loc": 3}, "app.py": {"loc": 3}}, "results": []},
    "pip-audit": {"dependencies": [{"name": "requests", "version": "2.32.3", "vulns": []}], "fixes": []},
}


@pytest.mark.parametrize("tool", sorted(EMPTY))
def test_an_output_that_covered_nothing_is_failed(tool: str, tmp_path: Path) -> None:
    path = tmp_path / f"{tool}.json"
    path.write_text(json.dumps(EMPTY[tool]))
    run = import_one(tool, path)
    assert run.result.status is Status.FAILED and run.result.reason  # pip-audit's parser says so itself


@pytest.mark.parametrize("tool", sorted(COVERED))
def test_an_output_that_covered_something_stays_ok(tool: str, tmp_path: Path) -> None:
    path = tmp_path / f"{tool}.json"
    path.write_text(json.dumps(COVERED[tool]))
    assert import_one(tool, path).result.status is Status.OK


def test_import_of_an_empty_output_is_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "semgrep.json"
    path.write_text(json.dumps(EMPTY["semgrep"]))
    code = main(["import", "semgrep", str(path), "--output-dir", str(tmp_path / "out"), "--format", "json"])
    assert code == 3
