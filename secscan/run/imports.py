"""Ingested tool outputs (``--import TOOL=FILE`` and ``secscan import``) as scanner runs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from secscan.errors import ParseError
from secscan.model import ScannerResult, Status
from secscan.parsers.registry import parse_file
from secscan.run.execute import ScannerRun

MAX_IMPORT_BYTES = 200 * 1024 * 1024


def import_one(tool: str, path: Path) -> ScannerRun:
    """Parse one file; raises ParseError (the CLI turns it into exit 2 for `import`)."""
    start = time.monotonic()
    parsed = parse_file(tool, path)
    name = f"{parsed.tool} (import {path.name})"
    return ScannerRun(ScannerResult(
        name=name, status=parsed.status, version=parsed.version, duration_s=time.monotonic() - start,
        reason=parsed.reason, findings=len(parsed.findings), coverage=dict(parsed.coverage),
        evidence={"imported_from": str(path), **(dict(parsed.evidence) if parsed.evidence else {})},
        canary="not-applicable"), parsed.findings)


def run_imports(imports: Sequence[tuple[str, Path]], strict: bool = False) -> list[ScannerRun]:
    """Parse every import. Inside a scan a bad file becomes a failed entry (the other results are kept)."""
    runs = []
    for tool, path in imports:
        try:
            runs.append(import_one(tool, path))
        except ParseError as exc:
            if strict:
                raise
            runs.append(ScannerRun(ScannerResult(f"{tool} (import {path.name})", Status.FAILED, reason=str(exc),
                                                 canary="not-applicable"), ()))
    return runs
