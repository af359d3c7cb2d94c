"""checkov's findings (category iac) in every report format: MD, HTML, SARIF, GitLab sast, JUnit, JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from report_fixtures import build, scanners

from secscan.core.model import ScannerResult, Status
from secscan.formats import json_report
from secscan.formats.registry import get
from secscan.parsers import checkov

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checkov"


def result():
    found = checkov.parse((FIXTURES / "multi_framework.json").read_bytes(), "checkov").findings
    found = tuple(replace(f, fingerprint=f"fingerprint-{i:04d}") for i, f in enumerate(found))
    ckv = ScannerResult("checkov", Status.OK, "3.3.30", 12.0, findings=len(found))
    return build(found, [*scanners(False), ckv], fail_on="high")


def test_iac_in_every_format() -> None:
    r = result()
    md = get("md").render(r)["secscan.md"]
    assert isinstance(md, str) and "CKV\\_K8S\\_16" in md and "By category: iac 45" in md
    html = get("html").render(r)["secscan.html"]
    assert isinstance(html, str) and "CKV_K8S_16" in html and "iac" in html
    sarif = json.loads(get("sarif").render(r)["secscan.sarif"])
    res = [x for run in sarif["runs"] for x in run["results"] if x["ruleId"] == "CKV_K8S_16"]
    assert res and res[0]["properties"]["category"] == "iac"
    gl = json.loads(get("gitlab").render(r)["gl-sast-report.json"])
    assert any(v["identifiers"][0]["value"] == "CKV_K8S_16" or "CKV_K8S_16" in json.dumps(v)
               for v in gl["vulnerabilities"])
    junit = get("junit").render(r)["secscan-junit.xml"]
    assert isinstance(junit, str) and 'classname="secscan.checkov.iac"' in junit
    doc = json.loads(json_report.dumps(r))
    json_report.validate(doc)
    assert {f["category"] for f in doc["findings"] if f["sources"] == ["checkov"]} == {"iac"}
