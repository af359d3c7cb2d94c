"""One checksum policy for every secret source (own engine, detect-secrets, Trivy, imported reports).

The own engine does not report a token whose provider checksum fails (GitHub's and npm's CRC32 suffix,
PyPI's macaroon, a JWT's header, an Azure key's 64 bytes: analyzers/secrets/checksums.py). A finding of any
other source whose value (recovered in memory from the reported line, by its hash) is such a token gets the
same verdict (analyzers/secrets/verdict.py):

- checksum fails: suppressed with the reason ``bad checksum`` (kind ``policy``): it stays in the report,
  visible and counted in a note, and never counts for the gate;
- checksum holds: ``properties.checksum`` says so (as the own engine writes it) and the finding gets at
  least the severity of the own rule that verified it (a GitHub token detect-secrets calls high is critical
  once its checksum holds); ``properties.checksum_raised_from`` keeps the severity it had.

A value that no checksum rule recognises is left as it is.

:func:`prepare` gives hash-less hits the hash of their secret where it can be read exactly: Trivy's
(results/trivy_secrets.py) and detect-secrets' GitHub/GitLab hits, whose reported hash is only the token's
prefix (parsers/detect_secrets.PREFIX_HASHED): the one token of that prefix on the reported line. It runs
once, before findings are merged (results/finish), so the same secret from every source is one finding; the
placeholder policy then judges the hashed hits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from secscan.analyzers.secrets.redact import mask, secret_hash
from secscan.analyzers.secrets.verdict import checksum_verdict
from secscan.core.model import Category, Finding
from secscan.results import trivy_secrets
from secscan.results.enrich import read_lines

BAD_CHECKSUM = "bad checksum"
PREFIX = "hashed_prefix"
# detect-secrets' own token shapes after the prefix (its GitHub and GitLab plugins)
_AFTER_PREFIX = {"ghp": "_[A-Za-z0-9_]{36}", "gho": "_[A-Za-z0-9_]{36}", "ghu": "_[A-Za-z0-9_]{36}",
                 "ghs": "_[A-Za-z0-9_]{36}", "ghr": "_[A-Za-z0-9_]{36}"}
_GITLAB_TAIL = r"-[A-Za-z0-9_\-]{20,50}(?:\.[0-9a-z]{2}[0-9a-z]{7})?(?![\w.])"  # routable: .01<7>


@cache
def _prefix_rx(prefix: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9_])" + re.escape(prefix) + _AFTER_PREFIX.get(prefix, _GITLAB_TAIL))


def prefix_token(line: str, prefix: str) -> str | None:
    """The one token with this prefix on the line (None: none, or several different ones)."""
    found = {m.group(0) for m in _prefix_rx(prefix).finditer(line)}
    return found.pop() if len(found) == 1 else None


def _with_prefix_token(f: Finding, root: Path, cache_: dict[str, list[str] | None]) -> Finding:
    loc, prefix = f.location, f.properties.get(PREFIX)
    if f.secret_hash or not isinstance(prefix, str) or loc is None or not loc.start_line or loc.image:
        return f
    lines = read_lines(cache_, root, loc.path)
    line = lines[loc.start_line - 1] if lines is not None and loc.start_line <= len(lines) else None
    token = prefix_token(line, prefix) if line is not None else None
    if token is None:
        return f
    return f.with_(secret_hash=secret_hash(token), secret_mask=mask(token))


def prepare(findings: Sequence[Finding], root: Path) -> list[Finding]:
    """Hash-less secret hits with the hash of their secret where it can be read exactly (see above)."""
    out = trivy_secrets.attach(findings, root)
    cache_: dict[str, list[str] | None] = {}
    return [_with_prefix_token(f, root, cache_) if f.category is Category.SECRET and PREFIX in f.properties
            else f for f in out]


def judge(f: Finding, value: str) -> tuple[Finding, str | None]:
    """(the finding with its checksum verdict recorded, BAD_CHECKSUM when the check fails, else None)."""
    verdict = checksum_verdict(value)
    if verdict is None:
        return f, None
    props = {**f.properties, "checksum": verdict.label, "checksum_rule": verdict.pattern.rule_id}
    if not verdict.valid:
        return f.with_(properties=props), BAD_CHECKSUM
    if verdict.pattern.severity > f.severity:
        props["checksum_raised_from"] = f.severity.label
        return f.with_(severity=verdict.pattern.severity, properties=props), None
    return f.with_(properties=props), None
