"""Accountable suppressions: configuration entries, inline comments and baseline entries.

A suppressed finding stays in every report, marked with its reason and owner, and does not count for the gate.
From its expiry day it counts again and says the suppression expired. Entries that matched nothing are stale.
A tool's own inline marker (``# nosec``, ``# nosemgrep``: bandit and semgrep report such findings anyway,
``scanners/native_markers.py``) suppresses the finding its tool's hit is merged into, as "inline marker
without reason (# nosec)" with the marker's place and text as its source, counted in a note; secscan's own
entries (with a reason) win over it.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from secscan.core.errors import UsageError
from secscan.core.model import Category, Finding, ScannerResult, Suppression
from secscan.core.provenance import NativeMarker
from secscan.results.secret_groups import place_fingerprints

INLINE = re.compile(r"secscan:\s*ignore\[(?P<rules>[^\]]+)\]\s*(?P<reason>.*)$")
# The secret allow-list comments (the own engine drops such lines itself; for detect-secrets, Trivy and
# imported findings they suppress here, so one comment silences a secret whichever tool reported it).
ALLOW_SAME_LINE = re.compile(r"pragma: allowlist secret|secscan:\s?ignore(?![\[-])")
ALLOW_NEXT_LINE = re.compile(r"pragma: allowlist nextline secret|secscan:\s?ignore-next-line")
ALLOW_REASON = "allow-list comment on the line"
NATIVE_REASON = "inline marker without reason"
NOT_JUDGED = "not judged stale"  # in the notes of a run that could not tell (secscan merge drops them)
BASELINE_NAME = ".secscan-baseline.json"
SUPPRESSION_KEYS = frozenset({"rule", "fingerprint", "path", "reason", "owner", "expires"})


def rule_names(f: Finding) -> set[str]:
    """The rule id, identifiers, and the rule ids of every tool hit merged into this finding."""
    return {f.rule_id, *f.identifiers, *(m.rule_id for m in f.merged_from if m.rule_id)}


@dataclass(frozen=True)
class Rule:
    """One suppression entry (config or baseline)."""

    kind: str
    reason: str
    rule: str | None = None
    fingerprint: str | None = None
    path: str | None = None
    owner: str | None = None
    expires: date | None = None
    hint: str | None = None  # the rule id a baseline entry was made for (which scanners can report it)
    source: str | None = None  # a tool's own inline marker: where it is and what it says

    def matches(self, f: Finding) -> bool:
        """Whether this entry covers the finding."""
        if self.fingerprint and self.fingerprint not in (f.fingerprint, f.legacy_fingerprint,  # secscan 0.1.0
                                                         *place_fingerprints(f)):
            return False
        if self.rule and self.rule not in rule_names(f):
            return False
        if self.path:
            path = f.location.path if f.location else (f.package.manifest or "" if f.package else "")
            if not fnmatch.fnmatch(path, self.path):
                return False
        return bool(self.rule or self.fingerprint)

    def describe(self) -> dict[str, Any]:
        """For the stale list in the report."""
        return {"kind": self.kind, "rule": self.rule, "fingerprint": self.fingerprint, "path": self.path,
                "reason": self.reason, "owner": self.owner,
                "expires": self.expires.isoformat() if self.expires else None}


def _date(value: Any, where: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"{where}: expires must be a date like 2027-03-01, not {value!r}") from None


def rule_from(entry: Mapping[str, Any], kind: str, where: str) -> Rule:
    """Validate one suppression entry; a missing reason (or a wrong key or value) is a usage error."""
    unknown = set(entry) - SUPPRESSION_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(sorted(SUPPRESSION_KEYS))})")
    for key in ("rule", "fingerprint", "path", "reason", "owner"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise UsageError(f"{where}: {key} must be a string, not {entry[key]!r}")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError(f"{where}: a suppression needs a reason")
    if not entry.get("rule") and not entry.get("fingerprint"):
        raise UsageError(f"{where}: a suppression needs a rule or a fingerprint")
    return Rule(kind, " ".join(reason.split()), entry.get("rule") or None, entry.get("fingerprint") or None,
                entry.get("path") or None, entry.get("owner") or None, _date(entry.get("expires"), where))


def load_baseline(path: Path) -> list[Rule]:
    """Entries of a .secscan-baseline.json file."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read baseline: {exc}") from None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f"{path}: not a secscan baseline (no entries list)")
    rules = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("fingerprint"), str):
            raise UsageError(f"{path}: entry {i} has no fingerprint")
        hint = e.get("rule_id") if isinstance(e.get("rule_id"), str) else None
        rules.append(Rule("baseline", str(e.get("reason") or "accepted in baseline"), None, e["fingerprint"],
                          None, e.get("owner"), _date(e.get("expires"), f"{path} entry {i}"), hint))
    return rules


