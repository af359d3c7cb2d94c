"""Load and validate the secret patterns in ``rules/secrets/patterns.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from secscan.core.model import Severity
from secscan.core.resources import rules_path

PLACEHOLDER_SCOPES = ("value", "match", "none")
_FIELDS = {"id", "title", "severity", "regex", "keywords", "ignore_case", "prefilter", "entropy",
           "min_length", "placeholder", "test_words", "code_refs"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Pattern:
    """One secret type: how to find it and how to judge a hit."""

    id: str
    title: str
    severity: Severity
    raw_severity: str
    regex: str
    keywords: tuple[str, ...] = ()
    ignore_case: bool = False
    prefilter: str | None = None
    entropy: float | None = None
    min_length: int = 1
    placeholder: str = "value"
    test_words: bool = False
    code_refs: bool = False

    @property
    def rule_id(self) -> str:
        """The finding's rule id."""
        return f"secscan.{self.id}"

    @property
    def flags(self) -> int:
        """Python `re` flags."""
        return re.MULTILINE | re.ASCII | (re.IGNORECASE if self.ignore_case else 0)

    def compiled_bytes(self) -> re.Pattern[bytes]:
        """The confirming regex, for file contents."""
        return _compile_bytes(self.regex, self.flags)

    def compiled_str(self) -> re.Pattern[str]:
        """The confirming regex, for text (redaction)."""
        return _compile_str(self.regex, self.flags)

    @property
    def prefilter_regex(self) -> str:
        """The regex a multi-pattern pre-filter compiles (a superset of `regex`)."""
        return self.prefilter or self.regex


@cache
def _compile_bytes(regex: str, flags: int) -> re.Pattern[bytes]:
    return re.compile(regex.encode("ascii"), flags)


@cache
def _compile_str(regex: str, flags: int) -> re.Pattern[str]:
    return re.compile(regex, flags)


def default_patterns_file() -> Path:
    """The bundled patterns file."""
    return rules_path("secrets", "patterns.yaml")


def _problem(where: str, what: str) -> ValueError:
    return ValueError(f"secret patterns {where}: {what}")


def _one(raw: Any, where: str) -> Pattern:
    if not isinstance(raw, dict):
        raise _problem(where, "each pattern must be a mapping")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise _problem(where, f"unknown field(s) {', '.join(sorted(unknown))}")
    for key in ("id", "title", "severity", "regex"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _problem(where, f"field {key!r} must be a non-empty string")
    pid = raw["id"]
    if not _ID_RE.match(pid):
        raise _problem(where, f"id {pid!r} must be lower-case letters, digits and dashes")
    try:
        sev = Severity.from_label(raw["severity"])
    except ValueError as exc:
        raise _problem(where, str(exc)) from None
    keywords = raw.get("keywords") or []
    good = isinstance(keywords, list) and all(isinstance(k, str) and k == k.lower() != "" for k in keywords)
    if not good:
        raise _problem(where, "keywords must be a list of non-empty lower-case strings")
    scope = raw.get("placeholder", "value")
    if scope not in PLACEHOLDER_SCOPES:
        raise _problem(where, f"placeholder must be one of {', '.join(PLACEHOLDER_SCOPES)}")
    entropy = raw.get("entropy")
    if entropy is not None and not isinstance(entropy, int | float):
        raise _problem(where, "entropy must be a number")
    pat = Pattern(
        id=pid, title=raw["title"], severity=sev, raw_severity=raw["severity"], regex=raw["regex"],
        keywords=tuple(keywords), ignore_case=bool(raw.get("ignore_case", False)),
        prefilter=raw.get("prefilter"), entropy=float(entropy) if entropy is not None else None,
        min_length=int(raw.get("min_length", 1)), placeholder=scope,
        test_words=bool(raw.get("test_words", False)), code_refs=bool(raw.get("code_refs", False)),
    )
    try:
        rx = pat.compiled_bytes()
        if pat.prefilter:
            re.compile(pat.prefilter, pat.flags)
    except (re.error, UnicodeEncodeError) as exc:
        raise _problem(where, f"invalid regex: {exc}") from None
    if rx.groups < 1:
        raise _problem(where, "regex needs a capture group for the secret")
    return pat


def parse_patterns(doc: Any, source: str = "patterns") -> tuple[Pattern, ...]:
    """Validate a loaded YAML document; raises ValueError naming the bad entry."""
    if not isinstance(doc, dict) or not isinstance(doc.get("patterns"), list):
        raise _problem(source, "expected a mapping with a 'patterns' list")
    out: list[Pattern] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["patterns"]):
        where = f"{source}[{i}]" + (f" ({raw.get('id')})" if isinstance(raw, dict) and raw.get("id") else "")
        pat = _one(raw, where)
        if pat.id in seen:
            raise _problem(where, f"duplicate id {pat.id!r}")
        seen.add(pat.id)
        out.append(pat)
    if not out:
        raise _problem(source, "no patterns")
    return tuple(out)


@cache
def load_patterns(path: Path | None = None) -> tuple[Pattern, ...]:
    """Load (and cache) the patterns from a YAML file, by default the bundled one."""
    file = path or default_patterns_file()
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read secret patterns {file}: {exc}") from None
    return parse_patterns(doc, str(file.name))
