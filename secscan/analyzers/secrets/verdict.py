"""The own engine's checksum verdict for a value any tool reported (detect-secrets, Trivy, imports).

A provider that builds a check into its tokens (checksums.py: GitHub's and npm's CRC32 suffix, PyPI's
macaroon structure, a JWT's JSON header, Azure's 64-byte keys) makes a token that fails it no token: the own
engine does not report it. :func:`checksum_verdict` applies the same rules to a value another tool found,
so that a valid-looking token with a bad checksum is judged the same whatever the source.

A value is judged when one of the checksum rules finds its token in it and the token is the value, or the
value is the token after an assignment prefix (``AccountKey=...``, ``_authToken=...``); trailing text after
the token's boundary (a comment) does not matter. Any other value has no verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from secscan.analyzers.secrets import checksums
from secscan.analyzers.secrets.patterns import Pattern, load_patterns

VALID, INVALID = "valid", "invalid"
_PREFIX = re.compile(r"""^(?:[\w.:/@-]*\s*[=:]\s*['"]?)?$""")  # nothing, or `name=` / `name: "` before it
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass(frozen=True)
class ChecksumVerdict:
    """Which rule recognised the token, and whether its built-in check holds."""

    pattern: Pattern
    valid: bool

    @property
    def label(self) -> str:
        """As the own engine writes it in ``properties.checksum``: ``crc32-base62: valid``."""
        return f"{self.pattern.checksum}: {VALID if self.valid else INVALID}"


@cache
def checksum_patterns() -> tuple[Pattern, ...]:
    """The bundled rules that carry a checksum check."""
    return tuple(p for p in load_patterns() if p.checksum)


def _token(pat: Pattern, value: str) -> str | None:
    """The rule's token in value when the value is that token (after an assignment prefix at most)."""
    for m in pat.compiled_str().finditer(value):
        group = next((i for i in range(1, (m.re.groups or 0) + 1) if m.group(i)), None)
        if group is None:
            continue
        start = m.start(group)
        if pat.word_start and start and value[start - 1] in _WORD:
            continue
        if _PREFIX.match(value[:start]):
            return m.group(group)
    return None


def checksum_verdict(value: str) -> ChecksumVerdict | None:
    """The verdict of the first checksum rule whose token the value is; None when no such rule applies."""
    for pat in checksum_patterns():
        token = _token(pat, value)
        if token is not None and len(token) >= pat.min_length and pat.checksum:
            return ChecksumVerdict(pat, checksums.check(pat.checksum, token))
    return None
