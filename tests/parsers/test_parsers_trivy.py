"""Trivy normalizer: every real sample, the mapping tables value by value, error cases, fuzzing."""

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
from secscan.parsers import trivy

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
TRIVY = SAMPLES / "trivy"
JSON_SAMPLES = sorted(p.name for p in TRIVY.glob("*.json")) + sorted(
    p.name for p in TRIVY.glob("*.json.golden")
)

# The expectations, written down independently of the module.
WORDS = {"CRITICAL": "critical", "HIGH": "high", "MEDIUM": "medium", "LOW": "low"}


def _raw(name: str) -> Any:
    path = TRIVY / name
    if not path.exists():
        pytest.skip(f"[shared] Trivy sample {name} not present")
    return json.loads(path.read_text(encoding="utf-8"))


def _parse(name: str) -> Parsed:
    path = TRIVY / name
    if not path.exists():
        pytest.skip(f"[shared] Trivy sample {name} not present")
    return trivy.parse(path.read_bytes(), str(path))


# ---------------------------------------------------------------- mapping tables


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("CRITICAL", Severity.CRITICAL),
        ("HIGH", Severity.HIGH),
        ("MEDIUM", Severity.MEDIUM),
        ("LOW", Severity.LOW),
    ],
)
def test_severity_table_value_by_value(word: str, expected: Severity) -> None:
    assert trivy.SEVERITY_TABLE[word] is expected
    assert trivy.severity_for(word, [9.9]) is expected  # the table wins over any score
    assert trivy.severity_for(word.lower(), []) is expected


def test_severity_table_has_exactly_the_documented_rows() -> None:
    assert set(trivy.SEVERITY_TABLE) == {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
    assert trivy.UNKNOWN_CVSS_BOUNDS == (
        (9.0, Severity.CRITICAL),
        (7.0, Severity.HIGH),
        (4.0, Severity.MEDIUM),
    )
    assert trivy.UNKNOWN_POSITIVE_SCORE is Severity.LOW
    assert trivy.UNKNOWN_NO_SCORE is Severity.MEDIUM


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([10.0], Severity.CRITICAL),
        ([9.0], Severity.CRITICAL),
        ([8.9], Severity.HIGH),
        ([7.0], Severity.HIGH),
        ([6.9], Severity.MEDIUM),
        ([4.0], Severity.MEDIUM),
        ([3.9], Severity.LOW),
        ([0.1], Severity.LOW),
        ([0.0], Severity.MEDIUM),
        ([], Severity.MEDIUM),
        ([2.0, 9.1, 5.0], Severity.CRITICAL),
    ],
)
def test_unknown_severity_follows_the_highest_cvss_score(scores: list[float], expected: Severity) -> None:
    assert trivy.severity_for("UNKNOWN", scores) is expected
    assert trivy.severity_for("SOMETHING-NEW", scores) is expected


ECOSYSTEMS = {
    "pip": "PyPI",
    "pipenv": "PyPI",
    "poetry": "PyPI",
    "uv": "PyPI",
    "python-pkg": "PyPI",
    "conda-pkg": "conda",
    "conda-environment": "conda",
    "npm": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "bun": "npm",
    "node-pkg": "npm",
    "gomod": "Go",
    "gobinary": "Go",
    "jar": "Maven",
    "pom": "Maven",
    "gradle": "Maven",
    "sbt": "Maven",
    "cargo": "crates.io",
    "rust-binary": "crates.io",
    "composer": "Packagist",
    "composer-vendor": "Packagist",
    "bundler": "RubyGems",
    "gemspec": "RubyGems",
    "nuget": "NuGet",
    "dotnet-core": "NuGet",
    "packages-props": "NuGet",
    "conan": "ConanCenter",
    "hex": "Hex",
    "pub": "Pub",
    "swift": "SwiftURL",
    "cocoapods": "CocoaPods",
    "julia": "Julia",
}


@pytest.mark.parametrize(("kind", "ecosystem"), sorted(ECOSYSTEMS.items()))
def test_ecosystem_table_value_by_value(kind: str, ecosystem: str) -> None:
    assert trivy.ECOSYSTEMS[kind] == ecosystem


def test_ecosystem_table_has_exactly_the_documented_rows() -> None:
    assert trivy.ECOSYSTEMS == ECOSYSTEMS


