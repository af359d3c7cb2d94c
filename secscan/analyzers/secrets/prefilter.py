"""Multi-pattern pre-filters: which patterns may match a buffer, in one pass.

A pre-filter never decides a finding: it only names candidate patterns, which the engine then confirms
with Python ``re``. So every backend yields the same findings, provided each is a superset:

- ``hyperscan``: every pattern in one Hyperscan database (prefilter mode, single match);
- ``re2``: an ``re2.Set`` of every pattern (format-built ones by their keywords, as literals);
- ``keywords``: pure Python, a pattern is a candidate when one of its keywords is in the lower-cased data.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from secscan.analyzers.secrets.patterns import Pattern

log = logging.getLogger(__name__)
BACKENDS = ("hyperscan", "re2", "keywords")


class Prefilter(Protocol):
    """Names the patterns (by index) that may match data."""

    name: str

    def candidates(self, data: bytes) -> set[int]:
        """Indices into the pattern list."""
        ...


class KeywordPrefilter:
    """Pure-Python pre-filter: keyword substrings in the lower-cased data."""

    name = "keywords"

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self._always = {i for i, p in enumerate(patterns) if not p.keywords}
        kw: dict[bytes, set[int]] = {}
        for i, p in enumerate(patterns):
            for k in p.keywords:
                kw.setdefault(k.encode("utf-8"), set()).add(i)
        self._keywords = sorted(kw.items())

    def candidates(self, data: bytes) -> set[int]:
        """Patterns with a keyword present (and those without keywords)."""
        low = data.lower()
        out = set(self._always)
        for k, ids in self._keywords:
            if not ids <= out and k in low:
                out |= ids
        return out


class HyperscanPrefilter:
    """All patterns in one Hyperscan block-mode database."""

    name = "hyperscan"

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        import hyperscan

        self._hs = hyperscan
        base = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_MULTILINE
        exprs, ids, flags = [], [], []
        for i, p in enumerate(patterns):
            exprs.append(p.prefilter_regex.encode("ascii"))
            ids.append(i)
            flags.append(base | (hyperscan.HS_FLAG_CASELESS if p.prefilter_caseless else 0))
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(expressions=exprs, ids=ids, elements=len(exprs), flags=flags)
        self._hits: set[int] = set()

    def _on_match(self, pid: int, start: int, end: int, flags: int, ctx: Any) -> None:
        self._hits.add(pid)

    def candidates(self, data: bytes) -> set[int]:
        """Patterns whose (prefilter) regex matched."""
        self._hits = set()
        if data:
            self._db.scan(data, match_event_handler=self._on_match)
        return self._hits


class Re2Prefilter:
    """All patterns in one ``re2.Set``."""

    name = "re2"

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        import re2

        opts = re2.Options()
        opts.encoding = re2.Options.Encoding.LATIN1  # bytes in, never a UTF-8 decoding error
        opts.log_errors = False
        opts.max_mem = 64 << 20
        self._set = re2.Set.SearchSet(opts)
        for p in patterns:  # format-built patterns by their keywords: RE2 slows with many counted runs
            regex, caseless = p.literal_regex if p.format else (p.prefilter_regex, p.prefilter_caseless)
            idx = self._set.Add((("(?m)(?i)" if caseless else "(?m)") + regex).encode("ascii"))
            if idx < 0:  # pragma: no cover - Add raises on a bad pattern
                raise ValueError(f"re2 rejected pattern {p.id}")
        self._set.Compile()

    def candidates(self, data: bytes) -> set[int]:
        """Patterns whose regex matched."""
        found = self._set.Match(data) if data else None
        return set(found) if found else set()


def make_prefilter(patterns: Sequence[Pattern], backend: str = "auto") -> Prefilter:
    """The fastest available pre-filter (or the one named); falls back to keywords."""
    if backend not in ("auto", *BACKENDS):
        raise ValueError(f"unknown secret engine backend {backend!r} (choose {', '.join(BACKENDS)} or auto)")
    order = BACKENDS if backend == "auto" else (backend,)
    for name in order:
        try:
            if name == "hyperscan":
                return HyperscanPrefilter(patterns)
            if name == "re2":
                return Re2Prefilter(patterns)
            return KeywordPrefilter(patterns)
        except Exception as exc:  # an import or compile failure: try the next backend
            if backend != "auto":
                raise ValueError(f"secret engine backend {name} unavailable: {exc}") from exc
            log.debug("secret pre-filter %s unavailable: %s", name, exc)
    return KeywordPrefilter(patterns)
