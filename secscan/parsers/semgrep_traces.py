"""Taint traces from semgrep's text report (``--dataflow-traces --text-output=...``).

semgrep 1.x writes its dataflow traces only into the text and SARIF reports, never into ``--json``, and its
SARIF has no code flows in the open-source engine. secscan asks for the text report on stderr beside the JSON
on stdout and reads, per finding, the line the taint comes from, the lines it flows through and the sink.
A finding without a readable trace simply has none (its severity then stays the rule's own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from secscan.core.provenance import TaintTrace

RULE_RE = re.compile(r"^\s*[\u276f]*\u2771 (\S+)\s*$")  # "   (heavy angle marks) rule.id"
CODE_RE = re.compile(r"^\s*(\d+)\u2506 ?(.*)$")  # "   12┆ code"
SEPARATOR_RE = re.compile(r"^\s*\u22ee\u2506-+\s*$")  # "   ⋮┆-----"
FILE_RE = re.compile(r"^ {4}(?![\s\u276f\u2771\u2770])(\S.*?)\s*$")  # "    path/to/file.py"
SOURCE_HEAD = "Taint comes from:"
VIA_HEAD = "Taint flows through these intermediate variables:"
SINK_HEAD = "This is how taint reaches the sink:"
MAX_CODE = 200


@dataclass
class _Open:
    path: str
    rule: str
    sink: int
    part: str = "match"
    source: tuple[int, str] | None = None
    through: list[int] | None = None
    sink_seen: int | None = None


def _close(cur: _Open | None, out: dict[tuple[str, str, int], TaintTrace]) -> None:
    if cur is not None and cur.source is not None:
        out[(cur.path, cur.rule, cur.sink)] = TaintTrace(
            cur.source[0], cur.source[1], cur.sink_seen or cur.sink, tuple(dict.fromkeys(cur.through or ())))


def parse_traces(text: str) -> dict[tuple[str, str, int], TaintTrace]:
    """(path, check_id, finding start line) -> its trace, for every finding of the text report that has one.
    Anything that is not a trace block is skipped (the report may sit beside other stderr lines)."""
    out: dict[tuple[str, str, int], TaintTrace] = {}
    path = rule = None
    cur: _Open | None = None
    expect_match = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if m := RULE_RE.match(line):
            _close(cur, out)
            cur, rule, expect_match = None, m.group(1), True
        elif SEPARATOR_RE.match(line):
            _close(cur, out)
            cur, expect_match = None, True
        elif m := CODE_RE.match(line):
            number, code = int(m.group(1)), m.group(2).strip()[:MAX_CODE]
            if expect_match and path and rule:
                cur, expect_match = _Open(path, rule, number), False
            elif cur is not None:
                _code_line(cur, number, code)
        elif line.strip() in (SOURCE_HEAD, VIA_HEAD, SINK_HEAD) and cur is not None:
            cur.part = {SOURCE_HEAD: "source", VIA_HEAD: "via", SINK_HEAD: "sink"}[line.strip()]
        elif (m := FILE_RE.match(line)) and not expect_match:
            _close(cur, out)
            path, rule, cur = m.group(1), None, None
    _close(cur, out)
    return out


def _code_line(cur: _Open, number: int, code: str) -> None:
    if cur.part == "source" and cur.source is None:
        cur.source = (number, code)
    elif cur.part == "via":
        cur.through = [*(cur.through or []), number]
    elif cur.part == "sink" and cur.sink_seen is None:
        cur.sink_seen = number
