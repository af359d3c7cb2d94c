"""Which suppressions a run can call stale: only those whose producing scanners all ran in full.

A suppression that matched nothing is stale only if the scanners that could report its rule really ran
over the whole tree: a bandit rule after bandit was skipped, a CVE after Trivy was missing, or any entry
after a partial run would otherwise be called stale and users told to delete a valid suppression.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from secscan.core.model import ScannerResult, Status
from secscan.scanners.registry import SCANNERS

DEPENDENCY_TOOLS = frozenset({"pip-audit", "npm-audit", "trivy", "trivy-image"})
PRODUCERS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"^B\d{3}$"), frozenset({"bandit"})),
    (re.compile(r"^detect-secrets\."), frozenset({"detect-secrets"})),
    (re.compile(r"^trivy\."), frozenset({"trivy", "trivy-image"})),
    (re.compile(r"^secscan\."), frozenset({"semgrep", "secscan-secrets"})),
    (re.compile(r"^PQC-"), frozenset({"pqc"})),
    (re.compile(r"^mtls\."), frozenset({"mtls"})),
    (re.compile(r"^(CVE|GHSA|PYSEC|OSV|GO|RUSTSEC|GSD|MAL)-", re.I), DEPENDENCY_TOOLS),
)


def producers(rule_id: str | None) -> frozenset[str]:
    """The scanners that can report a rule id (every scanner when it is unknown or absent)."""
    for pattern, names in PRODUCERS:
        if rule_id and pattern.search(rule_id):
            return names
    return frozenset(SCANNERS)


def ran_fully(s: ScannerResult | None) -> bool:
    """Ran over everything it applies to, or had nothing to scan ("no ... files")."""
    if s is None:
        return False
    return s.status is Status.OK or (s.status is Status.SKIPPED and (s.reason or "").startswith("no "))


def why_not(rule_id: str | None, health: Mapping[str, ScannerResult]) -> str | None:
    """None when this run can judge the entry; else the first scanner that keeps it from doing so."""
    for name in sorted(producers(rule_id)):
        s = health.get(name)
        if not ran_fully(s):
            return f"{name} {'did not run' if s is None else s.status.value}"
    return None
