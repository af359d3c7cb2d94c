"""``secscan baseline create|update`` and ``--baseline``: only new findings count, a moved line is not new,
no secret value is ever written, accountability fields are kept, expired entries count again."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from secscan.cli.main import main

# Built by concatenation so this file holds no key; AWS's documented example key id with one letter changed.
AWS_KEY = "AKIA" + "IOSFODNN7" + "EXAMPLQ"
OTHER_KEY = "AKIA" + "J7Q2XK5LM" + "PZTR4WB"
PASSWORD = "Tr0ub4dor" + "-and-3-horses"
SCANNERS = "secscan-secrets,bandit"
APP = f'''"""Legacy module."""
import subprocess

aws_key = "{AWS_KEY}"
password = "{PASSWORD}"


def run(cmd):
    return subprocess.call(cmd, shell=True)
'''

pytestmark = pytest.mark.skipif(shutil.which("bandit") is None, reason="bandit is not installed")


def baseline(tree: Path, action: str, *extra: str, scanners: str = SCANNERS) -> int:
    return main(["baseline", action, str(tree), "--scanners", scanners, "--no-cache", *extra])


def scan(tree: Path, out: Path, *extra: str, scanners: str = SCANNERS) -> tuple[int, dict[str, Any]]:
    code = main(
        [
            "all",
            str(tree),
            "--scanners",
            scanners,
            "--fail-on",
            "low",
            "--no-cache",
            "--format",
            "json,md",
            "--output-dir",
            str(out),
            "--baseline",
            str(tree / ".secscan-baseline.json"),
            *extra,
        ]
    )
    return code, json.loads((out / "secscan.json").read_text("utf-8"))


def counting(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if not f["suppressed"] and not f.get("pre_existing")]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tree with findings and its baseline (created once; tests work on copies)."""
    tree = tmp_path_factory.mktemp("made") / "proj"
    tree.mkdir()
    (tree / "app.py").write_text(APP, "utf-8")
    (tree / "deploy.ini").write_text(f"[aws]\nkey = {AWS_KEY}\n", "utf-8")
    code = baseline(
        tree,
        "create",
        "--reason",
        "legacy code, rotation tracked in SEC-12",
        "--owner",
        "platform-team",
        "--expires",
        "2099-12-31",
    )
    assert code == 0
    return tree


