"""The gate: findings and scanner health -> verdict and exit code (see the contract)."""

from __future__ import annotations

from collections.abc import Sequence

from secscan.core.model import Finding, Gate, ScannerResult, Severity, threshold

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


def evaluate(
    findings: Sequence[Finding],
    scanners: Sequence[ScannerResult],
    fail_on: str = "critical",
    allow_incomplete: bool = False,
    interrupted: bool = False,
) -> Gate:
    """Decide the exit code: 1 for findings (wins over 3), 3 for an incomplete scan, else 0."""
    reasons: list[str] = []
    limit = threshold(fail_on)
    blocking = [f for f in findings if f.counts_for_gate and limit is not None and f.severity >= limit
                and (f.superseded_by is None or limit <= Severity.LOW) and f.out_of_gate is None]
    if blocking:
        by_sev: dict[str, int] = {}
        for f in blocking:
            by_sev[f.severity.label] = by_sev.get(f.severity.label, 0) + 1
        detail = ", ".join(f"{n} {s}" for s, n in by_sev.items())
        reasons.append(f"{len(blocking)} finding(s) at or above {fail_on}: {detail}")
    incomplete_scanners = [s for s in scanners if s.incomplete]
    for s in incomplete_scanners:
        why = s.reason or "no reason given"
        reasons.append(f"scanner {s.name} is {s.status.value}: {why}")
    if interrupted:
        reasons.append("the run was interrupted before every scanner finished")
    incomplete = bool(incomplete_scanners) or interrupted
    if blocking:
        code = EXIT_FINDINGS
    elif incomplete and not allow_incomplete:
        code = EXIT_INCOMPLETE
    else:
        code = EXIT_OK
    if incomplete and allow_incomplete and not blocking:
        reasons.append("incomplete scan allowed by --allow-incomplete")
    return Gate(
        fail_on=fail_on, passed=code == EXIT_OK, exit_code=code, reasons=tuple(reasons), incomplete=incomplete
    )
