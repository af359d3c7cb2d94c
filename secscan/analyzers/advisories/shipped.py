"""The canary advisory secscan ships (``rules/advisories/canary.osv.json``), for the local-database path.

The offline audits' canary is never drawn from the database folder (a folder the scanned tree could
supply, or one without the record): it is this record, looked up beside every database
(``OsvDatabase.lookup``) but never counted among its records, so an empty database still reads as one.
Its versions cannot be published (a PyPI local version, secscan's own npm name), so no real dependency
matches it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING

from secscan.analyzers.advisories.versions import norm_name
from secscan.core.resources import rules_dir

if TYPE_CHECKING:
    from secscan.analyzers.advisories.canary import OsvCanary
    from secscan.analyzers.advisories.matching import Affected
    from secscan.analyzers.advisories.osv import OsvRecord

FILE_NAME = "canary.osv.json"


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, str], list[tuple[OsvRecord, Affected]]]:
    """The shipped record's (record, entry) pairs by (ecosystem, normalized name); a broken file raises."""
    from secscan.analyzers.advisories.osv import parse_record

    path = rules_dir() / "advisories" / FILE_NAME
    rec = parse_record(json.loads(path.read_text("utf-8")), f"secscan {FILE_NAME}")
    if rec is None or not rec.affected:
        raise ValueError(f"{path}: the shipped canary record affects nothing")
    out: dict[tuple[str, str], list[tuple[OsvRecord, Affected]]] = {}
    for entry in rec.affected:
        out.setdefault(entry.key, []).append((rec, entry))
    return out


def shipped_lookup(key: tuple[str, str]) -> list[tuple[OsvRecord, Affected]]:
    """The shipped record's entries for an (ecosystem, normalized name) key (usually none)."""
    return _index().get(key, [])


def canary(ecosystem: str) -> OsvCanary:
    """The package version the shipped record affects in this ecosystem (KeyError: none shipped)."""
    from secscan.analyzers.advisories.canary import OsvCanary

    for (eco, _name), items in _index().items():
        if eco == ecosystem:
            rec, entry = items[0]
            return OsvCanary(ecosystem, norm_name(eco, entry.name), entry.versions[0], rec.id)
    raise KeyError(f"the shipped canary record names no {ecosystem} package")