@pytest.fixture
def tree(made: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "proj"
    shutil.copytree(made, copy)
    return copy


def entries(tree: Path) -> list[dict[str, Any]]:
    data = json.loads((tree / ".secscan-baseline.json").read_text("utf-8"))
    assert data["version"] == 1
    out: list[dict[str, Any]] = data["entries"]
    return out


def test_baseline_holds_fingerprints_and_hashes_never_values(tree: Path) -> None:
    text = (tree / ".secscan-baseline.json").read_text("utf-8")
    for value in (AWS_KEY, AWS_KEY[4:], AWS_KEY[:12], PASSWORD, PASSWORD[:9]):
        assert value not in text
    items = entries(tree)
    rules = {e["rule_id"] for e in items}
    assert "secscan.aws-access-key-id" in rules and "B602" in rules
    secrets = [e for e in items if e["category"] == "secret"]
    assert secrets and all(e["secret_hash"] and e["fingerprint"] for e in secrets)
    # the key in app.py and deploy.ini is one finding (one value); the baseline has an entry per place
    assert {e["path"] for e in secrets} >= {"app.py", "deploy.ini"}


def test_reason_owner_expiry_and_date_stored(tree: Path) -> None:
    for e in entries(tree):
        assert e["reason"] == "legacy code, rotation tracked in SEC-12"
        assert e["owner"] == "platform-team"
        assert e["expires"] == "2099-12-31"
        assert date.fromisoformat(e["added"])


def test_gate_passes_with_the_baseline(tree: Path, tmp_path: Path) -> None:
    code, report = scan(tree, tmp_path / "out")
    assert code == 0, counting(report)
    assert report["findings"], "the baselined findings stay in the report"
    for f in report["findings"]:
        assert f["suppressed"] is True
        assert f["suppression"]["kind"] == "baseline"
        assert f["suppression"]["owner"] == "platform-team"


def test_without_the_baseline_the_same_tree_fails(tree: Path, tmp_path: Path) -> None:
    code = main(
        [
            "all",
            str(tree),
            "--scanners",
            SCANNERS,
            "--fail-on",
            "low",
            "--no-cache",
            "--format",
            "json",
            "--output-dir",
            str(tmp_path / "out"),
            "--quiet",
        ]
    )
    assert code == 1


def test_moved_lines_are_still_baselined(tree: Path, tmp_path: Path) -> None:
    app = tree / "app.py"
    app.write_text("# a header\n# that moves\n# every finding down\n\n" + app.read_text("utf-8"), "utf-8")
    ini = tree / "deploy.ini"
    ini.write_text("[other]\nregion = eu-west-1\n\n" + ini.read_text("utf-8"), "utf-8")
    code, report = scan(tree, tmp_path / "out")
    assert code == 0, counting(report)
    aws = [
        f
        for f in report["findings"]
        if f["rule_id"] == "secscan.aws-access-key-id" and f["location"]["path"] == "app.py"
    ]
    assert aws and aws[0]["location"]["start_line"] == 8 and aws[0]["suppressed"]


def test_a_new_finding_fails_the_gate(tree: Path, tmp_path: Path) -> None:
    (tree / "new.py").write_text(f'second_key = "{OTHER_KEY}"\n', "utf-8")
    app = tree / "app.py"
    app.write_text(
        app.read_text("utf-8") + "\n\ndef again(c):\n    return subprocess.run(c, shell=True)\n", "utf-8"
    )
    code, report = scan(tree, tmp_path / "out")
    assert code == 1
    new = {(f["rule_id"], f["location"]["path"]) for f in counting(report)}
    assert ("secscan.aws-access-key-id", "new.py") in new
    assert any(rule.startswith("B60") and path == "app.py" for rule, path in new)
    assert all(path != "deploy.ini" for _rule, path in new)
    assert OTHER_KEY not in (tmp_path / "out" / "secscan.json").read_text("utf-8")


def test_expired_entries_count_again_and_the_report_says_so(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert baseline(tree, "create", "--reason", "temporary", "--expires", yesterday) == 0
    capsys.readouterr()
    code, report = scan(tree, tmp_path / "out")
    assert code == 1
    expired = [f for f in report["findings"] if f["suppression"] and f["suppression"]["expired"]]
    assert expired and all(not f["suppressed"] for f in expired)
    assert {f["suppression"]["expires"] for f in expired} == {yesterday}
    printed = capsys.readouterr().out
    assert "expired" in printed
    assert AWS_KEY not in printed
    assert "expired" in (tmp_path / "out" / "secscan.md").read_text("utf-8")


def test_update_keeps_old_reasons_and_adds_new_entries(tree: Path) -> None:
    before = {e["fingerprint"]: e for e in entries(tree)}
    (tree / "new.py").write_text(f'second_key = "{OTHER_KEY}"\n', "utf-8")
    assert baseline(tree, "update", "--reason", "accepted in review", "--owner", "app-team") == 0
    after = {e["fingerprint"]: e for e in entries(tree)}
    assert set(before) < set(after)
    for fp, old in before.items():
        assert {k: after[fp][k] for k in ("reason", "owner", "expires", "added")} == {
            k: old[k] for k in ("reason", "owner", "expires", "added")
        }
    added = [after[fp] for fp in set(after) - set(before)]
    assert added and all(e["path"] == "new.py" for e in added)
    assert all(
        (e["reason"], e["owner"], e["expires"]) == ("accepted in review", "app-team", None) for e in added
    )
    assert OTHER_KEY not in (tree / ".secscan-baseline.json").read_text("utf-8")


def test_update_drops_entries_that_no_longer_exist(tree: Path) -> None:
    (tree / "deploy.ini").unlink()
    assert baseline(tree, "update") == 0
    assert "deploy.ini" not in {e["path"] for e in entries(tree)}


def test_from_result_gives_the_same_entries(tree: Path, tmp_path: Path) -> None:
    code, _ = scan(tree, tmp_path / "out")
    assert code == 0
    out = tmp_path / "from-result.json"
    assert (
        main(
            [
                "baseline",
                "create",
                str(tree),
                "--from-result",
                str(tmp_path / "out" / "secscan.json"),
                "--output",
                str(out),
            ]
        )
        == 0
    )
    again = json.loads(out.read_text("utf-8"))["entries"]
    assert {e["fingerprint"] for e in again} == {e["fingerprint"] for e in entries(tree)}


def test_bad_expiry_is_a_usage_error(tree: Path) -> None:
    assert baseline(tree, "create", "--expires", "next tuesday") == 2


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("detect-secrets") is None, reason="detect-secrets is not installed")
def test_the_baseline_file_itself_is_never_scanned(tree: Path, tmp_path: Path) -> None:
    """Its hex fingerprints and hashes would otherwise read as high-entropy secrets."""
    scanners = "secscan-secrets,detect-secrets"
    assert baseline(tree, "create", scanners=scanners) == 0  # over the tree that holds the first baseline
    assert {e["path"] for e in entries(tree)} == {"app.py", "deploy.ini"}
    code, report = scan(tree, tmp_path / "out", scanners=scanners)
    assert code == 0, counting(report)
    assert not [f for f in report["findings"] if ".secscan-baseline" in (f["location"] or {}).get("path", "")]
    assert {s["name"]: s["status"] for s in report["scanners"]} == {
        "detect-secrets": "ok",
        "secscan-secrets": "ok",
    }


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_pre_commit_path_honours_the_baseline(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A baseline made by a full scan also covers the fast hook (fingerprints do not depend on scanners)."""
    env = {
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("GIT_INDEX_FILE", raising=False)
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    subprocess.run(["git", "add", "."], cwd=tree, check=True)
    monkeypatch.chdir(tree)
    argv = [
        "secrets",
        "--staged",
        "--scanners",
        "secscan-secrets",
        "--fail-on",
        "high",
        "--quiet",
        "--format",
        "json",
        "--output-dir",
        str(tmp_path / "out"),
        "--no-cache",
    ]
    assert main(argv) == 1
    assert main([*argv, "--baseline", ".secscan-baseline.json"]) == 0
