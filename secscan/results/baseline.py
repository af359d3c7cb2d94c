"""``.secscan-baseline.json``: accepted findings by fingerprint and hash, never a plaintext value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from secscan.core.errors import UsageError
from secscan.core.model import Finding, Result
from secscan.core.version import __version__
from secscan.results.secret_groups import place_fingerprints

BASELINE_VERSION = 1
ACCOUNTABILITY = ("reason", "owner", "expires", "added")
DEFAULT_REASON = "accepted when the baseline was created"


def _path_of(f: Finding, fingerprint: str) -> str | None:
    """The path of the place of a secret that has this fingerprint."""
    return next((p.path for p in f.places if p.fingerprint == fingerprint), None)


def entries_for(
    result: Result,
    reason: str | None,
    owner: str | None,
    expires: date | None,
    previous: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Baseline entries for every finding of a result, sorted for stable diffs.

    No value is ever written: a finding is identified by its fingerprint (and a secret by the hash the report
    already holds). An entry that already existed keeps its reason, owner, expiry and date added; new entries
    get the given ones.
    """
    today = datetime.now(UTC).date().isoformat()
    out = []
    for f in result.findings:
        old = (previous or {}).get(f.fingerprint)
        kept = (
            {k: old.get(k) for k in ACCOUNTABILITY}
            if old is not None
            else {
                "reason": reason or DEFAULT_REASON,
                "owner": owner,
                "expires": expires.isoformat() if expires else None,
                "added": today,
            }
        )
        out.append(
            {
                "fingerprint": f.fingerprint,
                "rule_id": f.rule_id,
                "severity": f.severity.label,
                "category": f.category.value,
                "path": f.location.path if f.location else None,
                "package": f"{f.package.name}=={f.package.version}" if f.package else None,
                "secret_hash": f.secret_hash,
                **kept,
            }
        )
        out += [{**out[-1], "fingerprint": fp, "path": _path_of(f, fp)}  # a secret's other places too
                for fp in place_fingerprints(f) if fp != f.fingerprint]
    unique = {e["fingerprint"]: e for e in out}  # one entry per fingerprint
    return sorted(unique.values(), key=lambda e: (e["path"] or "", e["rule_id"], e["fingerprint"]))


def write(
    path: Path, result: Result, reason: str | None, owner: str | None, expires: date | None, update: bool
) -> int:
    """Create or update a baseline; returns the number of entries."""
    previous: dict[str, Mapping[str, Any]] = {}
    if update and path.is_file():
        try:
            data = json.loads(path.read_text("utf-8"))
            previous = {e["fingerprint"]: e for e in data.get("entries", []) if isinstance(e, dict)}
        except (ValueError, KeyError, AttributeError) as exc:
            raise UsageError(f"{path}: cannot update baseline: {exc}") from None
    entries = entries_for(result, reason, owner, expires, previous)
    doc = {
        "version": BASELINE_VERSION,
        "secscan_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "entries": entries,
    }
    from secscan.core.atomic import atomic_write

    try:
        atomic_write(path, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(entries)
