"""The pre-commit path: the shipped hook manifest, the real pre-commit framework in a temporary git
repository, and ``secscan secrets --staged`` (the git index is scanned, not the work tree)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from secscan.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
# Built by concatenation so this file holds no key; AWS's documented example key id with one letter changed.
AWS_KEY = "AKIA" + "IOSFODNN7" + "EXAMPLQ"
MASKED = "AKIA********LQ"
NOT_FOR_HOOKS = ("pqc", "mtls", "pip-audit", "npm-audit", "trivy", "trivy-image", "semgrep")

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def hooks() -> dict[str, dict[str, Any]]:
    """The shipped manifest's hooks by id."""
    data = yaml.safe_load(MANIFEST.read_text("utf-8"))
    return {h["id"]: h for h in data}


def hook_argv(hook: dict[str, Any]) -> list[str]:
    """The secscan arguments a hook runs with (entry after ``secscan``, then args)."""
    entry = shlex.split(hook["entry"])
    assert entry[0] == "secscan", entry
    return [*entry[1:], *hook.get("args", [])]


# ---------------------------------------------------------------- the manifest


def test_manifest_is_valid_for_pre_commit() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib", reason="pre-commit is not installed")
    loaded = clientlib.load_manifest(str(MANIFEST))
    assert {h["id"] for h in loaded} == {"secscan-secrets", "secscan"}


@pytest.mark.parametrize("hook_id", ["secscan-secrets", "secscan"])
def test_hook_scans_the_index_and_gates_on_high(hook_id: str) -> None:
    hook = hooks()[hook_id]
    argv = hook_argv(hook)
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert argv[:2] == ["secrets", "--staged"]
    assert argv[argv.index("--fail-on") + 1] == "high"
    scanners = argv[argv.index("--scanners") + 1].split(",")
    assert "secscan-secrets" in scanners
    assert not set(scanners) & set(NOT_FOR_HOOKS)
    assert "--quiet" in argv
    if "--output-dir" in argv:  # else the CLI's --staged default (the git folder) applies
        out = Path(argv[argv.index("--output-dir") + 1])
        assert out.parts[0] == ".git", "reports must not land in the work tree"
    assert argv[argv.index("--format") + 1] == "json"


def test_full_hook_adds_detect_secrets_and_bandit() -> None:
    argv = hook_argv(hooks()["secscan"])
    assert set(argv[argv.index("--scanners") + 1].split(",")) == {
        "secscan-secrets",
        "detect-secrets",
        "bandit",
    }


# ---------------------------------------------------------------- a temporary repository


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=check, timeout=60, env=_env(repo)
    )


def _env(repo: Path) -> dict[str, str]:
    home = repo.parent / "home"
    home.mkdir(exist_ok=True)
    (home / ".gitconfig").touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        HOME=str(home),
        XDG_CACHE_HOME=str(home / "cache"),
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.org",
    )
    return env


