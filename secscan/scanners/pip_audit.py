"""pip-audit on the Python dependency files of the target (or the offline OSV folder with --osv-db)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from secscan.analyzers.advisories import python_deps
from secscan.analyzers.advisories.canary import audit_canaries, manifest_for, pick_canary
from secscan.analyzers.advisories.versions import PYPI, norm_name
from secscan.core.model import Category, Finding, Parsed, Status
from secscan.parsers import pip_audit as pa_parser
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
from secscan.scanners.status import combine, parse_tool_output

if TYPE_CHECKING:
    from secscan.process.runner import Runner

CANARY_PACKAGE = ("pyyaml", "5.3")  # CVE-2020-1747, CVE-2020-14343
FLAGS = ("-f", "json", "--progress-spinner", "off", "--aliases", "on", "--desc", "on")


class PipAuditScanner(ToolScanner):
    """Audits requirements files and pyproject projects; offline from OSV records with --osv-db."""

    info = ScannerInfo("pip-audit", Category.DEPENDENCY, Tool("pip-audit", package="pip-audit"),
                       cache=CachePolicy.WHOLE_TREE, needs_network=True, rule_ids=(ADVISORY_IDS,))

    def __init__(self) -> None:
        self._offline = False
        self._user_pins_canary = False

    def manifests(self, ctx: ScanContext, files: Sequence[str]) -> list[str]:
        """The dependency files found in the target."""
        return python_deps.find_python_manifests(ctx.target, files)

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if self.manifests(ctx, files) else "no Python dependency files in the target"

    def cache_inputs(self, ctx: ScanContext, files: Sequence[str]) -> list[Path]:
        """Every manifest and the files they include (-r) or constrain with (-c), transitively."""
        return python_deps.referenced_files(ctx.target, self.manifests(ctx, files))

    def canary(self, ctx: ScanContext) -> Canary | None:
        if ctx.osv_db is not None:
            from secscan.analyzers.advisories import osv

            pick = pick_canary(osv.load_db(ctx.osv_db), PYPI)
            if pick is None:
                return None
            file_name, content = manifest_for(pick)
            return Canary({file_name: content}, frozenset({pick.key}))
        name, version = CANARY_PACKAGE
        return Canary({"canary-requirements.txt": f"{name}=={version}\n"}, frozenset({f"{name}=={version}"}),
                      require_all=False)

    def canary_keys(self, finding: Finding) -> set[str]:
        p = finding.package
        return {f"{p.name.lower()}=={p.version}"} if p else set()

    def split_canary(self, findings: Sequence[Finding], canary_paths: Sequence[str]
                     ) -> tuple[list[Finding], list[Finding]]:
        """Offline: by location (the canary manifest). pip-audit's JSON does not say which -r file a
        dependency came from: the canary package's findings are the canary's, and also real ones when the
        target itself pins that version."""
        if self._offline:
            return super().split_canary(findings, canary_paths)
        name, version = CANARY_PACKAGE
        hit = [f for f in findings if f.package and f.package.name.lower() == name
               and f.package.version == version]
        if self._user_pins_canary:
            return hit, list(findings)
        return hit, [f for f in findings if not (f.package and f.package.name.lower() == name
                                                 and f.package.version == version)]

    def needs_executable(self, ctx: ScanContext) -> bool:
        """Not with --osv-db: the audit then runs in process against the OSV records."""
        return ctx.osv_db is None

    def _plan(self, ctx: ScanContext, manifests: Sequence[str],
              canary_files: Sequence[Path], locked: Path | None = None) -> list[Invocation]:
        """One requirements invocation (requirements files, lock files' pins written to ``locked``, the
        canary) and one per pyproject.toml project."""
        reqs = [m for m in manifests if not m.endswith("pyproject.toml") and not is_lock(m)]
        projects = sorted({str(Path(m).parent) for m in manifests if m.endswith("pyproject.toml")})
        invs: list[Invocation] = []
        extra = [str(locked)] if locked is not None else []
        if reqs or canary_files or extra:
            pinned = all(not python_deps.read_python_deps(ctx.target, m)[1] for m in reqs)
            argv = ["pip-audit", *FLAGS]
            if pinned:
                argv += ["--no-deps", "--disable-pip"]
            for m in [*reqs, *extra, *map(str, canary_files)]:
                argv += ["-r", m]
            invs.append(Invocation(tuple(argv), ctx.target, ctx.timeout, label="pip-audit requirements"))
        for proj in projects:
            label = f"pip-audit {proj}"
            invs.append(Invocation(("pip-audit", *FLAGS, proj), ctx.target, ctx.timeout, label=label))
        return invs

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        manifests = self.manifests(ctx, files)
        self._offline = ctx.osv_db is not None
        if ctx.osv_db is not None:
            from secscan.analyzers.advisories import osv

            db = osv.load_db(ctx.osv_db)
            parsed = python_deps.audit_python(ctx.target, manifests, db)
            canary = audit_canaries(python_deps.audit_python, db, canary_files, ctx.target) \
                if canary_files else ()
            return ScanOutput(Parsed(self.name, (*parsed.findings, *canary), parsed.status, parsed.reason,
                                     {**parsed.coverage, "manifests": len(manifests)}, "osv-db",
                                     {"advisory_source": f"osv-db {ctx.osv_db}"}))
        self._user_pins_canary = _pins(ctx.target, manifests, CANARY_PACKAGE)
        parts: list[Parsed] = []
        total = 0.0
        with tempfile.TemporaryDirectory(prefix="secscan-pip-audit-") as tmp:
            locked = write_locked(ctx.target, manifests, Path(tmp))
            for inv in self._plan(ctx, manifests, canary_files, locked):
                res = runner.run(inv)
                total += res.duration_s
                if res.timed_out:
                    why = f"timed out after {inv.timeout:.0f}s"
                    return ScanOutput(Parsed(self.name, status=Status.TIMEOUT, reason=why), total)
                parts.append(with_manifests(ctx.target, self.parse(ctx, [res]), inv, manifests))
        out = combine(self.name, parts, {"manifests": len(manifests)},
                      {"advisory_source": "pip-audit (PyPI/OSV online)"})
        return ScanOutput(out, total, len(parts))

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        return parse_tool_output(self.name, "pip-audit", pa_parser.parse, res, accept=lambda rc: rc in (0, 1))


def with_manifests(target: Path, parsed: Parsed, inv: Invocation, manifests: Sequence[str]) -> Parsed:
    """Name the manifest of each finding (pip-audit's JSON does not): the file that pins the package version
    (the only requirements file, when just one was audited), or the project's pyproject.toml."""
    from dataclasses import replace

    from secscan.analyzers.advisories.versions import PYPI, norm_name

    reqs = [m for m in manifests if ("-r", m) in zip(inv.argv, inv.argv[1:], strict=False)]
    if any(a.endswith(LOCKED_NAME) for a in inv.argv):  # the lock files' pins rode in this invocation
        reqs += [m for m in manifests if is_lock(m)]
    project = None if reqs else next((m for m in manifests if m.endswith("pyproject.toml")
                                      and str(Path(m).parent) == inv.argv[-1]), None)
    pinned: dict[tuple[str, str], str] = {}
    for m in reqs:
        for dep in python_deps.read_python_deps(target, m)[0]:
            pinned.setdefault((norm_name(PYPI, dep.name), dep.version), m)
    fallback = project or (reqs[0] if len(reqs) == 1 else None)
    findings = []
    for f in parsed.findings:
        p = f.package
        if p is not None and not p.manifest:
            manifest = pinned.get((norm_name(PYPI, p.name), p.version or ""), fallback)
            f = f.with_(package=replace(p, manifest=manifest)) if manifest else f
        findings.append(f)
    return replace(parsed, findings=tuple(findings))


LOCKED_NAME = "secscan-locked-requirements.txt"


def is_lock(manifest: str) -> bool:
    """poetry.lock, uv.lock, Pipfile.lock, pylock*.toml: pip-audit cannot read them itself."""
    from secscan.analyzers.advisories.python_locks import reader_for

    return reader_for(Path(manifest).name) is not None


def write_locked(target: Path, manifests: Sequence[str], folder: Path) -> Path | None:
    """The pins of every lock file as one requirements file for pip-audit (None: no lock file)."""
    locks = [m for m in manifests if is_lock(m)]
    if not locks:
        return None
    lines = [f"# pins read by secscan from {', '.join(locks)}"]
    for m in locks:
        lines += [f"{d.name}=={d.version}" for d in python_deps.read_python_deps(target, m)[0]]
    path = folder / LOCKED_NAME
    path.write_text("\n".join(dict.fromkeys(lines)) + "\n", "utf-8")
    return path


def _pins(root: Path, manifests: Sequence[str], package: tuple[str, str]) -> bool:
    """True when one of the target's manifests pins exactly this package version."""
    name, version = norm_name(PYPI, package[0]), package[1]
    for m in manifests:
        deps, _skipped = python_deps.read_python_deps(root, m)
        if any(norm_name(PYPI, d.name) == name and d.version == version for d in deps):
            return True
    return False
