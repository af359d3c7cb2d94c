"""The detect-secrets normalizer: type table value by value, every real sample, no plaintext, fuzzing."""

from __future__ import annotations

import copy
import hashlib
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
from secscan.parsers import detect_secrets as ds

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
AUDIT_REPORT = "generated/detect-secrets_audit-report_paramiko-subset.json"
SCAN_FILES = [
    p
    for p in sorted(SAMPLES.glob("detect_secrets/*.json"))
    + sorted(SAMPLES.glob("generated/detect-secrets*.json"))
    if p.name != Path(AUDIT_REPORT).name
]


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"[shared] sample {name} not present (../shared/samples)")
    return path


def load(name: str) -> Parsed:
    path = sample(name)
    return ds.parse(path.read_bytes(), str(path))


C, H, M, L, N = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO
EXPECTED = [
    ("Private Key", "PrivateKeyDetector", C),
    ("AWS Access Key", "AWSKeyDetector", C),
    ("Azure Storage Account access key", "AzureStorageKeyDetector", C),
    ("IBM Cloud IAM Key", "IbmCloudIamDetector", H),
    ("IBM COS HMAC Credentials", "IbmCosHmacDetector", H),
    ("SoftLayer Credentials", "SoftlayerDetector", H),
    ("Artifactory Credentials", "ArtifactoryDetector", H),
    ("Basic Auth Credentials", "BasicAuthDetector", H),
    ("Cloudant Credentials", "CloudantDetector", H),
    ("Discord Bot Token", "DiscordBotTokenDetector", H),
    ("GitHub Token", "GitHubTokenDetector", H),
    ("GitLab Token", "GitLabTokenDetector", H),
    ("Mailchimp Access Key", "MailchimpDetector", H),
    ("NPM tokens", "NpmDetector", H),
    ("OpenAI Token", "OpenAIDetector", H),
    ("PyPI Token", "PypiTokenDetector", H),
    ("PyPI upload token", "PypiTokenDetector", H),
    ("SendGrid API Key", "SendGridDetector", H),
    ("Slack Token", "SlackDetector", H),
    ("Square OAuth Secret", "SquareOAuthDetector", H),
    ("Stripe Access Key", "StripeDetector", H),
    ("Telegram Bot Token", "TelegramBotTokenDetector", H),
    ("Twilio API Key", "TwilioKeyDetector", H),
    ("JSON Web Token", "JwtTokenDetector", M),
    ("Secret Keyword", "KeywordDetector", M),
    ("Base64 High Entropy String", "Base64HighEntropyString", L),
    ("Hex High Entropy String", "HexHighEntropyString", L),
    ("Public IP (ipv4)", "IPPublicDetector", N),
]


@pytest.mark.parametrize(("secret_type", "plugin", "severity"), EXPECTED)
def test_type_table_value_by_value(secret_type: str, plugin: str, severity: Severity) -> None:
    assert ds.TYPE_TABLE[secret_type] == (plugin, severity)
    assert ds.rule_for(secret_type) == (f"detect-secrets.{plugin}", severity)


def test_table_rows_and_unknown_type() -> None:
    assert set(ds.TYPE_TABLE) == {t for t, _, _ in EXPECTED}
    assert ds.rule_for("Acme Cloud Token (v2)") == ("detect-secrets.acme-cloud-token-v2", Severity.MEDIUM)
    assert ds.rule_for("!!!") == ("detect-secrets.unknown", Severity.MEDIUM)


def test_table_covers_the_plugin_list_sample() -> None:
    listed = sample("generated/detect-secrets_plugin-list.txt").read_text().split()
    assert set(listed) <= {plugin for plugin, _ in ds.TYPE_TABLE.values()}


def test_table_matches_installed_detect_secrets() -> None:
    util = pytest.importorskip("detect_secrets.core.plugins.util", reason="detect-secrets not installed")
    for secret_type, cls in util.get_mapping_from_secret_type_to_class().items():
        assert ds.TYPE_TABLE[secret_type][0] == cls.__name__


# --- every real sample --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", or_skip(SCAN_FILES, "detect-secrets scan samples"), ids=lambda p: p.name)
def test_every_scan_sample_keeps_every_record(path: Path) -> None:
    data = json.loads(path.read_text())
    parsed = ds.parse(path.read_bytes(), str(path))
    records = [r for entries in data["results"].values() for r in entries]
    assert len(parsed.findings) == len(records)
    for rec, f in zip(records, parsed.findings, strict=True):
        plugin, severity = ds.TYPE_TABLE[rec["type"]]
        assert f.rule_id == f"detect-secrets.{plugin}" and f.severity is severity and f.title == rec["type"]
        assert f.raw_severity == rec["type"] and f.secret_hash == rec["hashed_secret"]
        assert f.location is not None and (f.location.path, f.location.start_line) == (
            rec["filename"],
            rec["line_number"],
        )
        assert f.category is Category.SECRET and f.snippet is None and f.fingerprint == ""
        assert f.properties["is_verified"] is rec["is_verified"] and f.sources == ("detect-secrets",)
    assert parsed.version == data["version"] and parsed.status is Status.OK
    assert parsed.coverage == {
        "files_with_findings": sum(1 for v in data["results"].values() if v),
        "plugins": len(data["plugins_used"]),
    }


