"""What the walk of the target saw, for the report: the coverage gaps no scanner could close (a ``file-walk``
entry), every path left out by reason (notes), and git's view of the tree (tracked and ignored paths)."""

from __future__ import annotations

from pathlib import Path

from secscan.core.model import CanaryState, ScannerResult, Status
from secscan.core.options import ScanOptions
from secscan.core.shard import shard_note
from secscan.formats.interface import REPORT_FILES
from secscan.process.git import is_available, run_git
from secscan.process.runner import Runner
from secscan.run.files import SHOWN_PATHS, FileSet

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
                          "folders_too_deep": len(too_deep)}, canary=CanaryState.NOT_APPLICABLE,
                         required=True)


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
                         canary=CanaryState.NOT_APPLICABLE, required=True)


def git_ignored(target: Path, runner: Runner) -> frozenset[str]:
    """Paths git ignores under target (folders end with "/"); empty outside a git work tree."""
    ignored = _ls_files(target, runner, 60.0, "--others", "--ignored", "--exclude-standard", "--directory")
    return ignored if ignored is not None else frozenset()


def _ls_files(target: Path, runner: Runner, timeout: float, *args: str) -> frozenset[str] | None:
    """``git ls-files -z ARGS -- .`` in target, as paths; None outside a git work tree or when git fails."""
    if not target.is_dir() or not is_available(runner):
        return None
    res = run_git(runner, target, "ls-files", "-z", *args, "--", ".", timeout=timeout)
    if res.error or res.returncode != 0:
        return None
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
    return _ls_files(target, runner, 120.0, "--cached")


def _excluded_notes(fs: FileSet) -> list[str]:
    """Every path left out, counted by reason, the first few named."""
    out = []
    for reason, paths in sorted(fs.excluded_by.items()):
        more = f" (+{len(paths) - SHOWN_PATHS} more)" if len(paths) > SHOWN_PATHS else ""
        out.append(f"left out, {reason}: {len(paths)} path(s): {', '.join(paths[:SHOWN_PATHS])}{more}")
    return out


def coverage_notes(fs: FileSet, opts: ScanOptions) -> list[str]:
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
