"""bandit: Python SAST. Honours the target's own bandit configuration (.bandit, pyproject.toml).

bandit runs with ``--ignore-nosec``: a finding on a ``# nosec`` line is reported, marked with the marker
(``scanners/native_markers.py``), and suppressed by secscan as "inline marker without reason", visibly.

The canary expects the canary tests (canaries.BANDIT_EXPECTED) that this configuration leaves enabled
(``skips``, a ``tests`` allow-list, legacy B001), read the way bandit reads them. Severity or confidence
thresholds in the configuration are not modelled: they make the canary fail, which says so loudly.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from secscan.core.model import Category, Parsed
from secscan.parsers import bandit as bandit_parser
from secscan.process.runner import Invocation, ProcResult
from secscan.scanners import canaries, native_markers
from secscan.scanners.interface import (
    CachePolicy,
    Canary,
    CoverageKind,
    ScanContext,
    ScannerInfo,
    Tool,
    ToolScanner,
)
from secscan.scanners.status import parse_tool_output

FATAL_EXIT_CODES = frozenset({2})  # argparse/usage errors; 0 = clean, 1 = issues found


NO_DEFAULT_EXCLUDES = "./.secscan-no-default-excludes"  # replaces bandit's default -x list, matches nothing
IGNORE_NOSEC = "--ignore-nosec"  # every finding is reported; secscan suppresses the # nosec ones visibly


def _config_args(target: Path) -> list[str]:
    if (target / ".bandit").is_file():
        return ["--ini", str(target / ".bandit")]
    pyproject = target / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text("utf-8", "replace"))
        except tomllib.TOMLDecodeError:
            return []
        if "bandit" in data.get("tool", {}):
            return ["-c", str(pyproject)]
    return []


def _split_like_bandit(raw: str) -> list[str]:
    """bandit splits ``tests``/``skips`` on commas without stripping: " B301" selects nothing."""
    return [t for t in raw.split(",") if t] if raw else []


def _ini_lists(target: Path) -> tuple[list[str], list[str]]:
    ini = target / ".bandit"
    if not ini.is_file():
        return [], []
    cp = configparser.ConfigParser()
    try:
        cp.read_string(ini.read_text("utf-8", "replace"))
    except configparser.Error:
        return [], []
    return (
        _split_like_bandit(cp.get("bandit", "tests", fallback="")),
        _split_like_bandit(cp.get("bandit", "skips", fallback="")),
    )


def _toml_lists(target: Path) -> tuple[list[str], list[str]]:
    pyproject = target / "pyproject.toml"
    if not pyproject.is_file():
        return [], []
    try:
        tool = tomllib.loads(pyproject.read_text("utf-8", "replace")).get("tool", {})
    except tomllib.TOMLDecodeError:
        return [], []
    conf = tool.get("bandit") if isinstance(tool, dict) else None
    if not isinstance(conf, dict):
        return [], []
    tests, skips = conf.get("tests", []), conf.get("skips", [])
    return (
        [str(t) for t in tests] if isinstance(tests, list) else [],
        [str(s) for s in skips] if isinstance(skips, list) else [],
    )


def _config_lists(target: Path) -> tuple[list[str], list[str]]:
    """(tests, skips) from the configuration bandit is given (.bandit wins, like _config_args)."""
    if (target / ".bandit").is_file():
        return _ini_lists(target)
    return _toml_lists(target)


@dataclass(frozen=True)
class TurnedOff:
    """A setting of the target's own bandit configuration that turns tests off (``skips``, or a ``tests``
    allow-list that leaves the others out), where it is, as bandit reads it."""

    name: str  # "[tool.bandit] skips", "[bandit] tests"
    values: tuple[str, ...]
    file: str  # ".bandit" or "pyproject.toml"
    line: int | None


def _key_line(text: str, section: str, key: str) -> int | None:
    """The line of ``key`` (``key =`` or ``key:``) in the ``[section]`` of an INI or TOML file."""
    inside = False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            inside = line.split("#", 1)[0].strip() == f"[{section}]"
        elif inside and re.match(rf"{re.escape(key)}\s*[=:]", line):
            return n
    return None


def turned_off(target: Path) -> list[TurnedOff]:
    """The ``skips`` and ``tests`` of the configuration bandit is given (.bandit wins, like _config_args);
    secscan lists them and never changes them."""
    ini = (target / ".bandit").is_file()
    name, section = (".bandit", "bandit") if ini else ("pyproject.toml", "tool.bandit")
    if not ini and not _config_args(target):
        return []
    tests, skips = _config_lists(target)
    try:
        text = (target / name).read_text("utf-8", "replace")
    except OSError:
        return []
    return [TurnedOff(f"[{section}] {key}", tuple(values), name, _key_line(text, section, key))
            for key, values in (("skips", skips), ("tests", tests)) if values]


def _is_blacklist(test_id: str) -> bool:
    """bandit's blacklist tests: calls B301-B323 and imports B4xx (B324 hashlib is a plugin)."""
    digits = test_id[1:]
    if not (test_id.startswith("B") and len(digits) == 3 and digits.isdigit()):
        return False
    return 301 <= int(digits) <= 323 or 400 <= int(digits) <= 499


