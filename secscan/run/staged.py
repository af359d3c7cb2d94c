"""The pre-commit path (``--staged``): scan what git has staged, exported from the index into a temporary
folder with the repository's tool configuration, never the work tree."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from secscan.core.errors import UsageError
from secscan.core.model import Result, ScannerResult, SkipCause
from secscan.core.options import ScanOptions
from secscan.process.git import GitError, git_bytes
from secscan.process.runner import Runner

# Tool configuration files exported from the index beside the staged files (so bandit, detect-secrets and
# semgrep see the repository's settings); they are scanned only when they are staged themselves.
STAGED_CONFIG = (".bandit", "pyproject.toml", "setup.cfg", ".secrets.baseline", ".semgrepignore")
_STAGED_DIFF = (
    *("diff", "--cached", "--raw", "-z", "--no-renames", "--relative", "--diff-filter=ACMRT"),
    *("--no-color", "--no-ext-diff"),
)
_SKIPPED_MODES = ("120000", "160000")  # symbolic links and submodules: no file content to scan
SMALL_COMMIT = 4 * 1024 * 1024  # bytes staged up to which the pure-Python secret pre-filter is faster
SMALL_COMMIT_PREFILTER = "keywords"


@dataclass(frozen=True)
class Staged:
    """The git index exported into a temporary folder."""

    root: Path  # the temporary folder (removed after the scan)
    folder: Path  # what is scanned: root, or the target's sub-folder of the work tree inside root
    names: tuple[str, ...]  # the staged files (relative to folder), all present in folder


def _git(runner: Runner, repo: Path, *argv: str, stdin: bytes | None = None) -> bytes:
    try:
        return git_bytes(runner, repo, *argv, stdin=stdin)
    except GitError as exc:
        raise UsageError(f"--staged: git {argv[0]} failed in {repo}: {exc.why}") from None


def staged_report_dir(repo: Path, runner: Runner | None = None) -> Path:
    """``<git dir>/secscan``: where the pre-commit path can write its report without touching the work tree
    (also in linked worktrees and submodules, where ``.git`` is a file)."""
    out = _git(runner or Runner(), repo, "rev-parse", "--absolute-git-dir")
    return Path(out.decode("utf-8", "surrogateescape").strip()) / "secscan"


def staged_names(repo: Path, runner: Runner) -> list[str]:
    """Files added, copied, modified, renamed or retyped in the index, relative to repo (a folder in a work
    tree); deletions, symbolic links and submodules are left out."""
    out = _git(runner, repo, *_STAGED_DIFF)
    parts = out.decode("utf-8", "surrogateescape").split("\0")
    names = []
    for header, name in zip(parts[0::2], parts[1::2], strict=False):
        fields = header.split()
        if name and len(fields) >= 2 and fields[1] not in _SKIPPED_MODES:
            names.append(name)
    return names


def _wanted(name: str, paths: tuple[str, ...]) -> bool:
    return not paths or any(
        name == p or name.startswith(p.rstrip("/") + "/") or p in (".", "") for p in paths
    )


def _staged_copy(repo: Path, runner: Runner, paths: tuple[str, ...] = ()) -> Staged:
    """Export what git has staged (limited to paths, when given) into a temporary folder, with the tool
    configuration files of the index, so the index is scanned and not the work tree."""
    names = [n for n in staged_names(repo, runner) if _wanted(n, paths)]
    tmp = Path(tempfile.mkdtemp(prefix="secscan-staged-"))
    try:
        # checkout-index writes index paths (from the top of the work tree) under --prefix
        sub = _git(runner, repo, "rev-parse", "--show-prefix").decode("utf-8", "surrogateescape").strip()
        folder = tmp / sub if sub else tmp
        folder.mkdir(parents=True, exist_ok=True)
        if names:
            config = _git(runner, repo, "ls-files", "-z", "--cached", "--", *STAGED_CONFIG)
            extra = [c for c in config.decode("utf-8", "surrogateescape").split("\0") if c and c not in names]
            listing = "\0".join([*names, *extra]).encode("utf-8", "surrogateescape") + b"\0"
            _git(
                runner, repo, "checkout-index", "--force", "-z", "--stdin", f"--prefix={tmp}/", stdin=listing
            )
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:  # never scan less than what is staged without saying so
            raise UsageError(
                f"--staged: {len(missing)} staged file(s) could not be exported: " + ", ".join(missing[:5])
            )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Staged(tmp, folder, tuple(names))


def _idle_scanners(opts: ScanOptions, names: tuple[str, ...]) -> list[str]:
    """Listed per-file scanners with no staged file to scan (e.g. bandit when no Python file is staged)."""
    from secscan.run.engine import plan
    from secscan.scanners import registry

    idle = []
    for name in plan(opts):
        scanner = registry.create(name)
        suffixes = scanner.file_suffixes
        if scanner.per_file and not any(n.endswith(suffixes) if suffixes else True for n in names):
            idle.append(name)
    return idle


def _staged_plan(opts: ScanOptions, staged: Staged) -> tuple[list[str], dict[str, Any]]:
    """Scanners with nothing staged to scan, and the options scanners get.

    A small commit gets secscan-secrets' pure-Python pre-filter: every backend finds the same secrets, and
    compiling the Hyperscan database costs more than scanning a few files with it.
    """
    from secscan.run.files import walk

    fs = walk(staged.folder, opts.excludes)
    kept = set(fs.files) & set(staged.names)  # what per-file scanners get
    idle = _idle_scanners(opts, tuple(kept)) if opts.scanners is not None else []
    extra = dict(opts.extra)
    small = sum(fs.sizes[f] for f in kept) <= SMALL_COMMIT
    if small and "secrets_backend" not in extra and "backend" not in extra:
        extra["secrets_backend"] = SMALL_COMMIT_PREFILTER
    return idle, extra


def run_staged(
    opts: ScanOptions, progress: Callable[[str, str, float], None] | None, runner: Runner
) -> Result:
    """The pre-commit path: scan the exported index; scanners listed with --scanners that have nothing staged
    to scan are reported as skipped (not as a failure: nothing was left unscanned)."""
    from secscan.core.model import Status
    from secscan.run.cache import default_dir
    from secscan.run.engine import plan
    from secscan.run.engine import scan as engine_scan

    if opts.changed_since:
        raise UsageError(
            "--staged and --changed-since cannot be combined (--staged scans only staged changes)"
        )
    staged = _staged_copy(opts.target, runner, opts.paths)
    order = {n: i for i, n in enumerate(plan(opts))}
    try:
        idle, extra = _staged_plan(opts, staged)
        inner = replace(
            opts,
            target=staged.folder,
            paths=staged.names,
            scanners=tuple(n for n in opts.scanners if n not in idle) if opts.scanners is not None else None,
            required=tuple(n for n in opts.required if n not in idle),
            cache_dir=opts.cache_dir or (default_dir(opts.target) if opts.use_cache else None),
            extra=extra,
        )
        result = engine_scan(inner, progress, runner)
    finally:
        shutil.rmtree(staged.root, ignore_errors=True)
    skipped = [ScannerResult(n, Status.SKIPPED, reason="no staged file of the kind it scans",
                             skip=SkipCause.NOTHING_TO_SCAN) for n in idle]
    scanners = sorted((*result.scanners, *skipped), key=lambda s: order.get(s.name, len(order)))
    note = f"--staged: scanned {len(staged.names)} staged file(s) from the git index"
    return replace(result, target=str(opts.target), scanners=tuple(scanners), notes=(note, *result.notes))
