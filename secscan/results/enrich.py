"""Snippets from the scanned files, and redaction of anything secret-looking before it reaches a report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from secscan.core.model import Category, Finding, ScannerResult

MAX_SNIPPET = 300
MAX_FILE_BYTES = 5_000_000
_STRING_LITERAL = re.compile(r"""(?P<q>['"]{1,3})(?P<body>(?:(?!(?P=q)).){1,500}?)(?P=q)""")
# Rules whose finding is a hard-coded credential: their string literals are the secret (bandit's hard-coded
# password tests, the bundled semgrep credential rule). Other rules' code stays readable.
CREDENTIAL_RULES = frozenset({"B105", "B106", "B107", "secscan.python.hardcoded-credential"})


def read_lines(cache: dict[str, list[str] | None], root: Path, path: str) -> list[str] | None:
    if path not in cache:
        cache[path] = None
        full = root / path
        try:
            if full.is_file() and full.stat().st_size <= MAX_FILE_BYTES \
                    and full.resolve().is_relative_to(root.resolve()):
                cache[path] = full.read_text("utf-8", "replace").splitlines()
        except OSError:
            pass
    return cache[path]


def _line(cache: dict[str, list[str] | None], root: Path, path: str, line: int) -> str | None:
    lines = read_lines(cache, root, path)
    if lines is None or not 1 <= line <= len(lines):
        return None
    return lines[line - 1].strip()[:MAX_SNIPPET]


_BLOCK_END = "-----END"
MAX_BLOCK_LINES = 400


def secret_text(lines: Sequence[str], line: int) -> str | None:
    """The whole text that holds a secret reported at line (1-based): the full line, or for a PEM/PGP
    block starting there, every line to its END marker (a swapped key changes it; its first line does not)."""
    if not 1 <= line <= len(lines):
        return None
    text = [lines[line - 1]]
    if "-----BEGIN" in text[0]:
        for nxt in lines[line:line + MAX_BLOCK_LINES]:
            text.append(nxt)
            if _BLOCK_END in nxt:
                break
    return "\n".join(" ".join(t.split()) for t in text)


def secret_line_keys(findings: Sequence[Finding], root: Path) -> dict[tuple[str, int], str]:
    """(path, line) -> a hash of the text holding the secret (whole line, or whole key block), for every
    secret finding in the target's files: what identifies a secret's place whichever tool reported it
    (tools cut the value itself differently)."""
    import hashlib

    cache: dict[str, list[str] | None] = {}
    out: dict[tuple[str, int], str] = {}
    for f in findings:
        loc = f.location
        if f.category is Category.SECRET and loc and loc.start_line and not loc.image:
            lines = read_lines(cache, root, loc.path)
            text = secret_text(lines, loc.start_line) if lines is not None else None
            if text is not None:
                out[(loc.path, loc.start_line)] = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    return out


def enrich_snippets(findings: Sequence[Finding], root: Path) -> list[Finding]:
    """Fill the code line for findings that point into the target but came without one (never for secrets)."""
    cache: dict[str, list[str] | None] = {}
    out = []
    for f in findings:
        if f.category is Category.SECRET:
            f = f.with_(snippet=None) if f.snippet else f
        elif not f.snippet and f.location and f.location.start_line and not f.location.image:
            text = _line(cache, root, f.location.path, f.location.start_line)
            if text:
                f = f.with_(snippet=text)
        out.append(f)
    return out


def _mask_literals(text: str) -> str:
    from secscan.analyzers.secrets.redact import mask

    def repl(m: re.Match[str]) -> str:
        body = m.group("body")
        masked = len(body) < 3 or "********" in body  # already a mask: redaction is idempotent
        return m.group("q") + (body if masked else mask(body)) + m.group("q")

    return _STRING_LITERAL.sub(repl, text)


def redact_text(text: str) -> str:
    """Mask every secret pattern hit inside free text."""
    from secscan.analyzers.secrets.redact import redact_text as _redact

    return _redact(text)


def redact_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Mask secret-looking text in titles, messages, snippets and paths; credential findings get literals
    masked. Idempotent (a mask is never masked again)."""
    out = []
    for f in findings:
        credential = f.category is Category.SECRET or f.rule_id in CREDENTIAL_RULES
        msg, snippet, title = redact_text(f.message), redact_text(f.snippet) if f.snippet else None, f.title
        if credential:
            msg = _mask_literals(msg)
            snippet = _mask_literals(snippet) if snippet else None
        loc = f.location
        if loc is not None and (path := redact_text(loc.path)) != loc.path:  # a token in a file name
            loc = replace(loc, path=path)
        title = redact_text(title)
        same = msg == f.message and snippet == f.snippet and title == f.title and loc is f.location
        out.append(f if same else f.with_(message=msg, snippet=snippet, title=title, location=loc))
    return out


def redact_outcomes(
    scanners: Sequence[ScannerResult], notes: Sequence[str]
) -> tuple[list[ScannerResult], list[str]]:
    """Mask secret-looking text in scanner reasons and run notes (they quote file names and tool output)."""
    out = [s.with_(reason=redact_text(s.reason)) if s.reason else s for s in scanners]
    return out, [redact_text(n) for n in notes]
