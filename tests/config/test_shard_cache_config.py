"""Sharding, the sqlite cache, and [tool.secscan] validation."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from secscan.config import load as config
from secscan.core.errors import UsageError
from secscan.core.shard import assign, balance, parse_shard, select_shard
from secscan.run.cache import Cache


def _files(n: int) -> tuple[list[str], dict[str, int]]:
    files = [f"pkg{i % 17}/mod_{i}.py" for i in range(n)]
    return files, {f: 100 + (i * 7919) % 5000 for i, f in enumerate(files)}


def test_shards_partition_and_balance() -> None:
    files, sizes = _files(2000)
    parts = [select_shard(files, sizes, i, 4) for i in range(1, 5)]
    assert sorted(f for p in parts for f in p) == sorted(files)
    assert all(not set(a) & set(b) for i, a in enumerate(parts) for b in parts[i + 1 :])
    weights = [b for _n, b in balance(files, sizes, 4)]
    assert max(weights) / min(weights) < 1.05


def test_shards_stable_under_additions() -> None:
    files, sizes = _files(2000)
    before = assign(files, sizes, 4)
    more = [*files, *(f"new/extra_{i}.py" for i in range(20))]
    sizes2 = {**sizes, **{f"new/extra_{i}.py": 300 for i in range(20)}}
    after = assign(more, sizes2, 4)
    moved = sum(1 for f in files if before[f] != after[f])
    assert moved <= 3 * 20  # only files next to the cuts move, not a reshuffle


@pytest.mark.parametrize("bad", ["0/4", "5/4", "x", "1/0", "1-2"])
def test_parse_shard_rejects(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_shard(bad)


def test_cache_roundtrip_and_concurrency(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    cache.put("s", "k", {"a": 1})
    assert cache.get("s", "k") == {"a": 1}
    assert cache.get("s", "k", max_age_s=-1) is None

    def writer(n: int) -> None:
        c = Cache(tmp_path / "c")
        c.put_many("s", [(f"{n}-{i}", [i]) for i in range(200)])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = cache.get_many("s", [f"{n}-{i}" for n in range(4) for i in range(200)])
    assert len(got) == 800


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "cache.sqlite3").write_bytes(b"this is not sqlite" * 100)
    cache = Cache(folder)
    assert cache.warnings and "ignored and rebuilt" in cache.warnings[0]
    cache.put("s", "k", [1])
    assert cache.get("s", "k") == [1]


def test_foreign_sqlite_is_not_trusted(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    conn = sqlite3.connect(folder / "cache.sqlite3")
    conn.execute("CREATE TABLE entries (scope TEXT, k TEXT, v TEXT, created REAL)")
    conn.execute("INSERT INTO entries VALUES ('s', 'k', '[\"poison\"]', 0)")
    conn.commit()
    conn.close()
    cache = Cache(folder)
    assert any("not a secscan cache" in w for w in cache.warnings)
    assert cache.get("s", "k") is None
    assert list(folder.glob("cache.broken-*"))  # moved aside, not deleted
    cache.put("s", "k", [2])
    assert cache.get("s", "k") == [2]


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text, "utf-8")
    return tmp_path


def test_config_valid(tmp_path: Path) -> None:
    conf = config.load(
        _write(
            tmp_path,
            """
[tool.secscan]
fail_on = "high"
scanners = ["bandit", "semgrep"]
exclude = ["vendor/*"]
timeout = 120
offline = true
require_pqc = false
severity = { B101 = "info" }
ignore = [{ rule = "B404", reason = "subprocess import is fine" }]
""",
        )
    )
    assert conf.get("fail_on") == "high" and conf.get("timeout") == 120


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail_on = "severe"', "fail_on must be one of"),
        ('colour = "red"', "unknown key 'colour'"),
        ('scanners = ["bandit", "nessus"]', "unknown scanner"),
        ("timeout = true", "timeout must be a number"),
        ("timeout = -5", "timeout must be positive"),
        ('severity = { B101 = "urgent" }', "severity.B101"),
        ('ignore = [{ rule = "B404" }]', "has no reason"),
        ('offline = "yes"', "offline must be a bool"),
    ],
)
def test_config_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        config.load(_write(tmp_path, "[tool.secscan]\n" + text + "\n"))


def test_config_without_table_and_explicit_missing(tmp_path: Path) -> None:
    assert config.load(_write(tmp_path, "[project]\nname = 'x'\n")).values == {}
    with pytest.raises(UsageError, match="no such file"):
        config.load(tmp_path, tmp_path / "nope.toml")