def _allow_listed(f: Finding, text: Sequence[str], idx: int) -> bool:
    if f.category is not Category.SECRET:
        return False
    return bool(ALLOW_SAME_LINE.search(text[idx]) or (idx > 0 and ALLOW_NEXT_LINE.search(text[idx - 1])))


def _inline(f: Finding, lines: Mapping[str, list[str]]) -> tuple[Rule | None, str | None]:
    if f.location is None or not f.location.start_line or f.location.path not in lines:
        return None, None
    text = lines[f.location.path]
    idx = f.location.start_line - 1
    if not 0 <= idx < len(text):
        return None, None
    if _allow_listed(f, text, idx):
        return Rule("inline", ALLOW_REASON, f.rule_id), None
    m = INLINE.search(text[idx])
    if not m:
        return None, None
    rules = {r.strip() for r in m.group("rules").split(",")}
    if not rules & rule_names(f) and "*" not in rules:
        return None, None
    reason = m.group("reason").strip().lstrip("#").strip().removesuffix("-->").removesuffix("*/").strip()
    if not reason:
        where = f"{f.location.path}:{f.location.start_line}"
        return None, f"{where}: inline ignore without a reason was not applied"
    return Rule("inline", reason, f.rule_id), None


def native_markers(f: Finding) -> list[NativeMarker] | None:
    """The tool markers (``# nosec``, ``# nosemgrep``) that apply to this finding (None: none). Like
    ``# secscan: ignore[B307]``, which covers a finding when it names any rule merged into it, a tool's
    marker covers the finding when that tool's hit is merged into it (semgrep's duplicate of a bandit
    finding on a ``# nosec`` line included)."""
    hits = [m.native_marker for m in f.merged_from] if f.merged_from else [f.native_marker]
    marks = [h for h in hits if h is not None]
    return marks or None


def _native(f: Finding) -> Rule | None:
    """A suppression from the tools' own markers, without a reason (it says so, and where they are)."""
    marks = native_markers(f)
    if marks is None:
        return None
    kinds = ", ".join(dict.fromkeys(m.marker for m in marks))
    path = f.location.path if f.location else "?"
    source = "; ".join(dict.fromkeys(f"{path}:{m.line} {m.comment or m.marker}" for m in marks))
    return Rule("inline", f"{NATIVE_REASON} ({kinds})", f.rule_id, source=source)


def marker_note(findings: Sequence[Finding]) -> list[str]:
    """One note counting the findings suppressed by a tool's marker without a reason (by marker)."""
    by: dict[str, int] = {}
    for f in findings:
        if f.suppressed and f.suppression is not None and f.suppression.reason.startswith(NATIVE_REASON):
            for m in dict.fromkeys(mark.marker for mark in native_markers(f) or ()):
                by[m] = by.get(m, 0) + 1
    total = sum(1 for f in findings if f.suppressed and f.suppression is not None
                and f.suppression.reason.startswith(NATIVE_REASON))
    if not total:
        return []
    what = ", ".join(f"{m}: {n}" for m, n in sorted(by.items()))
    return [f"{total} finding(s) suppressed by a tool's inline marker without a reason ({what}); they do not "
            "count. Give each a reason with `# secscan: ignore[RULE] reason` on its line"]


