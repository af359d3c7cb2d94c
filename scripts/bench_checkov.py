#!/usr/bin/env python3
"""Benchmark checkov's added wall time (issue 25): a tree of N Kubernetes manifests (default 50: Deployments,
Services and Pods written by this script, a few privileged or running as root) with a Dockerfile, a GitHub
Actions workflow and a few Python files, scanned offline

1. ``secscan all --offline --no-cache --scanners <every scanner but checkov>``,
2. the same with checkov,
3. ``secscan all --offline --no-cache --scanners checkov`` alone,

each --repeat times in a fresh process; prints the median wall time (and CPU user+sys of all processes) per
row and checkov's added wall time (2 minus 1). The first run installs the pinned checkov when it is missing
(run ``secscan doctor`` once before to leave that out).

    python scripts/bench_checkov.py [--manifests 50] [--repeat 3] [--work bench-work/checkov]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from secscan.scanners.registry import COMMANDS

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i}
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {{app: svc-{i}}}
  template:
    metadata:
      labels: {{app: svc-{i}}}
    spec:
      containers:
        - name: app
          image: registry.example/svc-{i}:1.{i}.0
          ports: [{{containerPort: 8080}}]
          securityContext:
            privileged: {privileged}
            runAsNonRoot: {non_root}
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
  namespace: shop
spec:
  selector: {{app: svc-{i}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""
DOCKERFILE = "FROM python:3.12-slim\nCOPY . /app\nRUN pip install /app\nCMD [\"python\", \"-m\", \"app\"]\n"
WORKFLOW = ("name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: actions/checkout@v4\n      - run: python -m pytest\n")


def write_tree(root: Path, manifests: int) -> None:
    shutil.rmtree(root, ignore_errors=True)
    (root / "k8s").mkdir(parents=True)
    for i in range(manifests):
        text = DEPLOYMENT.format(i=i, privileged=str(i % 10 == 0).lower(), non_root=str(i % 7 != 0).lower())
        (root / "k8s" / f"svc-{i:03d}.yaml").write_text(text, "utf-8")
    (root / "Dockerfile").write_text(DOCKERFILE, "utf-8")
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW, "utf-8")
    (root / "app").mkdir()
    for i in range(5):
        (root / "app" / f"mod{i}.py").write_text(f"def f{i}(x: int) -> int:\n    return x + {i}\n", "utf-8")


def timed(argv: list[str]) -> tuple[float, float, int]:
    """(wall s, CPU s of the children, exit code) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    code = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifests", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("bench-work/checkov"))
    args = ap.parse_args()
    tree, out = args.work / "tree", args.work / "out"
    write_tree(tree, args.manifests)
    others = [s for s in COMMANDS["all"] if s not in ("checkov", "trivy-image", "mtls")]
    base = [sys.executable, "-m", "secscan", "all", str(tree), "--offline", "--no-cache", "--quiet",
            "--output-dir", str(out), "--format", "json"]
    rows = {
        "all without checkov": [*base, "--scanners", ",".join(others)],
        "all with checkov": [*base, "--scanners", ",".join([*others, "checkov"])],
        "checkov alone": [*base, "--scanners", "checkov"],
    }
    timed(rows["checkov alone"])  # warm-up: installs the pinned checkov when missing, fills the OS cache
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in rows}
    for _ in range(args.repeat):
        for name, argv in rows.items():  # interleaved, so machine load hits every row alike
            results[name].append(timed(argv))
    print(f"checkov benchmark: {args.manifests} Kubernetes manifests (+ Service each), a Dockerfile, "
          f"a workflow, 5 Python files; {args.repeat} runs each, medians; {os.cpu_count()} cores")
    print(f"{'command':<24} {'wall s':>8} {'cpu s':>8}  exit codes")
    med = {}
    for name, runs in results.items():
        med[name] = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"{name:<24} {med[name]:>8.1f} {cpu:>8.1f}  {sorted({r[2] for r in runs})}")
    added = med["all with checkov"] - med["all without checkov"]
    print(f"{'checkov added wall time':<24} {added:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
