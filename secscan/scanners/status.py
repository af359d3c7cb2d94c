"""Combining several partial outcomes into one scanner outcome."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from secscan.core.errors import ParseError
from secscan.core.model import Parsed, Status
from secscan.process.runner import ProcResult

_RANK = {Status.OK: 0, Status.SKIPPED: 1, Status.PARTIAL: 2, Status.FAILED: 3, Status.TIMEOUT: 4}


def worst(statuses: Sequence[Status]) -> Status:
    """The least complete status (timeout > failed > partial > skipped > ok)."""
    return max(statuses, key=lambda s: _RANK[s]) if statuses else Status.OK


def combine(tool: str, parts: Sequence[Parsed], extra: Mapping[str, int] | None = None,
            evidence: Mapping[str, Any] | None = None) -> Parsed:
    """One Parsed from several invocations: findings joined, coverage summed (plus ``extra`` counts), worst
    status kept, with the scanner's evidence."""
    if not parts:
        return Parsed(tool, status=Status.FAILED, reason="nothing ran", coverage=dict(extra or {}),
                      evidence=dict(evidence) if evidence else None)
    findings = tuple(f for p in parts for f in p.findings)
    coverage: dict[str, int] = {}
    for p in parts:
        for k, v in p.coverage.items():
            coverage[k] = coverage.get(k, 0) + int(v)
    status = worst([p.status for p in parts])
    reasons = [p.reason for p in parts if p.reason and p.status is not Status.OK]
    version = next((p.version for p in parts if p.version), None)
    coverage.update(extra or {})
    reason = "; ".join(dict.fromkeys(reasons)) or None
    return Parsed(tool, findings, status, reason, coverage, version, dict(evidence) if evidence else None)


def parse_tool_output(
    name: str,
    label: str,
    parse: Callable[[str | bytes, str], Parsed],
    res: ProcResult,
    accept: Callable[[int | None], bool] = lambda rc: True,
    why: str | None = None,
) -> Parsed:
    """The usual reading of one tool run: an error, a fatal exit code or no output is failed (with the tool's
    stderr as the reason), output the parser rejects is failed too; otherwise the parser's result."""
    if res.error:
        return Parsed(name, status=Status.FAILED, reason=res.error)
    if not accept(res.returncode) or not res.stdout.strip():
        detail = why or res.stderr_tail() or "no output"
        return Parsed(name, status=Status.FAILED, reason=f"{label} exited {res.returncode}: {detail}")
    try:
        return parse(res.stdout, f"{label} output")
    except ParseError as exc:
        return Parsed(name, status=Status.FAILED, reason=f"unreadable output: {exc.problem}")
