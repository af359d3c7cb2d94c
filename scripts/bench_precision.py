#!/usr/bin/env python3
"""Precision on well-kept public libraries (issue 32): what a maintainer would see.

Scans each given source tree with every scanner (``secscan all --offline --no-cache``, the default gate) as a
fresh process and prints one table row per project: findings by code context, high and critical findings
outside test code that count, what the gate leaves out (SAST in test/example code, test-material keys,
protocol-context lowerings), whether the default gate passes and whether ``--fail-on high`` passes, and
how many test-code SAST findings would count at ``--fail-on high`` (the target is 0). Then it lists the
high+ findings outside tests with the reason a maintainer would read.

    python scripts/bench_precision.py /tmp/bench/requests /tmp/bench/flask [--out /tmp/bench/after]
    python scripts/bench_precision.py /tmp/app --recall /tmp/before/app/secscan.json

The trees are not part of this project: fetch or download them elsewhere (e.g. /tmp) and never commit them.
``--recall BEFORE.json`` (one per tree, in order) compares the new report with one written by an earlier
secscan on the same tree: every finding (rule, path, line) of the earlier report must still be there (only
context and severity may change); the dropped ones are listed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from secscan.core.serialize import result_from_dict
from secscan.results.gate import evaluate

HIGH = ("high", "critical")


def scan(tree: Path, out: Path) -> tuple[dict[str, Any], float, int]:
    """(the JSON report, seconds, exit code) of one default-gate scan of tree."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "secscan", "all", str(tree), "--offline", "--no-cache", "-q",
                           "--format", "json,md,html", "--output-dir", str(out)],
                          capture_output=True, text=True, check=False)
    took = time.monotonic() - start
    report = out / "secscan.json"
    if not report.is_file():
        raise SystemExit(f"{tree}: no report (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
    return json.loads(report.read_text("utf-8")), took, proc.returncode


def place(f: dict[str, Any]) -> str:
    loc = f.get("location") or {}
    return f"{loc.get('path')}:{loc.get('start_line')}" if loc.get("start_line") else str(loc.get("path"))


def key(f: dict[str, Any]) -> tuple[str, str]:
    return f["rule_id"], place(f)


def row(name: str, data: dict[str, Any], took: float, code: int) -> dict[str, Any]:
    """The table's numbers for one report."""
    result = result_from_dict(data)
    findings = data["findings"]
    active = [f for f in findings if not f.get("suppressed") and not f.get("pre_existing")]
    high_out = [f for f in active if f["severity"] in HIGH and f.get("context", "product") != "test"
                and not f.get("out_of_gate")]
    at_high = evaluate(result.findings, result.scanners, "high", allow_incomplete=True)
    test_sast_counting = [f for f in result.findings if f.counts_for_gate and f.category.value == "sast"
                          and f.context in ("test", "example") and f.out_of_gate is None
                          and f.severity.label in HIGH]
    return {
        "project": name, "seconds": took, "exit": code, "findings": len(findings),
        "by_context": Counter(f.get("context", "product") for f in findings),
        "high_plus": sum(1 for f in active if f["severity"] in HIGH),
        "high_outside_tests": high_out,
        "out_of_gate": data["summary"].get("out_of_gate", {}).get("total", 0),
        "test_material": sum(1 for f in findings if (f.get("properties") or {}).get("test_material")),
        "lowered": sum(1 for f in findings if (f.get("properties") or {}).get("context_reason")),
        "low_collapsed": sum(1 for f in active if f["severity"] in ("low", "info")),
        "default_gate": "pass" if data["summary"]["gate"]["passed"] else "FAIL",
        "at_high": "pass" if at_high.exit_code == 0 else "FAIL",
        "test_sast_counting_at_high": len(test_sast_counting),
        "incomplete": data["summary"]["gate"].get("incomplete", False),
    }


def recall(before: dict[str, Any], after: dict[str, Any]) -> tuple[int, list[str], Counter[str]]:
    """(findings of the earlier report, those missing now, severity changes 'old->new'); a finding that is
    now one of the places of a grouped secret, or merged into another rule's finding, is still there."""
    now = {key(f): f for f in after["findings"]}
    for f in after["findings"]:  # a secret found at several places is one finding listing them all
        for p in (f.get("properties") or {}).get("places") or ():
            where = f"{p.get('path')}:{p.get('start_line')}" if p.get("start_line") else str(p.get("path"))
            now.setdefault((f["rule_id"], where), f)
            now.setdefault(("secret", where), f)  # grouped by value across rules
            for m in (f.get("properties") or {}).get("merged_from") or ():
                now.setdefault((m.get("rule_id"), where), f)
    for f in after["findings"]:  # a finding merged from several rules answers for each of them
        for m in (f.get("properties") or {}).get("merged_from") or ():
            now.setdefault((m.get("rule_id"), place(f)), f)
    missing, changed = [], Counter()
    for f in before["findings"]:
        g = now.get(key(f)) or (now.get(("secret", place(f))) if f["category"] == "secret" else None)
        if g is None:
            missing.append(f"{f['rule_id']} {place(f)} ({f['severity']})")
        elif g["severity"] != f["severity"]:
            changed[f"{f['severity']}->{g['severity']}"] += 1
    return len(before["findings"]), missing, changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trees", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, default=Path("bench-work/precision"), help="reports go here")
    ap.add_argument("--recall", type=Path, nargs="*", default=[], help="earlier report per tree, in order")
    args = ap.parse_args(argv)
    rows, recalls = [], []
    for i, tree in enumerate(args.trees):
        data, took, code = scan(tree.resolve(), args.out / tree.name)
        rows.append(row(tree.name, data, took, code))
        if i < len(args.recall):
            recalls.append((tree.name, *recall(json.loads(args.recall[i].read_text("utf-8")), data)))
    head = ("project", "time", "findings", "product", "test", "example", "docs", "other", "high+",
            "high+ out of tests", "out of gate", "test material", "lowered", "low/info", "gate",
            "--fail-on high", "test SAST at high")
    print(" | ".join(head))
    print("|".join("---" for _ in head))
    for r in rows:
        ctx = r["by_context"]
        other = sum(n for c, n in ctx.items() if c not in ("product", "test", "example", "docs"))
        print(" | ".join(str(x) for x in (
            r["project"], f"{r['seconds']:.0f} s", r["findings"], ctx["product"], ctx["test"], ctx["example"],
            ctx["docs"], other, r["high_plus"], len(r["high_outside_tests"]), r["out_of_gate"],
            r["test_material"], r["lowered"], r["low_collapsed"],
            r["default_gate"] + (" (incomplete)" if r["incomplete"] else ""), r["at_high"],
            r["test_sast_counting_at_high"])))
    for r in rows:
        if r["high_outside_tests"]:
            print(f"\n{r['project']}: high+ outside tests that count")
            for f in r["high_outside_tests"]:
                why = (f.get("properties") or {}).get("test_material") or f.get("title")
                ctx = f.get("context", "product")
                print(f"  {f['severity']:8} {f['rule_id']:45} {ctx:8} {place(f)}  {why}")
    for name, total, missing, changed in recalls:
        moves = ", ".join(f"{k}: {n}" for k, n in sorted(changed.items())) or "none"
        print(f"\nrecall {name}: {total - len(missing)}/{total} earlier findings still reported; "
              f"severity changes: {moves}")
        for m in missing:
            print(f"  MISSING {m}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
