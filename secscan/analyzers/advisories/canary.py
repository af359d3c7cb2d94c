"""Canaries for the offline audits (``--osv-db``): a package version that a record of the database affects.

A fixed canary (say pyyaml 5.3) proves nothing against a user's own OSV folder that may not hold its
record; so the canary is taken from the folder itself: the first record (by package name, then id) with
a version the matcher confirms as affected. Candidate versions, in order: the record's explicit
``versions``, its ``introduced`` and ``last_affected`` events, then the lowest version of the scheme
(``0`` for PyPI, ``0.0.0`` for npm) when a range opens at 0. The canary manifest is a one-line
requirements file (PyPI) or a lockfileVersion 3 ``package-lock.json`` (npm).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from secscan.analyzers.advisories.audit import match
from secscan.analyzers.advisories.deps import Dep
from secscan.analyzers.advisories.matching import Affected
from secscan.analyzers.advisories.osv import OsvDatabase
from secscan.analyzers.advisories.versions import NPM, PYPI, key_function
from secscan.core.model import Finding, Location, Parsed

#: Lowest version of each scheme, tried when a range is introduced at "0".
ZERO = {PYPI: "0", NPM: "0.0.0"}
MAX_RECORDS_TRIED = 200
CANARY_PROJECT = "secscan-canary"


@dataclass(frozen=True)
class OsvCanary:
    """A package version the database says is affected, and the record that says so."""

    ecosystem: str
    name: str
    version: str
    record: str

    @property
    def key(self) -> str:
        """name==version (PyPI, lower case) or name@version (npm)."""
        return f"{self.name}=={self.version}" if self.ecosystem == PYPI else f"{self.name}@{self.version}"


def _versions(ecosystem: str, entry: Affected) -> Iterator[str]:
    parse = key_function(ecosystem)
    yield from entry.versions
    opens_at_zero = False
    for rng in entry.ranges:
        for kind, value in rng.events:
            if kind == "introduced" and value == "0":
                opens_at_zero = True
            elif kind in ("introduced", "last_affected") and (parse is None or parse(value) is not None):
                yield value
    if opens_at_zero:
        yield ZERO[ecosystem]


def pick_canary(db: OsvDatabase, ecosystem: str) -> OsvCanary | None:
    """The canary package version for this ecosystem, or None when no record yields one."""
    tried = 0
    for (eco, _name), items in sorted(db.index.items()):
        if eco != ecosystem:
            continue
        for rec, entry in sorted(items, key=lambda it: it[0].id):
            tried += 1
            if tried > MAX_RECORDS_TRIED:
                return None
            name = entry.name.lower() if ecosystem == PYPI else entry.name
            for version in dict.fromkeys(_versions(ecosystem, entry)):
                found, _problems = match(db, Dep(name, version, ecosystem, "canary"))
                if any(r.id == rec.id for r, _ in found):
                    return OsvCanary(ecosystem, name, version, rec.id)
    return None


def manifest_for(canary: OsvCanary) -> tuple[str, str]:
    """(file name, content) of the canary manifest."""
    if canary.ecosystem == PYPI:
        return "canary-requirements.txt", f"{canary.name}=={canary.version}\n"
    lock = {
        "name": CANARY_PROJECT,
        "version": "0.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": {
            "": {"name": CANARY_PROJECT, "version": "0.0.0", "dependencies": {canary.name: canary.version}},
            f"node_modules/{canary.name}": {"version": canary.version},
        },
    }
    return "package-lock.json", json.dumps(lock, indent=2) + "\n"


def relocate(findings: Iterable[Finding], path: str) -> tuple[Finding, ...]:
    """Findings of a canary manifest audited on its own, placed at the canary path the engine knows."""
    out = []
    for f in findings:
        loc = f.location
        line = loc.start_line if loc else None
        pkg = replace(f.package, manifest=path) if f.package else None
        out.append(f.with_(location=Location(path, line, line), package=pkg))
    return tuple(out)


def audit_canaries(
    audit_fn: Callable[[Path, list[str], OsvDatabase], Parsed],
    db: OsvDatabase,
    canary_files: Sequence[Path],
    target: Path,
) -> tuple[Finding, ...]:
    """Audit each canary manifest on its own (same database, same code) and return its findings."""
    out: list[Finding] = []
    for rel in canary_files:
        full = rel if rel.is_absolute() else target / rel
        out.extend(relocate(audit_fn(full.parent, [full.name], db).findings, str(rel)))
    return tuple(out)
