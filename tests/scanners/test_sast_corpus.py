"""secscan's labelled corpus (tests/sast_corpus) scored the OWASP way with the real bandit and semgrep through
``secscan sast``: the mean of true-positive minus false-positive rate over the classes must be +0.6 or more,
no class below +0.3; a code-execution flow from the request is critical and names its source line."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sast_corpus as corpus
from run_cli import run_cli

TAINT_CLASSES = {"sql-injection", "command-injection", "code-injection", "deserialization", "ldap-injection",
                 "xpath-injection", "path-traversal", "xss", "open-redirect", "trust-boundary",
                 "insecure-random", "weak-hash"}


def test_corpus_shape() -> None:
    cases = corpus.load()
    classes = {c.cls for c in cases}
    assert len(classes) >= 14, classes
    for cls in classes:
        mine = [c for c in cases if c.cls == cls]
        assert sum(c.label == "vulnerable" for c in mine) >= 5, cls
        assert sum(c.label == "safe" for c in mine) >= 5, cls
        assert {c.label for c in mine} <= set(corpus.LABELS), cls
        flows = {c.flow for c in mine}
        assert {"local", "fstring", "helper"} <= flows, (cls, flows)
        if cls in TAINT_CLASSES:
            assert "deadbranch" in flows, cls
    assert len({c.path for c in cases}) == len(cases), "two cases share a file name"


def test_scoring_counts_cwe_per_file() -> None:
    cases = [corpus.Case("k", "CWE-89", "vuln_a", "vulnerable", "local", ""),
             corpus.Case("k", "CWE-89", "vuln_b", "vulnerable", "local", ""),
             corpus.Case("k", "CWE-89", "safe_a", "safe", "local", ""),
             corpus.Case("k", "CWE-89", "safe_b", "safe", "local", "")]
    finding = {"location": {"path": "k/vuln_a.py"}, "identifiers": ["CWE-89"]}
    report = {"findings": [finding,
                           {"location": {"path": "k/vuln_b.py"}, "identifiers": ["CWE-78"]},
                           {"location": {"path": "k/safe_a.py"}, "identifiers": ["CWE-89"],
                            "superseded_by": "secscan.python.taint-sql-injection"},
                           {"location": {"path": "k/safe_b.py"}, "identifiers": ["CWE-89"]}]}
    (s,) = corpus.score(cases, report)
    assert (s.tp, s.fn, s.fp, s.tn) == (1, 1, 1, 1)
    assert s.score == 0.0
    (s,) = corpus.score(cases, report, counted=False)
    assert (s.fp, s.tn) == (2, 0)


@pytest.fixture(scope="module")
def corpus_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    for tool in ("bandit", "semgrep"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (it ships with secscan: pip install -e '.[test]')")
    root = tmp_path_factory.mktemp("corpus")
    tree = root / "tree"
    corpus.write(corpus.load(), tree)
    code, report = run_cli("sast", tree, root / "out", "--offline", "--fail-on", "never", "--format", "json",
                           "-q")
    assert code == 0, report["gate"]
    return report


@pytest.mark.slow
def test_corpus_score(corpus_report: dict[str, Any]) -> None:
    scores = corpus.score(corpus.load(), corpus_report)
    by_name = {s.cls: s for s in scores}
    health = {s["name"]: s["status"] for s in corpus_report["scanners"]}
    assert (health["bandit"], health["semgrep"]) == ("ok", "ok"), health
    assert corpus.mean(scores) >= 0.6, corpus.table(scores)
    assert min(s.score for s in scores) >= 0.3, corpus.table(scores)
    assert by_name["command-injection"].fp <= 1, corpus.table(scores)  # B404/B602 on safe code: superseded


@pytest.mark.slow
def test_code_execution_flows_are_critical_with_lines(corpus_report: dict[str, Any]) -> None:
    crit = [f for f in corpus_report["findings"] if f["severity"] == "critical"]
    paths = {f["location"]["path"] for f in crit}
    for cls in ("sql-injection", "command-injection", "code-injection", "deserialization"):
        assert any(p.startswith(cls + "/vuln_") for p in paths), cls
    assert all(p.split("/", 1)[0] in {"sql-injection", "command-injection", "code-injection",
                                      "deserialization"} for p in paths), paths
    for f in crit:
        taint = f["properties"]["taint"]
        assert taint["source"]["line"] <= taint["sink"]["line"] == f["location"]["start_line"], f
        assert "from line" in f["properties"]["severity_evidence"]


@pytest.mark.slow
def test_noisy_pattern_hits_are_superseded_not_dropped(corpus_report: dict[str, Any]) -> None:
    by_place = {(f["location"]["path"], f["rule_id"]): f for f in corpus_report["findings"] if f["location"]}
    import_hit = by_place[("command-injection/safe_quoted.py", "B404")]
    assert import_hit["superseded_by"] == "secscan.python.taint-command-injection"
    assert import_hit["severity"] == "low"  # its own severity, kept
    sql = [f for (p, _r), f in by_place.items() if p == "sql-injection/safe_fstring_constant.py"]
    assert sql and all(f.get("superseded_by") for f in sql if "CWE-89" in f["identifiers"])


def test_corpus_files_are_not_scanned_as_project_code() -> None:
    """The corpus is YAML: secscan's own scan of this repository never sees its deliberately bad code."""
    assert not list(Path(corpus.CORPUS).rglob("*.py"))
