"""Cross-cutting fuzz: every registered parser gets the same hostile inputs; only ParseError may escape.

Inputs: random bytes and text, arbitrary JSON, the tool's own real samples with values replaced deep inside
(structure-aware), and every real sample of every other tool from ../shared/samples.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secscan.core.errors import ParseError
from secscan.core.model import Finding, Parsed, Status
from secscan.parsers.registry import PARSERS, get

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
TOOLS = sorted(PARSERS)
FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
# Small real outputs to mutate (structure-aware fuzzing stays fast).
SEEDS = {
    "bandit": "bandit/defectdojo__one_vuln.json",
    "semgrep": "semgrep/defectdojo__one_finding.json",
    "pip-audit": "pip_audit/defectdojo__many_vulns_new.json",
    "detect-secrets": "detect_secrets/defectdojo__many_findings.json",
    "trivy": "trivy/trivyrepo__alpine-310.json.golden",
    "npm-audit": "npm_audit/defectdojo__npm_audit_7_plus__one_vuln.json",
    "gitlab": "gitlab/defectdojo__gl-sast-report-1-vuln_v15.json",
}
FAMILY_PREFIXES = {
    "bandit": "bandit",
    "semgrep": "semgrep",
    "pip-audit": "pip-audit",
    "detect-secrets": "detect-secrets",
}
FOLDER_TOOL = {
    "bandit": "bandit",
    "semgrep": "semgrep",
    "pip_audit": "pip-audit",
    "detect_secrets": "detect-secrets",
    "trivy": "trivy",
    "npm_audit": "npm-audit",
    "gitlab": "gitlab",
}

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "HIGH",
            "CRITICAL",
            "UNKNOWN",
            "../../etc/passwd",
            "CWE-79",
            "1.2.3",
            "<script>alert(1)</script>",
            "a\nb",
            "\udcff",
            "-1",
            "1e309",
        ]
    ),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)


def check(tool: str, data: str | bytes) -> Parsed | None:
    """Run the parser: a Parsed made of real model objects, or a ParseError; anything else fails the test."""
    try:
        parsed = get(tool)(data, "fuzz.json")
    except ParseError as exc:
        assert exc.tool and "fuzz.json" in str(exc)
        return None
    assert isinstance(parsed, Parsed)
    assert isinstance(parsed.status, Status)
    assert all(isinstance(f, Finding) for f in parsed.findings)
    assert all(isinstance(v, int) and not isinstance(v, bool) for v in parsed.coverage.values()), (
        parsed.coverage
    )
    if parsed.status is not Status.OK:
        assert parsed.reason, parsed
    for f in parsed.findings:
        assert f.fingerprint == ""  # the engine assigns fingerprints after merging
        json.dumps([f.rule_id, f.title, f.message, f.raw_severity])  # plain strings
    return parsed


# Tools with no sample in ../shared: a real output recorded for this project (source named beside it).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OWN_SEEDS = {"checkov": FIXTURES / "checkov" / "single_dockerfile.json"}


def seed(tool: str) -> Any:
    path = OWN_SEEDS[tool] if tool in OWN_SEEDS else SAMPLES / SEEDS[tool]
    if not path.is_file():
        pytest.skip("[shared] ../shared/samples not present beside the project")
    return json.loads(path.read_text("utf-8"))


def paths_in(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document (the root included)."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from paths_in(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from paths_in(v, (*prefix, i))


def replace_at(doc: Any, where: tuple[Any, ...], value: Any) -> Any:
    if not where:
        return value
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    parent[where[-1]] = value
    return doc


@pytest.mark.parametrize("tool", TOOLS)
@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes(tool: str, data: bytes) -> None:
    check(tool, data)


@pytest.mark.parametrize("tool", TOOLS)
@FUZZ
@given(doc=JSON)
def test_arbitrary_json(tool: str, doc: Any) -> None:
    check(tool, json.dumps(doc))
    check(tool, json.dumps(doc).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("tool", TOOLS)
@FUZZ
@given(data=st.data())
def test_real_sample_with_values_replaced_deep_inside(tool: str, data: st.DataObject) -> None:
    doc = copy.deepcopy(seed(tool))
    places = list(paths_in(doc))
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(places))
        try:
            doc = replace_at(doc, where, data.draw(JSON))
        except (KeyError, IndexError, TypeError):  # an earlier replacement removed that place
            continue
    check(tool, json.dumps(doc))


@pytest.mark.parametrize("tool", TOOLS)
@FUZZ
@given(data=st.data())
def test_real_sample_cut_or_flipped(tool: str, data: st.DataObject) -> None:
    raw = bytearray(json.dumps(seed(tool)).encode("utf-8"))
    cut = data.draw(st.integers(0, len(raw)))
    check(tool, bytes(raw[:cut]))
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    check(tool, bytes(raw))


def family(path: Path) -> str | None:
    """Which tool wrote a sample (None: no parser of ours reads it, e.g. SARIF)."""
    folder = path.relative_to(SAMPLES).parts[0]
    if folder in FOLDER_TOOL:
        return FOLDER_TOOL[folder]
    for prefix, tool in FAMILY_PREFIXES.items():
        if folder == "generated" and path.name.startswith(prefix):
            return tool
    return None


def all_samples() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.name != "SOURCES.txt")


@pytest.mark.parametrize("tool", TOOLS)
def test_every_real_sample_of_every_tool(tool: str) -> None:
    """Own samples parse; other tools' samples are refused, or at least never read as a clean scan."""
    files = all_samples()
    if not files:
        pytest.skip("[shared] ../shared/samples not present beside the project")
    passed_as_clean = []
    for path in files:
        data = path.read_bytes()
        parsed = check(tool, data)
        if family(path) == tool or parsed is None:
            continue
        if parsed.status is Status.OK and not parsed.findings and json.loads(data) != []:
            passed_as_clean.append(path.name)
    assert not passed_as_clean, f"{tool} reads another tool's output as a clean scan: {passed_as_clean}"


def test_own_samples_are_accepted() -> None:
    """The other side of the cross test: each seed parses with its own parser (the test can fail)."""
    for tool in TOOLS:
        assert check(tool, json.dumps(seed(tool))) is not None, tool
