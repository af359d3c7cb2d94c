"""Canary findings are recognised by this run's canary folder (and secscan's own marked, untracked ones),
never by a folder name: a tree that commits `.secscan-canary-x/` cannot hide what is in it from trivy,
detect-secrets or secscan-secrets, nor keep it out of trivy's cache key."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import scanner
from run_cli import run_cli
from secret_samples import positive_samples

from secscan.scanners.detect_secrets import log_coverage, read_log
from secscan.scanners.interface import ScanContext, in_canary_dir
from secscan.scanners.trivy import TrivyFsScanner

LOOKALIKE = ".secscan-canary-old"
GH = next(s for s in positive_samples() if s.pattern == "github-pat")
AWS_ID = "AKIA" + "Z7QW3RTY5UIO2PLK"  # a key id of the AWS shape, not the canary's

# A stand-in for trivy: every file under the target holding an AWS key id is one secret finding.
FAKE_TRIVY = f"""
case "$1" in --version) echo "Version: 0.58.1"; exit 0;; esac
for last; do :; done
exec {sys.executable} - "$last" <<'PY'
import json, os, sys
root = sys.argv[1]
results = []
for folder, dirs, names in os.walk(root):
    dirs[:] = [d for d in dirs if d != ".git"]
    for name in names:
        path = os.path.join(folder, name)
        with open(path, errors="replace") as fh:
            if "AKIA" in fh.read():
                results.append({{"Target": os.path.relpath(path, root), "Class": "secret", "Secrets": [
                    {{"RuleID": "aws-access-key-id", "Category": "AWS", "Severity": "CRITICAL",
                      "Title": "AWS Access Key ID", "StartLine": 1, "EndLine": 1}}]}})
print(json.dumps({{"SchemaVersion": 2, "ArtifactName": root, "ArtifactType": "filesystem",
                  "Results": results}}))
PY
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)


def _tree(tmp_path: Path, body: str) -> Path:
    repo = tmp_path / "repo"
    (repo / LOOKALIKE).mkdir(parents=True)
    (repo / LOOKALIKE / "creds.ini").write_text(body, "utf-8")
    (repo / "app.py").write_text("x = 1\n", "utf-8")
    if shutil.which("git"):
        _git(repo, "init", "-q")
        _git(repo, "add", "-f", ".")
        _git(repo, "commit", "-qm", "x")
    return repo


def _paths(rep: dict[str, object], source: str) -> set[str]:
    return {f["location"]["path"] for f in rep["findings"]  # type: ignore[index,union-attr]
            if source in f["sources"]}  # type: ignore[index]


def test_in_canary_dir_is_by_folder_not_by_name() -> None:
    mine = (".secscan-canary-ab12", "/tmp/.secscan-canary-cd34")
    assert in_canary_dir(".secscan-canary-ab12/trivy/c.ini", mine)
    assert in_canary_dir("/tmp/.secscan-canary-cd34/bandit/canary_bandit.py", mine)
    assert not in_canary_dir(".secscan-canary-old/c.py", mine)
    assert not in_canary_dir(".secscan-canary-ab12x/c.py", mine)
    assert not in_canary_dir("src/.secscan-canary-ab12/c.py", mine)
    assert not in_canary_dir(".secscan-canary-ab12/c.py", ())


def test_detect_secrets_log_counts_a_lookalike_folder() -> None:
    log = read_log(f"[scan]\tINFO\tChecking file: {LOOKALIKE}/c.ini\n"
                   "[scan]\tINFO\tChecking file: .secscan-canary-ab12/detect-secrets/canary_credentials.ini\n"
                   .encode())
    cov = log_coverage(log, 1, (".secscan-canary-ab12/detect-secrets",))
    assert cov["files_scanned"] == 1 and cov["files_unaccounted"] == 0


def test_trivy_cache_key_covers_a_lookalike_folder(tmp_path: Path) -> None:
    (tmp_path / LOOKALIKE).mkdir()
    (tmp_path / LOOKALIKE / "c.ini").write_text("x", "utf-8")
    (tmp_path / ".secscan-canary-ab12").mkdir()
    (tmp_path / ".secscan-canary-ab12" / "c.ini").write_text("x", "utf-8")
    ctx = ScanContext(tmp_path, canary_dirs=(".secscan-canary-ab12",))
    inputs = {p.relative_to(tmp_path).as_posix() for p in TrivyFsScanner().cache_inputs(ctx, [])}
    assert inputs == {f"{LOOKALIKE}/c.ini"}


def test_trivy_reports_a_secret_in_a_lookalike_folder(fake_bin: Callable[[str, str], Path],
                                                     tmp_path: Path) -> None:
    fake_bin("trivy", FAKE_TRIVY)
    repo = _tree(tmp_path, f"[default]\naws_access_key_id = {AWS_ID}\n")
    code, rep = run_cli("all", repo, tmp_path / "out", "--scanners", "trivy", "--offline")
    s = scanner(rep, "trivy")
    assert s["status"] == "ok" and s["canary"] == "detected", s
    assert _paths(rep, "trivy") == {f"{LOOKALIKE}/creds.ini"} and code == 1


@pytest.mark.skipif(shutil.which("detect-secrets") is None, reason="detect-secrets is not installed")
def test_secret_scanners_report_a_secret_in_a_lookalike_folder(tmp_path: Path) -> None:
    repo = _tree(tmp_path, f"[github]\n{GH.line}\n")
    code, rep = run_cli("secrets", repo, tmp_path / "out", "--scanners", "detect-secrets,secscan-secrets")
    for name in ("detect-secrets", "secscan-secrets"):
        s = scanner(rep, name)
        assert s["status"] == "ok" and s["canary"] == "detected", s
        assert _paths(rep, name) == {f"{LOOKALIKE}/creds.ini"}, json.dumps(rep["findings"])
    assert scanner(rep, "detect-secrets")["coverage"]["files_scanned"] == 2
    assert code == 1
