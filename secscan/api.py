"""Library API: ``secscan.scan(path, ...)`` returns the same result the CLI writes."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from secscan.core.errors import UsageError
from secscan.core.model import Finding, Result, ScannerResult
from secscan.core.options import ScanOptions, Source
from secscan.process.runner import Runner


@dataclass(frozen=True)
class ScanReport:
    """A finished scan: findings, scanner health, summary, and the contract's JSON."""

    result: Result

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding (suppressed and pre-existing ones included, marked)."""
        return self.result.findings

    @property
    def scanners(self) -> tuple[ScannerResult, ...]:
        """Every scanner's outcome."""
        return self.result.scanners

    @property
    def summary(self) -> dict[str, Any]:
        """Counts, gate and actions, as in the JSON report."""
        summary: dict[str, Any] = self.to_dict()["summary"]
        return summary

    @property
    def exit_code(self) -> int:
        """The gate's exit code."""
        return self.result.gate.exit_code

    def to_dict(self) -> dict[str, Any]:
        """The JSON report as a dict."""
        from secscan.core.serialize import to_dict

        return to_dict(self.result)

    def to_json(self) -> str:
        """The JSON report text (what secscan.json holds)."""
        from secscan.formats.json_report import dumps

        return dumps(self.result)


def run(
    opts: ScanOptions, progress: Callable[[str, str, float], None] | None = None, runner: Runner | None = None
) -> Result:
    """Run a scan described by options (the CLI's entry point into the library).

    secscan's own baseline file (``.secscan-baseline.json``, and the ``--baseline`` file) is never scanned: it
    holds fingerprints and hashes that entropy-based secret detectors would report.
    """
    from secscan.results.triage import BASELINE_NAME
    from secscan.run.engine import scan as engine_scan

    runner = runner or Runner()
    excludes = [BASELINE_NAME]
    if opts.baseline is not None and opts.baseline.resolve().is_relative_to(opts.target.resolve()):
        excludes.append(opts.baseline.resolve().relative_to(opts.target.resolve()).as_posix())
    opts = replace(opts, excludes=(*opts.excludes, *(e for e in excludes if e not in opts.excludes)))
    if opts.staged:
        from secscan.run.staged import run_staged

        return run_staged(opts, progress, runner)
    return engine_scan(opts, progress, runner)


def scan(
    path: str | os.PathLike[str] = ".", *, command: str = "all", config: str | os.PathLike[str] | None = None,
    scanners: Sequence[str] | str | None = None, required: Sequence[str] | None = None,
    offline: bool | None = None, fail_on: str | None = None, allow_incomplete: bool | None = None,
    timeout: float | None = None, timeouts: Mapping[str, float] | None = None, jobs: int | None = None,
    canary: bool | None = None, imports: Sequence[str | tuple[str, str | os.PathLike[str]]] | None = None,
    baseline: str | os.PathLike[str] | None = None, changed_since: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None, use_cache: bool | None = None,
    shard: str | tuple[int, int] | None = None, osv_db: str | os.PathLike[str] | None = None,
    images: Sequence[str] | None = None, no_containers: bool | None = None, git_ignore: bool | None = None,
    staged: bool | None = None, excludes: Sequence[str] | None = None,
    severity_overrides: Mapping[str, str] | None = None, ignores: Sequence[Mapping[str, Any]] | None = None,
    suppressions: Sequence[Mapping[str, Any]] | None = None, require_pqc: bool | None = None,
    semgrep_rules: str | os.PathLike[str] | None = None, pqc_python: str | os.PathLike[str] | None = None,
    pqc_algs: Sequence[str] | None = None, mtls_target: str | None = None,
    mtls_ca: str | os.PathLike[str] | None = None, mtls_cert: str | os.PathLike[str] | None = None,
    mtls_key: str | os.PathLike[str] | None = None, mtls_server_name: str | None = None,
    mtls_pq: bool | None = None, mtls_require_pq: bool | None = None, trust_tree_config: bool | None = None,
    strict: bool | None = None, gate_tests: bool | None = None, history: bool | str | None = None,
) -> ScanReport:
    """Scan a folder like ``secscan COMMAND PATH`` (``all`` by default), without writing reports.

    The target's ``[tool.secscan]`` (or ``config=FILE``) applies exactly as on the command line, and the
    arguments win over it like command-line options do (``None``: not given; ``offline=False`` overrides
    ``offline = true`` like ``--no-offline``; ``excludes`` adds to the configuration's ``exclude``).
    Each keyword is an option of the table in ``secscan.config.declare`` (docs/api.md lists them).
    The scanned tree is untrusted (README "Trust model"): its settings that run a program, open connections
    or choose the advisories are refused unless ``trust_tree_config=True``; ``strict=True`` ignores the
    gate-weakening settings a change adds to it. ``report.result.configuration`` describes what applied.
    A wrong value, a missing folder or a bad configuration raises secscan.core.errors.UsageError (the CLI's
    exit 2); ``path`` is always a folder, never an option.
    """
    given = {k: v for k, v in locals().items() if k not in ("path", "command", "config")}  # the options
    from secscan.config.build import build_options
    from secscan.config.declare import SCAN_COMMANDS

    if command not in SCAN_COMMANDS:
        raise UsageError(f"command must be one of {', '.join(SCAN_COMMANDS)}, not {command!r}")

    opts = build_options(path, command=command, config_file=config, origin=Source.API, **given)
    return ScanReport(run(opts))
