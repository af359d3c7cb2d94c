"""Which lines of a file detect-secrets could report anything on: its candidate lines (issue 24).

detect-secrets spends its time in per-line Python (a context snippet, line filters through dependency
injection, every plugin's regexes), yet almost no line of a real tree can match any plugin. The conditions
here are taken at run time from the installed detect-secrets' own plugin objects, configured like the tool
will be (the target's ``.secrets.baseline`` plugin settings):

- a regex plugin (``RegexBasedDetector``): a line is a candidate when one of its ``denylist`` regexes
  finds something in it (the plugin reports only ``findall`` results of those regexes);
- ``KeywordDetector``: when one of the keyword module's regexes (those of every file type) finds something;
- the high-entropy plugins: when the plugin's own quoted-string regex yields a value whose entropy, by the
  plugin's own ``calculate_shannon_entropy``, is above its limit.

A line that meets none of them cannot give a finding: every finding comes from a plugin. Hyperscan (when
installed) only narrows which lines are tested: each regex in prefilter mode (a superset of its matches)
over the whole file, plus, for each high-entropy plugin, a quoted run of its charset at least as long as
the limit requires (entropy <= log2(length)); lines with a character outside printable ASCII and tab are
always tested, as Python's Unicode classes and case folding differ from Hyperscan's. The test itself is
always the exact one above. An unknown detect-secrets version or plugin (a custom one from the baseline)
gives no conditions: the scanner then hands over whole files and says why.
"""

from __future__ import annotations

import bisect
import configparser
import inspect
import locale
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PREFILTER_VERSION = "1"  # bump whenever the selection of lines changes (part of the cache salt)
KNOWN_VERSIONS = frozenset({"1.5.0"})  # versions whose scan loop, transformers and plugins were checked
# every plugin class detect-secrets 1.5.0 ships, by the kind of condition derived from it
_REGEX_PLUGINS = frozenset({
    "ArtifactoryDetector", "AWSKeyDetector", "AzureStorageKeyDetector", "BasicAuthDetector",
    "CloudantDetector", "DiscordBotTokenDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "IbmCloudIamDetector", "IbmCosHmacDetector", "IPPublicDetector", "JwtTokenDetector", "MailchimpDetector",
    "NpmDetector", "OpenAIDetector", "PrivateKeyDetector", "PypiTokenDetector", "SendGridDetector",
    "SlackDetector", "SoftlayerDetector", "SquareOAuthDetector", "StripeDetector", "TelegramBotTokenDetector",
    "TwilioKeyDetector"})
_NARROWING = frozenset({"JwtTokenDetector"})  # analyze_string only filters the denylist's findall results
_ENTROPY_PLUGINS = frozenset({"Base64HighEntropyString", "HexHighEntropyString"})
_EXOTIC = re.compile(r"[^\t\n\x20-\x7e]")  # lines Hyperscan's ASCII semantics may not judge like Python
_NEWLINE = re.compile(rb"\n")


class Unavailable(Exception):
    """The prefilter cannot be derived for this detect-secrets; the message says why."""


@dataclass(frozen=True)
class EntropyTest:
    """One high-entropy plugin: its own regex, charset, limit and entropy function."""

    regex: re.Pattern[str]
    charset: str
    limit: float
    entropy: Callable[[str], float]

    def min_length(self) -> int:
        """Shortest value that can pass the limit: entropy <= log2(length) (a margin for rounding)."""
        return max(1, math.floor(2 ** (self.limit - 1e-6)) + 1)

    def hits(self, line: str) -> bool:
        """Exactly the plugin's test: a quoted value (findall) whose entropy is above the limit."""
        for found in self.regex.findall(line):
            value = found[1] if isinstance(found, tuple) else found
            if self.entropy(value) > self.limit:
                return True
        return False


