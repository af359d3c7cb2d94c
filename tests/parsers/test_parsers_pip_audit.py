"""The pip-audit normalizer: both shapes, every real sample, skipped dependencies, and fuzzing."""

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
from secscan.parsers import pip_audit

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
SAMPLE_FILES = sorted(SAMPLES.glob("pip_audit/*.json")) + sorted(
    p for p in SAMPLES.glob("generated/pip-audit_*.json") if not p.name.endswith(".cdx.json")
)


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"[shared] sample {name} not present (../shared/samples)")
    return path


def load(name: str) -> Parsed:
    path = sample(name)
    return pip_audit.parse(path.read_bytes(), str(path))


def _deps(data: Any) -> list[dict[str, Any]]:
    return data if isinstance(data, list) else data["dependencies"]


def test_default_severity_is_documented_constant() -> None:
    assert pip_audit.DEFAULT_SEVERITY is Severity.HIGH
    assert pip_audit.RAW_SEVERITY == "unknown" and pip_audit.SEVERITY_SOURCE == "default"
    assert "severity_source" in (pip_audit.__doc__ or "")


@pytest.mark.parametrize("path", or_skip(SAMPLE_FILES, "pip-audit samples"), ids=lambda p: p.name)
def test_every_sample_keeps_every_record(path: Path) -> None:
    data = json.loads(path.read_text())
    parsed = pip_audit.parse(path.read_bytes(), str(path))
    expected = [(d, v) for d in _deps(data) if "skip_reason" not in d for v in d["vulns"]]
    assert len(parsed.findings) == len(expected)
    for (dep, vuln), f in zip(expected, parsed.findings, strict=True):
        assert f.rule_id == vuln["id"] and f.identifiers[0] == vuln["id"]
        assert set(f.identifiers) == {vuln["id"], *vuln.get("aliases", [])}
        assert f.title == f"{dep['name']} {dep['version']}: {vuln['id']}"
        assert f.package is not None and (f.package.name, f.package.version) == (dep["name"], dep["version"])
        assert f.package.fixed_versions == tuple(vuln["fix_versions"]) and f.package.ecosystem == "PyPI"
        assert f.severity is Severity.HIGH and f.raw_severity == "unknown"
        assert f.severity_source == "default" and "severity_source" not in f.properties
        assert f.category is Category.DEPENDENCY and f.fingerprint == "" and f.sources == ("pip-audit",)
        assert len(f.message) <= 1000
    skipped = sum(1 for d in _deps(data) if "skip_reason" in d)
    assert parsed.coverage == {
        "dependencies_audited": len(_deps(data)) - skipped,
        "dependencies_skipped": skipped,
        "vulnerabilities": len(expected),
    }
    if skipped or not _deps(data):
        assert parsed.status in (Status.PARTIAL, Status.FAILED) and parsed.reason
    else:
        assert parsed.status is Status.OK


def test_legacy_list_and_wrapped_shape_agree() -> None:
    old = load("pip_audit/defectdojo__many_vulns.json")
    new = load("pip_audit/defectdojo__many_vulns_new.json")
    assert old.findings == new.findings and old.status is new.status is Status.PARTIAL
    assert old.reason is not None and "azure-devops" in old.reason and "1 of 7" in old.reason


def test_offline_all_skipped_is_failed_never_ok() -> None:
    parsed = load("generated/pip-audit_requirements-old_offline.json")
    assert parsed.findings == () and parsed.status is Status.FAILED
    assert parsed.reason is not None and "no dependencies were audited" in parsed.reason
    assert "flask (0.10.1)" in parsed.reason and "+1 more" in parsed.reason
    assert parsed.coverage == {"dependencies_audited": 0, "dependencies_skipped": 4, "vulnerabilities": 0}


