"""One finding per leaked secret: the same value (by its hash) at several places, in files or in git history,
whichever tool found it, is one finding with every place listed (``Finding.places``). The gate counts it
once. Its fingerprint is its first place's (working tree before history, then path and line): the
tool-independent id of a secret's place (results/fingerprint.py), so a baseline made with other tools still
matches; every place keeps its own fingerprint, and a suppression or baseline entry that names any of them
covers the finding (results/triage.py), so adding or removing places never makes an accepted secret new.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from secscan.core.model import Category, Finding
from secscan.core.provenance import Place

MAX_PLACES = 100  # places listed per finding; ``place_count`` says how many there are


def place_fingerprints(f: Finding) -> list[str]:
    """The fingerprints of a finding's places (empty: it lists none)."""
    return [p.fingerprint for p in f.places if p.fingerprint]


def _place(f: Finding) -> Place:
    """A finding's own place (its file and lines, the tools that found it there)."""
    loc = f.location
    return Place(loc.path if loc else "", loc.start_line if loc else None, loc.end_line if loc else None,
                 f.sources, f.fingerprint or None)


def _places(f: Finding) -> list[Place]:
    """Every place a finding stands for: its own, or the places a history finding already lists."""
    if f.places:
        out = [replace(p, sources=f.sources) for p in f.places]
        if f.fingerprint and not out[0].fingerprint:
            out[0] = replace(out[0], fingerprint=f.fingerprint)  # a history finding's id (rule and value)
        return out
    return [_place(f)]


def _order(f: Finding) -> tuple[int, str, int]:
    """Working-tree places first (history-only ones after), then by path and line."""
    in_history_only = f.history is not None and not f.history.present_at_head
    loc = f.location
    return (1 if in_history_only else 0, loc.path if loc else "", (loc.start_line or 0) if loc else 0)


def _merge(members: list[Finding]) -> Finding:
    members.sort(key=_order)
    first = members[0]
    seen: dict[tuple[str, int | None], Place] = {}
    for f in members:
        for p in _places(f):
            key = (p.path, p.start_line)
            known = seen.get(key)
            if known is None:
                seen[key] = p
            else:  # one place seen in the files and in history: one entry, with its commit and both sources
                both = tuple(dict.fromkeys((*known.sources, *p.sources)))
                seen[key] = replace(known, commit=known.commit or p.commit, sources=both)
    places = list(seen.values())
    counted = sum((f.place_count or 1) - len(_places(f)) for f in members)
    sources = tuple(dict.fromkeys(s for f in members for s in f.sources))
    hist = next((f.history for f in members if f.history is not None), None)
    worst = max(members, key=lambda f: f.severity)
    return first.with_(severity=worst.severity, raw_severity=worst.raw_severity, sources=sources,
                       identifiers=tuple(dict.fromkeys(i for f in members for i in f.identifiers)),
                       places=tuple(places[:MAX_PLACES]), place_count=len(places) + max(counted, 0),
                       history=hist or first.history)


# Rules whose reported "secret" is not the value: detect-secrets hashes a private key's BEGIN line, the same
# for every key of a kind, so two different keys would read as one secret. Their places are never grouped.
HEADER_HASHED = frozenset({"detect-secrets.PrivateKeyDetector", "secscan.private-key",
                           "secscan.openssh-private-key", "private-key"})


def _value_key(f: Finding) -> tuple[str, ...]:
    """What makes two secret findings one secret: the value's hash, and for rules that hash a header rather
    than the value, also the place."""
    rules = {f.rule_id, *(m.rule_id for m in f.merged_from)}
    if rules & HEADER_HASHED and f.location is not None:
        return (f.secret_hash or "", f.location.path, str(f.location.start_line))
    return (f.secret_hash or "",)


def group(findings: Sequence[Finding]) -> list[Finding]:
    """Findings with the secrets of one value merged into one (the first place's position in the list);
    other findings unchanged. A lone secret keeps its fingerprint and gets its one place listed too."""
    by_value: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        if f.category is Category.SECRET and f.secret_hash:
            by_value[_value_key(f)].append(i)
    merged: dict[int, Finding] = {}
    for idxs in by_value.values():
        merged[min(idxs)] = _merge([findings[i] for i in idxs])
    dropped = {i for idxs in by_value.values() for i in idxs} - set(merged)
    return [merged.get(i, f) for i, f in enumerate(findings) if i not in dropped]


def aside(findings: Sequence[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(the other findings, the history findings): history findings skip the merge by place (it would keep
    one finding's properties and lose their commits and places) and join in :func:`group`."""
    hist = [f for f in findings if f.history is not None]
    return [f for f in findings if f.history is None], hist
