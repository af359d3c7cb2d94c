"""Redaction: mask a secret, hash it, and mask every secret found in free text."""

from __future__ import annotations

import hashlib
import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from secscan.analyzers.secrets.patterns import Pattern

MASK_MIN_PARTIAL = 12  # shorter values are masked entirely
MASK_MIN_FULL_HINT = 20  # from this length, first 4 and last 2 characters are shown
_STARS = 8
MAX_REDACT_CHARS = 4 * 1024 * 1024
# Redaction only: any credential-named assignment, anywhere in a line (reports quote code mid-sentence).
_ASSIGNMENT = re.compile(
    r"""(?i)(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)"""
    r"""[\w.-]{0,40}['"]?[ \t]*(?::=|=>|=|:)[ \t]*"""
    r"""(?:"([^"\s]{6,512})"|'([^'\s]{6,512})'|(?=[^\s'",;)}\]]*\d)([^\s'",;)}\]]{6,512}))"""
)
_ASSIGNMENT_KEYWORDS = ("pass", "pwd", "secret", "token", "key", "credential")


def secret_hash(value: str) -> str:
    """SHA-1 hex of the raw value (the convention of detect-secrets' ``hashed_secret``)."""
    return hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()


def _visible(text: str) -> str:
    # never let a line break or control character into a mask
    return "".join(c if c.isprintable() else "?" for c in text)


def mask(value: str) -> str:
    """At most the first 4 and last 2 characters, the rest as ``*``, and a length hint.

    Values shorter than 12 characters are masked entirely; from 12 to 19 only the first 2 show.
    """
    n = len(value)
    if n < MASK_MIN_PARTIAL:
        return "*" * _STARS + f" ({n} chars)"
    if n < MASK_MIN_FULL_HINT:
        return _visible(value[:2]) + "*" * _STARS + f" ({n} chars)"
    return _visible(value[:4]) + "*" * _STARS + _visible(value[-2:]) + f" ({n} chars)"


class _Table:
    """The redaction patterns and their keywords, built once: a pattern is tried on a text only when one
    of its keywords is in the lower-cased text (a pattern without keywords always). Which keywords are
    present is found in one pass by an RE2 set of the keywords as literals; when RE2 cannot take a text
    (or is missing) every keyword is looked up with ``in``: the same answer, slower. Regexes compile on
    first use, so a run whose texts hold no keyword compiles none."""

    def __init__(self) -> None:
        from secscan.analyzers.secrets.patterns import load_patterns

        own = load_patterns()
        self.patterns: list[Pattern | None] = [*own, None]  # None: the credential-assignment regex
        keywords = [*(p.keywords for p in own), _ASSIGNMENT_KEYWORDS]
        self.always = frozenset(i for i, kws in enumerate(keywords) if not kws)
        owners: dict[str, set[int]] = {}
        for i, kws in enumerate(keywords):
            for k in kws:
                owners.setdefault(k, set()).add(i)
        self.words = sorted(owners)
        self.owners = [frozenset(owners[k]) for k in self.words]
        self.keyword_set = _keyword_set(self.words)

    def regex(self, i: int) -> re.Pattern[str]:
        p = self.patterns[i]
        return _ASSIGNMENT if p is None else p.compiled_str()

    def present(self, low: str) -> list[int]:
        """Indices into ``words`` of the keywords in low."""
        if self.keyword_set is not None:
            try:
                return list(self.keyword_set.Match(low) or ())
            except Exception:  # noqa: S110 - e.g. a lone surrogate RE2 cannot encode: the exact slow path
                pass
        return [i for i, k in enumerate(self.words) if k in low]

    def candidates(self, text: str) -> list[int]:
        """The patterns to try on text, in pattern order."""
        found = set(self.always)
        for w in self.present(text.lower()):
            found |= self.owners[w]
        return sorted(found)


def _keyword_set(words: list[str]) -> Any:
    """An RE2 set of the keywords as literals (every character not a letter or digit as ``\\x{..}``), or
    None when RE2 is unavailable."""
    try:
        import re2

        opts = re2.Options()
        opts.log_errors = False
        kset = re2.Set.SearchSet(opts)
        for w in words:
            kset.Add("".join(c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):x}}}" for c in w))
        kset.Compile()
        return kset
    except Exception:  # any RE2 problem: the exact pure-Python look-up
        return None


@cache
def _table() -> _Table:
    return _Table()


def spans(text: str) -> list[tuple[int, int]]:
    """Where secret patterns (and credential assignments) match in text: the value's span each."""
    table = _table()
    out: list[tuple[int, int]] = []
    for i in table.candidates(text):
        rx = table.regex(i)
        for m in rx.finditer(text):
            for g in range(1, (rx.groups or 0) + 1):
                if m.start(g) >= 0 and m.end(g) > m.start(g):
                    if "*" * _STARS not in m.group(g):  # already a mask
                        out.append((m.start(g), m.end(g)))
                    break
    return out


def redact_text(text: str) -> str:
    """Replace every secret-pattern hit in text by its mask (placeholders included: over-masking is safe).

    Fast on ordinary text (keyword pre-filter; a text seen before is answered from a small in-memory cache:
    reports repeat advisory descriptions and fix texts), safe on any input: text over 4 MiB is cut before
    scanning and the remainder replaced by a note.
    """
    if not text:
        return text
    if len(text) <= _CACHED_CHARS:
        return _redact_cached(text)
    return _redact(text)


_CACHED_CHARS = 8192  # texts up to this size are remembered (at most 4096 of them, in memory only)


@lru_cache(maxsize=4096)
def _redact_cached(text: str) -> str:
    return _redact(text)


def _redact(text: str) -> str:
    tail = ""
    if len(text) > MAX_REDACT_CHARS:
        text, tail = text[:MAX_REDACT_CHARS], f"[... {len(text) - MAX_REDACT_CHARS} characters cut]"
    found = spans(text)
    if not found:
        return text + tail
    found.sort()
    merged: list[list[int]] = []
    for s, e in found:
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out: list[str] = []
    pos = 0
    for s, e in merged:
        out.append(text[pos:s])
        out.append(mask(text[s:e]))
        pos = e
    out.append(text[pos:])
    return "".join(out) + tail
