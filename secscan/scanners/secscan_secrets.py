"""secscan-secrets: secscan's own secret patterns, run in process (no subprocess)."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.core.model import Category, Parsed, Status
from secscan.core.version import __version__
from secscan.scanners import canaries
from secscan.scanners.interface import (
    CachePolicy,
    Canary,
    InProcessScanner,
    ScanContext,
    ScannerInfo,
    ScanOutput,
)

if TYPE_CHECKING:
    from secscan.process.runner import Runner

CANARY_FILE = "secscan_canary_credentials.ini"
CANARY_EXPECTED = frozenset({"secscan.aws-access-key-id"})


class SecscanSecretsScanner(InProcessScanner):
    """Scans every target file with the bundled secret patterns (rules/secrets/*.yaml)."""

    info = ScannerInfo("secscan-secrets", Category.SECRET, cache=CachePolicy.PER_FILE,
                       rule_ids=(r"^secscan\.",))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary({CANARY_FILE: canaries.fake_aws_key_file()}, CANARY_EXPECTED)

    def cache_salt(self, ctx: ScanContext) -> str:
        """The patterns file's content (the ``secret_patterns`` option, else the bundled file)."""
        from secscan.analyzers.secrets.engine import ScanOptions
        from secscan.core.resources import rules_path, tree_hash

        opts = ScanOptions.from_mapping(ctx.options)
        path = opts.patterns_file or rules_path("secrets")  # every bundled rule file and the severity table
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else tree_hash(path)
        except OSError as exc:
            return f"unreadable {path}: {exc}"
        return f"{path}\0{digest}\0{opts.backend}"

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        """Scan the target files (relative to ctx.target) and the canary files (absolute paths)."""
        from secscan.analyzers.secrets.engine import ScanOptions, get_engine

        started = time.monotonic()
        try:
            opts = ScanOptions.from_mapping(ctx.options)
            engine = get_engine(opts)
        except (ValueError, TypeError) as exc:
            reason = f"secret patterns unusable: {exc}"
            return ScanOutput(Parsed(self.name, status=Status.FAILED, reason=reason, version=__version__),
                              time.monotonic() - started)
        # placeholder hits are kept (marked): the results layer suppresses them, visible and counted
        real = engine.scan_paths(ctx.target, list(files), replace(opts, keep_placeholders=True))
        canary = engine.scan_paths(ctx.target, [str(ctx.target / p) for p in canary_files], opts)
        cov = dict(real.coverage)
        cov["patterns"] = len(engine.patterns)
        evidence: dict[str, Any] = {"engine": engine.prefilter.name}
        status, why = Status.OK, uncovered_reason(real.uncovered)
        if why is not None:  # the engine's per-file failures: the cache keeps them, so they stay reported
            status, evidence["failed_files"] = Status.PARTIAL, dict(real.uncovered)
        parsed = Parsed(self.name, tuple(real.findings + canary.findings), status, why, cov, __version__,
                        evidence=evidence)
        return ScanOutput(parsed, time.monotonic() - started)


SHOWN = 5
_WHY = {"unreadable": "could not be read", "skipped large": "were skipped as too large (max_stream_size)",
        "undecodable": "could not be decoded"}


def uncovered_reason(uncovered: Mapping[str, str]) -> str | None:
    """Why the run is partial: the files the engine could not cover, counted by why, the first few named
    (None when it covered every file)."""
    if not uncovered:
        return None
    kinds = Counter(uncovered.values())
    parts = [f"{n} {_WHY.get(kind, kind)}" for kind, n in sorted(kinds.items())]
    names = sorted(uncovered)
    shown = ", ".join(f"{name} ({uncovered[name]})" for name in names[:SHOWN])
    more = f" (+{len(names) - SHOWN} more)" if len(names) > SHOWN else ""
    return f"{len(names)} file(s) not covered: {'; '.join(parts)}: {shown}{more}"
