"""Protocol and library context (rules/context/protocols.yaml): a pattern hit whose surroundings show that
the weakness is what a protocol prescribes (MD5 in HTTP Digest), declared harmless (``usedforsecurity=False``)
or the implementation of an option the caller chooses (``if not verify: ... CERT_NONE``) becomes low, with the
reason and the tool's severity kept in its properties. A taint finding (a traced flow) is never lowered; the
table only lowers. The file is read as text; nothing runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from secscan.core.model import Finding, Severity
from secscan.core.resources import load_yaml, rules_path
from secscan.results.enrich import read_lines

_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+\w+\s*\(")
_PARAM = re.compile(r"[(,]\s*\*{0,2}(\w+)")
_IF = re.compile(r"^\s*(?:el)?if\b")


@dataclass(frozen=True)
class ProtocolContext:
    """One entry of the table."""

    id: str
    rules: frozenset[str]
    severity: Severity
    reason: str
    line: re.Pattern[str] | None = None
    near: tuple[re.Pattern[str], ...] = ()
    min_near: int = 1
    window: int = 0
    condition: re.Pattern[str] | None = None


@cache
def table() -> tuple[ProtocolContext, ...]:
    """rules/context/protocols.yaml, read once."""
    data = load_yaml(rules_path("context", "protocols.yaml").read_text("utf-8"))
    return tuple(
        ProtocolContext(d["id"], frozenset(d["rules"]), Severity.from_label(d["severity"]), d["reason"],
                        re.compile(d["line"]) if d.get("line") else None,
                        tuple(re.compile(p) for p in d.get("near") or ()), int(d.get("min_near", 1)),
                        int(d.get("window", 0)), re.compile(d["condition"]) if d.get("condition") else None)
        for d in data["contexts"])


def parameters(lines: Sequence[str], index: int) -> frozenset[str]:
    """The parameter names of the function enclosing line ``index`` (0-based; empty at module level)."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for i in range(index, -1, -1):
        m = _DEF.match(lines[i])
        if not m or len(m.group(1)) >= indent:
            continue
        sig, depth = "", 0
        for line in lines[i:i + 30]:  # the signature, up to its closing parenthesis
            code = line.split("#", 1)[0]
            sig += " " + code
            depth += code.count("(") - code.count(")")
            if depth <= 0:
                break
        return frozenset(_PARAM.findall(sig[sig.index("("):].split("->")[0]))
    return frozenset()


def matches(ctx: ProtocolContext, lines: Sequence[str], index: int) -> str | None:
    """The context's reason when it holds at line ``index`` (0-based) of the file, else None."""
    if ctx.line is not None and not ctx.line.search(lines[index]):
        return None
    if ctx.near:
        window = "\n".join(lines[max(0, index - ctx.window):index + ctx.window + 1])
        if sum(1 for p in ctx.near if p.search(window)) < ctx.min_near:
            return None
    if ctx.condition is not None:
        params = parameters(lines, index)
        header = enclosing_condition(lines, index, ctx.window)
        for m in ctx.condition.finditer(header or ""):
            if m.group("parameter") in params:
                return ctx.reason.format(parameter=m.group("parameter"))
        return None
    return ctx.reason


def enclosing_condition(lines: Sequence[str], index: int, window: int) -> str | None:
    """The condition of the ``if``/``elif`` (within ``window`` lines above) whose block, or whose ``else``
    block, holds line ``index`` (a condition may span lines), or None."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for i in range(index - 1, max(-1, index - window - 1), -1):
        text = lines[i]
        own = len(text) - len(text.lstrip())
        if not text.strip() or own >= indent or text.lstrip().startswith(("#", ")", "or ", "and ")):
            continue
        if _IF.match(text):
            return _header(lines, i)
        if text.lstrip().startswith("else") and text.rstrip().endswith(":"):
            indent = own + 1  # look on for the if/elif at the else's own level
            continue
        return None  # another block (def, for, with, ...) holds the line
    return None


def _header(lines: Sequence[str], start: int) -> str:
    """An if/elif line and its continuation lines, up to the colon that opens the block."""
    parts = []
    for line in lines[start:start + 10]:
        code = line.split("#", 1)[0]
        parts.append(code)
        if code.rstrip().endswith(":"):
            break
    return " ".join(parts)


def apply(findings: Sequence[Finding], root: Path | None) -> list[Finding]:
    """Pattern hits lowered by their protocol or library context."""
    contexts = table()
    rules = frozenset().union(*(c.rules for c in contexts))
    cache_: dict[str, list[str] | None] = {}
    out = []
    for f in findings:
        loc = f.location
        traced = f.taint is not None
        if root is None or f.rule_id not in rules or loc is None or not loc.start_line or traced:
            out.append(f)
            continue
        lines = read_lines(cache_, root, loc.path)
        if lines is None or not 1 <= loc.start_line <= len(lines):
            out.append(f)
            continue
        found = next(((c, why) for c in contexts if f.rule_id in c.rules and c.severity < f.severity
                      and (why := matches(c, lines, loc.start_line - 1)) is not None), None)
        if found is None:
            out.append(f)
            continue
        ctx, why = found
        props = {**f.properties, "context_reason": why, "context_rule": ctx.id,
                 "severity_context_from": f.severity.label}
        out.append(f.with_(severity=ctx.severity, properties=props))
    return out
