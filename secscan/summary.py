"""The short terminal summary: scanner health table, counts, top findings, verdict. Secrets stay masked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secscan.model import Result, Severity, Status

_MARK = {Status.OK: "ok", Status.PARTIAL: "PARTIAL", Status.FAILED: "FAILED", Status.TIMEOUT: "TIMEOUT",
         Status.SKIPPED: "skipped"}


def _clean(text: str, limit: int = 90) -> str:
    one = " ".join(text.split())
    return "".join(ch if ch.isprintable() else "?" for ch in one)[:limit]


def health_table(result: Result) -> list[str]:
    """One line per scanner: name, status, version, time, findings, reason."""
    rows = [f"  {'scanner':<22} {'status':<8} {'version':<10} {'time':>7} {'found':>5}  reason"]
    for s in result.scanners:
        status = _MARK[s.status] + ("!" if s.incomplete else "")
        rows.append(f"  {_clean(s.name, 22):<22} {status:<8} {_clean(s.version or '-', 10):<10} "
                    f"{s.duration_s:6.1f}s {s.findings:>5}  {_clean(s.reason or '')}")
    return rows


def verdict_line(result: Result) -> str:
    """The one line that says pass, fail or incomplete."""
    g = result.gate
    if g.exit_code == 0:
        extra = " (incomplete scan allowed)" if g.incomplete else ""
        return f"secscan: PASSED (fail-on {g.fail_on}){extra}"
    if g.exit_code == 1:
        return f"secscan: FAILED on findings at or above {g.fail_on}"
    return "secscan: INCOMPLETE: a scanner or check did not really run (exit 3)"


def render_summary(result: Result, written: Sequence[Path] = (), quiet: bool = False) -> str:
    """The text printed at the end of a scan."""
    if quiet:
        return verdict_line(result) + "\n"
    lines = ["", "Scanner health:", *health_table(result), ""]
    counts = result.counts
    lines.append("Findings: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    suppressed = sum(1 for f in result.findings if f.suppressed)
    pre = sum(1 for f in result.findings if f.pre_existing)
    if suppressed or pre:
        lines.append(f"  (not counted: {suppressed} suppressed, {pre} pre-existing)")
    top = [f for f in result.findings if f.counts_for_gate and f.severity >= Severity.HIGH][:10]
    for f in top:
        where = f"{f.location.path}:{f.location.start_line or ''}" if f.location else (
            f"{f.package.name} {f.package.version or ''}" if f.package else "")
        lines.append(f"  [{f.severity.label}] {_clean(f.rule_id, 40)} {_clean(f.title, 60)}  {_clean(where, 80)}")
    for note in result.notes:
        lines.append(f"note: {_clean(note, 200)}")
    for reason in result.gate.reasons:
        lines.append(f"gate: {_clean(reason, 200)}")
    if written:
        lines.append("Reports: " + ", ".join(str(p) for p in written))
    lines.append(verdict_line(result))
    return "\n".join(lines) + "\n"
