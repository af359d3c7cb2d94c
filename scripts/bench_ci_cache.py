"""Second CI run of an unchanged tree with the cache restored, as the templates do it (prints a table).

Each run is a fresh clone of TREE (a git repository; default: this one at HEAD) at the same path, and the
scan step of scripts/ci/github-actions.yml (or --template) runs as written, with actions/cache emulated
(tests/support/ci_emulation.py): run 1 starts cold and saves the cache, runs 2.. restore it. Offline (the
trusted user configuration sets offline = true: no advisory service), every other scanner as in CI.

    python scripts/bench_ci_cache.py [--tree PATH] [--warm 3] [--template github-actions.yml]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from ci_emulation import Store, base_env, fresh_checkout, run_github, run_gitlab, snapshot  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, default=ROOT, help="a git repository (default: this one)")
    ap.add_argument("--warm", type=int, default=3, help="warm runs after the cold one")
    ap.add_argument("--template", default="github-actions.yml")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="secscan-ci-bench-") as tmp_name:
        tmp = Path(tmp_name)
        origin = tmp / "origin"
        subprocess.run(["git", "clone", "-q", str(args.tree), str(origin)], check=True)
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=origin, check=True, capture_output=True,
                             text=True).stdout.strip()
        (tmp / "user.toml").write_text("offline = true\n", "utf-8")
        env = base_env(tmp / "home", {"SECSCAN_CONFIG": str(tmp / "user.toml")}, snapshot(tmp / "code"))
        store, work = Store(tmp / "store"), tmp / "work" / "repo" / "repo"
        rows = []
        for i in range(1 + args.warm):
            checkout = fresh_checkout(origin, work, rev)
            if args.template.startswith("github"):
                ctx = {"github.ref": "refs/heads/main", "github.ref_name": "main", "github.head_ref": "",
                       "github.sha": rev, "github.event.repository.default_branch": "main"}
                run = run_github(args.template, checkout, store, ctx, env)
                rep = json.loads((checkout / "reports" / "secscan.json").read_text("utf-8"))
            else:
                ci = {"CI_COMMIT_REF_SLUG": "main", "CI_DEFAULT_BRANCH": "main"}
                run = run_gitlab(args.template, checkout, store, ci, env, protected=True)
                rep = json.loads((checkout / "reports" / "secscan.json").read_text("utf-8"))
            cached = sorted(s["name"] for s in rep["scanners"] if s.get("cached"))
            bad = [f"{s['name']} {s['status']}" for s in rep["scanners"] if s.get("incomplete")
                   or s["status"] in ("failed", "partial", "timeout")]
            rows.append(("cold" if i == 0 else f"warm {i}", run.seconds, run.code, len(rep["findings"]),
                         ", ".join(cached) or "-", ", ".join(bad) or "-"))
    print(f"tree: {args.tree} ({rev[:12]}), template: {args.template}, offline")
    print(f"{'run':8} {'seconds':>8} {'exit':>5} {'findings':>9}  answered from the cache | incomplete")
    for name, secs, code, n, cached, bad in rows:
        print(f"{name:8} {secs:8.1f} {code:5d} {n:9d}  {cached} | {bad}")
    warm = [r[1] for r in rows[1:]]
    if warm:
        med = statistics.median(warm)
        print(f"cold {rows[0][1]:.1f} s; warm (restored cache, unchanged tree): median {med:.1f} s "
              f"of {len(warm)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
