"""Documentation placeholders in URLs (rules/context/urls.yaml): a URL whose user and password are the words
"user" and "pass", a password template, or credentials for a reserved example host are documentation, not a
leak. Such a
credentials-in-a-URL finding follows the placeholder policy: suppressed (kind ``policy``, reason
``placeholder``), still in every report. The line is read in memory only; no value is kept."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from secscan.core.model import Finding, Suppression
from secscan.core.resources import load_yaml, rules_path
from secscan.results.enrich import read_lines
from secscan.results.test_material import is_test_name, places_of

POLICY, PLACEHOLDER = "policy", "placeholder"  # as results/placeholders.py words them
_URL = re.compile(r"""\b[a-z][a-z0-9+.-]{1,20}://([^\s:@/'"<>]{0,64}):([^\s@/'"<>]{1,128})@([^\s/:'"<>?#]{1,256})""",
                  re.IGNORECASE)
_ESCAPE = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2})")  # a JSON or Python escape in the text
_TEMPLATE = re.compile(r"^(?:\{\{?\s*[\w.]+\s*\}?\}|\$\{?\w+\}?|%\(\w+\)s|<[\w -]+>|\*+|\.\.\.)$")


@cache
def table() -> tuple[frozenset[str], frozenset[str]]:
    """(rules, placeholder words) of rules/context/urls.yaml."""
    d = load_yaml(rules_path("context", "urls.yaml").read_text("utf-8"))
    return frozenset(d["rules"]), frozenset(w.lower() for w in d["words"])


def is_placeholder_password(password: str, words: frozenset[str] | None = None) -> bool:
    """A template, only placeholder words (one-letter words are filler), or no letter or digit at all
    (escapes such as \\u007F count as separators)."""
    words = table()[1] if words is None else words
    text = unquote(_ESCAPE.sub(" ", password))
    if _TEMPLATE.match(text.strip()):
        return True
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", text.lower()) if p]
    if not parts:
        return True  # punctuation only: a URL parser's test case, not a credential
    return all(p in words or len(p) == 1 for p in parts) and any(p in words for p in parts)


def documentation_url(line: str) -> bool | None:
    """True when every URL with credentials on the line is documentation, False when one is not, None when
    the line holds no such URL."""
    found = list(_URL.finditer(line))
    if not found:
        return None
    for m in found:
        host = m.group(3).rstrip(".,;)]}")
        if not (is_test_name(host) or is_placeholder_password(m.group(2))):
            return False
    return True


def _documentation_at(cache_: dict[str, list[str] | None], root: Path, path: str, line: int | None) -> bool:
    lines = read_lines(cache_, root, path)
    if not lines or line is None or not 1 <= line <= len(lines):
        return False
    return documentation_url(lines[line - 1]) is True


def apply(findings: Sequence[Finding], root: Path | None) -> list[Finding]:
    """Credentials-in-a-URL findings on documentation lines, suppressed by the placeholder policy."""
    rules, _ = table()
    cache_: dict[str, list[str] | None] = {}
    out = []
    for f in findings:
        loc = f.location
        if root is None or f.suppressed or f.rule_id not in rules or loc is None or not loc.start_line:
            out.append(f)
            continue
        if not all(_documentation_at(cache_, root, path, line) for path, line in places_of(f)):
            out.append(f)  # every place of a secret found at several must be documentation
            continue
        out.append(f.with_(suppressed=True, suppression=Suppression(POLICY, PLACEHOLDER),
                           properties={**f.properties, "placeholder_url": "a documentation URL: "
                                       "placeholder credentials or a reserved example host"}))
    return out
