"""npm audit normalizer: every real sample, the severity table value by value, errors, fuzzing."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fuzz_support import FUZZ, json_values, only_parse_error
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_samples import or_skip

from secscan.core.errors import ParseError
from secscan.core.model import Category, Parsed, Severity, Status
from secscan.core.serialize import finding_to_dict
from secscan.parsers import npm_audit

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
NPM = SAMPLES / "npm_audit"
SAMPLE_NAMES = sorted(p.name for p in NPM.glob("*.json"))

WORDS = {"critical": "critical", "high": "high", "moderate": "medium", "low": "low", "info": "info"}

# What `npm audit --json` (npm 11.19.1) printed on the build machine when the registry's bulk audit
# endpoint answered 405 (captured 2026-11-25, exit code 1).
NPM_405 = """{
  "message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
  "method": "POST",
  "uri": "https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
  "headers": {"allow": ["GET,HEAD"], "date": ["Wed, 25 Nov 2026 17:55:01 GMT"], "content-length": ["0"],
              "x-fetch-attempts": ["1"]},
  "statusCode": 405,
  "body": "",
  "error": {"summary": "", "detail": ""}
}"""


def _raw(name: str) -> Any:
    path = NPM / name
    if not path.exists():
        pytest.skip(f"[shared] npm audit sample {name} not present")
    return json.loads(path.read_text(encoding="utf-8"))


def _parse(name: str) -> Parsed:
    path = NPM / name
    if not path.exists():
        pytest.skip(f"[shared] npm audit sample {name} not present")
    return npm_audit.parse(path.read_bytes(), str(path))


# ---------------------------------------------------------------- mapping table


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("critical", Severity.CRITICAL),
        ("high", Severity.HIGH),
        ("moderate", Severity.MEDIUM),
        ("low", Severity.LOW),
        ("info", Severity.INFO),
    ],
)
def test_severity_table_value_by_value(word: str, expected: Severity) -> None:
    assert npm_audit.SEVERITY_TABLE[word] is expected
    assert npm_audit.severity_for(word.upper()) is expected


def test_severity_table_has_exactly_the_documented_rows() -> None:
    assert set(npm_audit.SEVERITY_TABLE) == {"critical", "high", "moderate", "low", "info"}
    assert npm_audit.severity_for("medium-ish") is Severity.MEDIUM is npm_audit.UNKNOWN_SEVERITY


@pytest.mark.parametrize(
    ("patched", "fixed"),
    [
        (">=1.10.2", ("1.10.2",)),
        (">= 0.6.1", ("0.6.1",)),
        ("<0.0.0", ()),
        (">= 2.11.2 < 3.0.0|| >= 3.6.4 < 4.0.0", ("2.11.2", "3.6.4")),
        (">=4.0.0-beta.1", ("4.0.0-beta.1",)),
    ],
)
def test_fixed_versions_from_patched_range(patched: str, fixed: tuple[str, ...]) -> None:
    assert npm_audit.fixed_from_range(patched) == fixed


# ---------------------------------------------------------------- every real sample


def _expected_records(doc: dict[str, Any]) -> list[tuple[str, str, str | None, str]]:
    """(package, raw severity, version, expected label) per advisory and installed version, independently."""
    out = []
    if "advisories" in doc:
        for adv in doc["advisories"].values():
            versions = list(dict.fromkeys(f["version"] for f in adv["findings"])) or [None]
            out += [(adv["module_name"], adv["severity"], v, WORDS[adv["severity"]]) for v in versions]
    elif "vulnerabilities" in doc:
        for key, entry in doc["vulnerabilities"].items():
            out += [
                (key, via["severity"], None, WORDS[via["severity"]])
                for via in entry["via"]
                if isinstance(via, dict)
            ]
    return sorted(out, key=repr)


@pytest.mark.parametrize("name", or_skip(SAMPLE_NAMES, "npm audit samples"))
def test_every_sample_keeps_every_advisory_and_maps_severity(name: str) -> None:
    doc = _raw(name)
    parsed = _parse(name)
    got = sorted(
        (
            (
                f.package.name if f.package else "",
                f.raw_severity,
                f.package.version if f.package else None,
                f.severity.label,
            )
            for f in parsed.findings
        ),
        key=repr,
    )
    assert got == _expected_records(doc)
    assert parsed.coverage["vulnerabilities"] == len(parsed.findings)
    for f in parsed.findings:
        assert f.category is Category.DEPENDENCY and f.sources == ("npm-audit",) and f.fingerprint == ""
        assert f.package is not None and f.package.ecosystem == "npm"
        json.dumps(finding_to_dict(f))
    if "error" not in doc:
        assert parsed.status is Status.OK


@pytest.mark.parametrize(
    ("name", "total", "dependencies"),
    [
        ("defectdojo__npm_audit__multiple_cwes.json", 44, 1251),
        ("defectdojo__npm_audit__issue_7897.json", 5, 159),
        ("defectdojo__npm_audit__many_vuln_npm7.json", 8, 1047),
        ("defectdojo__npm_audit_7_plus__one_vuln.json", 2, 97),
        ("defectdojo__npm_audit__no_vuln.json", 0, 918),
        ("defectdojo__npm_audit_7_plus__no_vuln.json", 0, 97),
    ],
)
def test_known_totals_and_dependency_coverage(name: str, total: int, dependencies: int) -> None:
    parsed = _parse(name)
    assert len(parsed.findings) == total
    assert parsed.coverage["dependencies"] == dependencies


def test_error_only_output_is_failed_with_npms_message() -> None:
    parsed = _parse("defectdojo__npm_audit__empty_with_error.json")
    assert parsed.status is Status.FAILED and parsed.findings == ()
    assert parsed.reason and "ENOAUDIT" in parsed.reason and "may not support audit requests" in parsed.reason


def test_405_from_the_audit_endpoint_is_failed_never_clean() -> None:
    parsed = npm_audit.parse(NPM_405, "npm-audit.json")
    assert parsed.status is Status.FAILED
    assert parsed.reason == (
        "npm audit failed: 405 Method Not Allowed - POST "
        "https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"
    )


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        (
            {
                "error": {
                    "code": "ENOLOCK",
                    "summary": "This command requires an existing lockfile.",
                    "detail": "Try creating one first with: npm i --package-lock-only",
                }
            },
            ["ENOLOCK", "requires an existing lockfile", "package-lock-only"],
        ),
        ({"error": "audit endpoint returned an error"}, ["audit endpoint returned an error"]),
        ({"error": {}}, ["without a message"]),
    ],
)
def test_other_error_shapes(doc: dict[str, Any], words: list[str]) -> None:
    parsed = npm_audit.parse(json.dumps(doc))
    assert parsed.status is Status.FAILED
    assert parsed.reason is not None and all(w in parsed.reason for w in words)


def test_npm6_details_versions_paths_ids() -> None:
    parsed = _parse("defectdojo__npm_audit__multiple_cwes.json")
    ansi = [f for f in parsed.findings if f.package and f.package.name == "ansi-regex"]
    assert sorted(str(f.package.version) for f in ansi if f.package) == ["3.0.0", "4.1.0"]
    first = next(f for f in ansi if f.package and f.package.version == "3.0.0")
    assert first.rule_id == "GHSA-93q8-gq69-wqmw"
    assert first.identifiers == ("GHSA-93q8-gq69-wqmw", "CVE-2021-3807", "CWE-918", "CWE-1333")
    assert first.package is not None and first.package.fixed_versions == ("5.0.1",)
    assert len(first.properties["dependency_paths"]) == 5
    assert first.properties["cvss_score"] == 7.5
    assert first.properties["cvss_vector"].startswith("CVSS:3.0/")
    assert first.remediation == "Upgrade to version 5.0.1 or later"


def test_npm6_without_ghsa_uses_the_npm_id_and_cwe_forms() -> None:
    one = _parse("defectdojo__npm_audit__one_vuln.json").findings[0]
    assert one.rule_id == "npm-146"
    assert one.identifiers == ("CVE-2017-16042", "CWE-94")  # cwe as a string
    assert one.package is not None and (one.package.name, one.package.version) == ("growl", "1.9.2")
    assert one.properties["dependency_paths"] == ["mocha-jenkins-reporter>mocha>growl"]
    null = _parse("defectdojo__npm_audit__cwe_null.json").findings[0]
    assert null.identifiers == ("CVE-2017-16042",)  # cwe null


def test_npm7_details_version_range_fix_and_paths() -> None:
    parsed = _parse("defectdojo__npm_audit__many_vuln_npm7.json")
    by_name = {f.package.name: f for f in parsed.findings if f.package}
    assert "gulp" not in by_name and "mkdirp" not in by_name  # only string via entries: no finding
    minimist = by_name["minimist"]
    assert (
        minimist.rule_id == "npm-1179" and minimist.package is not None and minimist.package.version is None
    )
    assert minimist.properties["vulnerable_range"] == "<0.2.1 || >=1.0.0 <1.2.3"
    assert sorted(minimist.properties["dependency_paths"]) == [
        "handlebars>optimist>minimist",
        "mkdirp>minimist",
    ]
    assert "node_modules/minimist" in minimist.properties["install_paths"]
    assert minimist.properties["fix_available"] is True
    parser = by_name["yargs-parser"]
    assert parser.properties["fix_via"] == "gulp-cli@1.4.0" and parser.package is not None
    assert parser.package.fixed_versions == ()
    assert sorted(parser.properties["dependency_paths"]) == [
        "gulp>gulp-cli>yargs>yargs-parser",
        "node-sass>sass-graph>yargs>yargs-parser",
    ]


def test_npm7_ghsa_cwes_and_fix_of_the_package_itself() -> None:
    parsed = _parse("defectdojo__npm_audit_7_plus__one_vuln.json")
    assert [f.rule_id for f in parsed.findings] == ["GHSA-gxpj-cx7g-858c", "GHSA-9vvw-cc9w-f27h"]
    assert parsed.findings[0].identifiers == ("GHSA-gxpj-cx7g-858c", "CWE-400")
    assert parsed.findings[0].severity is Severity.MEDIUM and parsed.findings[0].raw_severity == "moderate"
    assert parsed.findings[0].properties["fix_via"] == "express@4.18.3"
    doc = {
        "auditReportVersion": 2,
        "vulnerabilities": {
            "lodash": {
                "name": "lodash",
                "severity": "high",
                "via": [
                    {
                        "source": 1,
                        "name": "lodash",
                        "title": "Proto",
                        "url": "https://npmjs.com/advisories/1",
                        "severity": "high",
                        "cwe": "CWE-1321",
                        "range": "<4.17.21",
                    }
                ],
                "effects": [],
                "range": "<4.17.21",
                "nodes": ["node_modules/lodash"],
                "fixAvailable": {"name": "lodash", "version": "4.17.21", "isSemVerMajor": False},
            }
        },
    }
    f = npm_audit.parse(json.dumps(doc)).findings[0]
    assert f.package is not None and f.package.fixed_versions == ("4.17.21",)
    assert f.identifiers == ("CWE-1321",) and f.remediation == "upgrade lodash to 4.17.21"
    assert f.properties["fix_is_semver_major"] is False


def test_npm7_cycles_terminate() -> None:
    doc = {
        "auditReportVersion": 2,
        "vulnerabilities": {
            "a": {
                "name": "a",
                "severity": "low",
                "via": ["b", {"source": 9, "name": "a", "severity": "low"}],
                "effects": ["b"],
            },
            "b": {"name": "b", "severity": "low", "via": ["a"], "effects": ["a"]},
        },
    }
    parsed = npm_audit.parse(json.dumps(doc))
    assert len(parsed.findings) == 1
    assert parsed.findings[0].properties["dependency_paths"] == ["b>a"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"", "empty"),
        (b'{"advisories": {', "invalid JSON"),
        (b"\x80abc", "not UTF-8"),
        ('{"auditReportVersion": 3, "vulnerabilities": {}}', "unsupported auditReportVersion 3"),
        ('{"auditReportVersion": 2}', "without a vulnerabilities object"),
        ('{"auditReportVersion": 2, "vulnerabilities": []}', "vulnerabilities is list"),
        ('{"auditReportVersion": 2, "vulnerabilities": {"a": {"via": [1]}}}', "via[0] is int"),
        (
            '{"auditReportVersion": 2, "vulnerabilities": {"a": {"via": [{"source": 1}]}}}',
            "severity is missing",
        ),
        (
            '{"auditReportVersion": 2, "vulnerabilities": {"a": {"via": [{"source": 1, "severity": "low", '
            '"cwe": 79}]}}}',
            "cwe is int",
        ),
        (
            '{"auditReportVersion": 2, "vulnerabilities": {"a": {"via": [{"severity": "low"}]}}}',
            "neither a GHSA url nor an advisory id",
        ),
        ('{"advisories": {"1": {"severity": "low"}}}', "module_name is missing"),
        (
            '{"advisories": {"1": {"module_name": "x", "severity": "low", "findings": [{"version": 1}]}}}',
            "version is int",
        ),
        ('{"error": 5}', "error is int"),
        ('{"vulnerabilities": [], "version": "15.0.0"}', "not npm audit JSON"),
        ("[]", "top level is list"),
        ("9" * 4500, "invalid JSON"),
    ],
)
def test_malformed_input_is_a_parse_error(text: str | bytes, problem: str) -> None:
    with pytest.raises(ParseError, match=re.escape(problem)) as info:
        npm_audit.parse(text, "audit.json")
    assert info.value.tool == "npm-audit"


def test_other_tools_json_is_a_parse_error() -> None:
    for other in (
        SAMPLES / "trivy" / "defectdojo__scheme_2_many_vulns.json",
        SAMPLES / "gitlab" / "defectdojo__gl-dependency-scanning-report-1-vuln_v15.json",
        SAMPLES / "trivy" / "defectdojo__legacy_many_vulns.json",
        SAMPLES / "bandit" / "defectdojo__one_vuln.json",
    ):
        if other.exists():
            with pytest.raises(ParseError):
                npm_audit.parse(other.read_bytes(), other.name)


# ---------------------------------------------------------------- fuzzing: only ParseError escapes

KEYS = [
    "advisories",
    "findings",
    "version",
    "paths",
    "module_name",
    "severity",
    "cwe",
    "cves",
    "url",
    "auditReportVersion",
    "vulnerabilities",
    "via",
    "effects",
    "nodes",
    "fixAvailable",
    "name",
    "source",
    "range",
    "cvss",
    "score",
    "metadata",
    "dependencies",
    "total",
    "error",
    "message",
]
JSON = json_values(
    KEYS, ["high", "moderate", "a", "b", "https://github.com/advisories/GHSA-2222-3333-4444", 2]
)


def _only_parse_error(text: str | bytes) -> None:
    only_parse_error(npm_audit.parse, "npm-audit", text)


@FUZZ
@given(JSON)
def test_fuzz_random_json(value: Any) -> None:
    _only_parse_error(json.dumps(value))
    _only_parse_error(
        json.dumps({"auditReportVersion": 2, "vulnerabilities": {"a": value, "b": {"via": [value]}}})
    )
    _only_parse_error(json.dumps({"advisories": {"1": value}, "metadata": value}))
    _only_parse_error(json.dumps({"error": value, "message": value}))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:3]):
            out += _paths(value, (*prefix, i))
    return out


def _mutate(doc: Any, path: tuple[Any, ...], op: str, value: Any) -> Any:
    doc = copy.deepcopy(doc)
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if op == "delete":
        del parent[path[-1]]
    elif op == "wrap":
        parent[path[-1]] = [parent[path[-1]]]
    else:
        parent[path[-1]] = value
    return doc


BASES = [n for n in SAMPLE_NAMES if (NPM / n).stat().st_size < 20_000]


@pytest.mark.skipif(not BASES, reason="[shared] npm audit samples not present")
@FUZZ
@given(st.sampled_from(BASES or ["-"]), st.data())
def test_fuzz_mutated_samples(name: str, data: st.DataObject) -> None:
    doc = _raw(name)
    path = data.draw(st.sampled_from(_paths(doc)))
    op = data.draw(st.sampled_from(["replace", "delete", "wrap"]))
    text = json.dumps(_mutate(doc, path, op, data.draw(JSON)))
    _only_parse_error(text)
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    _only_parse_error(text[:cut].encode())


@settings(max_examples=100, deadline=None, database=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(blob: bytes) -> None:
    _only_parse_error(blob)
