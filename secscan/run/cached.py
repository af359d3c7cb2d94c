"""Scanner execution through the incremental cache (per-file scanners and dependency audits).

A cache scope holds everything that changes a scanner's results besides the file itself: secscan's own code
and bundled rules, the tool's identity (binary path, size, mtime, package version), the scanner's salt (rule
folder hash, the target's tool configuration) and the options. Per-file entries are keyed by the file's path
and content hash. Only results that really ran are stored: a failed run stores nothing, and a partial run
stores only the files the tool did not name as failed (so those are run again, and stay reported).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from secscan.core.model import CanaryState, Finding, ScannerResult, Status
from secscan.core.serialize import finding_from_dict
from secscan.core.version import __version__
from secscan.process.runner import Runner
from secscan.run.cache import digest, file_hash
from secscan.run.execute import ScannerRun, categories, executable_of, execute, missing_tool
from secscan.run.pending import RunCache
from secscan.scanners.interface import CachePolicy, ScanContext, Scanner, ToolScanner

ONLINE_AUDIT_TTL_S = 6 * 3600
# Whole-tree scanners (CachePolicy.WHOLE_TREE*) are answered from the cache when every file they read is
# unchanged (Scanner.cache_inputs); WHOLE_TREE_ALWAYS_EXPIRE: its own database changes under it, also offline.
WHOLE_TREE = frozenset({CachePolicy.WHOLE_TREE, CachePolicy.WHOLE_TREE_ALWAYS_EXPIRE})
SCOPE_VERSION = "v2"
# Context options that cannot change a per-file scanner's findings (anything else is part of the key).
IRRELEVANT_OPTIONS = frozenset({
    "require_pqc", "no_containers", "pqc_algs", "pqc_python", "mtls_target",
    "mtls_ca", "mtls_cert", "mtls_key", "mtls_server_name", "mtls_pq", "mtls_require_pq", "mtls_timeout",
    "mtls_target_skipped", "history", "history_since", "history_cache"})


def _tree_stats(root: Path) -> list[tuple[str, int, int]]:
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")):
                continue
            p = os.path.join(folder, name)
            try:
                st = os.stat(p)
            except OSError:
                continue
            out.append((os.path.relpath(p, root), st.st_size, st.st_mtime_ns))
    return out


@cache
def secscan_identity() -> str:
    """secscan's version, code and bundled rules (names, sizes, mtimes): a new secscan is a new scope."""
    from secscan.core.resources import rules_dir

    pkg = Path(__file__).resolve().parents[1]
    try:
        rules = rules_dir()
    except FileNotFoundError:
        rules = pkg
    return digest(__version__, _tree_stats(pkg), _tree_stats(rules) if rules != pkg else [])


class _RunHashes:
    """File hashes of the current scan, so the scanners of one run hash each file once. A run is known by
    its context's options dict, which every per-scanner copy of the context (its own timeout) shares."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.run: Mapping[str, Any] | None = None  # held, so its id cannot be reused by a later scan
        self.hashes: dict[str, str | None] = {}

    def get(self, ctx: ScanContext, rel: str) -> str | None:
        with self.lock:
            if self.run is not ctx.options:
                self.run, self.hashes = ctx.options, {}
            if rel in self.hashes:
                return self.hashes[rel]
        value = file_hash(ctx.target / rel)
        with self.lock:
            if self.run is ctx.options:
                self.hashes[rel] = value
        return value


_RUN_HASHES = _RunHashes()


def tool_identity(scanner: Scanner, ctx: ScanContext, runner: Runner) -> str:
    """Which tool binary runs (path, size, mtime) plus its package version; never starts a process."""
    if not isinstance(scanner, ToolScanner):
        return f"secscan {__version__} (in process)"
    exe = runner.which(scanner.tool.executable)
    if exe is None:
        return "missing"
    parts: list[Any] = [exe]
    for p in sorted({exe, os.path.realpath(exe)}):
        try:
            st = os.stat(p)
            parts.append((p, st.st_size, st.st_mtime_ns))
        except OSError:
            parts.append((p, None))
    try:
        from importlib.metadata import version

        parts.append(version(scanner.tool.package or scanner.tool.executable))
    except Exception:  # noqa: S110 - not a Python package in this environment
        pass
    return digest(*parts)


def relevant_options(ctx: ScanContext) -> dict[str, Any]:
    """The context settings that may change results (unknown options count: the safe side)."""
    run = {"trust_tree_config": ctx.trust_tree_config, "advisory_max_age_days": ctx.advisory_max_age_days,
           "PATH": ctx.tool_path}
    return {**{k: v for k, v in ctx.options.items() if k not in IRRELEVANT_OPTIONS}, **run}


def scope_of(scanner: Scanner, ctx: ScanContext, runner: Runner) -> str:
    """The cache scope of one scanner's results under this context."""
    return digest(SCOPE_VERSION, secscan_identity(), scanner.name, tool_identity(scanner, ctx, runner),
                  scanner.cache_salt(ctx), relevant_options(ctx), str(ctx.rules_dir or ""))