@dataclass
class Conditions:
    """The candidate-line test derived from one configured plugin set."""

    version: str  # detect-secrets' version
    regexes: tuple[re.Pattern[str], ...]
    entropy: tuple[EntropyTest, ...]
    context: int  # lines of context detect-secrets gives filters and verification (each side)
    plugins: tuple[str, ...]  # the plugins' json(), canonical, to compare with the tool's plugins_used
    gated: tuple[re.Pattern[str], ...] = ()  # searched only where ``gate`` finds something (its keywords)
    gate: re.Pattern[str] | None = None
    _hs: Any = field(default=None, repr=False)
    _python_only: tuple[re.Pattern[str], ...] = ()

    @property
    def engine(self) -> str:
        """Which engine narrows the lines: hyperscan, or python (every line tested)."""
        return "hyperscan" if self._hs is not None else "python"

    def is_candidate(self, line: str) -> bool:
        """The exact test on one line, as detect-secrets analyzes it (rstripped)."""
        return (any(r.search(line) for r in self.regexes) or any(t.hits(line) for t in self.entropy)
                or bool(self.gate and self.gate.search(line) and any(r.search(line) for r in self.gated)))

    def candidates(self, lines: Sequence[str]) -> list[int]:
        """Indices of the candidate lines (``lines`` as detect-secrets reads them, rstripped)."""
        if self._hs is None:
            return [i for i, line in enumerate(lines) if self.is_candidate(line)]
        text = "\n".join(lines)
        data = text.encode("utf-8", "surrogatepass")
        starts = [0, *(m.end() for m in _NEWLINE.finditer(data))]
        marked: set[int] = set()

        def on_match(pid: int, start: int, end: int, flags: int, ctx: Any) -> None:
            marked.add(bisect.bisect_right(starts, max(end - 1, 0)) - 1)

        if data:
            self._hs.scan(data, match_event_handler=on_match)
        if _EXOTIC.search(text):
            marked.update(i for i, line in enumerate(lines) if _EXOTIC.search(line))
        if self._python_only:
            marked.update(i for i, line in enumerate(lines) if any(r.search(line) for r in self._python_only))
        return [i for i in sorted(marked) if self.is_candidate(lines[i])]

    def keep(self, lines: Sequence[str]) -> list[bool]:
        """Which lines to hand over: the candidates and their context lines."""
        keep = [False] * len(lines)
        for i in self.candidates(lines):
            for j in range(max(0, i - self.context), min(len(lines), i + self.context + 1)):
                keep[j] = True
        return keep


def derive(baseline: Mapping[str, Any] | None) -> Conditions:
    """The conditions for the installed detect-secrets, configured by the baseline's plugins_used (if any).

    Raises Unavailable (with the reason) for an unknown version, plugin or configuration."""
    encoding = locale.getpreferredencoding(False).lower().replace("-", "")
    if encoding != "utf8":
        raise Unavailable(f"the locale's encoding is {encoding}, not UTF-8 (detect-secrets reads with it)")
    try:
        from detect_secrets.__version__ import VERSION
    except ImportError as exc:
        raise Unavailable(f"detect-secrets is not importable by secscan ({exc})") from exc
    if VERSION not in KNOWN_VERSIONS:
        raise Unavailable(f"detect-secrets {VERSION} is not a version the prefilter knows "
                          f"({', '.join(sorted(KNOWN_VERSIONS))})")
    plugins = _configured_plugins(baseline)
    regexes: list[re.Pattern[str]] = []
    entropy: list[EntropyTest] = []
    gated: list[re.Pattern[str]] = []
    gate = None
    for plugin in plugins:
        kind = _kind(plugin)
        if kind == "regex":
            regexes += list(plugin.denylist)
        elif kind == "keyword":
            gate, keyword_regexes = _keyword_regexes()
            (gated if gate else regexes).extend(keyword_regexes)
        else:
            entropy.append(EntropyTest(plugin.regex, plugin.charset, float(plugin.entropy_limit),
                                       plugin.calculate_shannon_entropy))
    from detect_secrets.util.code_snippet import get_code_snippet

    context = int(inspect.signature(get_code_snippet).parameters["lines_of_context"].default)
    names = tuple(sorted(_canonical(p.json()) for p in plugins))
    cond = Conditions(VERSION, tuple(dict.fromkeys(regexes)), tuple(entropy), context, names,
                      tuple(dict.fromkeys(gated)), gate)
    cond._hs, cond._python_only = _hyperscan(cond)
    return cond


def _canonical(data: Mapping[str, Any]) -> str:
    import json

    return json.dumps(data, sort_keys=True)


