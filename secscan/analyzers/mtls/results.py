"""Frozen results of the mTLS probes and the chain inspection (data only)."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class Outcome(enum.StrEnum):
    """What the server did with one connection attempt."""

    ACCEPTED = "accepted"  # handshake done and no rejection followed
    REJECTED = "rejected"  # alert, EOF or reset in or right after the handshake
    ERROR = "error"  # could not tell: TCP refused, timeout, our own TLS setup failed


@dataclass(frozen=True)
class ProbeResult:
    """One client connection: how it ended, with what the handshake negotiated and how long it took."""

    label: str
    outcome: Outcome
    how: str  # "application data", "no rejection within 2.0s", "alert certificate_required", "eof", "reset"
    stage: str  # "connect", "handshake", "read" (where it ended)
    version: str | None = None
    cipher: str | None = None
    group: str | None = None
    connect_ms: float = 0.0
    handshake_ms: float = 0.0
    total_ms: float = 0.0
    error: str | None = None
    timed_out: bool = False
    verify_errors: tuple[str, ...] = ()  # our verification of the server chain (empty: trusted)
    peer_chain_der: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def accepted(self) -> bool:
        """True when the server let the connection through."""
        return self.outcome is Outcome.ACCEPTED

    def evidence(self) -> dict[str, Any]:
        """A JSON-friendly summary (no certificate bytes)."""
        out = asdict(self)
        out.pop("peer_chain_der")
        out["outcome"] = self.outcome.value
        out["verify_errors"] = list(self.verify_errors)
        for key in ("connect_ms", "handshake_ms", "total_ms"):
            out[key] = round(float(out[key]), 2)
        return out


@dataclass(frozen=True)
class CertInfo:
    """What matters about one certificate of the server chain."""

    subject: str
    issuer: str
    not_before: str
    not_after: str
    days_to_expiry: int
    key_type: str  # "EC", "RSA", "Ed25519", "DSA", ...
    key_size: int | None
    curve: str | None
    signature_algorithm: str
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    uris: tuple[str, ...] = ()
    is_ca: bool = False

    @property
    def spiffe_ids(self) -> tuple[str, ...]:
        """The SPIFFE IDs among the URI SANs."""
        return tuple(u for u in self.uris if u.lower().startswith("spiffe://"))

    def evidence(self) -> dict[str, Any]:
        """A JSON-friendly summary."""
        out = asdict(self)
        for key in ("dns_names", "ip_addresses", "uris"):
            out[key] = list(out[key])
        out["spiffe_ids"] = list(self.spiffe_ids)
        return out


@dataclass(frozen=True)
class TargetObservation:
    """Everything the target check saw; verdict.py turns it into findings."""

    target: str
    server_name: str
    valid: ProbeResult
    no_cert: ProbeResult | None = None
    self_signed: ProbeResult | None = None
    legacy: tuple[ProbeResult, ...] = ()  # TLS 1.0 / 1.1 attempts
    pq: ProbeResult | None = None
    chain: tuple[CertInfo, ...] = ()
    name_matches: bool | None = None
    duration_s: float = 0.0
    require_pq: bool = False
    pq_group: str = "X25519MLKEM768"


@dataclass(frozen=True)
class SelfTestCase:
    """One self-test case: what should happen and what did."""

    name: str
    expect: Outcome
    probe: ProbeResult
    require_version: str | None = None

    @property
    def passed(self) -> bool:
        """True when the server behaved as required."""
        if self.probe.outcome is not self.expect:
            return False
        if self.expect is Outcome.ACCEPTED and self.probe.verify_errors:
            return False  # the client must also have verified the server
        return self.require_version is None or self.probe.version == self.require_version


@dataclass(frozen=True)
class SelfTestObservation:
    """The self-test's cases and timing."""

    cases: tuple[SelfTestCase, ...]
    duration_s: float
    pki_s: float
    openssl_client: str
    openssl_server: str
    error: str | None = None  # the self-test could not even run
