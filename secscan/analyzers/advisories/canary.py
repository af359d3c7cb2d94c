"""Canaries for the offline audits (``--osv-db`` and the ``secscan db`` database): the canary manifest.

The package version is the one the record secscan ships affects (:mod:`.shipped`), never one drawn from
the database folder (which the scanned tree could supply, or which may not hold the record). The canary
manifest is a one-line requirements file (PyPI) or a lockfileVersion 3 ``package-lock.json`` (npm); it is
audited on its own, with the same database and code as the target's files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from secscan.analyzers.advisories.osv import OsvDatabase
from secscan.analyzers.advisories.versions import PYPI
from secscan.core.model import Finding, Location, Parsed

CANARY_PROJECT = "secscan-canary-project"


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
