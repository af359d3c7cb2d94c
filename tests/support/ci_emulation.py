"""Run the CI templates' own shell commands here, with their cache steps emulated (tests and scripts/).

GitHub: the `run:` of the steps that install nothing (the install step only reports the installed version),
with `${{ ... }}` expressions filled from a context; `actions/cache/restore` restores the exact key, else the
newest entry matching each restore-key prefix in order, from the run's own scope or the default branch's, and
`actions/cache/save` (which must run `if: always()`, unless the key was hit) saves into the run's own scope (a
pull request's scope is `refs/pull/N/merge`), as GitHub does. GitLab: the
`before_script:` lines that install nothing and the `script:` lines; `cache:` restores its key, else each
fallback key, each suffixed `-protected`/`-non_protected` by the branch's protection (GitLab's default
"separate caches for protected branches"), and saves under its key. Nothing is fetched: installs are skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CI = Path(__file__).resolve().parents[2] / "scripts" / "ci"
INSTALLS = ("pip install", "apt-get", "liboqs", "cmake", "git clone")


@dataclass
class Store:
    """A CI system's cache storage: (scope, key) -> saved folder, newest last."""

    root: Path
    entries: list[tuple[str, str, Path]] = field(default_factory=list)

    def save(self, scope: str, key: str, folder: Path) -> None:
        if any(s == scope and k == key for s, k, _ in self.entries):
            return  # GitHub and GitLab keep the first entry of a key (a hit is not saved again)
        dest = self.root / f"{len(self.entries):03d}"
        shutil.copytree(folder, dest, symlinks=True) if folder.exists() else dest.mkdir(parents=True)
        self.entries.append((scope, key, dest))

    def find(self, scopes: list[str], key: str, prefixes: list[str]) -> tuple[str, Path] | None:
        for s, k, p in reversed(self.entries):
            if s in scopes and k == key:
                return k, p
        for prefix in prefixes:
            for s, k, p in reversed(self.entries):
                if s in scopes and k.startswith(prefix):
                    return k, p
        return None


@dataclass
class Run:
    """One job's outcome: exit code of the scan step, what the cache did, seconds of the scan step."""

    code: int
    restored: str | None
    saved: str | None
    seconds: float
    output: str


def _expr(text: str, ctx: dict[str, Any]) -> str:
    def one(m: re.Match[str]) -> str:
        for alt in m.group(1).split("||"):
            value = ctx.get(alt.strip())
            if value:
                return str(value)
        return ""

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", one, text)


def _bash(script: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, float]:
    t0 = time.perf_counter()
    done = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - t0