@pytest.mark.parametrize("name", ["pip_audit/defectdojo__empty.json", "pip_audit/defectdojo__empty_new.json"])
def test_zero_dependencies_is_failed(name: str) -> None:
    parsed = load(name)
    assert parsed.status is Status.FAILED and parsed.reason is not None
    assert "no dependencies were audited" in parsed.reason


def test_aliases_description_and_remediation_from_real_run() -> None:
    parsed = load("generated/pip-audit_json_rerendered-subset-vulnflask.json")
    urllib3 = next(f for f in parsed.findings if f.package and f.package.name == "urllib3")
    assert "CVE-2025-50181" in urllib3.identifiers
    assert urllib3.remediation == "upgrade urllib3 from 1.26.20 to 2.5.0"
    assert urllib3.message.endswith("...") and len(urllib3.message) == 1000


def test_remediation_prefers_fixes_then_lowest_fix_above_current() -> None:
    doc = {
        "dependencies": [
            {
                "name": "Django",
                "version": "3.2.9",
                "vulns": [
                    {
                        "id": "PYSEC-1",
                        "fix_versions": ["2.2.25", "3.2.10", "3.1.14"],
                        "aliases": ["CVE-1", 3, "CVE-1"],
                        "description": "  d  ",
                    }
                ],
            },
            {"name": "odd", "version": "not-a-version", "vulns": [{"id": "GHSA-x", "fix_versions": ["1.0"]}]},
            {"name": "nofix", "version": "1.0", "vulns": [{"id": "PYSEC-2", "fix_versions": []}]},
            {
                "name": "planned",
                "version": "1.0",
                "vulns": [{"id": "PYSEC-3", "fix_versions": ["1.1", "2.0"]}],
            },
        ],
        "fixes": [
            {"name": "planned", "old_version": "1.0", "new_version": "2.0"},
            {"name": "nofix", "version": "1.0", "skip_reason": "no fix"},
        ],
    }
    f = pip_audit.parse(json.dumps(doc)).findings
    assert f[0].remediation == "upgrade Django from 3.2.9 to 3.2.10"
    assert f[0].identifiers == ("PYSEC-1", "CVE-1") and f[0].message == "d"
    assert f[1].remediation == "upgrade odd from not-a-version to 1.0"
    assert f[2].remediation is None and f[2].message == "nofix 1.0: PYSEC-2"
    assert f[3].remediation == "upgrade planned from 1.0 to 2.0"


def test_partial_reason_lists_first_few_and_count() -> None:
    deps: list[dict[str, Any]] = [{"name": f"p{i}", "skip_reason": f"reason {i}"} for i in range(5)]
    deps.append({"name": "ok", "version": "1", "vulns": []})
    deps.append({"name": "weird", "skip_reason": 7})
    parsed = pip_audit.parse(json.dumps(deps))
    assert parsed.status is Status.PARTIAL and parsed.reason is not None
    assert parsed.reason.startswith("6 of 7 dependencies were not audited")
    assert "reason 0" in parsed.reason and "reason 3" not in parsed.reason and "+3 more" in parsed.reason
    assert parsed.coverage["dependencies_skipped"] == 6


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"dependencies": [', "invalid JSON"),
        ("", "empty"),
        (b"\xc3\x28", "UTF-8"),
        ('"text"', "expected an object"),
        ('{"fixes": []}', "'dependencies'"),
        ('{"dependencies": {}}', "dependencies is dict"),
        ('{"dependencies": [], "fixes": {}}', "fixes is dict"),
        ('{"dependencies": [], "fixes": [1]}', "fixes[0]"),
        ('[{"Target": "x"}]', "no name"),
        ('[{"name": "a"}]', "no version"),
        ('[{"name": "a", "version": "1"}]', "vulns is NoneType"),
        ('[{"name": "a", "version": "1", "vulns": [{"fix_versions": []}]}]', "no id"),
        ('[{"name": "a", "version": "1", "vulns": ["x"]}]', "vulns[0]"),
        ('{"bomFormat": "CycloneDX", "dependencies": []}', "CycloneDX"),
    ],
)
def test_malformed_input_is_a_parse_error(text: str | bytes, problem: str) -> None:
    with pytest.raises(ParseError) as info:
        pip_audit.parse(text, "in.json")
    assert problem in str(info.value) and "in.json" in str(info.value) and info.value.tool == "pip-audit"


