"""GitLab security report normalizer: every real sample, the tables value by value, errors, fuzzing."""

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
from secscan.parsers import gitlab

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
GITLAB = SAMPLES / "gitlab"
SAMPLE_NAMES = sorted(p.name for p in GITLAB.glob("*.json"))

WORDS = {
    "critical": "critical",
    "high": "high",
    "medium": "medium",
    "low": "low",
    "info": "info",
    "unknown": "medium",
    "undefined": "medium",
}


def _raw(name: str) -> Any:
    path = GITLAB / name
    if not path.exists():
        pytest.skip(f"[shared] GitLab sample {name} not present")
    return json.loads(path.read_text(encoding="utf-8"))


def _parse(name: str) -> Parsed:
    path = GITLAB / name
    if not path.exists():
        pytest.skip(f"[shared] GitLab sample {name} not present")
    return gitlab.parse(path.read_bytes(), path.name)


def _report(vulns: list[dict[str, Any]], **scan: Any) -> str:
    base = {
        "analyzer": {"id": "semgrep", "name": "Semgrep", "version": "5.1.0", "vendor": {"name": "GitLab"}},
        "scanner": {"id": "semgrep", "name": "Semgrep", "version": "1.50.0", "vendor": {"name": "GitLab"}},
        "type": "sast",
        "start_time": "2024-01-01T00:00:00",
        "end_time": "2024-01-01T00:01:00",
        "status": "success",
    }
    return json.dumps({"version": "15.0.7", "vulnerabilities": vulns, "scan": {**base, **scan}})


# ---------------------------------------------------------------- mapping tables


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("critical", Severity.CRITICAL),
        ("high", Severity.HIGH),
        ("medium", Severity.MEDIUM),
        ("low", Severity.LOW),
        ("info", Severity.INFO),
        ("unknown", Severity.MEDIUM),
        ("undefined", Severity.MEDIUM),
    ],
)
def test_severity_table_value_by_value(word: str, expected: Severity) -> None:
    assert gitlab.SEVERITY_TABLE[word] is expected
    assert gitlab.severity_for(word.capitalize()) is expected  # GitLab writes "Critical", "Unknown", ...


def test_severity_table_has_exactly_the_documented_rows() -> None:
    assert set(gitlab.SEVERITY_TABLE) == {"critical", "high", "medium", "low", "info", "unknown", "undefined"}
    assert gitlab.severity_for("Catastrophic") is Severity.MEDIUM is gitlab.UNKNOWN_SEVERITY


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("sast", Category.SAST),
        ("dependency_scanning", Category.DEPENDENCY),
        ("secret_detection", Category.SECRET),
        ("container_scanning", Category.CONTAINER),
        ("cluster_image_scanning", Category.CONTAINER),
    ],
)
def test_category_table_value_by_value(kind: str, expected: Category) -> None:
    assert gitlab.CATEGORY_TABLE[kind] is expected


def test_category_table_has_exactly_the_documented_rows() -> None:
    assert set(gitlab.CATEGORY_TABLE) == {
        "sast",
        "dependency_scanning",
        "secret_detection",
        "container_scanning",
        "cluster_image_scanning",
    }


ECOSYSTEMS = {
    "npm": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "pip": "PyPI",
    "pipenv": "PyPI",
    "poetry": "PyPI",
    "setuptools": "PyPI",
    "conda": "conda",
    "go": "Go",
    "maven": "Maven",
    "gradle": "Maven",
    "sbt": "Maven",
    "bundler": "RubyGems",
    "composer": "Packagist",
    "nuget": "NuGet",
    "conan": "ConanCenter",
}


@pytest.mark.parametrize(("manager", "ecosystem"), sorted(ECOSYSTEMS.items()))
def test_ecosystem_table_value_by_value(manager: str, ecosystem: str) -> None:
    assert gitlab.ECOSYSTEMS[manager] == ecosystem


def test_ecosystem_table_has_exactly_the_documented_rows() -> None:
    assert gitlab.ECOSYSTEMS == ECOSYSTEMS


# ---------------------------------------------------------------- every real sample


