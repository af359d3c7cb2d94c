"""The scanner interface.

Every scanner declares what it is (``ScannerInfo``: its executable and how it is found, the configuration
files it reads, its cache policy, the finding categories and rule ids it reports) as a class attribute; the
tables the rest of secscan needs (doctor's executables, staleness producers, GitLab report kinds, cache
policies) are derived from those declarations through ``secscan.scanners.registry``.

A ``ToolScanner`` runs an external tool: it says which processes to start and how to read their output (a
pure parser). An ``InProcessScanner`` runs in secscan's own process (the secret engine, the PQC and mTLS
checks). The engine owns files, canaries, the cache and sharding; ``secscan.process.runner`` is the only
module that starts processes.
"""

from __future__ import annotations

import enum
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from secscan.core.model import Category, Finding, Parsed, SkipCause, Status
from secscan.process.runner import Invocation, ProcResult, Runner

#: Advisory ids (CVE, GHSA, PYSEC, OSV...) that the dependency scanners report.
ADVISORY_IDS = r"(?i)^(CVE|GHSA|PYSEC|OSV|GO|RUSTSEC|GSD|MAL)-"


class CachePolicy(enum.Enum):
    """How the incremental cache may answer for a scanner."""

    PER_FILE = "per-file"  # findings cached per file content; the scanner takes a file list (shardable)
    WHOLE_TREE = "whole-tree"  # one entry keyed by every file it reads (cache_inputs); online: expires
    WHOLE_TREE_ALWAYS_EXPIRE = "whole-tree-always-expire"  # likewise, and expires offline too (own database)
    NONE = "none"  # always runs


class CoverageKind(enum.Enum):
    """Where a scanner's coverage numbers come from."""

    SELF_REPORTED = "self-reported"  # the scanner judges its own coverage
    FILES_SCANNED = "files-scanned"  # the tool counts files_scanned (canary too): checked against its input


@dataclass(frozen=True)
class Tool:
    """The external executable a tool scanner starts, and what to say when it is missing."""

    executable: str
    package: str | None = None  # the Python package secscan depends on for it (bundled); None: external
    install: str = ""  # how to install an external tool (a hint shown when it is missing)
    # a pinned pip requirement ("checkov==3.3.30") secscan installs into an isolated environment of its own
    # on first use (scanners/managed.py): for a tool whose dependencies cannot share secscan's environment
    managed: str = ""
    # its report names its own version (semgrep's and detect-secrets' JSON): no separate --version process
    # unless a run's output lacks it (1.2 CPU-s of every semgrep run)
    version_in_output: bool = False

    @property
    def bundled(self) -> bool:
        """True when the tool ships with secscan (a dependency): missing means a broken installation."""
        return self.package is not None or bool(self.managed)

    def missing_hint(self) -> str:
        """What to do when the executable is not found."""
        if self.managed:
            return (f"secscan installs {self.managed} into its own environment on first use "
                    "(SECSCAN_TOOLS_HOME, default ~/.cache/secscan/tools; needs the package index once), "
                    f"or put a {self.executable} on SECSCAN_TOOL_PATH")
        if self.package is not None:
            return (f"{self.executable} ships with secscan (dependency {self.package}): reinstall secscan in "
                    "its environment (`python -m pip install --force-reinstall secscan`, or "
                    "`pipx reinstall secscan`)")
        return f"install {self.executable}: {self.install}" if self.install else f"install {self.executable}"


@dataclass(frozen=True)
class ScannerInfo:
    """What a scanner declares about itself; every scanner-wide table is derived from these."""

    name: str  # the report name (the registry key)
    category: Category  # its main finding category
    tool: Tool | None = None  # None: runs in process
    config_files: tuple[str, ...] = ()  # the target's files that configure the tool (.bandit, ...)
    cache: CachePolicy = CachePolicy.NONE
    coverage: CoverageKind = CoverageKind.SELF_REPORTED
    needs_network: bool = False  # skipped under --offline (unless an --osv-db replaces the network)
    busy: bool = False  # keeps at least one core busy for most of a run (an external analysis tool)
    file_suffixes: tuple[str, ...] = ()  # which files it wants (empty: every file)
    categories: frozenset[Category] = frozenset()  # finding categories it reports (empty: its category)
    rule_ids: tuple[str, ...] = ()  # regular expressions of the rule ids it reports

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a scanner needs a name")
        if not self.categories:
            object.__setattr__(self, "categories", frozenset({self.category}))
        for pattern in self.rule_ids:
            re.compile(pattern)

    @property
    def executable(self) -> str | None:
        """The executable's name, or None for an in-process scanner."""
        return self.tool.executable if self.tool is not None else None

    @property
    def bundled(self) -> bool:
        """True when its executable ships with secscan (or it runs in process)."""
        return self.tool is None or self.tool.bundled

    def produces(self, rule_id: str) -> bool:
        """True when this scanner can report the rule id."""
        return any(re.search(p, rule_id) for p in self.rule_ids)