def test_paramiko_all_files_types() -> None:
    parsed = load("generated/detect-secrets_scan_paramiko-1.15.2_all-files.json")
    by_rule: dict[str, int] = {}
    for f in parsed.findings:
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
    assert by_rule == {
        "detect-secrets.HexHighEntropyString": 22,
        "detect-secrets.PrivateKeyDetector": 11,
        "detect-secrets.KeywordDetector": 10,
        "detect-secrets.Base64HighEntropyString": 5,
    }


def test_hook_json_with_aws_key_is_critical() -> None:
    parsed = load("generated/detect-secrets-hook_new-secret_with-baseline.json")
    aws = [f for f in parsed.findings if f.title == "AWS Access Key"]
    assert len(aws) == 1 and aws[0].severity is Severity.CRITICAL
    assert aws[0].rule_id == "detect-secrets.AWSKeyDetector"


def test_not_git_repo_empty_output_is_zero_findings() -> None:
    parsed = load("generated/detect-secrets_scan_paramiko-1.15.2_NOT-GIT-REPO_empty.json")
    assert parsed.findings == () and parsed.coverage["files_with_findings"] == 0  # the adapter decides health


def test_audit_report_never_copies_plaintext() -> None:
    path = sample(AUDIT_REPORT)
    data = json.loads(path.read_text())
    parsed = ds.parse(path.read_bytes(), str(path))
    expected = sum(len(r["lines"]) * len(r["types"]) for r in data["results"])
    assert len(parsed.findings) == expected == 8
    text = repr(parsed.findings) + json.dumps([finding_to_dict(f) for f in parsed.findings])
    plaintext = [r["secrets"] for r in data["results"]]
    plaintext += [ln for r in data["results"] for ln in r["lines"].values()]
    for secret in plaintext:
        assert secret not in text and secret.strip() not in text
    baseline = json.loads(sample("generated/detect-secrets_baseline_paramiko-subset.json").read_text())
    hashes = {r["hashed_secret"] for entries in baseline["results"].values() for r in entries}
    assert {f.secret_hash for f in parsed.findings} == hashes  # sha1 of the value = detect-secrets' hash
    for rec in data["results"]:
        digest = hashlib.sha1(rec["secrets"].encode()).hexdigest()
        lines = sorted(int(n) for n in rec["lines"])
        got = [f for f in parsed.findings if f.secret_hash == digest]
        assert [f.location.start_line for f in got if f.location] == lines
        assert all(f.properties["audit_category"] == "UNVERIFIED" for f in got)


def _scan_doc(entries: list[Any], plugins: list[Any] | None = None) -> str:
    return json.dumps(
        {
            "version": "1.5.0",
            "plugins_used": [{"name": "AWSKeyDetector"}] if plugins is None else plugins,
            "results": {"./x\\y.py": entries},
        }
    )


def test_no_plugins_is_failed() -> None:
    parsed = ds.parse(_scan_doc([], plugins=[]))
    assert parsed.status is Status.FAILED and parsed.reason == "no detect-secrets plugins enabled"


def test_verified_is_critical_and_odd_fields() -> None:
    rec = {
        "type": "Secret Keyword",
        "hashed_secret": "ABCDEF0123456789ABCDEF0123456789ABCDEF01",
        "is_verified": True,
        "line_number": 4,
        "is_secret": False,
    }
    odd = {"type": "Hex High Entropy String", "hashed_secret": "password123", "line_number": "4"}
    f, g = ds.parse(_scan_doc([rec, odd]).encode()).findings
    assert f.severity is Severity.CRITICAL and f.raw_severity == "Secret Keyword"
    assert f.secret_hash == "abcdef0123456789abcdef0123456789abcdef01"
    assert f.properties == {"is_verified": True, "is_secret": False}
    assert f.location is not None and f.location.path == "x/y.py"  # no filename: the results key
    assert g.secret_hash is None and "password123" not in repr(g)  # not a sha1: not kept
    assert g.location is not None and g.location.start_line is None and g.severity is Severity.LOW


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"results": {', "invalid JSON"),
        ("\n", "empty"),
        (b"\xfe\xff", "UTF-8"),
        ("[]", "expected an object"),
        ('{"version": "1.5.0"}', "'results'"),
        ('{"results": {}}', "'plugins_used'"),
        ('{"results": {}, "plugins_used": {}}', "plugins_used is dict"),
        ('{"results": {"a": {}}, "plugins_used": []}', "results['a'] is dict"),
        ('{"results": {"a": [1]}, "plugins_used": []}', "results['a'][0]"),
        ('{"results": {"a": [{"line_number": 1}]}, "plugins_used": []}', "no type"),
        ('{"results": [], "errors": []}', "'results' is list"),
        ('{"results": [{"check_id": "x"}]}', "not an audit report"),
        ('{"results": "x", "plugins_used": []}', "'results' is str"),
    ],
)
def test_malformed_input_is_a_parse_error(text: str | bytes, problem: str) -> None:
    with pytest.raises(ParseError) as info:
        ds.parse(text, "in.json")
    assert problem in str(info.value) and "in.json" in str(info.value) and info.value.tool == "detect-secrets"


