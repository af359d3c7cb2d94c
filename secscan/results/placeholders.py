"""One placeholder and false-positive policy for every secret source (own engine, detect-secrets, Trivy,
imported reports): a secret finding whose value is a documented example, a template or a placeholder, or
that sits in a place where such strings are integrity hashes (subresource integrity, CSP hashes, lockfile
integrity and checksums, a pinned ``rev:`` commit, a checksums file), stays in the report as suppressed with
the reason ``placeholder`` or ``integrity hash``: visible and counted, never a finding that counts.

The value is recovered in memory from the reported line (the candidate whose hash the tool reported), as the
last redaction pass does; when it cannot be (an imported report of a tree that is not here) only the line's
context is judged, and with no line at all the finding is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from secscan.analyzers.secrets.filters import is_placeholder
from secscan.analyzers.secrets.redact import secret_hash
from secscan.core.model import Category, Finding, Suppression
from secscan.results import secret_checks
from secscan.results.enrich import read_lines, secret_text
from secscan.results.redact import _candidates

PLACEHOLDER = "placeholder"
INTEGRITY = "integrity hash"
POLICY = "policy"

# Documented example credentials (providers' docs, RFCs, jwt.io) that are published on purpose.
# (Written in pieces so that this file itself holds no literal a secret scanner would report.)
KNOWN_EXAMPLES = frozenset("".join(parts) for parts in (
    ("AKIA", "IOSFODNN7", "EXAMPLE"), ("ASIA", "IOSFODNN7", "EXAMPLE"), ("AKIA", "I44QH8DHB", "EXAMPLE"),
    ("wJalrXUtnFEMI/", "K7MDENG/", "bPxRfiCY", "EXAMPLEKEY"),
    ("je7MtGbClwBF/", "2Zp9Utk/", "h3yCo8nvb", "EXAMPLEKEY"),
    ("sk_test_", "4eC39HqLyjWD", "arjtT1zdp7dc"), ("pk_test_", "TYooMQauvdED", "q54NiTphI7jx"),
    ("SflKxwRJSMeK", "KF2QT4fwpMeJ", "f36POk6yJV_", "adQssw5c"),  # the signature of jwt.io's example token
))
# Where a long hex/base64 string is a hash of content, not a credential.
_INTEGRITY_LINE = (
    # SRI attributes, package-lock and pnpm integrity fields
    re.compile(r"""\bintegrity\b["']?\s*[=:]\s*\{?\s*["']?\s*(?:integrity:\s*)?sha(?:1|256|384|512)-"""),
    re.compile(r"""\bintegrity\s+sha(?:1|256|384|512)-"""),  # yarn.lock
    re.compile(r"""['"]sha(?:256|384|512)-[A-Za-z0-9+/]{20,}={0,2}['"]"""),  # CSP source hashes
    re.compile(r"""--hash[= ]sha(?:256|384|512):[0-9a-f]{32,}"""),  # pip requirements
    re.compile(r"""\b(?:hash|checksum|sha256|sha512|digest)\b["']?\s*[=:]\s*["']?(?:sha(?:1|256|384|512)[:-])?[0-9a-fA-F]{32,}"""),
    re.compile(r"""["']sha(?:256|384|512):[0-9a-f]{64,128}["']"""),  # Pipfile.lock, poetry.lock hashes
    re.compile(r"""\bh1:[A-Za-z0-9+/]{43}="""),  # go.sum
    re.compile(r"""^\s*(?:-\s*)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\b"""),  # a pinned GitHub Action
)
_REV_LINE = re.compile(r"""^\s*(?:-\s*)?rev:\s*["']?[0-9a-f]{40}["']?\s*(?:#.*)?$""")
_REV_FILES = (".pre-commit-config.yaml", ".pre-commit-config.yml", ".pre-commit-hooks.yaml")
_CHECKSUM_FILES = re.compile(r"(?i)^(?:sha(?:1|224|256|384|512)sums?|md5sums?|checksums?)(?:\.txt)?$"
                             r"|\.(?:sha1|sha256|sha512|md5)$|^go\.sum$")
_CHECKSUM_LINE = re.compile(r"^\s*[0-9a-fA-F]{32,128}\s+[* ]?\S")


def integrity_context(path: str, line: str) -> bool:
    """True when the line (of path) is where integrity hashes are written."""
    name = PurePosixPath(path).name
    if name in _REV_FILES and _REV_LINE.match(line):
        return True
    if _CHECKSUM_FILES.search(name) and (_CHECKSUM_LINE.match(line) or name == "go.sum"):
        return True
    return any(rx.search(line) for rx in _INTEGRITY_LINE)


def placeholder_value(value: str) -> bool:
    """True for documented examples, templates, placeholders and repeated or sequential characters."""
    return value in KNOWN_EXAMPLES or is_placeholder(value)


def judge(path: str, line: str, value: str | None) -> str | None:
    """The policy's reason for one secret hit (None: a real finding)."""
    if integrity_context(path, line):
        return INTEGRITY
    if value is not None and placeholder_value(value):
        return PLACEHOLDER
    return None


def _value(f: Finding, raw: str) -> str | None:
    if not f.secret_hash:
        return None
    return next((c for c in _candidates(raw) if secret_hash(c) == f.secret_hash), None)


def apply(findings: Sequence[Finding], root: Path) -> tuple[list[Finding], list[str]]:
    """Suppress the secret findings the policy rejects; a note counts them by reason."""
    cache: dict[str, list[str] | None] = {}
    out: list[Finding] = []
    counts: dict[str, int] = {}
    for f in findings:  # hash-less hits (Trivy...) got their secret's hash first (results/finish: prepare)
        loc = f.location
        if f.category is not Category.SECRET or f.suppressed or not loc or not loc.start_line or loc.image:
            out.append(f)
            continue
        lines = read_lines(cache, root, loc.path)
        text = secret_text(lines, loc.start_line) if lines is not None else None
        if text is None:
            out.append(f)
            continue
        raw = "\n".join(lines[loc.start_line - 1:loc.start_line + text.count("\n")]) if lines else text
        value = _value(f, raw)
        reason = judge(loc.path, raw, value)
        if reason is None and f.properties.get("placeholder") is True:
            reason = PLACEHOLDER  # the own engine's placeholder hit (its own filters, the same policy)
        if reason is None and not f.secret_hash and any(k in raw for k in KNOWN_EXAMPLES):
            reason = PLACEHOLDER  # a tool that reports no hash (Trivy): a documented example on the line
        if reason is None and value is not None:
            f, reason = secret_checks.judge(f, value)  # the own engine's checksum verdict, for every source
        if reason is None:
            out.append(f)
            continue
        counts[reason] = counts.get(reason, 0) + 1
        out.append(f.with_(suppressed=True, suppression=Suppression(POLICY, reason)))
    notes = [f"{sum(counts.values())} secret finding(s) suppressed by the placeholder policy ("
             + ", ".join(f"{n} {r}" for r, n in sorted(counts.items())) + "); they stay in the report"] \
        if counts else []
    return out, notes
