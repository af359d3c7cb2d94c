"""The other places of a secret found at several (``Finding.places``, results/secret_groups.py): a line for
the Markdown and HTML reports, related locations for SARIF. Data only: paths, lines and commits."""

from __future__ import annotations

from secscan.core.model import Finding
from secscan.core.provenance import Place

SHOWN = 3  # places named in the text; the count says how many there are


def other_places(f: Finding) -> list[Place]:
    """The places of a finding besides its own location (in the order the finding lists them)."""
    loc = f.location
    here = (loc.path, loc.start_line) if loc else None
    return [p for p in f.places if (p.path, p.start_line) != here]


def _where(p: Place) -> str:
    where = f"{p.path}:{p.start_line}" if p.start_line else p.path
    return f"{where} (commit {p.commit[:12]})" if p.commit else where


def places_text(f: Finding) -> str | None:
    """"also at N places: a.py:3, b.ini:1, ..." (None: found at one place)."""
    others = other_places(f)
    total = f.place_count - 1
    count = max(len(others), total)
    if count <= 0:
        return None
    shown = ", ".join(_where(p) for p in others[:SHOWN])
    more = ", ..." if count > SHOWN else ""
    return f"also at {count} other place{'s' if count != 1 else ''}: {shown}{more}"
