"""Issue 24 sections of scripts/bench.py: the detect-secrets prefilter, secscan's fixed overhead, and
bandit in two processes on halves of the files.

Each takes the bench module (its measure/secscan/row/header helpers) as the first argument. Times are
wall seconds and CPU seconds (user+sys of every process of the command, waited-for children included):
on a shared machine the CPU seconds are the steadier figure.
"""

from __future__ import annotations

import json
import shlex
import statistics
from pathlib import Path
from types import ModuleType
from typing import Any

Key = tuple[str, Any, str, Any]


def finding_keys(report: dict, tool: str) -> set[Key]:
    """(file, line, rule, hashed secret) of the report's findings from one tool (every place of a
    finding that lists the places of one secret value)."""
    out: set[Key] = set()
    for f in report["findings"]:
        if tool not in f["sources"] or not f.get("location"):
            continue
        digest = (f.get("secret") or {}).get("hash")
        places = f["properties"].get("places") or [f["location"]]
        out.update((pl["path"], pl["start_line"], f["rule_id"], digest) for pl in places
                   if tool in pl.get("sources", [tool]))
    return out


def _status(report: dict, name: str) -> dict:
    return next(s for s in report["scanners"] if s["name"] == name)


def bench_prefilter(b: ModuleType, tree: Path, work: Path, repeat: int) -> None:
    """detect-secrets through secscan with and without the prefilter: CPU, wall, memory, same findings."""
    b.header("Issue 24: detect-secrets with the candidate-line prefilter vs whole files "
             "(secscan all --scanners detect-secrets --no-cache)")
    runs: dict[str, list[dict]] = {"prefilter": [], "whole files": []}
    keys: dict[str, list[set[Key]]] = {"prefilter": [], "whole files": []}
    for i in range(repeat):
        for kind, extra in (("prefilter", ()), ("whole files", ("--no-prefilter",))):
            m, report = b.secscan(tree, work / f"pf-{kind.replace(' ', '-')}-{i}", "--no-cache", "--scanners",
                                  "detect-secrets", *extra)
            runs[kind].append(m)
            keys[kind].append(finding_keys(report, "detect-secrets"))
            st = _status(report, "detect-secrets")
            print(b.row(f"{kind} (run {i + 1})", m, f"{len(keys[kind][-1])} findings, status {st['status']}"))
            if i == 0:
                print(f"    prefilter: {(st.get('evidence') or {}).get('prefilter')}")
    cpu = {k: statistics.median(m["cpu"] for m in v) for k, v in runs.items()}
    wall = {k: statistics.median(m["wall"] for m in v) for k, v in runs.items()}
    same = all(p == w for p, w in zip(keys["prefilter"], keys["whole files"], strict=True))
    print(f"  medians: prefilter {cpu['prefilter']:.1f} CPU-s / {wall['prefilter']:.1f} s wall; whole files "
          f"{cpu['whole files']:.1f} CPU-s / {wall['whole files']:.1f} s wall; CPU ratio "
          f"{cpu['prefilter'] / cpu['whole files']:.2f} (target <= 0.3), wall ratio "
          f"{wall['prefilter'] / wall['whole files']:.2f}")
    print(f"  findings (file, line, type, hashed secret) identical, each run with the whole-files run "
          f"after it: "
          f"{same} ({[len(k) for k in keys['prefilter']]} vs {[len(k) for k in keys['whole files']]})")


def bench_prefilter_tool(b: ModuleType, tree: Path, work: Path) -> None:
    """The tool alone: `detect-secrets scan --all-files .` on the tree and on the prefiltered copies
    (made in this process, lines mapped back): CPU of each, and whether (file, line, type, hashed secret)
    are identical. Independent of the rest of secscan's pipeline."""
    import time

    from secscan.scanners.detect_secrets_prefilter import derive
    from secscan.scanners.detect_secrets_stage import stage

    b.header("Issue 24: detect-secrets alone on Django and on the prefiltered copies (same command line)")
    names = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file() and not p.is_symlink())
    copies = work / "ds-copies"
    started = time.process_time()
    stats = stage(tree, names, copies, derive(None))
    staging = time.process_time() - started
    argv = ["detect-secrets", "scan", "--all-files", "."]
    pre = b.measure(argv, copies, work / "ds-prefiltered.json")
    full = b.measure(argv, tree, work / "ds-full.json")

    def found(path: Path, mapped: bool) -> set[tuple[str, int, str, str]]:
        data = json.loads(path.read_text("utf-8"))
        return {(f, stats.original_line(f, x["line_number"]) if mapped else x["line_number"], x["type"],
                 x["hashed_secret"]) for f, items in data["results"].items() for x in items}

    a, w = found(work / "ds-prefiltered.json", True), found(work / "ds-full.json", False)
    print(b.row("detect-secrets on the prefiltered copies", pre, f"+ {staging:.1f} CPU-s making the copies"))
    print(b.row("detect-secrets on the whole files", full))
    print(f"  {stats.describe()}")
    print(f"  CPU ratio (copies + tool) / whole: {(staging + pre['cpu']) / full['cpu']:.2f} (target <= 0.3); "
          f"findings identical: {a == w} ({len(a)} vs {len(w)})")


