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

from secscan.core.model import Finding, Result, ScannerResult, Status
from secscan.core.options import ScanOptions
from secscan.core.shard import select_shard, shard_note
from secscan.core.version import __version__
from secscan.formats.interface import REPORT_FILES
from secscan.process.git import is_available, run_git
from secscan.process.runner import Runner
from secscan.results.changes import collect as collect_changes
from secscan.results.enrich import redact_outcomes
from secscan.results.finish import finish
from secscan.results.not_audited import count_not_audited
from secscan.run.cache import Cache, default_dir
from secscan.run.cached import execute_cached
from secscan.run.execute import ScannerRun, categories
from secscan.run.files import CANARY_MARKER, SHOWN_PATHS, FileSet, tracked_dirs, walk
from secscan.run.imports import run_imports, within_target
from secscan.scanners import registry
from secscan.scanners.canaries import CANARY_PREFIX
from secscan.scanners.interface import ScanContext, Scanner

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
    options.update(
        require_pqc=opts.require_pqc,
        no_containers=opts.no_containers,
        PATH=runner.env_path,
        output_dir=str(opts.output_dir) if opts.output_dir is not None else None,
    )
    return ScanContext(
        target=opts.target,
        offline=opts.offline,
        timeout=opts.timeout,
        osv_db=opts.osv_db,
        images=opts.images,
        excludes=opts.excludes,
        options=options,
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


def _remove_stale_canaries(target: Path) -> None:
    """Remove canary folders left behind by a run that was killed (SIGKILL gives no chance to clean up)."""
    now = time.time()
    for entry in target.glob(CANARY_PREFIX + "*"):
        try:
            if entry.is_dir() and not entry.is_symlink() and (entry / CANARY_MARKER).is_file() \
                    and now - entry.stat().st_mtime > STALE_CANARY_S:  # only secscan's own, marked folders
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


def _canary_dir(target: Path) -> Path:
    """A private folder for canary inputs: inside the target when writable (detect-secrets and Trivy only
    see files under the folder they scan), else in the temporary folder."""
    if target.is_dir() and os.access(target, os.W_OK):
        _remove_stale_canaries(target)
        try:
            folder = Path(tempfile.mkdtemp(prefix=CANARY_PREFIX, dir=target))
            (folder / CANARY_MARKER).write_text("secscan canary folder, removed after the run\n", "utf-8")
            return folder
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix=CANARY_PREFIX))


def _skip(scanner: Scanner, reason: str, required: bool) -> ScannerRun:
    return ScannerRun(ScannerResult(scanner.name, Status.SKIPPED, reason=reason, required=required,
                                    categories=categories(scanner)), ())


def _prepare(
    scanner: Scanner, ctx: ScanContext, fs: FileSet, opts: ScanOptions
) -> tuple[list[str], str | None]:
    """The files a scanner gets (per-file scanners: this shard's part) and a skip reason, if any."""
    if scanner.per_file:
        files = (
            [f for f in fs.selected if f.endswith(scanner.file_suffixes)]
            if scanner.file_suffixes
            else list(fs.selected)
        )
    else:
        files = list(fs.files)
        if opts.shard is not None and opts.shard[0] != 1:
            return files, f"{SHARD_ONE_ONLY}{opts.shard[1]} only (not a per-file scanner)"
    if opts.offline and scanner.needs_network and opts.osv_db is None:
        return files, "offline"
    return files, scanner.applies(ctx, files)


def open_cache(opts: ScanOptions, notes: list[str]) -> Cache | None:
    """The incremental cache, or None with --no-cache (or when it cannot be opened: a note says so)."""
    if not opts.use_cache:
        return None
    folder = opts.cache_dir or default_dir(opts.target)
    try:
        cache = Cache(folder)
    except (OSError, Exception) as exc:  # an unusable cache never stops a scan
        notes.append(f"cache {folder} not used: {exc}")
        return None
    notes.extend(cache.warnings)
    return cache


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
        chosen = skip == "offline" or skip.startswith(SHARD_ONE_ONLY) or (
            name == "trivy-image" and opts.no_containers)
        runs[name] = _skip(scanner, skip, name in required and not chosen)
        progress(name, "done:skipped", 0.0)
    return runs, todo


