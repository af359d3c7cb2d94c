"""The last redaction pass: every secret value this run found is masked wherever it appears.

Secret detectors report a hash of the value (detect-secrets' ``hashed_secret``, the own engine's sha1), never
the value. The value is recovered here, in memory only, from the reported line of the scanned file (the
candidate whose hash matches), and every text field of the result is then cleaned of it: messages,
snippets, remediation and fix texts, properties, scanner reasons and evidence, run notes. So a token on a
line that also triggers a SAST rule cannot leak through that rule's fix text or code snippet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from secscan.analyzers.secrets.redact import mask, redact_text, secret_hash, spans
from secscan.core.model import Category, Finding, ScannerResult
from secscan.results.enrich import read_lines, secret_text

MIN_VALUE = 8  # shorter "values" (secret, admin, changeme) are words: masking them everywhere would
# mangle paths, titles and code; they stay masked in their own finding and by the credential patterns
_SPLIT = re.compile(r"""[\s'"`=,;(){}\[\]<>]+""")
_SUBSPLIT = re.compile(r"[:@/?#&|\\]+")


def _candidates(text: str) -> set[str]:
    """Substrings that may be the reported value: quoted bodies, tokens, and the parts of URL-like tokens."""
    out = {m.group(2) for m in re.finditer(r"""(['"`])((?:(?!\1).){4,4096}?)\1""", text)}
    out.update(text[s:e] for s, e in spans(text))  # the own engine's patterns: exact value spans
    for token in _SPLIT.split(text):
        if len(token) >= MIN_VALUE:
            out.add(token)
            out.update(part for part in _SUBSPLIT.split(token) if len(part) >= MIN_VALUE)
            if ":" in token and "@" in token:  # user:password@host
                out.add(token.rsplit("@", 1)[0].rsplit(":", 1)[-1])
    return out


def secret_values(findings: Sequence[Finding], root: Path) -> frozenset[str]:
    """The raw values of the run's secret findings that can be recovered from the scanned files."""
    cache: dict[str, list[str] | None] = {}
    values: set[str] = set()
    for f in findings:
        loc = f.location
        if f.category is not Category.SECRET or not f.secret_hash or loc is None or not loc.start_line \
                or loc.image:
            continue
        lines = read_lines(cache, root, loc.path)
        text = secret_text(lines, loc.start_line) if lines is not None else None
        if text is None:
            continue
        raw = "\n".join(lines[loc.start_line - 1:loc.start_line + text.count("\n")]) if lines else text
        for cand in _candidates(raw):
            if len(cand) >= MIN_VALUE and secret_hash(cand) == f.secret_hash:
                values.add(cand)
    return frozenset(values)


def provenance_texts(f: Finding, fn: Callable[[str], str]) -> dict[str, Any]:
    """The texts of a finding's provenance (core/provenance.py) passed through fn, as field changes."""
    out: dict[str, Any] = {}
    if f.native_marker is not None:
        out["native_marker"] = f.native_marker.map_texts(fn)
    if f.merged_from:
        out["merged_from"] = tuple(m.map_texts(fn) for m in f.merged_from)
    if f.taint is not None:
        out["taint"] = f.taint.map_texts(fn)
    if f.places:
        out["places"] = tuple(replace(p, path=fn(p.path)) for p in f.places)
    if f.history is not None:
        out["history"] = replace(f.history, paths=tuple(fn(p) for p in f.history.paths))
    return out


class Redactor:
    """Masks the given secret values (longest first) and the own engine's patterns in any text."""

    def __init__(self, values: Iterable[str]) -> None:
        ordered = sorted({v for v in values if len(v) >= MIN_VALUE}, key=len, reverse=True)
        self._rx = re.compile("|".join(re.escape(v) for v in ordered)) if ordered else None
        self._done: dict[str, str] = {}  # text -> cleaned: reports repeat titles, messages and fix texts

    def text(self, value: str) -> str:
        """One text, cleaned (each distinct text once)."""
        if not value:
            return value
        done = self._done.get(value)
        if done is None:
            done = self._rx.sub(lambda m: mask(m.group(0)), value) if self._rx is not None else value
            done = self._done[value] = redact_text(done)
        return done

    def deep(self, value: Any) -> Any:
        """Strings inside mappings, lists and tuples, cleaned (keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.deep(k): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.deep(v) for v in value)
        return value

    def finding(self, f: Finding) -> Finding:
        """Every text field of a finding (the secret's own mask and hash are kept)."""
        loc = f.location  # a path is never value-masked (suppressions, baselines and fingerprints use it);
        if loc is not None and (path := redact_text(loc.path)) != loc.path:  # a token in a file name is
            loc = replace(loc, path=path)  # masked by the patterns, as before
        changes = {"title": self.text(f.title), "message": self.text(f.message),
                   "snippet": self.text(f.snippet) if f.snippet else f.snippet,
                   "remediation": self.text(f.remediation) if f.remediation else f.remediation,
                   "properties": self.deep(dict(f.properties)), "location": loc,
                   **provenance_texts(f, self.text)}
        if all(v == getattr(f, k) for k, v in changes.items()):  # the usual case: no copy at all
            return f
        return f.with_(**changes)

    def scanner(self, s: ScannerResult) -> ScannerResult:
        """A scanner's reason and evidence."""
        return s.with_(reason=self.text(s.reason) if s.reason else s.reason,
                       evidence=self.deep(dict(s.evidence)) if s.evidence else s.evidence)


def final_pass(findings: Sequence[Finding], scanners: Sequence[ScannerResult], notes: Sequence[str],
               values: Iterable[str]) -> tuple[list[Finding], list[ScannerResult], list[str]]:
    """Clean every text field of a result of the run's secret values and the own engine's patterns."""
    r = Redactor(values)
    return [r.finding(f) for f in findings], [r.scanner(s) for s in scanners], [r.text(n) for n in notes]
