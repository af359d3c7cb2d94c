"""Options of one scan, as the CLI, the configuration file and the library API give them.

``secscan.config.build_options`` makes them (from the one table of options in ``secscan.config.declare``);
they are frozen: code that needs other options makes a copy with ``dataclasses.replace``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from secscan.core.model import Configuration

DEFAULT_FORMATS = ("json", "md", "html", "sarif")  # the contract's default; gitlab on request


class Source(StrEnum):
    """Where a setting came from. The scanned tree is untrusted (README "Trust model"): settings from it that
    execute, contact or choose what counts as a vulnerability are refused unless the caller trusts it."""

    DEFAULT = "default"
    TREE = "tree"  # [tool.secscan] in the scanned tree's pyproject.toml (untrusted)
    USER_CONFIG = "user-config"  # $SECSCAN_CONFIG or ~/.config/secscan/config.toml (the user's own)
    CONFIG_FILE = "config-file"  # --config FILE (config= in the API): chosen by whoever runs secscan
    COMMAND_LINE = "command-line"
    API = "api"  # an argument of secscan.scan() or build_options()


@dataclass(frozen=True)
class ScanOptions:
    """Everything that decides what a scan does."""

    target: Path
    command: str = "all"
    scanners: tuple[str, ...] | None = None  # --scanners: run only these (and they are then required)
    required: tuple[str, ...] = ()
    offline: bool = False
    timeout: float = 900.0
    timeouts: Mapping[str, float] = field(default_factory=dict)  # per scanner, over timeout
    git_ignore: bool = True  # leave out what git ignores (--no-git-ignore scans it too)
    jobs: int = 0  # 0: one per scanner that runs (--jobs N is 1 or more)
    fail_on: str = "critical"
    allow_incomplete: bool = False
    canary: bool = True
    imports: tuple[tuple[str, Path], ...] = ()
    baseline: Path | None = None
    changed_since: str | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    shard: tuple[int, int] | None = None
    osv_db: Path | None = None
    images: tuple[str, ...] = ()
    no_containers: bool = False
    excludes: tuple[str, ...] = ()
    output_dir: Path | None = None  # where the CLI writes reports (the API writes none)
    formats: tuple[str, ...] = DEFAULT_FORMATS  # report formats the CLI writes
    staged: bool = False
    paths: tuple[str, ...] = ()  # explicit files (secrets FILES..., pre-commit)
    severity_overrides: Mapping[str, str] = field(default_factory=dict)
    ignores: tuple[Mapping[str, Any], ...] = ()
    suppressions: tuple[Mapping[str, Any], ...] = ()
    require_pqc: bool = False
    trust_tree_config: bool = False  # the tree's dangerous settings apply (--trust-tree-config)
    strict: bool = False  # gate-weakening settings the change adds to the tree's configuration are ignored
    gate_tests: bool = False  # SAST findings in test and example code count for the gate too
    # scanner-specific settings handed to the scanners as ScanContext.options (pqc_*, mtls_*, semgrep_rules)
    extra: Mapping[str, Any] = field(default_factory=dict)
    # setting name -> every place that gave it, lowest precedence first (missing: the default)
    sources: Mapping[str, tuple[Source, ...]] = field(default_factory=dict, compare=False, repr=False)
    # the configuration in effect: gate-weakening, refused and ignored settings, for the reports
    configuration: Configuration = field(default_factory=Configuration, compare=False, repr=False)

    def source(self, name: str) -> Source:
        """Where the value of a setting came from (the place that won)."""
        return self.sources.get(name, (Source.DEFAULT,))[-1]
