"""bandit: Python SAST. Honours the target's own bandit configuration (.bandit, pyproject.toml).

The canary expects the canary tests (canaries.BANDIT_EXPECTED) that this configuration leaves enabled
(``skips``, a ``tests`` allow-list, legacy B001), read the way bandit reads them. Severity or confidence
thresholds in the configuration are not modelled: they make the canary fail, which says so loudly.
"""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Sequence
from pathlib import Path

from secscan.core.model import Category, Parsed
from secscan.parsers import bandit as bandit_parser
from secscan.process.runner import Invocation, ProcResult
from secscan.scanners import canaries
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
            *_config_args(ctx.target),
            "--",
            *files,
            *map(str, canary_files),
        ]
        return [Invocation(tuple(argv), ctx.target, ctx.timeout, label="bandit")]

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        return parse_tool_output(
            self.name, "bandit", bandit_parser.parse, res, accept=lambda rc: rc not in FATAL_EXIT_CODES
        )
