"""Library API: ``secscan.scan(path, ...)`` returns the same result the CLI writes."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from secscan.errors import UsageError
from secscan.model import Finding, Result, ScannerResult
from secscan.options import ScanOptions
from secscan.run.runner import Runner
from secscan.scanners.interface import Invocation


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
        from secscan.formats.json_report import to_dict

        return to_dict(self.result)

    def to_json(self) -> str:
        """The JSON report text (what secscan.json holds)."""
        from secscan.formats.json_report import dumps

        return dumps(self.result)


def _staged_copy(repo: Path, runner: Runner) -> Path:
    """Export what git has staged into a temporary folder (so the index is scanned, not the work tree)."""
    res = runner.run(Invocation(("git", "diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"), repo, 60.0))
    if res.error or res.returncode != 0:
        raise UsageError(f"--staged: git failed in {repo}: {res.stderr_tail() or res.error}")
    names = [n for n in res.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    tmp = Path(tempfile.mkdtemp(prefix="secscan-staged-"))
    if names:
        export = runner.run(Invocation(("git", "checkout-index", f"--prefix={tmp}/", "--", *names), repo, 120.0))
        if export.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise UsageError(f"--staged: cannot export staged files: {export.stderr_tail()}")
    return tmp


def run(opts: ScanOptions, progress: Callable[[str, str, float], None] | None = None,
        runner: Runner | None = None) -> Result:
    """Run a scan described by options (the CLI's entry point into the library)."""
    from secscan.engine import scan as engine_scan

    runner = runner or Runner()
    if not opts.staged:
        return engine_scan(opts, progress, runner)
    tmp = _staged_copy(opts.target, runner)
    try:
        result = engine_scan(replace(opts, target=tmp, paths=()), progress, runner)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return replace(result, target=str(opts.target))


def scan(path: str | Path = ".", scanners: list[str] | None = None, offline: bool = False,
         fail_on: str = "critical", **options: Any) -> ScanReport:
    """Scan a folder like ``secscan all`` (without writing reports) and return the result.

    Extra keyword arguments are ScanOptions fields (e.g. ``timeout=120``, ``osv_db=Path(...)``, ``canary=False``).
    """
    from secscan import config as config_mod

    target = Path(path).resolve()
    conf = config_mod.load(target)
    opts = ScanOptions(target=target, scanners=tuple(scanners) if scanners else conf.get("scanners"),
                       offline=offline or bool(conf.get("offline", False)), fail_on=fail_on, **options)
    return ScanReport(run(opts))
