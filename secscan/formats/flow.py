"""A taint finding's flow (``Finding.taint``: source, lines it passes through, sink) and a pattern hit's
``superseded_by``, in the words every format uses."""

from __future__ import annotations

from secscan.core.model import Finding


def flow_steps(f: Finding) -> list[tuple[int, str]]:
    """(line, what) from the source through each intermediate line to the sink; [] without a trace."""
    trace = f.taint
    if trace is None:
        return []
    src, code = trace.source_line, trace.source_code
    sink = trace.sink_line or (f.location.start_line if f.location else None)
    steps = [(src, f"source: {code}" if code else "source")]
    steps += [(n, "flows through") for n in dict.fromkeys(trace.through) if n not in (src, sink)]
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
