"""The scanner interface.

A scanner says whether it applies to a target, which processes to start (or runs in process), how to
read their output (a pure parser), and which canary it must detect. The engine owns files, canaries, the
cache and sharding; ``secscan.process.runner`` is the only module that starts processes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secscan.core.model import Category, Finding, Parsed, Status
from secscan.process.runner import Invocation, ProcResult, Runner


@dataclass(frozen=True)
class Canary:
    """A small input with known problems, scanned in the same invocation as the real targets."""

    files: Mapping[str, str]  # file name -> content, written into a private folder
    expected: frozenset[str]  # rule ids or identifiers the scanner must report
    require_all: bool = True  # every expected (not disabled by config) id must be found


@dataclass
class ScanContext:
    """Everything a scanner may look at."""

    target: Path
    offline: bool = False
    timeout: float = 600.0
    rules_dir: Path | None = None
    osv_db: Path | None = None
    images: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    # Cores one scanner may use while the others run beside it (0: the tool's own default). It never
    # changes results, so it is not part of a cache key.
    cpu_share: int = 0


@dataclass(frozen=True)
class ScanOutput:
    """What a scanner execution returns to the engine, before canary checks and merging."""

    parsed: Parsed
    duration_s: float = 0.0
    processes: int = 0


class Scanner(ABC):
    """Base class for every scanner adapter."""

    name: str = ""
    category: Category = Category.SAST
    needs_network: bool = False
    per_file: bool = False  # scans a list of files: cacheable per file and shardable
    busy: bool = False  # keeps at least one core busy for most of a run (an external analysis tool)
    file_suffixes: tuple[str, ...] = ()  # which files it wants (empty: every file)

    @abstractmethod
    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        """None when it applies, else the reason it is skipped."""

    def canary(self, ctx: ScanContext) -> Canary | None:
        """The canary for this scanner, or None when it has none."""
        return None

    def disabled_canary_ids(self, ctx: ScanContext) -> frozenset[str]:
        """Expected canary ids that the target's own configuration disables."""
        return frozenset()

    def canary_keys(self, finding: Finding) -> set[str]:
        """The keys a canary finding is matched on (rule id and identifiers by default)."""
        return {finding.rule_id, *finding.identifiers}

    def split_canary(self, findings: Sequence[Finding], canary_paths: Sequence[str]
                     ) -> tuple[list[Finding], list[Finding]]:
        """Separate the canary's findings from the real ones (by location by default)."""
        canary = [f for f in findings if is_canary_finding(f, canary_paths)]
        real = [f for f in findings if not is_canary_finding(f, canary_paths)]
        return canary, real

    def cache_inputs(self, ctx: ScanContext, files: Sequence[str]) -> list[Path]:
        """The files whose contents decide a whole-tree audit's result (dependency scanners: manifests,
        their includes, tool settings); an edit to any of them invalidates its cache entry."""
        return []

    def cache_salt(self, ctx: ScanContext) -> str:
        """Everything besides file contents and the tool's identity that changes results (rules, config)."""
        return ""

    def version_invocation(self, ctx: ScanContext) -> Invocation | None:
        """A cheap process that prints the tool's version, or None."""
        return None

    def invocations(self, ctx: ScanContext, files: Sequence[str],
                    canary_files: Sequence[Path]) -> list[Invocation]:
        """The processes to start; files are relative to ctx.target."""
        return []

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        """Read the processes' output (pure apart from the given results)."""
        raise NotImplementedError

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        """Run the scanner. The default starts the invocations and parses their output."""
        invs = self.invocations(ctx, files, canary_files)
        results = [runner.run(inv) for inv in invs]
        for r in results:
            if r.timed_out:
                return ScanOutput(Parsed(self.name, status=Status.TIMEOUT,
                                         reason=f"timed out after {r.invocation.timeout:.0f}s"),
                                  sum(x.duration_s for x in results), len(results))
            if r.error:
                return ScanOutput(Parsed(self.name, status=Status.FAILED, reason=r.error),
                                  sum(x.duration_s for x in results), len(results))
        return ScanOutput(self.parse(ctx, results), sum(x.duration_s for x in results), len(results))


def is_canary_finding(f: Finding, canary_paths: Sequence[str]) -> bool:
    """True when the finding's location is one of the canary files."""
    if f.location is None:
        return False
    return any(f.location.path == p or f.location.path.endswith("/" + p.lstrip("/")) for p in canary_paths)
