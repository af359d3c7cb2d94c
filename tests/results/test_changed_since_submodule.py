"""--changed-since: code inside a submodule the change adds (or moves to another commit) is new code."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.process.runner import Runner
from secscan.results.changes import _submodules, collect

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bandit") is None,
                                reason="git and bandit are needed")


def _git(cwd: Path, *args: str) -> str:
    config = ("-c", "user.name=t", "-c", "user.email=t@t", "-c", "protocol.file.allow=always")
    return subprocess.run(["git", *config, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_code_in_an_added_submodule_counts_for_the_gate(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "evil.py").write_text("import pickle\n\n\ndef load(b):\n    return pickle.loads(b)\n")
    _git(lib, "init", "-q")
    _git(lib, "add", ".")
    _git(lib, "commit", "-qm", "lib")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("x = 1\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD").strip()
    _git(repo, "submodule", "add", "-q", str(lib), "vendor/lib")
    _git(repo, "commit", "-qm", "add a submodule")
    changes = collect(repo, base, Runner())
    assert changes.trees == {"vendor/lib"}
    out = tmp_path / "out"
    code = main(["sast", str(repo), "--scanners", "bandit", "--changed-since", base, "--offline",
                 "--no-cache", "--quiet", "--format", "json", "--output-dir", str(out),
                 "--fail-on", "medium"])
    doc = json.loads((out / "secscan.json").read_text())
    (pickle,) = [f for f in doc["findings"] if f["rule_id"] == "B301"]
    assert pickle["location"]["path"] == "vendor/lib/evil.py" and not pickle.get("pre_existing")
    assert code == 1


def test_raw_diff_reading() -> None:
    raw = (":000000 160000 0000000 1111111 A\0vendor/lib\0:100644 100644 2222222 3333333 M\0app.py\0"
           ":160000 000000 4444444 0000000 D\0old/sub\0:160000 160000 5555555 6666666 R100\0a/s\0b/s\0")
    assert _submodules(raw) == {"vendor/lib", "b/s"}