def snapshot(dest: Path) -> Path:
    """A copy of secscan's package and rules that the runs import (PYTHONPATH): the cache's scope includes
    secscan's own code (names, sizes, mtimes), so a source tree edited during the test would look like a
    new secscan between two runs."""
    root = CI.parents[1]
    for name in ("secscan", "rules"):
        shutil.copytree(root / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def base_env(home: Path, extra: dict[str, str] | None = None, code: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_"))}
    env.update(HOME=str(home), PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    env.pop("XDG_CACHE_HOME", None)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH", "")]))
    env.update(extra or {})
    return env


def github_job(template: str, job: str | None = None) -> dict[str, Any]:
    data = yaml.safe_load((CI / template).read_text("utf-8"))
    jobs = data["jobs"]
    if job:
        return jobs[job]
    return next(j for j in jobs.values() if any("secscan all" in str(s.get("run", "")) for s in j["steps"]))


def run_github(template: str, checkout: Path, store: Store, ctx: dict[str, Any], env: dict[str, str]) -> Run:
    """The job's steps from the cache restore to the scan, then the post-job cache save."""
    job = github_job(template)
    version = subprocess.run(["secscan", "--version"], env=env, capture_output=True, text=True,
                             check=True).stdout.split()[1]
    ctx = {**ctx, "steps.install.outputs.version": version, "runner.os": "Linux"}
    scope, default = ctx["github.ref"], f"refs/heads/{ctx['github.event.repository.default_branch']}"
    restored = saved = None
    key, path, result = "", Path(), None
    for step in job["steps"]:
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/cache/restore@") and "secscan" in str(step["with"]["path"]):
            key = _expr(step["with"]["key"], ctx)
            prefixes = [_expr(line, ctx) for line in str(step["with"].get("restore-keys", "")).splitlines()
                        if line.strip()]
            path = Path(step["with"]["path"].replace("~", env["HOME"], 1))
            hit = store.find([scope, default], key, prefixes)
            if hit is not None:
                restored = hit[0]
                shutil.rmtree(path, ignore_errors=True)
                shutil.copytree(hit[1], path, symlinks=True)
        elif "run" in step and "secscan all" in step["run"]:
            result = _bash(_expr(step["run"], ctx), checkout, env)
        elif uses.startswith("actions/cache/save@") and "secscan" in str(step["with"]["path"]):
            assert "always()" in step["if"] and "cache-hit != 'true'" in step["if"], step
            assert _expr(step["with"]["key"], ctx) == key and result is not None
            if restored != key:  # cache-hit is true only for an exact key
                saved = key
                store.save(scope, key, Path(step["with"]["path"].replace("~", env["HOME"], 1)))
    assert result is not None and key, template
    return Run(result[0], restored, saved, result[2], result[1])


def _gl_expand(text: str, variables: dict[str, str]) -> str:
    for _ in range(3):
        text = re.sub(r"\$\{?([A-Z_][A-Z0-9_]*)\}?", lambda m: variables.get(m.group(1), m.group(0)), text)
    return text


def gitlab_job(template: str) -> tuple[dict[str, Any], dict[str, Any]]:
    data = yaml.safe_load((CI / template).read_text("utf-8"))
    name = next(k for k, v in data.items() if isinstance(v, dict) and "script" in v
                and any("secscan all" in line for line in v["script"]))
    job = dict(data[data[name]["extends"]]) if "extends" in data[name] else {}
    job.update(data[name])
    return data["variables"], job


def run_gitlab(template: str, checkout: Path, store: Store, ci: dict[str, str], env: dict[str, str],
               protected: bool) -> Run:
    """before_script (installs skipped), script; the secscan cache entry restored first, saved after."""
    variables, job = gitlab_job(template)
    vals = {**ci, "CI_PROJECT_DIR": str(checkout)}
    for k, v in variables.items():
        vals[k] = _gl_expand(str(v), vals)
    entry = next(c for c in job["cache"] if any("secscan" in p for p in c["paths"]))
    assert entry.get("when") == "always", entry  # saved after a failing gate too
    suffix = "-protected" if protected else "-non_protected"
    key = _gl_expand(entry["key"], vals) + suffix
    fallbacks = [_gl_expand(k, vals) + suffix for k in entry.get("fallback_keys", [])]
    path = checkout / entry["paths"][0]
    restored = saved = None
    for candidate in [key, *fallbacks]:
        hit = store.find(["gitlab"], candidate, [])
        if hit is not None:
            restored = candidate
            shutil.copytree(hit[1], path, symlinks=True, dirs_exist_ok=True)
            break
    genv = {**env, **vals}
    lines = [line for line in job.get("before_script", []) if not any(w in line for w in INSTALLS)]
    code, out, _ = _bash("\n".join(lines), checkout, genv)
    assert code == 0, out
    code, out, seconds = _bash("\n".join(job["script"]), checkout, genv)
    store.save("gitlab", key, path)  # GitLab saves after every job (policy pull-push)
    saved = key
    return Run(code, restored, saved, seconds, out)


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "ci", "GIT_AUTHOR_EMAIL": "ci@example.invalid",
           "GIT_COMMITTER_NAME": "ci", "GIT_COMMITTER_EMAIL": "ci@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def fresh_checkout(origin: Path, dest: Path, rev: str) -> Path:
    """What actions/checkout (fetch-depth 0) or a GitLab clone leaves: a new clone at rev, same path."""
    shutil.rmtree(dest, ignore_errors=True)
    git(origin.parent, "clone", "-q", str(origin), str(dest))
    git(dest, "checkout", "-q", rev)
    return dest
