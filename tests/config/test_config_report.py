"""Every report says which configuration was in effect (README "Trust model"): each gate-weakening setting
with its source, each refused one with why, in JSON, Markdown, HTML, SARIF and on the terminal; with
--changed-since the settings a change adds or loosens are findings (secscan.config-weakened) that count for
the gate; --strict ignores them. Real secscan runs, real bandit, real git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import scanner
from run_cli import run_cli

from secscan.cli.main import main
from secscan.config import changed
from secscan.core.serialize import result_from_dict, to_dict

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
SHELL = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
WEAKENING = """\
[tool.secscan]
exclude = ["vendor/*"]
scanners = ["mtls", "secscan-secrets"]
severity = { B101 = "info" }
fail_on = "never"
allow_incomplete = true
timeout = 600
timeouts = { mtls = 30 }
offline = true
canary = true
ignore = [{ rule = "B404", reason = "imports are fine" }]

[[tool.secscan.suppress]]
rule = "B602"
reason = "constant command"
"""
LINES = {"exclude": 2, "scanners": 3, "severity": 4, "fail_on": 5, "allow_incomplete": 6, "timeout": 7,
         "timeouts": 8, "offline": 9, "canary": 10, "ignore": 11, "suppress": 13}


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECSCAN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))
    for name, _form in changed.CI_BASES:
        monkeypatch.delenv(name, raising=False)


def run(root: Path, out: Path, *extra: str) -> tuple[int, dict]:
    return run_cli("all", root, out, *extra)


def git(root: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def test_each_gate_weakening_setting_is_listed_with_its_source(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "pr"
    tree.mkdir()
    (tree / "pyproject.toml").write_text(WEAKENING, "utf-8")
    code, rep = run(tree, tmp_path / "out", "--format", "json,md,html,sarif")
    assert code == 0
    settings = {s["name"]: s for s in rep["configuration"]["settings"]}
    assert set(settings) == set(LINES)
    for key, line in LINES.items():
        s = settings[key]
        assert (s["source"], s["status"], s["trust"], s["file"], s["line"]) == (
            "tree", "applied", "weakens-gate", "pyproject.toml", line), key
    assert settings["exclude"]["value"] == ["vendor/*"] and settings["fail_on"]["value"] == "never"
    assert settings["suppress"]["value"] == [{"rule": "B602", "reason": "constant command"}]
    assert rep["configuration"]["files"] == {"tree": "pyproject.toml"}
    md = (tmp_path / "out" / "secscan.md").read_text("utf-8")
    section = md.split("### Configuration in effect", 1)[1].split("\n### ", 1)[0]
    for key, line in LINES.items():
        row = next(r for r in section.splitlines() if r.startswith(f"| {key.replace('_', chr(92) + '_')} |"))
        assert f"the scanned tree (pyproject.toml:{line})" in row and "| applied |" in row, row
    html = (tmp_path / "out" / "secscan.html").read_text("utf-8")
    for key in LINES:
        assert f'data-setting="{key}" data-status="applied"' in html
    sarif = json.loads((tmp_path / "out" / "secscan.sarif").read_text("utf-8"))
    assert sarif["runs"][0]["properties"]["configuration"] == rep["configuration"]
    terminal = [line for line in capsys.readouterr().out.splitlines() if line.startswith("config: ")]
    assert len(terminal) == len(LINES)
    assert 'config: applies fail_on = "never" from the scanned tree (pyproject.toml:5)' in terminal


def test_settings_of_trusted_sources_are_listed_with_theirs(tmp_path: Path) -> None:
    tree, conf = tmp_path / "tree", tmp_path / "ci.toml"
    tree.mkdir()
    (tree / "a.py").write_text("A = 1\n", "utf-8")
    conf.write_text('exclude = ["build/*"]\n', "utf-8")
    code, rep = run(tree, tmp_path / "out", "--scanners", "secscan-secrets", "--config", str(conf),
                    "--fail-on", "never", "--format", "json", "--quiet")
    by_name = {s["name"]: s for s in rep["configuration"]["settings"]}
    assert by_name["exclude"]["source"] == "config-file" and by_name["exclude"]["file"] == str(conf)
    assert by_name["fail_on"]["source"] == "command-line" and by_name["fail_on"]["file"] is None
    assert code == 0


def test_the_configuration_survives_the_json_round_trip(tmp_path: Path) -> None:
    tree = tmp_path / "pr"
    tree.mkdir()
    (tree / "pyproject.toml").write_text(
        '[tool.secscan]\nexclude = ["<script>alert(1)</script>"]\npqc_python = "x"\n', "utf-8")
    _code, rep = run(tree, tmp_path / "out", "--scanners", "secscan-secrets", "--format", "json,md,html")
    assert to_dict(result_from_dict(rep)) == rep
    html = (tmp_path / "out" / "secscan.html").read_text("utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    md = (tmp_path / "out" / "secscan.md").read_text("utf-8")
    assert "<script>" not in md and "refused" in md
    # `secscan report` renders the section again from the JSON
    assert main(["report", str(tmp_path / "out" / "secscan.json"), "--format", "md", "--output-dir",
                 str(tmp_path / "again"), "--quiet"]) == 0
    again = (tmp_path / "again" / "secscan.md").read_text("utf-8")
    assert again.split("### Configuration in effect")[1] == md.split("### Configuration in effect")[1]


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    """A repository (app.py, a [tool.secscan] table) and a change that adds a shell call to app.py and
    excludes app.py in the same pull request."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "app.py").write_text("def run(cmd):\n    return cmd\n", "utf-8")
    (root / "pyproject.toml").write_text('[project]\nname = "app"\n\n[tool.secscan]\njobs = 1\n', "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    base = git(root, "rev-parse", "HEAD")
    (root / "app.py").write_text(SHELL, "utf-8")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\n\n[tool.secscan]\njobs = 1\nexclude = ["app.py"]\n'
        'ignore = [{ rule = "secscan.config-weakened", reason = "nothing to see" }]\n', "utf-8")
    git(root, "commit", "-q", "-am", "the pull request")
    return root, base