def test_other_formats_and_tools_are_parse_errors() -> None:
    for name in (
        "generated/pip-audit_requirements-old_offline.cdx.json",
        "generated/pip-audit_requirements-old_offline.cdx.xml",
        "generated/pip-audit_cyclonedx-json_rendered-from-vulnflask-report.cdx.json",
        "trivy/defectdojo__legacy_many_vulns.json",
        "bandit/defectdojo__one_vuln.json",
        "semgrep/defectdojo__one_finding.json",
        "npm_audit/defectdojo__npm_audit__one_vuln.json",
    ):
        if (SAMPLES / name).exists():
            with pytest.raises(ParseError):
                pip_audit.parse((SAMPLES / name).read_bytes(), name)


# --- fuzzing: nothing but ParseError escapes ------------------------------------------------------------

KEYS = [
    "dependencies",
    "fixes",
    "name",
    "version",
    "vulns",
    "skip_reason",
    "id",
    "fix_versions",
    "aliases",
    "description",
    "old_version",
    "new_version",
    "bomFormat",
]
SPECIAL = st.sampled_from(
    [
        "1.0",
        "9" * 5000,
        "1!2.0.post1",
        "",
        "not a version",
        ["1.0", 2, None],
        10**400,
        float("inf"),
        "\ud800",
        "x" * 2000,
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
        parsed = pip_audit.parse(text, "fuzz")
    except ParseError:
        return
    for f in parsed.findings:
        json.dumps(finding_to_dict(f), allow_nan=False)
        assert f.severity is Severity.HIGH and f.fingerprint == "" and len(f.message) <= 1000
    assert all(isinstance(v, int) for v in parsed.coverage.values())
    if parsed.coverage["dependencies_skipped"] or not parsed.coverage["dependencies_audited"]:
        assert parsed.status is not Status.OK  # the one rule: not audited never reads as clean


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_fuzz_random_json(value: Any) -> None:
    _check(json.dumps(value))
    _check(json.dumps({"dependencies": value, "fixes": value}))
    _check(json.dumps([value, {"name": "a", "version": "1", "vulns": [value]}]))


def _targets(doc: Any) -> list[tuple[Any, ...]]:
    """Paths to the fields the parser reads (existing or new keys) in one vulnerable dependency."""
    deps: Any = doc
    pre: tuple[Any, ...] = ()
    if isinstance(doc, dict):
        deps, pre = doc.get("dependencies"), ("dependencies",)
    out: list[tuple[Any, ...]] = []
    if not isinstance(deps, list):
        return out
    for i, dep in enumerate(deps):
        if isinstance(dep, dict) and isinstance(dep.get("vulns"), list) and dep["vulns"]:
            out.extend((*pre, i, k) for k in ("name", "version", "vulns", "skip_reason"))
            if isinstance(dep["vulns"][0], dict):
                out.extend((*pre, i, "vulns", 0, k) for k in ("id", "fix_versions", "aliases", "description"))
            break
    fixes = doc.get("fixes") if isinstance(doc, dict) else None
    if isinstance(fixes, list) and fixes and isinstance(fixes[0], dict):
        out.extend(("fixes", 0, k) for k in ("name", "new_version"))
    return out


MUTATION_BASES = [
    "pip_audit/defectdojo__many_vulns.json",
    "generated/pip-audit_json_rerendered-subset-vulnflask.json",
    "generated/pip-audit_requirements-old_offline.json",
]


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
        pip_audit.parse(text[:cut], "truncated")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(blob: bytes) -> None:
    _check(blob)