def test_misconfiguration_status_table() -> None:
    assert trivy.MISCONF_NOT_FAILED == {
        "PASS": "misconfigurations_passed",
        "EXCEPTION": "misconfigurations_exceptions",
    }


# ---------------------------------------------------------------- every real sample


def _expected_records(doc: Any) -> list[tuple[str, str, str]]:
    """(category kind, raw severity, expected label) for every record Trivy wrote, in report order."""
    if isinstance(doc, list):
        results = doc
    elif "SchemaVersion" in doc:
        results = doc.get("Results") or []
    else:  # trivy k8s
        results = [
            res
            for key in ("Resources", "Vulnerabilities", "Misconfigurations")
            for resource in doc.get(key) or []
            for res in resource.get("Results") or []
        ]
    out = []
    for res in results:
        for v in res.get("Vulnerabilities") or []:
            word = v.get("Severity", "UNKNOWN")
            if word in WORDS:
                label = WORDS[word]
            else:
                v3 = [c["V3Score"] for c in (v.get("CVSS") or {}).values() if "V3Score" in c]
                other = [
                    c[k] for c in (v.get("CVSS") or {}).values() for k in ("V40Score", "V2Score") if k in c
                ]
                top = max(v3 or other, default=0)
                label = (
                    "critical"
                    if top >= 9
                    else "high"
                    if top >= 7
                    else "medium"
                    if top >= 4
                    else "low"
                    if top > 0
                    else "medium"
                )
            out.append(("vuln", word, label))
        for m in res.get("Misconfigurations") or []:
            if m.get("Status") not in ("PASS", "EXCEPTION"):
                out.append(("misconf", m["Severity"], WORDS.get(m["Severity"], "medium")))
        for s in res.get("Secrets") or []:
            out.append(("secret", s["Severity"], WORDS.get(s["Severity"], "medium")))
        for lic in res.get("Licenses") or []:
            out.append(("license", lic["Severity"], WORDS.get(lic["Severity"], "medium")))
    return out


KIND = {
    Category.DEPENDENCY: "vuln",
    Category.CONTAINER: "vuln",
    Category.MISCONFIGURATION: "misconf",
    Category.SECRET: "secret",
    Category.LICENSE: "license",
}


@pytest.mark.parametrize("name", or_skip(JSON_SAMPLES, "Trivy samples"))
def test_every_sample_keeps_every_record_and_maps_severity(name: str) -> None:
    expected = _expected_records(_raw(name))
    parsed = _parse(name)
    assert parsed.tool == "trivy"
    got = [(KIND[f.category], f.raw_severity, f.severity.label) for f in parsed.findings]
    assert got == expected
    assert all(f.fingerprint == "" and f.sources == ("trivy",) for f in parsed.findings)
    for f in parsed.findings:
        json.dumps(finding_to_dict(f))  # report-ready


@pytest.mark.parametrize(
    ("name", "total", "coverage"),
    [
        ("defectdojo__legacy_many_vulns.json", 93, {"targets": 1, "vulnerabilities": 93}),
        (
            "defectdojo__kubernetes.json",
            20,
            {
                "targets": 6,
                "vulnerabilities": 10,
                "misconfigurations_failed": 10,
                "misconfigurations_passed": 108,
            },
        ),
        (
            "defectdojo__misconfigurations_and_secrets.json",
            5,
            {
                "targets": 4,
                "vulnerabilities": 2,
                "secrets": 2,
                "misconfigurations_failed": 1,
                "misconfigurations_passed": 22,
            },
        ),
        ("defectdojo__license_scheme.json", 19, {"targets": 2, "licenses": 19}),
        ("defectdojo__all_statuses.json", 8, {"vulnerabilities": 8}),
        ("defectdojo__scheme_2_no_vuln.json", 0, {"targets": 1, "vulnerabilities": 0}),
        (
            "trivyrepo__terraform-remote-module.json.golden",
            3,
            {"targets": 2, "misconfigurations_failed": 3, "misconfigurations_passed": 58},
        ),
        ("trivyrepo__secrets.json.golden", 2, {"secrets": 2}),
    ],
)
def test_known_totals_and_coverage(name: str, total: int, coverage: dict[str, int]) -> None:
    parsed = _parse(name)
    assert len(parsed.findings) == total
    for key, value in coverage.items():
        assert parsed.coverage[key] == value, key
    assert parsed.status is Status.OK


