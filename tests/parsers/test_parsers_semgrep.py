"""The semgrep normalizer: severity table value by value, every real sample, health, and fuzzing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import json_paths, mutate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_samples import or_skip

from secscan.core.errors import ParseError
from secscan.core.model import Category, Parsed, Severity, Status
from secscan.core.serialize import finding_to_dict
from secscan.parsers import semgrep

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
NOT_CLI_OUTPUT = {"defectdojo__sca-deployments-vulns.json"}  # Semgrep App API export, not `semgrep --json`
SAMPLE_FILES = [
    p
    for p in sorted(SAMPLES.glob("semgrep/*.json")) + sorted(SAMPLES.glob("generated/semgrep_*.json"))
    if p.name not in NOT_CLI_OUTPUT
]


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"[shared] sample {name} not present (../shared/samples)")
    return path


def load(name: str) -> Parsed:
    path = sample(name)
    return semgrep.parse(path.read_bytes(), str(path))


EXPECTED = [
    ("ERROR", Severity.HIGH),
    ("WARNING", Severity.MEDIUM),
    ("INFO", Severity.LOW),
    ("CRITICAL", Severity.CRITICAL),
    ("HIGH", Severity.HIGH),
    ("MEDIUM", Severity.MEDIUM),
    ("LOW", Severity.LOW),
    ("INVENTORY", Severity.INFO),
    ("EXPERIMENT", Severity.INFO),
]


@pytest.mark.parametrize(("word", "expected"), EXPECTED)
def test_severity_table_value_by_value(word: str, expected: Severity) -> None:
    assert semgrep.SEVERITY_TABLE[word] is expected
    assert semgrep.severity_for(word.lower()) is expected


def test_table_has_exactly_the_documented_rows_and_unknown_is_medium() -> None:
    assert set(semgrep.SEVERITY_TABLE) == {w for w, _ in EXPECTED}
    assert semgrep.severity_for("BOGUS") is Severity.MEDIUM


def _result(**extra: Any) -> dict[str, Any]:
    ext: dict[str, Any] = {
        "message": "msg",
        "severity": "ERROR",
        "metadata": {},
        "lines": "requires login",
        "fingerprint": "requires login",
    }
    ext.update(extra)
    return {
        "check_id": "rules.python.lang.eval-use",
        "path": "./src\\a.py",
        "start": {"line": 3, "col": 1},
        "end": {"line": 4, "col": 2},
        "extra": ext,
    }


def _doc(results: list[Any], errors: list[Any] | None = None, **top: Any) -> str:
    doc: dict[str, Any] = {
        "version": "1.185.0",
        "results": results,
        "errors": errors or [],
        "paths": {"scanned": ["src/a.py"]},
    }
    doc.update(top)
    return json.dumps(doc)


# --- every real sample --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", or_skip(SAMPLE_FILES, "semgrep samples"), ids=lambda p: p.name)
def test_every_sample_keeps_every_record_and_maps_severity(path: Path) -> None:
    data = json.loads(path.read_text())
    parsed = semgrep.parse(path.read_bytes(), str(path))
    assert len(parsed.findings) == len(data["results"])
    for rec, f in zip(data["results"], parsed.findings, strict=True):
        assert f.rule_id == rec["check_id"] and f.title == rec["check_id"].split(".")[-1]
        assert f.raw_severity == rec["extra"]["severity"]
        assert f.severity is semgrep.SEVERITY_TABLE[rec["extra"]["severity"]]
        assert f.location is not None and f.location.path == rec["path"]
        assert f.location.start_line == rec["start"]["line"] and f.location.end_line == rec["end"]["line"]
        assert f.category is Category.SAST and f.fingerprint == "" and f.sources == ("semgrep",)
        assert f.message == rec["extra"]["message"].strip()
        if rec["extra"].get("lines") in (None, "requires login"):
            assert f.snippet is None
        else:
            assert f.snippet == rec["extra"]["lines"].splitlines()[0].strip()[:300]
    assert parsed.version == data.get("version")
    assert parsed.coverage["errors"] == len(data["errors"])
    if isinstance(data.get("paths", {}).get("scanned"), list):
        assert parsed.coverage["files_scanned"] == len(data["paths"]["scanned"])
    assert (parsed.status is Status.OK) == (not data["errors"])


def test_new_severity_words_from_real_run() -> None:
    parsed = load("generated/semgrep_parse-error_synthetic.json")
    got = [(f.title, f.raw_severity, f.severity) for f in parsed.findings]
    assert got == [
        ("eval-critical", "CRITICAL", Severity.CRITICAL),
        ("pickle-high", "HIGH", Severity.HIGH),
        ("exec-medium", "MEDIUM", Severity.MEDIUM),
        ("eval-critical", "CRITICAL", Severity.CRITICAL),
    ]
    first = parsed.findings[0]
    assert first.identifiers == ("CWE-95",) and first.properties["confidence"] == "LOW"
    assert first.snippet is None


def test_cwe_string_and_list_owasp_references_fix() -> None:
    f = load("semgrep/defectdojo__many_findings.json").findings[0]
    assert f.identifiers == ("CWE-696",)  # a plain string
    assert f.properties["owasp"] == "A3: Sensitive Data Exposure"
    assert f.properties["references"] == ["https://capec.mitre.org/data/definitions/463.html"]
    assert f.properties["fix"].startswith("javax crypto Cipher.getInstance")
    assert f.snippet is not None and f.snippet.startswith("javax.crypto.Cipher c =")
    g = load("semgrep/defectdojo__cwe_list.json").findings[0]
    assert g.identifiers == ("CWE-352",) and g.properties["category"] == "security"
    assert len(g.properties["owasp"]) == 2
    h = load("semgrep/defectdojo__multiple_cwes_fabricated.json").findings[0]
    assert h.identifiers == ("CWE-327", "CWE-696")


def test_invalid_rule_is_failed() -> None:
    parsed = load("generated/semgrep_invalid-rule.json")
    assert parsed.status is Status.FAILED and parsed.findings == ()
    assert parsed.reason is not None and "InvalidRuleSchemaError" in parsed.reason
    assert "BOGUS" in parsed.reason
    assert parsed.coverage == {"errors": 2, "files_scanned": 0}


def test_missing_target_is_failed() -> None:
    parsed = load("generated/semgrep_missing-target.json")
    assert parsed.status is Status.FAILED
    assert parsed.reason is not None and "nonexistent_dir" in parsed.reason


def test_partial_parsing_is_partial_naming_files() -> None:
    parsed = load("generated/semgrep_partial-parsing_synthetic.json")
    assert parsed.status is Status.PARTIAL and len(parsed.findings) == 2
    assert parsed.reason is not None
    assert "errcase3/bad1.py" in parsed.reason and "errcase3/bad2.py" in parsed.reason
    assert "PartialParsing" in parsed.reason


def test_hard_error_with_results_is_partial_and_without_anything_failed() -> None:
    err = {"code": 2, "level": "error", "type": "SemgrepError", "message": "rule crashed"}
    assert semgrep.parse(_doc([_result()], [err])).status is Status.PARTIAL
    assert semgrep.parse(_doc([], [err])).status is Status.PARTIAL  # scanned paths exist
    failed = semgrep.parse(_doc([], [err], paths={"scanned": []}))
    assert failed.status is Status.FAILED and failed.reason is not None and "rule crashed" in failed.reason
    no_paths = json.dumps({"results": [], "errors": [err]})
    assert semgrep.parse(no_paths).status is Status.FAILED


def test_warn_errors_list_first_few_files_and_count() -> None:
    errs: list[dict[str, Any]] = [
        {"level": "warn", "type": "Timeout", "path": f"f{i}.py", "message": "timeout"} for i in range(5)
    ]
    errs.append({"level": "warn", "type": ["PartialParsing", []], "spans": [{"file": "./g.py"}]})
    errs.append({"level": "info", "type": "Note", "message": "ignored for health"})
    parsed = semgrep.parse(_doc([], errs))
    assert parsed.status is Status.PARTIAL and parsed.reason is not None
    assert "6 file(s)" in parsed.reason and "f0.py" in parsed.reason and "+3 more" in parsed.reason
    assert "Timeout" in parsed.reason and "PartialParsing" in parsed.reason
    assert semgrep.parse(_doc([], [errs[-1]])).status is Status.OK  # info only


def test_synthetic_record_fields_and_coverage() -> None:
    long_line = "x" * 400 + "\nsecond line"
    parsed = semgrep.parse(
        _doc(
            [
                _result(
                    lines=long_line,
                    fix="safe()",
                    is_ignored=True,
                    metadata={
                        "cwe": ["CWE-95: eval", 95],
                        "confidence": "HIGH",
                        "likelihood": "LOW",
                        "impact": "HIGH",
                        "category": "security",
                        "references": ["u1", 3],
                    },
                )
            ],
            rules=[{}, {}, {}],
            paths={"scanned": ["a", "b"], "skipped": [{"path": "c", "reason": "x"}]},
        ).encode()
    )
    f = parsed.findings[0]
    assert f.location is not None and f.location.path == "src/a.py" and f.title == "eval-use"
    assert f.snippet == "x" * 300 and f.identifiers == ("CWE-95",)
    assert f.properties == {
        "confidence": "HIGH",
        "category": "security",
        "likelihood": "LOW",
        "impact": "HIGH",
        "references": ["u1"],
        "fix": "safe()",
        "is_ignored": True,
    }
    assert parsed.coverage == {"errors": 0, "files_scanned": 2, "files_skipped": 1, "rules": 3}
    assert parsed.version == "1.185.0"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"results": [', "invalid JSON"),
        ("  ", "empty"),
        (b"\x80abc", "UTF-8"),
        ("[]", "expected an object"),
        ('{"errors": []}', "'results'"),
        ('{"results": []}', "'errors'"),
        ('{"results": {}, "errors": []}', "results is dict"),
        ('{"results": [], "errors": {}}', "errors is dict"),
        ('{"results": [{"test_id": "B1", "filename": "a.py"}], "errors": []}', "check_id"),
        ('{"results": [{"check_id": "x"}], "errors": []}', "path"),
        ('{"results": [{"check_id": "x", "path": "a"}], "errors": []}', "extra"),
        ('{"results": [{"check_id": "x", "path": "a", "extra": {"severity": 1}}], "errors": []}', "severity"),
        ('{"results": [], "errors": ["boom"]}', "errors[0]"),
        ('{"results": [], "errors": [], "metrics": {}, "generated_at": "x"}', "bandit"),
        ("9" * 5000, "JSON"),
    ],
)
def test_malformed_input_is_a_parse_error(text: str | bytes, problem: str) -> None:
    with pytest.raises(ParseError) as info:
        semgrep.parse(text, "in.json")
    assert problem in str(info.value) and "in.json" in str(info.value) and info.value.tool == "semgrep"


def test_other_tools_json_is_a_parse_error() -> None:
    for name in (
        "semgrep/defectdojo__sca-deployments-vulns.json",
        "bandit/defectdojo__no_vuln.json",
        "generated/bandit_flask-0.10.1.json",
        "detect_secrets/defectdojo__many_findings.json",
        "pip_audit/defectdojo__many_vulns_new.json",
        "generated/semgrep_flask-0.10.1.sarif",
    ):
        with pytest.raises(ParseError):
            semgrep.parse(sample(name).read_bytes(), name)


# --- fuzzing: nothing but ParseError escapes ------------------------------------------------------------

KEYS = [
    "results",
    "errors",
    "paths",
    "scanned",
    "skipped",
    "version",
    "rules",
    "time",
    "check_id",
    "path",
    "start",
    "end",
    "line",
    "extra",
    "severity",
    "message",
    "metadata",
    "cwe",
    "owasp",
    "references",
    "confidence",
    "category",
    "lines",
    "fix",
    "is_ignored",
    "level",
    "type",
    "spans",
    "file",
    "long_msg",
]
SPECIAL = st.sampled_from(
    [
        "ERROR",
        "warn",
        "error",
        "requires login",
        "CWE-1" + "1" * 5000,
        ["PartialParsing", []],
        10**400,
        float("nan"),
        -1,
        "",
        "\n",
        "\ud800",
        {"line": "3"},
    ]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | SPECIAL
JSON = st.recursive(
    SCALARS,
    lambda ch: (
        st.lists(ch, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), ch, max_size=5)
    ),
    max_leaves=25,
)


def _check(text: str | bytes) -> None:
    try:
        parsed = semgrep.parse(text, "fuzz")
    except ParseError:
        return
    for f in parsed.findings:
        json.dumps(finding_to_dict(f), allow_nan=False)
        assert isinstance(f.severity, Severity) and f.fingerprint == ""
    assert all(isinstance(v, int) for v in parsed.coverage.values())
    assert parsed.status is Status.OK or parsed.reason


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_fuzz_random_json(value: Any) -> None:
    _check(json.dumps(value))
    _check(json.dumps({"results": value, "errors": value, "paths": value}))
    _check(json.dumps({"results": [value], "errors": [value], "paths": {"scanned": value}, "time": value}))


FIELDS = {
    (): ["check_id", "path", "start", "end", "extra"],
    ("extra",): ["message", "severity", "metadata", "lines", "fix", "is_ignored"],
    ("extra", "metadata"): ["cwe", "owasp", "references", "confidence", "category", "likelihood", "impact"],
}
ERROR_FIELDS = ["level", "type", "path", "spans", "message", "long_msg", "short_msg"]


def _targets(doc: Any) -> list[tuple[Any, ...]]:
    """Paths to the fields the parser reads (existing or new keys) in one result and one error."""
    out: list[tuple[Any, ...]] = []
    if not isinstance(doc, dict):
        return out
    results, errors = doc.get("results"), doc.get("errors")
    if isinstance(results, list) and results and isinstance(results[0], dict):
        for sub, keys in FIELDS.items():
            node: Any = results[0]
            for k in sub:
                node = node.get(k) if isinstance(node, dict) else None
            if isinstance(node, dict):
                out.extend(("results", 0, *sub, k) for k in keys)
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        out.extend(("errors", 0, k) for k in ERROR_FIELDS)
    if isinstance(doc.get("paths"), dict):
        out.extend(("paths", k) for k in ("scanned", "skipped"))
    return out


MUTATION_BASES = [
    "generated/semgrep_partial-parsing_synthetic.json",
    "semgrep/defectdojo__cwe_list.json",
    "generated/semgrep_invalid-rule.json",
    "semgrep/defectdojo__many_findings.json",
]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MUTATION_BASES), st.data())
def test_fuzz_mutated_samples(name: str, data: st.DataObject) -> None:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"[shared] sample {name} not present")
    text = path.read_text().rstrip()
    doc = json.loads(text)
    for _ in range(data.draw(st.integers(1, 3))):
        targets = _targets(doc)
        aim: bool = data.draw(st.integers(0, 3)) > 0  # mostly aim at fields the parser reads
        where = data.draw(st.sampled_from(targets if targets and aim else json_paths(doc)))
        new = copy.deepcopy(data.draw(SPECIAL | JSON))  # sampled constants must never be mutated
        delete: bool = bool(where) and data.draw(st.integers(0, 3)) == 0
        doc = mutate(doc, where, new, delete)
    _check(json.dumps(doc))
    cut = data.draw(st.integers(0, len(text) - 1))
    with pytest.raises(ParseError):
        semgrep.parse(text[:cut], "truncated")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(blob: bytes) -> None:
    _check(blob)
