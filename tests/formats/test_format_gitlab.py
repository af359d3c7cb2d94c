"""GitLab security reports (15.0.x): routing, ids, identifiers, scan status, and the samples' structure."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import SECRET_HASH, SECRET_VALUE, incomplete_result, sample_result

from secscan.core.model import Category, Result
from secscan.formats.gitlab import (
    DEPENDENCY_SCANNING,
    FILES,
    SAST,
    SCHEMA_VERSION,
    SECRET_DETECTION,
    GitLabFormat,
    identifiers,
    report,
)

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "gitlab"
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
#: GitLab removed these from vulnerabilities in 15.x (issues 368140, 368371, 370925); see the samples' README.
REMOVED_IN_15 = {"cve", "scanner", "category", "confidence"}
#: Keys 15.x added that the (older) samples cannot show.
ADDED_IN_15 = {"scan": {"analyzer", "messages"}, "vulnerability": {"flags"}}
KIND_OF_SAMPLE = {"gl-sast": SAST, "gl-dependency": DEPENDENCY_SCANNING, "gitlab_secret": SECRET_DETECTION}


def _all(r: Result) -> dict[str, dict[str, Any]]:
    out = GitLabFormat().render(r)
    return {kind: json.loads(out[name]) for kind, name in FILES.items()}


def _samples(kind: str) -> list[dict[str, Any]]:
    if not SAMPLES.is_dir():
        pytest.skip("[shared] GitLab samples not present")
    out = []
    for p in sorted(SAMPLES.glob("*.json")):
        prefix = next((k for k in KIND_OF_SAMPLE if p.name.split("__", 1)[1].startswith(k)), None)
        if prefix and KIND_OF_SAMPLE[prefix] == kind:
            out.append(json.loads(p.read_text()))
    assert out, f"no {kind} sample"
    return out


def test_three_files_and_routing_by_category() -> None:
    r = sample_result()
    out = GitLabFormat().render(r)
    assert set(out) == {
        "gl-sast-report.json",
        "gl-dependency-scanning-report.json",
        "gl-secret-detection-report.json",
    }
    reports = _all(r)
    names = {kind: {v["name"] for v in rep["vulnerabilities"]} for kind, rep in reports.items()}
    assert "Flask debug mode" in names[SAST] and "ML-KEM round trip failed" in names[SAST]
    assert "server accepts clients without certificate" in names[SAST]
    assert "glibc: buffer overflow in ld.so" in names[DEPENDENCY_SCANNING]
    assert "GPL-3.0 license" in names[DEPENDENCY_SCANNING]
    assert names[SECRET_DETECTION] == {"AWS access key"}
    assert sum(len(rep["vulnerabilities"]) for rep in reports.values()) == len(r.findings)
    for kind, rep in reports.items():
        assert rep["version"] == SCHEMA_VERSION and rep["version"].startswith("15.")
        assert rep["scan"]["type"] == kind


def test_ids_are_stable_uuids_from_the_fingerprint() -> None:
    a, b = _all(sample_result()), _all(sample_result(run_id="other"))
    ids = [v["id"] for rep in a.values() for v in rep["vulnerabilities"]]
    assert len(set(ids)) == len(ids)
    for i in ids:
        assert str(uuid.UUID(i)) == i
    assert ids == [v["id"] for rep in b.values() for v in rep["vulnerabilities"]]


def test_vulnerability_fields() -> None:
    reports = _all(sample_result())
    sast = {v["name"]: v for v in reports[SAST]["vulnerabilities"]}
    v = sast["subprocess call with shell=True"]
    assert v["severity"] == "High" and v["location"] == {
        "file": "app/run.py",
        "start_line": 12,
        "end_line": 12,
    }
    assert v["identifiers"][0] == {"type": "secscan_rule_id", "name": "secscan rule B602", "value": "B602"}
    assert {
        "type": "cwe",
        "name": "CWE-78",
        "value": "78",
        "url": "https://cwe.mitre.org/data/definitions/78.html",
    } in v["identifiers"]
    assert sast["Use of weak MD5 hash"]["flags"][0]["type"] == "flagged-as-likely-false-positive"
    assert "not used for security" in sast["Use of weak MD5 hash"]["description"]
    assert sast["assert used"]["severity"] == "Info"
    assert "file" not in sast["ML-KEM round trip failed"]["location"]
    dep = {v["name"]: v for v in reports[DEPENDENCY_SCANNING]["vulnerabilities"]}
    req = dep["requests 2.19.0: CVE-2018-18074"]
    assert req["location"] == {
        "file": "requirements.txt",
        "dependency": {"package": {"name": "requests"}, "version": "2.19.0"},
    }
    assert [i["type"] for i in req["identifiers"]] == ["cve", "ghsa", "secscan_rule_id"]
    assert req["solution"] == "upgrade requests from 2.19.0 to 2.20.0"
    assert dep["jinja2 2.10: CVE-2019-10906"]["severity"] == "Critical"
    files = {d["path"]: d for d in reports[DEPENDENCY_SCANNING]["dependency_files"]}
    assert files["requirements.txt"]["package_manager"] == "pip"
    assert {"package": {"name": "requests"}, "version": "2.19.0"} in files["requirements.txt"]["dependencies"]


def test_secret_report_never_holds_the_value() -> None:
    rep = _all(sample_result())[SECRET_DETECTION]
    text = json.dumps(rep)
    assert SECRET_VALUE not in text and SECRET_HASH not in text
    (v,) = rep["vulnerabilities"]
    assert "raw_source_code_extract" not in v
    assert v["location"] == {
        "file": "config/aws.env",
        "commit": {"sha": "0000000"},
        "start_line": 2,
        "end_line": 2,
    }


def test_identifier_types() -> None:
    f = (
        sample_result()
        .findings[0]
        .with_(identifiers=("CVE-2020-1", "GHSA-aaaa-bbbb-cccc", "PYSEC-2021-9", "CWE-79", "weird id"))
    )
    types = [i["type"] for i in identifiers(f)]
    assert types == ["secscan_rule_id", "cve", "ghsa", "pysec", "other", "cwe"]
    many = f.with_(identifiers=tuple(f"CVE-2020-{n}" for n in range(40)))
    assert len(identifiers(many)) == 20


def test_scan_object_and_status() -> None:
    ok = _all(sample_result())
    for rep in ok.values():
        scan = rep["scan"]
        assert scan["status"] == "success"
        assert TIME.match(scan["start_time"]) and TIME.match(scan["end_time"])
        assert scan["start_time"] == "2025-05-01T10:20:30" and scan["end_time"] == "2025-05-01T10:20:44"
        for tool in (scan["analyzer"], scan["scanner"]):
            assert (
                tool["id"] == "secscan"
                and tool["version"] == "0.1.0"
                and tool["vendor"] == {"name": "secscan"}
            )
        assert all(m["level"] == "info" for m in scan.get("messages", []))  # trivy skipped, not required
    bad = _all(incomplete_result())
    for kind, rep in bad.items():
        scan = rep["scan"]
        assert scan["status"] == "failure"
        levels = {m["value"].split(" ")[0]: m["level"] for m in scan["messages"]}
        assert scan["messages"][0]["level"] == "fatal"
        assert levels["semgrep"] == ("fatal" if kind == SAST else "warn")
        assert levels["npm-audit"] == ("fatal" if kind == DEPENDENCY_SCANNING else "warn")
        assert levels["trivy"] == "info"


def test_interrupted_run_is_a_failure() -> None:
    r = sample_result()
    r = replace(r, gate=replace(r.gate, incomplete=True, reasons=("the run was interrupted",)))
    scan = report(r, SAST)["scan"]
    assert scan["status"] == "failure"
    assert {"level": "fatal", "value": "the run was interrupted"} in scan["messages"]


@pytest.mark.parametrize("kind", [SAST, DEPENDENCY_SCANNING, SECRET_DETECTION])
def test_key_sets_match_gitlab_samples(kind: str) -> None:
    samples = _samples(kind)
    ours = report(incomplete_result(), kind)
    sample_top = set().union(*(s.keys() for s in samples))
    assert set(ours) <= sample_top | {"dependency_files"} and {
        "version",
        "vulnerabilities",
        "remediations",
    } <= set(ours)
    if kind == DEPENDENCY_SCANNING:
        assert "dependency_files" in ours
        sample_df = {k for s in samples for d in s.get("dependency_files", []) for k in d}
        assert {k for d in ours["dependency_files"] for k in d} == sample_df
    sample_scan = set().union(*(s["scan"].keys() for s in samples if "scan" in s))
    assert set(ours["scan"]) <= sample_scan | ADDED_IN_15["scan"]
    assert sample_scan <= set(ours["scan"])
    sample_tool = set().union(*(s["scan"]["scanner"].keys() for s in samples if "scan" in s))
    assert set(ours["scan"]["scanner"]) <= sample_tool and set(ours["scan"]["analyzer"]) <= sample_tool
    vulns = [v for s in samples for v in s["vulnerabilities"]]
    # the vulnerability object is common to every report type; locations differ by type
    every = [v for k in KIND_OF_SAMPLE.values() for s in _samples(k) for v in s["vulnerabilities"]]
    sample_vuln = {k for v in every for k in v} - REMOVED_IN_15
    assert ours["vulnerabilities"]
    for v in ours["vulnerabilities"]:
        assert set(v) <= sample_vuln | ADDED_IN_15["vulnerability"], set(v) - sample_vuln
        assert {"id", "name", "description", "severity", "identifiers", "location"} <= set(v)
        sample_loc = {k for s in vulns for k in s["location"]}
        assert set(v["location"]) <= sample_loc
        for ident in v["identifiers"]:
            assert set(ident) <= {"type", "name", "value", "url"}
    if kind == DEPENDENCY_SCANNING:
        sample_dep = {k for s in vulns for k in s["location"].get("dependency", {})}
        for v in ours["vulnerabilities"]:
            assert set(v["location"]["dependency"]) <= sample_dep


def test_only_category_mapping_is_complete() -> None:
    from secscan.formats.gitlab import REPORT_OF

    assert set(REPORT_OF) == set(Category)