def test_unknown_severity_without_cvss_is_medium_and_keeps_the_word() -> None:
    parsed = _parse("defectdojo__legacy_many_vulns.json")
    unknown = [f for f in parsed.findings if f.raw_severity == "UNKNOWN"]
    assert len(unknown) == 1
    assert unknown[0].rule_id == "TEMP-0981404-911A2F"
    assert unknown[0].severity is Severity.MEDIUM
    assert unknown[0].properties["severity_rule"] == "default-medium"


def test_image_vulnerability_fields() -> None:
    parsed = _parse("defectdojo__scheme_2_many_vulns.json")
    f = parsed.findings[0]
    assert f.category is Category.CONTAINER
    assert f.location is not None and f.location.image == "teamdojo:latest"
    assert f.location.path == "teamdojo:latest (alpine 3.9.4)"
    assert f.location.layer and f.location.layer.startswith("sha256:")
    assert f.package is not None and f.package.ecosystem == "alpine" and f.package.manifest is None
    # lang-pkgs inside an image are still container findings
    jar = [g for g in parsed.findings if g.package and g.package.ecosystem == "Maven"]
    assert len(jar) == 2 and all(g.category is Category.CONTAINER for g in jar)


def test_filesystem_vulnerability_fields() -> None:
    parsed = _parse("defectdojo__cvssv4_severity_source.json")
    f = parsed.findings[0]
    assert f.category is Category.DEPENDENCY
    assert f.rule_id == "CVE-2025-66614"
    assert f.identifiers == ("CVE-2025-66614", "GHSA-fpj8-gq4v-p354", "CWE-20")
    assert f.package is not None
    assert f.package.fixed_versions == ("11.0.14", "10.1.49", "9.0.112")
    assert (f.package.name, f.package.version, f.package.ecosystem) == (
        "org.apache.tomcat:tomcat-catalina",
        "9.0.109",
        "Maven",
    )
    assert f.location is not None and f.location.image is None and f.location.path == "Java"
    assert f.properties["cvss_score"] == 5.3  # the V3 score; the V4 one does not count
    assert f.severity_source == "ghsa"
    assert f.properties["primary_url"] == "https://avd.aquasec.com/nvd/cve-2025-66614"


def test_pip_sample_ecosystem_and_manifest() -> None:
    parsed = _parse("trivyrepo__pip.json.golden")
    assert {f.package.ecosystem for f in parsed.findings if f.package} == {"PyPI"}
    assert {f.package.manifest for f in parsed.findings if f.package} == {"requirements.txt"}
    assert all(f.location and f.location.path == "requirements.txt" for f in parsed.findings)
    assert parsed.version == "dev"


def test_secrets_never_copy_match_or_code() -> None:
    path = TRIVY / "trivyrepo__secrets.json.golden"
    parsed = _parse("trivyrepo__secrets.json.golden")
    raw = _raw("trivyrepo__secrets.json.golden")
    assert "ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" in path.read_text()  # the sample's unmasked line
    dumped = json.dumps([finding_to_dict(f) for f in parsed.findings])
    for secret in raw["Results"][0]["Secrets"]:
        assert secret["Match"] not in dumped
        for line in secret["Code"]["Lines"]:
            assert not line["Content"] or line["Content"] not in dumped
    assert "ghp_" not in dumped and "****" not in dumped
    first = parsed.findings[0]
    assert first.rule_id == "trivy.aws-access-key-id"
    assert first.category is Category.SECRET and first.secret_hash is None and first.snippet is None
    assert first.location is not None and (first.location.path, first.location.start_line) == ("deploy.sh", 3)


def test_misconfiguration_fields() -> None:
    parsed = _parse("defectdojo__kubernetes.json")
    mis = [f for f in parsed.findings if f.category is Category.MISCONFIGURATION]
    assert mis[0].rule_id == "KSV001"
    assert mis[0].location is not None
    assert (mis[0].location.path, mis[0].location.start_line, mis[0].location.end_line) == (
        "default/Deployment/redis-follower",
        132,
        143,
    )
    assert mis[0].remediation and "allowPrivilegeEscalation" in mis[0].remediation
    vulns = [f for f in parsed.findings if f.category is Category.CONTAINER]
    assert vulns[0].location is not None
    assert vulns[0].location.image == "gcr.io/google_samples/gb-redis-follower:v2"
    assert vulns[0].properties["k8s_resource"] == "default/Deployment/redis-follower"


