"""secscan's labelled SAST corpus (tests/sast_corpus/*.yaml): load it, write it as files, score a report.

Scored the OWASP way: a case is flagged when a finding in its file carries the class's CWE and is not
superseded (``superseded_by``: it would count only at --fail-on low); per class the true-positive rate minus
the false-positive rate; the corpus score is the mean over classes. Used by tests/scanners/test_sast_corpus.py
and scripts/bench_sast.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parents[1] / "sast_corpus"
LABELS = ("vulnerable", "safe")


@dataclass(frozen=True)
class Case:
    cls: str
    cwe: str
    name: str
    label: str
    flow: str
    code: str

    @property
    def path(self) -> str:
        """Where the case is written, relative to the scanned folder."""
        return f"{self.cls}/{self.name}.py"


@dataclass(frozen=True)
class ClassScore:
    cls: str
    cwe: str
    tp: int
    fn: int
    fp: int
    tn: int
    missed: tuple[str, ...]  # vulnerable cases not flagged
    false_alarms: tuple[str, ...]  # safe cases flagged

    @property
    def tpr(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    @property
    def score(self) -> float:
        return self.tpr - self.fpr


def load(folder: Path = CORPUS) -> list[Case]:
    """Every case of every class file."""
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        for c in doc["cases"]:
            cases.append(Case(doc["class"], doc["cwe"], c["name"], c["label"], c["flow"], c["code"]))
    return cases


def write(cases: Iterable[Case], root: Path) -> None:
    """Each case as one Python file under root/<class>/."""
    for case in cases:
        dest = root / case.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(case.code, "utf-8")


def _cwe_number(text: str) -> str:
    return text.split(":", 1)[0].strip().upper()


def flagged(report: Mapping[str, Any], counted: bool = True) -> dict[str, set[str]]:
    """path -> the CWE ids of its findings (``counted``: leave out superseded and suppressed ones)."""
    out: dict[str, set[str]] = {}
    for f in report["findings"]:
        if counted and (f.get("superseded_by") or f.get("suppressed")):
            continue
        loc = f.get("location") or {}
        if loc.get("path"):
            out.setdefault(loc["path"], set()).update(_cwe_number(i) for i in f.get("identifiers") or ())
    return out


def score(cases: Sequence[Case], report: Mapping[str, Any], counted: bool = True) -> list[ClassScore]:
    """Per-class scores of a secscan JSON report of the written corpus."""
    hits = flagged(report, counted)
    out = []
    for cls in sorted({c.cls for c in cases}):
        mine = [c for c in cases if c.cls == cls]
        cwe = _cwe_number(mine[0].cwe)
        hit = {c.name: cwe in hits.get(c.path, set()) for c in mine}
        vuln = [c for c in mine if c.label == "vulnerable"]
        safe = [c for c in mine if c.label == "safe"]
        out.append(ClassScore(cls, cwe, sum(hit[c.name] for c in vuln), sum(not hit[c.name] for c in vuln),
                              sum(hit[c.name] for c in safe), sum(not hit[c.name] for c in safe),
                              tuple(c.name for c in vuln if not hit[c.name]),
                              tuple(c.name for c in safe if hit[c.name])))
    return out


def mean(scores: Sequence[ClassScore]) -> float:
    return sum(s.score for s in scores) / len(scores) if scores else 0.0


def table(scores: Sequence[ClassScore]) -> str:
    """The per-class table, one line each, and the mean."""
    lines = [f"{'class':<20} {'CWE':<9} {'TP':>3} {'FN':>3} {'FP':>3} {'TN':>3} {'TPR':>5} {'FPR':>5} "
             f"{'score':>6}  missed / false alarms"]
    for s in scores:
        notes = ", ".join([*(f"-{m}" for m in s.missed), *(f"+{f}" for f in s.false_alarms)])
        lines.append(f"{s.cls:<20} {s.cwe:<9} {s.tp:>3} {s.fn:>3} {s.fp:>3} {s.tn:>3} {s.tpr:>5.2f} "
                     f"{s.fpr:>5.2f} {s.score:>+6.2f}  {notes}")
    lines.append(f"{'mean':<20} {'':<9} {'':>19} {'':>5} {'':>5} {mean(scores):>+6.2f}")
    return "\n".join(lines)
