"""A scanner that runs, exits 0 and prints a well-formed empty result is failed by its canary, never clean."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import scanner

import secscan.run.engine
from secscan.cli.main import main
from secscan.core.options import ScanOptions
from secscan.formats.json_report import validate
from secscan.run.engine import scan

EMPTY = {
    "bandit": '{"errors": [], "generated_at": "2026-01-01T00:00:00Z", "metrics": {"_totals": {"loc": 0}}, '
              '"results": []}',
    "semgrep": '{"version": "1.185.0", "results": [], "errors": [], "paths": {"scanned": []}}',
    "detect-secrets": '{"version": "1.5.0", "plugins_used": [{"name": "AWSKeyDetector"}], '
                      '"filters_used": [], "results": {}, "generated_at": "2026-01-01T00:00:00Z"}',
}
COMMAND = {"bandit": "sast", "semgrep": "sast", "detect-secrets": "secrets"}

# A detect-secrets that reports the canary's AWS key (the last argument) but logs no file it checked.
CANARY_ONLY_DS = f'''case "$1" in --version) echo "1.5.0"; exit 0;; esac
exec {sys.executable} - "$@" <<'PYEOF'
import json, sys
canary = sys.argv[-1]
print(json.dumps({{"version": "1.5.0", "plugins_used": [{{"name": "AWSKeyDetector"}}], "filters_used": [],
    "results": {{canary: [{{"type": "AWS Access Key", "filename": canary, "hashed_secret": "0" * 40,
                            "is_verified": False, "line_number": 2}}]}}}}))
print("[scan]\\tINFO\\tChecking file: " + canary, file=sys.stderr)
PYEOF
'''


def fake_tool(fake_bin: Callable[[str, str], Path], name: str, body: str) -> None:
    fake_bin(name, f'case "$1" in --version) echo "{name} 9.9.9"; exit 0;; esac\n{body}\n')


def run_cli(args: list[str], out: Path) -> tuple[int, dict]:
    code = main([*args, "--output-dir", str(out), "--no-cache", "--quiet", "--format", "json"])
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    return code, report


@pytest.fixture
def tree(insecure_tree: Path) -> Path:
    (insecure_tree / "settings.ini").write_text("[app]\nname = demo\n", "utf-8")
    return insecure_tree


@pytest.mark.parametrize("tool", ["bandit", "semgrep", "detect-secrets"])
def test_fake_empty_result_is_failed_by_the_canary(fake_bin: Callable[[str, str], Path], tree: Path,
                                                    tmp_path: Path, tool: str) -> None:
    fake_tool(fake_bin, tool, f"echo '{EMPTY[tool]}'; exit 0")
    code, rep = run_cli([COMMAND[tool], str(tree), "--scanners", tool], tmp_path / "out")
    s = scanner(rep, tool)
    assert s["status"] == "failed" and s["canary"] == "missing", s
    assert s["reason"].startswith("canary not detected: expected"), s
    assert code == 3 and rep["incomplete"] is True


@pytest.mark.parametrize("tool", ["bandit", "semgrep", "detect-secrets"])
def test_fake_wrapper_swallowing_its_tool_in_a_full_run(fake_bin: Callable[[str, str], Path], tree: Path,
                                                         tmp_path: Path, tool: str) -> None:
    """The same wrapper inside `secscan all` (not only when the scanner is named)."""
    for other in ("bandit", "semgrep", "detect-secrets"):
        fake_tool(fake_bin, other, f"echo '{EMPTY[other]}'; exit 0")
    code, rep = run_cli(["all", str(tree), "--offline"], tmp_path / "out")
    assert scanner(rep, tool)["status"] == "failed" and "canary not detected" in scanner(rep, tool)["reason"]
    assert scanner(rep, "secscan-secrets")["status"] == "ok"
    assert code == 3


def test_detect_secrets_file_count_is_measured_not_assumed(fake_bin: Callable[[str, str], Path], tree: Path,
                                                            tmp_path: Path) -> None:
    fake_bin("detect-secrets", CANARY_ONLY_DS)
    code, rep = run_cli(["secrets", str(tree), "--scanners", "detect-secrets"], tmp_path / "out")
    s = scanner(rep, "detect-secrets")
    assert s["canary"] == "detected"
    assert s["status"] == "partial" and "checked 0 of 3 file(s)" in s["reason"], s
    assert s["coverage"]["files_scanned"] == 0 and s["coverage"]["files_unaccounted"] == 3
    assert code == 3


def test_no_canary_is_said_in_the_report(fake_bin: Callable[[str, str], Path], tree: Path,
                                         tmp_path: Path) -> None:
    fake_tool(fake_bin, "detect-secrets", f"echo '{EMPTY['detect-secrets']}'; exit 0")
    args = ["secrets", str(tree), "--scanners", "detect-secrets", "--no-canary"]
    code, rep = run_cli(args, tmp_path / "out")
    s = scanner(rep, "detect-secrets")
    assert s["canary"] == "disabled" and any("--no-canary" in n for n in rep["notes"])
    assert s["status"] == "partial" and code == 3  # the file count still gives it away


def _secscan_secrets(tree: Path, patterns: Path) -> tuple[int, dict]:
    opts = ScanOptions(target=tree, command="secrets", scanners=("secscan-secrets",), use_cache=False,
                       extra={"secret_patterns": str(patterns)})
    result = scan(opts)
    s = next(s for s in result.scanners if s.name == "secscan-secrets")
    return result.gate.exit_code, {"status": s.status.value, "reason": s.reason, "canary": s.canary}


UNRELATED_PATTERN = """patterns:
  - id: never-matches
    title: never matches anything real
    severity: high
    regex: '(zzzq-[0-9]{40}-qzzz)'
    keywords: [zzzq]
