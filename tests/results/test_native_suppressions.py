"""Tool-native suppressions are accountable: bandit's # nosec and semgrep's # nosemgrep no longer drop
findings silently. bandit runs with --ignore-nosec and semgrep with --disable-nosem; the markers become
secscan suppressions "inline marker without reason" (visible in every report, counted), a marker a change
adds under --changed-since is not honoured, and [tool.bandit] skips are listed in the configuration section.
Real bandit, real semgrep, real git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import scanner
from run_cli import run_cli

from secscan.config import changed
from secscan.core.model import Category, Finding, Location, Severity
from secscan.core.provenance import MergedSource, NativeMarker
from secscan.results import triage

pytestmark = pytest.mark.slow
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
PLAIN = "import pickle\n\n\ndef load(x, b):\n    eval(x)\n    return pickle.loads(b)\n"
MARKED = "import pickle\n\n\ndef load(x, b):\n    eval(x)  # nosec\n    return pickle.loads(b)  # nosemgrep\n"
FORMATS = ("--format", "json,md,html,sarif,gitlab")


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECSCAN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))
    for name, _form in changed.CI_BASES:
        monkeypatch.delenv(name, raising=False)


def git(root: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)


def tree(tmp_path: Path, code: str, pyproject: str | None = None) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text(code, "utf-8")
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject, "utf-8")
    return root


def sast(root: Path, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    return run_cli("sast", root, out, "--fail-on", "high", "--quiet", *FORMATS, *extra)


def at(rep: dict[str, Any], line: int) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in rep["findings"] if f["location"]["start_line"] == line
                                 and "semgrep" in f["sources"])
    return found


def test_nosec_and_nosemgrep_are_suppressions_without_reason_in_every_report(tmp_path: Path) -> None:
    root = tree(tmp_path, MARKED)
    out = tmp_path / "out"
    code, rep = sast(root, out)
    for name in ("bandit", "semgrep"):
        s = scanner(rep, name)
        assert s["status"] == "ok" and s["canary"] == "detected", s
    nosec, nosem = at(rep, 5), at(rep, 6)
    assert nosec["suppressed"] and nosec["suppression"] == {
        "kind": "inline", "reason": "inline marker without reason (# nosec)", "owner": None, "expires": None,
        "expired": False, "source": "app.py:5 # nosec"}
    assert nosem["suppressed"]
    assert nosem["suppression"]["reason"] == "inline marker without reason (# nosemgrep)"
    assert nosem["suppression"]["source"] == "app.py:6 # nosemgrep"
    assert {"bandit", "semgrep"} <= set(nosec["sources"])  # bandit reported it despite the # nosec
    assert rep["summary"]["suppressed"] == {"total": 2, "inline_marker_without_reason": 2}
    assert any(n.startswith("2 finding(s) suppressed by a tool's inline marker without a reason "
                            "(# nosec: 1, # nosemgrep: 1)") for n in rep["notes"])
    assert rep["summary"]["counts"]["high"] == 0 and code == 0
    md = (out / "secscan.md").read_text("utf-8")
    assert r"inline marker without reason (\# nosec)" in md and r"app.py:6 \# nosemgrep" in md
    assert "inline marker without reason (# nosemgrep)" in (out / "secscan.html").read_text("utf-8")
    sarif = json.loads((out / "secscan.sarif").read_text("utf-8"))
    sups = [r.get("suppressions") for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert any("inline marker without reason (# nosec)" in json.dumps(s) for s in sups)
    gitlab = (out / "gl-sast-report.json").read_text("utf-8")
    assert "inline marker without reason" in gitlab


def test_without_markers_the_same_tree_fails(tmp_path: Path) -> None:
    code, rep = sast(tree(tmp_path, PLAIN), tmp_path / "out")
    assert rep["summary"]["suppressed"]["total"] == 0 and code == 1


def test_markers_a_change_adds_are_not_honoured(tmp_path: Path) -> None:
    root = tree(tmp_path, PLAIN)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    (root / "app.py").write_text(MARKED, "utf-8")  # the change adds the markers
    code, rep = sast(root, tmp_path / "a", "--changed-since", "HEAD")
    nosec, nosem = at(rep, 5), at(rep, 6)
    for f in (nosec, nosem):
        assert not f["suppressed"] and not f["pre_existing"] and f["suppression"] is None, f
    why = "the change adds app.py:5 # nosec without a reason"
    assert nosec["properties"]["native_marker_not_honoured"] == why
    assert any(n.startswith("2 inline marker(s) without a reason on changed lines were not honoured")
               for n in rep["notes"])
    assert rep["summary"]["suppressed"]["inline_marker_without_reason"] == 0 and code == 1
    git(root, "commit", "-qam", "markers")  # once reviewed and committed, they are honoured again
    (root / "other.py").write_text("x = 1\n", "utf-8")
    code, rep = sast(root, tmp_path / "b", "--changed-since", "HEAD")
    assert at(rep, 5)["suppressed"] and at(rep, 6)["suppressed"] and code == 0


BANDIT_SKIPS = '[project]\nname = "demo"\n\n[tool.bandit]\nskips = ["B307"]\n'


def test_bandit_skips_are_listed_with_their_source_and_still_applied(tmp_path: Path) -> None:
    root = tree(tmp_path, PLAIN, BANDIT_SKIPS)
    out = tmp_path / "out"
    _code, rep = sast(root, out)
    (setting,) = [s for s in rep["configuration"]["settings"] if s["name"] == "[tool.bandit] skips"]
    assert setting == {"name": "[tool.bandit] skips", "value": ["B307"], "source": "tree",
                       "trust": "weakens-gate", "status": "applied", "change": None, "file": "pyproject.toml",
                       "line": 5, "reason": setting["reason"]}
    assert "bandit runs none of these tests" in setting["reason"]
    assert scanner(rep, "bandit")["canary"] == "detected"  # B307 is not among the canary's tests
    hits = [m["rule_id"] for f in rep["findings"] for m in f["properties"].get("merged_from", [])]
    assert "B307" not in hits and "B301" in hits  # bandit still skips B307: secscan changes nothing
    assert r"\[tool.bandit\] skips" in (out / "secscan.md").read_text("utf-8")


def test_a_reason_given_in_secscan_wins_over_the_tools_marker(tmp_path: Path) -> None:
    code, rep = sast(tree(tmp_path, MARKED.replace("# nosec", "# nosec  # secscan: ignore[B307] input is a "
                                                              "literal")), tmp_path / "out")
    assert at(rep, 5)["suppression"]["reason"] == "input is a literal"
    assert rep["summary"]["suppressed"] == {"total": 2, "inline_marker_without_reason": 1} and code == 0


def test_a_marker_of_a_tool_that_did_not_report_the_finding_suppresses_nothing() -> None:
    """A detect-secrets finding on a # nosec line keeps counting: only bandit's own hits carry the marker."""
    secret = Finding("KeywordDetector", "t", "m", Severity.HIGH, "high", Category.SECRET, ("detect-secrets",),
                     location=Location("app.py", 5, 5))
    assert triage.native_markers(secret) is None
    marked = secret.with_(native_marker=NativeMarker("# nosec", 5, "# nosec"))
    merged = secret.with_(merged_from=(MergedSource("detect-secrets", "K", "high"),))
    assert triage.native_markers(marked) and triage.native_markers(merged) is None


