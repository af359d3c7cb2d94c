"""bandit: Python SAST. Honours the target's own bandit configuration (.bandit, pyproject.toml).

bandit runs with ``--ignore-nosec``: a finding on a ``# nosec`` line is reported, marked with the marker
(``scanners/native_markers.py``), and suppressed by secscan as "inline marker without reason", visibly.

The canary expects the canary tests (canaries.BANDIT_EXPECTED) that this configuration leaves enabled
(``skips``, a ``tests`` allow-list, legacy B001), read the way bandit reads them. Severity or confidence
thresholds in the configuration are not modelled: they make the canary fail, which says so loudly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from secscan.core.model import Category, Parsed
from secscan.parsers import bandit as bandit_parser
from secscan.process.runner import Invocation, ProcResult, Runner
from secscan.scanners import canaries, native_markers
from secscan.scanners.bandit_config import config_args, disabled_tests
from secscan.scanners.bandit_python import newer_syntax_hint, probe_newer, unparsed_here
from secscan.scanners.interface import (
    CachePolicy,
    Canary,
    CoverageKind,
    ScanContext,
    ScannerInfo,
    ScanOutput,
    Tool,
    ToolScanner,
)
from secscan.scanners.status import parse_tool_output

FATAL_EXIT_CODES = frozenset({2})  # argparse/usage errors; 0 = clean, 1 = issues found


NO_DEFAULT_EXCLUDES = "./.secscan-no-default-excludes"  # replaces bandit's default -x list, matches nothing
IGNORE_NOSEC = "--ignore-nosec"  # every finding is reported; secscan suppresses the # nosec ones visibly


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
            *config_args(ctx.target),
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

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        """The default run; files bandit could not parse are checked with the newer Pythons on PATH, and
        the reason says whether one of them parses them (and how to use it) or none does."""
        out = super().execute(ctx, files, canary_files, runner)
        parsed = out.parsed
        failed = (parsed.evidence or {}).get("failed_files")
        if not isinstance(failed, dict) or not parsed.reason:
            return out
        unparsed = unparsed_here(ctx.target, failed)
        probes = probe_newer(runner, ctx.target, unparsed[:200]) if unparsed else []
        hint = newer_syntax_hint(ctx.target, failed, probes=probes, newer=unparsed)
        if hint:  # bandit's Python is older than the code, or the file is broken: say which, and the fix
            parsed = replace(parsed, reason=f"{parsed.reason}; {hint}")
        return replace(out, parsed=parsed)
