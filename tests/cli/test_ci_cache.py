"""The CI templates' cache steps, executed: their own shell commands run here (tests/support/ci_emulation.py)
on a fresh clone each time, with the cache saved and restored as GitHub and GitLab do.

- the second run of an unchanged tree is answered from the restored cache (every per-file scanner
  `cached`, same findings);
- a pull request restores the default branch's cache, and the file it changes is scanned afresh (its new
  finding is reported); what it saves lands in its own scope, never in the default branch's entry;
- GitLab's caches live in the project folder: .cache/ is git-ignored there and never scanned.

Offline and fast: the trusted user configuration ($SECSCAN_CONFIG) turns the advisory services off and picks
bandit, detect-secrets and secscan-secrets; the templates' command lines run as written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ci_emulation import Store, base_env, fresh_checkout, git, run_github, run_gitlab, snapshot

pytestmark = pytest.mark.slow
PER_FILE = {"bandit", "detect-secrets", "secscan-secrets"}
APP = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
EVAL = "def calc(expr):\n    return eval(expr)\n"


def origin_repo(tmp: Path) -> tuple[Path, str, str]:
    """A project with one finding on main, and a pull request branch that adds an eval()."""
    repo = tmp / "origin"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text(APP, "utf-8")
    (repo / "util.py").write_text("def add(a, b):\n    return a + b\n", "utf-8")
    (repo / "README.md").write_text("# app\n", "utf-8")
    for i in range(12):  # enough files that each of 4 shards has Python to scan
        (repo / f"mod{i}.py").write_text(f"VALUE_{i} = {i}\n", "utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "main")
    main = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "util.py").write_text("def add(a, b):\n    return a + b\n\n\n" + EVAL, "utf-8")
    git(repo, "commit", "-q", "-am", "feature")
    feature = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "main")
    return repo, main, feature


@pytest.fixture(scope="module")
def code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot(tmp_path_factory.mktemp("secscan-code"))


def env_for(tmp: Path, code: Path) -> dict[str, str]:
    config = tmp / "user-config.toml"
    config.write_text('offline = true\nscanners = ["bandit", "detect-secrets", "secscan-secrets"]\n', "utf-8")
    return base_env(tmp / "home", {"SECSCAN_CONFIG": str(config)}, code)


def report(checkout: Path, sub: str = "") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((checkout / "reports" / sub / "secscan.json").read_text("utf-8"))
    return data


def per_file(rep: dict[str, Any]) -> dict[str, bool]:
    return {s["name"]: bool(s.get("cached")) for s in rep["scanners"] if s["name"] in PER_FILE}


def findings(rep: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule_id"], (f.get("location") or {}).get("path", "")) for f in rep["findings"]}


def gh_ctx(ref: str, sha: str, head_ref: str = "") -> dict[str, Any]:
    name = ref.removeprefix("refs/heads/")
    return {"github.ref": ref, "github.ref_name": name, "github.head_ref": head_ref, "github.sha": sha,
            "github.event.repository.default_branch": "main"}


def test_github_single_warm_rerun_and_pull_request(tmp_path: Path, code: Path) -> None:
    origin, main, feature = origin_repo(tmp_path)
    store, env, work = Store(tmp_path / "store"), env_for(tmp_path, code), tmp_path / "work" / "app" / "app"

    on_main = gh_ctx("refs/heads/main", main)
    cold = run_github("github-actions.yml", fresh_checkout(origin, work, main), store, on_main, env)
    assert cold.restored is None and cold.saved and cold.code == 0, cold.output  # B602: high, gate: critical
    first = report(work)
    assert per_file(first) == dict.fromkeys(PER_FILE, False)

    warm = run_github("github-actions.yml", fresh_checkout(origin, work, main), store, on_main, env)
    second = report(work)
    assert warm.restored == cold.saved and warm.saved is None
    assert per_file(second) == dict.fromkeys(PER_FILE, True), second["scanners"]
    assert findings(second) == findings(first) and warm.code == cold.code
    main_entry = [p for s, k, p in store.entries if s == "refs/heads/main"]

    # a pull request: its own scope has nothing yet, so the default branch's entry is restored
    pr = run_github("github-actions.yml", fresh_checkout(origin, work, feature), store,
                    gh_ctx("refs/pull/7/merge", feature, head_ref="feature"), env)
    third = report(work)
    assert pr.restored == cold.saved
    assert ("B307", "util.py") in findings(third), findings(third)  # the changed file was scanned afresh
    assert findings(first) < findings(third)
    assert [s for s, _, _ in store.entries] == ["refs/heads/main", "refs/pull/7/merge"]
    assert [p for s, k, p in store.entries if s == "refs/heads/main"] == main_entry  # main's entry untouched


@pytest.mark.parametrize("template", ["gitlab-ci.yml", "gitlab-ci-sharded.yml"])
def test_gitlab_warm_rerun_keeps_the_cache_out_of_the_scan(template: str, tmp_path: Path, code: Path) -> None:
    origin, main, feature = origin_repo(tmp_path)
    store, env = Store(tmp_path / "store"), env_for(tmp_path, code)
    work = tmp_path / "builds" / "group" / "app"
    shards = [1, 2, 3, 4] if "sharded" in template else [0]

    def pipeline(rev: str, ref: str, protected: bool) -> list[tuple[Any, dict[str, Any]]]:
        out = []
        for i in shards:
            ci = {"CI_COMMIT_REF_SLUG": ref, "CI_DEFAULT_BRANCH": "main", "CI_NODE_INDEX": str(i),
                  "CI_NODE_TOTAL": "4"}
            run = run_gitlab(template, fresh_checkout(origin, work, rev), store, ci, env, protected)
            assert run.code in (0, 1), run.output
            out.append((run, report(work, f"shard-{i}" if i else "")))
        return out

    cold = pipeline(main, "main", True)
    warm = pipeline(main, "main", True)
    for (c, first), (w, second) in zip(cold, warm, strict=True):
        assert c.restored is None and w.restored == c.saved
        ran = {s["name"] for s in second["scanners"] if s["status"] == "ok"} & PER_FILE
        assert ran and all(per_file(second)[n] for n in ran), second["scanners"]
        assert findings(second) == findings(first)
        assert not any(path.startswith(".cache/") for _, path in findings(second))
        assert (work / ".cache" / "secscan").is_dir()
    # an unprotected merge-request branch neither reads nor writes the protected default branch's cache
    mr = pipeline(feature, "feature", False)
    assert all(run.restored is None for run, _ in mr)
    assert any(("B307", "util.py") in findings(rep) for _, rep in mr)
    assert all(k.endswith("-protected") for s, k, _ in store.entries[: len(shards)])


def test_github_sharded_warm_rerun(tmp_path: Path, code: Path) -> None:
    origin, main, _ = origin_repo(tmp_path)
    store, env, work = Store(tmp_path / "store"), env_for(tmp_path, code), tmp_path / "work" / "app" / "app"
    for attempt in ("cold", "warm"):
        for shard in (1, 2, 3, 4):
            ctx = {**gh_ctx("refs/heads/main", main), "matrix.shard": shard}
            checkout = fresh_checkout(origin, work, main)
            run = run_github("github-actions-sharded.yml", checkout, store, ctx, env)
            assert run.code == 0, run.output
            rep = report(work, f"shard-{shard}")
            ok = {s["name"] for s in rep["scanners"] if s["status"] == "ok"} & PER_FILE
            if attempt == "warm":
                assert run.restored is not None and f"shard{shard}" in run.restored
                assert all(per_file(rep)[n] for n in ok), rep["scanners"]
            else:
                assert run.restored is None
