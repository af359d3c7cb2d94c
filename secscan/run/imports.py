"""Ingested tool outputs (``--import TOOL=FILE`` and ``secscan import``) as scanner runs."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from secscan.core.errors import ParseError, SecscanError
from secscan.core.model import CanaryState, ScannerResult, Status
from secscan.parsers.interface import MAX_INPUT_BYTES
from secscan.parsers.registry import parse_file
from secscan.run.execute import ScannerRun

MAX_IMPORT_BYTES = MAX_INPUT_BYTES
# What an imported output must show it covered, when it reports no finding: tool -> (coverage key, what).
# 0 means it covered nothing (bandit's files come from its per-file metrics); a missing key: cannot tell.
COVERED = {
    "bandit": ("files_scanned", "scanned no file"),
    "semgrep": ("files_scanned", "scanned no file (paths.scanned is empty)"),
    "pip-audit": ("dependencies_audited", "audited no dependency"),
    "npm-audit": ("dependencies", "audited no dependency"),
    "trivy": ("targets", "scanned no target"),
}


def import_name(tool: str, path: Path) -> str:
    """How an imported file appears in the scanner list."""
    return f"{tool} (import {path.name})"


def import_one(tool: str, path: Path) -> ScannerRun:
    """Parse one file; raises ParseError (the CLI turns it into exit 2 for `import`)."""
    start = time.monotonic()
    parsed = parse_file(tool, path)
    status, reason = parsed.status, parsed.reason
    ran = bool(parsed.findings) or status is not Status.OK
    empty = None if ran else covered_nothing(parsed.tool, parsed.coverage)
    if empty:
        status, reason = Status.FAILED, f"the imported {parsed.tool} output {empty}: empty is not clean"
    return ScannerRun(
        ScannerResult(
            name=import_name(parsed.tool, path),
            status=status,
            version=parsed.version,
            duration_s=time.monotonic() - start,
            reason=reason,
            findings=len(parsed.findings),
            coverage=dict(parsed.coverage),
            evidence={"imported_from": str(path), **(dict(parsed.evidence) if parsed.evidence else {})},
            canary=CanaryState.NOT_APPLICABLE,
            tool=parsed.tool,
            imported_from=str(path),
        ),
        parsed.findings,
    )


def covered_nothing(tool: str, coverage: Mapping[str, int]) -> str | None:
    """Why an imported output without findings shows no coverage at all (None: it covered something, or the
    tool's format does not say)."""
    key, what = COVERED.get(tool, ("", ""))
    return what if key and coverage.get(key, -1) == 0 else None


def _failed(tool: str, path: Path, reason: str) -> ScannerRun:
    return ScannerRun(
        ScannerResult(
            import_name(tool, path),
            Status.FAILED,
            reason=reason,
            evidence={"imported_from": str(path)},
            canary=CanaryState.NOT_APPLICABLE,
            required=True,
            tool=tool,
            imported_from=str(path),
        ),
        (),
    )


def run_imports(imports: Sequence[tuple[str, Path]], strict: bool = False) -> list[ScannerRun]:
    """Parse every import. Inside a scan a bad file becomes a failed (required) entry and the other results
    are kept; with strict (``secscan import``) the first ParseError is raised."""
    runs = []
    for tool, path in imports:
        try:
            runs.append(import_one(tool, path))
        except ParseError as exc:
            if strict:
                raise
            runs.append(_failed(tool, path, str(exc)))
        except SecscanError as exc:  # e.g. an unknown tool name from the API
            if strict:
                raise
            runs.append(_failed(tool, path, str(exc)))
    return runs


_DRIVE = re.compile(r"^[A-Za-z]:/")


def within_target(runs: Sequence[ScannerRun], target: Path) -> list[ScannerRun]:
    """Imported findings whose absolute paths lie in the target get target-relative paths (as scanned ones
    have), so reports, SARIF and fingerprints treat them alike; other paths are left as they are."""
    names = dict.fromkeys((str(target), str(target.resolve())))
    roots = [r.replace("\\", "/").rstrip("/") + "/" for r in names]

    def under(p: str, root: str) -> bool:  # Windows drive paths compare without case
        return p.startswith(root) or (bool(_DRIVE.match(root)) and p.lower().startswith(root.lower()))

    def inside(path: str) -> str:
        p = path.replace("\\", "/")
        rel = next((p[len(r):] for r in roots if under(p, r)), path)
        while rel.startswith("./"):
            rel = rel[2:]
        return rel

    out = []
    for run in runs:
        found = tuple(f.with_(location=replace(f.location, path=inside(f.location.path)))
                      if f.location is not None and f.location.path and not f.location.image else f
                      for f in run.findings)
        out.append(ScannerRun(run.result, found, run.files))
    return out
