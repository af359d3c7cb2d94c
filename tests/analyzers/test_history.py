"""Secrets in git history (secscan-history): real repositories built here: a secret added then deleted, a
rename, merges (one resolving a conflict), a binary blob, a blob over the size limit, a shallow clone; cold
and incremental runs agree; --changed-since reads only the commits after REF. Fake secrets are generated."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from secret_samples import positive_samples

from secscan.analyzers.history import findings as hfind
from secscan.analyzers.history.scan import HistoryOptions, HistoryScan, run
from secscan.analyzers.history.walk import check_range, parse_log
from secscan.core.model import Status
from secscan.core.serialize import properties_to_dict as report_props
from secscan.process.runner import Runner
from secscan.scanners.interface import ScanContext
from secscan.scanners.secscan_history import SecscanHistoryScanner

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false",
       "-c", "init.defaultBranch=main"]
RULE = "secscan.aws-access-key-id"


def _values() -> list[str]:
    return [s.value for s in positive_samples() if s.pattern == "aws-access-key-id"]


def _line(n: int = 0) -> str:
    """A line holding a generated AWS key id (n picks another value of another seed)."""
    sample = next(s for s in positive_samples(20240 + n) if s.pattern == "aws-access-key-id")
    return sample.line + "\n"


def git(root: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")


def new_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    (root / "README.md").write_text("hello\n", "utf-8")
    commit(root, "start")
    return root


def scan(root: Path, **kw: object) -> HistoryScan:
    return run(Runner(), root, HistoryOptions(**kw))  # type: ignore[arg-type]


def test_a_secret_added_then_deleted_is_found_with_its_commits(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "settings.py").write_text("DEBUG = False\n" + _line(), "utf-8")
    added = commit(root, "add settings")
    (root / "settings.py").unlink()
    removed = commit(root, "remove settings")
    hist = scan(root)
    [f] = hfind.findings(hist)
    info = report_props(f)["history"]
    assert (f.rule_id, f.location.path, f.location.start_line) == (RULE, "settings.py", 2)  # type: ignore[union-attr]
    assert (info["first_commit"], info["last_commit"]) == (added, removed)
    assert info["present_at_head"] is False and info["paths"] == ["settings.py"]
    assert f.sources == ("secscan-history",) and f.secret_mask and f.secret_hash
    assert all(v not in repr(f) for v in _values())  # never the value
    cov = hfind.coverage(hist)
    assert cov["commits"] == 3 and cov["blobs_scanned"] == cov["blobs"] == 2
    assert hfind.gaps(hist) == []


def test_still_present_at_head_and_the_same_secret_in_two_versions_is_one_finding(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "a.py").write_text(_line(), "utf-8")
    first = commit(root, "a")
    (root / "a.py").write_text("# moved down\n" + _line(), "utf-8")  # a second blob, same secret
    last = commit(root, "a2")
    [f] = hfind.findings(scan(root))
    info = report_props(f)["history"]
    assert info["present_at_head"] is True and info["blobs"] == 2
    assert (info["first_commit"], info["last_commit"]) == (first, last)
    assert {(p["path"], p["start_line"]) for p in report_props(f)["places"]} == {("a.py", 1), ("a.py", 2)}


def test_a_rename_keeps_one_blob_with_both_paths(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "old.cfg").write_text(_line(), "utf-8")
    commit(root, "add")
    git(root, "mv", "old.cfg", "new.cfg")
    commit(root, "rename")
    hist = scan(root)
    [f] = hfind.findings(hist)
    assert report_props(f)["history"]["paths"] == ["new.cfg", "old.cfg"]
    assert report_props(f)["history"]["blobs"] == 1 and report_props(f)["place_count"] == 2
    assert hfind.coverage(hist)["blobs"] == 2  # README and the one secret blob: read once


def test_merges_a_branch_secret_and_one_made_resolving_a_conflict(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "conf.txt").write_text("base\n", "utf-8")
    commit(root, "base")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "feature.py").write_text(_line(1), "utf-8")
    (root / "conf.txt").write_text("feature\n", "utf-8")
    on_branch = commit(root, "feature")
    git(root, "checkout", "-q", "main")
    (root / "conf.txt").write_text("main\n", "utf-8")
    commit(root, "main")
    subprocess.run([*GIT, "merge", "-q", "feature"], cwd=root, capture_output=True)  # conflicts on conf.txt
    (root / "conf.txt").write_text("resolved\n" + _line(2), "utf-8")  # the secret exists only in the merge
    merge = commit(root, "merge feature")
    by_path = {f.location.path: f for f in hfind.findings(scan(root))}  # type: ignore[union-attr]
    assert report_props(by_path["feature.py"])["history"]["first_commit"] == on_branch
    assert report_props(by_path["conf.txt"])["history"]["first_commit"] == merge
    assert report_props(by_path["conf.txt"])["history"]["present_at_head"] is True


def test_binary_and_over_size_blobs_are_counted_and_the_large_one_makes_it_partial(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "image.bin").write_bytes(b"\x00\x01\x02" * 100 + _line().encode())
    (root / "big.txt").write_text(_line(3) + "x" * 5000 + "\n", "utf-8")
    commit(root, "blobs")
    hist = scan(root, max_blob_size=4096)
    cov = hfind.coverage(hist)
    assert cov["blobs_skipped_binary"] == 1 and cov["blobs_skipped_large"] == 1
    [gap] = hfind.gaps(hist)
    assert "1 blob(s) too large" in gap and "big.txt@" in gap
    assert hfind.findings(hist) == []  # nothing read, so nothing found: and the gap says why


def test_a_shallow_clone_is_a_stated_gap_with_its_depth(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "old.py").write_text(_line(), "utf-8")
    commit(root, "secret")
    (root / "old.py").unlink()
    commit(root, "gone")
    clone = tmp_path / "clone"
    subprocess.run([*GIT, "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True,
                   capture_output=True)
    hist = scan(clone)
    assert hist.shallow == 1 and hfind.findings(hist) == []
    [gap] = hfind.gaps(hist)
    assert "shallow clone" in gap and "depth 1" in gap


def test_cold_and_incremental_runs_find_the_same_and_the_second_reads_only_new_blobs(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    for i in range(3):
        (root / f"f{i}.py").write_text(f"x = {i}\n" + _line(i), "utf-8")
        commit(root, f"c{i}")
    (root / "f0.py").unlink()
    commit(root, "rm")
    cache = tmp_path / "cache"
    cold = scan(root, cache_dir=cache)
    assert cold.blobs.from_cache == 0 and cold.blobs.bytes_read > 0
    again = scan(root, cache_dir=cache)
    assert again.blobs.from_cache == len(again.walk.blobs) and again.blobs.bytes_read == 0
    assert hfind.findings(again) == hfind.findings(cold)
    (root / "new.py").write_text("y = 1\n", "utf-8")
    commit(root, "one new commit")
    inc = scan(root, cache_dir=cache)
    assert len(inc.walk.blobs) - inc.blobs.from_cache == 1  # only the new blob was read
    assert hfind.findings(inc) == hfind.findings(scan(root))  # same as a cold run without the cache


def test_changed_since_reads_only_the_commits_after_ref(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "old.py").write_text(_line(), "utf-8")
    base = commit(root, "an old secret, before the change")
    (root / "pr.py").write_text(_line(4), "utf-8")
    commit(root, "the change adds a secret")
    (root / "pr.py").unlink()
    commit(root, "and removes it")
    found = hfind.findings(scan(root, since=base), since=base)
    assert [f.location.path for f in found] == ["pr.py"]  # type: ignore[union-attr]
    assert report_props(found[0])["history"]["after"] == base
    from secscan.results.changes import Changes

    assert Changes().touches(found[0])  # counts as in the change although no file of the diff holds it


def test_a_range_that_git_could_read_as_an_option_is_refused() -> None:
    for bad in ("--output=/tmp/x", "HEAD -p", ""):
        with pytest.raises(ValueError):
            check_range(bad)
    assert check_range(" main..HEAD ") == "main..HEAD"


def test_parse_log_attributes_additions_and_deletions() -> None:
    a, b = "a" * 40, "b" * 40
    out = (b"\x01" + b"1" * 40 + b" 100\0\n:000000 100644 " + b"0" * 40 + b" " + a.encode() + b" A\0x.py\0"
           b"\x01" + b"2" * 40 + b" 200\0\n:100644 000000 " + a.encode() + b" " + b"0" * 40 + b" D\0x.py\0"
           b"\x01" + b"3" * 40 + b" 300\0\0"
           b"\x01" + b"4" * 40 + b" 400\0\n::100644 100644 100644 " + a.encode() + b" " + a.encode() + b" "
           + b.encode() + b" MM\0y.py\0")
    walked = parse_log(out)
    assert len(walked.commits) == 4
    assert (walked.blobs[a].first, walked.blobs[a].last, walked.blobs[a].paths) == (0, 1, ["x.py"])
    assert (walked.blobs[b].first, walked.blobs[b].paths) == (3, ["y.py"])


def _ctx(root: Path, **options: object) -> ScanContext:
    return ScanContext(target=root, options=dict(options), timeout=120.0)


def test_the_scanner_reports_partial_for_a_shallow_clone_and_detects_its_canary(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "r")
    (root / "a.py").write_text(_line(), "utf-8")
    commit(root, "a")
    clone = tmp_path / "clone"
    subprocess.run([*GIT, "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True,
                   capture_output=True)
    scanner = SecscanHistoryScanner()
    assert scanner.applies(_ctx(clone), []) is not None  # not requested: skipped
    canary_dir = tmp_path / "canary"
    canary_dir.mkdir()
    spec = scanner.canary(_ctx(clone))
    for name, text in spec.files.items():
        (canary_dir / name).write_text(text, "utf-8")
    out = scanner.execute(_ctx(clone, history=True), [], [canary_dir / n for n in spec.files], Runner())
    parsed = out.parsed
    assert parsed.status is Status.PARTIAL and "depth 1" in (parsed.reason or "")
    canary, real = scanner.split_canary(parsed.findings, [str(canary_dir / n) for n in spec.files])
    assert {f.rule_id for f in canary} >= spec.expected
    assert [f.location.path for f in real] == ["a.py"]  # type: ignore[union-attr]


def test_the_scanner_fails_outside_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    out = SecscanHistoryScanner().execute(_ctx(tmp_path / "plain", history=True), [], [], Runner())
    assert out.parsed.status is Status.FAILED and "git history not read" in (out.parsed.reason or "")
