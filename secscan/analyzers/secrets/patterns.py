"""Load and validate the secret patterns: ``rules/secrets/patterns.yaml`` (hand-written regexes) and
``rules/secrets/providers.yaml`` (provider token formats, see ``tokenformat``); severity by the secret's class
(``rules/secrets/severity.yaml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from secscan.analyzers.secrets import checksums, tokenformat
from secscan.core.model import Severity
from secscan.core.resources import load_yaml, rules_path

PLACEHOLDER_SCOPES = ("value", "match", "none")
_FIELDS = {"id", "title", "severity", "regex", "keywords", "ignore_case", "prefilter", "entropy",
           "min_length", "placeholder", "test_words", "code_refs", "class", "provider", "revoke", "checksum",
           "format", "context", "lead", "doc"}
RULE_FILES = ("patterns.yaml", "providers.yaml")
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
    klass: str = ""  # the secret's class (severity.yaml): private-key, cloud, vcs, provider, generic, ...
    provider: str = ""
    revoke: str = ""  # where the provider revokes or rotates it
    doc: str = ""  # the page the format was checked against (provider documentation, else a second reference)
    checksum: str | None = None  # a checksums.CHECKS name
    format: str = ""  # the token format (tokenformat), when the regex was built from one
    context: tuple[str, ...] = ()
    lead: str = ""  # literal text right before a format-built token
    word_start: bool = False  # a match must not follow a word character (checked by the engine)

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
        """The regex a multi-pattern pre-filter compiles (a superset of `regex`): the given one, else for a
        format-built pattern its keywords as literals (cheap to compile however long the token), else
        the regex itself."""
        if self.prefilter:
            return self.prefilter
        if self.format and not self.context:
            return tokenformat.prefilter_regex(self.format)
        if self.format:
            return "(?:" + "|".join(re.escape(k) for k in self.keywords) + ")"
        return self.regex

    @property
    def literal_regex(self) -> tuple[str, bool]:
        """(regex, caseless): the token's literals as written, or else its keywords without case, as one
        alternation of literals (what an RE2 set matches fastest)."""
        lits = tokenformat.literals(self.format) if self.format and not self.context and not self.lead else ()
        if lits and all(k.lower() in self.keywords for k in lits):
            return "(?:" + "|".join(re.escape(k) for k in lits) + ")", False
        return "(?:" + "|".join(re.escape(k) for k in self.keywords) + ")", True

    @property
    def prefilter_caseless(self) -> bool:
        """Whether the pre-filter matches without case (keywords are lower-case)."""
        return self.ignore_case or bool(self.format and self.context and not self.prefilter)


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


def _check_str(raw: dict[str, Any], where: str, *keys: str) -> None:
    for key in keys:
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _problem(where, f"field {key!r} must be a non-empty string")


def _severity(raw: dict[str, Any], where: str, classes: dict[str, str]) -> tuple[Severity, str]:
    """The severity word: from the class table when the pattern names a class, else its own."""
    klass = raw.get("class")
    if klass is not None and klass not in classes:
        raise _problem(where, f"unknown class {klass!r} (see severity.yaml)")
    word = raw.get("severity") or (classes[klass] if klass else None)
    if klass and raw.get("severity") and raw["severity"] != classes[klass]:
        raise _problem(where, f"severity {raw['severity']!r} differs from class {klass}'s {classes[klass]!r}")
    if not isinstance(word, str):
        raise _problem(where, "a pattern needs a severity or a class")
    try:
        return Severity.from_label(word), word
    except ValueError as exc:
        raise _problem(where, str(exc)) from None


def _regex_and_keywords(raw: dict[str, Any], where: str) -> tuple[str, list[str], int]:
    """(regex, keywords, minimum length): given, or built from the token format."""
    fmt = raw.get("format")
    if fmt is None:
        _check_str(raw, where, "regex")
        return raw["regex"], raw.get("keywords") or [], int(raw.get("min_length", 1))
    if "regex" in raw or not isinstance(fmt, str):
        raise _problem(where, "give either a regex or a format (a string)")
    context = raw.get("context") or []
    if not isinstance(context, list) or not all(isinstance(c, str) and c == c.lower() for c in context):
        raise _problem(where, "context must be a list of lower-case words")
    lead = raw.get("lead") or ""
    try:
        regex = tokenformat.rule_regex(fmt, tuple(context), lead)
        keywords = raw.get("keywords") or list(context) or list(tokenformat.literal_keywords(fmt, lead))
        minimum = tokenformat.min_length(fmt)
    except ValueError as exc:
        raise _problem(where, str(exc)) from None
    if not keywords:
        raise _problem(where, "a format without a literal of 3+ characters needs context or keywords")
    return regex, keywords, minimum


def _one(raw: Any, where: str, classes: dict[str, str]) -> Pattern:
    if not isinstance(raw, dict):
        raise _problem(where, "each pattern must be a mapping")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise _problem(where, f"unknown field(s) {', '.join(sorted(unknown))}")
    _check_str(raw, where, "id", "title")
    pid = raw["id"]
    if not _ID_RE.match(pid):
        raise _problem(where, f"id {pid!r} must be lower-case letters, digits and dashes")
    sev, word = _severity(raw, where, classes)
    regex, keywords, minimum = _regex_and_keywords(raw, where)
    good = isinstance(keywords, list) and all(isinstance(k, str) and k == k.lower() != "" for k in keywords)
    if not good:
        raise _problem(where, "keywords must be a list of non-empty lower-case strings")
    scope = raw.get("placeholder", "value")
    if scope not in PLACEHOLDER_SCOPES:
        raise _problem(where, f"placeholder must be one of {', '.join(PLACEHOLDER_SCOPES)}")
    entropy = raw.get("entropy")
    if entropy is not None and not isinstance(entropy, int | float):
        raise _problem(where, "entropy must be a number")
    checksum = raw.get("checksum")
    if checksum is not None and checksum not in checksums.CHECKS:
        raise _problem(where, f"unknown checksum {checksum!r} (one of {', '.join(checksums.CHECKS)})")
    pat = Pattern(
        id=pid, title=raw["title"], severity=sev, raw_severity=word, regex=regex,
        keywords=tuple(keywords), ignore_case=bool(raw.get("ignore_case", False)),
        prefilter=raw.get("prefilter"), entropy=float(entropy) if entropy is not None else None,
        min_length=int(raw.get("min_length", minimum)), placeholder=scope,
        test_words=bool(raw.get("test_words", False)), code_refs=bool(raw.get("code_refs", False)),
        klass=str(raw.get("class") or ""), provider=str(raw.get("provider") or ""),
        revoke=str(raw.get("revoke") or ""), doc=str(raw.get("doc") or ""), checksum=checksum,
        format=str(raw.get("format") or ""),
        context=tuple(raw.get("context") or ()), lead=str(raw.get("lead") or ""),
        word_start=bool(raw.get("format")) and tokenformat.word_start(
            raw["format"], tuple(raw.get("context") or ()), str(raw.get("lead") or "")),
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


def parse_patterns(doc: Any, source: str = "patterns", classes: dict[str, str] | None = None
                   ) -> tuple[Pattern, ...]:
    """Validate a loaded YAML document; raises ValueError naming the bad entry."""
    classes = severity_classes() if classes is None else classes
    if not isinstance(doc, dict) or not isinstance(doc.get("patterns"), list):
        raise _problem(source, "expected a mapping with a 'patterns' list")
    out: list[Pattern] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["patterns"]):
        where = f"{source}[{i}]" + (f" ({raw.get('id')})" if isinstance(raw, dict) and raw.get("id") else "")
        pat = _one(raw, where, classes)
        if pat.id in seen:
            raise _problem(where, f"duplicate id {pat.id!r}")
        seen.add(pat.id)
        out.append(pat)
    if not out:
        raise _problem(source, "no patterns")
    return tuple(out)


def _read(file: Path) -> Any:
    try:
        return load_yaml(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read secret patterns {file}: {exc}") from None


@cache
def severity_classes() -> dict[str, str]:
    """Class -> severity word, from ``rules/secrets/severity.yaml``."""
    doc = _read(rules_path("secrets", "severity.yaml"))
    table = doc.get("classes") if isinstance(doc, dict) else None
    if not isinstance(table, dict) or not table:
        raise ValueError("severity.yaml: expected a 'classes' mapping")
    for word in table.values():
        Severity.from_label(word)
    return {str(k): str(v) for k, v in table.items()}


@cache
def load_patterns(path: Path | None = None) -> tuple[Pattern, ...]:
    """Load (and cache) the patterns from a YAML file, by default the bundled ones (every file of
    :data:`RULE_FILES`); generic patterns (``code_refs``) come last, so a provider's pattern wins a tie."""
    if path is not None:
        return parse_patterns(_read(path), str(path.name))
    out: list[Pattern] = []
    for name in RULE_FILES:
        out.extend(parse_patterns(_read(rules_path("secrets", name)), name))
    ids = [p.id for p in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"secret patterns: duplicate id(s) {', '.join(dup)}")
    return tuple(sorted(out, key=lambda p: p.code_refs))