def run_scanners(
    opts: ScanOptions, fs: FileSet, runner: Runner, progress: Progress, cache: Cache | None = None
) -> tuple[list[ScannerRun], bool]:
    """Run every planned scanner concurrently; returns the runs and whether Ctrl-C interrupted them."""
    ctx = make_context(opts, runner)
    names = plan(opts)
    images = {"trivy-image"} if opts.images and not opts.no_containers else set()
    required = set(opts.required) | set(opts.scanners or ()) | images
    runs, todo = _split_planned(names, ctx, fs, opts, required, progress)
    canary_dir = _canary_dir(opts.target) if opts.canary else None
    interrupted = False
    # Scanners mostly wait on their own processes (semgrep and bandit use the cores themselves): by default
    # they all start at once; --jobs N caps how many run together.
    jobs = opts.jobs if opts.jobs > 0 else max(1, len(todo))
    ctx = replace(ctx, cpu_share=cpu_share(jobs, sum(1 for s, _f in todo if s.busy)))
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
            runs[scanner.name] = ScannerRun(
                ScannerResult(
                    scanner.name,
                    Status.FAILED,
                    reason="interrupted (Ctrl-C) before it finished",
                    required=scanner.name in required,
                    categories=categories(scanner),
                ),
                (),
            )
    return [runs[n] for n in names if n in runs], interrupted


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
    notes = _coverage_notes(fs, opts)
    cache = open_cache(opts, notes)
    runs, interrupted = run_scanners(opts, fs, runner, progress or _noop, cache)
    import_runs = within_target(run_imports(opts.imports), opts.target)
    findings: list[Finding] = [f for r in (*runs, *import_runs) for f in r.findings]
    gaps = walk_gaps(fs, opts) or nothing_scanned(fs, opts)
    results = [r.result for r in (*runs, *import_runs)] + ([gaps] if gaps is not None else [])
    scanners, notes = redact_outcomes(results, notes)
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
    )
    gap = count_not_audited(opts.target, fs.files, result.scanners, opts.offline, opts.osv_db)
    return replace(result, not_audited=gap) if gap else result


WALK = "file-walk"
FILELESS = frozenset({"pqc", "mtls", "trivy-image"})  # checks that read no file of the tree


def walk_gaps(fs: FileSet, opts: ScanOptions) -> ScannerResult | None:
    """A ``file-walk`` entry when files of the target could not be read or folders were too deep to walk:
    no scanner saw them, so the scan is incomplete (exit 3), whatever the scanners found elsewhere."""
    if opts.shard is not None and opts.shard[0] != 1:
        return None  # shard 1 reports the walk (every shard walks the same tree)

    def concerns(gap: str) -> bool:  # a given path is the gap or lies under it
        return not opts.paths or gap == "." or any(p == gap or p.startswith(gap.rstrip("/") + "/")
                                                   for p in opts.paths)

    unreadable = [u for u in fs.unreadable if concerns(u)]
    too_deep = [d for d in fs.too_deep if concerns(d)]
    if not unreadable and not too_deep:
        return None
    parts = []
    if unreadable:
        parts.append(f"{len(unreadable)} path(s) could not be read: {', '.join(unreadable[:5])}")
    if too_deep:
        parts.append(f"{len(too_deep)} folder(s) deeper than the walk limit: {', '.join(too_deep[:5])}")
    return ScannerResult(WALK, Status.PARTIAL, None, 0.0, "; ".join(parts) + " (no scanner saw them)", 0,
                         {"files_walked": len(fs.files), "paths_unreadable": len(unreadable),
                          "folders_too_deep": len(too_deep)}, canary="not-applicable", required=True)


def nothing_scanned(fs: FileSet, opts: ScanOptions) -> ScannerResult | None:
    """A failed ``file-walk`` entry when the scan read no file at all (an empty folder, everything excluded
    or ignored by git): zero files scanned is never a clean result. Not for --staged (a commit may stage no
    file), given files (each is checked), image scans, runs that only import results or only run checks that
    read no file (pqc, mtls)."""
    only_checks = opts.scanners is not None and set(opts.scanners) <= FILELESS
    if fs.files or opts.staged or opts.paths or opts.command == "container" or opts.imports or opts.images \
            or only_checks or (opts.shard is not None and opts.shard[0] != 1):
        return None
    why = [f"{len(paths)} {reason}" for reason, paths in sorted(fs.excluded_by.items())]
    if fs.git_ignored:
        why.append(f"{fs.git_ignored} ignored by git (--no-git-ignore scans them)")
    detail = "; ".join(why) if why else "the folder holds no file"
    return ScannerResult(WALK, Status.FAILED, None, 0.0, f"nothing was scanned: {detail}", 0,
                         {"files_walked": 0, "paths_left_out": fs.excluded + fs.git_ignored},
                         canary="not-applicable", required=True)


