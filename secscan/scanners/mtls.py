"""The mTLS check as a scanner: in-process, the self-test by default, a target when options say so."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.analyzers.mtls.check import DEFAULT_TIMEOUT, check_target, make_target_spec, self_test
from secscan.analyzers.mtls.tlsio import openssl_version
from secscan.analyzers.mtls.verdict import Verdict
from secscan.core.errors import UsageError
from secscan.core.model import Category, Parsed, Status
from secscan.scanners.interface import InProcessScanner, ScanContext, ScannerInfo, ScanOutput

if TYPE_CHECKING:
    from secscan.process.runner import Runner

NAME = "mtls"


def verdict_to_parsed(verdict: Verdict) -> Parsed:
    """The engine's shape of a verdict."""
    probes = verdict.evidence.get("cases") or verdict.evidence.get("probes") or []
    return Parsed(NAME, findings=verdict.findings, status=verdict.status, reason=verdict.reason,
                  coverage={"probes": len(probes)}, version=openssl_version(), evidence=verdict.evidence)


def _timeout(value: Any, bound: float) -> float:
    """The probes' timeout: mtls_timeout, bounded by the scanner's (a probe cut short is a time-out)."""
    try:
        seconds = min(float(value), bound)
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT
    return seconds if seconds > 0 else DEFAULT_TIMEOUT


def _text(value: Any) -> str | None:
    return str(value) if value else None


@dataclass(frozen=True)
class MtlsSettings:
    """The mTLS check's settings (``mtls_*``), typed: no target means the loopback self-test."""

    timeout: float = DEFAULT_TIMEOUT
    target: str | None = None  # HOST:PORT
    ca: str | None = None
    cert: str | None = None
    key: str | None = None
    server_name: str | None = None
    pq: bool = False  # offer a post-quantum hybrid group
    require_pq: bool = False  # and fail unless it is negotiated
    target_skipped: Mapping[str, Any] | None = None  # a target left out (--offline, an untrusted tree)

    @classmethod
    def from_options(cls, options: Mapping[str, Any], bound: float) -> MtlsSettings:
        """From the scan's scanner settings (``ScanContext.options``), the timeout bounded by ``bound``."""
        skipped = options.get("mtls_target_skipped")
        text = {k: _text(options.get(f"mtls_{k}")) for k in ("target", "ca", "cert", "key", "server_name")}
        return cls(_timeout(options.get("mtls_timeout", DEFAULT_TIMEOUT), bound), **text,
                   pq=bool(options.get("mtls_pq")), require_pq=bool(options.get("mtls_require_pq")),
                   target_skipped=skipped if isinstance(skipped, Mapping) else None)


def with_skipped_target(parsed: Parsed, skipped: Mapping[str, Any] | None) -> Parsed:
    """The self-test's result, saying that the target check was skipped and why (``mtls_target_skipped``
    from the options: --offline, or a target the scanned tree named and the caller did not trust)."""
    if not skipped or not skipped.get("target"):
        return parsed
    check = {"target": str(skipped["target"]), "status": Status.SKIPPED.value,
             "reason": str(skipped.get("reason") or "")}
    note = f"target check of {check['target']} skipped: {check['reason']}; the loopback self-test ran"
    return replace(parsed, reason=f"{note}; {parsed.reason}" if parsed.reason else note,
                   evidence={**(parsed.evidence or {}), "target_check": check})


def run_mtls(ctx: ScanContext) -> Parsed:
    """The self-test, or the target check when ctx.options has mtls_target. Never raises."""
    s = MtlsSettings.from_options(ctx.options, ctx.timeout)
    try:
        if s.target:
            spec = make_target_spec(s.target, s.ca, s.cert, s.key, server_name=s.server_name,
                                    timeout=s.timeout, pq=s.pq, require_pq=s.require_pq)
            return verdict_to_parsed(check_target(spec))
        return with_skipped_target(verdict_to_parsed(self_test(s.timeout)), s.target_skipped)
    except UsageError as exc:
        return Parsed(NAME, status=Status.FAILED, reason=f"mTLS check not run: {exc}")


class MtlsScanner(InProcessScanner):
    """Mutual TLS verification with evidence (tls findings)."""

    # needs_network is False: the self-test is loopback only; a --target is what the user asked for
    info = ScannerInfo(NAME, Category.TLS, rule_ids=(r"^mtls\.",))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        """Always applies: without a target the self-test runs."""
        return None

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        """Run in process (no subprocess)."""
        t0 = time.monotonic()
        parsed = run_mtls(ctx)
        return ScanOutput(parsed, time.monotonic() - t0, 0)

    def version(self, runner: Runner) -> str | None:
        """The OpenSSL the probes use."""
        return openssl_version()