def canonical_plugins(plugins_used: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """A tool output's plugins_used in the form Conditions.plugins has."""
    return tuple(sorted(_canonical(p) for p in plugins_used))


def _configured_plugins(baseline: Mapping[str, Any] | None) -> list[Any]:
    """The plugin objects detect-secrets will use: the baseline's plugins_used, else all it ships."""
    used = baseline.get("plugins_used") if baseline else None
    filters = baseline.get("filters_used") if baseline else None
    if used is not None and (not isinstance(used, list) or not all(isinstance(p, dict) for p in used)):
        raise Unavailable(".secrets.baseline plugins_used is not a list of plugins")
    if used is not None and any("path" in p for p in used):
        raise Unavailable(".secrets.baseline names a custom plugin (its code is not read by secscan)")
    if isinstance(filters, list) and any(str(f.get("path", "")).startswith("file:")
                                         for f in filters if isinstance(f, dict)):
        raise Unavailable(".secrets.baseline names a custom filter (its code is not read by secscan)")
    saved = configparser.ParsingError  # detect-secrets' config transformer replaces it when imported
    try:
        from detect_secrets.settings import default_settings, get_plugins, transient_settings

        context = default_settings() if used is None else transient_settings({"plugins_used": used})
        with context:
            return list(get_plugins())
    except Unavailable:
        raise
    except Exception as exc:  # a plugin that does not load with these settings
        raise Unavailable(f"detect-secrets' plugins did not load ({type(exc).__name__}: {exc})") from exc
    finally:
        configparser.ParsingError = saved  # type: ignore[misc]


def _kind(plugin: Any) -> str:
    """regex, keyword or entropy; Unavailable for a plugin whose behaviour the prefilter does not know."""
    from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
    from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
    from detect_secrets.plugins.keyword import KeywordDetector

    cls = type(plugin)
    name = cls.__name__
    shipped = cls.__module__.startswith("detect_secrets.plugins.")
    if shipped and cls is KeywordDetector:
        return "keyword"
    if (shipped and name in _ENTROPY_PLUGINS and issubclass(cls, HighEntropyStringsPlugin)
            and cls.analyze_line is HighEntropyStringsPlugin.analyze_line
            and cls.analyze_string is HighEntropyStringsPlugin.analyze_string):
        return "entropy"
    if (shipped and name in _REGEX_PLUGINS and issubclass(cls, RegexBasedDetector)
            and cls.analyze_line is BasePlugin.analyze_line
            and (cls.analyze_string is RegexBasedDetector.analyze_string or name in _NARROWING)):
        return "regex"
    raise Unavailable(f"detect-secrets plugin {name} is not one the prefilter knows")


def _keyword_regexes() -> tuple[re.Pattern[str] | None, list[re.Pattern[str]]]:
    """Every regex KeywordDetector may try, whatever the file type, and a gate: its keyword list
    (case-insensitive), when every one of those regexes contains that list (None otherwise)."""
    from detect_secrets.plugins import keyword

    tables = [keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, *keyword.REGEX_BY_FILETYPE.values()]
    regexes = list(dict.fromkeys(regex for table in tables for regex in table))
    words = "|".join(keyword.DENYLIST)
    if all(f"({words})" in r.pattern for r in regexes):
        return re.compile(f"(?:{words})", re.IGNORECASE), regexes
    return None, regexes


def _hyperscan(cond: Conditions) -> tuple[Any, tuple[re.Pattern[str], ...]]:
    """One Hyperscan database of every condition in prefilter mode (None: not installed)."""
    try:
        import hyperscan
    except ImportError:
        return None, ()
    base = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_MULTILINE
    exprs: list[bytes] = []
    flags: list[int] = []
    python_only: list[re.Pattern[str]] = []
    for regex in (*cond.regexes, *cond.gated):
        source = regex.pattern
        if not isinstance(source, str) or re.search(r"\\[AZz]|\{,", source):
            # anchors a whole-file scan cannot judge per line; Python's {,n} is a literal for Hyperscan
            python_only.append(regex)
            continue
        # extended to the end of its line: one report per line and pattern, not one per matching end
        # (Hyperscan takes no end anchor inside the pattern: those stay as they are)
        body = f"(?x:{source})" if regex.flags & re.VERBOSE else f"(?:{source})"
        exprs.append((body if "$" in source else f"{body}[^\\n]*$").encode())
        flags.append(base | (hyperscan.HS_FLAG_CASELESS if regex.flags & re.IGNORECASE else 0)
                     | (hyperscan.HS_FLAG_DOTALL if regex.flags & re.DOTALL else 0)
                     | (0 if source.isascii() else hyperscan.HS_FLAG_UTF8))  # the data is valid UTF-8
    for test in cond.entropy:
        run = f"[{re.escape(test.charset)}]{{{test.min_length()},}}"
        exprs.append(f"(?:'{run}'|\"{run}\")[^\\n]*$".encode("ascii"))
        flags.append(base)
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs), flags=flags)
    except Exception:  # hyperscan.error: a pattern it cannot take even in prefilter mode
        return None, ()
    return db, tuple(python_only)