def _failure_reason(scanner: Scanner, failed: dict[str, str], cached: int) -> str:
    shown = ", ".join(f"{name} ({why})" for name, why in sorted(failed.items())[:5])
    more = f" (+{len(failed) - 5} more)" if len(failed) > 5 else ""
    note = f"; {cached} of them as cached from an earlier run of the same tool on the same content" \
        if cached else ""
    return f"{scanner.name} could not scan {len(failed)} file(s): {shown}{more}{note}"


def _from_cache(scanner: Scanner, files: Sequence[str], found: list[Finding], failed: dict[str, str],
                canary: dict[str, Any], required: bool, canary_used: bool, exe: str | None) -> ScannerRun:
    state = CanaryState.read(canary.get("canary")) if canary_used else CanaryState.DISABLED
    status, reason = Status.OK, None
    if failed:
        status, reason = Status.PARTIAL, _failure_reason(scanner, failed, len(failed))
    cov = {"files_scanned": len(files) - len(failed), "files_from_cache": len(files)}
    if failed:
        cov["errors"] = len(failed)
    return ScannerRun(ScannerResult(
        name=scanner.name, status=status, version=canary.get("version"), duration_s=0.0, reason=reason,
        findings=len(found), coverage=cov,
        evidence={"failed_files": failed} if failed else None,
        canary=state, required=required, categories=categories(scanner), executable=exe, cached=True),
        tuple(found), tuple(files))


def _decode(hits: dict[str, Any], keys: dict[str, str], files: Sequence[str]
            ) -> tuple[list[Finding], dict[str, str], set[str]]:
    """Cached findings, cached per-file failures, and the files whose entry is unusable (run them again)."""
    found: list[Finding] = []
    failed: dict[str, str] = {}
    bad: set[str] = set()
    for f in files:
        entry = hits.get(keys[f])
        if entry is None:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("failed"), str) and len(entry) == 1:
            failed[f] = entry["failed"]
            continue
        try:
            items = [finding_from_dict(d) for d in entry]
        except Exception:  # a foreign or damaged entry is never trusted: scan the file again
            bad.add(f)
            continue
        if any(i.location is None or i.location.path != f for i in items):
            bad.add(f)
            continue
        found.extend(items)
    return found, failed, bad


