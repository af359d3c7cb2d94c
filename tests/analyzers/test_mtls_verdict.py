"""Pure verdict logic: hand-made probe results -> findings, status and evidence (no sockets)."""

from __future__ import annotations

import pytest

from secscan.analyzers.mtls.results import (
    CertInfo,
    Outcome,
    ProbeResult,
    SelfTestCase,
    SelfTestObservation,
    TargetObservation,
)
from secscan.analyzers.mtls.verdict import RULES, self_test_verdict, target_verdict
from secscan.core.model import Category, Severity, Status

T = "mtls.example:8443"

EXPECTED_SEVERITY = {
    "mtls.not-enforced": Severity.CRITICAL,
    "mtls.untrusted-client-accepted": Severity.CRITICAL,
    "mtls.valid-client-rejected": Severity.HIGH,
    "mtls.server-untrusted": Severity.HIGH,
    "mtls.tls-below-1.2": Severity.HIGH,
    "mtls.cert-expired": Severity.HIGH,
    "mtls.cert-expiring": Severity.MEDIUM,
    "mtls.weak-key": Severity.HIGH,
    "mtls.weak-signature": Severity.MEDIUM,
    "mtls.pq-group-absent": Severity.MEDIUM,
    "mtls.self-test-failed": Severity.HIGH,
}


@pytest.mark.parametrize(("rule", "severity"), sorted(EXPECTED_SEVERITY.items()))
def test_rule_table_value_by_value(rule: str, severity: Severity) -> None:
    title, sev, remediation = RULES[rule]
    assert sev is severity and title and len(remediation) > 20


def test_rule_table_has_no_unlisted_rules() -> None:
    assert set(RULES) == set(EXPECTED_SEVERITY)


def ok(label: str = "valid client certificate", **kw: object) -> ProbeResult:
    base: dict[str, object] = {"version": "TLSv1.3", "cipher": "TLS_AES_128_GCM_SHA256", "group": "x25519",
                               "handshake_ms": 3.0, "total_ms": 5.0}
    return ProbeResult(label, Outcome.ACCEPTED, "application data", "read", **{**base, **kw})  # type: ignore[arg-type]


def rejected(label: str, how: str = "alert certificate_required") -> ProbeResult:
    return ProbeResult(label, Outcome.REJECTED, how, "read", version="TLSv1.3")


def cert(days: int = 300, key_type: str = "EC", key_size: int = 256, sig: str = "ecdsa-with-SHA256",
         uris: tuple[str, ...] = (), ca: bool = False, subject: str = "CN=leaf") -> CertInfo:
    return CertInfo(subject=subject, issuer="CN=ca" if not ca else subject, not_before="2026-01-01",
                    not_after="2027-01-01", days_to_expiry=days, key_type=key_type, key_size=key_size,
                    curve=None, signature_algorithm=sig, dns_names=("mtls.example",), uris=uris, is_ca=ca)


def obs(**kw: object) -> TargetObservation:
    base: dict[str, object] = {
        "valid": ok(), "no_cert": rejected("no client certificate"),
        "self_signed": rejected("fresh self-signed certificate", "alert unknown_ca"),
        "legacy": (rejected("TLSv1", "alert protocol_version"),
                   rejected("TLSv1.1", "alert protocol_version")),
        "chain": (cert(),), "name_matches": True}
    return TargetObservation(T, "mtls.example", **{**base, **kw})  # type: ignore[arg-type]


def ids(v: object) -> list[str]:
    return sorted(f.rule_id for f in v.findings)  # type: ignore[attr-defined]


def test_clean_target() -> None:
    v = target_verdict(obs())
    assert v.status is Status.OK and v.reason is None and v.findings == ()
    assert v.evidence["legacy_protocols"] == {"TLSv1": "refused (alert protocol_version)",
                                              "TLSv1.1": "refused (alert protocol_version)"}
    assert v.evidence["server_verified"] is True


def test_no_cert_accepted_is_critical_with_location() -> None:
    v = target_verdict(obs(no_cert=ok("no client certificate")))
    assert ids(v) == ["mtls.not-enforced"]
    f = v.findings[0]
    assert f.severity is Severity.CRITICAL and f.raw_severity == "critical" and f.category is Category.TLS
    assert f.location is not None and f.location.path == T and f.fingerprint == ""


def test_self_signed_accepted_is_critical() -> None:
    v = target_verdict(obs(self_signed=ok("fresh self-signed certificate")))
    assert ids(v) == ["mtls.untrusted-client-accepted"]


def test_unreachable_is_failed_or_timeout_never_clean() -> None:
    refused = ProbeResult("valid client certificate", Outcome.ERROR, "cannot connect", "connect",
                          error="Connection refused")
    v = target_verdict(TargetObservation(T, "x", refused))
    assert v.status is Status.FAILED and v.reason and "Connection refused" in v.reason and v.findings == ()
    slow = ProbeResult("valid client certificate", Outcome.ERROR, "timed out in the handshake", "handshake",
                       timed_out=True)
    assert target_verdict(TargetObservation(T, "x", slow)).status is Status.TIMEOUT


