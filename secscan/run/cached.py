"""Scanner execution through the incremental cache (per-file scanners and dependency audits)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from secscan import __version__
from secscan.formats.json_report import finding_from_dict, finding_to_dict
from secscan.model import Finding, ScannerResult, Status
from secscan.run.cache import Cache, digest, file_hash
from secscan.run.execute import ScannerRun, execute
from secscan.run.runner import Runner
from secscan.scanners.interface import ScanContext, Scanner

ONLINE_AUDIT_TTL_S = 6 * 3600
DEPENDENCY_SCANNERS = frozenset({"pip-audit", "npm-audit"})


def tool_identity(scanner: Scanner, ctx: ScanContext, runner: Runner) -> str:
    """Which tool binary runs (path, size, mtime) plus its package version when it is a Python package."""
    inv = scanner.version_invocation(ctx)
    if inv is None:
        return f"secscan {__version__}"
    exe = runner.which(inv.argv[0])
    if exe is None:
        return "missing"
    parts: list[Any] = [exe]
    for p in {exe, os.path.realpath(exe)}:
        try:
            st = os.stat(p)
            parts.append((p, st.st_size, st.st_mtime_ns))
        except OSError:
            parts.append((p, None))
    try:
        from importlib.metadata import version

        parts.append(version(inv.argv[0]))
    except Exception:  # noqa: S110 - not a Python package in this environment
        pass
    return digest(*parts)


def _scope(scanner: Scanner, ctx: ScanContext, runner: Runner) -> str:
    return digest("v1", scanner.name, tool_identity(scanner, ctx, runner), scanner.cache_salt(ctx),
                  ctx.options.get("max_file_size"))


def _from_cache(scanner: Scanner, files: Sequence[str], found: list[Finding], canary: dict[str, Any],
                required: bool) -> ScannerRun:
    return ScannerRun(ScannerResult(
        name=scanner.name, status=Status.OK, version=canary.get("version"), duration_s=0.0,
        findings=len(found), coverage={"files_scanned": len(files), "files_from_cache": len(files)},
        canary="detected (cached)" if canary.get("canary") == "detected" else canary.get("canary"),
        required=required), tuple(found), tuple(files))


def _per_file(scanner: Scanner, ctx: ScanContext, files: Sequence[str], runner: Runner, canary_dir: Path | None,
              required: bool, cache: Cache) -> ScannerRun:
    scope = _scope(scanner, ctx, runner)
    keys = {f: digest(f, file_hash(ctx.target / f)) for f in files}
    hits = cache.get_many(scope, list(keys.values()))
    todo = [f for f in files if keys[f] not in hits]
    cached = [finding_from_dict(d) for f in files if keys[f] in hits for d in hits[keys[f]]]
    canary_key = digest("canary", canary_dir is not None)
    canary = cache.get(scope, canary_key)
    if not todo and canary is not None:
        return _from_cache(scanner, files, cached, canary, required)
    run = execute(scanner, ctx, todo, runner, canary_dir, required)
    res = run.result
    if res.status is Status.OK:
        by_file: dict[str, list[dict[str, Any]]] = {f: [] for f in todo}
        for f in run.findings:
            if f.location and f.location.path in by_file:
                by_file[f.location.path].append(finding_to_dict(f))
        cache.put_many(scope, [(keys[f], v) for f, v in by_file.items()])
        cache.put(scope, canary_key, {"version": res.version, "canary": res.canary})
    cov = dict(res.coverage)
    cov["files_from_cache"] = len(files) - len(todo)
    if "files_scanned" in cov:
        cov["files_scanned"] = int(cov["files_scanned"]) + len(files) - len(todo)
    return ScannerRun(res.with_(coverage=cov, findings=len(run.findings) + len(cached)),
                      (*cached, *run.findings), tuple(files))


def _db_identity(db: Path) -> str:
    entries = []
    for p in sorted(db.rglob("*")):
        if p.is_file():
            st = p.stat()
            entries.append((str(p.relative_to(db)), st.st_size, st.st_mtime_ns))
    return digest(entries)


def _dependencies(scanner: Scanner, ctx: ScanContext, files: Sequence[str], runner: Runner,
                  canary_dir: Path | None, required: bool, cache: Cache) -> ScannerRun:
    manifests = [f for f in files if Path(f).name.startswith(("requirements", "pyproject", "poetry.lock", "uv.lock",
                                                               "Pipfile", "package-lock", "npm-shrinkwrap", "pylock"))]
    source = f"osv-db:{_db_identity(ctx.osv_db)}" if ctx.osv_db is not None else "online"
    key = digest(_scope(scanner, ctx, runner), source, ctx.offline,
                 [(m, file_hash(ctx.target / m)) for m in manifests], canary_dir is not None)
    ttl = None if ctx.osv_db is not None else ONLINE_AUDIT_TTL_S
    hit = cache.get("dependencies", key, ttl)
    if hit is not None:
        found = [finding_from_dict(d) for d in hit["findings"]]
        res = ScannerResult(scanner.name, Status.OK, hit.get("version"), 0.0, None, len(found),
                            {**hit.get("coverage", {}), "from_cache": 1}, hit.get("evidence"),
                            hit.get("canary"), required)
        return ScannerRun(res, tuple(found), tuple(files))
    run = execute(scanner, ctx, files, runner, canary_dir, required)
    if run.result.status is Status.OK:
        cache.put("dependencies", key, {"findings": [finding_to_dict(f) for f in run.findings],
                                        "version": run.result.version, "coverage": dict(run.result.coverage),
                                        "evidence": dict(run.result.evidence or {}), "canary": run.result.canary})
    return run


def execute_cached(scanner: Scanner, ctx: ScanContext, files: Sequence[str], runner: Runner,
                   canary_dir: Path | None, required: bool, cache: Cache | None) -> ScannerRun:
    """Like execute(), answering from the cache what has not changed."""
    if cache is not None and scanner.per_file:
        return _per_file(scanner, ctx, files, runner, canary_dir, required, cache)
    if cache is not None and scanner.name in DEPENDENCY_SCANNERS:
        return _dependencies(scanner, ctx, files, runner, canary_dir, required, cache)
    return execute(scanner, ctx, files, runner, canary_dir, required)
