"""A taint finding's flow (``properties["taint"]``: source, lines it passes through, sink) and a pattern hit's
``superseded_by``, in the words every format uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secscan.core.model import Finding


def _line(value: Any) -> int | None:
    line = value.get("line") if isinstance(value, Mapping) else None
    return line if isinstance(line, int) and line >= 1 else None


def flow_steps(f: Finding) -> list[tuple[int, str]]:
    """(line, what) from the source through each intermediate line to the sink; [] without a trace."""
    trace = f.properties.get("taint")
    if not isinstance(trace, Mapping) or (src := _line(trace.get("source"))) is None:
        return []
    sink = _line(trace.get("sink")) or (f.location.start_line if f.location else None)
    code = str((trace.get("source") or {}).get("code") or "")
    steps = [(src, f"source: {code}" if code else "source")]
    through = trace.get("through")
    through = through if isinstance(through, list) else []
    steps += [(n, "flows through") for n in dict.fromkeys(through)
              if isinstance(n, int) and n >= 1 and n not in (src, sink)]
    if sink is not None:
        steps.append((sink, "sink"))
    return steps


def flow_text(f: Finding) -> str | None:
    """'taint from line 9 to line 11' (None: no trace)."""
    steps = flow_steps(f)
    if not steps:
        return None
    return f"taint from line {steps[0][0]} to line {steps[-1][0]}"


def superseded_text(f: Finding) -> str | None:
    """'superseded by RULE: counts for the gate only at --fail-on low' (None: not superseded)."""
    if not f.superseded_by:
        return None
    return f"superseded by {f.superseded_by}: counts for the gate only at --fail-on low"
