#!/usr/bin/env python3
"""Benchmark secscan-history on the full history of a large public repository, cold and incremental.

Clones REPO (a local git folder or URL, e.g. a mirror of pypa/pip or django/django) into --work (never into
the project), then per round: a cold walk with an empty blob cache, a warm walk with nothing new, and an
incremental walk after one new commit (one new blob); prints wall time, blobs read, MB of blob data read
per second, and whether the findings of the three walks are identical (the new commit adds no secret).

    python scripts/bench_history.py --repo /path/to/repo.git [--work /tmp/bench-history] [--rounds 3]

Runs in this process (the library API, as the scanner does); medians of --rounds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from secscan.analyzers.history import findings as hfind
from secscan.analyzers.history.scan import HistoryOptions, run
from secscan.process.runner import Runner

GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"]


def git(root: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def timed(root: Path, cache: Path) -> tuple[float, dict[str, int], list[tuple[str, str, tuple[str, ...]]]]:
    start = time.perf_counter()
    hist = run(Runner(), root, HistoryOptions(cache_dir=cache, timeout=3600.0))
    found = hfind.findings(hist)
    took = time.perf_counter() - start
    keys = sorted((f.fingerprint, f.secret_hash or "", tuple(f.history.paths) if f.history else ())
                  for f in found)
    return took, hfind.coverage(hist), keys


def one_round(source: Path, work: Path) -> dict[str, float | int | bool]:
    clone = work / "clone"
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run([*GIT, "clone", "-q", "--no-checkout", f"file://{source.resolve()}", str(clone)],
                   check=True)
    git(clone, "checkout", "-q", "HEAD")
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
    cold_s, cold_cov, cold = timed(clone, cache)
    warm_s, _, warm = timed(clone, cache)
    (clone / "bench_new_file.txt").write_text(f"one new commit {time.time()}\n", "utf-8")
    git(clone, "add", "bench_new_file.txt")
    git(clone, "commit", "-q", "--no-verify", "-m", "bench: one new commit")
    inc_s, inc_cov, inc = timed(clone, cache)
    shutil.rmtree(cache, ignore_errors=True)
    return {"commits": cold_cov["commits"], "blobs": cold_cov["blobs"], "cold_s": cold_s,
            "cold_mb": cold_cov["bytes_read"] / 1e6, "cold_mbps": cold_cov["bytes_read"] / 1e6 / cold_s,
            "warm_s": warm_s, "inc_s": inc_s, "inc_read": inc_cov["blobs"] - inc_cov["blobs_from_cache"],
            "findings": len(cold), "identical": cold == warm == inc}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True, type=Path, help="git repository to clone (full history)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-history")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rounds = [one_round(args.repo, args.work) for _ in range(args.rounds)]
    med = {k: statistics.median(float(r[k]) for r in rounds)
           for k in ("cold_s", "cold_mbps", "warm_s", "inc_s")}
    first = rounds[0]
    print(f"repository: {args.repo} ({first['commits']} commits, {first['blobs']} unique blobs, "
          f"{first['cold_mb']:.0f} MB of blob data read cold); {args.rounds} round(s), medians")
    print(f"{'walk':<28}{'seconds':>9}{'blobs read':>12}{'MB/s':>8}")
    print(f"{'cold (empty cache)':<28}{med['cold_s']:>9.1f}{first['blobs']:>12}{med['cold_mbps']:>8.1f}")
    print(f"{'warm (nothing new)':<28}{med['warm_s']:>9.1f}{0:>12}{'-':>8}")
    print(f"{'incremental (1 new commit)':<28}{med['inc_s']:>9.1f}{first['inc_read']:>12}{'-':>8}")
    same = all(r["identical"] for r in rounds)
    print(f"findings: {first['findings']} (identical cold / warm / incremental: {'yes' if same else 'NO'})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