def _read_lines(target: Path, findings: Sequence[Finding]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in findings:
        p = f.location.path if f.location else None
        if p and p not in out and target.is_dir():
            full = target / p
            try:
                if full.is_file() and full.stat().st_size < 5_000_000 and full.resolve().is_relative_to(
                        target.resolve()):
                    out[p] = full.read_text("utf-8", "replace").splitlines()
            except OSError:
                continue
    return out


def _pick(f: Finding, rules: Sequence[Rule], used: set[int], today: date) -> Rule | None:
    """The entry that suppresses f: the first one still in force, else the first (expired) match."""
    first: Rule | None = None
    live: Rule | None = None
    for i, r in enumerate(rules):
        if r.matches(f):
            used.add(i)
            first = first or r
            if live is None and (r.expires is None or today < r.expires):
                live = r
    return live or first


def _where(f: Finding) -> str:
    if f.location is not None and f.location.path:
        return f"{f.location.path}:{f.location.start_line}" if f.location.start_line else f.location.path
    return f"{f.package.name} {f.package.version or ''}".strip() if f.package else f.rule_id


def apply(findings: Sequence[Finding], rules: Sequence[Rule], target: Path, today: date | None = None,
          partial_run: str | None = None, health: Mapping[str, ScannerResult] | None = None,
          keep_candidates: bool = False) -> tuple[list[Finding], list[dict[str, Any]], list[str]]:
    """Mark suppressed findings; return them, the stale entries, and notes (expired, stale, bad inline).

    ``partial_run`` says why this run cannot judge staleness at all (files left out); with ``health``
    (scanner name -> outcome) an entry is judged only when the scanners that report its rule ran in full;
    ``keep_candidates`` (a shard) lists the unmatched entries anyway, for ``secscan merge`` to intersect.
    """
    today = today or date.today()
    used: set[int] = set()
    notes: list[str] = []
    lines = _read_lines(target, findings)
    out: list[Finding] = []
    for f in findings:
        match = _pick(f, rules, used, today)
        inline, note = _inline(f, lines)
        if note:
            notes.append(note)
        lapsed = match is None or (match.expires is not None and today >= match.expires)
        if inline is not None and lapsed:
            match = inline
        elif lapsed and (native := _native(f)) is not None:
            match = native
        if match is None:
            out.append(f)
            continue
        expired = match.expires is not None and today >= match.expires
        sup = Suppression(match.kind, match.reason, match.owner,
                          match.expires.isoformat() if match.expires else None, expired, match.source)
        if expired:
            notes.append(f"{match.kind} suppression of {f.rule_id} at {_where(f)} expired on "
                         f"{match.expires}: the finding counts again")
        out.append(f.with_(suppressed=not expired, suppression=sup))
    unused = [r for i, r in enumerate(rules) if i not in used]
    stale, more = _judge(unused, partial_run, health, keep_candidates)
    notes += more
    return out, stale, notes


def _judge(unused: Sequence[Rule], partial_run: str | None, health: Mapping[str, ScannerResult] | None,
           keep_candidates: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """(the stale entries, notes): unused entries this run can judge; the others only counted."""
    from secscan.results.staleness import why_not

    if partial_run is not None:
        notes = [f"{len(unused)} suppression(s) matched nothing in this run, which {partial_run}: "
                 f"{NOT_JUDGED} (a full `secscan all` does)"] if unused else []
        return ([r.describe() for r in unused] if keep_candidates else []), notes
    verdicts = [(r, why_not(r.rule or r.hint, health) if health is not None else None) for r in unused]
    stale = [r.describe() for r, why in verdicts if why is None]
    held = [why for _r, why in verdicts if why is not None]
    notes = stale_notes(stale)
    if held:
        why = ", ".join(sorted(set(held))[:3])
        notes.append(f"{len(held)} suppression(s) matched nothing but were {NOT_JUDGED}: the scanners "
                     f"that report them did not all run in full ({why})")
    return stale, notes


def stale_notes(stale: Sequence[Mapping[str, Any]], limit: int = 20) -> list[str]:
    """One note per stale configuration entry (capped), one summary note for stale baseline entries."""
    notes = []
    own = [r for r in stale if r["kind"] != "baseline"]
    for r in own[:limit]:
        what = r["rule"] or r["fingerprint"]
        notes.append(f"stale suppression {what}" + (f" (path {r['path']})" if r["path"] else "")
                     + ": it matches no finding; remove it")
    if len(own) > limit:
        notes.append(f"... and {len(own) - limit} more stale suppressions")
    base = len(stale) - len(own)
    if base:
        notes.append(f"{base} baseline entr{'y' if base == 1 else 'ies'} match no finding any more "
                     "(fixed?): run `secscan baseline update` to drop them")
    return notes
