"""The bandit normalizer: severity table value by value, every real sample, health, and fuzzing."""

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
from secscan.parsers import bandit

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
SAMPLE_FILES = sorted(SAMPLES.glob("bandit/*.json")) + sorted(SAMPLES.glob("generated/bandit_*.json"))


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"[shared] sample {name} not present (../shared/samples)")
    return path


def load(name: str) -> tuple[dict[str, Any], Parsed]:
    path = sample(name)
    return json.loads(path.read_text()), bandit.parse(path.read_bytes(), str(path))


# --- the table, value by value (written out here, not derived from the module) -----------------------

EXPECTED = [
    ("HIGH", "HIGH", Severity.HIGH),
    ("HIGH", "MEDIUM", Severity.HIGH),
    ("HIGH", "LOW", Severity.MEDIUM),
    ("HIGH", "UNDEFINED", Severity.MEDIUM),
    ("MEDIUM", "HIGH", Severity.MEDIUM),
    ("MEDIUM", "MEDIUM", Severity.MEDIUM),
    ("MEDIUM", "LOW", Severity.LOW),
    ("MEDIUM", "UNDEFINED", Severity.LOW),
    ("LOW", "HIGH", Severity.LOW),
    ("LOW", "MEDIUM", Severity.LOW),
    ("LOW", "LOW", Severity.LOW),
    ("LOW", "UNDEFINED", Severity.LOW),
    ("UNDEFINED", "HIGH", Severity.INFO),
    ("UNDEFINED", "MEDIUM", Severity.INFO),
    ("UNDEFINED", "LOW", Severity.INFO),
    ("UNDEFINED", "UNDEFINED", Severity.INFO),
]


@pytest.mark.parametrize(("sev", "conf", "expected"), EXPECTED)
def test_severity_table_value_by_value(sev: str, conf: str, expected: Severity) -> None:
    assert bandit.SEVERITY_TABLE[(sev, conf)] is expected
    assert bandit.severity_for(sev.lower(), conf.lower()) is expected


def test_table_has_exactly_the_documented_rows() -> None:
    assert set(bandit.SEVERITY_TABLE) == {(s, c) for s, c, _ in EXPECTED}


def test_unknown_words() -> None:
    assert bandit.severity_for("BOGUS", "HIGH") is Severity.MEDIUM  # a future word is not dropped
    assert bandit.severity_for("HIGH", "WHATEVER") is Severity.MEDIUM  # read as UNDEFINED confidence


def _record(**over: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "code": "9 x = 1\n10 os.system(cmd)\n11 \n",
        "filename": "./pkg\\mod.py",
        "issue_confidence": "HIGH",
        "issue_severity": "HIGH",
        "issue_text": "shell call",
        "line_number": 10,
        "line_range": [10],
        "more_info": "https://example.invalid/b605",
        "test_id": "B605",
        "test_name": "start_process_with_a_shell",
        "issue_cwe": {"id": 78, "link": "https://cwe.mitre.org/data/definitions/78.html"},
        "col_offset": 0,
    }
    rec.update(over)
    return rec


def _doc(
    results: list[Any], errors: list[Any] | None = None, files: tuple[str, ...] = ("pkg/mod.py",)
) -> str:
    metrics: dict[str, Any] = {f: {"loc": 3, "nosec": 0} for f in files}
    metrics["_totals"] = {"loc": 3.0, "nosec": 1}
    return json.dumps(
        {
            "errors": errors or [],
            "generated_at": "2026-01-01T00:00:00Z",
            "metrics": metrics,
            "results": results,
        }
    )


# --- every real sample --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", or_skip(SAMPLE_FILES, "bandit samples"), ids=lambda p: p.name)
def test_every_sample_keeps_every_record_and_maps_severity(path: Path) -> None:
    data = json.loads(path.read_text())
    parsed = bandit.parse(path.read_bytes(), str(path))
    assert len(parsed.findings) == len(data["results"])
    for rec, f in zip(data["results"], parsed.findings, strict=True):
        assert f.rule_id == rec["test_id"]
        assert f.raw_severity == rec["issue_severity"]
        assert f.severity is bandit.SEVERITY_TABLE[(rec["issue_severity"], rec["issue_confidence"])]
        assert f.properties["confidence"] == rec["issue_confidence"]
        assert f.location is not None and f.location.path == rec["filename"].replace("\\", "/")
        assert f.location.start_line == min(rec["line_range"])
        assert f.location.end_line == max(rec["line_range"])
        assert f.category is Category.SAST and f.fingerprint == "" and f.sources == ("bandit",)
        assert f.message == rec["issue_text"] and f.title == rec["test_name"]
    assert parsed.version is None
    assert parsed.coverage["files_scanned"] == len([k for k in data["metrics"] if k != "_totals"]) - len(
        data["errors"]
    )
    assert parsed.coverage["loc"] == int(data["metrics"]["_totals"]["loc"])
    assert (parsed.status is Status.OK) == (not data["errors"])


