"""npm audit on each package-lock.json of the target (or offline OSV records with --osv-db).

Online: ``npm audit --json --package-lock-only`` in the lockfile's folder. npm answers some failures
(an audit endpoint that does not support bulk audits answers 405, ENOLOCK, ENOAUDIT) with an ``error``
object in its JSON, whatever its exit code: that is FAILED with npm's message, never a clean pass.
npm 7+ gives no installed versions: they are read back from the lockfile (one finding per installed
version, located at its lockfile line), so the same advisory merges with Trivy's and the OSV audit's.
Online, the canary is a vulnerable package added to a private copy of each lockfile that npm audit then
runs on (analyzers/advisories/npm_canary.py). Offline (``--osv-db``): the lockfiles are audited against
the OSV folder, with a canary lockfile holding a package version that a record of that folder affects.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from secscan.analyzers.advisories import npm_canary, npm_lockfile
from secscan.analyzers.advisories.canary import audit_canaries
from secscan.analyzers.advisories.npm_resolve import resolve_versions
from secscan.analyzers.advisories.versions import NPM
from secscan.core.errors import ParseError
from secscan.core.model import Category, Finding, Location, Parsed, Status
from secscan.parsers import npm_audit as npm_parser
from secscan.process.runner import Invocation, ProcResult
from secscan.scanners.interface import (
    ADVISORY_IDS,
    CachePolicy,
    Canary,
    ScanContext,
    ScannerInfo,
    ScanOutput,
    Tool,
    ToolScanner,
)
from secscan.scanners.status import combine

if TYPE_CHECKING:
    from secscan.process.runner import Runner

NPM_ENV = {"npm_config_update_notifier": "false", "npm_config_fund": "false", "npm_config_progress": "false"}


NPMRC_WHY = ("the scanned tree's .npmrc chooses what npm contacts and which token it sends; "
             "--trust-tree-config uses it")


def trusted_npmrc(ctx: ScanContext) -> bool:
    """Whether npm may read the tree's .npmrc: its registry and auth settings choose what npm contacts and
    which token it sends (a ``${NPM_TOKEN}`` there is expanded from secscan's environment), so only when the
    caller trusts the tree's configuration (--trust-tree-config)."""
    return ctx.trust_tree_config


NPM_TOOL = Tool("npm", install="Node.js ships npm: https://nodejs.org/en/download, or a package manager "
                               "(apt install npm, brew install node)")


class NpmAuditScanner(ToolScanner):
    """``npm audit --json --package-lock-only`` in every folder holding a lockfile."""

    info = ScannerInfo("npm-audit", Category.DEPENDENCY, NPM_TOOL, config_files=(".npmrc",),
                       cache=CachePolicy.WHOLE_TREE, needs_network=True, rule_ids=(ADVISORY_IDS,))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        if not npm_lockfile.find_npm_lockfiles(ctx.target, files):
            return "no package-lock.json in the target"
        return None

    def needs_executable(self, ctx: ScanContext) -> bool:
        """Not with --osv-db: the lockfiles are then audited in process against the OSV records."""
        return ctx.osv_db is None

    def cache_inputs(self, ctx: ScanContext, files: Sequence[str]) -> list[Path]:
        """Each lockfile with the package.json and .npmrc (registry, auth, audit settings) beside it."""
        out = []
        for lock in npm_lockfile.find_npm_lockfiles(ctx.target, files):
            path = ctx.target / lock
            out += [path, *(path.parent / name for name in npm_canary.COPIED)]
        return out

    def canary(self, ctx: ScanContext) -> Canary | None:
        if ctx.osv_db is None:  # online: the canary rides in a copy of each lockfile (npm_canary)
            names = ", ".join(c.key for c in npm_canary.CANDIDATES)
            text = f"npm audit canary: the first of {names} absent from the lockfile\n"
            return Canary({"npm-audit-canary.txt": text}, frozenset({npm_canary.EXPECTED}))
        from secscan.analyzers.advisories import db_use, shipped

        (name, content), _key = db_use.canary_manifest(NPM)  # the record secscan ships, never the folder's
        return Canary({name: content}, frozenset({shipped.canary(NPM).record}))

    def canary_keys(self, finding: Finding) -> set[str]:
        keys = super().canary_keys(finding)
        if finding.package is not None and finding.package.name in npm_canary.CANDIDATE_NAMES:
            keys.add(npm_canary.EXPECTED)
        return keys

    def _offline(self, ctx: ScanContext, lockfiles: list[str], canary_files: Sequence[Path]) -> ScanOutput:
        from secscan.analyzers.advisories import osv

        assert ctx.osv_db is not None
        from secscan.analyzers.advisories import db_use

        db = osv.load_db(ctx.osv_db)
        p = db_use.with_age(npm_lockfile.audit_npm(ctx.target, lockfiles, db), db,
                            ctx.advisory_max_age_days)
        canary = audit_canaries(npm_lockfile.audit_npm, db, canary_files, ctx.target) if canary_files else ()
        return ScanOutput(
            Parsed(
                self.name,
                (*p.findings, *canary),
                p.status,
                p.reason,
                {**p.coverage, "lockfiles": len(lockfiles)},
                "osv-db",
                db_use.evidence(db, ctx.osv_db),
            )
        )

    def invocation(self, ctx: ScanContext, lock: str, cwd: Path) -> Invocation:
        """The npm audit process for one lockfile, in cwd: the private folder of its copy."""
        return Invocation(
            ("npm", "audit", "--json", "--package-lock-only"),
            cwd,
            ctx.timeout,
            env=NPM_ENV,
            label=f"npm audit {lock}",
        )

    def _audit(self, ctx: ScanContext, lock: str, runner: Runner, with_canary: bool
               ) -> tuple[ProcResult, npm_canary.NpmCanary | None, str | None]:
        """One npm audit run; with the canary, on a private copy of the lockfile folder. The third value
        says why a canary that was asked for could not ride along (the run is then partial)."""
        path = ctx.target / lock
        canary, why = None, None
        if with_canary:
            try:
                canary = npm_canary.pick(path.read_bytes(), lock)
            except OSError as exc:
                why = f"unreadable: {exc.strerror or exc}"
            else:
                why = "it already holds every canary package" if canary is None else None
        with tempfile.TemporaryDirectory(prefix="secscan-npm-") as tmp:
            try:  # npm never runs in the tree: only its copies, the tree's .npmrc only when trusted
                npm_canary.prepare(path.parent, path.name, Path(tmp), canary, trusted_npmrc(ctx))
            except (OSError, ValueError) as exc:
                why = f"its copy could not be made ({exc})"
                return ProcResult(self.invocation(ctx, lock, Path(tmp)), None, b"", b"", 0.0,
                                  error=f"{lock}: {why}"), None, why
            return runner.run(self.invocation(ctx, lock, Path(tmp))), canary, why

    def _one(self, ctx: ScanContext, lock: str, runner: Runner, canary_files: Sequence[Path]
             ) -> tuple[Parsed, float]:
        res, canary, unplaced = self._audit(ctx, lock, runner, bool(canary_files))
        if res.timed_out:
            why = f"{lock}: timed out after {ctx.timeout:.0f}s"
            return Parsed(self.name, status=Status.TIMEOUT, reason=why), res.duration_s
        p = self.parse(ctx, [res])
        found, real = npm_canary.split(p.findings, canary) if canary else ([], list(p.findings))
        findings = resolve_versions(_with_manifest(real, lock), ctx.target, lock)
        status, reason = p.status, (f"{lock}: {p.reason}" if p.reason else None)
        if canary is not None and status is Status.OK and not found:
            status, reason = Status.FAILED, (
                f"{lock}: canary not detected: npm audit did not report {canary.key} ({canary.advisory}), "
                "added to a private copy of the lockfile")
        elif unplaced and status is Status.OK:  # audited, but nothing proves this audit could see anything
            status, reason = Status.PARTIAL, f"{lock}: audited without its canary: {unplaced}"
        here = Location(str(canary_files[0]), 1, 1) if canary_files else None
        findings += [f.with_(location=here) for f in found]
        return Parsed(self.name, tuple(findings), status, reason, p.coverage, p.version), res.duration_s

    def execute(
        self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path], runner: Runner
    ) -> ScanOutput:
        lockfiles = npm_lockfile.find_npm_lockfiles(ctx.target, files)
        if ctx.osv_db is not None:
            return self._offline(ctx, lockfiles, canary_files)
        parts: list[Parsed] = []
        total = 0.0
        for lock in lockfiles:
            part, spent = self._one(ctx, lock, runner, canary_files)
            parts.append(part)
            total += spent
        rcs = [str(Path(lock).parent / ".npmrc") for lock in lockfiles
               if (ctx.target / lock).parent.joinpath(".npmrc").is_file()]
        evidence: dict[str, object] = {"advisory_source": "npm registry audit endpoint"}
        if rcs and not trusted_npmrc(ctx):  # shown, never silent: the project's registry/auth settings
            evidence["npmrc_not_used"] = {"files": rcs, "why": NPMRC_WHY}
        out = combine(self.name, parts, {"lockfiles": len(lockfiles)}, evidence)
        return ScanOutput(out, total, len(parts))

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        if res.error:
            return Parsed(self.name, status=Status.FAILED, reason=res.error)
        if not res.stdout.strip():
            return Parsed(
                self.name,
                status=Status.FAILED,
                reason=f"npm audit exited {res.returncode}: {res.stderr_tail() or 'no output'}",
            )
        try:
            parsed = npm_parser.parse(res.stdout, "npm audit output")
        except ParseError as exc:
            why = res.stderr_tail()
            text = f"unreadable output (exit {res.returncode}): {exc.problem}"
            return Parsed(self.name, status=Status.FAILED, reason=text + (f"; stderr: {why}" if why else ""))
        if parsed.status is Status.OK and res.returncode not in (0, 1):
            # npm audit exits 1 when it found vulnerabilities; anything else is a crash, whatever it printed
            return Parsed(
                self.name,
                parsed.findings,
                Status.FAILED,
                f"npm audit exited {res.returncode}: {res.stderr_tail() or 'no message'}",
                parsed.coverage,
                parsed.version,
            )
        return parsed


def _with_manifest(findings: Sequence[Finding], lock: str) -> list[Finding]:
    """npm audit findings tied to the lockfile that was audited."""
    return [
        f.with_(package=replace(f.package, manifest=lock, ecosystem=f.package.ecosystem or NPM))
        if f.package
        else f
        for f in findings
    ]
