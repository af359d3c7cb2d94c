"""The other places of a secret found at several (``properties.places``, results/secret_groups.py): a line for
the Markdown and HTML reports, related locations for SARIF. Data only: paths, lines and commits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secscan.core.model import Finding

SHOWN = 3  # places named in the text; the count says how many there are


def other_places(f: Finding) -> list[Mapping[str, Any]]:
    """The places of a finding besides its own location (in the order the finding lists them)."""
    listed = f.properties.get("places")
    if not isinstance(listed, list):
        return []
    loc = f.location
    here = (loc.path, loc.start_line) if loc else None
    others = [p for p in listed if isinstance(p, Mapping) and (p.get("path"), p.get("start_line")) != here]
    return others


def _where(p: Mapping[str, Any]) -> str:
    where = f"{p.get('path')}:{p['start_line']}" if p.get("start_line") else str(p.get("path"))
    return f"{where} (commit {str(p['commit'])[:12]})" if p.get("commit") else where


def places_text(f: Finding) -> str | None:
    """"also at N places: a.py:3, b.ini:1, ..." (None: found at one place)."""
    others = other_places(f)
    total = int(f.properties.get("place_count") or 0) - 1
    count = max(len(others), total)
    if count <= 0:
        return None
    shown = ", ".join(_where(p) for p in others[:SHOWN])
    more = ", ..." if count > SHOWN else ""
    return f"also at {count} other place{'s' if count != 1 else ''}: {shown}{more}"