@pytest.mark.parametrize("name", or_skip(SAMPLE_NAMES, "GitLab samples"))
def test_every_sample_keeps_every_vulnerability_and_maps_severity(name: str) -> None:
    doc = _raw(name)
    parsed = _parse(name)
    expected = [
        (v.get("severity", "Unknown"), WORDS[v.get("severity", "Unknown").lower()])
        for v in doc["vulnerabilities"]
    ]
    assert [(f.raw_severity, f.severity.label) for f in parsed.findings] == expected
    assert parsed.coverage["vulnerabilities"] == len(doc["vulnerabilities"])
    assert parsed.status is Status.OK
    kind = (
        "secret" if "secret_detection" in name else "dependency" if "dependency-scanning" in name else "sast"
    )
    assert {f.category.value for f in parsed.findings} <= {kind}
    for f, v in zip(parsed.findings, doc["vulnerabilities"], strict=True):
        assert f.sources == ("gitlab",) and f.fingerprint == ""
        assert f.location is not None and f.location.path == v["location"]["file"]
        assert f.location.start_line == v["location"].get("start_line")
        json.dumps(finding_to_dict(f))


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("defectdojo__gl-sast-report-cwe_v15.json", "4.2.0"),
        ("defectdojo__gitlab_secret_detection_report_3_vuln_v15.json", "v7.5.0"),
        ("defectdojo__gl-dependency-scanning-report-1-vuln_v15.json", "2.24.1"),
        ("defectdojo__gl-sast-report-1-vuln_v15.json", None),
    ],
)
def test_version_from_the_scanner(name: str, version: str | None) -> None:
    assert _parse(name).version == version


def test_rule_id_is_the_first_non_cwe_identifier_and_cwes_are_normalized() -> None:
    parsed = _parse("defectdojo__gl-sast-report-cwe_v15.json")
    assert [f.rule_id for f in parsed.findings] == [
        "XSS_REQUEST_PARAMETER_TO_SERVLET_WRITER",
        "SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE",
        "node_nosqli_injection",
    ]  # njsscan: prose value, the one-token name is the rule
    assert [f.identifiers for f in parsed.findings] == [("CWE-79",), ("CWE-89",), ("CWE-943",)]
    first = parsed.findings[0]
    assert first.title == "Servlet reflected cross site scripting vulnerability"
    assert first.message.startswith("HTTP parameter written to Servlet output")
    assert first.properties["class"] == "servlets.module.lesson.XssLesson"
    assert first.properties["analyzer"] == "find_sec_bugs"


def test_dependency_scanning_package_manifest_and_fix() -> None:
    parsed = _parse("defectdojo__gl-dependency-scanning-report-2-vuln-missing-component_v15.json")
    missing, crypto = parsed.findings
    assert missing.package is None and missing.category is Category.DEPENDENCY
    assert missing.severity is Severity.MEDIUM and missing.raw_severity == "Unknown"
    assert crypto.package is not None
    assert (
        crypto.package.name,
        crypto.package.version,
        crypto.package.manifest,
        crypto.package.ecosystem,
    ) == ("golang.org/x/crypto", "v0.0.0-20190308221718-c2843e01d9a2", "service/go.sum", "Go")
    assert crypto.package.fixed_versions == ("v0.0.0-20201216223049-8b5274cf687f",)
    assert crypto.identifiers == ("CVE-2020-29652",)
    assert crypto.rule_id == "ffb814a0-404c-11eb-b378-0242ac130002"
    assert crypto.remediation == "Upgrade to version v0.0.0-20201216223049-8b5274cf687f or above."
    assert parsed.coverage == {"vulnerabilities": 2, "dependency_files": 1, "dependencies": 2}


def test_secret_detection_never_copies_the_secret() -> None:
    raw = _raw("defectdojo__gitlab_secret_detection_report_1_vuln_v15.json")
    secret = raw["vulnerabilities"][0]["raw_source_code_extract"]
    assert secret == "AKIAIOSFODNN7EXAMPLE"
    parsed = _parse("defectdojo__gitlab_secret_detection_report_1_vuln_v15.json")
    dumped = json.dumps([finding_to_dict(f) for f in parsed.findings])
    assert secret not in dumped and "AKIA" not in dumped
    f = parsed.findings[0]
    assert (f.rule_id, f.category, f.secret_hash, f.snippet) == ("AWS", Category.SECRET, None, None)
    doc = _report(
        [
            {
                "id": "1",
                "category": "secret_detection",
                "name": "GitHub token",
                "severity": "Critical",
                "description": "A GitHub token",
                "raw_source_code_extract": "ghp_SECRETSECRETSECRET",
                "location": {"file": "a.env", "start_line": 2, "commit": {"sha": "abc", "author": "x"}},
                "identifiers": [
                    {"type": "gitleaks_rule_id", "name": "Gitleaks rule ID github_pat", "value": "github_pat"}
                ],
            }
        ],
        type="secret_detection",
    )
    dumped = json.dumps([finding_to_dict(f) for f in gitlab.parse(doc).findings])
    assert "ghp_" not in dumped and "SECRETSECRET" not in dumped and "github_pat" in dumped


