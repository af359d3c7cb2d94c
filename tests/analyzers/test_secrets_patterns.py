"""secscan-secrets patterns: the data file, one positive and placeholder negatives per type."""

from __future__ import annotations

import hashlib

import pytest
from secret_samples import placeholder_lines, positive_samples

from secscan.analyzers.secrets import SecretEngine, load_patterns
from secscan.analyzers.secrets.patterns import parse_patterns
from secscan.core.model import Severity

PATTERNS = load_patterns()
IDS = {p.id for p in PATTERNS}
POSITIVES = positive_samples()
NEGATIVES = [(pid, line) for pid, lines in placeholder_lines().items() for line in lines]
REQUIRED = {
    "aws-access-key-id", "aws-secret-access-key", "github-pat", "github-oauth-token", "github-app-token",
    "github-refresh-token", "github-fine-grained-pat", "gitlab-token", "slack-token", "slack-webhook",
    "stripe-secret-key", "stripe-restricted-key", "stripe-test-key", "google-api-key", "private-key",
    "openssh-private-key", "pgp-private-key", "jwt", "database-url-password", "broker-url-password",
    "url-basic-auth", "azure-storage-account-key", "npm-token", "pypi-token", "sendgrid-api-key",
    "twilio-api-key", "twilio-account-sid", "openai-api-key", "generic-password", "generic-secret",
    "generic-api-key",
}


@pytest.fixture(scope="module")
def engine() -> SecretEngine:
    return SecretEngine(PATTERNS, "keywords")


def test_pattern_file_has_every_required_type() -> None:
    assert len(PATTERNS) >= 20
    assert REQUIRED <= IDS


def test_every_pattern_is_well_formed() -> None:
    for p in PATTERNS:
        assert p.rule_id == f"secscan.{p.id}"
        assert Severity.from_label(p.raw_severity) is p.severity
        assert p.compiled_bytes().groups >= 1, p.id
        assert p.keywords, f"{p.id} has no keywords"
        assert "(?=" not in p.regex and "(?!" not in p.regex and "(?<" not in p.regex, p.id


def test_severity_words_written_down() -> None:
    sev = {p.id: p.raw_severity for p in PATTERNS}
    assert sev["stripe-secret-key"] == "critical"
    assert sev["stripe-test-key"] == "low"
    assert sev["private-key"] == "critical"
    assert sev["aws-secret-access-key"] == "critical"
    assert sev["generic-password"] == "medium"


def test_every_pattern_has_a_positive_and_a_negative_sample() -> None:
    """Hand-written regexes have samples here; format-built ones are generated from their format
    (tests/analyzers/secrets/test_corpus.py)."""
    by_regex = {p.id for p in PATTERNS if not p.format}
    assert by_regex <= {s.pattern for s in POSITIVES} <= IDS
    assert by_regex <= set(placeholder_lines()) <= IDS


@pytest.mark.parametrize("sample", POSITIVES, ids=lambda s: s.pattern)
def test_positive(engine: SecretEngine, sample) -> None:
    data = ("# header\n\n" + sample.line + "\n").encode()
    findings = engine.scan_bytes("conf/app.cfg", data)
    assert [f.rule_id for f in findings] == [f"secscan.{sample.pattern}"]
    f = findings[0]
    pat = next(p for p in PATTERNS if p.id == sample.pattern)
    assert f.location is not None and f.location.path == "conf/app.cfg" and f.location.start_line == 3
    assert f.secret_hash == hashlib.sha1(sample.value.encode()).hexdigest()
    assert f.severity is pat.severity and f.raw_severity == pat.raw_severity
    assert f.sources == ("secscan-secrets",) and f.category.value == "secret" and f.snippet is None
    assert sample.value not in f.message and "conf/app.cfg" in f.message and "3" in f.message


@pytest.mark.parametrize("sample", POSITIVES, ids=lambda s: s.pattern)
def test_keywords_are_a_necessary_condition(sample) -> None:
    pat = next(p for p in PATTERNS if p.id == sample.pattern)
    m = pat.compiled_bytes().search(sample.line.encode())
    assert m is not None
    assert any(k in m.group(0).decode().lower() for k in pat.keywords)


@pytest.mark.parametrize(("pid", "line"), NEGATIVES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(NEGATIVES)])
def test_placeholder_is_not_reported(engine: SecretEngine, pid: str, line: str) -> None:
    assert engine.scan_bytes("x.txt", line.encode()) == []


def test_stripe_test_key_is_low() -> None:
    sample = next(s for s in POSITIVES if s.pattern == "stripe-test-key")
    (f,) = SecretEngine(PATTERNS, "keywords").scan_bytes("a.py", sample.line.encode())
    assert f.severity is Severity.LOW


def test_private_key_reports_begin_line_and_spans_block(engine: SecretEngine) -> None:
    sample = next(s for s in POSITIVES if s.pattern == "private-key")
    (f,) = engine.scan_bytes("k.pem", b"x\n" + sample.line.encode() + b"\n")
    assert f.location is not None
    assert f.location.start_line == 2 and f.location.end_line == 2 + sample.line.count("\n")


def test_generic_rules_drop_test_values_and_code(engine: SecretEngine) -> None:
    gen = next(s for s in POSITIVES if s.pattern == "generic-password")
    assert engine.scan_bytes("a.py", gen.line.encode())
    fake = gen.line.replace(gen.value, gen.value[:6] + "fake" + gen.value[6:])
    assert engine.scan_bytes("a.py", fake.encode()) == []
    test_name = "TEST_" + gen.line
    assert engine.scan_bytes("a.py", test_name.encode()) == []


@pytest.mark.parametrize(("doc", "problem"), [
    ({}, "patterns"),
    ({"patterns": []}, "no patterns"),
    ({"patterns": [{"id": "a", "title": "A", "severity": "bad", "regex": "(x)"}]}, "unknown severity"),
    ({"patterns": [{"id": "a", "title": "A", "severity": "low", "regex": "x"}]}, "capture group"),
    ({"patterns": [{"id": "a", "title": "A", "severity": "low", "regex": "(x"}]}, "invalid regex"),
    ({"patterns": [{"id": "A b", "title": "A", "severity": "low", "regex": "(x)"}]}, "lower-case"),
    ({"patterns": [{"id": "a", "title": "A", "severity": "low", "regex": "(x)", "colour": 1}]},
     "unknown field"),
    ({"patterns": [{"id": "a", "title": "A", "severity": "low", "regex": "(x)", "keywords": ["X"]}]},
     "keywords"),
    ({"patterns": [{"id": "a", "title": "A", "severity": "low", "regex": "(x)"}] * 2}, "duplicate"),
    ({"patterns": [{"id": "a", "severity": "low", "regex": "(x)"}]}, "title"),
])
def test_invalid_pattern_documents_are_rejected(doc: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_patterns(doc, "test.yaml")


def test_patterns_compile_in_hyperscan() -> None:
    hyperscan = pytest.importorskip("hyperscan", reason="hyperscan not installed")
    for p in PATTERNS:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=[p.prefilter_regex.encode()], ids=[0], elements=1,
                   flags=[hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_MULTILINE])


def test_patterns_compile_in_re2() -> None:
    re2 = pytest.importorskip("re2", reason="google-re2 not installed")
    for p in PATTERNS:
        re2.compile(p.prefilter_regex)
