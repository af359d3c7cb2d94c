"""Installed versions for npm audit findings, read from the lockfile that was audited.

npm 7+ reports no installed version (only the vulnerable ``range`` and the install locations, ``nodes``).
Without a version a finding cannot be merged with the same advisory from Trivy or the OSV audit, and no
upgrade can be computed. :func:`resolve_versions` looks each install location up in the lockfile, keeps
the versions inside the advisory's range (:func:`range_matches`, npm's comparator syntax) and makes one
finding per installed version, located at the lockfile line of the package.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from secscan.analyzers.advisories.npm_lockfile import (
    NM,
    Entry,
    _key_lines,
    find_npm_lockfiles,
    parse_lockfile,
)
from secscan.analyzers.advisories.versions import NPM, npm_version
from secscan.core.errors import ParseError
from secscan.core.model import Finding, Location

SOURCE = "npm-audit"
_COMPARATOR = re.compile(r"^(<=|>=|<|>|=)?v?([0-9][0-9A-Za-z.+-]*)$")
_OP_SPACE = re.compile(r"(<=|>=|<|>|=)\s+")
MAX_LOCKFILE_SEARCH = 50


def range_matches(spec: str, version: str) -> bool | None:
    """True/False when version is/is not in the npm range spec; None when either cannot be read.

    Reads what npm audit writes: comparator sets (``>=1.0.0 <1.2.6``) joined by ``||``, and ``*``.
    Hyphen ranges, x-ranges and partial versions are not read (None).
    """
    v = npm_version(version)
    if v is None:
        return None
    text = spec.strip()
    if text in ("", "*"):
        return True
    for alt in text.split("||"):
        tokens = _OP_SPACE.sub(r"\1", alt.strip()).split()
        if not tokens:
            return None
        ok = True
        for tok in tokens:
            m = _COMPARATOR.match(tok)
            bound = npm_version(m.group(2)) if m else None
            if m is None or bound is None:
                return None
            op = m.group(1) or "="
            cmp = v.compare(bound)
            ok = ok and {"<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0, "=": cmp == 0}[op]
        if ok:
            return True
    return False


def fixes_from_range(spec: str) -> tuple[str, ...]:
    """The versions that close a vulnerable range (each ``<X`` bound), like OSV ``fixed`` events:
    ``"<0.2.4 || >=1.0.0 <1.2.6"`` -> ("0.2.4", "1.2.6"); ``<=`` bounds name no fix."""
    out = []
    for tok in _OP_SPACE.sub(r"\1", spec).replace("||", " ").split():
        m = _COMPARATOR.match(tok)
        if m and m.group(1) == "<" and npm_version(m.group(2)) is not None:
            out.append(m.group(2))
    return tuple(dict.fromkeys(out))


def _is_unversioned_npm(f: Finding) -> bool:
    p = f.package
    return (
        p is not None
        and not p.version
        and SOURCE in f.sources
        and (p.ecosystem or NPM).lower() == NPM.lower()
    )


def _candidates(f: Finding, entries: dict[str, Entry]) -> list[Entry]:
    assert f.package is not None
    nodes = f.properties.get("install_paths") or []
    found = [entries[n] for n in nodes if isinstance(n, str) and n in entries]
    if found:
        return found
    name = f.package.name
    return [e for loc, e in entries.items() if NM in loc and e.name == name and e.link is None]


def _split(
    f: Finding, lockfile: str, entries: dict[str, Entry], lines: dict[str, int]
) -> list[Finding] | None:
    """One finding per installed version in range; None when no installed copy can be found."""
    assert f.package is not None
    vrange = f.properties.get("vulnerable_range")
    by_version: dict[str, list[str]] = {}
    for e in _candidates(f, entries):
        if not e.version or npm_version(e.version) is None:
            continue
        if isinstance(vrange, str) and range_matches(vrange, e.version) is False:
            continue
        by_version.setdefault(e.version, []).append(e.location)
    if not by_version:
        return None
    out = []
    for version, locs in by_version.items():
        line = min((lines[loc] for loc in locs if loc in lines), default=None)
        props = {**f.properties, "install_paths": locs, "version_from": "lockfile"}
        fixed = f.package.fixed_versions
        if not fixed and isinstance(vrange, str):  # "fixAvailable": true names no version: the range does
            fixed = fixes_from_range(vrange)
        pkg = replace(f.package, version=version, manifest=lockfile, ecosystem=NPM, fixed_versions=fixed)
        out.append(
            f.with_(
                package=pkg,
                location=Location(lockfile, line, line),
                properties=props,
            )
        )
    return out


def resolve_versions(findings: Iterable[Finding], root: str | Path, lockfile: str) -> list[Finding]:
    """npm audit findings of one lockfile with their installed versions (unchanged when unreadable)."""
    items = list(findings)
    if not any(_is_unversioned_npm(f) for f in items):
        return items
    try:
        raw = (Path(root) / lockfile).read_bytes()
        _v, entries, _roots = parse_lockfile(raw, lockfile)
    except (OSError, ParseError):
        return items
    lines = _key_lines(raw)
    out: list[Finding] = []
    for f in items:
        split = _split(f, lockfile, entries, lines) if _is_unversioned_npm(f) else None
        out.extend(split if split is not None else [f])
    return out


def _lockfiles_under(root: Path) -> list[str]:
    """The npm lockfiles of a tree (outside node_modules and hidden folders), at most a few dozen."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "node_modules" and not d.startswith("."))
        found += [(Path(folder) / n).relative_to(root).as_posix() for n in files if n == "package-lock.json"]
        if len(found) >= MAX_LOCKFILE_SEARCH:
            break
    return find_npm_lockfiles(root, found)


def resolve_imported(findings: Sequence[Finding], root: str | Path) -> list[Finding]:
    """Versions for imported npm audit findings (no lockfile named): the target's single lockfile, or
    its top-level one; findings are left as they are when there is no such lockfile."""
    items = list(findings)
    todo = [f for f in items if _is_unversioned_npm(f) and f.package is not None and not f.package.manifest]
    base = Path(root)
    if not todo or not base.is_dir():
        return items
    locks = _lockfiles_under(base)
    lock = "package-lock.json" if "package-lock.json" in locks else (locks[0] if len(locks) == 1 else None)
    if lock is None:
        return items
    todo_ids = {id(f) for f in todo}
    return [*(f for f in items if id(f) not in todo_ids), *resolve_versions(todo, base, lock)]
