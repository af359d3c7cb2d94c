"""bandit's # nosec and semgrep's # nosemgrep, read the way the tools read them: the findings secscan marks
in a run with --ignore-nosec / --disable-nosem are exactly the ones the real tool drops without the flag."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from secscan.core.model import Category, Finding, Location, Severity
from secscan.core.provenance import NativeMarker
from secscan.core.resources import rules_path
from secscan.parsers import bandit as bandit_parser
from secscan.parsers import semgrep as semgrep_parser
from secscan.scanners.bandit import IGNORE_NOSEC
from secscan.scanners.native_markers import (
    bandit_marker,
    mark_bandit,
    mark_semgrep,
    nosec_tests,
    python_comments,
    semgrep_marker,
)
from secscan.scanners.semgrep import DISABLE_NOSEM, OFFLINE_FLAGS

NOSEC_CASES = """\
def f(x):
    eval(x)  # nosec
    eval(x)  #nosec
    eval(x)  # nosec B307
    eval(x)  # nosec: B102
    eval(x)  # nosec eval
    eval(x)  # nosec because it is safe
    eval(x, "# nosec")
    eval(
        x)  # nosec
    eval(x)  # NOSEC
    eval(x)  # nosec exec_used
    eval(x)  # nosec B102, B307
    # nosec
    eval(x)
    eval(x)  # noqa  # nosec
"""
NOSEM_CASES = """\
import pickle


def f(b):
    pickle.loads(b)  # nosemgrep
    pickle.loads(b)  #nosemgrep
    pickle.loads(b)  # nosemgrep: pickle-loads
    pickle.loads(b)  # nosemgrep: secscan.python.pickle-loads
    pickle.loads(b)  # nosemgrep: other-rule
    # nosemgrep
    pickle.loads(b)
    pickle.loads(b, " nosemgrep")
    pickle.loads(b)  # NOSEM
    pickle.loads(b)  # nosemgrep because it's safe
    pickle.loads(b)  # nosemgrep:python.pickle-loads
    pickle.loads(
        b)  # nosemgrep
    x = 1  # nosemgrep
    pickle.loads(b)
"""


def sast(rule: str, line: int, end: int | None = None) -> Finding:
    return Finding(rule, "t", "m", Severity.HIGH, "HIGH", Category.SAST, ("bandit",),
                   location=Location("a.py", line, end or line))


def test_nosec_comments_as_bandit_reads_them() -> None:
    assert nosec_tests("# nosec") == frozenset()
    assert nosec_tests("# nosec B307") == {"B307"}
    assert nosec_tests("# nosec: eval, exec_used") == {"B307", "B102"}
    assert nosec_tests("# nosec because it is safe") == frozenset()  # no test named: every test
    assert nosec_tests("# nosec B999") == frozenset()  # unknown ids are ignored, as bandit does
    assert nosec_tests("# noqa") is None and nosec_tests("# NOSEC") is None
    comments = python_comments('x = "# nosec"\ny = 1  # nosec B101\n')
    assert comments == {2: "# nosec B101"}
    found = bandit_marker(comments, sast("B101", 2))
    assert found == NativeMarker("# nosec", 2, "# nosec B101")
    assert bandit_marker(comments, sast("B307", 2)) is None
    assert bandit_marker(comments, sast("B101", 1)) is None
    assert bandit_marker({3: "# nosec"}, sast("B307", 2, 3)) is not None  # anywhere in the node's lines


def test_nosemgrep_comments_as_semgrep_reads_them() -> None:
    lines = ["a()  # nosemgrep: rule-x", "# nosemgrep", "b()", "c()  # nosem=other"]

    def at(line: int, rule: str = "p.secscan.rule-x") -> NativeMarker | None:
        return semgrep_marker(lines, sast(rule, line))

    assert at(1) == NativeMarker("# nosemgrep", 1, "# nosemgrep: rule-x")
    assert at(1, "p.secscan.rule-y") is None
    assert at(3) == NativeMarker("# nosemgrep", 2, "# nosemgrep")  # alone on the line above
    assert at(4) is None and at(4, "x.other") is not None


@pytest.mark.slow
def test_marked_findings_are_exactly_those_real_bandit_drops(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_text(NOSEC_CASES, "utf-8")

    def run(*flags: str) -> tuple[Finding, ...]:
        out = subprocess.run(["bandit", "-f", "json", "-q", *flags, "w.py"], cwd=tmp_path,
                             capture_output=True, check=False).stdout
        return bandit_parser.parse(out).findings

    everything, kept = run(IGNORE_NOSEC), run()
    marked = {f.location.start_line for f in mark_bandit(tmp_path, everything)
              if f.location and f.native_marker is not None}
    dropped = {f.location.start_line for f in everything if f.location} - {
        f.location.start_line for f in kept if f.location}
    assert marked == dropped == {2, 3, 4, 6, 7, 9, 13, 16}


@pytest.mark.slow
def test_marked_findings_are_exactly_those_real_semgrep_drops(tmp_path: Path) -> None:
    (tmp_path / "v.py").write_text(NOSEM_CASES, "utf-8")

    def run(*flags: str) -> tuple[Finding, ...]:
        out = subprocess.run(["semgrep", "scan", "--config", str(rules_path("semgrep")), "--json",
                              *OFFLINE_FLAGS, "--quiet", *flags, "--", "v.py"], cwd=tmp_path,
                             capture_output=True, check=False,
                             env={**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0"}).stdout
        return tuple(f for f in semgrep_parser.parse(out).findings if "pickle" in f.rule_id)

    everything, kept = run(DISABLE_NOSEM), run()
    marked = {f.location.start_line for f in mark_semgrep(tmp_path, everything)
              if f.location and f.native_marker is not None}
    dropped = {f.location.start_line for f in everything if f.location} - {
        f.location.start_line for f in kept if f.location}
    assert marked == dropped == {5, 7, 8, 11, 12, 13, 14, 15}

