"""The dependencies a scan read (the SBOM's components): every pinned Python requirement or lock entry and
every package an npm lockfile installs, with the manifest that declares it. Read with the same readers the
offline audit uses; a manifest that cannot be read is left out (its audit says why)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secscan.analyzers.advisories.npm_lockfile import find_npm_lockfiles, parse_lockfile
from secscan.analyzers.advisories.python_deps import find_python_manifests, read_python_deps
from secscan.core.errors import ParseError
from secscan.core.model import Package


def inventory(root: Path, files: Sequence[str]) -> tuple[Package, ...]:
    """(name, version, ecosystem, manifest) of every dependency found, sorted, without duplicates."""
    found: dict[tuple[str, str, str, str], Package] = {}
    for manifest in find_python_manifests(root, files):
        try:
            deps, _skipped = read_python_deps(root, manifest)
        except (ParseError, OSError, ValueError):
            continue
        for d in deps:
            found.setdefault((d.ecosystem, d.name.lower(), d.version, manifest),
                             Package(d.name, d.version, ecosystem=d.ecosystem, manifest=manifest))
    for lockfile in find_npm_lockfiles(root, files):
        try:
            _version, entries, _roots = parse_lockfile((root / lockfile).read_bytes(), lockfile)
        except (ParseError, OSError):
            continue
        for e in entries.values():
            if e.version and e.name and not e.local and not e.link:
                found.setdefault(("npm", e.name, e.version, lockfile),
                                 Package(e.name, e.version, ecosystem="npm", manifest=lockfile))
    return tuple(found[k] for k in sorted(found))
