"""The PQC check as a scanner: in process (the check itself starts its child through the runner)."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.analyzers.pqc.reference import DEFAULT_ALGS
from secscan.analyzers.pqc.result import ChildStatus, PqcResult, Verdict
from secscan.analyzers.pqc.selftest import self_test
from secscan.analyzers.pqc.verify import verify
from secscan.core.errors import UsageError
from secscan.core.model import Category, Finding, Parsed, Severity, SkipCause, Status
from secscan.scanners.interface import InProcessScanner, ScanContext, ScannerInfo, ScanOutput

if TYPE_CHECKING:
    from secscan.process.runner import Runner

NAME = "pqc"
CHILD_TIMEOUT = 60.0


def remediation(result: PqcResult) -> str:
    """How to get a real liboqs for the interpreter that was checked."""
    ev = result.evidence
    py = ev.python
    steps = (f"install the liboqs shared library for {py}: build liboqs (cmake -DBUILD_SHARED_LIBS=ON ..) "
             "and install it to a system library path, or to a prefix named by OQS_INSTALL_PATH "
             "(PREFIX/lib/liboqs.so; liboqs-python's default prefix is ~/_oqs); install liboqs-python with "
             f"`{py} -m pip install liboqs-python` (versions matching liboqs)")
    if result.verdict is Verdict.STUB:
        steps = (f"make `import oqs` in {py} load liboqs-python backed by the liboqs library: remove or "
                 f"rename the module at {ev.module or '?'} if it is a fake or shim, and " + steps)
    return steps + f"; then run `secscan pqc --python {py}` again"


def _finding(rule_id: str, title: str, message: str, severity: Severity, raw: str, result: PqcResult,
             fix: str | None) -> Finding:
    ev = result.evidence
    props: dict[str, Any] = {"verdict": result.verdict.value, "python": ev.python, "oqs_module": ev.module,
                             "library_path": ev.library_path, "reasons": list(result.reasons)}
    return Finding(rule_id=rule_id, title=title, message=message, severity=severity, raw_severity=raw,
                   category=Category.CRYPTO, sources=(NAME,), remediation=fix, properties=props)


def _reasons(result: PqcResult, limit: int = 8) -> str:
    shown = list(result.reasons[:limit])
    more = len(result.reasons) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def result_to_parsed(result: PqcResult, require: bool) -> Parsed:
    """The engine's shape of a PQC result: status, findings and the evidence."""
    ev = result.to_dict()
    coverage = {"algorithms_checked": len(result.evidence.algorithms),
                "checks_passed": sum(1 for a in result.evidence.algorithms for c in a.checks if c.passed),
                "checks_failed": sum(len(a.failed) for a in result.evidence.algorithms)}
    version = result.evidence.liboqs_version or result.evidence.probe.version

    def out(status: Status, findings: tuple[Finding, ...] = (), reason: str | None = None) -> Parsed:
        skip = SkipCause.UNAVAILABLE if status is Status.SKIPPED else None
        return Parsed(NAME, findings, status, reason, coverage, version, ev, skip)

    if result.evidence.child_status is ChildStatus.TIMEOUT:  # the check did not finish: no verdict on liboqs
        return out(Status.TIMEOUT, (), _reasons(result, 3))
    v = result.verdict
    if v is Verdict.REAL:
        return out(Status.OK)
    if v is Verdict.STUB:
        f = _finding("PQC-STUB", "PQC running in stub mode",
                     f"the oqs module used by {result.evidence.python} is not a working liboqs KEM: "
                     + _reasons(result), Severity.CRITICAL, "stub", result, remediation(result))
        return out(Status.OK, (f,))
    if v is Verdict.BROKEN:
        f = _finding("PQC-BROKEN", "PQC check could not verify liboqs",
                     f"liboqs for {result.evidence.python} could not be exercised: " + _reasons(result),
                     Severity.HIGH, "broken", result, remediation(result))
        return out(Status.FAILED, (f,), _reasons(result, 3))
    if require:
        f = _finding("PQC-UNAVAILABLE", "liboqs unavailable",
                     f"PQC is required but liboqs is unavailable for {result.evidence.python}: "
                     + _reasons(result), Severity.CRITICAL, "unavailable", result, remediation(result))
        return out(Status.OK, (f,))
    return out(Status.SKIPPED, (), f"liboqs unavailable: {_reasons(result, 3)}")


def _algs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    algs = tuple(str(a).strip() for a in value or () if str(a).strip())
    return algs or DEFAULT_ALGS


@dataclass(frozen=True)
class PqcSettings:
    """The PQC check's settings (``pqc_python``, ``pqc_algs``, ``require_pqc``), typed."""

    python: str = sys.executable  # the interpreter whose liboqs is checked
    algs: tuple[str, ...] = DEFAULT_ALGS
    require: bool = False  # an unavailable liboqs is a critical finding, not a skip

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> PqcSettings:
        """From the scan's scanner settings (``ScanContext.options``)."""
        return cls(str(options.get("pqc_python") or sys.executable), _algs(options.get("pqc_algs")),
                   bool(options.get("require_pqc")))


def run_pqc(ctx: ScanContext, runner: Runner | None = None) -> Parsed:
    """The self-test of the verdict logic, then the check. Never raises for environment problems."""
    problem = self_test()
    if problem:
        return Parsed(NAME, status=Status.FAILED, reason=problem, evidence={"self_test": problem})
    settings = PqcSettings.from_options(ctx.options)
    try:
        result = verify(settings.algs, python=settings.python, timeout=min(ctx.timeout, CHILD_TIMEOUT),
                        runner=runner)
    except UsageError as exc:
        return Parsed(NAME, status=Status.FAILED, reason=f"PQC check not run: {exc}")
    parsed = result_to_parsed(result, settings.require)
    evidence = {**(parsed.evidence or {}), "self_test": "passed"}
    return Parsed(parsed.tool, parsed.findings, parsed.status, parsed.reason, parsed.coverage, parsed.version,
                  evidence, parsed.skip)


class PqcScanner(InProcessScanner):
    """Does this environment's liboqs KEM really work (crypto findings)?"""

    info = ScannerInfo(NAME, Category.CRYPTO, rule_ids=(r"^PQC-",))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        """Always applies: an unavailable liboqs is reported as skipped by execute, with what was searched."""
        return None

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        """Run in process; the child goes through the engine's runner (timeouts, Ctrl-C)."""
        t0 = time.monotonic()
        parsed = run_pqc(ctx, runner)
        return ScanOutput(parsed, time.monotonic() - t0, 1 if parsed.evidence else 0)