def test_pass_and_exception_are_counted_not_reported() -> None:
    doc = {
        "SchemaVersion": 2,
        "ArtifactName": ".",
        "ArtifactType": "filesystem",
        "Results": [
            {
                "Target": "main.tf",
                "Class": "config",
                "Type": "terraform",
                "Misconfigurations": [
                    {"ID": "AVD-1", "Severity": "HIGH", "Status": "PASS"},
                    {"ID": "AVD-2", "Severity": "HIGH", "Status": "EXCEPTION"},
                    {
                        "ID": "AVD-3",
                        "AVDID": "AVD-AWS-0003",
                        "Severity": "LOW",
                        "Status": "FAIL",
                        "CauseMetadata": {"StartLine": 4, "EndLine": 9},
                    },
                    {"AVDID": "AVD-AWS-0004", "Severity": "MEDIUM"},  # no status (old Trivy): a failure
                ],
            }
        ],
    }
    parsed = trivy.parse(json.dumps(doc))
    assert [f.rule_id for f in parsed.findings] == ["AVD-3", "AVD-AWS-0004"]
    assert parsed.findings[0].identifiers == ("AVD-AWS-0003",)
    assert parsed.findings[0].location is not None and parsed.findings[0].location.start_line == 4
    assert parsed.coverage["misconfigurations_passed"] == 1
    assert parsed.coverage["misconfigurations_exceptions"] == 1
    assert parsed.coverage["misconfigurations_failed"] == 2


def test_unknown_with_cvss_uses_the_highest_v3_score() -> None:
    doc = {
        "SchemaVersion": 2,
        "ArtifactName": "app",
        "ArtifactType": "filesystem",
        "Results": [
            {
                "Target": "package-lock.json",
                "Class": "lang-pkgs",
                "Type": "npm",
                "Vulnerabilities": [
                    {
                        "VulnerabilityID": "CVE-2099-1",
                        "PkgName": "left-pad",
                        "InstalledVersion": "1.0.0",
                        "Severity": "UNKNOWN",
                        "CVSS": {"nvd": {"V3Score": 7.5, "V2Score": 10.0}, "ghsa": {"V3Score": 6.1}},
                    },
                    {
                        "VulnerabilityID": "CVE-2099-2",
                        "PkgName": "left-pad",
                        "Severity": "UNKNOWN",
                        "CVSS": {"nvd": {"V2Score": 9.3}},
                    },
                ],
            }
        ],
    }
    first, second = trivy.parse(json.dumps(doc)).findings
    assert (first.severity, first.raw_severity, first.properties["cvss_score"]) == (
        Severity.HIGH,
        "UNKNOWN",
        7.5,
    )
    assert first.properties["severity_rule"] == "cvss"
    assert second.severity is Severity.CRITICAL  # V2 only
    assert first.package is not None and first.package.ecosystem == "npm"


def test_k8s_resources_shape_and_errors_make_partial() -> None:
    doc = {
        "ClusterName": "kind",
        "Resources": [
            {
                "Namespace": "default",
                "Kind": "Pod",
                "Name": "web",
                "Results": [
                    {
                        "Target": "nginx:1.19 (debian 10.7)",
                        "Class": "os-pkgs",
                        "Type": "debian",
                        "Vulnerabilities": [
                            {
                                "VulnerabilityID": "CVE-2021-1",
                                "PkgName": "libc6",
                                "InstalledVersion": "2.28",
                                "Severity": "HIGH",
                            }
                        ],
                    }
                ],
            },
            {"Namespace": "kube-system", "Kind": "Pod", "Name": "dns", "Error": "unable to pull image"},
        ],
    }
    parsed = trivy.parse(json.dumps(doc))
    assert len(parsed.findings) == 1
    assert parsed.status is Status.PARTIAL
    assert (
        parsed.reason and "kube-system/Pod/dns" in parsed.reason and "unable to pull image" in parsed.reason
    )