def git_ignored(target: Path, runner: Runner) -> frozenset[str]:
    """Paths git ignores under target (folders end with "/"); empty outside a git work tree."""
    if not target.is_dir() or not is_available(runner):
        return frozenset()
    res = run_git(runner, target, "ls-files", "--others", "--ignored", "--exclude-standard", "--directory",
                  "-z", "--", ".", timeout=60.0)
    if res.error or res.returncode != 0:
        return frozenset()
    return frozenset(p for p in res.stdout.decode("utf-8", "surrogateescape").split("\0") if p)


def own_reports(opts: ScanOptions, tracked: frozenset[str] | None) -> frozenset[str]:
    """secscan's own report files in the output folder, when it lies inside the target (relative paths):
    left out of the scan unless git tracks them. The rest of that folder is scanned like any other."""
    if opts.output_dir is None or not opts.target.is_dir():
        return frozenset()
    try:
        rel = opts.output_dir.resolve().relative_to(opts.target.resolve()).as_posix()
    except ValueError:
        return frozenset()
    names = {f"{rel}/{n}" if rel != "." else n for n in REPORT_FILES}
    return frozenset(names - (tracked or frozenset()))


def git_tracked(target: Path, runner: Runner) -> frozenset[str] | None:
    """The files under target that git tracks, relative to target (None outside a git work tree)."""
    if not target.is_dir() or not is_available(runner):
        return None
    res = run_git(runner, target, "ls-files", "-z", "--cached", "--", ".", timeout=120.0)
    if res.error or res.returncode != 0:
        return None
    return frozenset(n for n in res.stdout.decode("utf-8", "surrogateescape").split("\0") if n)


def _excluded_notes(fs: FileSet) -> list[str]:
    """Every path left out, counted by reason, the first few named."""
    out = []
    for reason, paths in sorted(fs.excluded_by.items()):
        more = f" (+{len(paths) - SHOWN_PATHS} more)" if len(paths) > SHOWN_PATHS else ""
        out.append(f"left out, {reason}: {len(paths)} path(s): {', '.join(paths[:SHOWN_PATHS])}{more}")
    return out


def _coverage_notes(fs: FileSet, opts: ScanOptions) -> list[str]:
    notes = _excluded_notes(fs)
    if fs.unreadable:
        notes.append(
            f"{len(fs.unreadable)} path(s) could not be read (coverage gap): " + ", ".join(fs.unreadable[:5])
        )
    if fs.special:
        notes.append(
            f"{len(fs.special)} special file(s) (FIFO, socket, device) not scanned: "
            + ", ".join(fs.special[:5])
        )
    if fs.git_ignored:
        shown = ", ".join(fs.ignored_paths[:SHOWN_PATHS])
        more = f" (+{fs.git_ignored - SHOWN_PATHS} more)" if fs.git_ignored > SHOWN_PATHS else ""
        notes.append(f"{fs.git_ignored} path(s) git ignores were not scanned: {shown}{more} (--no-git-ignore "
                     "scans them: local files such as .env may hold real secrets)")
    if fs.links_skipped:
        notes.append(f"{fs.links_skipped} symbolic link(s) not followed")
    if fs.too_deep:
        notes.append(f"{len(fs.too_deep)} folder(s) deeper than the walk limit not scanned")
    if not opts.canary:
        notes.append(
            "canary checks disabled (--no-canary): a scanner that cannot detect anything reads as ok"
        )
    if opts.shard is not None:
        notes.append(shard_note(*opts.shard, len(fs.selected), len(fs.files)))
    return notes


def scanner_names(names: Sequence[str]) -> list[str]:
    """Validate scanner names (for --scanners)."""
    return [n for n in names if n in registry.SCANNERS]
