"""One scan from options to Result: plan, run in parallel, merge, triage, gate."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from secscan.core.model import Finding, Result, ScannerResult, SkipCause, Status
from secscan.core.options import ScanOptions
from secscan.core.shard import select_shard
from secscan.core.version import __version__
from secscan.process.runner import Runner
from secscan.results.changes import collect as collect_changes
from secscan.results.enrich import redact_outcomes
from secscan.results.finish import finish, target_root
from secscan.results.inventory import inventory
from secscan.results.not_audited import count_not_audited
from secscan.results.redact import secret_values
from secscan.run.cache import Cache, default_dir
from secscan.run.cached import execute_cached
from secscan.run.execute import ScannerRun, canary_root, categories
from secscan.run.files import CANARY, CANARY_MARKER, FileSet, tracked_dirs, walk
from secscan.run.imports import run_imports, within_target
from secscan.run.pending import RunCache
from secscan.run.walked import (
    coverage_notes,
    git_ignored,
    git_tracked,
    nothing_scanned,
    own_reports,
    walk_gaps,
)
from secscan.scanners import registry
from secscan.scanners.canaries import CANARY_PREFIX
from secscan.scanners.interface import ScanContext, Scanner, Skip

Progress = Callable[[str, str, float], None]  # (scanner, "start"|"done:<status>", seconds)


def _noop(scanner: str, event: str, seconds: float) -> None:
    return None


SHARD_ONE_ONLY = "runs in shard 1/"


def plan(opts: ScanOptions) -> list[str]:
    """Names of the scanners this command runs, in registry order."""
    names = list(registry.COMMANDS.get(opts.command, registry.COMMANDS["all"]))
    if opts.scanners is not None:
        unknown = [n for n in opts.scanners if n not in registry.SCANNERS]
        if unknown:
            from secscan.core.errors import UsageError

            raise UsageError(
                f"unknown scanner(s): {', '.join(unknown)} (known: {', '.join(registry.SCANNERS)})"
            )
        names = [n for n in registry.SCANNERS if n in opts.scanners]
    if opts.images and "trivy-image" not in names:
        names.append("trivy-image")  # an image asked for is scanned whatever --scanners says
    return names


def make_context(opts: ScanOptions, runner: Runner) -> ScanContext:
    """The context scanners see."""
    options = dict(opts.extra)
    age = options.pop("advisory_max_age_days", None)
    options["require_pqc"] = opts.require_pqc
    if options.get("history"):  # secscan-history: the commits after --changed-since REF, its blob cache
        cache = str(opts.cache_dir or default_dir(opts.target)) if opts.use_cache else None
        options.update(history_since=opts.changed_since, history_cache=cache)
    return ScanContext(
        target=opts.target,
        offline=opts.offline,
        timeout=opts.timeout,
        osv_db=opts.osv_db,
        images=opts.images,
        excludes=opts.excludes,
        options=MappingProxyType(options),
        trust_tree_config=opts.trust_tree_config,
        no_containers=opts.no_containers,
        output_dir=opts.output_dir,
        advisory_max_age_days=int(age) if age is not None else None,
        tool_path=runner.env_path,
    )


def cpu_share(jobs: int, busy: int, cpus: int | None = None) -> int:
    """Cores a multi-core tool may use while the other busy tools run beside it (at least 1): the cores
    left when each of the others keeps one busy.

    Tools that spread over every core by default (semgrep's -j) waste CPU when several run side by side on
    few cores: on 2 cores with bandit and detect-secrets beside it, semgrep's default took 93 s of wall and
    the whole run 303 CPU-s; with -j 1, 36 s and 239 CPU-s (scripts/bench.py on Django).
    """
    together = max(1, min(jobs, busy))
    return max(1, (cpus or os.cpu_count() or 1) - (together - 1))


STALE_CANARY_S = 6 * 3600


def _remove_stale_canaries(target: Path, left_out: Sequence[str]) -> None:
    """Remove canary folders left behind by a run that was killed (SIGKILL gives no chance to clean up):
    only top-level ones the walk left out as secscan's own (marked, nothing tracked in them)."""
    now = time.time()
    for rel in left_out:
        entry = target / rel
        try:
            if "/" not in rel and entry.is_dir() and not entry.is_symlink() \
                    and (entry / CANARY_MARKER).is_file() and now - entry.stat().st_mtime > STALE_CANARY_S:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _canary_dir(target: Path) -> Path:
    """A private folder for canary inputs: inside the target when writable (detect-secrets and Trivy only
    see files under the folder they scan), else in the temporary folder."""
    if target.is_dir() and os.access(target, os.W_OK):
        try:
            folder = Path(tempfile.mkdtemp(prefix=CANARY_PREFIX, dir=target))
            (folder / CANARY_MARKER).write_text("secscan canary folder, removed after the run\n", "utf-8")
            return folder
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix=CANARY_PREFIX))


