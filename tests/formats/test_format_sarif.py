"""SARIF 2.1.0: valid against the official schema, readable by sarif-tools, GitHub-ready."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import (
    build,
    clean_result,
    hostile_finding,
    incomplete_result,
    sample_findings,
    sample_result,
    scanners,
)

from secscan.core.model import Location, Result, Severity
from secscan.formats.sarif import FINGERPRINT_KEY, SECURITY_SEVERITY, SarifFormat, automation_id, to_sarif

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
SCHEMA = SAMPLES / "sarif-schema-2.1.0.json"


def results() -> list[Result]:
    r = sample_result()
    return [r, incomplete_result(), clean_result(), replace(r, findings=(*r.findings, hostile_finding()))]


def _run(r: Result) -> dict[str, Any]:
    return to_sarif(r)["runs"][0]


@pytest.mark.parametrize("index", range(4))
def test_valid_against_official_schema(index: int) -> None:
    if not SCHEMA.exists():
        pytest.skip("[shared] SARIF schema sample not present")
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    doc = json.loads(SarifFormat().render(results()[index])["secscan.sarif"])
    jsonschema.Draft4Validator(schema).validate(doc)


def test_sarif_tools_reads_it(tmp_path: Path) -> None:
    pytest.importorskip("sarif", reason="sarif-tools is not installed")
    from sarif import loader

    path = tmp_path / "secscan.sarif"
    r = incomplete_result()
    text = SarifFormat().render(r)["secscan.sarif"]
    assert isinstance(text, str)
    path.write_text(text, encoding="utf-8")
    sf = loader.load_sarif_file(str(path))
    assert sf.get_result_count() == len(r.findings)
    assert sf.get_distinct_tool_names() == ["secscan"]
    cli = shutil.which("sarif")
    if cli is None:
        pytest.skip("the sarif CLI is not on PATH")
    proc = subprocess.run([cli, "summary", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "error:" in proc.stdout and "CVE-2019-10906" in proc.stdout


def test_document_shape() -> None:
    r = sample_result()
    doc = to_sarif(r)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "secscan" and run["tool"]["driver"]["version"] == "0.1.0"
    assert {e["name"] for e in run["tool"]["extensions"]} == {s.name for s in r.scanners}
    assert len(run["results"]) == len(r.findings)


def test_rules_carry_security_severity_tags_and_level() -> None:
    run = _run(sample_result())
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert len(rules) == len(run["tool"]["driver"]["rules"])
    b602 = rules["B602"]
    assert b602["properties"]["security-severity"] == "8.0"
    assert b602["defaultConfiguration"]["level"] == "error"
    assert {"sast", "security", "external/cwe/cwe-78"} <= set(b602["properties"]["tags"])
    assert rules["CVE-2019-10906"]["properties"]["security-severity"] == "9.5"
    assert rules["CVE-2019-10906"]["helpUri"] == "https://nvd.nist.gov/vuln/detail/CVE-2019-10906"
    for res in run["results"]:
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]


@pytest.mark.parametrize(
    ("sev", "low", "high"),
    [
        (Severity.CRITICAL, 9.0, 10.0),
        (Severity.HIGH, 7.0, 8.9),
        (Severity.MEDIUM, 4.0, 6.9),
        (Severity.LOW, 0.1, 3.9),
        (Severity.INFO, 0.0, 0.0),
    ],
)
def test_security_severity_bands(sev: Severity, low: float, high: float) -> None:
    assert low <= float(SECURITY_SEVERITY[sev]) <= high


def test_every_result_has_an_artifact_uri_and_valid_regions() -> None:
    r = replace(sample_result(), findings=(*sample_result().findings, hostile_finding()))
    for f, res in zip(r.findings, _run(r)["results"], strict=True):
        assert len(res["locations"]) == 1
        phys = res["locations"][0]["physicalLocation"]
        assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        uri = phys["artifactLocation"]["uri"]
        assert uri and not uri.startswith("/") and ":" not in uri and " " not in uri and "<" not in uri
        assert res["partialFingerprints"] == {FINGERPRINT_KEY: f.fingerprint}
        region = phys.get("region")
        if f.location is not None and f.location.start_line:
            assert region["startLine"] == f.location.start_line >= 1
        else:
            assert region is None
        if f.package is not None and f.location is not None and not f.location.image:
            assert uri == (f.package.manifest or f.location.path).replace(" ", "%20")
    by_rule = {res["ruleId"]: res for res in _run(r)["results"]}
    assert (
        by_rule["CVE-2019-11324"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "backend/requirements-old.txt"
    )
    image = by_rule["CVE-2023-4911"]["locations"][0]
    assert image["logicalLocations"][0]["name"] == "python:3.8-slim" and image["properties"]["pseudo"] is True


def test_zero_line_is_not_a_region() -> None:
    f = sample_findings()[0]
    f = f.with_(location=Location("a.py", 0, 0))
    res = _run(build([f], scanners(False)))["results"][0]
    assert "region" not in res["locations"][0]["physicalLocation"]


def test_suppressed_findings_carry_suppressions_and_baseline_state() -> None:
    res = {x["ruleId"]: x for x in _run(sample_result())["results"]}
    sup = res["B324"]["suppressions"]
    assert sup == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "not used for security",
            "properties": {"owner": "crypto-team", "expires": "2099-03-01"},
        }
    ]
    assert "suppressions" not in res["B602"]
    assert res["B608"]["baselineState"] == "unchanged" and res["B602"]["baselineState"] == "new"
    assert res["B301"]["properties"]["suppression_expired"] == "2024-01-01"


def test_incomplete_scan_is_unsuccessful_with_notifications() -> None:
    inv = _run(incomplete_result())["invocations"][0]
    assert inv["executionSuccessful"] is False
    notes = {n["descriptor"]["id"]: n for n in inv["toolExecutionNotifications"]}
    assert notes["scanner/semgrep"]["level"] == "error"
    assert notes["scanner/npm-audit"]["level"] == "error"
    assert notes["scanner/pqc"]["level"] == "error"  # partial is incomplete
    assert notes["scanner/trivy"]["level"] == "note"
    assert "timed out after 300 s" in notes["scanner/semgrep"]["message"]["text"]
    ok = _run(sample_result())["invocations"][0]
    assert ok["executionSuccessful"] is True
    assert [n["descriptor"]["id"] for n in ok["toolExecutionNotifications"]] == ["scanner/trivy"]
    assert ok["startTimeUtc"] == "2025-05-01T10:20:30.000Z" and ok["endTimeUtc"] == "2025-05-01T10:20:44.200Z"


def test_interrupted_run_without_failed_scanner_is_unsuccessful() -> None:
    r = sample_result()
    r = replace(r, gate=replace(r.gate, incomplete=True, reasons=("the run was interrupted",)))
    inv = _run(r)["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert any(n["message"]["text"] == "the run was interrupted" for n in inv["toolExecutionNotifications"])


def test_automation_id_is_distinct_per_run() -> None:
    a, b = sample_result(run_id="run-1"), sample_result(run_id="run-2")
    assert automation_id(a) == "secscan/demo-project/run-1" != automation_id(b)
    assert _run(a)["automationDetails"]["id"] == "secscan/demo-project/run-1"
    odd = replace(a, target="../my proj/", run_id="")
    assert automation_id(odd) == "secscan/my-proj/2025-05-01T10:20:30+00:00"
