"""The README's pre-commit snippets, run verbatim by the real pre-commit framework.

The remote form is pointed at a local clone of this repository (its tracked and new files, one commit,
tagged ``v0.1.0``); only the ``repo:`` URL is replaced. The first commit builds the hook environment:
pre-commit makes a virtualenv and pip-installs the clone into it. Tests never need the network, so the
environment is built without an index: ``PIP_NO_INDEX=1`` and ``VIRTUALENV_SYSTEM_SITE_PACKAGES=1``
(the hook's virtualenv sees the test environment's packages, where secscan's dependencies already are), and
``PIP_NO_BUILD_ISOLATION=0`` (pip's spelling of --no-build-isolation: setuptools is taken from there too).
pip still builds and installs secscan itself from the clone. A user's first commit fetches the dependencies
from PyPI instead. The `repo: local` form (`language: system`) uses the secscan already installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from secret_samples import positive_samples

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def readme_snippets() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text[text.index("## Pre-commit"):]
    section = section[: section.index("\n## ", 5)]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def secscan_clone(dest: Path) -> Path:
    """This repository as a mirror holds it: every tracked (and new) file, one commit, tag v0.1.0."""
    files = _git(ROOT, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file() and not name.startswith(("tests/", "bench-work/", "reports/")):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "secscan")
    _git(dest, "tag", "v0.1.0")
    return dest


def offline_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUALENV_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(tmp / "pre-commit-home"), PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0",
               PIP_DISABLE_PIP_VERSION_CHECK="1", VIRTUALENV_SYSTEM_SITE_PACKAGES="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.invalid")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def project(tmp: Path, config: str, env: dict[str, str]) -> Path:
    repo = tmp / "app"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / ".pre-commit-config.yaml").write_text(config, "utf-8")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True,
                   capture_output=True)
    return repo


def commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", message], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=900)


def aws_key_line() -> tuple[str, str]:
    sample = next(s for s in positive_samples() if s.pattern == "aws-access-key-id")
    return sample.line, sample.value


def test_the_readme_has_both_snippets() -> None:
    remote, local = readme_snippets()
    r, lo = yaml.safe_load(remote), yaml.safe_load(local)
    assert r["repos"][0]["rev"] == "v0.1.0" and r["repos"][0]["hooks"][0] == {"id": "secscan-secrets"}
    assert lo["repos"][0]["repo"] == "local" and lo["repos"][0]["hooks"][0]["language"] == "system"
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))}
    # the local form runs exactly what the shipped hook runs
    assert lo["repos"][0]["hooks"][0]["entry"] == hooks["secscan-secrets"]["entry"]


def test_remote_snippet_verbatim_with_a_tagged_clone(tmp_path: Path) -> None:
    remote = readme_snippets()[0]
    clone = secscan_clone(tmp_path / "secscan-src")
    config = re.sub(r"(?m)^(\s*- repo: )\S+", lambda m: m.group(1) + clone.as_uri(), remote, count=1)
    assert config != remote and "rev: v0.1.0" in config
    env = offline_env(tmp_path)
    repo = project(tmp_path, config, env)

    (repo / "app.py").write_text("def add(a, b):\n    return a + b\n", "utf-8")
    _git(repo, "add", "app.py", ".pre-commit-config.yaml")
    first = commit(repo, env, "clean")  # builds the hook environment from the clone at v0.1.0
    assert first.returncode == 0, first.stdout + first.stderr
    assert re.search(r"secscan secrets \(staged files\)\.+Passed", first.stdout + first.stderr), first.stderr
    envs = list((tmp_path / "pre-commit-home").glob("repo*/py_env-*/bin/secscan"))
    assert envs, "pre-commit built no hook environment holding secscan"

    line, value = aws_key_line()
    (repo / "settings.py").write_text(f"import os\n\n{line}\n", "utf-8")
    _git(repo, "add", "settings.py")
    blocked = commit(repo, env, "adds a key")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0 and "Failed" in out, out
    assert "settings.py:3" in out and value not in out
    assert _git(repo, "rev-list", "--count", "HEAD").strip() == "1"  # the key never got in

    (repo / "settings.py").write_text("import os\n\nKEY_ID = os.environ['AWS_ACCESS_KEY_ID']\n", "utf-8")
    _git(repo, "add", "settings.py")
    fixed = commit(repo, env, "reads the key at run time")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr


def test_local_snippet_and_a_missing_baseline(tmp_path: Path) -> None:
    """The `repo: local` form uses the installed secscan; a --baseline that does not exist is one line that
    names the command creating it."""
    local = readme_snippets()[1]
    env = offline_env(tmp_path)
    repo = project(tmp_path, local, env)
    (repo / "app.py").write_text("x = 1\n", "utf-8")
    _git(repo, "add", "app.py", ".pre-commit-config.yaml")
    ok = commit(repo, env, "clean")
    assert ok.returncode == 0, ok.stdout + ok.stderr

    data = yaml.safe_load(local)
    data["repos"][0]["hooks"][0]["args"] = ["--baseline", ".secscan-baseline.json"]
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(data), "utf-8")
    (repo / "b.py").write_text("y = 2\n", "utf-8")
    _git(repo, "add", "b.py", ".pre-commit-config.yaml")
    missing = commit(repo, env, "with a baseline")
    errors = [ln for ln in (missing.stdout + missing.stderr).splitlines() if ln.startswith("secscan: error:")]
    assert missing.returncode != 0 and len(errors) == 1, missing.stdout + missing.stderr
    assert "--baseline .secscan-baseline.json: no such file" in errors[0]
    assert "secscan baseline create" in errors[0] and "--output .secscan-baseline.json" in errors[0]

    created = subprocess.run(["secscan", "baseline", "create", "--reason", "accepted at adoption",
                              "--output", ".secscan-baseline.json", "--scanners", "secscan-secrets",
                              "--offline", "-q"],
                             cwd=repo, env=env, capture_output=True, text=True)
    assert created.returncode == 0, created.stdout + created.stderr
    _git(repo, "add", ".secscan-baseline.json")
    again = commit(repo, env, "with a baseline")
    assert again.returncode == 0, again.stdout + again.stderr
