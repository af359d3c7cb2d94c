"""The mTLS check as a scanner: in-process, the self-test by default, a target when options say so."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
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


def _timeout(ctx: ScanContext) -> float:
    """The probes' timeout: mtls_timeout, bounded by the scanner's (a probe cut short is a time-out)."""
    value: Any = ctx.options.get("mtls_timeout", DEFAULT_TIMEOUT)
    try:
        seconds = min(float(value), ctx.timeout)
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT
    return seconds if seconds > 0 else DEFAULT_TIMEOUT


def with_skipped_target(parsed: Parsed, skipped: Any) -> Parsed:
    """The self-test's result, saying that the target check was skipped and why (``mtls_target_skipped``
    from the options: --offline, or a target the scanned tree named and the caller did not trust)."""
    if not isinstance(skipped, dict) or not skipped.get("target"):
        return parsed
    check = {"target": str(skipped["target"]), "status": Status.SKIPPED.value,
             "reason": str(skipped.get("reason") or "")}
    note = f"target check of {check['target']} skipped: {check['reason']}; the loopback self-test ran"
    return replace(parsed, reason=f"{note}; {parsed.reason}" if parsed.reason else note,
                   evidence={**(parsed.evidence or {}), "target_check": check})


def run_mtls(ctx: ScanContext) -> Parsed:
    """The self-test, or the target check when ctx.options has mtls_target. Never raises."""
    opts = ctx.options
    timeout = _timeout(ctx)
    try:
        if opts.get("mtls_target"):
            spec = make_target_spec(str(opts["mtls_target"]), opts.get("mtls_ca"), opts.get("mtls_cert"),
                                    opts.get("mtls_key"), server_name=opts.get("mtls_server_name"),
                                    timeout=timeout, pq=bool(opts.get("mtls_pq")),
                                    require_pq=bool(opts.get("mtls_require_pq")))
            return verdict_to_parsed(check_target(spec))
        return with_skipped_target(verdict_to_parsed(self_test(timeout)), opts.get("mtls_target_skipped"))
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
