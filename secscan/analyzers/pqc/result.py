"""The PQC check's outcome as frozen data: probe, per-algorithm evidence, verdict."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Verdict(enum.StrEnum):
    """The one answer: does this environment's liboqs KEM really work?"""

    REAL = "real"
    STUB = "stub"
    UNAVAILABLE = "unavailable"
    BROKEN = "broken"


class ChildStatus(enum.StrEnum):
    """How the child process that exercised the `oqs` module ended."""

    OK = "ok"
    NO_MODULE = "no-module"  # the interpreter cannot import an `oqs` module
    NO_LIBRARY = "no-library"  # liboqs-python is there, the liboqs library is not: `oqs` was not imported
    IMPORT_FAILED = "import-failed"  # `import oqs` raised (or exited)
    FOREIGN_MODULE = "foreign-module"  # `import oqs` gave a module that is not liboqs-python (no KEM API)
    CHILD_ERROR = "child-error"  # the child reported an internal error
    PROTOCOL_ERROR = "protocol-error"  # no result line, or one that cannot be read
    TIMEOUT = "timeout"
    NOT_STARTED = "not-started"


@dataclass(frozen=True)
class Check:
    """One piece of evidence: passed True/False, or None when it does not apply."""

    name: str
    passed: bool | None
    detail: str = ""


@dataclass(frozen=True)
class AlgEvidence:
    """Every check made for one algorithm; `error` when it could not be exercised at all."""

    alg: str
    checks: tuple[Check, ...] = ()
    error: str | None = None

    @property
    def failed(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(c for c in self.checks if c.passed is False)

    def check(self, name: str) -> Check | None:
        """The check with this name, if it was made."""
        return next((c for c in self.checks if c.name == name), None)


@dataclass(frozen=True)
class Probe:
    """Where the liboqs shared library was searched for (in process, ctypes only) and what was found."""

    found: str | None
    version: str | None
    searched: tuple[str, ...]
    error: str | None = None


@dataclass(frozen=True)
class Evidence:
    """Everything the verdict is computed from."""

    python: str
    probe: Probe
    child_status: ChildStatus
    requested: tuple[str, ...]
    child_error: str | None = None
    python_version: str | None = None
    module: str | None = None
    module_genuine: bool | None = None  # the file belongs to the installed liboqs-python distribution
    liboqs_version: str | None = None
    liboqs_python_version: str | None = None
    library_path: str | None = None  # what oqs.native() loaded
    libraries_mapped: tuple[str, ...] | None = None  # liboqs files mapped into the child; None: unknown
    library_search: tuple[str, ...] = ()  # the child's own search, in the target interpreter
    enabled_kems: tuple[str, ...] = ()
    seeded_keygen: bool | None = None
    algorithms: tuple[AlgEvidence, ...] = ()
    child_duration_s: float | None = None


@dataclass(frozen=True)
class PqcResult:
    """Verdict, the reasons for it, and the evidence."""

    verdict: Verdict
    reasons: tuple[str, ...]
    evidence: Evidence
    duration_s: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def searched(self) -> tuple[str, ...]:
        """Every place the library was looked for (parent probe and child search)."""
        return tuple(dict.fromkeys((*self.evidence.probe.searched, *self.evidence.library_search)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready evidence (no key material: only sizes, booleans and short details)."""
        ev = self.evidence
        return {
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "duration_s": round(self.duration_s, 3),
            "python": ev.python,
            "python_version": ev.python_version,
            "child_status": ev.child_status.value,
            "child_error": ev.child_error,
            "child_duration_s": ev.child_duration_s,
            "oqs_module": ev.module,
            "oqs_module_genuine": ev.module_genuine,
            "liboqs_version": ev.liboqs_version,
            "liboqs_python_version": ev.liboqs_python_version,
            "library_path": ev.library_path,
            "libraries_mapped": list(ev.libraries_mapped) if ev.libraries_mapped is not None else None,
            "probe": {"found": ev.probe.found, "version": ev.probe.version, "error": ev.probe.error},
            "searched": list(self.searched),
            "enabled_kems": list(ev.enabled_kems),
            "seeded_keygen": ev.seeded_keygen,
            "requested": list(ev.requested),
            "algorithms": [
                {"alg": a.alg, "error": a.error,
                 "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in a.checks]}
                for a in ev.algorithms
            ],
        }
