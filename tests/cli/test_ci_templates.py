"""The copy-ready CI templates under scripts/ci/: valid YAML with the structure the docs promise.

Every `secscan` command line in them is also checked against the contract (known subcommands, known
options, valid --format and --fail-on values), so a renamed option cannot linger in a template.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

CI = Path(__file__).resolve().parents[2] / "scripts" / "ci"

SUBCOMMANDS = {"all", "sast", "deps", "secrets", "import", "container", "pqc", "mtls", "report", "merge",
               "baseline", "doctor"}
OPTIONS = {"--import", "--format", "--output-dir", "--fail-on", "--baseline", "--offline",
           "--allow-incomplete", "--jobs", "--timeout", "--scanners", "--quiet", "--no-canary",
           "--changed-since", "--cache-dir", "--no-cache", "--shard", "--osv-db", "--image",
           "--no-containers", "--config", "--staged", "--strict"}
FORMATS = {"json", "md", "html", "sarif", "gitlab"}
FAIL_ON = {"critical", "high", "medium", "low", "info", "never"}
GITLAB_REPORTS = {
    "sast": "reports/gl-sast-report.json",
    "dependency_scanning": "reports/gl-dependency-scanning-report.json",
    "secret_detection": "reports/gl-secret-detection-report.json",
}


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((CI / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def gh_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    steps = job["steps"]
    assert isinstance(steps, list) and all(isinstance(s, dict) for s in steps)
    return steps


def uses(steps: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [s for s in steps if str(s.get("uses", "")).split("@")[0] == action]


def runs(steps: list[dict[str, Any]]) -> str:
    return "\n".join(str(s.get("run", "")) for s in steps)


def secscan_commands(text: str) -> list[list[str]]:
    """The `secscan ...` invocations in shell text (continuations joined, one per line).

    GitHub expressions lose their inner spaces (`${{ matrix.shard }}` -> `${{matrix.shard}}`) so that
    each stays one word.
    """
    joined = re.sub(r"\\\n\s*", " ", text)
    joined = re.sub(r"\$\{\{\s*(.*?)\s*\}\}", r"${{\1}}", joined)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line.startswith("secscan "):
            out.append(shlex.split(line))
    return out


def gitlab_script(job: dict[str, Any]) -> str:
    return "\n".join(job.get("script", []))


def all_shell_text(name: str) -> str:
    data = load(name)
    if name.startswith("github"):
        return "\n".join(runs(gh_steps(job)) for job in data["jobs"].values())
    return "\n".join(gitlab_script(j) for j in data.values() if isinstance(j, dict) and "script" in j)


def always(step_or_job: dict[str, Any]) -> bool:
    return "always()" in str(step_or_job.get("if", ""))


# ---------------------------------------------------------------- every template

@pytest.mark.parametrize("name", ["github-actions.yml", "github-actions-sharded.yml", "gitlab-ci.yml",
                                  "gitlab-ci-sharded.yml"])
def test_secscan_commands_follow_the_contract(name: str) -> None:
    commands = secscan_commands(all_shell_text(name))
    assert commands, f"{name}: no secscan command"
    for cmd in commands:
        assert cmd[1] in SUBCOMMANDS, cmd
        for word in cmd[2:]:
            if word.startswith("--"):
                assert word.split("=")[0] in OPTIONS, f"{name}: unknown option {word}"
        if "--format" in cmd:
            assert set(cmd[cmd.index("--format") + 1].split(",")) <= FORMATS, cmd
        if "--fail-on" in cmd:
            assert cmd[cmd.index("--fail-on") + 1] in FAIL_ON, cmd
        assert "--offline" not in cmd, "the templates scan online (advisories)"
    assert (CI / name).read_text(encoding="utf-8").lstrip().startswith("#"), "a template starts with comments"


@pytest.mark.parametrize("name", ["github-actions.yml", "github-actions-sharded.yml", "gitlab-ci.yml",
                                  "gitlab-ci-sharded.yml"])
def test_scans_in_the_templates_are_strict(name: str) -> None:
    """A pull request's own [tool.secscan] cannot switch the CI gate off (README "Trust model")."""
    scans = [c for c in secscan_commands(all_shell_text(name)) if c[1] == "all"]
    assert scans and all("--strict" in c and "--trust-tree-config" not in c for c in scans), name


def test_parser_of_commands() -> None:
    text = 'pip install x\nsecscan all --shard ${{ matrix.shard }}/4 \\\n  --output-dir "reports/s-1" .\n'
    expected = ["secscan", "all", "--shard", "${{matrix.shard}}/4", "--output-dir", "reports/s-1", "."]
    assert secscan_commands(text) == [expected]


