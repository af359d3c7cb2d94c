"""A run that read no file at all is incomplete (exit 3) and says why: empty, all excluded, all ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from run_cli import run_cli


def _run(target: Path, out: Path, *extra: str) -> tuple[int, dict[str, object]]:
    return run_cli("secrets", target, out, "--scanners", "secscan-secrets", "--offline", "-q",
                   "--format", "json", *extra)


def _walk(doc: dict[str, object]) -> dict[str, object]:
    return next(s for s in doc["scanners"] if s["name"] == "file-walk")  # type: ignore[union-attr,index]


def test_an_empty_folder_is_incomplete(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, doc = _run(tmp_path / "empty", tmp_path / "out")
    assert code == 3 and _walk(doc)["status"] == "failed"
    assert "nothing was scanned: the folder holds no file" in str(_walk(doc)["reason"])


def test_everything_excluded_is_incomplete_and_says_by_what(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.py").write_text("x = 1\n")
    code, doc = _run(tmp_path / "t", tmp_path / "out", "--exclude", "*.py")
    assert code == 3 and "1 excluded by configuration" in str(_walk(doc)["reason"])


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_everything_ignored_by_git_is_incomplete(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".gitignore").write_text("*\n")
    code, doc = _run(repo, tmp_path / "out")
    assert code == 3 and "ignored by git" in str(_walk(doc)["reason"])


def test_a_folder_with_files_is_not_concerned(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.py").write_text("x = 1\n")
    code, doc = _run(tmp_path / "t", tmp_path / "out")
    assert code == 0 and not [s for s in doc["scanners"] if s["name"] == "file-walk"]  # type: ignore[union-attr,index]
