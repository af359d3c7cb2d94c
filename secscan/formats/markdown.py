"""Markdown report (`secscan.md`): a CI job summary or pull-request comment.

Order: the verdict (and why), top actions, counts, scanner health, the new findings (critical and high in
full, the rest folded), then pre-existing ones (folded), suppressed findings and stale suppressions.
Every piece of text that comes from scanned code
is escaped (`md`), so a path or message cannot open HTML, a link, a code span or a new table cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from secscan.core.model import Finding, Result, ScannerResult, Severity, Status
from secscan.formats import configuration
from secscan.formats.context_view import context_note, group_by_rule, left_out_line, split_for_reading
from secscan.formats.flow import flow_text, superseded_text
from secscan.formats.interface import (
    SEVERITY_ORDER,
    TOP_ACTIONS,
    Format,
    fix_cell,
    is_incomplete,
    location_text,
    ordered,
    package_text,
    suppression_text,
    verdict,
)
from secscan.formats.places import places_text
from secscan.formats.summary import canary_label

MAX_TOP_ROWS = 100  # critical and high findings shown in full
MAX_REST_ROWS = 200  # other findings inside <details>
MAX_SUPPRESSED_ROWS = 100
MAX_CELL = 300  # characters of one cell; GitHub caps a comment at 65,536 and a job summary at 1 MiB

_MD_PUNCT = re.compile(r"([\\*_\[\]|~#!{}])")
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # terminal escapes from file names
ICONS = {"passed": "\u2705", "failed": "\u274c", "incomplete": "\u26a0\ufe0f"}
WARN = "\u26a0\ufe0f"


def md(text: object, limit: int = MAX_CELL) -> str:
    """Escape untrusted text for a Markdown table cell or list item (no HTML, links, code spans, cells)."""
    s = "" if text is None else str(text)
    if len(s) > limit:
        s = s[: limit - 1] + "\u2026"
    s = _MD_PUNCT.sub(r"\\\1", s)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "&#96;")
    return _NEWLINES.sub("<br>", _CONTROL.sub("\ufffd", s))


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _verdict(result: Result) -> list[str]:
    v = verdict(result)
    out = [f"## {ICONS[v.word]} {md(v.headline)}", ""]
    if left_out := left_out_line(result):
        out += [md(left_out, 1000), ""]
    out += [f"- {md(r)}" for r in v.reasons]
    if v.incomplete:
        out += [
            "",
            f"> {WARN} **Scan incomplete.** Checks that did not run are listed under *Scanner health*; "
            "their silence is not a clean result.",
        ]
    return [*out, ""]


def _header(result: Result) -> list[str]:
    bits = [
        f"secscan {md(result.secscan_version or '?')}",
        f"started {md(result.started_at)}",
        f"{result.duration_s:.1f} s",
    ]
    if result.run_id:
        bits.append(f"run {md(result.run_id)}")
    return [f"# secscan report: {md(result.target)}", "", " \u00b7 ".join(bits), ""]


def _actions(result: Result) -> list[str]:
    if not result.actions:
        return []
    out = ["### Top actions", ""]
    for i, a in enumerate(result.actions[:TOP_ACTIONS], 1):
        n = len(a.clears)
        out.append(f"{i}. **{a.severity.label}** {md(a.action)} (clears {n} finding{'s' if n != 1 else ''})")
    rest = len(result.actions) - TOP_ACTIONS
    if rest > 0:
        out += ["", f"{rest} more action{'s' if rest != 1 else ''} (all in secscan.json, summary.actions)"]
    return [*out, ""]


def _counts(result: Result) -> list[str]:
    c = result.counts
    suppressed = sum(1 for f in result.findings if f.suppressed)
    pre = sum(1 for f in result.findings if f.pre_existing and not f.suppressed)
    by_context = sum(1 for f in result.findings if f.out_of_gate and f.counts_for_gate)
    header = [s.label for s in SEVERITY_ORDER] + ["suppressed", "pre-existing", "test/example code"]
    row = [str(c[s.label]) for s in SEVERITY_ORDER] + [str(suppressed), str(pre), str(by_context)]
    return [
        "### Findings by severity",
        "",
        *_table(header, [row]),
        "",
        "Counts are of new, unsuppressed findings (the ones the gate counts).",
        "",
        *_by_category(result),
    ]


def _by_category(result: Result) -> list[str]:
    """One line: how many counted findings each category has (sast, dependency, iac, ...)."""
    counts: dict[str, int] = {}
    for f in result.findings:
        if f.counts_for_gate:
            counts[f.category.value] = counts.get(f.category.value, 0) + 1
    if not counts:
        return []
    return ["By category: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])),
            ""]


def _status_cell(s: ScannerResult) -> str:
    if s.incomplete:
        return f"**{WARN} {s.status.value.upper()}**"
    if s.status is Status.SKIPPED:
        return "skipped"
    return "ok" if s.status is Status.OK else f"{WARN} {s.status.value}"


def _scanners(result: Result) -> list[str]:
    rows = []
    for s in sorted(result.scanners, key=lambda s: (not s.incomplete, s.status is Status.SKIPPED, s.name)):
        cov = ", ".join(f"{k}={v}" for k, v in sorted(s.coverage.items()))
        reason = md(s.reason or "")
        if s.incomplete:
            reason = f"**{reason or 'no reason given'}**"
        rows.append(
            [
                md(s.name),
                _status_cell(s),
                md(s.version or "-"),
                f"{s.duration_s:.1f} s",
                str(s.findings),
                md(canary_label(s)),
                md(cov or "-"),
                reason,
                md(s.executable or "-"),
            ]
        )
    head = ["scanner", "status", "version", "time", "findings", "canary", "coverage", "reason", "executable"]
    return ["### Scanner health", "", *_table(head, rows), ""]


def _finding_row(f: Finding) -> list[str]:
    sev = f"**{f.severity.label}**" if f.severity >= Severity.HIGH else f.severity.label
    title = md(f.title)
    if f.message and f.message != f.title:
        title += "<br>" + md(f.message, 200)
    if flow := flow_text(f):
        title += f"<br>**{md(flow)}**"
    if places := places_text(f):
        title += "<br>" + md(places, 300)
    if note := context_note(f):
        title += "<br>*" + md(note, 300) + "*"
    ids = ", ".join(md(i, 60) for i in [i for i in f.identifiers if i != f.rule_id][:4])
    state = "pre-existing" if f.pre_existing else "new"
    if f.suppression is not None and f.suppression.expired:
        state += f" ({WARN} suppression expired {md(f.suppression.expires or '')})"
    if sup := superseded_text(f):
        state += f", {md(sup)}"
    return [
        sev,
        md(location_text(f)) or "-",
        title,
        md(f.rule_id, 80) + (f"<br>{ids}" if ids else ""),
        md(package_text(f)) or "-",
        md(fix_cell(f), 200) or "-",
        ", ".join(md(s) for s in f.sources),
        state,
    ]


_FINDING_HEAD = ["severity", "location", "finding", "rule", "package", "fix", "found by", "state"]


def _capped(rows: Sequence[Finding], limit: int) -> tuple[list[str], list[str]]:
    table = _table(_FINDING_HEAD, (_finding_row(f) for f in rows[:limit]))
    more = (
        [f"*\u2026 and {len(rows) - limit} more: see secscan.html or secscan.json.*", ""]
        if len(rows) > limit
        else []
    )
    return table, more


def _folded(summary: str, rows: Sequence[Finding], limit: int) -> list[str]:
    if not rows:
        return []
    table, more = _capped(rows, limit)
    return [f"<details><summary>{summary}</summary>", "", *table, "", *more, "</details>", ""]


def _by_rule(summary: str, rows: Sequence[Finding]) -> list[str]:
    """Findings collapsed by rule: count, contexts and the first places (every finding is in the JSON)."""
    if not rows:
        return []
    head = ["severity", "rule", "finding", "count", "context", "first places", "found by"]
    table = _table(head, ([g.severity.label, md(g.rule_id, 80),
                           md(g.title, 120) + "".join("<br>" + md(n, 300) for n in g.notes), str(g.count),
                           md(", ".join(g.contexts)),
                           md(", ".join(g.places), 300) + (" \u2026" if g.count > len(g.places) else ""),
                           md(", ".join(g.sources))] for g in group_by_rule(rows)[:MAX_REST_ROWS]))
    return [f"<details><summary>{summary}</summary>", "", *table, "", "</details>", ""]


def _findings(result: Result) -> list[str]:
    """New findings first (critical and high in full, the rest folded), then pre-existing ones, folded."""
    active = [f for f in ordered(result.findings) if not f.suppressed]
    new = [f for f in active if not f.pre_existing]
    old = [f for f in active if f.pre_existing]
    new_top, new_medium, new_low, new_context = split_for_reading(new)
    old_top = [f for f in old if f.severity >= Severity.HIGH]
    old_rest = [f for f in old if f.severity < Severity.HIGH]
    out: list[str] = ["### Critical and high findings" + (" (new)" if old else ""), ""]
    if old:
        out += [f"**{len(new)} new finding(s)** in the changes under review; {len(old)} pre-existing "
                "finding(s) outside them are listed after these and do not count for the gate.", ""]
    if new_top:
        table, more = _capped(new_top, MAX_TOP_ROWS)
        out += [*table, "", *more]
    else:
        out += ["None" + (" (but the scan was incomplete)." if is_incomplete(result) else "."), ""]
    out += _folded(f"Medium findings ({len(new_medium)}{' new' if old else ''})", new_medium, MAX_REST_ROWS)
    out += _by_rule(f"Low and info findings ({len(new_low)}{' new' if old else ''}), by rule", new_low)
    out += _by_rule(f"Findings in test and example code ({len(new_context)}{' new' if old else ''}, not "
                    "counted for the gate: --gate-tests counts them), by rule", new_context)
    out += _folded(f"Pre-existing critical and high findings ({len(old_top)}, outside the changes, "
                   "not counted)", old_top, MAX_TOP_ROWS)
    out += _folded(f"Pre-existing medium, low and info findings ({len(old_rest)}, outside the changes, "
                   "not counted)", old_rest, MAX_REST_ROWS)
    return out


def _suppressed(result: Result) -> list[str]:
    sup = [f for f in ordered(result.findings) if f.suppressed]
    out: list[str] = []
    if sup:
        rows = [
            [
                f.severity.label,
                md(location_text(f)) or "-",
                md(f.title),
                md(f.rule_id, 80),
                md(suppression_text(f)),
            ]
            for f in sup[:MAX_SUPPRESSED_ROWS]
        ]
        out += [
            f"<details><summary>Suppressed findings ({len(sup)}, not counted by the gate)</summary>",
            "",
            *_table(["severity", "location", "finding", "rule", "suppression"], rows),
            "",
        ]
        if len(sup) > MAX_SUPPRESSED_ROWS:
            out += [f"*\u2026 and {len(sup) - MAX_SUPPRESSED_ROWS} more.*", ""]
        out += ["</details>", ""]
    expired = [f for f in result.findings if f.suppression is not None and f.suppression.expired]
    if expired:
        out += [f"{WARN} {len(expired)} suppression(s) have expired; those findings count again.", ""]
    if result.stale_suppressions:
        out += ["### Stale suppressions", "", "These suppressions match no finding; remove them:", ""]
        for s in result.stale_suppressions:
            out.append("- " + ", ".join(f"{md(k)}: {md(v)}" for k, v in s.items() if v is not None))
        out.append("")
    return out


def _configuration(result: Result) -> list[str]:
    """Settings that weaken the gate or act outside the tree, where each came from, what was refused."""
    out = [f"### {configuration.TITLE}", "", md(configuration.headline(result), 2000), ""]
    rows = [[md(r.name), md(r.value, 200) or "-", md(r.source),
             f"**{WARN} {r.status}**" if r.status != "applied" else r.status,
             (f"{WARN} " if r.warn and r.why else "") + md(r.why, 400)]
            for r in configuration.rows(result)]
    if rows:
        out += [*_table(["setting", "value", "from", "status", "why"], rows), ""]
    return out


def render_markdown(result: Result) -> str:
    """The whole Markdown report."""
    parts = [
        _header(result),
        _verdict(result),
        _actions(result),
        _counts(result),
        _scanners(result),
        _configuration(result),
        _findings(result),
        _suppressed(result),
    ]
    notes = configuration.other_notes(result)  # the configuration's own notes are in its section
    if notes:
        parts.append(["### Notes", "", *[f"- {md(n)}" for n in notes], ""])
    return "\n".join(line for part in parts for line in part).rstrip("\n") + "\n"


class MarkdownFormat(Format):
    """`--format md`."""

    name = "md"
    files = ("secscan.md",)

    def render(self, result: Result) -> dict[str, str | bytes]:
        """{"secscan.md": text}."""
        return {"secscan.md": render_markdown(result)}
