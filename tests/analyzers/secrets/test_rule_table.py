"""Each provider rule's own table: two true examples and two look-alikes built from its format, the class
-> severity table value by value, and the data every rule must carry."""

from __future__ import annotations

import hashlib

import pytest
from token_corpus import lookalikes, true_examples

from secscan.analyzers.secrets import SecretEngine, load_patterns
from secscan.analyzers.secrets.patterns import parse_patterns, severity_classes
from secscan.core.model import Severity

PATTERNS = load_patterns()
FORMATTED = [p for p in PATTERNS if p.format]
ENGINE = SecretEngine(PATTERNS, "keywords")  # the pure-Python pre-filter: keywords must never miss


@pytest.mark.parametrize("pat", FORMATTED, ids=lambda p: p.id)
def test_two_true_examples_and_two_lookalikes(pat) -> None:
    for ex in true_examples(pat, 2, seed=7):
        got = ENGINE.scan_bytes("app/settings.py", ("# config\n" + ex.line + "\n").encode())
        mine = [f for f in got if f.rule_id == pat.rule_id]
        assert len(mine) == 1, (ex.line, [f.rule_id for f in got])
        f = mine[0]
        assert f.secret_hash == hashlib.sha1(ex.token.encode()).hexdigest() and ex.token not in f.message
        assert f.severity is Severity.from_label(severity_classes()[pat.klass])
        assert f.properties["revoke_url"].startswith("https://") and f.properties["provider"] == pat.provider
    fakes = lookalikes(pat, 1, seed=7)
    assert len(fakes) >= 2
    for ex in fakes:
        assert ENGINE.scan_bytes("app/x.txt", ex.line.encode()) == [], (ex.kind, ex.line)


def test_every_rule_names_a_class_and_new_rules_a_revoke_url() -> None:
    classes = severity_classes()
    for p in PATTERNS:
        assert p.klass in classes, p.id
        assert p.raw_severity == classes[p.klass], p.id
    for p in FORMATTED:
        assert p.provider and p.revoke.startswith("https://") and p.keywords, p.id


SEVERITY_TABLE = {
    "private-key": "critical", "cloud": "critical", "vcs": "critical", "registry": "critical",
    "payment-live": "critical", "secret-store": "critical", "database": "high", "provider": "high",
    "cloud-id": "high", "webhook": "medium", "generic": "medium", "identifier": "low", "test-mode": "low",
}


def test_severity_table_value_by_value() -> None:
    assert severity_classes() == SEVERITY_TABLE


def test_severity_by_what_the_secret_is() -> None:
    sev = {p.id: p.severity for p in PATTERNS}
    assert sev["private-key"] is sev["github-pat"] is sev["aws-secret-access-key"] is Severity.CRITICAL
    assert sev["pypi-token"] is sev["npm-token"] is Severity.CRITICAL  # checksum-verified registry tokens
    assert sev["huggingface-access-token"] is sev["datadog-api-key"] is Severity.HIGH
    assert sev["generic-password"] is sev["jwt"] is Severity.MEDIUM
    assert sev["stripe-test-key"] is sev["twilio-account-sid"] is Severity.LOW


def test_a_class_and_a_contradicting_severity_are_refused() -> None:
    doc = {"patterns": [{"id": "x", "title": "X", "class": "generic", "severity": "critical",
                         "format": "xyz_{hex:32}"}]}
    with pytest.raises(ValueError, match="differs from class"):
        parse_patterns(doc, "t.yaml", {"generic": "medium"})
    doc["patterns"][0].pop("severity")
    assert parse_patterns(doc, "t.yaml", {"generic": "medium"})[0].severity is Severity.MEDIUM
    doc["patterns"][0]["class"] = "nope"
    with pytest.raises(ValueError, match="unknown class"):
        parse_patterns(doc, "t.yaml", {"generic": "medium"})


def test_remediation_names_the_providers_revoke_page() -> None:
    from secscan.results.remediation import SECRET_REMEDIATION, remediation_for

    (ex,) = true_examples(next(p for p in FORMATTED if p.id == "digitalocean-pat"), 1, seed=3)
    (f,) = ENGINE.scan_bytes("deploy.env", ex.line.encode())
    url = "https://cloud.digitalocean.com/account/api/tokens"
    assert remediation_for(f) == f"{SECRET_REMEDIATION} (revoke it at {url})"


def test_hand_written_rules_have_two_true_examples_and_two_lookalikes() -> None:
    from secret_samples import placeholder_lines, positive_samples

    by_regex = [p for p in PATTERNS if not p.format]
    lookalikes = placeholder_lines()
    for seed in (1, 2):
        found = {s.pattern: s for s in positive_samples(seed=seed)}
        for pat in by_regex:
            s = found[pat.id]
            got = ENGINE.scan_bytes("conf/app.cfg", (s.line + "\n").encode())
            assert [f.rule_id for f in got] == [pat.rule_id], (pat.id, seed)
    for pat in by_regex:
        assert len(lookalikes[pat.id]) >= 2, pat.id
        for line in lookalikes[pat.id]:
            assert ENGINE.scan_bytes("conf/app.cfg", (line + "\n").encode()) == [], (pat.id, line)