def test_sample_details_cwe_snippet_properties() -> None:
    _, parsed = load("generated/bandit_flask-0.10.1.json")
    f = parsed.findings[0]
    assert (f.rule_id, f.title, f.identifiers) == ("B102", "exec_used", ("CWE-78",))
    assert f.location is not None
    assert (f.location.path, f.location.start_line) == ("Flask-0.10.1/flask/_compat.py", 48)
    assert f.snippet == "    exec('def reraise(tp, value, tb=None):\\n raise tp, value, tb')"
    assert f.properties["col_offset"] == 4 and f.properties["test_name"] == "exec_used"
    assert f.properties["more_info"].endswith("b102_exec_used.html")
    assert f.severity is Severity.MEDIUM and f.raw_severity == "MEDIUM"


def test_old_bandit_multiline_range_and_windows_paths() -> None:
    _, parsed = load("bandit/defectdojo__dd2.json")
    f = parsed.findings[0]
    assert f.location is not None and (f.location.start_line, f.location.end_line) == (27, 28)
    assert f.snippet == "    except:" and f.identifiers == ()
    _, parsed = load("bandit/defectdojo__many_vulns.json")
    assert all(f.location and "\\" not in f.location.path for f in parsed.findings)
    assert parsed.findings[0].location is not None
    assert parsed.findings[0].location.path == "dojo/benchmark/views.py"


def test_paramiko_errors_make_partial_naming_the_file() -> None:
    _, parsed = load("generated/bandit_paramiko-1.15.2.json")
    assert parsed.status is Status.PARTIAL
    assert parsed.reason is not None and "paramiko-1.15.2/paramiko/sftp_file.py" in parsed.reason
    assert parsed.coverage == {"files_scanned": 41, "loc": 11927, "nosec": 0, "errors": 1}
    assert len(parsed.findings) == 37


def test_syntax_error_alone_is_failed_never_ok() -> None:
    _, parsed = load("generated/bandit_syntax_error.json")
    assert parsed.findings == () and parsed.status is Status.FAILED
    assert parsed.reason is not None and "corpus/broken.py" in parsed.reason
    assert parsed.coverage["files_scanned"] == 0 and parsed.coverage["errors"] == 1


def test_filtered_to_nothing_is_ok_with_coverage() -> None:
    _, parsed = load("generated/bandit_flask-0.10.1_high-only.json")
    assert parsed.findings == () and parsed.status is Status.OK and parsed.coverage["files_scanned"] == 61


def test_many_errors_reason_lists_first_few_and_count() -> None:
    errors = [{"filename": f"./bad{i}.py", "reason": "syntax error"} for i in range(5)]
    files = ("pkg/mod.py", *(f"bad{i}.py" for i in range(5)))
    parsed = bandit.parse(_doc([_record()], errors, files))
    assert parsed.status is Status.PARTIAL and parsed.reason is not None
    assert "bad0.py" in parsed.reason and "bad2.py" in parsed.reason and "bad3.py" not in parsed.reason
    assert "5 file(s)" in parsed.reason and "+2 more" in parsed.reason
    assert parsed.coverage == {"files_scanned": 1, "loc": 3, "nosec": 1, "errors": 5}


def test_synthetic_record_fields() -> None:
    parsed = bandit.parse(_doc([_record()]).encode())
    f = parsed.findings[0]
    assert f.location is not None and f.location.path == "pkg/mod.py"
    assert f.snippet == "os.system(cmd)" and f.identifiers == ("CWE-78",) and f.severity is Severity.HIGH
    odd = bandit.parse(
        _doc(
            [
                _record(
                    line_range="x",
                    line_number=True,
                    code=None,
                    issue_cwe="nope",
                    col_offset=-1,
                    issue_confidence=None,
                )
            ]
        )
    )
    g = odd.findings[0]
    assert g.location is not None and g.location.start_line is None and g.snippet is None
    assert g.identifiers == () and "col_offset" not in g.properties
    assert g.properties["confidence"] == "UNDEFINED"
    assert g.severity is Severity.MEDIUM  # HIGH with undefined confidence


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"results": [', "invalid JSON"),
        ("", "empty"),
        (b"\xff\xfe{}", "UTF-8"),
        ("[]", "expected an object"),
        ('{"errors": [], "metrics": {}}', "'results'"),
        ('{"results": [], "errors": []}', "'metrics'"),
        ('{"results": {}, "metrics": {}}', "results is dict"),
        ('{"results": [{"check_id": "x", "path": "a.py", "extra": {}}], "metrics": {}}', "test_id"),
        ('{"results": [{"test_id": "B1", "issue_severity": "LOW"}], "metrics": {}}', "filename"),
        ('{"results": [{"test_id": "B1", "filename": "a.py"}], "metrics": {}}', "issue_severity"),
        ('{"results": [], "metrics": {}, "errors": [3]}', "errors[0]"),
        ('{"results": [], "metrics": [], "errors": []}', "metrics"),
        ("1" * 5000, "JSON"),
    ],
)
def test_malformed_input_is_a_parse_error(text: str | bytes, problem: str) -> None:
    with pytest.raises(ParseError) as info:
        bandit.parse(text, "in.json")
    assert problem in str(info.value) and "in.json" in str(info.value) and info.value.tool == "bandit"


