"""Files git ignores: left out by default and said so in the report; --no-git-ignore scans them too."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.scanners import canaries

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def scan(root: Path, out: Path, *extra: str) -> tuple[int, dict]:
    code = main(["secrets", str(root), "--scanners", "secscan-secrets,detect-secrets", "--no-cache",
                 "--quiet", "--format", "json", "--output-dir", str(out), *extra])
    return code, json.loads((out / "secscan.json").read_text("utf-8"))


def test_git_ignored_files_are_reported_as_left_out(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text(".env\n", "utf-8")
    (root / ".env").write_text(canaries.fake_aws_key_file(), "utf-8")
    (root / "app.py").write_text("print(1)\n", "utf-8")
    code, rep = scan(root, tmp_path / "default")
    assert code == 0 and not rep["findings"]
    assert any("1 path(s) git ignores were not scanned" in n for n in rep["notes"]), rep["notes"]
    code, rep = scan(root, tmp_path / "all", "--no-git-ignore")
    paths = {(f["location"]["path"], tuple(sorted(f["sources"]))) for f in rep["findings"]}
    assert any(p == ".env" and "detect-secrets" in s for p, s in paths), paths
    assert code == 1 and not any("git ignores" in n for n in rep["notes"])
