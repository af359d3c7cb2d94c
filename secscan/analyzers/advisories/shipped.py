"""The canary advisory secscan ships (``rules/advisories/canary.osv.json``), for the local-database path.

The offline audits' canary is never drawn from the database folder (a folder the scanned tree could
supply, or one without the record): it is this record, looked up beside every database
(``OsvDatabase.lookup``, :func:`.record.shipped_index`) but never counted among its records, so an empty
database still reads as one. Its versions cannot be published (a PyPI local version, secscan's own npm
name), so no real dependency matches it.
"""

from __future__ import annotations

from typing import NamedTuple

from secscan.analyzers.advisories.record import shipped_index
from secscan.analyzers.advisories.versions import norm_name


class ShippedCanary(NamedTuple):
    """The package version the shipped record affects in one ecosystem, and the record's id."""

    ecosystem: str
    name: str
    version: str
    record: str


def canary(ecosystem: str) -> ShippedCanary:
    """The shipped canary of an ecosystem (KeyError: the record names no package of it)."""
    for (eco, _name), items in shipped_index().items():
        if eco == ecosystem:
            rec, entry = items[0]
            return ShippedCanary(ecosystem, norm_name(eco, entry.name), entry.versions[0], rec.id)
    raise KeyError(f"the shipped canary record names no {ecosystem} package")
