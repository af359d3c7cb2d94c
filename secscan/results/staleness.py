"""Which suppressions a run can call stale: only those whose producing scanners all ran in full.

A suppression that matched nothing is stale only if the scanners that could report its rule really ran
over the whole tree: a bandit rule after bandit was skipped, a CVE after Trivy was missing, or any entry
after a partial run would otherwise be called stale and users told to delete a valid suppression.
"""

from __future__ import annotations

from collections.abc import Mapping

from secscan.core.model import ScannerResult, SkipCause, Status
from secscan.scanners import registry
from secscan.scanners.interface import ADVISORY_IDS


def dependency_tools() -> frozenset[str]:
    """The scanners that report advisories (CVE, GHSA, PYSEC...) on packages."""
    return frozenset(name for name, i in registry.infos().items() if ADVISORY_IDS in i.rule_ids)


def producers(rule_id: str | None) -> frozenset[str]:
    """The scanners that can report a rule id, by the rule ids each declares (every scanner when it is
    unknown or absent)."""
    every = registry.infos()
    found = frozenset(name for name, i in every.items() if rule_id and i.produces(rule_id))
    return found or frozenset(every)


def ran_fully(s: ScannerResult | None) -> bool:
    """Ran over everything it applies to, or had nothing to scan."""
    if s is None:
        return False
    return s.status is Status.OK or (s.status is Status.SKIPPED and s.skip is SkipCause.NOTHING_TO_SCAN)


def why_not(rule_id: str | None, health: Mapping[str, ScannerResult]) -> str | None:
    """None when this run can judge the entry; else the first scanner that keeps it from doing so."""
    for name in sorted(producers(rule_id)):
        s = health.get(name)
        if not ran_fully(s):
            return f"{name} {'did not run' if s is None else s.status.value}"
    return None
