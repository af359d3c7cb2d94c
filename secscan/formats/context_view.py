"""What the reports a person reads say about code context (data only; every format renders it its own way):
the one line under the verdict on what the gate left out and why, low findings and findings in test and
example code collapsed by rule (count and first places; the JSON keeps every finding), and a finding's own
context note (its context, test material, a protocol's reason for a lower severity)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from secscan.core.model import Finding, Result, Severity
from secscan.formats.flow import superseded_text

FIRST_PLACES = 3


@dataclass(frozen=True)
class RuleGroup:
    """The findings of one rule, collapsed: how many, the highest severity, where the first ones are."""

    rule_id: str
    title: str
    severity: Severity
    count: int
    contexts: tuple[str, ...]
    places: tuple[str, ...]  # the first FIRST_PLACES as path:line
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what its findings say beyond the rule (superseded, a context's reason)


def place(f: Finding) -> str:
    """path:line (or the manifest, or the image) of a finding."""
    loc = f.location
    if loc is not None and loc.path:
        return f"{loc.path}:{loc.start_line}" if loc.start_line else loc.path
    if f.package is not None and f.package.manifest:
        return f.package.manifest
    return loc.image or "" if loc is not None else ""


def group_by_rule(findings: Iterable[Finding]) -> list[RuleGroup]:
    """Findings collapsed by rule: highest severity first, then the most frequent."""
    by: dict[str, list[Finding]] = {}
    for f in findings:
        by.setdefault(f.rule_id, []).append(f)
    groups = []
    for rule, items in by.items():
        items.sort(key=lambda f: (f.location.path if f.location else "", (f.location.start_line or 0)
                                  if f.location else 0))
        groups.append(RuleGroup(rule, items[0].title, max(f.severity for f in items), len(items),
                                tuple(sorted({f.context for f in items})),
                                tuple(place(f) for f in items[:FIRST_PLACES]),
                                tuple(sorted({s for f in items for s in f.sources})), _notes(items)))
    return sorted(groups, key=lambda g: (-g.severity, -g.count, g.rule_id))


def _notes(items: Sequence[Finding]) -> tuple[str, ...]:
    """The distinct notes of a rule's findings, each with how many say it (at most three)."""
    counted: dict[str, int] = {}
    for f in items:
        props = f.properties
        for note in (superseded_text(f), props.get("context_reason"), props.get("test_material")):
            if note:
                counted[str(note)] = counted.get(str(note), 0) + 1
    return tuple(f"{note} ({n} of {len(items)})" if n != len(items) else note
                 for note, n in list(counted.items())[:3])


def out_of_gate(findings: Iterable[Finding]) -> list[Finding]:
    """Reported findings the gate leaves out by their code context (new and unsuppressed)."""
    return [f for f in findings if f.out_of_gate and f.counts_for_gate]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def left_out_line(result: Result) -> str | None:
    """One line: what the gate left out and why (None when it left nothing out)."""
    parts = []
    oog = out_of_gate(result.findings)
    if oog:
        by: dict[str, int] = {}
        for f in oog:
            by[f.context] = by.get(f.context, 0) + 1
        where = " and ".join(f"{n} in {c} code" for c, n in sorted(by.items(), key=lambda kv: -kv[1]))
        parts.append(f"{_plural(len(oog), 'SAST finding')} by context ({where}; --gate-tests counts them)")
    counted = [f for f in result.findings if f.counts_for_gate and not f.out_of_gate]
    material = [f for f in counted if f.properties.get("test_material")]
    if material:
        now = "/".join(sorted({f.severity.label for f in material}))
        parts.append(f"{_plural(len(material), 'private key')} shown to be test material (now {now})")
    lowered = sum(1 for f in counted if f.properties.get("context_reason"))
    if lowered:
        parts.append(f"{_plural(lowered, 'finding')} lowered by protocol or library context (reason on each)")
    superseded = sum(1 for f in counted if f.superseded_by)
    if superseded:
        parts.append(f"{superseded} superseded by a taint rule that found no flow (count at --fail-on low)")
    suppressed = sum(1 for f in result.findings if f.suppressed)
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    pre = sum(1 for f in result.findings if f.pre_existing and not f.suppressed)
    if pre:
        parts.append(f"{pre} pre-existing")
    return "Left out of the gate: " + "; ".join(parts) + "." if parts else None


def context_note(f: Finding) -> str | None:
    """A finding's context in words, for its row (None: product code and nothing to say)."""
    bits = []
    if f.context != "product":
        bits.append(f"{f.context} code" + (": not counted for the gate" if f.out_of_gate else ""))
    if material := f.properties.get("test_material"):
        bits.append(f"test material ({material})")
    if reason := f.properties.get("context_reason"):
        before = f.properties.get("severity_context_from")
        bits.append(f"{f.severity.label}{f' instead of {before}' if before else ''}: {reason}")
    return "; ".join(bits) or None


def split_for_reading(findings: Sequence[Finding]) -> tuple[list[Finding], list[Finding], list[Finding],
                                                             list[Finding]]:
    """(high and critical that count, medium that count, low and info that count, out of the gate by
    context) of the given findings, keeping their order."""
    counted = [f for f in findings if not f.out_of_gate]
    return ([f for f in counted if f.severity >= Severity.HIGH],
            [f for f in counted if f.severity == Severity.MEDIUM],
            [f for f in counted if f.severity <= Severity.LOW],
            [f for f in findings if f.out_of_gate])
