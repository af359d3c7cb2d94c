"""npm audit on each package-lock.json of the target (or offline OSV records with --osv-db)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from secscan.advisories import npm_lockfile
from secscan.errors import ParseError
from secscan.model import Category, Status
from secscan.parsers import npm_audit as npm_parser
from secscan.parsers.interface import Parsed
from secscan.scanners.interface import Invocation, ProcResult, ScanContext, ScanOutput, Scanner
from secscan.scanners.status import combine

if TYPE_CHECKING:
    from secscan.run.runner import Runner


class NpmAuditScanner(Scanner):
    """``npm audit --json --package-lock-only`` in every folder holding a lockfile."""

    name = "npm-audit"
    category = Category.DEPENDENCY
    needs_network = True

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        if not npm_lockfile.find_npm_lockfiles(ctx.target, files):
            return "no package-lock.json in the target"
        if ctx.osv_db is None and not ctx.options.get("npm_path"):
            return "npm not found on PATH"
        return None

    def version_invocation(self, ctx: ScanContext) -> Invocation:
        return Invocation(("npm", "--version"), ctx.target, 30.0)

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        lockfiles = npm_lockfile.find_npm_lockfiles(ctx.target, files)
        if ctx.osv_db is not None:
            from secscan.advisories import osv

            p = npm_lockfile.audit_npm(ctx.target, lockfiles, osv.load_db(ctx.osv_db))
            return ScanOutput(Parsed(self.name, p.findings, p.status, p.reason,
                                     {**p.coverage, "lockfiles": len(lockfiles)}, "osv-db",
                                     {"advisory_source": f"osv-db {ctx.osv_db}"}))
        parts: list[Parsed] = []
        total = 0.0
        for lock in lockfiles:
            folder = (ctx.target / lock).parent
            inv = Invocation(("npm", "audit", "--json", "--package-lock-only"), folder, ctx.timeout,
                             env={"npm_config_update_notifier": "false", "npm_config_fund": "false"},
                             label=f"npm audit {lock}")
            res = runner.run(inv)
            total += res.duration_s
            if res.timed_out:
                parts.append(Parsed(self.name, status=Status.TIMEOUT, reason=f"{lock}: timed out"))
                continue
            p = self.parse(ctx, [res])
            manifest = lock
            findings = tuple(f.with_(package=f.package.__class__(
                f.package.name, f.package.version, f.package.fixed_versions, f.package.ecosystem, manifest))
                if f.package else f for f in p.findings)
            parts.append(Parsed(self.name, findings, p.status, f"{lock}: {p.reason}" if p.reason else None,
                                p.coverage, p.version))
        out = combine(self.name, parts)
        return ScanOutput(Parsed(self.name, out.findings, out.status, out.reason,
                                 {**out.coverage, "lockfiles": len(lockfiles)}, out.version,
                                 {"advisory_source": "npm registry audit endpoint"}), total, len(parts))

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        if res.error:
            return Parsed(self.name, status=Status.FAILED, reason=res.error)
        if not res.stdout.strip():
            return Parsed(self.name, status=Status.FAILED,
                          reason=f"npm audit exited {res.returncode}: {res.stderr_tail() or 'no output'}")
        try:
            return npm_parser.parse(res.stdout, "npm audit output")
        except ParseError as exc:
            return Parsed(self.name, status=Status.FAILED, reason=f"unreadable output: {exc.problem}")