def test_absurd_cwe_values_are_ignored() -> None:
    for cwe in ("CWE-" + "1" * 5000, {"id": "9" * 5000}, {"id": 10**400}, [None, True, "CWE-x"]):
        parsed = bandit.parse(_doc([_record(issue_cwe=cwe)]))
        assert len(parsed.findings) == 1
        assert all(len(i) < 500 for i in parsed.findings[0].identifiers)


def test_other_tools_json_is_a_parse_error() -> None:
    for name in (
        "semgrep/defectdojo__many_findings.json",
        "semgrep/defectdojo__empty.json",
        "detect_secrets/defectdojo__many_findings.json",
        "pip_audit/defectdojo__many_vulns_new.json",
    ):
        with pytest.raises(ParseError):
            bandit.parse(sample(name).read_bytes(), name)


# --- fuzzing: nothing but ParseError escapes ------------------------------------------------------------

KEYS = [
    "results",
    "errors",
    "metrics",
    "_totals",
    "loc",
    "nosec",
    "generated_at",
    "filename",
    "reason",
    "test_id",
    "test_name",
    "issue_severity",
    "issue_confidence",
    "issue_text",
    "issue_cwe",
    "id",
    "code",
    "line_number",
    "line_range",
    "col_offset",
    "more_info",
]
SPECIAL = st.sampled_from(
    [
        "HIGH",
        "LOW",
        "UNDEFINED",
        "CWE-1" + "1" * 5000,
        "./a.py",
        {"id": "9" * 5000},
        10**400,
        float("nan"),
        -1,
        [1, "x"],
        "\ud800",
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
        parsed = bandit.parse(text, "fuzz")
    except ParseError:
        return
    for f in parsed.findings:
        json.dumps(finding_to_dict(f), allow_nan=False)  # properties stay JSON
        assert isinstance(f.severity, Severity) and f.fingerprint == ""
    assert all(isinstance(v, int) for v in parsed.coverage.values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_fuzz_random_json(value: Any) -> None:
    _check(json.dumps(value))
    _check(json.dumps({"results": value, "metrics": value, "errors": value}))
    _check(json.dumps({"results": [value], "metrics": {"a.py": value, "_totals": value}, "errors": [value]}))


RECORD_FIELDS = [
    "test_id",
    "filename",
    "issue_severity",
    "issue_confidence",
    "issue_text",
    "issue_cwe",
    "code",
    "line_number",
    "line_range",
    "col_offset",
    "end_col_offset",
    "test_name",
    "more_info",
]


def _targets(doc: Any) -> list[tuple[Any, ...]]:
    """Paths to the fields the parser reads (existing or new keys) in one result, one error, the totals."""
    out: list[tuple[Any, ...]] = []
    if not isinstance(doc, dict):
        return out
    results, errors, metrics = doc.get("results"), doc.get("errors"), doc.get("metrics")
    if isinstance(results, list) and results and isinstance(results[0], dict):
        out.extend(("results", 0, k) for k in RECORD_FIELDS)
        if isinstance(results[0].get("issue_cwe"), dict):
            out.append(("results", 0, "issue_cwe", "id"))
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        out.extend(("errors", 0, k) for k in ("filename", "reason"))
    if isinstance(metrics, dict) and isinstance(metrics.get("_totals"), dict):
        out.extend(("metrics", "_totals", k) for k in ("loc", "nosec"))
    return out


MUTATION_BASES = ["generated/bandit_paramiko-1.15.2.json", "bandit/defectdojo__one_vuln.json"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
        bandit.parse(text[:cut], "truncated")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(blob: bytes) -> None:
    _check(blob)