def test_secscan_entries_win_and_an_expired_one_leaves_the_marker(tmp_path: Path) -> None:
    from datetime import date

    from secscan.results import changes

    f = Finding("B307", "t", "m", Severity.HIGH, "MEDIUM", Category.SAST, ("bandit",),
                location=Location("app.py", 5, 5), native_marker=NativeMarker("# nosec", 5, "# nosec B307"))
    entry = triage.Rule("config", "reviewed", "B307")
    (kept,), _stale, notes = triage.apply([f], [entry], tmp_path, today=date(2026, 1, 1))
    assert kept.suppression is not None and kept.suppression.reason == "reviewed" and not notes
    lapsed = triage.Rule("config", "reviewed", "B307", expires=date(2025, 1, 1))
    (kept,), _stale, _notes = triage.apply([f], [lapsed], tmp_path, today=date(2026, 1, 1))
    assert kept.suppressed and kept.suppression is not None
    assert (kept.suppression.reason, kept.suppression.source) == ("inline marker without reason (# nosec)",
                                                                  "app.py:5 # nosec B307")
    assert triage.marker_note([kept])[0].startswith("1 finding(s) suppressed by a tool's inline marker")
    same, notes = changes.unhonoured_markers([kept], changes.Changes({"app.py": {4, 6}}))
    assert same == [kept] and notes == []
    (counted,), notes = changes.unhonoured_markers([kept], changes.Changes({"app.py": {5}}))
    assert not counted.suppressed and counted.counts_for_gate and len(notes) == 1