def _expand_b001(ids: set[str]) -> set[str]:
    """bandit's legacy B001: "every blacklist test", unless a blacklist test is named beside it."""
    if "B001" in ids and not any(_is_blacklist(t) for t in ids):
        return ids | {t for t in canaries.BANDIT_EXPECTED if _is_blacklist(t)}
    return ids


def configured_skips(target: Path) -> frozenset[str]:
    """Test ids the target's bandit configuration skips (by ``skips``)."""
    _tests, skips = _config_lists(target)
    return frozenset(_expand_b001(set(skips)) - {"B001"})


def disabled_tests(target: Path, expected: frozenset[str]) -> frozenset[str]:
    """Which expected test ids the configuration leaves disabled (``skips``, or not listed in ``tests``)."""
    tests, _skips = _config_lists(target)
    off = set(configured_skips(target) & expected)
    if tests:
        selected = _expand_b001(set(tests))
        off |= {t for t in expected if t not in selected}
    return frozenset(off)


class BanditScanner(ToolScanner):
    """Runs ``bandit -f json`` on the Python files of the target plus the canary."""

    info = ScannerInfo(
        "bandit", Category.SAST, Tool("bandit", package="bandit"), config_files=(".bandit", "pyproject.toml"),
        cache=CachePolicy.PER_FILE, coverage=CoverageKind.FILES_SCANNED, busy=True,
        file_suffixes=(".py", ".pyw"), rule_ids=(r"^B\d{3}$",))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if files else "no Python files in the target"

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary({"canary_bandit.py": canaries.PYTHON_CANARY}, canaries.BANDIT_EXPECTED)

    def disabled_canary_ids(self, ctx: ScanContext) -> frozenset[str]:
        return disabled_tests(ctx.target, canaries.BANDIT_EXPECTED)

    def invocations(
        self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path]
    ) -> list[Invocation]:
        argv = [
            "bandit",
            "-f",
            "json",
            "-q",
            # bandit leaves out .eggs, __pycache__, .tox, ... even when a file there is named explicitly;
            # secscan's walker already decided what to scan (tracked code in such folders included).
            "-x", NO_DEFAULT_EXCLUDES,
            IGNORE_NOSEC,
            *_config_args(ctx.target),
            "--",
            *files,
            *map(str, canary_files),
        ]
        return [Invocation(tuple(argv), ctx.target, ctx.timeout, label="bandit")]

    def cache_salt(self, ctx: ScanContext) -> str:
        """The configuration files, and the flag that reports # nosec findings (older entries lack them)."""
        return f"{super().cache_salt(ctx)}\0{IGNORE_NOSEC}"

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        parsed = parse_tool_output(
            self.name, "bandit", bandit_parser.parse, res, accept=lambda rc: rc not in FATAL_EXIT_CODES
        )
        return replace(parsed, findings=native_markers.mark_bandit(ctx.target, parsed.findings))
