"""Severity from evidence (the table is rules/severity/evidence.yaml).

Applied to the code findings before duplicates merge:

- a taint finding whose traced source is remote (request data) and whose class runs code (SQL, shell,
  eval/templates, deserialisation) becomes critical, and says from which line to which line;
- every other finding keeps its tool's severity (a pattern hit is never promoted, bandit's LOW confidence
  included);
- a semgrep pattern hit at a traced flow repeats the flow's finding: marked ``superseded_by`` it;
- a pattern hit in a class a taint rule covers, where that rule ran (semgrep ok) and found no flow at the
  same place (its sink or a line the taint passes through), and where no parameter of the enclosing
  function reaches the sink (the class's evidence rule ``secscan.python.reach-*``: data from a caller
  stays possible), is marked ``superseded_by`` the taint
  rule (it counts for the gate only at ``--fail-on low``); the evidence rules' own matches are consumed
  here and never reported;
- CWE identifiers are ordered most specific first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from secscan.core.model import Category, Finding, ScannerResult, Severity, Status
from secscan.core.resources import load_yaml, rules_path

KEEP = "keep"
SEMGREP = "semgrep"
TAINT_PREFIX = "secscan.python.taint-"
REACH_PREFIX = "secscan.python.reach-"


def reach_rule(taint_rule: str) -> str:
    """The evidence rule of a taint rule (secscan.python.taint-x -> secscan.python.reach-x)."""
    return REACH_PREFIX + taint_rule.removeprefix(TAINT_PREFIX)


@dataclass(frozen=True)
class WeaknessClass:
    """One class of the table: its taint rule, whether its sinks run code, what it supersedes."""

    name: str
    taint_rule: str
    code_execution: bool
    supersedes: frozenset[str]


@dataclass(frozen=True)
class Table:
    """rules/severity/evidence.yaml, read once."""

    severity: Mapping[str, str]  # evidence kind -> "critical" | ... | "keep"
    local_sources: tuple[str, ...]
    classes: tuple[WeaknessClass, ...]
    more_specific: Mapping[str, frozenset[str]]

    def by_taint_rule(self, rule_id: str) -> WeaknessClass | None:
        return next((c for c in self.classes if c.taint_rule == rule_id), None)

    def superseding(self, rule_id: str) -> WeaknessClass | None:
        return next((c for c in self.classes if rule_id in c.supersedes), None)


def table_from(data: Mapping[str, Any]) -> Table:
    """The table from its YAML form (a missing key is a KeyError: the shipped file is tested)."""
    classes = tuple(WeaknessClass(name, str(c["taint_rule"]), bool(c["code_execution"]),
                                  frozenset(str(r) for r in c.get("supersedes") or ()))
                    for name, c in data["classes"].items())
    more = {str(k): frozenset(str(v) for v in vs) for k, vs in (data.get("more_specific") or {}).items()}
    return Table({str(k): str(v) for k, v in data["severity"].items()},
                 tuple(str(s) for s in data.get("local_sources") or ()), classes, more)


@cache
def table() -> Table:
    """The shipped table."""

    return table_from(load_yaml(rules_path("severity", "evidence.yaml").read_text("utf-8")))


def evidence_kind(f: Finding, t: Table) -> str:
    """Which row of the severity table a finding is: taint-remote-code-execution, taint-local-code-execution,
    taint-other, taint-untraced or pattern."""
    cls = t.by_taint_rule(f.rule_id)
    if cls is None:
        return "pattern"
    if f.taint is None:
        return "taint-untraced"
    if not cls.code_execution:
        return "taint-other"
    local = any(marker in f.taint.source_code for marker in t.local_sources)
    return "taint-local-code-execution" if local else "taint-remote-code-execution"


def severity_for(f: Finding, t: Table) -> Severity:
    """The severity the table gives a finding ("keep": its tool's own)."""
    word = t.severity.get(evidence_kind(f, t), KEEP)
    return f.severity if word == KEEP else max(f.severity, Severity.from_label(word))


def flow_text(f: Finding) -> str | None:
    """'from line 5 to line 9' for a finding with a taint trace (None without one)."""
    t = f.taint
    return None if t is None else f"from line {t.source_line} to line {t.sink_line or '?'}"


def order_cwes(ids: Sequence[str], t: Table) -> tuple[str, ...]:
    """Identifiers with each CWE moved in front of the broader CWEs it refines (others keep their order)."""
    out = list(dict.fromkeys(ids))
    for _ in range(len(out) * len(out)):  # bounded: a cycle in the table cannot loop forever
        move = next(((i, j) for j, child in enumerate(out) for i in range(j)
                     if out[i].upper() in t.more_specific.get(child.upper(), frozenset())), None)
        if move is None:
            break
        out.insert(move[0], out.pop(move[1]))
    return tuple(out)


def ordered(findings: Iterable[Finding], t: Table | None = None) -> list[Finding]:
    """Every finding's CWEs most specific first (again after merging: a merge concatenates its sources')."""
    t = t or table()
    return [f.with_(identifiers=ids) if (ids := order_cwes(f.identifiers, t)) != tuple(f.identifiers) else f
            for f in findings]


def semgrep_ran(scanners: Iterable[ScannerResult]) -> bool:
    """The bundled taint rules really ran: the semgrep scanner (not an import) completed."""
    return any(s.name == SEMGREP and s.status is Status.OK for s in scanners)


def apply(findings: Sequence[Finding], scanners: Sequence[ScannerResult], taint_rules: frozenset[str],
          t: Table | None = None) -> list[Finding]:
    """Severity from evidence, superseded pattern hits, CWE order. ``taint_rules``: the rule ids of the
    semgrep rules folder in use (a class whose taint rule is absent supersedes nothing)."""
    t = t or table()
    ran = semgrep_ran(scanners)
    reach = [f for f in findings if f.rule_id.startswith(REACH_PREFIX) and f.location is not None]
    flows = [f for f in findings if f.location is not None and t.by_taint_rule(f.rule_id) is not None]
    out = []
    for f in findings:
        if f.rule_id.startswith(REACH_PREFIX):
            continue  # evidence only
        if f.category is not Category.SAST:
            out.append(f)
            continue
        f = _promoted(f.with_(identifiers=order_cwes(f.identifiers, t)), t)
        cls = t.superseding(f.rule_id)
        if cls is None or not ran or cls.taint_rule not in taint_rules or f.location is None:
            out.append(f)
        elif flow := next((g for g in flows if g.rule_id == cls.taint_rule and _on_flow(f, g)), None):
            # a pattern rule of semgrep itself repeats the flow's finding (never merged: one tool)
            out.append(f.with_(superseded_by=flow.rule_id) if set(f.sources) & set(flow.sources) else f)
        elif caller := next((g for g in reach if g.rule_id == reach_rule(cls.taint_rule)
                             and _same_place(f, g)), None):
            out.append(f.with_(properties={**f.properties, "reached_from_parameter": _source_line(caller)}))
        else:
            out.append(f.with_(superseded_by=cls.taint_rule))
    return out


def _promoted(f: Finding, t: Table) -> Finding:
    new = severity_for(f, t)
    if new == f.severity:
        return f
    why = f"{evidence_kind(f, t)}: a traced flow {flow_text(f)} into a code-execution sink"
    return f.with_(severity=new, properties={**f.properties, "severity_evidence": why,
                                             "severity_from_tool": f.severity.label})


def _source_line(f: Finding) -> int | None:
    if f.taint is not None:
        return f.taint.source_line
    return f.location.start_line if f.location else None


def _lines(f: Finding) -> tuple[int, int]:
    loc = f.location
    start = (loc.start_line or 0) if loc else 0
    return start, max(start, (loc.end_line or start) if loc else start)


def _on_flow(f: Finding, flow: Finding) -> bool:
    """The pattern hit is at the flow's sink, or on a line the taint passes through (the query built from
    the input two lines above the execute())."""
    if _same_place(f, flow):
        return True
    through = flow.taint.through if flow.taint is not None else ()
    start, end = _lines(f)
    return (f.location is not None and flow.location is not None and f.location.path == flow.location.path
            and any(start <= n <= end for n in through))


def _same_place(a: Finding, b: Finding) -> bool:
    """Same file, and the line ranges overlap (a taint sink is its argument, a pattern hit the call)."""
    if a.location is None or b.location is None or a.location.path != b.location.path:
        return False
    (a0, a1), (b0, b1) = _lines(a), _lines(b)
    return a0 <= b1 and b0 <= a1
