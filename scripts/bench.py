#!/usr/bin/env python3
"""Benchmark ``secscan all`` on the Django 4.2.16 source tree (issues 3, 11 and 14).

Downloads Django's sdist with pip (cached under ./bench-work/, which git ignores), copies the tree, and
prints:

1. the tools one after another with their usual command lines (bandit, semgrep with the bundled rules,
   detect-secrets) against ``secscan all --offline`` given the same tools, with wall time, peak memory, the
   ratio, and whether any (file, line) a tool reported on its own is missing from secscan's report;
2. the full ``secscan all --offline`` with and without canaries (the canaries' cost);
3. the incremental cache: cold run, warm run with nothing changed, a run after editing one file, each compared
   with a run without cache (fingerprints);
4. two shards, each run alone, and ``secscan merge`` of both compared with the unsharded run.

5. (issue 24) detect-secrets through secscan with the candidate-line prefilter and with whole files
   (--no-prefilter): CPU and wall medians, their ratio, and whether the findings (file, line, type, hashed
   secret) are identical; secscan's fixed overhead (an empty folder); bandit in one process vs two at once
   on halves of the .py files (wall, CPU, identical findings). Every row has CPU seconds (user+sys of all
   processes): on a shared machine they are steadier than wall time.

    python scripts/bench.py [--work bench-work] [--repeat 3] [--seq-repeat 1]
                            [--only seq,canary,cache,shard,prefilter,overhead,bandit-split]

Every command is a fresh process. Memory: the largest single process of the command (getrusage
RUSAGE_CHILDREN in a small measuring parent) and the peak of all its processes together (tools running in
parallel), sampled from /proc every 0.25 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

import bench_prefilter

ROOT = Path(__file__).resolve().parents[1]
DJANGO = "django==4.2.16"
SDIST = "Django-4.2.16.tar.gz"
TOOLS = ("bandit", "semgrep", "detect-secrets")
EDITED = ("django/utils/text.py", "django/core/files/storage/filesystem.py",
          "django/db/models/query_utils.py", "django/http/request.py", "django/forms/fields.py")
EDIT = ("\n\ndef _secscan_bench_edit(cmd):\n    import subprocess\n"
        "    return subprocess.call(cmd, shell=True)\n")
MEASURE = """
import json, os, resource, subprocess, sys, threading, time


def tree_rss(root):
    # resident memory of root and all its descendants, from /proc (KiB)
    parent, rss = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                parent[int(pid)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/status") as fh:
                rss[int(pid)] = next((int(l.split()[1]) for l in fh if l.startswith("VmRSS:")), 0)
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += [c for c, p in parent.items() if p == pid]
    return total


t0 = time.monotonic()
peak = [0]
with open(sys.argv[1], "wb") as out:
    proc = subprocess.Popen(sys.argv[3:], stdout=out, stderr=subprocess.DEVNULL, cwd=sys.argv[2])
    done = threading.Event()

    def sample():
        while not done.wait(0.25):
            peak[0] = max(peak[0], tree_rss(proc.pid))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    rc = proc.wait()
    done.set()
wall = time.monotonic() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "peak_mib": usage.ru_maxrss / 1024, "tree_mib": peak[0] / 1024,
                  "cpu": usage.ru_utime + usage.ru_stime}))
"""


def prepare(work: Path) -> Path:
    """Django's pristine source tree, downloaded and unpacked once."""
    work.mkdir(parents=True, exist_ok=True)
    src = work / "Django-4.2.16"
    if src.is_dir():
        return src
    if not (work / SDIST).is_file():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", DJANGO,
                        "-d", str(work)], check=True)
    with tarfile.open(work / SDIST) as tar:
        tar.extractall(work, filter="data")
    return src


def fresh_tree(src: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, symlinks=True)
    return dest


def measure(argv: list[str], cwd: Path, stdout: Path) -> dict:
    """Run argv in a measuring parent: wall seconds, exit code, peak MiB (largest process)."""
    res = subprocess.run([sys.executable, "-c", MEASURE, str(stdout), str(cwd), *argv], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out: dict = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def secscan(tree: Path, out: Path, *extra: str) -> tuple[dict, dict]:
    """One `secscan all --offline` run: its measurement and its JSON report."""
    out.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "secscan", "all", str(tree), "--offline", "--quiet", "--format",
            "json",
            "--output-dir", str(out), *extra]
    m = measure(argv, ROOT, out / "stdout.txt")
    report: dict = json.loads((out / "secscan.json").read_text("utf-8"))
    return m, report