def test_sarif_and_other_tools_json_are_parse_errors() -> None:
    sarif = TRIVY / "trivyrepo__alpine-310.sarif.golden"
    if not sarif.exists():
        pytest.skip("[shared] Trivy SARIF sample not present")
    with pytest.raises(ParseError, match="not a Trivy JSON report"):
        trivy.parse(sarif.read_bytes(), "x.sarif")
    for other in (
        SAMPLES / "npm_audit" / "defectdojo__npm_audit__one_vuln.json",
        SAMPLES / "gitlab" / "defectdojo__gl-sast-report-cwe_v15.json",
        SAMPLES / "pip_audit" / "defectdojo__many_vulns.json",
    ):
        if other.exists():
            with pytest.raises(ParseError):
                trivy.parse(other.read_bytes(), other.name)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"", "empty"),
        (b'{"SchemaVersion": 2, "Results": [', "invalid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        ('{"SchemaVersion": 3}', "unsupported SchemaVersion 3"),
        ('{"SchemaVersion": true}', "unsupported SchemaVersion"),
        ('{"SchemaVersion": 2, "Results": {}}', "Results is dict"),
        ('{"SchemaVersion": 2, "Results": [1]}', "Results[0] is int"),
        (
            '{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"PkgName": "a"}]}]}',
            "VulnerabilityID is missing",
        ),
        (
            '{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"VulnerabilityID": "X", "PkgName": "a", '
            '"Severity": 3}]}]}',
            "Severity is int",
        ),
        (
            '{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"VulnerabilityID": "X", "PkgName": "a", '
            '"CVSS": {"nvd": {"V3Score": "9"}}}]}]}',
            "V3Score is str",
        ),
        ('{"SchemaVersion": 2, "Results": [{"Secrets": [{"Severity": "HIGH"}]}]}', "RuleID is missing"),
        (
            '{"SchemaVersion": 2, "Results": [{"Misconfigurations": [{"Severity": "HIGH"}]}]}',
            "neither ID nor AVDID",
        ),
        ('[{"name": "requests", "version": "2.0", "vulns": []}]', "Target is missing"),
        ('{"results": []}', "not a Trivy JSON report"),
        ('"trivy"', "top level is str"),
        ("1" * 5000, "invalid JSON"),
    ],
)
def test_malformed_input_is_a_parse_error(text: str | bytes, problem: str) -> None:
    with pytest.raises(ParseError, match=re.escape(problem)) as info:
        trivy.parse(text, "in.json")
    assert info.value.tool == "trivy" and info.value.source == "in.json"


# ---------------------------------------------------------------- fuzzing: only ParseError escapes

KEYS = [
    "SchemaVersion",
    "Results",
    "Target",
    "Class",
    "Type",
    "Vulnerabilities",
    "Misconfigurations",
    "Secrets",
    "Licenses",
    "VulnerabilityID",
    "PkgName",
    "Severity",
    "CVSS",
    "V3Score",
    "Layer",
    "DiffID",
    "ClusterName",
    "Resources",
    "Status",
    "CauseMetadata",
    "StartLine",
    "ID",
    "RuleID",
    "Name",
    "CweIDs",
]
JSON = json_values(KEYS, ["CRITICAL", "UNKNOWN", "FAIL", "PASS", "os-pkgs", "container_image", 2])


def _only_parse_error(text: str | bytes) -> None:
    only_parse_error(trivy.parse, "trivy", text)


@FUZZ
@given(JSON)
def test_fuzz_random_json(value: Any) -> None:
    _only_parse_error(json.dumps(value))
    _only_parse_error(json.dumps({"SchemaVersion": 2, "Results": [value]}))
    _only_parse_error(
        json.dumps(
            {"SchemaVersion": 2, "Results": [{"Vulnerabilities": [value], "Misconfigurations": [value]}]}
        )
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


BASES = [n for n in JSON_SAMPLES if (TRIVY / n).stat().st_size < 40_000] if TRIVY.exists() else []


@pytest.mark.skipif(not BASES, reason="[shared] Trivy samples not present")
@FUZZ
@given(st.sampled_from(BASES or ["-"]), st.data())
def test_fuzz_mutated_samples(name: str, data: st.DataObject) -> None:
    doc = _raw(name)
    path = data.draw(st.sampled_from(_paths(doc)))
    op = data.draw(st.sampled_from(["replace", "delete", "wrap"]))
    value = data.draw(JSON)
    text = json.dumps(_mutate(doc, path, op, value))
    _only_parse_error(text)
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    _only_parse_error(text[:cut].encode())


@settings(max_examples=100, deadline=None, database=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(blob: bytes) -> None:
    _only_parse_error(blob)
