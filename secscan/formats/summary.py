"""The short terminal summary: scanner health table, counts, top findings, verdict. Secrets stay masked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secscan.core.model import Finding, Result, ScannerResult, Severity, Status, threshold
from secscan.formats import configuration
from secscan.formats.context_view import left_out_line
from secscan.formats.interface import not_audited_text

_MARK = {
    Status.OK: "ok",
    Status.PARTIAL: "PARTIAL",
    Status.FAILED: "FAILED",
    Status.TIMEOUT: "TIMEOUT",
    Status.SKIPPED: "skipped",
}


def _clean(text: str, limit: int = 90) -> str:
    one = " ".join(text.split())
    return "".join(ch if ch.isprintable() else "?" for ch in one)[:limit]


def _shown_path(path: str | None, limit: int = 40) -> str:
    """An executable's path, its end kept when it is long (the folder that tells which install it is)."""
    if not path:
        return "-"
    home = str(Path.home())
    if home not in ("", "/") and path.startswith(home + "/"):
        path = "~" + path[len(home):]
    text = _clean(path, 10_000)
    return text if len(text) <= limit else "…" + text[-(limit - 1):]


def canary_label(s: ScannerResult) -> str:
    """The canary column: its state, and whether the answer came from the cache."""
    if s.canary is None:
        return "-"
    return s.canary.value + (" (cached)" if s.cached else "")


def from_cache(s: ScannerResult) -> bool:
    """The outcome was answered from the incremental cache (no tool process ran for it)."""
    return s.cached or (bool(s.coverage.get("files_from_cache")) and s.duration_s == 0.0)


def note_of(s: ScannerResult) -> str:
    """What the reason column shows: the reason, or what a check actually checked."""
    if s.reason:
        return s.reason
    if s.name == "mtls" and (s.evidence or {}).get("mode") == "self-test":
        return "self-test of the local TLS stack (not of the application: --mtls-target checks a server)"
    return ""


def health_table(result: Result) -> list[str]:
    """One line per scanner: name, status, full version, time (or "cached"), findings, the executable that
    ran, reason."""
    exes = [_shown_path(s.executable) for s in result.scanners]
    versions = [_clean(s.version or "-", 40) for s in result.scanners]
    width, vwidth = max([len("executable"), *map(len, exes)]), max([len("version"), *map(len, versions)])
    rows = [f"  {'scanner':<22} {'status':<8} {'version':<{vwidth}} {'time':>7} {'found':>5}  "
            f"{'executable':<{width}}  reason"]
    for s, exe, version in zip(result.scanners, exes, versions, strict=True):
        status = _MARK[s.status] + ("!" if s.incomplete else "")
        took = " cached" if from_cache(s) else f"{s.duration_s:6.1f}s"
        rows.append(
            f"  {_clean(s.name, 22):<22} {status:<8} {version:<{vwidth}} "
            f"{took:>7} {s.findings:>5}  {exe:<{width}}  {_clean(note_of(s))}".rstrip()
        )
    return rows


def verdict_line(result: Result) -> str:
    """The one line that says pass, fail or incomplete."""
    g = result.gate
    if g.exit_code == 0:
        extra = " (incomplete scan allowed)" if g.incomplete else ""
        gap = f" — {not_audited_text(result.not_audited)}" if result.not_audited else ""
        return f"secscan: PASSED (fail-on {g.fail_on}){extra}{gap}"
    if g.exit_code == 1:
        return f"secscan: FAILED on findings at or above {g.fail_on}"
    return "secscan: INCOMPLETE: a scanner or check did not really run (exit 3)"


def finding_line(f: Finding) -> str:
    """``path:line: [severity] rule title: masked value`` (never the value itself)."""
    if f.location is not None:
        where = f.location.path + (f":{f.location.start_line}" if f.location.start_line else "")
    elif f.package is not None:
        where = f"{f.package.name} {f.package.version or ''}".strip()
    else:
        where = ", ".join(f.sources)
    line = f"  {_clean(where, 80)}: [{f.severity.label}] {_clean(f.rule_id, 40)} {_clean(f.title, 60)}"
    if f.secret_mask:
        line += f": {_clean(f.secret_mask, 40)}"
    if f.suppression is not None and f.suppression.expired:
        line += f" ({f.suppression.kind} entry expired {f.suppression.expires})"
    return line


def _quiet(result: Result, written: Sequence[Path]) -> str:
    """--quiet: the verdict, preceded (when the gate did not pass) by what blocks it."""
    lines = []
    if not result.gate.passed:
        limit = threshold(result.gate.fail_on)
        lines += [
            finding_line(f)
            for f in result.findings
            if f.counts_for_gate and limit is not None and f.severity >= limit and not f.out_of_gate
        ][:50]
        lines += [f"gate: {_clean(r, 200)}" for r in result.gate.reasons]
        lines += [f"Report: {written[0]}"] if written else []
    return "\n".join([*lines, verdict_line(result)]) + "\n"


def render_summary(result: Result, written: Sequence[Path] = (), quiet: bool = False) -> str:
    """The text printed at the end of a scan."""
    if quiet:
        return _quiet(result, written)
    lines = ["", "Scanner health:", *health_table(result), ""]
    counts = result.counts
    lines.append("Findings: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    suppressed = sum(1 for f in result.findings if f.suppressed)
    pre = sum(1 for f in result.findings if f.pre_existing)
    by_context = sum(1 for f in result.findings if f.out_of_gate and f.counts_for_gate)
    if suppressed or pre or by_context:
        extra = f", {by_context} SAST in test/example code" if by_context else ""
        lines.append(f"  (not counted: {suppressed} suppressed, {pre} pre-existing{extra})")
    top = [f for f in result.findings if f.counts_for_gate and f.severity >= Severity.HIGH
           and not f.out_of_gate][:10]
    lines += [finding_line(f) for f in top]
    expired = sum(1 for f in result.findings if f.suppression is not None and f.suppression.expired)
    if expired:
        lines.append(f"  ({expired} suppression(s) or baseline entries expired: those findings count again)")
    lines += [_clean(line, 240) for line in configuration.summary_lines(result)]
    for note in configuration.other_notes(result):
        lines.append(f"note: {_clean(note, 200)}")
    for reason in result.gate.reasons:
        lines.append(f"gate: {_clean(reason, 200)}")
    if left_out := left_out_line(result):
        lines.append(_clean(left_out, 400))
    if written:
        lines.append("Reports: " + ", ".join(str(p) for p in written))
    lines.append(verdict_line(result))
    return "\n".join(lines) + "\n"
