"""Stable fingerprints: the same problem keeps its id across runs and line shifts."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from secscan.core.model import Category, Finding

_WS = re.compile(r"\s+")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_key(f: Finding, secret_lines: Mapping[tuple[str, int], str] | None = None) -> tuple[str, ...]:
    """What identifies a finding independently of its line number (and, for a secret in the target's files,
    of the tools that found it: the hash of its line's text)."""
    path = f.location.path if f.location else ""
    if f.category is Category.SECRET:
        place = (secret_lines or {}).get((path, _line(f)))
        if place:
            return ("secret-line", path, place)
        return ("secret", path, f.secret_hash or _WS.sub(" ", f.snippet or f.rule_id).strip())
    if f.package is not None:
        advisories = sorted(i for i in f.identifiers if not i.upper().startswith("CWE-"))
        primary = advisories[0] if advisories else f.rule_id
        image = f.location.image or "" if f.location else ""
        return ("pkg", f.category.value, image, f.package.name.lower(), f.package.version or "", primary)
    text = _WS.sub(" ", f.snippet).strip() if f.snippet else f.message
    return ("code", f.category.value, f.rule_id, path, text)


def _line(f: Finding) -> int:
    return (f.location.start_line or 0) if f.location is not None else 0


def assign(findings: Iterable[Finding],
           secret_lines: Mapping[tuple[str, int], str] | None = None) -> list[Finding]:
    """Give each finding without a fingerprint a stable one.

    Identical content keys (same rule on two identical lines of one file, two secrets on one line) get an
    occurrence index in line order (then value hash), so both stay distinct and inserting unrelated lines
    above does not change either id.
    """
    items = list(findings)
    todo = [i for i, f in enumerate(items) if not f.fingerprint]
    prints = _indexed(items, todo, lambda f: content_key(f, secret_lines))
    legacy = _indexed(items, [i for i in todo if items[i].category is Category.SECRET], content_key)
    for i, fp in prints.items():
        f = items[i].with_(fingerprint=fp)
        if i in legacy and legacy[i] != fp:  # secscan 0.1.0 before line keys: baselines still match it
            f = f.with_(legacy_fingerprint=legacy[i])
        items[i] = f
    return items


def _indexed(items: list[Finding], idxs: Iterable[int],
             key_of: Callable[[Finding], tuple[str, ...]]) -> dict[int, str]:
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in idxs:
        groups[key_of(items[i])].append(i)
    out: dict[int, str] = {}
    for key, members in groups.items():
        members.sort(key=lambda i: (_line(items[i]), items[i].secret_hash or ""))
        for n, i in enumerate(members):
            out[i] = _digest(*key, str(n))
    return out