# ---------------------------------------------------------------- GitHub Actions

def test_github_single_job() -> None:
    wf = load("github-actions.yml")
    assert wf.get("on", wf.get(True)), "no triggers"  # YAML 1.1 reads the key `on` as True
    assert wf["permissions"]["security-events"] == "write"
    (job,) = wf["jobs"].values()
    steps = gh_steps(job)
    assert uses(steps, "actions/checkout") and uses(steps, "actions/setup-python")
    assert "pip install" in runs(steps)
    scan = [s for s in steps if "secscan all" in str(s.get("run", ""))]
    assert len(scan) == 1
    cmd = secscan_commands(scan[0]["run"])[0]
    assert cmd[cmd.index("--format") + 1] == "json,md,html,sarif"
    assert cmd[cmd.index("--fail-on") + 1] == "critical"
    assert not scan[0].get("continue-on-error") and not always(scan[0]), "the exit code must fail the job"
    idx = steps.index(scan[0])
    (sarif,) = uses(steps, "github/codeql-action/upload-sarif")
    assert always(sarif) and sarif["with"]["sarif_file"] == "reports/secscan.sarif"
    summary = [s for s in steps if "GITHUB_STEP_SUMMARY" in str(s.get("run", ""))]
    assert summary and always(summary[0]) and "reports/secscan.md" in summary[0]["run"]
    (artifact,) = uses(steps, "actions/upload-artifact")
    assert always(artifact) and artifact["with"]["path"].startswith("reports")
    assert all(steps.index(s) > idx for s in (sarif, summary[0], artifact))


