"""Options of one scan, as the CLI, the configuration file and the library API give them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ScanOptions:
    """Everything that decides what a scan does."""

    target: Path
    command: str = "all"
    scanners: tuple[str, ...] | None = None  # --scanners: run only these (and they are then required)
    required: tuple[str, ...] = ()
    offline: bool = False
    timeout: float = 900.0
    timeouts: dict[str, float] = field(default_factory=dict)  # per scanner, over timeout
    git_ignore: bool = True  # leave out what git ignores (--no-git-ignore scans it too)
    jobs: int = 0  # 0: number of CPUs
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
    output_dir: Path | None = None
    staged: bool = False
    paths: tuple[str, ...] = ()  # explicit files (secrets FILES..., pre-commit)
    severity_overrides: dict[str, str] = field(default_factory=dict)
    ignores: tuple[dict[str, Any], ...] = ()
    suppressions: tuple[dict[str, Any], ...] = ()
    require_pqc: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
