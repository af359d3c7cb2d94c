"""Walking the target: which files exist, without following links, and what could not be read."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from secscan.scanners.canaries import CANARY_PREFIX

VCS_DIRS = frozenset({".git", ".hg", ".svn"})
# Dependency, build-tool and cache folders: left out by default, but only while git tracks nothing in them
# (a pull request cannot hide code by naming its folder node_modules or venv).
DEPENDENCY_DIRS = frozenset({"node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
                             ".ruff_cache", ".pytest_cache", ".hypothesis", ".eggs"})
DEFAULT_EXCLUDED_DIRS = VCS_DIRS | DEPENDENCY_DIRS
CANARY_MARKER = ".secscan-canary"  # written by secscan into each canary folder it creates
# Why a path was left out (keys of FileSet.excluded_by), as shown in the report.
VCS, CONFIG, VENV, DEPENDENCY, OUTPUT, CANARY = ("version-control folder", "excluded by configuration",
                                                 "virtual environment (pyvenv.cfg)",
                                                 "dependency or cache folder (nothing tracked by git)",
                                                 "secscan's output folder", "secscan canary folder")
SHOWN_PATHS = 5
MAX_DEPTH = 200


@dataclass
class FileSet:
    """The regular files of a target (relative POSIX paths) and the coverage gaps met on the way."""

    root: Path
    files: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    links_skipped: int = 0
    too_deep: list[str] = field(default_factory=list)
    special: list[str] = field(default_factory=list)  # FIFOs, sockets, devices: never handed to a scanner
    excluded: int = 0
    excluded_by: dict[str, list[str]] = field(default_factory=dict)  # reason -> paths (folders end with /)
    git_ignored: int = 0  # files and folders left out because git ignores them
    ignored_paths: list[str] = field(default_factory=list)  # those paths (folders end with /)
    selected: list[str] = field(default_factory=list)  # the part per-file scanners get (shard, --staged)

    def with_suffix(self, suffixes: Sequence[str]) -> list[str]:
        """Files whose name ends with one of suffixes (all files when empty)."""
        if not suffixes:
            return list(self.files)
        return [f for f in self.files if f.endswith(tuple(suffixes))]


def _excluded(rel: str, name: str, patterns: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) or rel.startswith(p.rstrip("/") + "/")
        for p in patterns
    )


def _exclude(fs: FileSet, reason: str, rel: str) -> None:
    fs.excluded += 1
    fs.excluded_by.setdefault(reason, []).append(rel)


def _dir_reason(entry: os.DirEntry[str], rel: str, excludes: Sequence[str], skip_real: set[str],
                tracked: frozenset[str] | None) -> str | None:
    """Why a folder is left out, or None. ``tracked``: every folder git tracks a file under (None outside
    git): a folder holding tracked files is never left out by a default rule."""
    has_tracked = tracked is not None and rel in tracked
    if entry.name in VCS_DIRS:
        return VCS
    # a folder that is no link ends in its own name: realpath (costly) only for a name of a skipped folder
    if any(r.endswith("/" + entry.name) for r in skip_real) and os.path.realpath(entry.path) in skip_real:
        return OUTPUT
    if _excluded(rel, entry.name, excludes):
        return CONFIG
    if has_tracked:
        return None
    if entry.name.startswith(CANARY_PREFIX) and os.path.isfile(os.path.join(entry.path, CANARY_MARKER)):
        return CANARY
    if os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
        return VENV
    if entry.name in DEPENDENCY_DIRS:
        return DEPENDENCY
    return None


def tracked_dirs(names: Iterable[str]) -> frozenset[str]:
    """Every folder (relative, no trailing slash) that holds a tracked file, from ``git ls-files`` names."""
    out: set[str] = set()
    for name in names:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]))
    return frozenset(out)


def readable(path: str) -> bool:
    """Whether the current user may read path (a separate function so tests can simulate a denial: the
    test suite runs as root, for whom ``chmod 000`` changes nothing)."""
    return os.access(path, os.R_OK)


def _visit(fs: FileSet, entry: os.DirEntry[str], rel: str, depth: int, excludes: Sequence[str],
           ignored: frozenset[str], skip_real: set[str], tracked: frozenset[str] | None
           ) -> tuple[str, str, int] | None:
    """File one folder entry into fs; a folder to descend into is returned."""
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        fs.unreadable.append(rel)
        return None
    if stat.S_ISLNK(st.st_mode):
        fs.links_skipped += 1
    elif stat.S_ISDIR(st.st_mode):
        reason = _dir_reason(entry, rel, excludes, skip_real, tracked)
        if rel + "/" in ignored:
            fs.git_ignored += 1
            fs.ignored_paths.append(rel + "/")
        elif reason is not None:
            _exclude(fs, reason, rel + "/")
        elif depth + 1 > MAX_DEPTH:
            fs.too_deep.append(rel)
        else:
            return entry.path, rel, depth + 1
    elif stat.S_ISREG(st.st_mode):
        if rel in ignored:
            fs.git_ignored += 1
            fs.ignored_paths.append(rel)
        elif _excluded(rel, entry.name, excludes):
            _exclude(fs, CONFIG, rel)
        elif not readable(entry.path):
            fs.unreadable.append(rel)
        else:
            fs.files.append(rel)
            fs.sizes[rel] = st.st_size
    else:
        fs.special.append(rel)
    return None


def walk(
    root: Path,
    excludes: Sequence[str] = (),
    skip_dirs: Sequence[Path] = (),
    ignored: frozenset[str] = frozenset(),
    tracked: frozenset[str] | None = None,
    own_reports: frozenset[str] = frozenset(),
) -> FileSet:
    """List regular files under root. Symbolic links are never followed (counted instead); folders that
    cannot be listed and files that cannot be read go to ``unreadable`` (coverage gaps); FIFOs, sockets and
    devices go to ``special`` (opening a FIFO would hang a scanner).

    ignored: paths git ignores (folders end with "/"), left out like excludes; tracked: folders holding
    files git tracks (see :func:`tracked_dirs`; None outside git). Every path left out is recorded with
    its reason in ``excluded_by``. own_reports: secscan's own report files (relative), left out.
    """
    fs = FileSet(root=root)
    if root.is_file():
        if readable(str(root)):
            fs.files.append(root.name)
            fs.sizes[root.name] = root.stat().st_size
        else:
            fs.unreadable.append(root.name)
        return fs
    skip_real = {os.path.realpath(p) for p in skip_dirs}
    stack: list[tuple[str, str, int]] = [(str(root), "", 0)]
    while stack:
        abs_dir, rel_dir, depth = stack.pop()
        try:
            entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)
        except OSError:
            fs.unreadable.append(rel_dir or ".")
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if rel in own_reports:
                _exclude(fs, OUTPUT, rel)
                continue
            sub = _visit(fs, entry, rel, depth, excludes, ignored, skip_real, tracked)
            if sub is not None:
                stack.append(sub)
    fs.files.sort()
    return fs