def test_other_tools_output_is_a_parse_error() -> None:
    for name in (
        "generated/detect-secrets-hook_no-baseline_text.txt",
        "generated/detect-secrets_plugin-list.txt",
        "bandit/defectdojo__one_vuln.json",
        "semgrep/defectdojo__empty.json",
        "trivy/trivyrepo__secrets.json.golden",
        "gitlab/defectdojo__gitlab_secret_detection_report_1_vuln_v15.json",
    ):
        if (SAMPLES / name).exists():
            with pytest.raises(ParseError):
                ds.parse((SAMPLES / name).read_bytes(), name)


# --- fuzzing: nothing but ParseError escapes ------------------------------------------------------------

KEYS = [
    "version",
    "plugins_used",
    "results",
    "name",
    "type",
    "filename",
    "hashed_secret",
    "is_verified",
    "line_number",
    "is_secret",
    "secrets",
    "types",
    "lines",
    "category",
]
SPECIAL = st.sampled_from(
    [
        "Private Key",
        "AWS Access Key",
        "a" * 40,
        "9" * 5000,
        {"9" * 20: "x"},
        {"12": "pw", "²": "x"},
        10**400,
        float("nan"),
        "\ud800",
        "VERIFIED_TRUE",
        ["Secret Keyword", 3],
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
        parsed = ds.parse(text, "fuzz")
    except ParseError:
        return
    for f in parsed.findings:
        json.dumps(finding_to_dict(f), allow_nan=False)
        assert f.category is Category.SECRET and f.snippet is None and f.fingerprint == ""
        assert f.secret_hash is None or len(f.secret_hash) == 40
    assert all(isinstance(v, int) for v in parsed.coverage.values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_fuzz_random_json(value: Any) -> None:
    _check(json.dumps(value))
    _check(json.dumps({"results": value, "plugins_used": value, "version": value}))
    _check(json.dumps({"results": {"f": [value]}, "plugins_used": [value]}))
    _check(json.dumps({"results": [value]}))


SCAN_FIELDS = ["type", "filename", "hashed_secret", "is_verified", "line_number", "is_secret"]
REPORT_FIELDS = ["filename", "types", "lines", "secrets", "category"]


def _targets(doc: Any) -> list[tuple[Any, ...]]:
    """Paths to the fields the parser reads (existing or new keys) in one record, for both shapes."""
    res = doc.get("results") if isinstance(doc, dict) else None
    if isinstance(res, list) and res and isinstance(res[0], dict):
        return [("results", 0, k) for k in REPORT_FIELDS]
    if isinstance(res, dict):
        for key, entries in res.items():
            if isinstance(entries, list) and entries and isinstance(entries[0], dict):
                return [("results", key, 0, k) for k in SCAN_FIELDS] + [("plugins_used",)]
    return []


MUTATION_BASES = [
    AUDIT_REPORT,
    "generated/detect-secrets-hook_new-secret_with-baseline.json",
    "detect_secrets/defectdojo__many_findings.json",
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
        ds.parse(text[:cut], "truncated")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(blob: bytes) -> None:
    _check(blob)


@pytest.mark.parametrize("secret_type,prefix", [("GitHub Token", "ghp"), ("GitHub Token", "ghs"),
                                                ("GitLab Token", "glpat")])
def test_a_hash_of_the_token_prefix_is_not_the_secrets(secret_type: str, prefix: str) -> None:
    """detect-secrets' GitHub/GitLab plugins hash their regex group, the token's prefix: the same for every
    token of a kind, so it is not kept as the secret's hash (it would make all of them one secret)."""
    def doc(digest: str) -> str:
        return json.dumps({"version": "1.5.0", "plugins_used": [{"name": "GitHubTokenDetector"}], "results": {
            "a.env": [{"type": secret_type, "filename": "a.env", "hashed_secret": digest,
                       "is_verified": False, "line_number": 3}]}})

    f = ds.parse(doc(hashlib.sha1(prefix.encode()).hexdigest())).findings[0]
    assert f.secret_hash is None and f.properties["hashed_prefix"] == prefix
    other = hashlib.sha1(b"some-other-value").hexdigest()
    g = ds.parse(doc(other)).findings[0]
    assert g.secret_hash == other and "hashed_prefix" not in g.properties


def test_an_audit_report_of_a_token_prefix_keeps_no_hash() -> None:
    """``audit --report`` holds the value detect-secrets found: for a GitHub token only its prefix."""
    doc = json.dumps({"results": [{"category": "UNVERIFIED", "filename": "a.env", "lines": {"3": "x"},
                                   "secrets": "ghp", "types": ["GitHub Token"]}]})
    f = ds.parse(doc).findings[0]
    assert f.secret_hash is None and f.properties["hashed_prefix"] == "ghp"
    assert f.location is not None and f.location.start_line == 3
