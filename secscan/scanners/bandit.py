"""bandit: Python SAST. Honours the target's own bandit configuration (.bandit, pyproject.toml)."""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Sequence
from pathlib import Path

from secscan.errors import ParseError
from secscan.model import Category, Status
from secscan.parsers import bandit as bandit_parser
from secscan.parsers.interface import Parsed
from secscan.scanners import canaries
from secscan.scanners.interface import Canary, Invocation, ProcResult, ScanContext, Scanner

FATAL_EXIT_CODES = frozenset({2})  # argparse/usage errors; 0 = clean, 1 = issues found


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


def configured_skips(target: Path) -> frozenset[str]:
    """Test ids the target's bandit configuration skips."""
    skips: list[str] = []
    ini = target / ".bandit"
    if ini.is_file():
        cp = configparser.ConfigParser()
        try:
            cp.read_string(ini.read_text("utf-8", "replace"))
            raw = cp.get("bandit", "skips", fallback="")
        except configparser.Error:
            raw = ""
        skips += [s.strip() for s in raw.split(",") if s.strip()]
    pyproject = target / "pyproject.toml"
    if pyproject.is_file():
        try:
            tool = tomllib.loads(pyproject.read_text("utf-8", "replace")).get("tool", {})
        except tomllib.TOMLDecodeError:
            tool = {}
        value = tool.get("bandit", {}).get("skips", []) if isinstance(tool.get("bandit"), dict) else []
        skips += [str(s) for s in value] if isinstance(value, list) else []
    return frozenset(skips)


class BanditScanner(Scanner):
    """Runs ``bandit -f json`` on the Python files of the target plus the canary."""

    name = "bandit"
    category = Category.SAST
    per_file = True
    file_suffixes = (".py", ".pyw")

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if files else "no Python files in the target"

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary({"canary_bandit.py": canaries.PYTHON_CANARY}, canaries.BANDIT_EXPECTED)

    def cache_salt(self, ctx: ScanContext) -> str:
        parts = []
        for name in (".bandit", "pyproject.toml"):
            path = ctx.target / name
            parts.append(path.read_text("utf-8", "replace") if path.is_file() else "")
        return "\0".join(parts)

    def disabled_canary_ids(self, ctx: ScanContext) -> frozenset[str]:
        return configured_skips(ctx.target)

    def invocations(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path]) -> list[Invocation]:
        argv = ["bandit", "-f", "json", "-q", *_config_args(ctx.target), "--", *files, *map(str, canary_files)]
        return [Invocation(tuple(argv), ctx.target, ctx.timeout, label="bandit")]

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        if res.returncode in FATAL_EXIT_CODES or not res.stdout.strip():
            why = res.stderr_tail() or "no output"
            return Parsed(self.name, status=Status.FAILED, reason=f"bandit exited {res.returncode}: {why}")
        try:
            return bandit_parser.parse(res.stdout, "bandit output")
        except ParseError as exc:
            return Parsed(self.name, status=Status.FAILED, reason=f"unreadable output: {exc.problem}")

    def version_invocation(self, ctx: ScanContext) -> Invocation:
        return Invocation(("bandit", "--version"), ctx.target, 30.0, label="bandit --version")
