"""Is a version affected by an OSV ``affected`` entry? (OSV schema 1.x evaluation rules.)

``ECOSYSTEM`` ranges use the ecosystem's ordering (PyPI: ``packaging``; npm: ``semver``), ``SEMVER``
ranges always use ``semver``; ``GIT`` ranges are ignored (no commits to compare). Events are sorted
by version and applied in order: ``introduced`` opens, ``fixed`` closes at that version,
``last_affected`` closes after it, ``limit`` caps the range. The explicit ``versions`` list is
checked too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secscan.analyzers.advisories.versions import NPM, PYPI, VersionKey, key_function, norm_name, npm_version

EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
#: Range types this module evaluates, per ecosystem.
RANGE_TYPES: dict[str, tuple[str, ...]] = {PYPI: ("ECOSYSTEM", "SEMVER"), NPM: ("SEMVER", "ECOSYSTEM")}


class Undecidable(Exception):
    """A range whose event versions cannot be read in the ecosystem's version scheme."""


@dataclass(frozen=True)
class Range:
    """One OSV range: its type and its events as (kind, version) pairs, in record order."""

    type: str
    events: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Affected:
    """One OSV ``affected`` entry: a package and the versions of it that are affected."""

    ecosystem: str
    name: str
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """(ecosystem, normalized name), the database index key."""
        return self.ecosystem, norm_name(self.ecosystem, self.name)


def parse_affected(item: Any) -> Affected | None:
    """An Affected from the record's JSON entry; None when it names no package."""
    if not isinstance(item, dict) or not isinstance(item.get("package"), dict):
        return None
    pkg = item["package"]
    eco, name = pkg.get("ecosystem"), pkg.get("name")
    if not isinstance(eco, str) or not isinstance(name, str) or not eco or not name:
        return None
    ranges: list[Range] = []
    for rng in item.get("ranges") or []:
        if not isinstance(rng, dict) or not isinstance(rng.get("type"), str):
            continue
        events: list[tuple[str, str]] = []
        for evt in rng.get("events") or []:
            if isinstance(evt, dict):
                events.extend((k, str(v)) for k, v in evt.items()
                              if k in EVENT_KINDS and isinstance(v, str | int))
        ranges.append(Range(rng["type"].upper(), tuple(events)))
    versions = tuple(str(v) for v in item.get("versions") or [] if isinstance(v, str | int))
    base_eco = eco.split(":", 1)[0]
    return Affected(base_eco, name, tuple(ranges), versions)


def _parser(ecosystem: str, range_type: str) -> VersionKey | None:
    if range_type == "SEMVER":
        return npm_version
    if range_type == "ECOSYSTEM":
        return key_function(ecosystem)
    return None


def _sorted_events(rng: Range, parse: VersionKey) -> list[tuple[Any, str]]:
    keyed: list[tuple[tuple[int, Any], str]] = []
    for kind, raw in rng.events:
        if kind == "introduced" and raw == "0":
            keyed.append(((0, None), kind))
            continue
        key = parse(raw)
        if key is None:
            raise Undecidable(f"{rng.type} event {kind}={raw!r} is not a valid version")
        keyed.append(((1, key), kind))
    zeros = [(key, kind) for (rank, key), kind in keyed if rank == 0]
    rest = sorted(((key, kind) for (rank, key), kind in keyed if rank == 1), key=lambda item: item[0])
    return [*zeros, *rest]


def in_range(version: Any, rng: Range, parse: VersionKey) -> bool:
    """True when the parsed version falls in the range (raises Undecidable on unreadable events)."""
    affected = False
    events = _sorted_events(rng, parse)
    for key, kind in events:
        if kind == "introduced" and (key is None or version >= key):
            affected = True
        elif kind == "fixed" and version >= key:
            affected = False
        elif kind == "last_affected" and version > key:
            affected = False
    for key, kind in events:
        if kind == "limit" and key is not None and version >= key:
            return False
    return affected


def is_affected(ecosystem: str, version: str, entry: Affected) -> bool:
    """True when version of entry's package is affected (raises Undecidable when no rule can tell)."""
    undecided: list[str] = []
    for rng in entry.ranges:
        if rng.type not in RANGE_TYPES.get(ecosystem, ("SEMVER", "ECOSYSTEM")):
            continue
        parse = _parser(ecosystem, rng.type)
        if parse is None:
            continue
        v = parse(version)
        if v is None:
            undecided.append(f"{version!r} is not a {rng.type} version")
            continue
        try:
            if in_range(v, rng, parse):
                return True
        except Undecidable as exc:
            undecided.append(str(exc))
    if _listed(ecosystem, version, entry.versions):
        return True
    if undecided and not entry.versions:
        raise Undecidable("; ".join(undecided))
    return False


def _listed(ecosystem: str, version: str, versions: tuple[str, ...]) -> bool:
    if not versions:
        return False
    if version in versions:
        return True
    parse = key_function(ecosystem)
    if parse is None:
        return False
    v = parse(version)
    return v is not None and any(parse(x) == v for x in versions)


def fixed_versions(entry: Affected) -> tuple[str, ...]:
    """Every ``fixed`` event version of the entry's evaluated ranges, in record order."""
    types = RANGE_TYPES.get(entry.ecosystem, ("SEMVER", "ECOSYSTEM"))
    return tuple(dict.fromkeys(v for r in entry.ranges if r.type in types
                               for k, v in r.events if k == "fixed"))
