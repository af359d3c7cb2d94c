"""Python dependency files: discovery, reading pinned versions, and the offline OSV audit.

requirements*.txt, dev-requirements.txt and the like, and ``*.txt`` in a ``requirements/`` folder:
``name==version`` lines, ``-r`` includes followed inside the target only, comments and options ignored,
hashes stripped. pyproject.toml: ``[project]`` dependencies, optional dependencies,
``[dependency-groups]`` and Poetry tables, pinned with ``==`` (Poetry: a bare version is exact). Lock
files: see :mod:`secscan.analyzers.advisories.python_locks`. Environment markers are evaluated loosely: a
requirement is kept when its marker holds on any of Linux/macOS/Windows with any Python 3.8-3.14, or
cannot be evaluated. Everything not pinned is reported as skipped with the reason.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement

from secscan.analyzers.advisories.audit import ManifestRead, audit
from secscan.analyzers.advisories.deps import Dep, Skipped
from secscan.analyzers.advisories.osv import OsvDatabase, load_db
from secscan.analyzers.advisories.python_locks import reader_for, table
from secscan.analyzers.advisories.versions import PYPI, norm_name
from secscan.core.model import Parsed
from secscan.parsers.interface import norm_path

TOOL = "pip-audit"
EXCLUDED_DIRS = frozenset({"node_modules", ".venv", "venv", ".tox", ".nox", ".git", "site-packages",
                           "dist-packages", "__pycache__", ".eggs", ".mypy_cache"})
MAX_INCLUDE_DEPTH = 20
MAX_FILE_BYTES = 5 * 1024 * 1024
_COMMENT = re.compile(r"(^|\s+)#.*$")
_TRAILING_OPTIONS = re.compile(r"\s+--?[A-Za-z].*$")
_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=\S))(?P<path>\S+)$")
_REFERENCE = re.compile(r"^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(?P<path>\S+)$")
MAX_REFERENCED = 1000
_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s*=\s*|\s+)(?P<target>.+)$")
PLATFORMS = (("linux", "Linux", "posix"), ("darwin", "Darwin", "posix"), ("win32", "Windows", "nt"))
PYTHONS = tuple(f"3.{m}" for m in range(8, 15))


def is_python_manifest(rel: str) -> bool:
    """True for the file names this module reads."""
    p = PurePosixPath(rel)
    name = p.name
    if name == "pyproject.toml" or reader_for(name) is not None:
        return True
    low = name.lower()
    in_folder = p.parent.name.lower() == "requirements"
    return low.endswith(".txt") and ("requirements" in low or in_folder)


def find_python_manifests(root: str | Path, files: Sequence[str]) -> list[str]:
    """Python dependency files among files (relative paths), outside virtualenvs and node_modules."""
    out = set()
    for f in files:
        rel = norm_path(f)
        if ".toml" not in rel and ".lock" not in rel and ".txt" not in rel.lower():
            continue  # every name is_python_manifest takes has one of these (the name is part of rel)
        if not EXCLUDED_DIRS.intersection(PurePosixPath(rel).parts[:-1]) and is_python_manifest(rel):
            out.add(rel)
    return sorted(out)


def marker_applies(marker: Marker | None) -> bool:
    """Loose marker evaluation: True when it holds somewhere plausible or cannot be evaluated."""
    if marker is None:
        return True
    for sys_platform, system, os_name in PLATFORMS:
        for py in PYTHONS:
            env = {"sys_platform": sys_platform, "platform_system": system, "os_name": os_name,
                   "python_version": py, "python_full_version": f"{py}.0", "extra": ""}
            try:
                if marker.evaluate(env):
                    return True
            except Exception:  # any evaluation problem keeps the requirement
                return True
    return False


def _pinned(req: Requirement) -> str | None:
    for spec in req.specifier:
        if spec.operator in ("==", "===") and not spec.version.endswith(".*"):
            return spec.version
    return None


def requirement_dep(text: str, manifest: str, line: int | None, dev: bool = False) -> Dep | Skipped | None:
    """A Dep for a pinned PEP 508 requirement, Skipped with the reason, None when its marker never holds."""
    if text.startswith((".", "/", "file:")) or "://" in text.split("@", 1)[0]:
        return Skipped(text[:80], "local path or URL, not from a package index")
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        return Skipped(text[:80], f"unparseable requirement: {str(exc).splitlines()[0][:120]}")
    if not marker_applies(req.marker):
        return None
    if req.url:
        return Skipped(req.name, "direct URL reference, not from a package index")
    version = _pinned(req)
    if version is None:
        return Skipped(req.name, f"not pinned: {req.specifier or 'no version'}")
    return Dep(req.name, version, PYPI, manifest, line, dev)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = n
        line = raw.rstrip()
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        out.append((start, _COMMENT.sub("", buf + line).strip()))
        buf = ""
    if buf:
        out.append((start, _COMMENT.sub("", buf).strip()))
    return out


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _read_text(path: Path) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return path.read_text(encoding="utf-8-sig", errors="replace")


def referenced_files(root: Path, manifests: Sequence[str]) -> list[Path]:
    """The manifests and every local file they name with -r or -c, transitively, wherever it is (missing
    ones too): all that an audit reads, for cache keys."""
    seen: set[Path] = set()
    todo = [(root / m).resolve() for m in manifests]
    while todo and len(seen) < MAX_REFERENCED:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            text = _read_text(path) if path.is_file() else ""
        except (OSError, ValueError):
            continue
        for _lineno, line in _logical_lines(text):
            m = _REFERENCE.match(line)
            if m and "://" not in m["path"]:
                todo.append((path.parent / m["path"]).resolve())
    return sorted(seen)


def _include(root: Path, here: Path, target: str, seen: set[Path], depth: int,
             deps: list[Dep], skipped: list[Skipped], specs: dict[str, str] | None) -> None:
    if "://" in target:
        skipped.append(Skipped(target, "remote include not followed (offline)"))
        return
    path = (here.parent / target).resolve()
    try:
        path.relative_to(root)
    except ValueError:
        skipped.append(Skipped(target, "include outside the target folder not followed"))
        return
    if not path.is_file():
        skipped.append(Skipped(target, "included file not found"))
        return
    if path not in seen:
        _read_requirements(root, path, seen, depth + 1, deps, skipped, specs)


def _read_requirements(root: Path, path: Path, seen: set[Path], depth: int,
                       deps: list[Dep], skipped: list[Skipped], specs: dict[str, str] | None = None) -> None:
    seen.add(path)
    manifest = _rel(root, path)
    if depth > MAX_INCLUDE_DEPTH:
        skipped.append(Skipped(manifest, f"includes nested more than {MAX_INCLUDE_DEPTH} levels"))
        return
    try:
        text = _read_text(path)
    except (OSError, ValueError) as exc:
        skipped.append(Skipped(manifest, f"unreadable: {getattr(exc, 'strerror', None) or exc}"))
        return
    for lineno, line in _logical_lines(text):
        if not line:
            continue
        inc, edit = _INCLUDE.match(line), _EDITABLE.match(line)
        if inc:
            _include(root, path, inc["path"], seen, depth, deps, skipped, specs)
        elif edit:
            skipped.append(Skipped(edit["target"].strip()[:80], "editable install, not from a package index"))
        elif line.startswith("-"):
            continue  # -c constraints, -i/--index-url, --hash-only lines, --pre, ...: not dependencies
        else:
            text = _TRAILING_OPTIONS.sub("", line).strip()
            if specs is not None:
                _note_spec(specs, text)
            item = requirement_dep(text, manifest, lineno)
            if isinstance(item, Dep):
                deps.append(item)
            elif item is not None:
                skipped.append(item)


def _note_spec(specs: dict[str, str], text: str) -> None:
    """Record what one requirement line asks for its package (the first line naming it wins)."""
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return
    spec = str(req.specifier) + (f" @ {req.url}" if req.url else "")
    spec += f"; {req.marker}" if req.marker else ""
    specs.setdefault(norm_name(PYPI, req.name), spec)


def index_requirements(root: str | Path, manifest: str) -> tuple[list[str], list[Skipped]]:
    """What pip may take of a requirements file (with the files it includes inside the target) from the
    default package index, as requirement lines (specifiers and markers kept), and what is left out with the
    reason: editable installs, paths, URLs, includes outside the target or remote. Options are dropped
    (-i/--index-url, --extra-index-url, -f/--find-links, --trusted-host, -c, hashes): the scanned tree never
    picks the index pip-audit contacts, and nothing of the tree is built."""
    base = Path(root).resolve()
    specs: dict[str, str] = {}
    skipped: list[Skipped] = []
    try:
        _read_requirements(base, (base / manifest).resolve(), set(), 0, [], skipped, specs)
    except (OSError, ValueError) as exc:
        return [], [Skipped(manifest, f"unreadable: {getattr(exc, 'strerror', None) or exc}")]
    lines = [f"{name}{spec}" for name, spec in specs.items() if " @ " not in spec]
    return lines, [s for s in skipped if not s.reason.startswith("not pinned")]


def requirement_specs(root: str | Path, manifest: str) -> dict[str, str]:
    """What a requirements file (with the files it includes) or a lock file asks for each package it names:
    normalised name -> specifier text ("==1.2", ">=2", "" for any version, with its URL and marker); the
    names a pyproject.toml's dependencies pin or name. Two files that ask one package differently cannot be
    given to one pip-audit process ("duplicate requirements")."""
    name = Path(manifest).name
    if name == "pyproject.toml" or reader_for(name) is not None:
        deps, skipped = read_python_deps(root, manifest)
        return {**{norm_name(PYPI, s.name): "?" for s in skipped},
                **{norm_name(PYPI, d.name): f"=={d.version}" for d in deps}}
    base = Path(root).resolve()
    specs: dict[str, str] = {}
    try:
        _read_requirements(base, (base / manifest).resolve(), set(), 0, [], [], specs)
    except (OSError, ValueError):
        pass
    return specs


def _line_of(lines: list[str], needle: str) -> int | None:
    return next((i for i, ln in enumerate(lines, 1) if needle in ln), None)


def _poetry_item(name: str, spec: Any, manifest: str, line: int | None, dev: bool) -> Dep | Skipped:
    if isinstance(spec, list):
        return Skipped(name, "several constraints (Poetry multiple-constraint dependency)")
    if isinstance(spec, dict):
        if any(k in spec for k in ("git", "path", "url")):
            return Skipped(name, "not from a package index")
        spec = spec.get("version")
    if not isinstance(spec, str) or not spec.strip():
        return Skipped(name, "no version")
    v = spec.strip().removeprefix("==").strip()
    if v and v[0].isdigit() and not any(c in v for c in "*<>=~^,| "):
        return Dep(name, v, PYPI, manifest, line, dev)
    return Skipped(name, f"not pinned: {spec}")


def _poetry(tool: dict[str, Any], manifest: str, lines: list[str]) -> list[Dep | Skipped]:
    tables: list[tuple[Any, bool]] = [(tool.get("dependencies"), False), (tool.get("dev-dependencies"), True)]
    groups = tool.get("group")
    for gname, group in (groups.items() if isinstance(groups, dict) else []):
        if isinstance(group, dict):
            tables.append((group.get("dependencies"), gname != "main"))
    out: list[Dep | Skipped] = []
    for deps_table, dev in tables:
        for name, spec in (deps_table.items() if isinstance(deps_table, dict) else []):
            if name.lower() != "python":
                out.append(_poetry_item(name, spec, manifest, _line_of(lines, name), dev))
    return out


def _pep508(data: dict[str, Any]) -> list[tuple[Any, bool]]:
    """The PEP 508 requirements of a pyproject.toml (dependencies, extras, groups) and whether each is dev."""
    project = table(data, "project")
    reqs: list[tuple[Any, bool]] = [(r, False) for r in project.get("dependencies") or []]
    for extra in table(project, "optional-dependencies").values():
        reqs.extend((r, False) for r in (extra if isinstance(extra, list) else []))
    groups = data.get("dependency-groups")
    for group in (groups.values() if isinstance(groups, dict) else []):
        reqs.extend((r, True) for r in (group if isinstance(group, list) else []))
    return reqs


def pyproject_requirements(root: str | Path, manifest: str) -> tuple[list[str], list[Skipped]]:
    """What pip can take of a pyproject.toml from a package index, as requirement lines (ranges and markers
    kept; Poetry tables: their pins), and what is left out with the reason (paths, URLs, dynamic
    dependencies, Poetry ranges). The project itself is never among them: nothing of it is built."""
    try:
        data = tomllib.loads(_read_text((Path(root).resolve() / manifest).resolve()))
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        return [], [Skipped(manifest, f"unreadable: {getattr(exc, 'strerror', None) or exc}")]
    lines: list[str] = []
    left: list[Skipped] = []
    for req, _dev in _pep508(data):
        item = requirement_dep(req.strip(), manifest, None) if isinstance(req, str) and req.strip() else None
        if isinstance(item, Skipped) and not item.reason.startswith("not pinned"):
            left.append(item)
        elif item is not None:
            lines.append(str(Requirement(req.strip())))
    if "dependencies" in (table(data, "project").get("dynamic") or []):
        left.append(Skipped(manifest, "[project] dependencies are dynamic (computed at build time)"))
    tool = data.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("poetry"), dict):
        for got in _poetry(tool["poetry"], manifest, []):
            if isinstance(got, Dep):
                lines.append(f"{got.name}=={got.version}")
            else:
                left.append(got)
    return list(dict.fromkeys(lines)), left


def read_pyproject(text: str, manifest: str) -> tuple[list[Dep], list[Skipped]]:
    """Pinned dependencies of a pyproject.toml (ValueError when it is not valid TOML)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML: {exc}") from None
    lines = text.splitlines()
    items: list[Dep | Skipped | None] = []
    project = table(data, "project")
    for req, dev in _pep508(data):
        if isinstance(req, str) and req.strip():
            items.append(requirement_dep(req.strip(), manifest, _line_of(lines, req), dev))
    if "dependencies" in (project.get("dynamic") or []):
        items.append(Skipped(manifest, "[project] dependencies are dynamic (computed at build time)"))
    tool = data.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("poetry"), dict):
        items.extend(_poetry(tool["poetry"], manifest, lines))
    return [i for i in items if isinstance(i, Dep)], [i for i in items if isinstance(i, Skipped)]


