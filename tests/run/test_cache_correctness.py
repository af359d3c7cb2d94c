"""Incremental cache correctness: a warm run gives the findings of a cold run after any change, and a warm
run where nothing changed starts no scanner process (wrappers on PATH log every start of the real tools)."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import INSECURE_PY, scanner

from secscan.cli.main import main
from secscan.run.cache import Cache
from secscan.scanners import canaries

pytestmark = pytest.mark.slow
TOOLS = ("bandit", "detect-secrets", "semgrep")
SCANNERS = "bandit,detect-secrets,secscan-secrets"
FakeBin = Callable[[str, str], Path]
Log = Callable[[], list[str]]


GUARD = 'if [ -n "$SECSCAN_TEST_WRAPPED" ]; then echo "wrapper recursion" >&2; exit 97; fi\n' \
    'export SECSCAN_TEST_WRAPPED=1\n'


def _locate(name: str) -> str | None:
    """The real executable (beside this interpreter first: a pyenv shim would find the wrapper again)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


REAL = {name: _locate(name) for name in TOOLS}  # resolved before any test puts wrappers on PATH


def _real(name: str) -> str:
    path = REAL[name]
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture
def logged(fake_bin: FakeBin, tmp_path: Path) -> Callable[[], list[str]]:
    """Wrappers for the real tools that log every process start; returns a reader of the log."""
    log = tmp_path / "starts.log"
    log.touch()
    for name in TOOLS:
        fake_bin(name, f'{GUARD}echo "{name} $*" >> "{log}"\nexec "{_real(name)}" "$@"\n')
    return lambda: log.read_text("utf-8").splitlines()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "lib").mkdir(parents=True)
    (root / "conf").mkdir()
    (root / "app.py").write_text(INSECURE_PY, "utf-8")
    (root / "util.py").write_text("def check(x, data):\n    assert x\n    return eval(data)\n", "utf-8")
    (root / "lib" / "helpers.py").write_text("import yaml\n\n\ndef load(s):\n    return yaml.load(s)\n")
    (root / "conf" / "settings.ini").write_text(canaries.fake_aws_key_file(), "utf-8")
    (root / "README.md").write_text("nothing here\n", "utf-8")
    return root


def scan(target: Path, out: Path, *extra: str, cache: Path | None = None, scanners: str = SCANNERS) -> dict:
    args = ["all", str(target), "--offline", "--scanners", scanners, "--output-dir", str(out), "--quiet",
            "--format", "json", *extra]
    args += ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
    main(args)
    report: dict = json.loads((out / "secscan.json").read_text("utf-8"))
    return report


def prints(report: dict) -> set[str]:
    return {f["fingerprint"] for f in report["findings"]}


def places(report: dict) -> set[tuple[str, str, int]]:
    """(rule, path, line) of every finding and of every rule merged into it (bandit B307 + semgrep eval)."""
    out = set()
    for f in report["findings"]:
        merged = f.get("properties", {}).get("merged_from", ())
        for rule in {f["rule_id"], *(m["rule_id"] for m in merged)}:
            out.add((rule, f["location"]["path"], f["location"]["start_line"]))
    return out


def same_as_cold(target: Path, tmp_path: Path, cache: Path, tag: str, scanners: str = SCANNERS,
                 *extra: str) -> dict:
    """Warm (cached) and cold (--no-cache) runs agree on findings and health; returns the warm report."""
    warm = scan(target, tmp_path / f"warm-{tag}", *extra, cache=cache, scanners=scanners)
    cold = scan(target, tmp_path / f"cold-{tag}", *extra, scanners=scanners)
    assert places(warm) == places(cold), tag
    assert prints(warm) == prints(cold), tag
    for s in cold["scanners"]:
        assert scanner(warm, s["name"])["status"] == s["status"], (tag, s["name"])
    return warm


def test_file_edits_added_deleted_renamed(tree: Path, tmp_path: Path, logged: Log) -> None:
    every = SCANNERS + ",semgrep"  # every per-file scanner
    cache = tmp_path / "cache"
    first = same_as_cold(tree, tmp_path, cache, "first", every)
    assert scanner(first, "bandit")["coverage"]["files_from_cache"] == 0
    assert ("B307", "util.py", 3) in places(first)

    (tree / "util.py").write_text("def check(x, data):\n    assert x\n    return int(data)\n", "utf-8")
    warm = same_as_cold(tree, tmp_path, cache, "edited", every)
    assert ("B307", "util.py", 3) not in places(warm)
    assert scanner(warm, "bandit")["coverage"]["files_from_cache"] == 2  # app.py and lib/helpers.py
    assert scanner(warm, "semgrep")["coverage"]["files_from_cache"] == 2

    (tree / "lib" / "new.py").write_text("import subprocess\n\n\ndef go(c):\n"
                                         "    subprocess.call(c, shell=True)\n")
    warm = same_as_cold(tree, tmp_path, cache, "added", every)
    assert ("B602", "lib/new.py", 5) in places(warm)
    assert scanner(warm, "bandit")["coverage"]["files_from_cache"] == 3

    (tree / "app.py").unlink()
    warm = same_as_cold(tree, tmp_path, cache, "deleted", every)
    assert not any(p == "app.py" for _r, p, _l in places(warm))

    (tree / "conf" / "settings.ini").rename(tree / "conf" / "prod.ini")
    (tree / "lib" / "helpers.py").rename(tree / "lib" / "loaders.py")
    warm = same_as_cold(tree, tmp_path, cache, "renamed", every)
    paths = {p for _r, p, _l in places(warm)}
    assert {"conf/prod.ini", "lib/loaders.py"} <= paths
    assert not {"conf/settings.ini", "lib/helpers.py"} & paths


