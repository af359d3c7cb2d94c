"""Pure: probe observations -> findings, evidence and a status. No sockets, no clock (now is passed in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secscan.analyzers.mtls import chain as chainmod
from secscan.analyzers.mtls.results import Outcome, ProbeResult, SelfTestObservation, TargetObservation
from secscan.core.model import Category, Finding, Location, Severity, Status

SOURCE = "mtls"
EXPIRY_WARN_DAYS = 30

# rule_id -> (title, severity, remediation): the written-down mapping table, tested value by value.
RULES: dict[str, tuple[str, Severity, str]] = {
    "mtls.not-enforced": (
        "mTLS not enforced", Severity.CRITICAL,
        "Require a client certificate: nginx `ssl_verify_client on` (not `optional`), Python ssl "
        "`verify_mode = ssl.CERT_REQUIRED`, OpenSSL `SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT`, "
        "Envoy `require_client_certificate: true`."),
    "mtls.untrusted-client-accepted": (
        "untrusted client certificates accepted", Severity.CRITICAL,
        "Verify client certificates against your client CA only: nginx `ssl_client_certificate CA.pem` with "
        "`ssl_verify_client on` (not `optional_no_ca`), Python ssl `CERT_REQUIRED` + "
        "`load_verify_locations(CA)`, and no verify callback that returns success for every certificate."),
    "mtls.valid-client-rejected": (
        "valid client certificate rejected", Severity.HIGH,
        "Check that the server trusts the CA that issued the client certificate (nginx "
        "`ssl_client_certificate`, ssl `load_verify_locations`) and that the certificate is valid and has "
        "the clientAuth extended key usage."),
    "mtls.server-untrusted": (
        "server certificate does not verify", Severity.HIGH,
        "Serve a certificate chain issued by the expected CA whose SANs include the server name "
        "(nginx `ssl_certificate` with the full chain)."),
    "mtls.tls-below-1.2": (
        "TLS below 1.2 accepted", Severity.HIGH,
        "Set the minimum protocol to TLS 1.2: nginx `ssl_protocols TLSv1.2 TLSv1.3`, Python ssl "
        "`minimum_version = ssl.TLSVersion.TLSv1_2`, OpenSSL `MinProtocol = TLSv1.2`."),
    "mtls.cert-expired": (
        "server certificate expired", Severity.HIGH,
        "Renew the server certificate now and automate renewal."),
    "mtls.cert-expiring": (
        "server certificate expiring soon", Severity.MEDIUM,
        f"Renew the server certificate (it expires within {EXPIRY_WARN_DAYS} days) and automate renewal."),
    "mtls.weak-key": (
        "weak key in server chain", Severity.HIGH,
        "Reissue the certificate with an EC P-256 (or larger) or RSA 2048+ key."),
    "mtls.weak-signature": (
        "weak signature in server chain", Severity.MEDIUM,
        "Reissue the certificate signed with SHA-256 or stronger."),
    "mtls.pq-group-absent": (
        "hybrid post-quantum key exchange not negotiated", Severity.MEDIUM,
        "Enable the hybrid group X25519MLKEM768 on the server (OpenSSL 3.5+: "
        "`Groups = X25519MLKEM768:X25519`, nginx `ssl_ecdh_curve X25519MLKEM768:X25519`)."),
    "mtls.self-test-failed": (
        "mTLS self-test failed", Severity.HIGH,
        "The local TLS stack does not enforce client certificates as required; the mTLS check cannot be "
        "trusted on this machine. Check the OpenSSL and Python ssl versions."),
}


@dataclass(frozen=True)
class Verdict:
    """What the check concludes."""

    findings: tuple[Finding, ...]
    status: Status
    reason: str | None
    evidence: dict[str, Any]


def finding(rule_id: str, message: str, target: str | None = None, **props: Any) -> Finding:
    """A tls finding for one of RULES."""
    title, severity, remediation = RULES[rule_id]
    return Finding(rule_id=rule_id, title=title, message=message, severity=severity,
                   raw_severity=severity.label, category=Category.TLS, sources=(SOURCE,),
                   location=Location(path=target) if target else None, remediation=remediation,
                   properties=props)


def _unreached(p: ProbeResult) -> tuple[Status, str]:
    status = Status.TIMEOUT if p.timed_out else Status.FAILED
    return status, f"{p.label}: {p.how}" + (f" ({p.error})" if p.error else "")


def _enforcement(obs: TargetObservation) -> tuple[list[Finding], list[str]]:
    """Findings for the negative probes, and reasons the verdict is partial."""
    found: list[Finding] = []
    gaps: list[str] = []
    t = obs.target
    for probe, rule, what in ((obs.no_cert, "mtls.not-enforced", "without a client certificate"),
                              (obs.self_signed, "mtls.untrusted-client-accepted",
                               "with a fresh self-signed client certificate")):
        if probe is None:
            gaps.append(f"the probe {what} was not run")
        elif probe.outcome is Outcome.ACCEPTED:
            found.append(finding(rule, f"{t} accepted a TLS connection {what} ({probe.version}, "
                                       f"{probe.how}).", t, probe=probe.label))
        elif probe.outcome is Outcome.ERROR:
            gaps.append(f"the probe {what} did not complete: {probe.how}")
    return found, gaps


def _legacy(obs: TargetObservation) -> tuple[list[Finding], list[str], dict[str, str]]:
    accepted = [p.version or p.label for p in obs.legacy if p.outcome is Outcome.ACCEPTED]
    gaps = [f"{p.label}: {p.how}" for p in obs.legacy if p.outcome is Outcome.ERROR]
    table = {p.label: (p.outcome.value if p.outcome is not Outcome.REJECTED else f"refused ({p.how})")
             for p in obs.legacy}
    found = [finding("mtls.tls-below-1.2", f"{obs.target} completed a handshake with "
                     f"{', '.join(accepted)}.", obs.target, versions=accepted)] if accepted else []
    return found, gaps, table


def _chain(obs: TargetObservation) -> list[Finding]:
    found: list[Finding] = []
    t = obs.target
    for i, info in enumerate(obs.chain):
        where = f"certificate {i} ({info.subject})"
        if info.days_to_expiry < 0:
            found.append(finding("mtls.cert-expired", f"{where} expired on {info.not_after}.", t, index=i))
        elif info.days_to_expiry <= EXPIRY_WARN_DAYS:
            found.append(finding("mtls.cert-expiring", f"{where} expires in {info.days_to_expiry} days "
                                 f"({info.not_after}).", t, index=i, days=info.days_to_expiry))
        weak = chainmod.weak_key(info)
        if weak:
            found.append(finding("mtls.weak-key", f"{where}: {weak}.", t, index=i))
        weak_sig = None if info.is_ca and info.subject == info.issuer else chainmod.weak_signature(info)
        if weak_sig:
            found.append(finding("mtls.weak-signature", f"{where}: {weak_sig}.", t, index=i))
    return found


def _pq(obs: TargetObservation) -> tuple[list[Finding], list[str], dict[str, Any] | None]:
    p = obs.pq
    if p is None:
        return [], [], None
    negotiated = p.group is not None and p.group.lower() == obs.pq_group.lower()
    ev = {"offered": [obs.pq_group], "negotiated": negotiated, "group": p.group, "how": p.how,
          "version": p.version, "handshake_ms": round(p.handshake_ms, 2)}
    if p.outcome is Outcome.ERROR:
        return [], [f"post-quantum probe: {p.how}"], ev
    found = []
    if not negotiated and obs.require_pq:
        found.append(finding("mtls.pq-group-absent", f"{obs.target} does not negotiate {obs.pq_group} when "
                             f"it is the only group offered ({p.how}).", obs.target))
    return found, [], ev


def _server_trust(obs: TargetObservation) -> list[Finding]:
    problems = list(obs.valid.verify_errors)
    if obs.name_matches is False:
        problems.append(f"name {obs.server_name!r} is not in the certificate's SANs")
    if not problems:
        return []
    return [finding("mtls.server-untrusted", f"{obs.target}: " + "; ".join(problems) + ".", obs.target)]


def target_verdict(obs: TargetObservation) -> Verdict:
    """Findings, status and evidence for a --target check."""
    evidence = target_evidence(obs)
    v = obs.valid
    if v.outcome is Outcome.ERROR:
        status, reason = _unreached(v)
        return Verdict((), status, f"could not complete the check: {reason}", evidence)
    if v.outcome is Outcome.REJECTED:
        f = finding("mtls.valid-client-rejected", f"{obs.target} rejected the given client certificate "
                    f"({v.how}).", obs.target)
        return Verdict((f,), Status.FAILED, "the given client certificate was rejected, so enforcement "
                       f"cannot be judged ({v.how})", evidence)
    found, gaps = _enforcement(obs)
    found += _server_trust(obs) + _chain(obs)
    legacy_found, legacy_gaps, legacy_table = _legacy(obs)
    pq_found, pq_gaps, pq_ev = _pq(obs)
    found += legacy_found + pq_found
    gaps += legacy_gaps + pq_gaps
    evidence["legacy_protocols"] = legacy_table
    if pq_ev is not None:
        evidence["pq"] = pq_ev
    status = Status.PARTIAL if gaps else Status.OK
    return Verdict(tuple(found), status, "; ".join(gaps) or None, evidence)


def target_evidence(obs: TargetObservation) -> dict[str, Any]:
    """The JSON evidence of a --target check."""
    v = obs.valid
    return {
        "mode": "target", "target": obs.target, "server_name": obs.server_name,
        "protocol": v.version, "cipher": v.cipher, "group": v.group,
        "server_verified": not v.verify_errors and obs.name_matches is not False,
        "server_verify_errors": list(v.verify_errors), "name_matches": obs.name_matches,
        "probes": [p.evidence() for p in (v, obs.no_cert, obs.self_signed, *obs.legacy, obs.pq) if p],
        "server_chain": [c.evidence() for c in obs.chain],
        "spiffe_ids": sorted({s for c in obs.chain for s in c.spiffe_ids}),
        "duration_s": round(obs.duration_s, 3),
    }


def self_test_verdict(obs: SelfTestObservation) -> Verdict:
    """Status failed (with a finding) when any self-test case did not behave as required; a case the
    timeout cut short is a time-out (status timeout, no finding) unless another case really failed."""
    cases = [{"case": c.name, "expected": c.expect.value, "observed": c.probe.outcome.value,
              "how": c.probe.how, "passed": c.passed, "version": c.probe.version, "cipher": c.probe.cipher,
              "group": c.probe.group, "server_verified": not c.probe.verify_errors,
              "handshake_ms": round(c.probe.handshake_ms, 2),
              "total_ms": round(c.probe.total_ms, 2)} for c in obs.cases]
    first = obs.cases[0].probe if obs.cases else None
    evidence: dict[str, Any] = {
        "mode": "self-test", "duration_s": round(obs.duration_s, 3), "pki_s": round(obs.pki_s, 3),
        "openssl_client": obs.openssl_client, "openssl_server": obs.openssl_server,
        "protocol": first.version if first else None, "cipher": first.cipher if first else None,
        "cases": cases, "passed": sum(c.passed for c in obs.cases), "total": len(obs.cases)}
    if obs.error:
        return Verdict((), Status.FAILED, f"the mTLS self-test could not run: {obs.error}", evidence)
    if not obs.cases:
        return Verdict((), Status.FAILED, "the mTLS self-test ran no case", evidence)
    failed = [c for c in obs.cases if not c.passed and not c.probe.timed_out]
    timed_out = [c for c in obs.cases if not c.passed and c.probe.timed_out]
    late = (f"{len(timed_out)} of {len(obs.cases)} self-test cases timed out: "
            + "; ".join(f"{c.name}: {c.probe.how}" for c in timed_out)) if timed_out else None
    if not failed:  # a case cut short by the timeout says nothing about the TLS stack: no finding
        return Verdict((), Status.TIMEOUT if timed_out else Status.OK, late, evidence)
    text = "; ".join(f"{c.name}: expected {c.expect.value}"
                     + (f" over {c.require_version}" if c.require_version else "")
                     + f", observed {c.probe.outcome.value} ({c.probe.how}, {c.probe.version})"
                     for c in failed)
    bad = finding("mtls.self-test-failed", text, None, cases=[c.name for c in failed])
    reason = f"{len(failed)} of {len(obs.cases)} self-test cases failed: {text}"
    reason += f"; {late}" if late else ""
    return Verdict((bad,), Status.FAILED, reason, evidence)
