"""Core data model: severities, findings, scanner outcomes and the scan result.

This module imports nothing from secscan but core/provenance.py; everything else builds on it.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from secscan.core.provenance import HistoryInfo, MergedSource, NativeMarker, Place, TaintTrace


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

    def __str__(self) -> str:
        """The report word (``print(finding.severity)`` shows ``high``, not ``3``)."""
        return self.name.lower()

    def __format__(self, spec: str) -> str:
        """f-strings show the word too; a numeric format spec (``:d``) still formats the number."""
        if spec and spec[-1] in "dnxXobeEfFgG%":
            return int.__format__(self, spec)
        return format(str(self), spec)

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


class CanaryState(enum.StrEnum):
    """What the canary check of one scanner run showed."""

    DETECTED = "detected"  # the built-in canary's finding came back: the tool can detect
    MISSING = "missing"  # it did not: the run's silence means nothing
    DISABLED = "disabled"  # --no-canary: an empty result cannot be told from a clean one
    NOT_APPLICABLE = "not-applicable"  # the check has no canary (imports, in-process checks)
    MIXED = "mixed"  # merged shards whose canaries differ (none missing)
    NOT_CHECKED = "not-checked"  # the run failed before its canary could be judged

    @property
    def trusted(self) -> bool:
        """Detected, or nothing to detect."""
        return self in (CanaryState.DETECTED, CanaryState.NOT_APPLICABLE)

    @classmethod
    def read(cls, value: object) -> CanaryState | None:
        """A state from its report word; older reports wrote ``"detected (cached)"``."""
        if value is None:
            return None
        word = str(value).split(" (", 1)[0]
        try:
            return cls(word)
        except ValueError:
            return cls.MIXED


class SkipCause(enum.StrEnum):
    """Why a scanner was skipped: data, never read back from the reason text."""

    NOTHING_TO_SCAN = "nothing-to-scan"  # no file of its kind: its silence is complete
    NOT_REQUESTED = "not-requested"  # needs an input nobody gave (--image, an mTLS target)
    TURNED_OFF = "turned-off"  # an option switched it off (--no-containers)
    OFFLINE = "offline"  # needs the network and the run is --offline
    NOT_INSTALLED = "not-installed"  # its optional tool is not found
    UNAVAILABLE = "unavailable"  # what it checks is not there (liboqs)
    OTHER_SHARD = "other-shard"  # a whole-tree scanner runs in shard 1 only


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
    IAC = "iac"  # infrastructure as code: Dockerfile, Kubernetes, Terraform, CI workflows (checkov)


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
    source: str | None = None  # a tool's own inline marker: where it is and what it says (app.py:4 # nosec)


CONTEXTS = ("product", "test", "example", "docs", "generated", "vendored")


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
    # a pattern hit in a class a taint rule covers that found no flow here: the taint rule's id (such a
    # finding counts for the gate only at --fail-on low)
    superseded_by: str | None = None
    # where the code is (CONTEXTS: product, test, example, docs, generated, vendored; results/context.py)
    context: str = "product"
    # why a reported finding does not count for the gate although unsuppressed (a SAST finding in test code
    # without --gate-tests); None: it counts as usual
    out_of_gate: str | None = None
    # provenance (core/provenance.py; in the JSON under properties): where the severity came from
    # (DEFAULT_SEVERITY: the tool gave none), the hits merged into it, the tool's inline marker that applies,
    # the id an older secscan gave it, its taint trace; a secret's places (how many: place_count) and history
    severity_source: str | None = None
    merged_from: tuple[MergedSource, ...] = ()
    native_marker: NativeMarker | None = None
    legacy_fingerprint: str | None = None
    taint: TaintTrace | None = None
    places: tuple[Place, ...] = ()
    place_count: int = 0
    history: HistoryInfo | None = None

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
    canary: CanaryState | None = None
    required: bool = False
    categories: tuple[Category, ...] = ()  # the finding categories the scanner reports (empty: not known)
    executable: str | None = None  # the path of the tool executable that ran (None: in process, not run)
    cached: bool = False  # answered from the incremental cache: no tool process ran for it
    skip: SkipCause | None = None  # why it was skipped (status skipped only)
    tool: str | None = None  # the tool whose findings it reports, when not its name (imports)
    imported_from: str | None = None  # the file an imported entry was read from

    def __post_init__(self) -> None:
        if self.canary is not None and not isinstance(self.canary, CanaryState):
            object.__setattr__(self, "canary", CanaryState.read(self.canary))

    @property
    def source(self) -> str:
        """The name its findings carry in ``Finding.sources``."""
        return self.tool or self.name

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


class Trust(enum.StrEnum):
    """What a setting can do, which decides whether the scanned tree may give it (the trust model)."""

    NEUTRAL = "neutral"
    WEAKENS_GATE = "weakens-gate"  # exclusions, scanner selection, severity, fail_on, suppressions, ...
    EXECUTES = "executes"  # starts a program (pqc_python)
    CONTACTS = "contacts"  # opens connections (mtls_*)
    CHOOSES_TRUTH = "chooses-truth"  # decides what counts as a vulnerability (osv_db)
    GRANTS_TRUST = "grants-trust"  # trust_tree_config: never from the tree itself

    @property
    def dangerous(self) -> bool:
        """Refused from the scanned tree unless the caller trusts its configuration."""
        return self in (Trust.EXECUTES, Trust.CONTACTS, Trust.CHOOSES_TRUTH, Trust.GRANTS_TRUST)


@dataclass(frozen=True)
class ConfigSetting:
    """One setting of the configuration in effect that the report lists: one that weakens the gate, does
    something dangerous, or was refused or ignored; ``value`` is JSON-ready."""

    name: str  # the [tool.secscan] key (the option's name when it has none)
    value: Any
    source: str  # a Source value: default, tree, user-config, config-file, command-line, api
    trust: Trust
    status: str = "applied"  # applied | refused (never used) | ignored (--strict: the change's value dropped)
    reason: str | None = None  # why refused or ignored
    change: str | None = None  # what the change since the reference adds or loosens ("adds exclude = [..]")
    file: str | None = None  # the configuration file that gave it (relative to the target when inside)
    line: int | None = None  # its line there

    @property
    def applied(self) -> bool:
        """The value is in effect."""
        return self.status == "applied"


@dataclass(frozen=True)
class Configuration:
    """The configuration in effect: the settings worth a reviewer's eye, and how the tree was trusted."""

    settings: tuple[ConfigSetting, ...] = ()
    trust_tree_config: bool = False
    strict: bool = False
    reference: str | None = None  # the git revision the tree's configuration was compared with
    files: Mapping[str, str] = field(default_factory=dict)  # source -> the configuration file read

    @property
    def notes(self) -> list[str]:
        """One line per refused or ignored setting, and per gate-weakening setting the change adds."""
        return [line for s in self.settings if (line := setting_note(s)) is not None]


