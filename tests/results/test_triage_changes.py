"""Suppressions (config, inline, baseline, expiry, stale) and --changed-since in real git repositories."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from secscan.core.errors import UsageError
from secscan.core.model import Category, Finding, Location, Package, Severity
from secscan.results import changes, triage


def mk(rule: str, path: str, line: int, fp: str = "", **kw: object) -> Finding:
    return Finding(
        rule_id=rule,
        title=rule,
        message="m",
        severity=Severity.HIGH,
        raw_severity="HIGH",
        category=kw.pop("category", Category.SAST),
        sources=("bandit",),  # type: ignore[arg-type]
        location=Location(path, line, line),
        fingerprint=fp or f"fp-{rule}-{path}-{line}",
        **kw,
    )  # type: ignore[arg-type]


def test_config_suppression_expiry_and_stale(tmp_path: Path) -> None:
    rules = [
        triage.rule_from(
            {
                "rule": "B602",
                "path": "tools/*.py",
                "reason": "constant list",
                "owner": "platform",
                "expires": "2027-03-01",
            },
            "config",
            "s1",
        ),
        triage.rule_from({"rule": "B999", "reason": "nothing matches"}, "config", "s2"),
    ]
    fs = [mk("B602", "tools/run.py", 3), mk("B602", "app/run.py", 3)]
    out, stale, _ = triage.apply(fs, rules, tmp_path, today=date(2026, 11, 25))
    assert out[0].suppressed and out[0].suppression and out[0].suppression.owner == "platform"
    assert not out[1].suppressed
    assert [s["rule"] for s in stale] == ["B999"]
    out, _, _ = triage.apply(fs, rules, tmp_path, today=date(2027, 3, 1))
    assert not out[0].suppressed and out[0].suppression and out[0].suppression.expired


def test_suppression_needs_reason() -> None:
    with pytest.raises(UsageError, match="needs a reason"):
        triage.rule_from({"rule": "B602"}, "config", "entry")
    with pytest.raises(UsageError, match="rule or a fingerprint"):
        triage.rule_from({"reason": "x"}, "config", "entry")


def test_inline_ignore_requires_reason(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "x = 1\nsubprocess.call(c, shell=True)  # secscan: ignore[B602] command list is constant\n"
        "subprocess.call(c, shell=True)  # secscan: ignore[B602]\n",
        "utf-8",
    )
    out, _, notes = triage.apply([mk("B602", "a.py", 2), mk("B602", "a.py", 3)], [], tmp_path)
    assert out[0].suppressed and out[0].suppression and out[0].suppression.kind == "inline"
    assert not out[1].suppressed
    assert any("without a reason" in n for n in notes)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@x",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@x",
            "PATH": "/usr/bin:/bin",
            "HOME": str(cwd),
        },
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    _git(r, "init", "-q", "-b", "main")
    (r / "old.py").write_text("a = 1\nb = 2\n", "utf-8")
    (r / "moved.py").write_text("".join(f"line{i} = {i}\n" for i in range(30)), "utf-8")
    (r / "requirements.txt").write_text("requests==2.19.1\n", "utf-8")
    _git(r, "add", "-A")
    _git(r, "commit", "-qm", "one")
    return r


def test_changed_since_lines_renames_staged_untracked(repo: Path) -> None:
    _git(repo, "mv", "moved.py", "renamed.py")
    text = (repo / "renamed.py").read_text("utf-8").replace("line5 = 5", "line5 = 55")
    (repo / "renamed.py").write_text(text, "utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "two")
    (repo / "old.py").write_text("a = 1\nb = 3\n", "utf-8")  # unstaged change on line 2
    (repo / "new.py").write_text("z = 0\n", "utf-8")  # untracked
    ch = changes.collect(repo, "HEAD~1")
    assert ch.touches(mk("R", "renamed.py", 6))
    assert not ch.touches(mk("R", "renamed.py", 20))
    assert ch.touches(mk("R", "old.py", 2)) and not ch.touches(mk("R", "old.py", 1))
    assert ch.touches(mk("R", "new.py", 1))
    dep = mk(
        "PYSEC-1",
        "",
        0,
        category=Category.DEPENDENCY,
        package=Package("requests", "2.19.1", manifest="requirements.txt"),
    )
    assert not ch.touches(dep)
    marked = changes.mark([mk("R", "renamed.py", 20), mk("R", "renamed.py", 6)], ch)
    assert [f.pre_existing for f in marked] == [True, False]


def test_changed_since_unknown_ref(repo: Path) -> None:
    with pytest.raises(UsageError, match="does not know the revision"):
        changes.collect(repo, "no-such-branch")
