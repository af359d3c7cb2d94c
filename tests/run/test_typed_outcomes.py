"""Outcomes are data: canary state, cache origin, skip cause, import origin and shard are fields, never words
read back from a reason or a name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import secscan
from secscan.api import ScanReport
from secscan.core.model import CanaryState, ScannerResult, SkipCause, Status
from secscan.core.serialize import scanner_from_dict, scanner_to_dict
from secscan.formats.json_report import validate
from secscan.run.imports import import_one


def _by_name(report: ScanReport) -> dict[str, ScannerResult]:
    return {s.name: s for s in report.scanners}


def test_skip_causes_are_set_by_the_planner(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.31.0\n", "utf-8")
    (tmp_path / "notes.txt").write_text("nothing here\n", "utf-8")
    report = secscan.scan(tmp_path, scanners=["bandit", "pip-audit", "trivy-image"], offline=True,
                          use_cache=False, canary=False, allow_incomplete=True)
    s = _by_name(report)
    assert s["bandit"].skip is SkipCause.NOTHING_TO_SCAN  # no Python file
    assert s["pip-audit"].skip is SkipCause.OFFLINE
    assert s["trivy-image"].skip is SkipCause.NOT_REQUESTED  # no --image given
    data = report.to_dict()
    validate(data)
    assert {d["name"]: d["skip_cause"] for d in data["scanners"]} == {
        "bandit": "nothing-to-scan", "pip-audit": "offline", "trivy-image": "not-requested"}


def test_a_whole_tree_scanner_in_shard_two_is_other_shard(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.31.0\n", "utf-8")
    report = secscan.scan(tmp_path, scanners=["pip-audit"], shard=(2, 2), use_cache=False, offline=True)
    s = _by_name(report)
    assert s["pip-audit"].skip is SkipCause.OTHER_SHARD and not s["pip-audit"].incomplete
    assert report.result.shard == (2, 2) and report.to_dict()["shard"] == {"index": 2, "total": 2}


def test_canary_state_and_cache_origin_are_separate_fields(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import pickle\npickle.loads(b'')\n", "utf-8")
    cache = tmp_path.parent / f"{tmp_path.name}-cache"
    first = _by_name(secscan.scan(tmp_path, scanners=["bandit"], cache_dir=cache))["bandit"]
    again = _by_name(secscan.scan(tmp_path, scanners=["bandit"], cache_dir=cache))["bandit"]
    assert first.canary is CanaryState.DETECTED and not first.cached
    assert again.canary is CanaryState.DETECTED and again.cached
    d = scanner_to_dict(again)
    assert d["canary"] == "detected" and d["cached"] is True
    back = scanner_from_dict(d)
    assert back.canary is CanaryState.DETECTED and back.cached


def test_an_imported_entry_names_its_tool_and_file(tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    out.write_text(json.dumps({"results": [], "errors": [], "metrics": {"_totals": {"loc": 3},
                                                                      "x.py": {"loc": 3}}}), "utf-8")
    run = import_one("bandit", out)
    assert run.result.tool == "bandit" and run.result.imported_from == str(out)
    assert run.result.source == "bandit" and run.result.name == "bandit (import b.json)"
    d = scanner_to_dict(run.result)
    back = scanner_from_dict(d)
    assert d["tool"] == "bandit" and (back.tool, back.imported_from) == ("bandit", str(out))


@pytest.mark.parametrize(("legacy", "state", "cached"), [
    ("detected (cached)", CanaryState.DETECTED, True),
    ("detected", CanaryState.DETECTED, False),
    ("missing", CanaryState.MISSING, False),
    ("not-applicable", CanaryState.NOT_APPLICABLE, False),
    (None, None, False),
])
def test_older_reports_are_read_into_the_fields(legacy: str | None, state: CanaryState | None,
                                                cached: bool) -> None:
    s = scanner_from_dict({"name": "bandit", "status": "ok", "canary": legacy})
    assert s.canary is state and s.cached is cached


def test_older_reports_give_the_import_origin_and_the_nothing_to_scan_cause() -> None:
    s = scanner_from_dict({"name": "semgrep (import s.json)", "status": "ok",
                           "evidence": {"imported_from": "/x/s.json"}})
    assert (s.tool, s.imported_from, s.source) == ("semgrep", "/x/s.json", "semgrep")
    why = "no Python files in the target"
    old = scanner_from_dict({"name": "bandit", "status": "skipped", "reason": why})
    assert old.skip is SkipCause.NOTHING_TO_SCAN
    assert scanner_from_dict({"name": "pip-audit", "status": "skipped", "reason": "offline"}).skip is None
    assert ScannerResult("x", Status.OK, canary="detected").canary is CanaryState.DETECTED