def test_negative_probe_error_makes_partial() -> None:
    broken = ProbeResult("no client certificate", Outcome.ERROR, "timed out in the handshake", "handshake",
                         timed_out=True)
    v = target_verdict(obs(no_cert=broken))
    assert v.status is Status.PARTIAL and v.reason and "without a client certificate" in v.reason


def test_valid_rejected_is_failed_with_finding() -> None:
    v = target_verdict(obs(valid=rejected("valid client certificate", "alert unknown_ca")))
    assert v.status is Status.FAILED and ids(v) == ["mtls.valid-client-rejected"]


def test_server_trust_problems() -> None:
    v = target_verdict(obs(valid=ok(verify_errors=("depth 0: unable to get local issuer certificate",)),
                           name_matches=False))
    assert ids(v) == ["mtls.server-untrusted"]
    message = v.findings[0].message
    assert "unable to get local issuer" in message and "not in the certificate" in message
    assert v.evidence["server_verified"] is False


def test_legacy_accepted() -> None:
    legacy = (ok("TLSv1", version="TLSv1"), rejected("TLSv1.1", "alert protocol_version"))
    v = target_verdict(obs(legacy=legacy))
    assert ids(v) == ["mtls.tls-below-1.2"] and "TLSv1" in v.findings[0].message


@pytest.mark.parametrize(("days", "expected"), [(-1, ["mtls.cert-expired"]), (0, ["mtls.cert-expiring"]),
                                                (30, ["mtls.cert-expiring"]), (31, [])])
def test_expiry_thresholds(days: int, expected: list[str]) -> None:
    assert ids(target_verdict(obs(chain=(cert(days=days),)))) == expected


@pytest.mark.parametrize(("info", "expected"), [
    (cert(key_type="RSA", key_size=1024), ["mtls.weak-key"]),
    (cert(key_type="RSA", key_size=2048), []),
    (cert(key_type="EC", key_size=192), ["mtls.weak-key"]),
    (cert(key_type="DSA", key_size=2048), ["mtls.weak-key"]),
    (cert(key_type="Ed25519", key_size=256), []),
    (cert(sig="sha1WithRSAEncryption", key_type="RSA", key_size=2048), ["mtls.weak-signature"]),
    (cert(sig="ecdsa-with-SHA1"), ["mtls.weak-signature"]),
    (cert(sig="sha1WithRSAEncryption", key_type="RSA", key_size=4096, ca=True, subject="CN=root"), []),
])
def test_chain_key_and_signature(info: CertInfo, expected: list[str]) -> None:
    assert ids(target_verdict(obs(chain=(info,)))) == expected


def test_spiffe_ids_in_evidence() -> None:
    v = target_verdict(obs(chain=(cert(uris=("spiffe://prod.example/ns/a/sa/b", "https://x.example")),)))
    assert v.evidence["spiffe_ids"] == ["spiffe://prod.example/ns/a/sa/b"]
    assert v.evidence["server_chain"][0]["uris"] == ["spiffe://prod.example/ns/a/sa/b", "https://x.example"]


def test_pq_absent_only_when_required() -> None:
    absent = rejected("only X25519MLKEM768", "alert handshake_failure")
    assert ids(target_verdict(obs(pq=absent))) == []
    v = target_verdict(obs(pq=absent, require_pq=True))
    assert ids(v) == ["mtls.pq-group-absent"] and v.evidence["pq"]["negotiated"] is False
    good = target_verdict(obs(pq=ok("only X25519MLKEM768", group="X25519MLKEM768"), require_pq=True))
    assert ids(good) == [] and good.evidence["pq"]["negotiated"] is True


def case(name: str, expect: Outcome, probe: ProbeResult, version: str | None = None) -> SelfTestCase:
    return SelfTestCase(name, expect, probe, version)


def test_self_test_verdicts() -> None:
    good = (case("valid", Outcome.ACCEPTED, ok(), "TLSv1.3"),
            case("none", Outcome.REJECTED, rejected("none")))
    v = self_test_verdict(SelfTestObservation(good, 0.1, 0.01, "a", "b"))
    assert v.status is Status.OK and v.evidence["passed"] == 2
    wrong_version = (case("valid", Outcome.ACCEPTED, ok(version="TLSv1.2"), "TLSv1.3"),)
    v = self_test_verdict(SelfTestObservation(wrong_version, 0.1, 0.01, "a", "b"))
    assert v.status is Status.FAILED and ids(v) == ["mtls.self-test-failed"] and "TLSv1.2" in (v.reason or "")
    untrusted = (case("valid", Outcome.ACCEPTED, ok(verify_errors=("depth 0: x",)), "TLSv1.3"),)
    assert self_test_verdict(SelfTestObservation(untrusted, 0.1, 0.0, "a", "b")).status is Status.FAILED
    v = self_test_verdict(SelfTestObservation((), 0.0, 0.0, "a", "b", error="address in use"))
    assert v.status is Status.FAILED and "address in use" in (v.reason or "")
    assert self_test_verdict(SelfTestObservation((), 0.0, 0.0, "a", "b")).status is Status.FAILED