@dataclass(frozen=True)
class Skip:
    """Why a scanner does not run here: the reason shown, and its cause as data. ``applies()`` may return a
    plain string instead, which means there is nothing of its kind to scan (``SkipCause.NOTHING_TO_SCAN``)."""

    reason: str
    cause: SkipCause = SkipCause.NOTHING_TO_SCAN

    @staticmethod
    def of(value: str | Skip | None) -> Skip | None:
        """``applies()``'s answer as a Skip (None: it applies)."""
        return Skip(value) if isinstance(value, str) else value


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
    # the settings scanners declare for themselves (config/declare.py: pqc_*, mtls_*, semgrep_rules,
    # prefilter, history*, the secret engine's limits), each read by its scanner's own settings type
    options: Mapping[str, Any] = field(default_factory=dict)
    # settings of the run that several scanners read
    trust_tree_config: bool = False  # the tree's own tool settings (.npmrc) may be used
    no_containers: bool = False  # image scanning turned off
    output_dir: Path | None = None  # the report folder (never part of what is scanned)
    advisory_max_age_days: int | None = None  # an installed advisory database older than this is partial
    tool_path: str | None = None  # the PATH tools are looked up on (part of the cache scope)
    # Cores one scanner may use while the others run beside it (0: the tool's own default). It never
    # changes results, so it is not part of a cache key.
    cpu_share: int = 0
    # secscan's own canary folders (relative to the target when inside it, else absolute): this run's, and
    # the marked folders nothing is tracked in that the walk left out. A folder merely named like one is
    # not among them: findings are canary findings only inside these.
    canary_dirs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScanOutput:
    """What a scanner execution returns to the engine, before canary checks and merging."""

    parsed: Parsed
    duration_s: float = 0.0
    processes: int = 0


class Scanner(ABC):
    """What every scanner has in common: its declaration, applicability, canary and cache inputs."""

    info: ClassVar[ScannerInfo]

    @property
    def name(self) -> str:
        """The report name."""
        return self.info.name

    @property
    def category(self) -> Category:
        """The main finding category."""
        return self.info.category

    @property
    def needs_network(self) -> bool:
        """Skipped under --offline (unless an OSV folder replaces the network)."""
        return self.info.needs_network

    @property
    def per_file(self) -> bool:
        """Scans a list of files: cacheable per file and shardable."""
        return self.info.cache is CachePolicy.PER_FILE

    @property
    def busy(self) -> bool:
        """Keeps at least one core busy for most of a run."""
        return self.info.busy

    @property
    def file_suffixes(self) -> tuple[str, ...]:
        """Which files it wants (empty: every file)."""
        return self.info.file_suffixes

    @abstractmethod
    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | Skip | None:
        """None when it applies, else why it is skipped (a string: nothing of its kind to scan)."""

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
        """Everything besides file contents and the tool's identity that changes results: by default the
        contents of the configuration files it declares (rules and other settings: override)."""
        parts = []
        for name in self.info.config_files:
            path = ctx.target / name
            parts.append(path.read_text("utf-8", "replace") if path.is_file() else "")
        return "\0".join(parts)

    @abstractmethod
    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        """Run the scanner on the files (relative to ctx.target) and the canary files."""


class ToolScanner(Scanner):
    """A scanner that starts an external tool through the runner and parses its output."""

    @property
    def tool(self) -> Tool:
        """The executable it starts."""
        tool = self.info.tool
        if tool is None:
            raise TypeError(f"{type(self).__name__} is a ToolScanner without a Tool in its ScannerInfo")
        return tool

    def needs_executable(self, ctx: ScanContext) -> bool:
        """Whether this run starts the tool (dependency audits from an OSV folder do not)."""
        return True

    def version_command(self, ctx: ScanContext) -> Invocation:
        """A cheap process that prints the tool's version."""
        exe = self.tool.executable
        return Invocation((exe, "--version"), ctx.target, 30.0, label=f"{exe} --version")

    def invocations(self, ctx: ScanContext, files: Sequence[str],
                    canary_files: Sequence[Path]) -> list[Invocation]:
        """The processes to start; files are relative to ctx.target (or override ``execute``)."""
        raise NotImplementedError(f"{self.name}: override invocations() or execute()")

    @abstractmethod
    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        """Read the processes' output (pure apart from the given results)."""

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        """The default starts the invocations and parses their output."""
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


class InProcessScanner(Scanner):
    """A scanner that runs in secscan's own process (it may still start a child through the runner)."""


def in_canary_dir(path: str, canary_dirs: Sequence[str]) -> bool:
    """True when path (relative to the target, or absolute) lies inside one of secscan's canary folders."""
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in canary_dirs if d)


def is_canary_finding(f: Finding, canary_paths: Sequence[str]) -> bool:
    """True when the finding's location is one of the canary files."""
    if f.location is None:
        return False
    return any(f.location.path == p or f.location.path.endswith("/" + p.lstrip("/")) for p in canary_paths)
