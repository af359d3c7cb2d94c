"""Severity from evidence (rules/severity/evidence.yaml, secscan/results/evidence.py), value by value;
superseded pattern hits and the gate; CWE order; semgrep's text traces (a recorded report)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from secscan.core.model import Category, Finding, Location, ScannerResult, Severity, Status
from secscan.core.provenance import TaintTrace
from secscan.core.serialize import finding_from_dict, finding_to_dict
from secscan.parsers.semgrep_traces import parse_traces
from secscan.results import evidence
from secscan.results.gate import evaluate

TRACES = Path(__file__).resolve().parents[1] / "fixtures" / "semgrep_traces"
CMD = "secscan.python.taint-command-injection"
XSS = "secscan.python.taint-xss"
SEMGREP_OK = (ScannerResult("semgrep", Status.OK), ScannerResult("bandit", Status.OK))
LOADED = frozenset({CMD, XSS, "secscan.python.reach-command-injection"})


def finding(rule: str, line: int = 11, severity: Severity = Severity.HIGH, source: str = "semgrep",
            taint: dict[str, Any] | None = None, ids: tuple[str, ...] = ("CWE-78",), end: int | None = None,
            **props: Any) -> Finding:
    return Finding(rule, rule, "m", severity, "ERROR", Category.SAST, (source,),
                   Location("app.py", line, end or line), identifiers=ids, properties=props,
                   taint=TaintTrace.read(taint))


def trace(code: str, src: int = 9, sink: int = 11) -> dict[str, Any]:
    return {"source": {"line": src, "code": code}, "sink": {"line": sink}, "through": [src]}


def test_the_shipped_table_value_by_value() -> None:
    t = evidence.table()
    assert dict(t.severity) == {"taint-remote-code-execution": "critical",
                                "taint-local-code-execution": "keep", "taint-other": "keep",
                                "taint-untraced": "keep", "pattern": "keep"}
    code_exec = {c.name for c in t.classes if c.code_execution}
    assert code_exec == {"sql-injection", "command-injection", "code-injection", "deserialization"}
    assert {"B608", "B404"} <= t.superseding("B608").supersedes | t.superseding("B404").supersedes
    assert t.superseding("B608").taint_rule == "secscan.python.taint-sql-injection"
    assert t.superseding("B404").taint_rule == CMD
    assert t.superseding("B101") is None


@pytest.mark.parametrize(("f", "kind", "severity"), [
    (finding(CMD, taint=trace('host = request.args["h"]')), "taint-remote-code-execution", Severity.CRITICAL),
    (finding(CMD, taint=trace('os.system("ls " + sys.argv[1])', 15, 15)), "taint-local-code-execution",
     Severity.HIGH),
    (finding(CMD, taint=trace("code = input()")), "taint-local-code-execution", Severity.HIGH),
    (finding(CMD), "taint-untraced", Severity.HIGH),
    (finding(XSS, taint=trace("q = request.args['q']"), ids=("CWE-79",)), "taint-other", Severity.HIGH),
    (finding("B602", source="bandit"), "pattern", Severity.HIGH),
    (finding("B602", severity=Severity.LOW, source="bandit", confidence="LOW"), "pattern", Severity.LOW),
    (finding("B307", severity=Severity.MEDIUM, source="bandit", confidence="LOW", ids=("CWE-78",)), "pattern",
     Severity.MEDIUM),
    (finding("secscan.python.os-system-injection"), "pattern", Severity.HIGH),
])
def test_severity_from_evidence(f: Finding, kind: str, severity: Severity) -> None:
    t = evidence.table()
    assert evidence.evidence_kind(f, t) == kind
    assert evidence.severity_for(f, t) is severity
    (out,) = evidence.apply([f], SEMGREP_OK, LOADED, t)
    assert out.severity is severity
    if severity is Severity.CRITICAL:
        why = out.properties["severity_evidence"]
        assert why.endswith("from line 9 to line 11 into a code-execution sink")
        assert out.properties["severity_from_tool"] == "high"


def test_a_pattern_hit_where_the_taint_rule_found_no_flow_is_superseded() -> None:
    hits = [finding("B404", line=1, severity=Severity.LOW, source="bandit"), finding("B602", source="bandit")]
    out = evidence.apply(hits, SEMGREP_OK, LOADED)
    assert [f.superseded_by for f in out] == [CMD, CMD]
    assert [f.severity for f in out] == [Severity.LOW, Severity.HIGH]  # their own severities, kept


def test_a_pattern_hit_at_a_traced_flow_is_not_superseded() -> None:
    flow = finding(CMD, line=12, end=12, taint=trace("x = request.form['x']", 10, 12))
    hit = finding("B602", line=11, end=13, source="bandit")  # the call spans the sink's argument line
    out = evidence.apply([hit, flow], SEMGREP_OK, LOADED)
    assert out[0].superseded_by is None and out[1].severity is Severity.CRITICAL


def test_a_pattern_hit_a_parameter_reaches_is_not_superseded_and_the_evidence_rule_is_not_reported() -> None:
    reach = finding("secscan.python.reach-command-injection", severity=Severity.LOW,
                    taint=trace("def run(cmd):", 4, 11))
    out = evidence.apply([finding("B602", source="bandit"), reach], SEMGREP_OK, LOADED)
    assert len(out) == 1 and out[0].superseded_by is None
    assert out[0].properties["reached_from_parameter"] == 4


@pytest.mark.parametrize(("scanners", "loaded"), [
    ((ScannerResult("semgrep", Status.PARTIAL),), LOADED),
    ((ScannerResult("semgrep", Status.FAILED),), LOADED),
    ((ScannerResult("semgrep (import out.json)", Status.OK),), LOADED),
    ((ScannerResult("bandit", Status.OK),), LOADED),
    (SEMGREP_OK, frozenset({XSS})),  # a custom rules folder without the command taint rule
])
def test_nothing_is_superseded_unless_the_taint_rule_really_ran(scanners: tuple[ScannerResult, ...],
                                                                 loaded: frozenset[str]) -> None:
    (out,) = evidence.apply([finding("B602", source="bandit")], scanners, loaded)
    assert out.superseded_by is None


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 0), ("high", 0), ("medium", 0), ("low", 1),
                                               ("info", 1), ("never", 0)])
def test_a_superseded_finding_counts_for_the_gate_only_at_low(fail_on: str, code: int) -> None:
    hit = finding("B602", source="bandit").with_(superseded_by=CMD)
    assert evaluate([hit], SEMGREP_OK, fail_on).exit_code == code
    plain = finding("B602", source="bandit")
    assert evaluate([plain], SEMGREP_OK, fail_on).exit_code == (1 if fail_on in ("high", "medium", "low",
                                                                                   "info") else 0)


def test_superseded_by_round_trips_through_json() -> None:
    hit = finding("B404", source="bandit").with_(superseded_by=CMD, fingerprint="0123456789abcdef")
    data = finding_to_dict(hit)
    assert data["superseded_by"] == CMD
    assert finding_from_dict(data).superseded_by == CMD
    assert "superseded_by" not in finding_to_dict(hit.with_(superseded_by=None))


@pytest.mark.parametrize(("ids", "ordered"), [
    (("CWE-327", "CWE-328"), ("CWE-328", "CWE-327")),
    (("CWE-327", "CWE-916", "CWE-328"), ("CWE-916", "CWE-328", "CWE-327")),
    (("CWE-94", "CWE-95"), ("CWE-95", "CWE-94")),
    (("CWE-330", "CWE-338"), ("CWE-338", "CWE-330")),
    (("CWE-78",), ("CWE-78",)),
    (("GHSA-x", "CWE-327", "CWE-328"), ("GHSA-x", "CWE-328", "CWE-327")),
])
def test_cwes_most_specific_first(ids: tuple[str, ...], ordered: tuple[str, ...]) -> None:
    assert evidence.order_cwes(ids, evidence.table()) == ordered


def test_a_cycle_in_the_table_does_not_loop() -> None:
    t = evidence.table_from({"severity": {}, "classes": {}, "more_specific": {"CWE-1": ["CWE-2"],
                                                                               "CWE-2": ["CWE-1"]}})
    assert sorted(evidence.order_cwes(("CWE-1", "CWE-2"), t)) == ["CWE-1", "CWE-2"]


def test_traces_from_semgreps_text_report() -> None:
    traces = parse_traces((TRACES / "semgrep-1.187.0-text.txt").read_text("utf-8"))
    rid = "work.main.rules.semgrep." + CMD
    web, local = traces[("app.py", rid, 11)], traces[("app.py", rid, 15)]
    assert (web.source_line, web.sink_line, web.through) == (9, 11, (9, 10))
    assert web.source_code == 'host = request.args["h"]'
    assert (local.source_line, local.sink_line) == (15, 15) and "sys.argv" in local.source_code
    assert len(traces) == 2  # the pattern rule's finding has no trace
    assert web.to_dict() == {"source": {"line": 9, "code": 'host = request.args["h"]'},
                                 "sink": {"line": 11}, "through": [9, 10]}


def test_traces_from_text_without_a_report() -> None:
    assert parse_traces("") == {}
    assert parse_traces("Traceback (most recent call last):\n  File 'x', line 3\nValueError: boom\n") == {}


def test_a_pattern_hit_on_a_line_the_taint_passes_through_is_not_superseded() -> None:
    flow = finding("secscan.python.taint-sql-injection", line=12, ids=("CWE-89",),
                   taint={"source": {"line": 8, "code": "name = request.POST['n']"}, "sink": {"line": 12},
                          "through": [8, 10]})
    built = finding("B608", line=10, severity=Severity.MEDIUM, source="bandit", ids=("CWE-89",))
    elsewhere = finding("B608", line=20, severity=Severity.MEDIUM, source="bandit", ids=("CWE-89",))
    loaded = frozenset({"secscan.python.taint-sql-injection"})
    out = evidence.apply([built, elsewhere, flow], SEMGREP_OK, loaded)
    assert [f.superseded_by for f in out] == [None, "secscan.python.taint-sql-injection", None]


def test_a_semgrep_pattern_hit_at_a_flow_repeats_it() -> None:
    flow = finding(CMD, taint=trace("h = request.args['h']"))
    pattern = finding("secscan.python.os-system-injection")
    bandit = finding("B605", source="bandit")
    out = evidence.apply([pattern, bandit, flow], SEMGREP_OK, LOADED)
    assert [f.superseded_by for f in out] == [CMD, None, None]  # bandit's hit merges with the flow later


def test_cwes_are_ordered_again_after_merging() -> None:
    merged = finding("B506", ids=("CWE-20", "CWE-502"))
    assert evidence.ordered([merged])[0].identifiers == ("CWE-502", "CWE-20")


def test_every_bundled_rule_lists_its_most_specific_cwe_first() -> None:
    import yaml

    from secscan.core.resources import rules_path

    t = evidence.table()
    for path in sorted(rules_path("semgrep").glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text("utf-8"))["rules"]:
            ids = tuple(c.split(":", 1)[0] for c in rule["metadata"]["cwe"])
            assert ids and evidence.order_cwes(ids, t) == ids, (rule["id"], ids)