def read_python_deps(root: str | Path, manifest: str) -> tuple[list[Dep], list[Skipped]]:
    """Pinned dependencies of one manifest and the (name, reason) pairs of those not audited; never raises."""
    base = Path(root).resolve()
    path = (base / manifest).resolve()
    name = path.name
    try:
        if name == "pyproject.toml":
            return read_pyproject(_read_text(path), manifest)
        reader = reader_for(name)
        if reader is not None:
            return reader(_read_text(path), manifest)
        deps: list[Dep] = []
        skipped: list[Skipped] = []
        _read_requirements(base, path, set(), 0, deps, skipped)
        return deps, skipped
    except (OSError, ValueError) as exc:
        return [], [Skipped(manifest, f"unreadable: {getattr(exc, 'strerror', None) or exc}")]


def _covered(reads: list[ManifestRead]) -> list[ManifestRead]:
    """Drop skips that another file of the same folder pins (pyproject ranges next to a lock file)."""
    pinned: dict[str, set[str]] = {}
    for r in reads:
        for d in r.deps:
            pinned.setdefault(str(PurePosixPath(d.manifest).parent), set()).add(norm_name(PYPI, d.name))
    out = []
    for r in reads:
        folder = pinned.get(str(PurePosixPath(r.manifest).parent), set())
        kept = [s for s in r.skipped if norm_name(PYPI, s.name) not in folder]
        out.append(ManifestRead(r.manifest, r.deps, kept))
    return out


def audit_python(root: str | Path, manifests: Sequence[str], db: OsvDatabase | str | Path) -> Parsed:
    """Audit the Python manifests against the OSV database (tool "pip-audit", findings from "osv-db")."""
    database = db if isinstance(db, OsvDatabase) else load_db(db)
    reads = [ManifestRead(m, *read_python_deps(root, m)) for m in manifests]
    return audit(TOOL, PYPI, _covered(reads), database)