def test_schema_15_report_and_scan_failure() -> None:
    vuln = {
        "id": "9",
        "name": "Use of eval",
        "description": "eval of input",
        "severity": "High",
        "location": {"file": "app/x.py", "start_line": 3, "end_line": 4},
        "identifiers": [
            {"type": "semgrep_id", "name": "bandit.B307", "value": "bandit.B307"},
            {"type": "cwe", "name": "CWE-95", "value": "95"},
            {"type": "ghsa", "name": "GHSA-2X3C-4F5G-6H7J", "value": "GHSA-2x3c-4f5g-6h7j"},
        ],
    }
    ok = gitlab.parse(_report([vuln]))
    f = ok.findings[0]
    assert (f.rule_id, f.identifiers, ok.version) == (
        "bandit.B307",
        ("CWE-95", "GHSA-2x3c-4f5g-6h7j"),
        "5.1.0",
    )
    assert f.location is not None and (f.location.start_line, f.location.end_line) == (3, 4)
    failed = gitlab.parse(
        _report(
            [vuln],
            status="failure",
            messages=[
                {"level": "fatal", "value": "analyzer crashed"},
                {"level": "warn", "value": "no files"},
            ],
        )
    )
    assert failed.status is Status.FAILED and len(failed.findings) == 1
    assert failed.reason == "GitLab scan failed: fatal: analyzer crashed; warn: no files"
    bare = gitlab.parse(_report([], status="failure"))
    assert bare.status is Status.FAILED and bare.reason and "no messages" in bare.reason


def test_category_falls_back_to_vulnerability_then_file_name() -> None:
    vuln = {
        "name": "x",
        "severity": "Low",
        "location": {"file": "a"},
        "identifiers": [{"type": "t", "value": "r"}],
    }
    old = {"version": "2.0", "vulnerabilities": [{**vuln, "category": "dependency_scanning"}]}
    assert gitlab.parse(json.dumps(old)).findings[0].category is Category.DEPENDENCY
    plain = json.dumps({"version": "2.0", "vulnerabilities": [vuln]})
    assert gitlab.parse(plain, "gl-secret-detection-report.json").findings[0].category is Category.SECRET
    assert (
        gitlab.parse(plain, "ci/gl-dependency-scanning-report.json").findings[0].category
        is Category.DEPENDENCY
    )
    assert gitlab.parse(plain, "report.json").findings[0].category is Category.SAST


def test_container_scanning_report() -> None:
    vuln = {
        "id": "1",
        "name": "CVE-2021-3711",
        "severity": "Critical",
        "location": {
            "image": "registry/app:1.0",
            "operating_system": "alpine 3.14",
            "dependency": {"package": {"name": "openssl"}, "version": "1.1.1k-r0"},
        },
        "identifiers": [{"type": "cve", "name": "CVE-2021-3711", "value": "CVE-2021-3711"}],
    }
    f = gitlab.parse(_report([vuln], type="container_scanning")).findings[0]
    assert (
        f.category is Category.CONTAINER and f.location is not None and f.location.image == "registry/app:1.0"
    )
    assert f.package is not None and (f.package.name, f.package.version) == ("openssl", "1.1.1k-r0")
    assert f.identifiers == ("CVE-2021-3711",) and f.rule_id == "CVE-2021-3711"


