"""Pinned dependencies that a run audited with nothing (offline without --osv-db): a coverage gap that does
not make the run incomplete, so the verdict says it ("PASSED — 46 pinned dependencies NOT audited")."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secscan.analyzers.advisories.npm_lockfile import find_npm_lockfiles, parse_lockfile
from secscan.analyzers.advisories.python_deps import find_python_manifests, read_python_deps
from secscan.core.errors import ParseError
from secscan.core.model import ScannerResult, Status

PYTHON_AUDITS = ("pip-audit",)
NPM_AUDITS = ("npm-audit",)


def _unaudited(scanners: Sequence[ScannerResult], names: Sequence[str]) -> bool:
    ran = [s for s in scanners if s.name in names]
    return bool(ran) and all(s.status is Status.SKIPPED for s in ran)


def python_pins(root: Path, files: Sequence[str]) -> set[tuple[str, str]]:
    """(name, version) of every pinned Python dependency in the tree's manifests."""
    pins: set[tuple[str, str]] = set()
    for manifest in find_python_manifests(root, files):
        try:
            deps, _skipped = read_python_deps(root, manifest)
        except (ParseError, OSError, ValueError):
            continue
        pins.update((d.name.lower(), d.version) for d in deps)
    return pins


def npm_pins(root: Path, files: Sequence[str]) -> set[tuple[str, str]]:
    """(name, version) of every package installed by the tree's npm lockfiles."""
    pins: set[tuple[str, str]] = set()
    for lockfile in find_npm_lockfiles(root, files):
        try:
            _version, entries, _roots = parse_lockfile((root / lockfile).read_bytes(), lockfile)
        except (ParseError, OSError):
            continue
        pins.update((e.name, e.version) for e in entries.values() if e.version and not e.local and not e.link)
    return pins


def count_not_audited(root: Path, files: Sequence[str], scanners: Sequence[ScannerResult], offline: bool,
                      osv_db: Path | None) -> int:
    """Pinned dependencies present in the tree that no audit covered because the run was offline."""
    if not offline or osv_db is not None or not root.is_dir():
        return 0
    total = 0
    if _unaudited(scanners, PYTHON_AUDITS):
        total += len(python_pins(root, files))
    if _unaudited(scanners, NPM_AUDITS):
        total += len(npm_pins(root, files))
    return total
