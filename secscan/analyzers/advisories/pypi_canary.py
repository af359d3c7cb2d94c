"""The online pip-audit canary: a long-known vulnerable package version that the target does not name.

pip-audit refuses requirement sets that ask for one package twice with different versions ("package pyyaml
has duplicate requirements"), so a fixed canary (pyyaml 5.3) breaks the audit of every target that pins
pyyaml. The canary is therefore the first candidate whose name the target names nowhere (pinned or not, in
any of its Python dependency files); it rides in every requirements invocation, and every finding for its
exact version in that invocation is the canary's (the target does not name it). Candidates are pure-Python
packages without dependencies, so a resolving (unpinned) audit installs nothing else for them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from secscan.analyzers.advisories.versions import PYPI, norm_name
from secscan.core.model import Finding

EXPECTED = "pip-audit-canary"
FILE_NAME = "canary-requirements.txt"


@dataclass(frozen=True)
class PypiCanary:
    """A package version with a long-published advisory."""

    name: str
    version: str
    advisory: str

    @property
    def key(self) -> str:
        """name==version."""
        return f"{self.name}=={self.version}"

    def requirement(self) -> str:
        """The canary requirements file's content."""
        return f"{self.key}\n"

    def owns(self, finding: Finding) -> bool:
        """True for a finding about exactly this package version."""
        p = finding.package
        return p is not None and norm_name(PYPI, p.name) == self.name and p.version == self.version


CANDIDATES = (
    PypiCanary("pyyaml", "5.3", "CVE-2020-1747"),  # also CVE-2020-14343; fixed in 5.3.1 / 5.4
    PypiCanary("urllib3", "1.24.1", "CVE-2019-11324"),  # fixed in 1.24.2
    PypiCanary("pygments", "2.7.3", "CVE-2021-27291"),  # fixed in 2.7.4
    PypiCanary("sqlparse", "0.4.1", "CVE-2021-32839"),  # fixed in 0.4.2
    PypiCanary("mistune", "0.8.4", "CVE-2022-34749"),  # fixed in 2.0.3
    PypiCanary("future", "0.18.2", "CVE-2022-40899"),  # fixed in 0.18.3
)
CANDIDATE_KEYS = frozenset(c.key for c in CANDIDATES)


def pick(named: Collection[str]) -> PypiCanary | None:
    """The first candidate whose (normalised) name is not among the names the target uses; None: it names
    them all."""
    names = {norm_name(PYPI, n) for n in named}
    return next((c for c in CANDIDATES if c.name not in names), None)


def split(findings: Sequence[Finding], canary: PypiCanary | None) -> tuple[list[Finding], list[Finding]]:
    """(the canary's findings, the real ones) of one invocation that carried this canary."""
    mine: list[Finding] = []
    real: list[Finding] = []
    for f in findings:
        (mine if canary is not None and canary.owns(f) else real).append(f)
    return mine, real