def make_repo(tmp_path: Path, hook_ids: list[str]) -> Path:
    """A git repository whose .pre-commit-config.yaml runs the shipped hooks as local hooks: same arguments,
    with ``secscan`` replaced by this interpreter running this checkout (language: system)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    local = []
    for hook_id in hook_ids:
        hook = hooks()[hook_id]
        entry = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "secscan", *hook_argv(hook)])
        local.append(
            {
                "id": hook["id"],
                "name": hook["name"],
                "entry": entry,
                "language": "system",
                "pass_filenames": hook["pass_filenames"],
                "stages": hook["stages"],
            }
        )
    config = {"repos": [{"repo": "local", "hooks": local}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    (repo / "README.md").write_text("demo\n", "utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "init")
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=repo,
        capture_output=True,
        check=True,
        env=_env(repo),
        timeout=60,
    )
    return repo


def commit(repo: Path, message: str = "change") -> subprocess.CompletedProcess[str]:
    return git(repo, "commit", "-m", message, check=False)


def commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD").stdout)


needs_pre_commit = pytest.mark.skipif(
    subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True).returncode != 0,
    reason="pre-commit is not installed for this interpreter",
)

LEAKY_PY = f'"""Settings."""\n\nREGION = "eu-west-1"\naws_key = "{AWS_KEY}"\n'


@needs_git
@needs_pre_commit
def test_commit_with_aws_key_is_blocked_and_value_masked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, ["secscan-secrets"])
    (repo / "settings.py").write_text(LEAKY_PY, "utf-8")
    git(repo, "add", "settings.py")
    res = commit(repo)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert commits(repo) == 1
    assert "settings.py:4" in out
    assert "secscan.aws-access-key-id" in out
    assert MASKED in out
    assert AWS_KEY not in out and AWS_KEY[4:] not in out
    assert "FAILED on findings at or above high" in out
    # nothing was written into the work tree: the only change is the staged file
    assert git(repo, "status", "--porcelain").stdout.split("\n")[0] == "A  settings.py"
    assert not (repo / "reports").exists()
    report = json.loads((repo / ".git" / "secscan" / "secscan.json").read_text("utf-8"))
    assert AWS_KEY not in json.dumps(report)
    scanner = report["scanners"][0]
    assert (scanner["name"], scanner["status"]) == ("secscan-secrets", "ok")
    assert scanner["canary"].startswith("detected")


@needs_git
@needs_pre_commit
def test_clean_commit_passes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, ["secscan-secrets"])
    (repo / "app.py").write_text('"""App."""\n\nREGION = "eu-west-1"\n', "utf-8")
    git(repo, "add", "app.py")
    res = commit(repo)
    assert res.returncode == 0, res.stdout + res.stderr
    assert commits(repo) == 2
    assert git(repo, "status", "--porcelain").stdout == ""


@needs_git
@needs_pre_commit
@pytest.mark.slow
def test_full_hook_blocks_key_and_passes_files_without_python(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, ["secscan"])
    (repo / "NOTES.md").write_text("nothing to see\n", "utf-8")  # no Python staged: bandit has nothing to do
    git(repo, "add", "NOTES.md")
    res = commit(repo, "notes")
    assert res.returncode == 0, res.stdout + res.stderr
    (repo / "settings.py").write_text(LEAKY_PY, "utf-8")
    git(repo, "add", "settings.py")
    res = commit(repo)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert "settings.py:4" in out and MASKED in out and AWS_KEY not in out
    report = json.loads((repo / ".git" / "secscan" / "secscan.json").read_text("utf-8"))
    assert {s["name"]: s["status"] for s in report["scanners"]} == {
        "bandit": "ok",
        "detect-secrets": "ok",
        "secscan-secrets": "ok",
    }


# ---------------------------------------------------------------- secscan secrets --staged, in process


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plain repository (no hooks) with one commit; the current folder is its top."""
    root = tmp_path / "plain"
    root.mkdir()
    for k, v in _env(root).items():
        monkeypatch.setenv(k, v)
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("demo\n", "utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "init")
    monkeypatch.chdir(root)
    return root


def staged_scan(tmp_path: Path, *extra: str, scanners: str = "secscan-secrets") -> tuple[int, dict[str, Any]]:
    out = tmp_path / "out"
    code = main(
        [
            "secrets",
            "--staged",
            "--scanners",
            scanners,
            "--fail-on",
            "high",
            "--quiet",
            "--format",
            "json",
            "--output-dir",
            str(out),
            "--no-cache",
            *extra,
        ]
    )
    return code, json.loads((out / "secscan.json").read_text("utf-8"))


def located(report: dict[str, Any]) -> set[tuple[str, int]]:
    return {
        (f["location"]["path"], f["location"]["start_line"])
        for f in report["findings"]
        if not f["suppressed"]
    }


@needs_git
def test_staged_scans_the_index_not_the_work_tree(repo: Path, tmp_path: Path) -> None:
    (repo / "a.py").write_text(f'key = "{AWS_KEY}"\n', "utf-8")
    git(repo, "add", "a.py")
    (repo / "a.py").write_text("key = None\n", "utf-8")  # the work tree no longer has it; the index does
    (repo / "b.py").write_text(f'key = "{AWS_KEY}"\n', "utf-8")  # untracked: not part of the commit
    code, report = staged_scan(tmp_path)
    assert code == 1
    assert located(report) == {("a.py", 1)}
    assert any("1 staged file" in n for n in report.get("notes", []))


@needs_git
def test_staged_leaves_out_deletions_renames_sources_and_links(repo: Path, tmp_path: Path) -> None:
    (repo / "old.txt").write_text(f"k={AWS_KEY}\n", "utf-8")
    git(repo, "add", "old.txt")
    git(repo, "commit", "-q", "--no-verify", "-m", "two")
    git(repo, "mv", "old.txt", "new name é.txt")
    os.symlink("README.md", repo / "link.md")
    git(repo, "add", "link.md")
    git(repo, "rm", "-q", "--cached", "README.md")
    code, report = staged_scan(tmp_path)
    assert code == 1
    assert located(report) == {("new name é.txt", 1)}


@needs_git
def test_staged_from_a_subfolder_is_relative_to_it(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "pkg" / "deep").mkdir(parents=True)
    (repo / "pkg" / "deep" / "conf.ini").write_text(f"k={AWS_KEY}\n", "utf-8")
    (repo / "top.ini").write_text(f"k={AWS_KEY}\n", "utf-8")
    git(repo, "add", ".")
    monkeypatch.chdir(repo / "pkg")
    code, report = staged_scan(tmp_path)
    assert code == 1
    assert located(report) == {("deep/conf.ini", 1)}


@needs_git
def test_staged_nothing_to_scan_passes_and_says_why(repo: Path, tmp_path: Path) -> None:
    (repo / "NOTES.md").write_text("plain words\n", "utf-8")
    git(repo, "add", "NOTES.md")
    # bandit has no staged Python file: reported as skipped, not as an incomplete scan
    code, report = staged_scan(tmp_path, scanners="secscan-secrets,bandit")
    assert code == 0
    by_name = {s["name"]: s for s in report["scanners"]}
    assert by_name["bandit"]["status"] == "skipped"
    assert "no staged file" in by_name["bandit"]["reason"]
    assert by_name["secscan-secrets"]["status"] == "ok"


@needs_git
def test_staged_outside_a_repository_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "not-a-repo"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(plain)
    code = main(["secrets", "--staged", "--scanners", "secscan-secrets", "--output-dir", str(tmp_path / "o")])
    assert code == 2
    assert "--staged" in capsys.readouterr().err


@needs_git
def test_staged_canary_still_checked(repo: Path, tmp_path: Path, fake_bin: Any) -> None:
    """A detect-secrets that finds nothing fails its canary on the pre-commit path too."""
    fake_bin(
        "detect-secrets",
        """
        if [ "$1" = "--version" ]; then echo 1.5.0; exit 0; fi
        echo '{"version": "1.5.0", "plugins_used": [{"name": "AWSKeyDetector"}], "results": {}}'
    """,
    )
    (repo / "a.py").write_text("x = 1\n", "utf-8")
    git(repo, "add", "a.py")
    code, report = staged_scan(tmp_path, scanners="secscan-secrets,detect-secrets")
    by_name = {s["name"]: s for s in report["scanners"]}
    assert by_name["detect-secrets"]["status"] == "failed"
    assert "canary" in by_name["detect-secrets"]["reason"]
    assert by_name["secscan-secrets"]["canary"] == "detected"
    assert code == 3


@needs_git
def test_staged_report_dir_is_inside_the_git_folder_also_in_a_worktree(repo: Path, tmp_path: Path) -> None:
    from secscan.run.staged import staged_report_dir

    assert staged_report_dir(repo) == (repo / ".git" / "secscan").resolve()
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked))
    assert (linked / ".git").is_file()
    assert staged_report_dir(linked) == (repo / ".git" / "worktrees" / "linked" / "secscan").resolve()


@needs_git
@needs_pre_commit
def test_hook_works_in_a_linked_worktree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, ["secscan-secrets"])
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked))
    (linked / "settings.py").write_text(LEAKY_PY, "utf-8")
    git(linked, "add", "settings.py")
    res = commit(linked)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "settings.py:4" in out and MASKED in out and AWS_KEY not in out
