"""A taint finding names its source and sink lines in every format (SARIF codeFlows, Markdown and HTML
'taint from line X to line Y'); a superseded pattern hit says so; the JSON carries superseded_by."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_fixtures import build, scanners

from secscan.core.model import Category, Finding, Location, Severity
from secscan.core.provenance import TaintTrace
from secscan.formats.flow import flow_steps, flow_text, superseded_text
from secscan.formats.html import findings_data
from secscan.formats.json_report import dumps, validate
from secscan.formats.markdown import render_markdown
from secscan.formats.sarif import to_sarif

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
CMD = "secscan.python.taint-command-injection"
TAINT = {"source": {"line": 9, "code": 'host = request.args["h"]'}, "sink": {"line": 11}, "through": [9, 10]}


def flow() -> Finding:
    return Finding(CMD, "taint-command-injection", "input reaches a shell", Severity.CRITICAL, "ERROR",
                   Category.SAST, ("semgrep",), Location("app.py", 11, 11), identifiers=("CWE-78",),
                   fingerprint="f" * 32, taint=TaintTrace.read(TAINT))


def superseded() -> Finding:
    return Finding("B404", "blacklist", "import subprocess", Severity.LOW, "LOW", Category.SAST, ("bandit",),
                   Location("app.py", 1, 1), identifiers=("CWE-78",), fingerprint="e" * 32,
                   superseded_by=CMD)


def test_flow_words() -> None:
    steps = [(9, 'source: host = request.args["h"]'), (10, "flows through"), (11, "sink")]
    assert flow_steps(flow()) == steps
    assert flow_text(flow()) == "taint from line 9 to line 11"
    assert flow_text(superseded()) is None and superseded_text(flow()) is None
    assert superseded_text(superseded()) == f"superseded by {CMD}: counts for the gate only at --fail-on low"
    broken = flow().with_(taint=TaintTrace.read({"source": {"line": "9"}}))
    assert flow_steps(broken) == [] and flow_text(broken) is None


def test_sarif_code_flows_and_superseded() -> None:
    doc = to_sarif(build([flow(), superseded()], scanners(False)))
    by_rule = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    (cf,) = by_rule[CMD]["codeFlows"]
    locs = cf["threadFlows"][0]["locations"]
    assert [loc["location"]["physicalLocation"]["region"]["startLine"] for loc in locs] == [9, 10, 11]
    assert locs[0]["location"]["message"]["text"].startswith("source: ")
    assert locs[0]["location"]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    assert cf["message"]["text"] == "taint from line 9 to line 11"
    assert "codeFlows" not in by_rule["B404"]
    assert by_rule["B404"]["properties"]["superseded_by"] == CMD
    schema = SAMPLES / "sarif-schema-2.1.0.json"
    if not schema.is_file():
        pytest.skip("[shared] SARIF schema sample not present")
    import jsonschema

    jsonschema.Draft4Validator(json.loads(schema.read_text())).validate(doc)


def test_markdown_and_html_name_the_lines() -> None:
    result = build([flow(), superseded()], scanners(False), fail_on="low")
    text = render_markdown(result)
    assert "**taint from line 9 to line 11**" in text
    assert f"superseded by {CMD}: counts for the gate only at --fail-on low" in text
    data = findings_data(result)
    col = data["columns"]["message"]
    messages = {row[data["columns"]["rule"]]: row[col] for row in data["rows"]}
    assert messages[CMD].startswith("Taint from line 9 to line 11. input reaches a shell")
    assert messages["B404"].startswith(f"Superseded by {CMD}")


def test_json_report_carries_superseded_by() -> None:
    result = build([flow(), superseded()], scanners(False), fail_on="critical")
    doc = json.loads(dumps(result))
    validate(doc)
    rows = {f["rule_id"]: f for f in doc["findings"]}
    assert rows["B404"]["superseded_by"] == CMD and "superseded_by" not in rows[CMD]
    assert rows[CMD]["properties"]["taint"] == TAINT
