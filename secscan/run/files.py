"""Walking the target: which files exist, without following links, and what could not be read."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from secscan.scanners.canaries import CANARY_PREFIX

DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        ".eggs",
    }
)
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
    git_ignored: int = 0  # files and folders left out because git ignores them
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


def readable(path: str) -> bool:
    """Whether the current user may read path (a separate function so tests can simulate a denial: the
    test suite runs as root, for whom ``chmod 000`` changes nothing)."""
    return os.access(path, os.R_OK)


def _visit(fs: FileSet, entry: os.DirEntry[str], rel: str, depth: int, excludes: Sequence[str],
           ignored: frozenset[str], skip_real: set[str]) -> tuple[str, str, int] | None:
    """File one folder entry into fs; a folder to descend into is returned."""
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        fs.unreadable.append(rel)
        return None
    if stat.S_ISLNK(st.st_mode):
        fs.links_skipped += 1
    elif stat.S_ISDIR(st.st_mode):
        if rel + "/" in ignored:
            fs.git_ignored += 1
        elif (entry.name in DEFAULT_EXCLUDED_DIRS or entry.name.startswith(CANARY_PREFIX)
                or os.path.realpath(entry.path) in skip_real or _excluded(rel, entry.name, excludes)):
            fs.excluded += 1
        elif depth + 1 > MAX_DEPTH:
            fs.too_deep.append(rel)
        else:
            return entry.path, rel, depth + 1
    elif stat.S_ISREG(st.st_mode):
        if rel in ignored:
            fs.git_ignored += 1
        elif _excluded(rel, entry.name, excludes):
            fs.excluded += 1
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
) -> FileSet:
    """List regular files under root. Symbolic links are never followed (counted instead); folders that
    cannot be listed and files that cannot be read go to ``unreadable`` (coverage gaps); FIFOs, sockets and
    devices go to ``special`` (opening a FIFO would hang a scanner).

    ignored: paths git ignores (folders end with "/"), left out like excludes.
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
            sub = _visit(fs, entry, rel, depth, excludes, ignored, skip_real)
            if sub is not None:
                stack.append(sub)
    fs.files.sort()
    return fs