SOURCE_WORDS = {"tree": "the scanned tree", "user-config": "the user configuration",
                "config-file": "the --config file", "command-line": "the command line", "api": "the API call",
                "default": "the defaults"}


def setting_source(s: ConfigSetting) -> str:
    """Where a setting came from, in words: ``the scanned tree (pyproject.toml:3)``."""
    where = f" ({s.file}{f':{s.line}' if s.line else ''})" if s.file else ""
    return SOURCE_WORDS.get(s.source, s.source) + where


def setting_value(s: ConfigSetting, limit: int = 80) -> str:
    """The value as one short line of JSON."""
    text = json.dumps(s.value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def setting_note(s: ConfigSetting) -> str | None:
    """The report's one line about a setting (None: it applies and nothing about it needs saying)."""
    if s.status in ("refused", "ignored"):
        return f"{s.status} {s.name} = {setting_value(s)} from {setting_source(s)}: {s.reason}"
    if s.change:
        return f"the change {s.change} ({setting_source(s)}): it weakens the gate"
    return None


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
    configuration: Configuration | None = None  # None: not described (imported or older reports)
    not_audited: int = 0  # pinned dependencies present but audited by nothing (offline, no --osv-db)
    shard: tuple[int, int] | None = None  # (I, N) when this result is shard I of N (``secscan merge``)
    # the dependencies the scan read (pinned Python requirements and locks, npm lockfiles): SBOM components
    components: tuple[Package, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Counts of findings by severity (suppressed, pre-existing and out-of-gate findings excluded)."""
        out = {s.label: 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            if f.counts_for_gate and not f.out_of_gate:
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
    skip: SkipCause | None = None  # why, when status is skipped


FAIL_ON_CHOICES = ("critical", "high", "medium", "low", "info", "never")


def threshold(fail_on: str) -> Severity | None:
    """The lowest severity that fails the gate, or None for "never"."""
    if fail_on == "never":
        return None
    return Severity.from_label(fail_on)
