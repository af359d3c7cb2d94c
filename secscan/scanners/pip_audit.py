"""pip-audit on the Python dependency files of the target (or the offline OSV folder with --osv-db).

Online, the requirements and lock files are audited in as few processes as pip-audit accepts (files that
pin one package differently go to separate processes), each carrying the canary: a long-known vulnerable
package version the target does not name (``scanners/pip_audit_plan.py``). The evidence says, per file,
which process audited it and how that went; a failure's reason is pip-audit's own error line.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.analyzers.advisories import db_use, pypi_canary, python_deps
from secscan.analyzers.advisories.canary import audit_canaries
from secscan.analyzers.advisories.deps import Dep
from secscan.analyzers.advisories.versions import PYPI, norm_name
from secscan.core.model import Category, Finding, Location, Parsed, Status
from secscan.parsers import pip_audit as pa_parser
from secscan.process.runner import ProcResult
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
from secscan.scanners.pip_audit_plan import Audit, plan
from secscan.scanners.status import combine, parse_tool_output

if TYPE_CHECKING:
    from secscan.process.runner import Runner

CANARY_NOTE = "pip-audit-canary.txt"


class PipAuditScanner(ToolScanner):
    """Audits requirements files and pyproject projects; offline from OSV records with --osv-db."""

    info = ScannerInfo("pip-audit", Category.DEPENDENCY, Tool("pip-audit", package="pip-audit"),
                       cache=CachePolicy.WHOLE_TREE, needs_network=True, rule_ids=(ADVISORY_IDS,))

    def manifests(self, ctx: ScanContext, files: Sequence[str]) -> list[str]:
        """The dependency files found in the target."""
        return python_deps.find_python_manifests(ctx.target, files)

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if self.manifests(ctx, files) else "no Python dependency files in the target"

    def cache_inputs(self, ctx: ScanContext, files: Sequence[str]) -> list[Path]:
        """Every manifest and the files they include (-r) or constrain with (-c), transitively."""
        return python_deps.referenced_files(ctx.target, self.manifests(ctx, files))

    def canary(self, ctx: ScanContext) -> Canary | None:
        if ctx.osv_db is not None:  # the record secscan ships, never one from the database folder
            (file_name, content), key = db_use.canary_manifest(PYPI)
            return Canary({file_name: content}, frozenset({key}))
        # online: the canary requirement is chosen per target and rides in every requirements process
        names = ", ".join(c.key for c in pypi_canary.CANDIDATES)
        text = f"pip-audit canary: the first of {names} that the target does not name\n"
        return Canary({CANARY_NOTE: text}, frozenset({pypi_canary.EXPECTED}))

    def canary_keys(self, finding: Finding) -> set[str]:
        p = finding.package
        if p is None:
            return set()
        key = f"{norm_name(PYPI, p.name)}=={p.version}"
        return {key, pypi_canary.EXPECTED} if key in pypi_canary.CANDIDATE_KEYS else {key}

    def needs_executable(self, ctx: ScanContext) -> bool:
        """Not with --osv-db: the audit then runs in process against the OSV records."""
        return ctx.osv_db is None

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        manifests = self.manifests(ctx, files)
        if ctx.osv_db is None:
            return self._online(ctx, manifests, canary_files, runner)
        from secscan.analyzers.advisories import osv

        db = osv.load_db(ctx.osv_db)
        parsed = python_deps.audit_python(ctx.target, manifests, db)
        parsed = db_use.with_age(parsed, db, ctx.advisory_max_age_days)
        canary = audit_canaries(python_deps.audit_python, db, canary_files, ctx.target) \
            if canary_files else ()
        return ScanOutput(Parsed(self.name, (*parsed.findings, *canary), parsed.status, parsed.reason,
                                 {**parsed.coverage, "manifests": len(manifests)}, "osv-db",
                                 db_use.evidence(db, ctx.osv_db)))

    def _online(self, ctx: ScanContext, manifests: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        specs = {m: python_deps.requirement_specs(ctx.target, m) for m in manifests}
        pins = {m: python_deps.read_python_deps(ctx.target, m)[0] for m in manifests}
        done: list[tuple[Audit, Parsed, list[Finding]]] = []
        total = 0.0
        with tempfile.TemporaryDirectory(prefix="secscan-pip-audit-") as tmp:
            for audit in plan(ctx, manifests, specs, Path(tmp), bool(canary_files)):
                res = runner.run(audit.invocation)
                total += res.duration_s
                if res.timed_out:
                    why = f"timed out after {audit.invocation.timeout:.0f}s"
                    return ScanOutput(Parsed(self.name, status=Status.TIMEOUT, reason=why), total)
                done.append(self._read(ctx, audit, res, pins))
        missed = [a for a, p, found in done
                  if a.canary and not found and p.status in (Status.OK, Status.PARTIAL)]
        here = Location(str(canary_files[0]), 1, 1) if canary_files else None
        parts = [replace(p, findings=p.findings if missed or here is None
                         else (*p.findings, *(f.with_(location=here) for f in found)))
                 for _a, p, found in done]
        evidence: dict[str, Any] = {"advisory_source": "pip-audit (PyPI/OSV online)", **_coverage(done, pins)}
        if missed:  # the engine then reports the canary missing, naming the processes
            evidence["canary_note"] = "not reported by the process auditing " + "; ".join(
                f"{a.label} (canary {a.canary.key if a.canary else '-'})" for a in missed)
        out = combine(self.name, parts, {"manifests": len(manifests)}, evidence)
        return ScanOutput(_rated(out), total, len(parts))

    def _read(self, ctx: ScanContext, audit: Audit, res: ProcResult, pins: dict[str, list[Dep]]
              ) -> tuple[Audit, Parsed, list[Finding]]:
        """One process's outcome (reason prefixed with the files it audited) and the canary's findings."""
        parsed = with_manifests(self.parse(ctx, [res]), audit.files, pins)
        found, real = pypi_canary.split(parsed.findings, audit.canary)
        status, reason = parsed.status, parsed.reason
        if audit.unplaced and status is Status.OK:  # nothing in this process proves it could see anything
            status, reason = Status.PARTIAL, f"audited without its canary: {audit.unplaced}"
        if audit.left_out and status is Status.OK:
            status, reason = Status.PARTIAL, f"{len(audit.left_out)} dependencies not given to pip-audit: " \
                + "; ".join(audit.left_out[:3]) + (" ..." if len(audit.left_out) > 3 else "")
        if reason and audit.files:
            reason = f"{audit.label}: {reason}"
        return audit, replace(parsed, findings=tuple(real), status=status, reason=reason), found

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        return parse_tool_output(self.name, "pip-audit", pa_parser.parse, res, accept=lambda rc: rc in (0, 1),
                                 why=pa_parser.error_line(res.stderr))


def _rated(parsed: Parsed) -> Parsed:
    """pip-audit gives no severity: rate its findings from the installed advisory database, when there is
    one (``secscan db``); the evidence names it."""
    from secscan.analyzers.advisories import db_store, osv

    folder = db_store.current()
    if folder is None or not parsed.findings:
        return parsed
    db = osv.load_db(folder)
    if db.problem:
        return parsed
    evidence = {**(parsed.evidence or {}), "severities_from": f"secscan db {folder}"}
    return replace(parsed, findings=db_use.enrich(parsed.findings, db, PYPI), evidence=evidence)


def with_manifests(parsed: Parsed, files: Sequence[str], pins: dict[str, list[Dep]]) -> Parsed:
    """Name the manifest of each finding (pip-audit's JSON does not): the file of the process that pins the
    package version, else the only file the process audited."""
    pinned: dict[tuple[str, str], str] = {}
    for m in files:
        for dep in pins.get(m, ()):
            pinned.setdefault((norm_name(PYPI, dep.name), dep.version), m)
    fallback = files[0] if len(files) == 1 else None
    findings = []
    for f in parsed.findings:
        p = f.package
        if p is not None and not p.manifest:
            manifest = pinned.get((norm_name(PYPI, p.name), p.version or ""), fallback)
            f = f.with_(package=replace(p, manifest=manifest)) if manifest else f
        findings.append(f)
    return replace(parsed, findings=tuple(findings))


def _coverage(done: Sequence[tuple[Audit, Parsed, list[Finding]]], pins: dict[str, list[Dep]]
              ) -> dict[str, Any]:
    """Per process and per file: what was audited, by which process, and how that went."""
    processes: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    for n, (audit, p, _found) in enumerate(done, 1):
        processes.append({"process": n, "files": list(audit.files),
                          "canary": audit.canary.key if audit.canary else None,
                          "status": p.status.value, "reason": p.reason, **p.coverage})
        for m in audit.files:
            vulns = sum(1 for f in p.findings if f.package is not None and f.package.manifest == m)
            files.append({"file": m, "process": n, "status": p.status.value, "pinned": len(pins.get(m, ())),
                          "vulnerabilities": vulns})
    return {"processes": processes, "files": sorted(files, key=lambda r: r["file"])}
