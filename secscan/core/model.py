"""Core data model: severities, findings, scanner outcomes and the scan result.

This module imports nothing from secscan; everything else builds on it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


class Severity(enum.IntEnum):
    """Ordered severity: INFO < LOW < MEDIUM < HIGH < CRITICAL."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """The lower-case word used in reports."""
        return self.name.lower()

    @classmethod
    def from_label(cls, word: str) -> Severity:
        """Parse a report word ("critical", ...); raises ValueError on anything else."""
        try:
            return cls[word.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {word!r}") from None


class Status(enum.StrEnum):
    """How a scanner run ended."""

    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"
    SKIPPED = "skipped"
    TIMEOUT = "timeout"

    @property
    def complete(self) -> bool:
        """True when the scanner really covered what it was asked to."""
        return self is Status.OK


class Category(enum.StrEnum):
    """What kind of problem a finding is."""

    SAST = "sast"
    DEPENDENCY = "dependency"
    SECRET = "secret"  # noqa: S105 - a category name, not a password
    CONTAINER = "container"
    MISCONFIGURATION = "misconfiguration"
    LICENSE = "license"
    CRYPTO = "crypto"
    TLS = "tls"


@dataclass(frozen=True)
class Location:
    """Where a finding is; path is relative to the target, with forward slashes."""

    path: str
    start_line: int | None = None
    end_line: int | None = None
    image: str | None = None
    layer: str | None = None


@dataclass(frozen=True)
class Package:
    """A dependency a finding is about."""

    name: str
    version: str | None = None
    fixed_versions: tuple[str, ...] = ()
    ecosystem: str | None = None
    manifest: str | None = None


@dataclass(frozen=True)
class Suppression:
    """Why a finding does not count for the gate."""

    kind: str  # "config", "inline", "baseline"
    reason: str
    owner: str | None = None
    expires: str | None = None
    expired: bool = False


@dataclass(frozen=True)
class Finding:
    """One normalized problem. Never holds a secret value (see `secret_hash`)."""

    rule_id: str
    title: str
    message: str
    severity: Severity
    raw_severity: str
    category: Category
    sources: tuple[str, ...]
    location: Location | None = None
    package: Package | None = None
    identifiers: tuple[str, ...] = ()
    fingerprint: str = ""
    suppressed: bool = False
    suppression: Suppression | None = None
    pre_existing: bool = False
    remediation: str | None = None
    snippet: str | None = None
    secret_hash: str | None = None
    secret_mask: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)

    def with_(self, **changes: Any) -> Finding:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def counts_for_gate(self) -> bool:
        """Unsuppressed and not pre-existing."""
        return not self.suppressed and not self.pre_existing


@dataclass(frozen=True)
class ScannerResult:
    """The outcome of one scanner or check: data, never an exception."""

    name: str
    status: Status
    version: str | None = None
    duration_s: float = 0.0
    reason: str | None = None
    findings: int = 0
    coverage: Mapping[str, int] = field(default_factory=dict)
    evidence: Mapping[str, Any] | None = None
    canary: str | None = None  # "detected", "missing", "disabled", "not-applicable", "cached"
    required: bool = False
    categories: tuple[Category, ...] = ()  # the finding categories the scanner reports (empty: not known)

    def with_(self, **changes: Any) -> ScannerResult:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def incomplete(self) -> bool:
        """True when this scanner's silence cannot be read as clean."""
        if self.status is Status.SKIPPED:
            return self.required
        return not self.status.complete


@dataclass(frozen=True)
class Gate:
    """The gate verdict."""

    fail_on: str
    passed: bool
    exit_code: int
    reasons: tuple[str, ...] = ()
    incomplete: bool = False


@dataclass(frozen=True)
class Action:
    """One remediation step and the findings it clears."""

    action: str
    severity: Severity
    clears: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    """A whole scan: what the JSON report serializes."""

    target: str
    started_at: str
    duration_s: float
    scanners: tuple[ScannerResult, ...]
    findings: tuple[Finding, ...]
    gate: Gate
    actions: tuple[Action, ...] = ()
    secscan_version: str = ""
    notes: tuple[str, ...] = ()
    stale_suppressions: tuple[Mapping[str, Any], ...] = ()
    run_id: str = ""

    @property
    def counts(self) -> dict[str, int]:
        """Counts of findings by severity (suppressed and pre-existing excluded)."""
        out = {s.label: 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            if f.counts_for_gate:
                out[f.severity.label] += 1
        return out

    @property
    def incomplete(self) -> bool:
        """True when any scanner that applies did not really run."""
        return any(s.incomplete for s in self.scanners)


@dataclass(frozen=True)
class Parsed:
    """Findings and what the output itself says about coverage and health."""

    tool: str
    findings: tuple[Finding, ...] = ()
    status: Status = Status.OK
    reason: str | None = None
    coverage: Mapping[str, int] = field(default_factory=dict)
    version: str | None = None
    evidence: Mapping[str, Any] | None = None


FAIL_ON_CHOICES = ("critical", "high", "medium", "low", "info", "never")


def threshold(fail_on: str) -> Severity | None:
    """The lowest severity that fails the gate, or None for "never"."""
    if fail_on == "never":
        return None
    return Severity.from_label(fail_on)
