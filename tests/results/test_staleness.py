"""Which scanners can report a rule id, and when a run may call an unused suppression stale."""

from __future__ import annotations

from dataclasses import replace

import pytest

from secscan.core.model import ScannerResult, SkipCause, Status
from secscan.results.staleness import dependency_tools, producers, ran_fully, why_not
from secscan.scanners.registry import SCANNERS

DEPENDENCY_TOOLS = dependency_tools()


def test_dependency_tools() -> None:
    assert DEPENDENCY_TOOLS == {"pip-audit", "npm-audit", "trivy", "trivy-image"}


@pytest.mark.parametrize(("rule", "names"), [
    ("B602", {"bandit", "notebooks"}),
    ("detect-secrets.AWSKeyDetector", {"detect-secrets"}),
    ("trivy.aws-access-key-id", {"trivy", "trivy-image"}),
    ("secscan.python.pickle-loads", {"semgrep", "secscan-secrets", "secscan-history", "notebooks"}),
    ("secscan.github-pat", {"semgrep", "secscan-secrets", "secscan-history", "notebooks"}),
    ("PQC-STUB", {"pqc"}),
    ("mtls.not-enforced", {"mtls"}),
    ("CVE-2021-23337", DEPENDENCY_TOOLS),
    ("GHSA-35jh-r3h4-6jhm", DEPENDENCY_TOOLS),
    ("PYSEC-2018-28", DEPENDENCY_TOOLS),
    ("B60", set(SCANNERS)),
    (None, set(SCANNERS)),
])
def test_producers(rule: str | None, names: set[str]) -> None:
    assert producers(rule) == names


def entry(name: str, status: Status, reason: str | None = None) -> ScannerResult:
    return ScannerResult(name, status, reason=reason)


def test_ran_fully() -> None:
    assert ran_fully(entry("bandit", Status.OK))
    nothing = replace(entry("pip-audit", Status.SKIPPED, "no Python dependency files in the target"),
                      skip=SkipCause.NOTHING_TO_SCAN)
    assert ran_fully(nothing)
    # the cause decides, never the words: "no --image given" is not "nothing to scan"
    assert not ran_fully(replace(entry("trivy-image", Status.SKIPPED, "no --image given"),
                                 skip=SkipCause.NOT_REQUESTED))
    assert not ran_fully(entry("pip-audit", Status.SKIPPED, "no Python dependency files in the target"))
    for s in (entry("pip-audit", Status.SKIPPED, "offline"),
              entry("trivy", Status.SKIPPED, "trivy not found"),
              entry("bandit", Status.PARTIAL, "1 file"), entry("bandit", Status.FAILED, "x"), None):
        assert not ran_fully(s)


def test_why_not() -> None:
    health = {"bandit": entry("bandit", Status.OK),
              "trivy": entry("trivy", Status.SKIPPED, "trivy not found"),
              "pip-audit": entry("pip-audit", Status.OK)}
    for name in ("notebooks", "secscan-history"):  # no notebook, no --history: nothing of theirs to judge
        health[name] = replace(entry(name, Status.SKIPPED, "nothing"), skip=SkipCause.NOTHING_TO_SCAN)
    assert why_not("B602", health) is None
    assert why_not("CVE-2020-1", health) == "npm-audit did not run"
    assert why_not("secscan.github-pat", health) == "secscan-secrets did not run"
