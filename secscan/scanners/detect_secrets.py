"""detect-secrets, always with ``--all-files`` so a folder outside git is scanned for real.

detect-secrets drops files outside its working directory, so the canary must sit inside the target (the
engine puts it there when the target is writable). A target's ``.secrets.baseline`` supplies the team's
plugin and filter settings: it is copied, never modified.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from secscan.errors import ParseError
from secscan.model import Category, Finding, Status
from secscan.parsers import detect_secrets as ds_parser
from secscan.parsers.interface import Parsed
from secscan.scanners import canaries
from secscan.scanners.interface import (
    Canary, Invocation, ProcResult, ScanContext, ScanOutput, Scanner,
)

if TYPE_CHECKING:
    from secscan.run.runner import Runner

BASELINE = ".secrets.baseline"


class DetectSecretsScanner(Scanner):
    """Runs ``detect-secrets scan --all-files`` on the target's files plus the canary."""

    name = "detect-secrets"
    category = Category.SECRET
    per_file = True

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if files else "no files to scan"

    def cache_salt(self, ctx: ScanContext) -> str:
        path = ctx.target / BASELINE
        return path.read_text("utf-8", "replace") if path.is_file() else ""

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary({"canary_credentials.ini": canaries.fake_aws_key_file()}, frozenset({"aws-key"}))

    def canary_keys(self, finding: Finding) -> set[str]:
        text = f"{finding.rule_id} {finding.title} {finding.properties.get('type', '')}".lower()
        return {"aws-key"} if "aws" in text else set()

    def version_invocation(self, ctx: ScanContext) -> Invocation:
        return Invocation(("detect-secrets", "--version"), ctx.target, 30.0)

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        inside = [str(p.relative_to(ctx.target)) if p.is_absolute() and p.is_relative_to(ctx.target) else str(p)
                  for p in canary_files]
        with tempfile.TemporaryDirectory(prefix="secscan-ds-") as tmp:
            argv = ["detect-secrets", "scan", "--all-files"]
            baseline_copy: Path | None = None
            if (ctx.target / BASELINE).is_file():
                baseline_copy = Path(tmp) / "baseline.json"
                shutil.copyfile(ctx.target / BASELINE, baseline_copy)
                argv += ["--baseline", str(baseline_copy)]
            argv += ["--", *files, *inside]
            res = runner.run(Invocation(tuple(argv), ctx.target, ctx.timeout, label="detect-secrets"))
            if res.timed_out:
                return ScanOutput(Parsed(self.name, status=Status.TIMEOUT,
                                         reason=f"timed out after {ctx.timeout:.0f}s"), res.duration_s, 1)
            if res.error:
                return ScanOutput(Parsed(self.name, status=Status.FAILED, reason=res.error), res.duration_s, 1)
            if baseline_copy is not None and res.returncode == 0:
                res = ProcResult(res.invocation, 0, baseline_copy.read_bytes(), res.stderr, res.duration_s)
        parsed = self.parse(ctx, [res])
        cov = dict(parsed.coverage)
        cov["files_scanned"] = len(files)
        if baseline_copy is not None:
            cov["baseline_settings"] = 1
        return ScanOutput(Parsed(parsed.tool, parsed.findings, parsed.status, parsed.reason, cov,
                                 parsed.version), res.duration_s, 1)

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        if res.returncode != 0 or not res.stdout.strip():
            why = res.stderr_tail() or "no output"
            return Parsed(self.name, status=Status.FAILED, reason=f"detect-secrets exited {res.returncode}: {why}")
        try:
            return ds_parser.parse(res.stdout, "detect-secrets output")
        except ParseError as exc:
            return Parsed(self.name, status=Status.FAILED, reason=f"unreadable output: {exc.problem}")
