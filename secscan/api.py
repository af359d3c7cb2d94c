"""Library API: ``secscan.scan(path, ...)`` returns the same result the CLI writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from secscan.core.model import Finding, Result, ScannerResult
from secscan.core.options import ScanOptions
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


#: scan() keyword arguments that are command-line options too: merged with the configuration like them.
CLI_OPTIONS = ("timeout", "jobs", "allow_incomplete", "osv_db", "baseline", "require_pqc", "changed_since")


def scan(path: str | Path = ".", scanners: list[str] | str | None = None, offline: bool | None = None,
         fail_on: str | None = None, config: str | Path | None = None, **options: Any) -> ScanReport:
    """Scan a folder like ``secscan all PATH`` (without writing reports) and return the result.

    The target's ``[tool.secscan]`` (or ``config=FILE``) applies exactly as on the command line, and the
    arguments win over it like command-line options do (``offline=False`` overrides ``offline = true``
    like ``--no-offline``; ``None`` leaves the configuration's value). Extra keyword arguments are
    ScanOptions fields (e.g. ``timeout=120``, ``osv_db="advisories/"``, ``changed_since="origin/main"``,
    ``command="sast"``).
    Wrong options or configuration raise secscan.core.errors.UsageError (the CLI's exit 2).
    """
    import argparse

    from secscan.cli.scan import add_scan_arguments, build_options

    unknown = set(options) - set(ScanOptions.__dataclass_fields__) - {"target"}
    if unknown:
        raise TypeError(f"scan() got unknown option(s): {', '.join(sorted(unknown))}")
    parser = argparse.ArgumentParser(prog="secscan.scan", add_help=False)
    add_scan_arguments(parser, "all")
    args = parser.parse_args([str(path)])
    args.command = "all"
    names = scanners.split(",") if isinstance(scanners, str) else scanners
    args.scanners = ",".join(names) if names else None
    args.offline = offline
    args.fail_on, args.config = fail_on, Path(config) if config is not None else None
    for key in CLI_OPTIONS:
        if options.get(key) is not None:
            value = options.pop(key)
            setattr(args, key, Path(value) if key in ("osv_db", "baseline") else value)
    opts, _formats = build_options(args)
    rest: dict[str, Any] = {k: Path(v) if k in ("cache_dir", "output_dir") and isinstance(v, str) else v
            for k, v in options.items() if v is not None}
    if "excludes" in rest:
        rest["excludes"] = (*opts.excludes, *rest["excludes"])
    return ScanReport(run(replace(opts, output_dir=None, **rest)))
