"""``.secscan-baseline.json``: accepted findings by fingerprint and hash, never a plaintext value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from secscan import __version__
from secscan.errors import UsageError
from secscan.model import Result

BASELINE_VERSION = 1


def entries_for(result: Result, reason: str | None, owner: str | None, expires: date | None,
                previous: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Baseline entries for every finding of a result (keeping reasons of entries that already existed)."""
    out = []
    for f in result.findings:
        old = dict((previous or {}).get(f.fingerprint, {}))
        out.append({
            "fingerprint": f.fingerprint, "rule_id": f.rule_id, "severity": f.severity.label,
            "category": f.category.value, "path": f.location.path if f.location else None,
            "package": f"{f.package.name}=={f.package.version}" if f.package else None,
            "secret_hash": f.secret_hash,
            "reason": old.get("reason") or reason or "accepted when the baseline was created",
            "owner": old.get("owner") or owner,
            "expires": old.get("expires") or (expires.isoformat() if expires else None),
        })
    return out


def write(path: Path, result: Result, reason: str | None, owner: str | None, expires: date | None,
          update: bool) -> int:
    """Create or update a baseline; returns the number of entries."""
    previous: dict[str, Mapping[str, Any]] = {}
    if update and path.is_file():
        try:
            data = json.loads(path.read_text("utf-8"))
            previous = {e["fingerprint"]: e for e in data.get("entries", []) if isinstance(e, dict)}
        except (ValueError, KeyError, AttributeError) as exc:
            raise UsageError(f"{path}: cannot update baseline: {exc}") from None
    entries = entries_for(result, reason, owner, expires, previous)
    doc = {"version": BASELINE_VERSION, "secscan_version": __version__,
           "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "target": result.target,
           "entries": entries}
    from secscan.formats.write import atomic_write

    atomic_write(path, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))
    return len(entries)
