#!/usr/bin/env python3
"""SAST quality and cost (issue 21): secscan's labelled corpus scored the OWASP way, and semgrep's run time
with the taint rules against the rules before them on Django 4.2.16.

1. Corpus (tests/sast_corpus): each case written as a file, then ``secscan sast --offline`` with bandit and
   semgrep, bandit alone and semgrep alone. Per class: TP/FN/FP/TN, true- and false-positive rate, score
   (TPR - FPR); a case is flagged when a finding in its file carries the class's CWE and is not superseded.
   Targets: mean >= +0.6, no class below +0.3.
2. semgrep on Django 4.2.16's django/ folder (the sdist, downloaded with pip into --work, which git ignores):
   the bundled rules as they were before the taint rules (from git, --before REF; default: the parent of
   the commit that added rules/semgrep/python-taint-injection.yaml) against today's rules with secscan's
   flags (--dataflow-traces, text report on stderr). Median wall and CPU time of --repeat runs, -j JOBS
   (default 2). Target: at most 2x. CPU seconds are the steadier figure on a shared machine, and -j 1 the
   steadiest: with -j 2 the same rules cost about twice the CPU seconds of -j 1 on a loaded machine (the
   rules before the taint rules: 17 against 7-8). Also the number of findings and how many are critical
   after ``secscan sast`` (Django's own source: none may be).

    python scripts/bench_sast.py [--work bench-work] [--repeat 3] [--jobs 2] [--only corpus,time]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sast_corpus  # noqa: E402  (tests/support: the corpus loader and scorer the test uses)
from bench import prepare  # noqa: E402  (Django's sdist, downloaded once)

ENV = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
TAINT_FILE = "rules/semgrep/python-taint-injection.yaml"


def secscan_sast(tree: Path, out: Path, *extra: str) -> dict:
    subprocess.run([sys.executable, "-m", "secscan", "sast", str(tree), "--offline", "--no-cache", "--quiet",
                    "--fail-on", "never", "--format", "json", "--output-dir", str(out), *extra],
                   check=True, cwd=ROOT, env=ENV, capture_output=True)
    report: dict = json.loads((out / "secscan.json").read_text("utf-8"))
    return report


def bench_corpus(work: Path) -> None:
    cases = sast_corpus.load()
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        tree = Path(tmp) / "corpus"
        sast_corpus.write(cases, tree)
        runs = (("secscan sast (bandit + semgrep)", ()), ("bandit alone", ("--scanners", "bandit")),
                ("semgrep alone (bundled rules)", ("--scanners", "semgrep")))
        for label, extra in runs:
            report = secscan_sast(tree, Path(tmp) / label.split()[0], *extra)
            health = ", ".join(f"{s['name']} {s['status']}" for s in report["scanners"])
            print(f"\n## Corpus: {label} ({len(cases)} cases; {health})\n")
            print(sast_corpus.table(sast_corpus.score(cases, report)))
            if not extra:
                everything = sast_corpus.score(cases, report, counted=False)
                print(f"\n(superseded pattern hits counted too: mean {sast_corpus.mean(everything):+.2f})")


def rules_before(ref: str | None, dest: Path) -> tuple[str, Path]:
    """The rules/semgrep folder as it was at ref (default: before the taint rules)."""
    if ref is None:
        added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", TAINT_FILE], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split()
        ref = f"{added[-1]}^"
    names = subprocess.run(["git", "ls-tree", "--name-only", ref, "rules/semgrep/"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        text = subprocess.run(["git", "show", f"{ref}:{name}"], cwd=ROOT, capture_output=True, check=True)
        (dest / Path(name).name).write_bytes(text.stdout)
    short = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip()
    return short, dest


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def semgrep_time(rules: Path, tree: Path, extra: tuple[str, ...], repeat: int, jobs: int
                 ) -> tuple[float, float, int, int]:
    """Median wall seconds, median CPU seconds (semgrep and its children: steadier than wall time on a
    shared machine), findings, errors."""
    walls, cpus, found, errors = [], [], 0, 0
    for _ in range(repeat):
        start, cpu0 = time.perf_counter(), _children_cpu()
        res = subprocess.run(["semgrep", "scan", "--config", str(rules), "--json", "--metrics=off",
                              "--disable-version-check", "--quiet", "--no-git-ignore", "-j", str(jobs),
                              *extra, "django"], cwd=tree, env=ENV, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        cpus.append(_children_cpu() - cpu0)
        data = json.loads(res.stdout)
        found, errors = len(data["results"]), len(data["errors"])
        for err in data["errors"]:
            print(f"  semgrep error: {err.get('type')} {err.get('path', '')} {str(err.get('message'))[:120]}")
    return statistics.median(walls), statistics.median(cpus), found, errors


def bench_time(work: Path, ref: str | None, repeat: int, jobs: int) -> None:
    tree = prepare(work)
    ref, old = rules_before(ref, work / "rules-before")
    new = ROOT / "rules" / "semgrep"
    print(f"\n## semgrep on Django 4.2.16 django/ (median of {repeat}, -j {jobs}; load average "
          f"{os.getloadavg()[0]:.1f} at the start)\n")
    print(f"{'rules':<44} {'wall s':>8} {'CPU s':>8} {'findings':>9} {'errors':>7}")
    base, base_cpu, n0, e0 = semgrep_time(old, tree, (), repeat, jobs)
    print(f"{'before (' + ref + ')':<44} {base:>8.1f} {base_cpu:>8.1f} {n0:>9} {e0:>7}", flush=True)
    now, now_cpu, n1, e1 = semgrep_time(new, tree, ("--dataflow-traces", "--text-output=/dev/null"), repeat,
                                        jobs)
    print(f"{'now (taint + evidence rules, traces)':<44} {now:>8.1f} {now_cpu:>8.1f} {n1:>9} {e1:>7}")
    print(f"\nratio: wall {now / base:.2f}x, CPU {now_cpu / base_cpu:.2f}x (target <= 2x); load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        dj = Path(tmp) / "dj"
        dj.mkdir()
        shutil.copytree(tree / "django", dj / "django")
        report = secscan_sast(dj, Path(tmp) / "out", "--allow-incomplete")
    health = ", ".join(f"{s['name']} {s['status']}" + (f" ({s['reason']})" if s["reason"] else "")
                       for s in report["scanners"])
    print(f"secscan sast on django/: {health}")
    sev: dict[str, int] = {}
    for f in report["findings"]:
        sev[f["severity"]] = sev.get(f["severity"], 0) + 1
    superseded = sum(1 for f in report["findings"] if f.get("superseded_by"))
    print(f"secscan sast on django/: {sev} ({superseded} superseded); critical: {sev.get('critical', 0)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default=str(ROOT / "bench-work"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before", default=None, help="git ref of the rules to compare with")
    ap.add_argument("--only", default="corpus,time")
    ap.add_argument("--jobs", type=int, default=2, help="semgrep -j for the time comparison")
    args = ap.parse_args()
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    parts = set(args.only.split(","))
    if "corpus" in parts:
        bench_corpus(work)
    if "time" in parts:
        bench_time(work, args.before, args.repeat, args.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