def test_unchanged_tree_starts_no_scanner_process(tree: Path, tmp_path: Path,
                                                   logged: Log) -> None:
    cache = tmp_path / "cache"
    cold = scan(tree, tmp_path / "cold", cache=cache)
    started = logged()
    assert any(line.startswith("bandit -f json") for line in started)
    assert any(line.startswith("detect-secrets") and " scan " in line for line in started)
    warm = scan(tree, tmp_path / "warm", cache=cache)
    assert logged() == started, "a warm run with nothing changed started a tool (a scan or --version)"
    assert prints(warm) == prints(cold)
    for name in ("bandit", "detect-secrets", "secscan-secrets"):
        s = scanner(warm, name)
        assert s["status"] == "ok" and s["canary"] == "detected" and s["cached"] is True, s
        assert s["coverage"]["files_from_cache"] == s["coverage"]["files_scanned"] > 0
        assert s["version"] == scanner(cold, name)["version"]
    # --no-canary on the same cache: nothing to check, nothing to start
    nocanary = scan(tree, tmp_path / "nocanary", "--no-canary", cache=cache)
    assert logged() == started and prints(nocanary) == prints(cold)
    assert scanner(nocanary, "bandit")["canary"] == "disabled"


def test_tool_upgraded(tree: Path, tmp_path: Path, fake_bin: FakeBin, logged: Log) -> None:
    cache = tmp_path / "cache"
    before = same_as_cold(tree, tmp_path, cache, "before")
    assert ("B101", "util.py", 2) in places(before)
    # the "new release" of bandit no longer reports assert statements
    fake_bin("bandit", f'{GUARD}exec "{_real("bandit")}" -s B101 "$@"\n')
    after = same_as_cold(tree, tmp_path, cache, "after")
    assert ("B101", "util.py", 2) not in places(after)
    assert scanner(after, "bandit")["coverage"]["files_from_cache"] == 0


def test_config_changed(tree: Path, tmp_path: Path, logged: Log) -> None:
    cache = tmp_path / "cache"
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.bandit]\nskips = []\n', "utf-8")
    before = same_as_cold(tree, tmp_path, cache, "before")
    assert ("B101", "util.py", 2) in places(before)
    (tree / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.bandit]\nskips = ["B101"]\n')
    after = same_as_cold(tree, tmp_path, cache, "after")
    assert ("B101", "util.py", 2) not in places(after)


def test_detect_secrets_baseline_settings_changed(tree: Path, tmp_path: Path, logged: Log) -> None:
    """The target's .secrets.baseline carries detect-secrets' plugin settings: a change is a new key."""
    cache = tmp_path / "cache"
    (tree / "lib" / "token.py").write_text('TOKEN = "Zq8vR2mK9xW4tB7nL1pS6dF3hJ0cY5gA"\n', "utf-8")

    def baseline(limit: float) -> None:
        plugins = [{"name": "Base64HighEntropyString", "limit": limit}, {"name": "AWSKeyDetector"}]
        (tree / ".secrets.baseline").write_text(json.dumps({"version": "1.5.0", "plugins_used": plugins,
                                                            "filters_used": [], "results": {}}), "utf-8")

    def ds_places(report: dict) -> set[tuple[str, str, int]]:
        return {p for p in places(report) if p[0].startswith("detect-secrets.")}

    baseline(4.5)
    strict = same_as_cold(tree, tmp_path, cache, "strict", "detect-secrets")
    assert ("detect-secrets.Base64HighEntropyString", "lib/token.py", 1) in ds_places(strict)
    baseline(5.9)  # more entropy needed than a 32-character string can have: the hit goes away
    relaxed = same_as_cold(tree, tmp_path, cache, "relaxed", "detect-secrets")
    assert ("detect-secrets.Base64HighEntropyString", "lib/token.py", 1) not in ds_places(relaxed)
    assert scanner(relaxed, "detect-secrets")["coverage"]["files_from_cache"] == 0