def sequential(tree: Path, out: Path) -> dict[str, tuple[dict, Counter[tuple[str, int]]]]:
    """Each tool with its usual command line, one after another (semgrep: --no-git-ignore, as the bench
    tree sits in a git-ignored folder; an empty .semgrepignore, so semgrep's built-in ignore list, which
    leaves out tests/, does not hide files secscan hands it by name)."""
    out.mkdir(parents=True, exist_ok=True)
    if not (tree / ".semgrepignore").exists():
        (tree / ".semgrepignore").write_text("", "utf-8")
    rules = ROOT / "rules" / "semgrep"
    lines = {
        "bandit": ["bandit", "-r", ".", "-f", "json", "-q"],
        "semgrep": ["semgrep", "scan", "--config", str(rules), "--json", "--metrics=off",
                    "--disable-version-check", "--quiet", "--no-git-ignore", "."],
        "detect-secrets": ["detect-secrets", "scan", "--all-files", "."],
    }
    runs = {}
    for tool, argv in lines.items():
        m = measure(argv, tree, out / f"{tool}.json")
        runs[tool] = (m, tool_places(tool, json.loads((out / f"{tool}.json").read_text("utf-8"))))
    return runs


def _rel(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def tool_places(tool: str, data: dict) -> Counter[tuple[str, int]]:
    """(file, line) of every finding in a tool's own JSON output."""
    if tool == "bandit":
        # secscan reports a finding at the first line of its range (bandit's line_number may be a later one)
        return Counter((_rel(r["filename"]), (r.get("line_range") or [r["line_number"]])[0])
                       for r in data["results"])
    if tool == "semgrep":  # secscan's reach rules are evidence only, consumed and never reported
        return Counter((_rel(r["path"]), r["start"]["line"]) for r in data["results"]
                       if ".reach-" not in r["check_id"])
    return Counter((_rel(path), s["line_number"]) for path, items in data["results"].items() for s in items)


def secscan_places(report: dict, tool: str) -> Counter[tuple[str, int]]:
    """(file, line) of the findings secscan's report has from one tool (merged findings count per tool)."""
    out: Counter[tuple[str, int]] = Counter()
    for f in report["findings"]:
        places = f["properties"].get("places")
        here = (f["location"]["path"], f["location"]["start_line"]) if f.get("location") else None
        n = sum(1 for m in f["properties"].get("merged_from", []) if m.get("source") == tool) or 1
        if tool in f["sources"] and places:  # one finding per secret value: every place it was seen
            for pl in places:  # the hits merged at the finding's own place count one by one
                if tool in pl.get("sources", [tool]):
                    out[(pl["path"], pl["start_line"])] += n if (pl["path"], pl["start_line"]) == here else 1
        elif tool in f["sources"] and here is not None:
            out[here] += n
    return out


def prints(report: dict) -> set[str]:
    return {f["fingerprint"] for f in report["findings"]}


def row(label: str, m: dict, note: str = "") -> str:
    cpu = f"{m['cpu']:>8.1f}" if "cpu" in m else f"{'':>8}"
    tree = f"{m['tree_mib']:>9.0f}" if "tree_mib" in m else f"{'':>9}"
    return f"| {label:<46} | {m['wall']:>9.1f} | {cpu} | {m['peak_mib']:>8.0f} | {tree} | {note}"


def header(title: str) -> None:
    print(f"\n{title}\n| {'run':<46} | {'wall s':>9} | {'CPU s':>8} | {'peak MiB':>8} | {'tree MiB':>9} |"
          " notes")
    print(f"|{'-' * 48}|{'-' * 11}|{'-' * 10}|{'-' * 10}|{'-' * 11}|------")
    print("  (peak MiB: the largest single process; tree MiB: all processes of the run at once, sampled)")


def bench_sequential(tree: Path, work: Path, repeat: int = 1) -> None:
    header("Issues 3 and 24: secscan all (--offline --no-cache, same tools) vs the tools one after another")
    walls: dict[str, list[float]] = {"seq": [], "secscan": []}
    cpus: dict[str, list[float]] = {"seq": [], "secscan": []}
    for i in range(repeat):
        seq = sequential(tree, work / f"seq-{i}")
        total = sum(m["wall"] for m, _ in seq.values())
        for tool, (m, found) in seq.items():
            print(row(f"{tool} (alone, run {i + 1})", m, f"{sum(found.values())} findings, exit {m['rc']}"))
        peak = max(m["peak_mib"] for m, _ in seq.values())
        cpu = sum(m["cpu"] for m, _ in seq.values())
        tree_mib = max(m.get("tree_mib", 0) for m, _ in seq.values())
        print(row(f"sequential total (run {i + 1})", {"wall": total, "peak_mib": peak, "cpu": cpu,
                                                      "tree_mib": tree_mib}))
        m, report = secscan(tree, work / f"s3-{i}", "--no-cache", "--scanners", ",".join(TOOLS))
        print(row(f"secscan all --scanners {','.join(TOOLS)} (run {i + 1})", m,
                  f"ratio {m['wall'] / total:.2f}, CPU ratio {m['cpu'] / cpu:.2f}"))
        walls["seq"].append(total)
        walls["secscan"].append(m["wall"])
        cpus["seq"].append(cpu)
        cpus["secscan"].append(m["cpu"])
        floor(total, cpu, m)
        same = True
        for tool, (_m, found) in seq.items():
            mine = secscan_places(report, tool)
            lost = found - mine
            extra = mine - found
            same = same and not lost and not extra
            status = next(s for s in report["scanners"] if s["name"] == tool)
            print(f"  {tool}: alone {sum(found.values())}, in secscan {sum(mine.values())} "
                  f"(status {status['status']}); lost {sum(lost.values())}"
                  + (f" e.g. {sorted(lost)[:3]}" if lost else "")
                  + f"; only in secscan {sum(extra.values())}")
        print(f"  findings (file, line) identical to the tools' own: {same}")
    med = {k: statistics.median(v) for k, v in walls.items()}
    cmed = {k: statistics.median(v) for k, v in cpus.items()}
    print(f"  medians of {repeat}: sequential {med['seq']:.1f} s wall / {cmed['seq']:.1f} CPU-s; secscan all "
          f"{med['secscan']:.1f} s wall / {cmed['secscan']:.1f} CPU-s; ratio "
          f"{med['secscan'] / med['seq']:.2f} (target <= 0.6), CPU ratio {cmed['secscan'] / cmed['seq']:.2f}")


def floor(seq_wall: float, seq_cpu: float, m: dict) -> None:
    """The lower bound parallelism alone can reach: the CPU seconds of the work over the cores."""
    cores = os.cpu_count() or 1
    own = m["cpu"] / cores
    print(f"  CPU-bound floor on {cores} cores: the tools' own CPU {seq_cpu:.0f} s / {cores} = "
          f"{seq_cpu / cores:.0f} s (ratio >= {seq_cpu / cores / seq_wall:.2f}); secscan's run used "
          f"{m['cpu']:.0f} CPU-s (>= {own:.0f} s wall, ratio >= {own / seq_wall:.2f})")


def bench_canary(tree: Path, work: Path, repeat: int) -> tuple[dict, float]:
    header("Issue 11: secscan all --offline --no-cache, with and without canaries")
    walls: dict[str, list[float]] = {"with": [], "without": []}
    reference: dict = {}
    for i in range(repeat):
        for kind, extra in (("with", ()), ("without", ("--no-canary",))):
            m, report = secscan(tree, work / f"canary-{kind}-{i}", "--no-cache", *extra)
            walls[kind].append(m["wall"])
            print(row(f"canaries {kind} (run {i + 1})", m, f"{len(report['findings'])} findings"))
            if kind == "with":
                reference = report
    w, wo = statistics.median(walls["with"]), statistics.median(walls["without"])
    print(f"  median with {w:.1f} s, without {wo:.1f} s: canaries cost {100 * (w / wo - 1):+.1f}%")
    return reference, w


def bench_cache(tree: Path, work: Path, repeat: int, reference: dict) -> None:
    header("Issue 14: incremental cache (secscan all --offline)")
    cache = work / "cache-dir"
    shutil.rmtree(cache, ignore_errors=True)
    m, cold = secscan(tree, work / "cache-cold", "--cache-dir", str(cache))
    same = prints(cold) == prints(reference) if reference else None
    print(row("cold (empty cache)", m, f"{len(cold['findings'])} findings; same as --no-cache: {same}"))
    warm_walls: list[float] = []
    warm_cpus: list[float] = []
    for i in range(repeat):
        m, warm = secscan(tree, work / f"cache-warm-{i}", "--cache-dir", str(cache))
        warm_walls.append(m["wall"])
        warm_cpus.append(m["cpu"])
        fromc = {s["name"]: s["coverage"].get("files_from_cache") for s in warm["scanners"]
                 if "files_from_cache" in s["coverage"]}
        print(row(f"warm, nothing changed (run {i + 1})", m,
                  f"same findings as cold: {prints(warm) == prints(cold)}; from cache {fromc}"))
    edit_walls: list[float] = []
    edit_cpus: list[float] = []
    for i in range(repeat):
        path = tree / EDITED[i % len(EDITED)]
        with path.open("a", encoding="utf-8") as fh:
            fh.write(EDIT.replace("_edit(", f"_edit_{i}("))
        m, edited = secscan(tree, work / f"cache-edit-{i}", "--cache-dir", str(cache))
        edit_walls.append(m["wall"])
        edit_cpus.append(m["cpu"])
        print(row(f"one file edited (run {i + 1}: {path.name})", m, f"{len(edited['findings'])} findings"))
        print(f"  scanner seconds (duration_s, in parallel): {scanner_times(edited)}")
    m, nocache = secscan(tree, work / "cache-edited-nocache", "--no-cache")
    print(row("edited tree, --no-cache (for comparison)", m,
              f"same findings as the last cached run: {prints(nocache) == prints(edited)}"))
    med = statistics.median
    print(f"  medians: warm {med(warm_walls):.1f} s wall / {med(warm_cpus):.1f} CPU-s (target < 2 s); "
          f"one-file edit {med(edit_walls):.1f} s / {med(edit_cpus):.1f} CPU-s (target < 5 s); "
          f"load average now {os.getloadavg()[0]:.1f}")


def scanner_times(report: dict) -> str:
    """Each scanner's own duration_s in a report (those that took any time), longest first."""
    times = sorted(((s.get("duration_s") or 0.0, s["name"]) for s in report["scanners"]), reverse=True)
    return ", ".join(f"{name} {t:.2f}" for t, name in times if t >= 0.01) or "none"


def bytecode_note() -> str:
    """Whether the measured processes may use Python's bytecode cache (an installed package has it)."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return ("bytecode cache off (PYTHONDONTWRITEBYTECODE is set): every secscan process compiles its "
                "modules from source, which an installed package does not")
    return "bytecode cache on"


def bench_shards(tree: Path, work: Path, reference: dict, reference_wall: float) -> None:
    header("Issue 14: two shards, each run alone, merged")
    parts = []
    walls = []
    for i in (1, 2):
        m, report = secscan(tree, work / f"shard-{i}", "--no-cache", "--shard", f"{i}/2")
        walls.append(m["wall"])
        parts.append(work / f"shard-{i}" / "secscan.json")
        ratio = f"; ratio to unsharded {m['wall'] / reference_wall:.2f} (target <= 0.6)"
        print(row(f"--shard {i}/2", m, f"{len(report['findings'])} findings{ratio}"))
    out = work / "shard-merged"
    argv = [sys.executable, "-m", "secscan", "merge", *map(str, parts), "--output-dir", str(out),
            "--quiet", "--format", "json"]
    m = measure(argv, ROOT, work / "merge.txt")
    merged = json.loads((out / "secscan.json").read_text("utf-8"))
    print(row("secscan merge", m, f"same findings as unsharded: {prints(merged) == prints(reference)} "
                                  f"({len(merged['findings'])} vs {len(reference['findings'])})"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--work", type=Path, default=ROOT / "bench-work")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the cheap measurements (median quoted)")
    ap.add_argument("--canary-repeat", type=int, default=1, help="runs of each full canary on/off scan")
    ap.add_argument("--only", default="seq,canary,cache,shard,prefilter-tool,prefilter,overhead,bandit-split",
                    help="sections: seq,canary,cache,shard (issues 3, 11, 14), "
                         "prefilter-tool,prefilter,overhead,bandit-split (issue 24)")
    ap.add_argument("--seq-repeat", type=int, default=1, help="runs of the sequential-vs-secscan comparison")
    args = ap.parse_args()
    only = set(args.only.split(","))
    src = prepare(args.work.resolve())
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=args.work.resolve()))
    tree = fresh_tree(src, work / "django")
    print(f"Django 4.2.16: {sum(1 for _ in tree.rglob('*') if _.is_file())} files; {os.cpu_count()} CPUs; "
          f"work in {work}; load average {os.getloadavg()[0]:.1f}; {bytecode_note()}")
    if "overhead" in only:
        bench_prefilter.bench_overhead(sys.modules[__name__], work, args.repeat)
    if "prefilter-tool" in only:
        bench_prefilter.bench_prefilter_tool(sys.modules[__name__], tree, work)
    if "prefilter" in only:
        bench_prefilter.bench_prefilter(sys.modules[__name__], tree, work, args.repeat)
    if "bandit-split" in only:
        bench_prefilter.bench_bandit_split(sys.modules[__name__], tree, work, args.repeat)
    if "seq" in only:
        bench_sequential(tree, work, args.seq_repeat)
    reference: dict = {}
    if "canary" in only:
        reference, ref_wall = bench_canary(tree, work, args.canary_repeat)
    elif "shard" in only:
        m, reference = secscan(tree, work / "unsharded", "--no-cache")
        ref_wall = m["wall"]
    if "shard" in only:
        bench_shards(tree, work, reference, ref_wall)
    if "cache" in only:
        bench_cache(tree, work, args.repeat, reference)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