def _storable(run: ScannerRun, todo: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """The files whose findings may be cached, and the per-file failures to remember. After an ok run: every
    file. After a partial run that names its failed files (the canary was found): the others, and the named
    failures. Otherwise nothing."""
    res = run.result
    wanted = set(todo)
    if any(f.location is None or f.location.path not in wanted for f in run.findings):
        return [], {}  # a finding that cannot be filed under one of the files: store nothing, trust nothing
    if res.status is Status.OK:
        return list(todo), {}
    failed = (res.evidence or {}).get("failed_files")
    if res.status is Status.PARTIAL and isinstance(failed, dict) and failed \
            and res.canary in (CanaryState.DETECTED, CanaryState.DISABLED, CanaryState.NOT_APPLICABLE):
        named = {str(k): str(v) for k, v in failed.items() if str(k) in wanted}
        if len(named) == len(failed):  # every failure is one of our files (none is the canary or unknown)
            return [f for f in todo if f not in named], named
    return [], {}


def _per_file(scanner: Scanner, ctx: ScanContext, files: Sequence[str], runner: Runner,
              canary_dir: Path | None, required: bool, cache: RunCache) -> ScannerRun:
    scope = scope_of(scanner, ctx, runner)
    keys = {f: digest(f, _RUN_HASHES.get(ctx, f)) for f in files}
    hits = cache.get_many(scope, list(keys.values()))
    cached, cached_failed, bad = _decode(hits, keys, files)
    todo = [f for f in files if keys[f] not in hits or f in bad]
    canary_key = digest("canary", canary_dir is not None)
    canary = cache.get(scope, canary_key)
    if not todo and canary_dir is None and canary is None:
        canary = cache.get(scope, digest("canary", True))  # nothing to check: the version is all we need
    if not todo and isinstance(canary, dict):
        return _from_cache(scanner, files, cached, cached_failed, canary, required, canary_dir is not None,
                           executable_of(scanner, ctx, runner))
    run = execute(scanner, ctx, todo, runner, canary_dir, required)
    store, failed = _storable(run, todo)
    if store or failed:  # held until the run's secret values are known (RunCache.flush)
        by_file: dict[str, list[Finding]] = {f: [] for f in store}
        for f in run.findings:
            if f.location and f.location.path in by_file:
                by_file[f.location.path].append(f)
        for name, found in by_file.items():
            cache.put_findings(scope, keys[name], found)
        for name, why in failed.items():
            cache.put(scope, keys[name], {"failed": why})
        cache.put(scope, canary_key, {"version": run.result.version,
                                      "canary": run.result.canary and run.result.canary.value})
    return _combine(scanner, run, files, todo, cached, cached_failed)


def _combine(scanner: Scanner, run: ScannerRun, files: Sequence[str], todo: Sequence[str],
             cached: list[Finding], cached_failed: dict[str, str]) -> ScannerRun:
    """The fresh run on the changed files plus what came from the cache: one outcome for the whole tree.
    The file counts describe the whole tree; a tool's own counts (bandit's loc) cover the re-scanned files."""
    res = run.result
    cov = dict(res.coverage)
    cov["files_from_cache"] = len(files) - len(todo)
    if "files_given" in cov:
        cov["files_given"] = len(files)
    if "files_scanned" in cov:
        cov["files_scanned"] = int(cov["files_scanned"]) + len(files) - len(todo) - len(cached_failed)
    if cached_failed and res.status in (Status.OK, Status.PARTIAL):
        fresh = (res.evidence or {}).get("failed_files")
        failed = {**cached_failed, **(fresh if isinstance(fresh, dict) else {})}
        cov["errors"] = len(failed)
        res = res.with_(status=Status.PARTIAL, reason=_failure_reason(scanner, failed, len(cached_failed)),
                        evidence={**(res.evidence or {}), "failed_files": failed})
    return ScannerRun(res.with_(coverage=cov, findings=len(run.findings) + len(cached)),
                      (*cached, *run.findings), tuple(files))


def _db_identity(db: Path) -> str:
    entries = []
    for p in sorted(db.rglob("*")):
        if p.is_file():
            st = p.stat()
            entries.append((str(p.relative_to(db)), st.st_size, st.st_mtime_ns))
    return digest(entries)


def _input_hash(ctx: ScanContext, path: Path, walked: set[str]) -> str | None:
    """A walked file's content hash (shared with the per-file scanners of this run); for files secscan does
    not walk (git-ignored, excluded, node_modules: possibly huge), size and modification time."""
    try:
        rel = path.relative_to(ctx.target).as_posix()
    except ValueError:
        return file_hash(path)
    if rel in walked:
        return _RUN_HASHES.get(ctx, rel)
    try:
        st = path.stat()
    except OSError:
        return None
    return f"stat:{st.st_size}:{st.st_mtime_ns}"


def _whole_tree(scanner: Scanner, ctx: ScanContext, files: Sequence[str], runner: Runner,
                  canary_dir: Path | None, required: bool, cache: RunCache) -> ScannerRun:
    inputs = sorted({str(p) for p in scanner.cache_inputs(ctx, files)})
    walked = set(files)
    source = "online"
    if ctx.osv_db is not None:  # an installed database's age decides partial: fresh and stale are not one key
        from secscan.analyzers.advisories.db_use import freshness

        fresh = freshness(ctx.osv_db, ctx.advisory_max_age_days)
        source = f"osv-db:{_db_identity(ctx.osv_db)}{fresh}"
    key = digest(scope_of(scanner, ctx, runner), source, ctx.offline,
                 [(p, _input_hash(ctx, Path(p), walked)) for p in inputs], canary_dir is not None)
    always = scanner.info.cache is CachePolicy.WHOLE_TREE_ALWAYS_EXPIRE
    ttl = None if ctx.osv_db is not None and not always else ONLINE_AUDIT_TTL_S
    hit = cache.get("dependencies", key, ttl)
    if isinstance(hit, dict):
        try:
            found = [finding_from_dict(d) for d in hit["findings"]]
            res = ScannerResult(scanner.name, Status.OK, hit.get("version"), 0.0, None, len(found),
                                {**hit.get("coverage", {}), "from_cache": 1}, hit.get("evidence"),
                                CanaryState.read(hit.get("canary")), required, categories(scanner),
                                executable_of(scanner, ctx, runner), cached=True)
            return ScannerRun(res, tuple(found), tuple(files))
        except Exception:  # noqa: S110 - a damaged entry is never trusted: run the audit again
            pass
    run = execute(scanner, ctx, files, runner, canary_dir, required)
    if run.result.status is Status.OK:  # held until the run's secret values are known (RunCache.flush)
        res = run.result
        cache.put("dependencies", key, {"version": res.version, "coverage": dict(res.coverage),
                                        "evidence": dict(res.evidence or {}),
                                        "canary": res.canary and res.canary.value},
                  run.findings)
    return run


def execute_cached(scanner: Scanner, ctx: ScanContext, files: Sequence[str], runner: Runner,
                   canary_dir: Path | None, required: bool, cache: RunCache | None) -> ScannerRun:
    """Like execute(), answering from the cache what has not changed (a cache error means no cache)."""
    missing = missing_tool(scanner, ctx, runner, required)
    if missing is not None:  # never answered from the cache: nothing can run
        return ScannerRun(missing, (), tuple(files))
    try:
        if cache is not None and scanner.info.cache is CachePolicy.PER_FILE:
            return _per_file(scanner, ctx, files, runner, canary_dir, required, cache)
        if cache is not None and scanner.info.cache in WHOLE_TREE:
            return _whole_tree(scanner, ctx, files, runner, canary_dir, required, cache)
    except sqlite3.Error as exc:
        run = execute(scanner, ctx, files, runner, canary_dir, required)
        note = f"cache unusable ({exc}): scanned without it"
        reason = f"{run.result.reason}; {note}" if run.result.reason else note
        return ScannerRun(run.result.with_(reason=reason), run.findings, run.files)
    return execute(scanner, ctx, files, runner, canary_dir, required)
