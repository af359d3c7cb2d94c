"""`--shard I/N` end to end: the parts are disjoint and complete, and `secscan merge` of all N parts gives the
findings (fingerprints), health and gate of one unsharded run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.scanners import canaries

pytestmark = pytest.mark.slow
SCANNERS = "bandit,secscan-secrets,mtls"
PROBLEMS = [
    "import subprocess\n\n\ndef run(c):\n    subprocess.call(c, shell=True)\n",
    "import pickle\n\n\ndef load(b):\n    return pickle.loads(b)\n",
    "import hashlib\n\n\ndef h(d):\n    return hashlib.md5(d).hexdigest()\n",
    "def check(x):\n    assert x\n    return eval(x)\n",
    "import yaml\n\n\ndef conf(s):\n    return yaml.load(s)\n",
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shard") / "proj"
    for i in range(24):
        folder = root / f"pkg{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        padding = "".join(f"VALUE_{j} = {j}\n" for j in range(i * 7))  # files of different sizes
        (folder / f"mod{i}.py").write_text(padding + PROBLEMS[i % len(PROBLEMS)], "utf-8")
    (root / "conf").mkdir()
    (root / "conf" / "app.ini").write_text(canaries.fake_aws_key_file(), "utf-8")
    (root / "README.md").write_text("docs\n", "utf-8")
    return root


def run(args: list[str], out: Path) -> tuple[int, dict]:
    code = main([*args, "--output-dir", str(out), "--quiet", "--format", "json"])
    return code, json.loads((out / "secscan.json").read_text("utf-8"))


def scan(tree: Path, out: Path, *extra: str) -> tuple[int, dict]:
    return run(["all", str(tree), "--offline", "--no-cache", "--scanners", SCANNERS, *extra], out)


def prints(report: dict) -> set[str]:
    return {f["fingerprint"] for f in report["findings"]}


def paths(report: dict) -> set[str]:
    return {f["location"]["path"] for f in report["findings"] if f.get("location")}


@pytest.fixture(scope="module")
def unsharded(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict]:
    return scan(tree, tmp_path_factory.mktemp("unsharded"))


@pytest.mark.parametrize("total", [2, 3])
def test_merged_shards_equal_unsharded(tree: Path, tmp_path: Path, unsharded: tuple[int, dict],
                                       total: int) -> None:
    code, whole = unsharded
    assert len(whole["findings"]) >= 20
    parts = []
    for i in range(1, total + 1):
        part_code, part = scan(tree, tmp_path / f"part{i}", "--shard", f"{i}/{total}")
        # a scanner named in --scanners but not per-file runs in shard 1 only: not missing from the others
        assert part_code in (0, 1), part["scanners"]
        assert not part["summary"]["gate"]["incomplete"]
        assert any(n.startswith(f"shard {i}/{total}:") for n in part["notes"]), part["notes"]
        mtls = next(s for s in part["scanners"] if s["name"] == "mtls")
        assert (mtls["status"] == "ok") == (i == 1), mtls  # not per-file: shard 1 only
        parts.append(part)
    found = [paths(p) for p in parts]
    assert all(found), "a shard got no file with findings: the split is not balanced"
    assert all(not a & b for k, a in enumerate(found) for b in found[k + 1:]), "shards overlap"
    assert set().union(*found) == paths(whole)
    merged_code, merged = run(["merge", *(str(tmp_path / f"part{i}" / "secscan.json")
                                          for i in range(1, total + 1))], tmp_path / "merged")
    assert prints(merged) == prints(whole)
    assert sorted(f["rule_id"] for f in merged["findings"]) == sorted(f["rule_id"] for f in whole["findings"])
    assert merged_code == code and merged["summary"]["gate"]["passed"] == whole["summary"]["gate"]["passed"]
    for s in whole["scanners"]:
        m = next(x for x in merged["scanners"] if x["name"] == s["name"])
        assert m["status"] == s["status"], (m, s)
    shards = next(x for x in merged["scanners"] if x["name"] == "shards")
    assert shards["status"] == "ok"
    assert shards["coverage"] == {"shards_expected": total, "shards_merged": total}
    if total == 3:  # a merge of 2 of the 3 parts (or a part given twice) never reads as complete
        for picked in ((1, 3), (1, 2, 2, 3)):
            code3, partial = run(["merge", *(str(tmp_path / f"part{i}" / "secscan.json") for i in picked)],
                                 tmp_path / f"merged-{len(picked)}")
            bad = next(x for x in partial["scanners"] if x["name"] == "shards")
            assert code3 == 3 and bad["status"] == "failed" and partial["summary"]["gate"]["incomplete"]
        assert "missing shard(s) 2/3" in run(["merge", str(tmp_path / "part1" / "secscan.json"),
                                              str(tmp_path / "part3" / "secscan.json")],
                                             tmp_path / "again")[1]["scanners"][-1]["reason"]


def test_shard_split_is_deterministic_and_stable(tree: Path, tmp_path: Path) -> None:
    _c, first = scan(tree, tmp_path / "a", "--shard", "1/2", "--scanners", "secscan-secrets,bandit")
    _c, again = scan(tree, tmp_path / "b", "--shard", "1/2", "--scanners", "secscan-secrets,bandit")
    assert prints(first) == prints(again)
    (tree / "pkg0" / "zz_added.py").write_text("X = 1\n", "utf-8")
    try:
        _c, after = scan(tree, tmp_path / "c", "--shard", "1/2", "--scanners", "secscan-secrets,bandit")
    finally:
        (tree / "pkg0" / "zz_added.py").unlink()
    moved = paths(first) ^ paths(after)
    assert len(moved) <= 2, f"one added file moved {sorted(moved)} between shards"
