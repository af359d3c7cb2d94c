"""The report format interface and helpers every format shares.

A format renders a `Result` alone (never a scanner, never the file system) into a mapping of output file
names to contents. File names come only from `REPORT_FILES`, never from finding data.
"""

from __future__ import annotations

import abc
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from secscan.core.model import Category, Finding, Result, ScannerResult, Severity, Status

REPORT_FILES: frozenset[str] = frozenset(
    {
        "secscan.json",
        "secscan.md",
        "secscan.html",
        "secscan.sarif",
        "gl-sast-report.json",
        "gl-dependency-scanning-report.json",
        "gl-secret-detection-report.json",
        "secscan.cdx.json",
        "secscan-junit.xml",
    }
)


class Format(abc.ABC):
    """One report format: a name (as given to `--format`) and a pure `render`."""

    name: str = ""
    files: tuple[str, ...] = ()

    @abc.abstractmethod
    def render(self, result: Result) -> dict[str, str | bytes]:
        """Output file name (one of `files`) -> contents."""


@dataclass(frozen=True)
class Verdict:
    """What a reader must see first: the gate outcome in one word, and why."""

    word: str  # "passed", "failed", "incomplete"
    headline: str
    reasons: tuple[str, ...]
    incomplete: bool


def is_incomplete(result: Result) -> bool:
    """True when any check did not really run (or the run was interrupted)."""
    return result.gate.incomplete or result.incomplete


def verdict(result: Result) -> Verdict:
    """The gate verdict, worded the same way in every format."""
    gate, incomplete = result.gate, is_incomplete(result)
    reasons = tuple(gate.reasons)
    for s in result.scanners:  # a Result built elsewhere may lack the gate's scanner reasons
        if s.incomplete and not any(r.startswith(f"scanner {s.name} is ") for r in reasons):
            reasons += (f"scanner {s.name} is {s.status.value}: {s.reason or 'no reason given'}",)
    if gate.exit_code == 1:
        word, head = "failed", f"FAILED on findings at or above {gate.fail_on}"
    elif incomplete:
        word = "incomplete"
        head = "INCOMPLETE: some checks did not run, so no finding is not the same as clean" + (
            " (allowed by --allow-incomplete)" if gate.passed else ""
        )
    elif gate.passed:
        word, head = "passed", f"PASSED: no unsuppressed finding at or above {gate.fail_on}"
    else:
        word, head = "failed", f"FAILED (exit code {gate.exit_code})"
    if word == "failed" and incomplete:
        head += "; the scan was also INCOMPLETE"
    if result.not_audited:
        head += f" — {not_audited_text(result.not_audited)}"
    return Verdict(word, head, reasons, incomplete)


def not_audited_text(n: int) -> str:
    """The coverage gap an offline run leaves, said where the verdict is."""
    return f"{n} pinned dependencies NOT audited (offline; use --osv-db or `secscan db`)"


def scanner_problem(s: ScannerResult) -> str | None:
    """A one-line problem description for a scanner that did not fully run, else None."""
    if s.status is Status.OK:
        return None
    return f"{s.name}: {s.status.value}: {s.reason or 'no reason given'}"


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """New before pre-existing before suppressed, then by severity (highest first), path and line."""

    def key(f: Finding) -> tuple[int, int, int, str, int, str]:
        loc = f.location
        return (
            int(f.suppressed),
            int(f.pre_existing),
            -int(f.severity),
            loc.path if loc else "",
            (loc.start_line or 0) if loc else 0,
            f.rule_id,
        )

    return sorted(findings, key=key)


def safe_snippet(f: Finding) -> str | None:
    """The code snippet, never for secret findings (it could hold the value)."""
    if f.category is Category.SECRET or f.secret_hash or f.secret_mask:
        return None
    return f.snippet


def location_text(f: Finding) -> str:
    """path:line (or image / package manifest) for display; "" when unknown."""
    loc = f.location
    if loc is not None and loc.path:
        where = loc.path if not loc.start_line else f"{loc.path}:{loc.start_line}"
        return f"{loc.image} {where}" if loc.image else where
    if loc is not None and loc.image:
        return loc.image
    if f.package is not None and f.package.manifest:
        return f.package.manifest
    return ""


def fix_text(f: Finding) -> str:
    """The remediation, or the fixed versions of the package, or ""."""
    if f.remediation:
        return f.remediation
    if f.package is not None and f.package.fixed_versions:
        return f"upgrade {f.package.name} to {' or '.join(f.package.fixed_versions)}"
    return ""


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'`])")


def fix_cell(f: Finding) -> str:
    """The fix for a table cell: ``fix_text``, unless it only repeats the finding's message (a rule without
    its own fix, whose message is also its remediation); then the message's advice (the sentences after the
    first, which says what is wrong), or "" when the message is one sentence."""
    text = fix_text(f)
    flat, msg = " ".join(text.split()).removesuffix("..."), " ".join(f.message.split())
    if not flat or not msg.startswith(flat):
        return text
    sentences = _SENTENCE_END.split(msg)
    return " ".join(sentences[1:]) if len(sentences) > 1 else ""


def package_text(f: Finding) -> str:
    """name==version of the package a finding is about, or ""."""
    if f.package is None:
        return ""
    return f.package.name + (f"=={f.package.version}" if f.package.version else "")


def suppression_text(f: Finding) -> str:
    """Why a finding is suppressed (reason, owner, expiry), or ""."""
    s = f.suppression
    if not f.suppressed and not (s and s.expired):
        return ""
    if s is None:
        return "suppressed"
    parts = [f"{s.kind}: {s.reason}"]
    if s.source:
        parts.append(f"at {s.source}")
    if s.owner:
        parts.append(f"owner {s.owner}")
    if s.expires:
        parts.append(f"{'expired' if s.expired else 'expires'} {s.expires}")
    return "; ".join(parts)


def stable_id(*parts: str) -> str:
    """A short deterministic id for things without a fingerprint."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def fingerprint_of(f: Finding) -> str:
    """The finding's fingerprint, or a deterministic stand-in when the engine did not assign one."""
    if f.fingerprint:
        return f.fingerprint
    loc = f.location
    return stable_id(
        f.rule_id,
        f.category.value,
        loc.path if loc else "",
        str(loc.start_line if loc else ""),
        package_text(f),
        f.secret_hash or "",
        f.message,
    )


SEVERITY_ORDER: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))
TOP_ACTIONS = 10  # actions a report shows before "N more actions" (the JSON lists every one)

_CWE = re.compile(r"^CWE-(\d+)$", re.IGNORECASE)


def cwe_numbers(identifiers: Iterable[str]) -> list[str]:
    """The numbers of the CWE identifiers ("CWE-78" -> "78")."""
    out = []
    for ident in identifiers:
        m = _CWE.match(ident.strip())
        if m:
            out.append(m.group(1))
    return out