def test_rule_file_changed(tree: Path, tmp_path: Path, logged: Log) -> None:
    from secscan.core.resources import rules_path

    rules = tmp_path / "rules"
    shutil.copytree(rules_path("semgrep"), rules)
    cache = tmp_path / "cache"
    from secscan.core.options import ScanOptions
    from secscan.run import engine

    def run(use_cache: bool) -> set[tuple[str, str, int]]:
        opts = ScanOptions(target=tree, scanners=("semgrep",), offline=True, use_cache=use_cache,
                           cache_dir=cache, extra={"semgrep_rules": str(rules)})
        result = engine.scan(opts)
        (sem,) = [s for s in result.scanners if s.name == "semgrep"]
        assert sem.status.value == "ok", sem
        return {(f.rule_id, f.location.path, f.location.start_line) for f in result.findings if f.location}

    before = run(True)
    (rules / "extra-eval.yaml").write_text(
        "rules:\n  - id: test.eval-call\n    languages: [python]\n    severity: WARNING\n"
        "    message: eval call\n    pattern: eval(...)\n", "utf-8")
    after = run(True)
    assert after == run(False)
    assert ("test.eval-call", "util.py", 3) in after - before


def test_bandit_partial_is_cached_as_partial(tree: Path, tmp_path: Path, logged: Log) -> None:
    (tree / "broken.py").write_text("def broken(:\n    pass\n", "utf-8")
    cache = tmp_path / "cache"
    cold = same_as_cold(tree, tmp_path, cache, "cold", "bandit")
    assert scanner(cold, "bandit")["status"] == "partial"
    started = logged()
    warm = scan(tree, tmp_path / "warm", cache=cache, scanners="bandit")
    assert logged() == started
    s = scanner(warm, "bandit")
    assert s["status"] == "partial" and "broken.py" in s["reason"] and prints(warm) == prints(cold)
    (tree / "broken.py").write_text("def fixed():\n    pass\n", "utf-8")
    fixed = same_as_cold(tree, tmp_path, cache, "fixed", "bandit")
    assert scanner(fixed, "bandit")["status"] == "ok"


def test_damaged_entries_and_corrupt_file_are_not_trusted(tree: Path, tmp_path: Path,
                                                           logged: Log) -> None:
    cache = tmp_path / "cache"
    cold = scan(tree, tmp_path / "cold", cache=cache, scanners="bandit")
    conn = sqlite3.connect(cache / "cache.sqlite3")
    conn.execute("""UPDATE entries SET v = '[{"rule_id": "poison"}]' WHERE v LIKE '[%'""")
    conn.commit()
    conn.close()
    warm = scan(tree, tmp_path / "warm", cache=cache, scanners="bandit")
    assert prints(warm) == prints(cold) and "poison" not in {r for r, _p, _l in places(warm)}
    assert scanner(warm, "bandit")["coverage"]["files_from_cache"] == 0

    (cache / "cache.sqlite3").write_bytes(b"garbage" * 1000)
    for suffix in ("-wal", "-shm"):
        (cache / f"cache.sqlite3{suffix}").unlink(missing_ok=True)
    rebuilt = scan(tree, tmp_path / "rebuilt", cache=cache, scanners="bandit")
    assert prints(rebuilt) == prints(cold)
    assert any("ignored and rebuilt" in n for n in rebuilt["notes"]), rebuilt["notes"]


def _writer(folder: str, n: int) -> None:
    cache = Cache(Path(folder))
    for round_ in range(20):
        cache.put_many("scope", [(f"{n}-{i}", [n, i, round_]) for i in range(50)])
        cache.get_many("scope", [f"{(n + 1) % 4}-{i}" for i in range(50)])


def test_concurrent_processes_do_not_corrupt(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path / "c"), n)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    cache = Cache(tmp_path / "c")
    assert not cache.warnings
    got = cache.get_many("scope", [f"{n}-{i}" for n in range(4) for i in range(50)])
    assert len(got) == 200 and all(v[2] == 19 for v in got.values())


def test_database_without_tables_yet_is_initialised_not_moved_aside(tmp_path: Path) -> None:
    """What another run sees while the first run is still creating the cache: a header, no tables."""
    folder = tmp_path / "c"
    folder.mkdir()
    conn = sqlite3.connect(folder / "cache.sqlite3")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    assert (folder / "cache.sqlite3").stat().st_size > 0
    cache = Cache(folder)
    assert not cache.warnings and not list(folder.glob("cache.broken-*"))
    cache.put("s", "k", [1])
    assert cache.get("s", "k") == [1]


def _first_opener(folder: str, go: Any, n: int) -> None:
    go.wait(30)
    cache = Cache(Path(folder))
    assert not cache.warnings, cache.warnings
    cache.put_many("scope", [(f"{n}-{i}", [n, i]) for i in range(20)])


def test_many_processes_creating_the_cache_at_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    for attempt in range(3):
        folder = str(tmp_path / f"c{attempt}")
        go = ctx.Event()
        procs = [ctx.Process(target=_first_opener, args=(folder, go, n)) for n in range(6)]
        for p in procs:
            p.start()
        go.set()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0] * 6
        assert not list(Path(folder).glob("cache.broken-*"))
        got = Cache(Path(folder)).get_many("scope", [f"{n}-{i}" for n in range(6) for i in range(20)])
        assert len(got) == 120