def test_changed_since_makes_what_the_change_loosens_a_finding(tmp_path: Path,
                                                              pull_request: tuple[Path, str]) -> None:
    root, base = pull_request
    code, rep = run(root, tmp_path / "out", "--scanners", "bandit", "--changed-since", base, "--fail-on",
                    "medium", "--format", "json,md", "--quiet")
    weakened = [f for f in rep["findings"] if f["rule_id"] == "secscan.config-weakened"]
    assert {f["properties"]["setting"] for f in weakened} == {"exclude", "ignore"}
    exclude = next(f for f in weakened if f["properties"]["setting"] == "exclude")
    assert exclude["location"] == {"path": "pyproject.toml", "start_line": 6, "end_line": 6}
    assert exclude["message"].startswith('this change adds exclude = ["app.py"]')
    assert exclude["severity"] == "medium" and exclude["category"] == "misconfiguration"
    assert not exclude["suppressed"] and not exclude["pre_existing"]  # the tree's own ignore cannot hide it
    assert code == 1 and rep["summary"]["gate"]["exit_code"] == 1
    assert not [f for f in rep["findings"] if f["rule_id"] == "B602"]  # app.py was left out
    assert "secscan.config-weakened" in (tmp_path / "out" / "secscan.md").read_text("utf-8")
    # at --fail-on high the medium findings do not fail the gate
    code, rep = run(root, tmp_path / "out2", "--scanners", "bandit", "--changed-since", base, "--fail-on",
                    "high", "--format", "json", "--quiet", "--allow-incomplete")
    assert code == 0 and any(f["rule_id"] == "secscan.config-weakened" for f in rep["findings"])


def test_strict_ignores_the_exclude_the_change_adds(tmp_path: Path, pull_request: tuple[Path, str]) -> None:
    root, base = pull_request
    code, rep = run(root, tmp_path / "out", "--scanners", "bandit", "--changed-since", base, "--fail-on",
                    "medium", "--format", "json", "--quiet", "--strict")
    assert scanner(rep, "bandit")["status"] == "ok"
    b602 = [f for f in rep["findings"] if f["rule_id"] == "B602"]
    assert b602 and b602[0]["location"]["path"] == "app.py" and not b602[0]["pre_existing"]
    assert not b602[0]["suppressed"]
    assert not [f for f in rep["findings"] if f["rule_id"] == "secscan.config-weakened"]
    ignored = {s["name"]: s for s in rep["configuration"]["settings"] if s["status"] == "ignored"}
    assert set(ignored) == {"exclude", "ignore"} and ignored["exclude"]["value"] == ["app.py"]
    assert rep["configuration"]["strict"] and rep["configuration"]["reference"] == base
    assert code == 1  # B602 (high) in the change counts: the exclusion did not hide it