def _skip(scanner: Scanner, skip: Skip, required: bool) -> ScannerRun:
    return ScannerRun(ScannerResult(scanner.name, Status.SKIPPED, reason=skip.reason, required=required,
                                    categories=categories(scanner), skip=skip.cause), ())


def _prepare(
    scanner: Scanner, ctx: ScanContext, fs: FileSet, opts: ScanOptions
) -> tuple[list[str], Skip | None]:
    """The files a scanner gets (per-file scanners: this shard's part) and why it is skipped, if it is."""
    if scanner.per_file:
        files = (
            [f for f in fs.selected if f.endswith(scanner.file_suffixes)]
            if scanner.file_suffixes
            else list(fs.selected)
        )
    else:
        files = list(fs.files)
        if opts.shard is not None and opts.shard[0] != 1:
            return files, Skip(f"{SHARD_ONE_ONLY}{opts.shard[1]} only (not a per-file scanner)",
                               SkipCause.OTHER_SHARD)
    if opts.offline and scanner.needs_network and opts.osv_db is None:
        return files, Skip("offline", SkipCause.OFFLINE)
    return files, Skip.of(scanner.applies(ctx, files))


def open_cache(opts: ScanOptions, notes: list[str]) -> RunCache | None:
    """The incremental cache, or None with --no-cache (or when it cannot be opened: a note says so). Its
    writes wait for the end of the run (``RunCache.flush``), when the run's secret values are known."""
    if not opts.use_cache:
        return None
    folder = opts.cache_dir or default_dir(opts.target)
    try:
        cache = Cache(folder)
    except (OSError, Exception) as exc:  # an unusable cache never stops a scan
        notes.append(f"cache {folder} not used: {exc}")
        return None
    notes.extend(cache.warnings)
    return RunCache(cache)


def _split_planned(names: Sequence[str], ctx: ScanContext, fs: FileSet, opts: ScanOptions, required: set[str],
                   progress: Progress) -> tuple[dict[str, ScannerRun], list[tuple[Scanner, list[str]]]]:
    """(the skipped scanners' runs, the scanners to run with their files)."""
    runs: dict[str, ScannerRun] = {}
    todo: list[tuple[Scanner, list[str]]] = []
    for name in names:
        scanner = registry.create(name)
        files, skip = _prepare(scanner, ctx, fs, opts)
        if skip is None:
            todo.append((scanner, files))
            continue
        # the user's own choice, or the plan: shard 1 runs it (a required scanner is not missing from shard 2)
        chosen = skip.cause in (SkipCause.OFFLINE, SkipCause.OTHER_SHARD, SkipCause.TURNED_OFF)
        runs[name] = _skip(scanner, skip, name in required and not chosen)
        progress(name, "done:skipped", 0.0)
    return runs, todo


def run_scanners(
    opts: ScanOptions, fs: FileSet, runner: Runner, progress: Progress, cache: RunCache | None = None
) -> tuple[list[ScannerRun], bool]:
    """Run every planned scanner concurrently; returns the runs and whether Ctrl-C interrupted them."""
    ctx = make_context(opts, runner)
    names = plan(opts)
    images = {"trivy-image"} if opts.images and not opts.no_containers else set()
    required = set(opts.required) | set(opts.scanners or ()) | images
    runs, todo = _split_planned(names, ctx, fs, opts, required, progress)
    canary_dir, canary_dirs = _canaries(opts, fs)
    interrupted = False
    # Scanners mostly wait on their own processes (semgrep and bandit use the cores themselves): by default
    # they all start at once; --jobs N caps how many run together.
    jobs = opts.jobs if opts.jobs > 0 else max(1, len(todo))
    ctx = replace(ctx, cpu_share=cpu_share(jobs, sum(1 for s, _f in todo if s.busy)),
                  canary_dirs=canary_dirs)
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="secscan")
    futures: dict[Future[ScannerRun], str] = {}
    try:
        for scanner, files in todo:
            progress(scanner.name, "start", 0.0)
            own = replace(ctx, timeout=opts.timeouts.get(scanner.name, opts.timeout))  # timeouts.NAME
            futures[
                pool.submit(
                    execute_cached, scanner, own, files, runner, canary_dir, scanner.name in required, cache
                )
            ] = scanner.name
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in done:
                run = fut.result()
                runs[run.result.name] = run
                progress(run.result.name, f"done:{run.result.status.value}", run.result.duration_s)
    except KeyboardInterrupt:
        interrupted = True
        runner.interrupt()
        wait(list(futures), timeout=10)
        for fut, name in futures.items():
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                runs[name] = fut.result()
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
        if canary_dir is not None:
            shutil.rmtree(canary_dir, ignore_errors=True)
    for scanner, _files in todo:
        if scanner.name not in runs:
            runs[scanner.name] = _unfinished(scanner, scanner.name in required)
    return [runs[n] for n in names if n in runs], interrupted