def bench_overhead(b: ModuleType, work: Path, repeat: int) -> None:
    """secscan's own fixed cost: a run in which no scanner has anything to scan (an empty folder)."""
    b.header("Issue 24: secscan's fixed overhead (secscan all --no-cache on an empty folder)")
    empty = work / "empty"
    empty.mkdir(exist_ok=True)
    walls = []
    for i in range(repeat):
        m, report = b.secscan(empty, work / f"overhead-{i}", "--no-cache")
        walls.append(m["wall"])
        ran = sorted(s["name"] for s in report["scanners"] if s["status"] != "skipped")
        print(b.row(f"empty folder (run {i + 1})", m, f"scanners not skipped: {', '.join(ran) or 'none'}"))
    print(f"  median {statistics.median(walls):.2f} s (target < 1 s)")


def _bandit_keys(paths: list[Path]) -> set[tuple[str, int, str]]:
    out = set()
    for path in paths:
        for r in json.loads(path.read_text("utf-8"))["results"]:
            out.add((r["filename"], r["line_number"], r["test_id"]))
    return out


def bench_bandit_split(b: ModuleType, tree: Path, work: Path, repeat: int) -> None:
    """bandit once on every .py file vs two bandit processes at once on halves (balanced by size)."""
    b.header("Issue 24: bandit in one process vs two processes on halves of the .py files")
    files = sorted((p for p in tree.rglob("*.py") if p.is_file()), key=lambda p: -p.stat().st_size)
    halves: list[list[str]] = [[], []]
    sizes = [0, 0]
    for p in files:
        i = sizes.index(min(sizes))
        halves[i].append(str(p.relative_to(tree)))
        sizes[i] += p.stat().st_size
    lists = []
    for i, half in enumerate(halves):
        lists.append(work / f"bandit-half-{i}.txt")
        lists[-1].write_text("\n".join(half), "utf-8")
    every = work / "bandit-all.txt"
    every.write_text("\n".join(sorted(h for half in halves for h in half)), "utf-8")
    argv = "-d '\\n' -x -s 1000000 bandit -f json -q -o"
    one = f"xargs -a {shlex.quote(str(every))} {argv} {work}/bandit-one.json"
    two = " & ".join(f"xargs -a {shlex.quote(str(lst))} {argv} {work}/bandit-two-{i}.json"
                     for i, lst in enumerate(lists)) + " & wait"
    walls: dict[str, list[float]] = {"one": [], "two": []}
    cpus: dict[str, list[float]] = {"one": [], "two": []}
    for i in range(repeat):
        for kind, cmd in (("one", one), ("two", two)):
            m = b.measure(["sh", "-c", cmd], tree, work / f"bandit-{kind}-{i}.out")
            walls[kind].append(m["wall"])
            cpus[kind].append(m["cpu"])
            print(b.row(f"bandit, {kind} process(es) (run {i + 1})", m))
    whole = _bandit_keys([work / "bandit-one.json"])
    split = _bandit_keys([work / f"bandit-two-{i}.json" for i in range(2)])
    print(f"  median wall one {statistics.median(walls['one']):.1f} s, "
          f"two {statistics.median(walls['two']):.1f} s; CPU one {statistics.median(cpus['one']):.1f} s, "
          f"two {statistics.median(cpus['two']):.1f} s; "
          f"findings (file, line, test) identical: {whole == split} ({len(whole)} vs {len(split)})")