def test_github_sharded() -> None:
    wf = load("github-actions-sharded.yml")
    jobs = wf["jobs"]
    scan = next(j for j in jobs.values() if "strategy" in j)
    assert scan["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert scan["strategy"]["fail-fast"] is False
    steps = gh_steps(scan)
    cmd = next(c for c in secscan_commands(runs(steps)) if c[1] == "all")
    assert cmd[cmd.index("--shard") + 1] == "${{matrix.shard}}/4"
    assert cmd[cmd.index("--output-dir") + 1] == "reports/shard-${{matrix.shard}}"
    (part,) = uses(steps, "actions/upload-artifact")
    assert always(part) and "${{ matrix.shard }}" in part["with"]["name"]
    assert part["with"]["path"].rstrip("/") == "reports/shard-${{ matrix.shard }}"
    assert not uses(steps, "github/codeql-action/upload-sarif"), "one SARIF, from the merge job"

    scan_id = next(k for k, j in jobs.items() if j is scan)
    merge = next(j for j in jobs.values() if j is not scan)
    assert scan_id in ([merge["needs"]] if isinstance(merge["needs"], str) else merge["needs"])
    assert always(merge), "the merge must run when a shard failed"
    msteps = gh_steps(merge)
    (download,) = uses(msteps, "actions/download-artifact")
    assert download["with"]["path"] == "reports"
    pattern, name = download["with"]["pattern"], part["with"]["name"]
    assert pattern.replace("*", "1") == name.replace("${{ matrix.shard }}", "1")
    mcmd = [c for c in secscan_commands(runs(msteps)) if c[1] == "merge"]
    assert mcmd and mcmd[0][2:5] == ["reports/shard-*/secscan.json", "--output-dir", "reports"]
    gate = next(s for s in msteps if "secscan merge" in str(s.get("run", "")))
    assert not gate.get("continue-on-error") and not always(gate)
    (sarif,) = uses(msteps, "github/codeql-action/upload-sarif")
    assert always(sarif) and sarif["with"]["sarif_file"] == "reports/secscan.sarif"
    assert any("GITHUB_STEP_SUMMARY" in str(s.get("run", "")) for s in msteps)


# ---------------------------------------------------------------- GitLab CI

def check_gitlab_artifacts(job: dict[str, Any]) -> None:
    art = job["artifacts"]
    assert art["when"] == "always"
    assert art["paths"]
    assert art["reports"] == GITLAB_REPORTS


def test_gitlab_single_job() -> None:
    data = load("gitlab-ci.yml")
    jobs = {k: v for k, v in data.items() if isinstance(v, dict) and "script" in v and not k.startswith(".")}
    (job,) = jobs.values()
    cmd = next(c for c in secscan_commands(gitlab_script(job)) if c[1] == "all")
    assert cmd[cmd.index("--format") + 1] == "json,md,html,sarif,gitlab"
    assert cmd[cmd.index("--output-dir") + 1] == "reports"
    assert cmd[cmd.index("--fail-on") + 1] == "critical"
    assert not job.get("allow_failure"), "the exit code must fail the job"
    check_gitlab_artifacts(job)
    assert "reports/" in job["artifacts"]["paths"]
    setup = data[job["extends"]] if "extends" in job else job
    assert any("pip install" in line for line in setup["before_script"])


def test_gitlab_sharded() -> None:
    data = load("gitlab-ci-sharded.yml")
    shard_name, shard = next((k, v) for k, v in data.items() if isinstance(v, dict) and "parallel" in v)
    assert shard["parallel"] == 4
    cmd = next(c for c in secscan_commands(gitlab_script(shard)) if c[1] == "all")
    assert cmd[cmd.index("--shard") + 1] == "$CI_NODE_INDEX/$CI_NODE_TOTAL"
    assert cmd[cmd.index("--output-dir") + 1] == "reports/shard-$CI_NODE_INDEX"
    assert "json" in cmd[cmd.index("--format") + 1].split(",")
    assert shard["artifacts"]["when"] == "always"
    assert shard["artifacts"]["paths"] == ["reports/shard-$CI_NODE_INDEX/"]

    merge = next(v for k, v in data.items() if isinstance(v, dict) and "needs" in v)
    needed = [n["job"] if isinstance(n, dict) else n for n in merge["needs"]]
    assert shard_name in needed
    assert merge["when"] == "always"
    mcmd = next(c for c in secscan_commands(gitlab_script(merge)) if c[1] == "merge")
    assert mcmd[2] == "reports/shard-*/secscan.json"
    assert mcmd[mcmd.index("--output-dir") + 1] == "reports"
    assert "gitlab" in mcmd[mcmd.index("--format") + 1].split(",")
    assert not merge.get("allow_failure")
    check_gitlab_artifacts(merge)


# ---------------------------------------------------------------- the sharded templates, executed

def _expand(cmd: list[str], shard: int, cwd: Path) -> list[str]:
    import glob

    out: list[str] = []
    for word in cmd[1:]:
        word = (word.replace("${{matrix.shard}}", str(shard)).replace("$CI_NODE_INDEX", str(shard))
                .replace("$CI_NODE_TOTAL", "4").replace("$CI_PROJECT_DIR", str(cwd)))
        word = os.path.expanduser(word)
        matches = sorted(glob.glob(word, root_dir=cwd)) if "*" in word else []
        out.extend(matches or [word])
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", ["github-actions-sharded.yml", "gitlab-ci-sharded.yml"])
def test_sharded_template_fails_its_merge_job_on_a_critical_finding(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each shard's `run:`/`script:` command runs as written (matrix index filled in) on a planted tree;
    the merge job's command must then exit 1: the shards' `--fail-on never` is not the merge's gate."""
    import random
    import shutil
    import string
    import subprocess
    import zlib

    from secscan.analyzers.secrets.checksums import base62
    from secscan.cli.main import main

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    rng = random.Random(5)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))
    token = "ghp_" + body + base62(zlib.crc32(body.encode()), 6)  # a classic token's CRC32 checksum
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pyproject.toml").write_text('[tool.secscan]\nscanners = ["secscan-secrets"]\noffline = true\n')
    for i in range(8):  # spread over the shards; the token is in one of them
        (tree / f"mod{i}.py").write_text(f"VALUE_{i} = {i}\n")
    (tree / "mod3.py").write_text(f'GITHUB_TOKEN = "{token}"\n')
    # a CI checkout: a git work tree whose [tool.secscan] is committed (--strict compares with it)
    for name_ in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_DIFF_BASE_SHA"):
        monkeypatch.delenv(name_, raising=False)
    for argv in (["init", "-q"], ["add", "-A"], ["-c", "user.name=ci", "-c", "user.email=ci@example.invalid",
                                                 "commit", "-q", "-m", "base"]):
        subprocess.run(["git", *argv], cwd=tree, check=True, capture_output=True)
    commands = secscan_commands(all_shell_text(name))
    shards = [c for c in commands if c[1] == "all"]
    (merge,) = [c for c in commands if c[1] == "merge"]
    assert shards and "never" in shards[0]
    merge_job = tmp_path / "merge-job"
    for i in range(1, 5):  # each shard job has its own checkout; its reports are its artifact
        checkout = tmp_path / f"shard-job-{i}"
        shutil.copytree(tree, checkout)
        monkeypatch.chdir(checkout)
        assert main(_expand(shards[0], i, checkout)) == 0  # a shard fails only on its own problems
        shutil.copytree(checkout / "reports" / f"shard-{i}", merge_job / "reports" / f"shard-{i}")
    monkeypatch.chdir(merge_job)
    assert main(_expand(merge, 0, merge_job)) == 1  # the merge job is the gate