def _unfinished(scanner: Scanner, required: bool) -> ScannerRun:
    """The outcome of a scanner Ctrl-C stopped before it finished."""
    return ScannerRun(ScannerResult(scanner.name, Status.FAILED, required=required,
                                    reason="interrupted (Ctrl-C) before it finished",
                                    categories=categories(scanner)), ())


def _canaries(opts: ScanOptions, fs: FileSet) -> tuple[Path | None, tuple[str, ...]]:
    """This run's canary folder (None with --no-canary) and every folder of secscan's own canaries: this
    run's, and the marked, untracked ones the walk left out (stale ones are removed first)."""
    left_out = [p.rstrip("/") for p in fs.excluded_by.get(CANARY, [])]
    if opts.canary and opts.target.is_dir() and os.access(opts.target, os.W_OK):
        _remove_stale_canaries(opts.target, left_out)
    canary_dir = _canary_dir(opts.target) if opts.canary else None
    mine = [canary_root(canary_dir, opts.target)] if canary_dir is not None else []
    return canary_dir, (*mine, *left_out)


def scan(opts: ScanOptions, progress: Progress | None = None, runner: Runner | None = None) -> Result:
    """Run a whole scan and return the Result the reports are rendered from."""
    started = datetime.now(UTC)
    t0 = time.monotonic()
    runner = runner or Runner()
    ignored = git_ignored(opts.target, runner) if opts.git_ignore else frozenset()
    tracked = git_tracked(opts.target, runner)
    fs = walk(opts.target, opts.excludes, (), ignored, tracked_dirs(tracked) if tracked is not None else None,
              own_reports(opts, tracked))
    fs.selected = list(fs.files)
    if opts.paths:
        wanted = set(opts.paths)
        fs.selected = [f for f in fs.selected if f in wanted]
    if opts.shard is not None:
        fs.selected = select_shard(fs.selected, fs.sizes, *opts.shard)
    changes = collect_changes(opts.target, opts.changed_since, runner) if opts.changed_since else None
    notes = coverage_notes(fs, opts)
    cache = open_cache(opts, notes)
    runs, interrupted = run_scanners(opts, fs, runner, progress or _noop, cache)
    import_runs = within_target(run_imports(opts.imports), opts.target)
    findings: list[Finding] = [f for r in (*runs, *import_runs) for f in r.findings]
    gaps = walk_gaps(fs, opts) or nothing_scanned(fs, opts)
    results = [r.result for r in (*runs, *import_runs)] + ([gaps] if gaps is not None else [])
    scanners, notes = redact_outcomes(results, notes)
    values = secret_values(findings, target_root(opts.target))  # in memory only: redaction, cache writes
    result = finish(
        opts,
        findings,
        scanners,
        started.isoformat(timespec="seconds"),
        time.monotonic() - t0,
        interrupted,
        notes,
        run_id=str(uuid.uuid4()),
        version=__version__,
        changes=changes,
        values=values,
    )
    unwritten = cache.flush(values) if cache is not None else None  # every text cleaned of the values
    if unwritten:
        result = replace(result, notes=(*result.notes, unwritten))
    gap = count_not_audited(opts.target, fs.files, result.scanners, opts.offline, opts.osv_db)
    return replace(result, not_audited=gap, components=inventory(opts.target, fs.files))


def scanner_names(names: Sequence[str]) -> list[str]:
    """Validate scanner names (for --scanners)."""
    return [n for n in names if n in registry.SCANNERS]
