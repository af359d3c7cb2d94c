"""Which pip-audit processes one online audit starts, and which of the target's files each one audits.

Requirements files and lock files (their pins written as requirements files, pip-audit cannot read them)
are audited with ``-r``, as few processes as possible: files that ask for one package differently go to
separate processes (``analyzers/advisories/python_sets.py``), since pip-audit refuses "duplicate
requirements". Every such process carries the canary requirement (``analyzers/advisories/pypi_canary.py``:
a candidate the target does not name). No file of the tree is handed to pip-audit, and it runs in the
private folder: a pyproject.toml given as a project would be built (the untrusted tree's build backend would
run), and a requirements file's options pick the index and links pip contacts and its paths and editables
are built. Their index requirements are written as requirements files (``python_deps.pyproject_requirements``,
``python_deps.index_requirements``) and audited; what is left out (paths, URLs, editables, includes outside
the target, dynamic dependencies) makes its process partial.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from secscan.analyzers.advisories import pypi_canary, python_deps, python_sets
from secscan.analyzers.advisories.pypi_canary import PypiCanary
from secscan.process.runner import Invocation
from secscan.scanners.interface import ScanContext

FLAGS = ("-f", "json", "--progress-spinner", "off", "--aliases", "on", "--desc", "on")
LOCKED_NAME = "secscan-locked-requirements.txt"


@dataclass(frozen=True)
class Audit:
    """One pip-audit process, the target's dependency files it audits and the canary it carries."""

    invocation: Invocation
    files: tuple[str, ...]
    canary: PypiCanary | None = None
    unplaced: str | None = None  # why a canary that was asked for does not ride in this process
    left_out: tuple[str, ...] = ()  # dependencies of its files not given to pip-audit, "file: name (why)"

    @property
    def label(self) -> str:
        """The files it audits, for reasons ("the canary" for a canary-only process)."""
        return ", ".join(self.files) or "the canary"


def is_lock(manifest: str) -> bool:
    """poetry.lock, uv.lock, Pipfile.lock, pylock*.toml: pip-audit cannot read them itself."""
    from secscan.analyzers.advisories.python_locks import reader_for

    return reader_for(Path(manifest).name) is not None


def is_pyproject(manifest: str) -> bool:
    """A pyproject.toml: its requirements are written out, the project is never given to pip-audit."""
    return Path(manifest).name == "pyproject.toml"


def index_lines(target: Path, manifest: str) -> tuple[list[str], list[str]]:
    """(the requirement lines pip-audit gets for a requirements file or pyproject.toml, what is left out as
    "file: name (why)")."""
    read = python_deps.pyproject_requirements if is_pyproject(manifest) else python_deps.index_requirements
    lines, left = read(target, manifest)
    return lines, [f"{manifest}: {s.name} ({s.reason})" for s in left]


def write_locked(target: Path, lock: str, folder: Path, n: int, index: Sequence[str] = ()) -> Path:
    """What pip-audit reads of one dependency file, in the private folder: the pins of a lock file, the index
    requirements of a pyproject.toml or a requirements file (``index``, from :func:`index_lines`; the tree's
    own file is never handed over: its options would pick the index and its paths would be built)."""
    if not is_lock(lock):
        lines = [f"# requirements read by secscan from {lock}", *index]
    else:
        lines = [f"# pins read by secscan from {lock}"]
        lines += [f"{d.name}=={d.version}" for d in python_deps.read_python_deps(target, lock)[0]]
    path = folder / f"{n}-{LOCKED_NAME}"
    path.write_text("\n".join(dict.fromkeys(lines)) + "\n", "utf-8")
    return path


def _invocation(ctx: ScanContext, files: Sequence[str], args: Sequence[str], label: str,
                folder: Path) -> Invocation:
    pinned = all(is_lock(m) or not python_deps.read_python_deps(ctx.target, m)[1] for m in files)
    argv = ["pip-audit", *FLAGS, *(("--no-deps", "--disable-pip") if pinned else ())]
    for arg in args:
        argv += ["-r", arg]
    return Invocation(tuple(argv), folder, ctx.timeout, label=label)  # run in the private folder


def plan(ctx: ScanContext, manifests: Sequence[str], specs: Mapping[str, Mapping[str, str]],
         folder: Path, with_canary: bool) -> list[Audit]:
    """The processes: one per compatible set of requirements and lock files (each with the canary), a
    canary-only one when no set can carry it, one per pyproject.toml project."""
    reqs = list(manifests)
    read = {m: index_lines(ctx.target, m) for m in reqs if not is_lock(m)}  # each file read once
    args = {m: str(write_locked(ctx.target, m, folder, n, read[m][0] if m in read else ()))
            for n, m in enumerate(reqs)}
    left = {m: found[1] for m, found in read.items()}
    groups = [[reqs[i] for i in g] for g in python_sets.compatible_sets([specs[m] for m in reqs])]
    canary = pypi_canary.pick(python_sets.names(list(specs.values()))) if with_canary else None
    unplaced = None
    if with_canary and canary is None:
        every = ", ".join(c.name for c in pypi_canary.CANDIDATES)
        unplaced = f"the target names every canary candidate ({every}); the canary ran in its own process"
    riding = canary or (pypi_canary.CANDIDATES[0] if with_canary else None)
    canary_file = folder / pypi_canary.FILE_NAME
    if riding is not None:
        canary_file.write_text(riding.requirement(), "utf-8")
    audits: list[Audit] = []
    for n, files in enumerate(groups, 1):
        label = "pip-audit requirements" + (f" ({n}/{len(groups)})" if len(groups) > 1 else "")
        extra = [str(canary_file)] if canary is not None else []
        inv = _invocation(ctx, files, [*(args[m] for m in files), *extra], label, folder)
        left_out = tuple(x for m in files for x in left.get(m, ()))
        audits.append(Audit(inv, tuple(files), canary, unplaced, left_out))
    if riding is not None and (not groups or canary is None):
        audits.append(Audit(_invocation(ctx, (), [str(canary_file)], "pip-audit canary", folder), (), riding))
    return audits
