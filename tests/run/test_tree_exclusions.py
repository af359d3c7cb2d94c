"""Nothing tracked is skipped silently: default exclusions apply to real virtual environments and to
dependency folders git does not track; the output folder loses only secscan's own reports; every path
left out is named by reason; a tracked folder that looks like secscan's canary is never deleted."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from run_cli import run_cli

from secscan.run.files import tracked_dirs, walk

EVAL = "def f(x):\n    return eval(x)\n"
pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bandit") is None,
                                reason="git and bandit are needed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


def _scan(target: Path, out: Path) -> dict[str, object]:
    code, doc = run_cli("sast", target, out, "--scanners", "bandit", "--offline", "--quiet",
                        "--format", "json", "--fail-on", "medium")
    doc["exit_code"] = code
    return doc


def _paths(doc: dict[str, object]) -> set[str]:
    return {f["location"]["path"] for f in doc["findings"] if f["rule_id"] == "B307"}  # type: ignore[index,union-attr]


def test_tracked_code_in_default_excluded_names_is_scanned(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    hidden = ["node_modules/evil.py", "venv/tool.py", "pkg/.eggs/e.py", "reports/app.py",
              "src/__pycache__/p.py"]
    (repo / ".secscan-canary-old").mkdir(parents=True)  # a tracked look-alike of secscan's canary folder
    (repo / ".secscan-canary-old" / "c.py").write_text(EVAL)
    for rel in hidden:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(EVAL)
    old = time.time() - 7 * 3600  # older than the stale-canary limit
    os.utime(repo / ".secscan-canary-old", (old, old))
    _git(repo, "init", "-q")
    _git(repo, "add", "-f", ".")
    _git(repo, "commit", "-qm", "x")
    doc = _scan(repo, repo / "reports")
    assert _paths(doc) == set(hidden) | {".secscan-canary-old/c.py"}  # a look-alike hides nothing
    assert doc["exit_code"] == 1
    assert (repo / ".secscan-canary-old" / "c.py").is_file()  # a tracked look-alike is never deleted


def test_untracked_dependency_folders_and_venvs_are_left_out_and_named(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "app.py").parent.mkdir(parents=True)
    (repo / "app.py").write_text("x = 1\n")
    for rel in ("node_modules/lib.py", "env/lib/site.py", "build/.tox/t.py"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(EVAL)
    (repo / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")  # a real venv, whatever its name
    _git(repo, "init", "-q")
    _git(repo, "add", "app.py")
    _git(repo, "commit", "-qm", "x")
    doc = _scan(repo, tmp_path / "out")
    assert _paths(doc) == set() and doc["exit_code"] == 0
    notes = "\n".join(doc["notes"])  # type: ignore[arg-type]
    assert "virtual environment (pyvenv.cfg): 1 path(s): env/" in notes
    assert "dependency or cache folder (nothing tracked by git): 2 path(s)" in notes
    assert "node_modules/" in notes and "build/.tox/" in notes


def test_output_folder_loses_only_secscans_own_reports(tmp_path: Path) -> None:
    target = tmp_path / "t"
    (target / "reports").mkdir(parents=True)
    (target / "reports" / "secscan.json").write_text('{"old": "report"}\n')
    (target / "reports" / "gen.py").write_text(EVAL)
    doc = _scan(target, target / "reports")
    assert _paths(doc) == {"reports/gen.py"}
    assert any("secscan's output folder: 1 path(s): reports/secscan.json" in n
               for n in doc["notes"])  # type: ignore[union-attr]


def test_walk_records_each_reason() -> None:
    assert tracked_dirs(["a/b/c.py", "d.py"]) == {"a", "a/b"}


def test_walk_outside_git_keeps_name_rules(tmp_path: Path) -> None:
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.js").write_text("x")
    (tmp_path / ".git").mkdir()
    fs = walk(tmp_path, ("*.tmp",))
    assert fs.files == [] and set(fs.excluded_by) == {"version-control folder",
                                                     "dependency or cache folder (nothing tracked by git)"}
