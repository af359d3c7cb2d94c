"""npm lockfiles (``package-lock.json``, ``npm-shrinkwrap.json``) read for offline auditing.

lockfileVersion 1 has a nested ``dependencies`` tree; 2 and 3 have a flat ``packages`` map keyed by
install location (``""`` is the project, ``node_modules/a/node_modules/b`` a nested copy); version 2
has both and ``packages`` is preferred. Each installed package becomes a :class:`Dep` with its dev
flags and the shortest chain of packages from the project to it, found with node's resolution rule
(a package's ``node_modules`` first, then each parent folder's).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from secscan.analyzers.advisories.audit import ManifestRead, audit
from secscan.analyzers.advisories.deps import Dep, Skipped
from secscan.analyzers.advisories.osv import OsvDatabase, load_db
from secscan.analyzers.advisories.versions import NPM, npm_version
from secscan.core.errors import ParseError
from secscan.core.model import Parsed
from secscan.parsers.interface import load_json, norm_path

TOOL = "npm-audit"
LOCKFILE_NAMES = ("package-lock.json", "npm-shrinkwrap.json")
ROOT_DEP_KEYS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
NM = "node_modules/"
_KEY_LINE = re.compile(r'^\s*"(?P<key>(?:[^"\\]|\\.)*node_modules/(?:[^"\\]|\\.)*)"\s*:\s*\{')


@dataclass(frozen=True)
class Entry:
    """One installed package of the lockfile, by install location."""

    location: str
    name: str
    version: str | None
    dev: bool = False
    dev_optional: bool = False
    link: str | None = None  # target location of a workspace link
    local: bool = False
    requires: tuple[str, ...] = ()


def find_npm_lockfiles(root: str | Path, files: Sequence[str]) -> list[str]:
    """The npm lockfiles among files (relative paths), outside any node_modules folder."""
    out = set()
    for f in files:
        p = PurePosixPath(norm_path(f))
        if p.name in LOCKFILE_NAMES and "node_modules" not in p.parts:
            out.add(p.as_posix())
    return sorted(out)


def _names(value: Any) -> tuple[str, ...]:
    return tuple(k for k in value if isinstance(k, str)) if isinstance(value, dict) else ()


def _entry(location: str, item: dict[str, Any]) -> Entry:
    given, res = item.get("name"), item.get("resolved")
    name = given if isinstance(given, str) and given else location.rsplit(NM, 1)[-1]
    resolved = res if isinstance(res, str) else ""
    version = item.get("version") if isinstance(item.get("version"), str) else None
    requires = tuple(dict.fromkeys(n for k in ROOT_DEP_KEYS for n in _names(item.get(k))))
    return Entry(location, name, version, item.get("dev") is True, item.get("devOptional") is True,
                 resolved if item.get("link") is True else None, resolved.startswith("file:"), requires)


def _from_packages(packages: dict[str, Any]) -> tuple[dict[str, Entry], tuple[str, ...]]:
    entries: dict[str, Entry] = {}
    for loc, item in packages.items():
        if loc and isinstance(item, dict):
            entries[loc] = _entry(loc, item)
    root = packages.get("")
    roots = tuple(dict.fromkeys(n for k in ROOT_DEP_KEYS for n in _names(root.get(k)))) \
        if isinstance(root, dict) else ()
    return entries, roots


def _from_tree(tree: dict[str, Any], parent: str, out: dict[str, Entry], depth: int = 0) -> None:
    if depth > 200:
        raise ValueError("dependencies nested more than 200 levels")
    for name, item in tree.items():
        if not isinstance(item, dict):
            continue
        loc = f"{parent}/{NM}{name}" if parent else f"{NM}{name}"
        version = item.get("version") if isinstance(item.get("version"), str) else None
        out[loc] = Entry(loc, name, version, item.get("dev") is True, False, None,
                         bool(version and version.startswith("file:")), _names(item.get("requires")))
        if isinstance(item.get("dependencies"), dict):
            _from_tree(item["dependencies"], loc, out, depth + 1)


def parse_lockfile(text: str | bytes, source: str) -> tuple[int, dict[str, Entry], tuple[str, ...] | None]:
    """(lockfileVersion, entries by location, the project's direct dependency names or None when unknown)."""
    data = load_json(text, TOOL, source)
    if not isinstance(data, dict) or not isinstance(data.get("lockfileVersion", 1), int):
        raise ParseError(TOOL, source, "not an npm lockfile (no lockfileVersion)")
    version = int(data.get("lockfileVersion", 1))
    if isinstance(data.get("packages"), dict):
        entries, roots = _from_packages(data["packages"])
        return version, entries, roots
    if isinstance(data.get("dependencies"), dict):
        entries = {}
        try:
            _from_tree(data["dependencies"], "", entries)
        except ValueError as exc:
            raise ParseError(TOOL, source, str(exc)) from None
        return version, entries, None
    raise ParseError(TOOL, source, "neither 'packages' nor 'dependencies' (not an npm lockfile?)")


def _parent(base: str) -> str:
    parts = base.split("/")[:-1]
    if parts and parts[-1] == "node_modules":
        parts.pop()
    return "/".join(parts)


def _resolve(base: str, name: str, entries: dict[str, Entry]) -> str | None:
    while True:
        cand = f"{base}/{NM}{name}" if base else f"{NM}{name}"
        if cand in entries:
            return cand
        if not base:
            return None
        base = _parent(base)


def _label(e: Entry) -> str:
    return f"{e.name}@{e.version}" if e.version else e.name


def dependency_paths(entries: dict[str, Entry], roots: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Shortest chain of name@version labels from the project to each reachable location."""
    paths: dict[str, tuple[str, ...]] = {}
    queue: deque[tuple[str, tuple[str, ...]]] = deque()
    workspaces = [e.name for loc, e in entries.items() if e.link and loc.count(NM) == 1]
    for name in dict.fromkeys([*roots, *workspaces]):
        loc = _resolve("", name, entries)
        if loc is not None:
            queue.append((loc, ()))
    while queue:
        loc, chain = queue.popleft()
        if loc in paths:
            continue
        e = entries[loc]
        base = e.link if e.link and e.link in entries else loc
        node = entries[base]
        here = (*chain, _label(node))
        paths[loc] = here
        for name in node.requires:
            child = _resolve(base, name, entries)
            if child is not None and child not in paths:
                queue.append((child, here))
    return paths


def _roots_v1(entries: dict[str, Entry], package_json: Path) -> tuple[str, ...]:
    try:
        data = json.loads(package_json.read_text(encoding="utf-8"))
        names = tuple(dict.fromkeys(n for k in ROOT_DEP_KEYS for n in _names(data.get(k))))
        if names:
            return names
    except (OSError, ValueError, AttributeError):
        pass
    top = [e for loc, e in entries.items() if loc.count(NM) == 1]
    required = {n for e in entries.values() for n in e.requires}
    return tuple(e.name for e in top if e.name not in required) or tuple(e.name for e in top)


def _location_chain(loc: str, entries: dict[str, Entry]) -> tuple[str, ...]:
    parts = loc.split(NM)[1:]
    chain: list[str] = []
    prefix = ""
    for part in parts:
        prefix = f"{prefix}{NM}{part}"
        key = prefix.rstrip("/")
        chain.append(_label(entries[key]) if key in entries else part.rstrip("/"))
    return tuple(chain)


def _key_lines(raw: bytes) -> dict[str, int]:
    """Line of each ``"node_modules/...": {`` key of a v2/v3 lockfile (npm writes one key per line)."""
    out: dict[str, int] = {}
    for n, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        m = _KEY_LINE.match(line)
        if m:
            out.setdefault(m["key"], n)
    return out


def read_npm_deps(root: str | Path, lockfile: str) -> tuple[list[Dep], list[Skipped]]:
    """Installed packages of one lockfile, and the ones that cannot be audited (ParseError on a bad file)."""
    path = Path(root) / lockfile
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParseError(TOOL, lockfile, f"cannot read: {exc.strerror or exc}") from None
    _version, entries, roots = parse_lockfile(raw, lockfile)
    if roots is None:
        roots = _roots_v1(entries, path.parent / "package.json")
    paths = dependency_paths(entries, roots)
    lines = _key_lines(raw)
    deps: list[Dep] = []
    skipped: list[Skipped] = []
    for loc, e in entries.items():
        if NM not in loc or e.link is not None:
            continue  # workspace sources and links to them are the project's own code
        if e.local:
            skipped.append(Skipped(e.name, "local package (file:), not from the registry"))
            continue
        if not e.version:
            skipped.append(Skipped(e.name, f"no version at {loc}"))
            continue
        if npm_version(e.version) is None:
            skipped.append(Skipped(e.name, f"version {e.version!r} is not a registry version"))
            continue
        chain = paths.get(loc) or _location_chain(loc, entries)
        deps.append(Dep(e.name, e.version, NPM, lockfile, lines.get(loc), e.dev, e.dev_optional, chain))
    deps.sort(key=lambda d: (len(d.path), d.path))
    return deps, skipped


def audit_npm(root: str | Path, lockfiles: Sequence[str], db: OsvDatabase | str | Path) -> Parsed:
    """Audit every lockfile against the OSV database (tool "npm-audit", findings from "osv-db")."""
    database = db if isinstance(db, OsvDatabase) else load_db(db)
    reads: list[ManifestRead] = []
    for lock in lockfiles:
        try:
            deps, skipped = read_npm_deps(root, lock)
        except ParseError as exc:
            reads.append(ManifestRead(lock, [], [Skipped(lock, f"unreadable lockfile: {exc.problem}")]))
            continue
        reads.append(ManifestRead(lock, deps, skipped))
    return audit(TOOL, NPM, reads, database)