@pytest.mark.parametrize("incomplete", [False, True])
def test_reads_back_the_reports_secscan_writes(incomplete: bool) -> None:
    fmt = pytest.importorskip("secscan.formats.gitlab")
    fixtures = pytest.importorskip("report_fixtures")
    result = fixtures.incomplete_result() if incomplete else fixtures.sample_result()
    files = fmt.GitLabFormat().render(result)
    for kind, name in fmt.FILES.items():
        parsed = gitlab.parse(files[name], name)
        mine = [f for f in result.findings if fmt.REPORT_OF[f.category] == kind]
        assert [(f.rule_id, f.severity) for f in parsed.findings] == [(f.rule_id, f.severity) for f in mine]
        assert parsed.status is (Status.FAILED if incomplete else Status.OK)
        dumped = json.dumps([finding_to_dict(f) for f in parsed.findings])
        assert fixtures.SECRET_VALUE not in dumped


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"", "empty"),
        (b'{"version": "15.0.0", "vulnerabilities": [', "invalid JSON"),
        (b"\xc3\x28", "not UTF-8"),
        (
            '{"version": "15.0.0", "vulnerabilities": [], "scan": {"type": "dast"}}',
            "report type 'dast' is not supported",
        ),
        ('{"version": "15.0.0", "vulnerabilities": {}}', "not a GitLab security report"),
        ('{"vulnerabilities": []}', "not a GitLab security report"),
        ('{"version": 15, "vulnerabilities": []}', "version is int"),
        ('{"version": "15", "vulnerabilities": [3]}', "vulnerabilities[0] is int"),
        ('{"version": "15", "vulnerabilities": [{"severity": "High"}]}', "no identifier, name or id"),
        ('{"version": "15", "vulnerabilities": [{"name": "x", "severity": 4}]}', "severity is int"),
        ('{"version": "15", "vulnerabilities": [{"name": "x", "identifiers": {}}]}', "identifiers is dict"),
        (
            '{"version": "15", "vulnerabilities": [{"name": "x", '
            '"location": {"start_line": "3", "file": "a"}}]}',
            "start_line is str",
        ),
        (
            '{"version": "15", "vulnerabilities": [], "scan": {"status": "failure", "messages": "boom"}}',
            "messages is str",
        ),
        ("[]", "top level is list"),
    ],
)
def test_malformed_input_is_a_parse_error(text: str | bytes, problem: str) -> None:
    with pytest.raises(ParseError, match=re.escape(problem)) as info:
        gitlab.parse(text, "gl.json")
    assert info.value.tool == "gitlab"


def test_other_tools_json_is_a_parse_error() -> None:
    for other in (
        SAMPLES / "trivy" / "defectdojo__scheme_2_many_vulns.json",
        SAMPLES / "npm_audit" / "defectdojo__npm_audit_7_plus__one_vuln.json",
        SAMPLES / "semgrep" / "defectdojo__one_finding.json",
        SAMPLES / "trivy" / "trivyrepo__alpine-310.sarif.golden",
    ):
        if other.exists():
            with pytest.raises(ParseError):
                gitlab.parse(other.read_bytes(), other.name)


# ---------------------------------------------------------------- fuzzing: only ParseError escapes

KEYS = [
    "version",
    "vulnerabilities",
    "scan",
    "type",
    "status",
    "messages",
    "analyzer",
    "scanner",
    "id",
    "name",
    "message",
    "description",
    "severity",
    "identifiers",
    "value",
    "location",
    "file",
    "start_line",
    "end_line",
    "dependency",
    "package",
    "category",
    "dependency_files",
    "path",
    "package_manager",
]
JSON = json_values(KEYS, ["sast", "secret_detection", "failure", "cwe", "CWE-79", "High", "Unknown", 2])


def _only_parse_error(text: str | bytes) -> None:
    only_parse_error(gitlab.parse, "gitlab", text)


@FUZZ
@given(JSON)
def test_fuzz_random_json(value: Any) -> None:
    _only_parse_error(json.dumps(value))
    _only_parse_error(json.dumps({"version": "15.0.0", "vulnerabilities": [value], "scan": {"type": "sast"}}))
    _only_parse_error(
        json.dumps({"version": "15.0.0", "vulnerabilities": [], "scan": value, "dependency_files": value})
    )


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


@pytest.mark.skipif(not SAMPLE_NAMES, reason="[shared] GitLab samples not present")
@FUZZ
@given(st.sampled_from(SAMPLE_NAMES or ["-"]), st.data())
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