"""


@pytest.mark.parametrize(("content", "reason"), [
    ("", "secret patterns unusable"),
    ("patterns: []\n", "secret patterns unusable"),
    ("patterns: [unclosed\n", "secret patterns unusable"),
    (UNRELATED_PATTERN, "canary not detected: expected all of secscan.aws-access-key-id"),
])
def test_secscan_secrets_broken_patterns_file(tree: Path, tmp_path: Path, content: str, reason: str) -> None:
    patterns = tmp_path / "patterns.yaml"
    patterns.write_text(content, "utf-8")
    code, s = _secscan_secrets(tree, patterns)
    assert s["status"] == "failed" and reason in (s["reason"] or ""), s
    assert code == 3


def test_secscan_secrets_canary_works_with_the_bundled_patterns(tree: Path) -> None:
    from secscan.analyzers.secrets.patterns import default_patterns_file

    code, s = _secscan_secrets(tree, default_patterns_file())
    assert s["status"] == "ok" and s["canary"] == "detected" and code == 0


def _outside_canary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Make the engine's canary folder fall back outside the target, as for a read-only target."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setattr(secscan.run.engine, "_canary_dir",
                        lambda target: Path(tempfile.mkdtemp(prefix=".secscan-canary-", dir=elsewhere)))
    return elsewhere


@pytest.mark.slow
def test_read_only_target_detect_secrets_checks_its_canary_in_a_second_run(
        monkeypatch: pytest.MonkeyPatch, tree: Path, tmp_path: Path) -> None:
    if shutil.which("detect-secrets") is None:
        pytest.skip("detect-secrets is not installed")
    elsewhere = _outside_canary(monkeypatch, tmp_path)
    args = ["secrets", str(tree), "--scanners", "detect-secrets,secscan-secrets"]
    code, rep = run_cli(args, tmp_path / "out")
    ds = scanner(rep, "detect-secrets")
    assert ds["status"] == "ok" and ds["canary"] == "detected", ds
    assert "not writable" in ds["evidence"]["canary_run"]
    assert ds["coverage"]["files_scanned"] == 3
    assert scanner(rep, "secscan-secrets")["canary"] == "detected"
    assert not any(p.name.startswith(".secscan-canary") for p in tree.iterdir())
    assert not list(elsewhere.iterdir())  # cleaned up
    assert code == 0


def test_read_only_target_fake_detect_secrets_still_fails(fake_bin: Callable[[str, str], Path],
                                                          monkeypatch: pytest.MonkeyPatch, tree: Path,
                                                          tmp_path: Path) -> None:
    _outside_canary(monkeypatch, tmp_path)
    fake_tool(fake_bin, "detect-secrets", f"echo '{EMPTY['detect-secrets']}'; exit 0")
    code, rep = run_cli(["secrets", str(tree), "--scanners", "detect-secrets"], tmp_path / "out")
    s = scanner(rep, "detect-secrets")
    assert s["status"] == "failed" and "canary not detected" in s["reason"] and code == 3


def test_read_only_target_falls_back_through_os_access(monkeypatch: pytest.MonkeyPatch, tree: Path) -> None:
    real_access = secscan.run.engine.os.access
    monkeypatch.setattr(secscan.run.engine.os, "access",
                        lambda p, mode: False if Path(p) == tree else real_access(p, mode))
    folder = secscan.run.engine._canary_dir(tree)
    try:
        assert not folder.is_relative_to(tree) and folder.name.startswith(".secscan-canary-")
    finally:
        shutil.rmtree(folder)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_path_fails_a_blind_detect_secrets(fake_bin: Callable[[str, str], Path], tree: Path,
                                                      tmp_path: Path) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for argv in (["init", "-q"], ["add", "settings.ini", "app.py"]):
        subprocess.run(["git", *argv], cwd=tree, check=True, env={**env, "PATH": "/usr/bin:/bin"})
    fake_tool(fake_bin, "detect-secrets", f"echo '{EMPTY['detect-secrets']}'; exit 0")
    code, rep = run_cli(["secrets", "--staged", str(tree)], tmp_path / "out")
    s = scanner(rep, "detect-secrets")
    assert s["status"] == "failed" and "canary not detected" in s["reason"], s
    assert scanner(rep, "secscan-secrets")["canary"] == "detected"
    assert code == 3
