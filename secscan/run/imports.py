"""Ingested tool outputs (``--import TOOL=FILE`` and ``secscan import``) as scanner runs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from secscan.errors import ParseError, SecscanError
from secscan.model import ScannerResult, Status
from secscan.parsers.interface import MAX_INPUT_BYTES
from secscan.parsers.registry import parse_file
from secscan.run.execute import ScannerRun, relativize

MAX_IMPORT_BYTES = MAX_INPUT_BYTES


def import_name(tool: str, path: Path) -> str:
    """How an imported file appears in the scanner list."""
    return f"{tool} (import {path.name})"


def import_one(tool: str, path: Path) -> ScannerRun:
    """Parse one file; raises ParseError (the CLI turns it into exit 2 for `import`)."""
    start = time.monotonic()
    parsed = parse_file(tool, path)
    return ScannerRun(
        ScannerResult(
            name=import_name(parsed.tool, path),
            status=parsed.status,
            version=parsed.version,
            duration_s=time.monotonic() - start,
            reason=parsed.reason,
            findings=len(parsed.findings),
            coverage=dict(parsed.coverage),
            evidence={"imported_from": str(path), **(dict(parsed.evidence) if parsed.evidence else {})},
            canary="not-applicable",
        ),
        parsed.findings,
    )


def _failed(tool: str, path: Path, reason: str) -> ScannerRun:
    return ScannerRun(
        ScannerResult(
            import_name(tool, path),
            Status.FAILED,
            reason=reason,
            evidence={"imported_from": str(path)},
            canary="not-applicable",
            required=True,
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


def within_target(runs: Sequence[ScannerRun], target: Path) -> list[ScannerRun]:
    """Imported findings whose absolute paths lie in the target get target-relative paths (as scanned ones
    have), so reports, SARIF and fingerprints treat them alike; other paths are left as they are."""
    roots = [r.rstrip("/") + "/" for r in dict.fromkeys((str(target), str(target.resolve())))]

    def inside(path: str) -> str:
        p = path.replace("\\", "/")
        return next((relativize(p, Path(r)) for r in roots if p.startswith(r)), path)

    out = []
    for run in runs:
        found = tuple(f.with_(location=replace(f.location, path=inside(f.location.path)))
                      if f.location is not None and f.location.path and not f.location.image else f
                      for f in run.findings)
        out.append(ScannerRun(run.result, found, run.files))
    return out
