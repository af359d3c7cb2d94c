#!/usr/bin/env python3
"""Benchmark the offline dependency audit against a PyPI-sized advisory database (issue 22).

Takes real advisory records (a PyPA advisory-database checkout, an osv.dev ``PyPI/all.zip``, or any folder
``secscan db import`` reads), pads them to ``--records`` (default 20,000, about PyPI's size on osv.dev) with
copies whose ids and package names are renamed (the copies keep the real records' ranges, versions and
sizes), and audits a 200-dependency requirements file (packages drawn from the database, each pinned to a
version the records name, so the matcher evaluates real ranges) with:

1. ``install``: ``secscan db import`` of the records: reading, verifying and building the index (once);
2. ``cold``: the first ``python -m secscan deps --offline --scanners pip-audit`` after the install (the
   installed database is used on its own): process start, configuration, index load, matching, reports;
3. ``warm``: the same command again (fresh processes, files in the OS cache), and the audit repeated in a
   process that has audited once (library call);
4. ``no index``: the same audit from the record folder itself (``--osv-db``, every record parsed).

    python scripts/bench_advisories.py --source /path/to/advisory-database [--records 20000] [--repeat 5]

Targets (issue 22): warm under 2 s, cold under 10 s. Prints medians.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from secscan.analyzers.advisories import db_update, osv, python_deps  # noqa: E402
from secscan.analyzers.advisories.versions import PYPI  # noqa: E402

DEPS = 200


def pad(source: Path, out: Path, total: int) -> tuple[int, list[tuple[str, str]]]:
    """Real records as JSON files in out, padded with renamed copies to total; (count, (name, version))."""
    db = osv.OsvDatabase(str(source))
    real = []
    for raw, where in osv.raw_records(db, source):
        got = osv.read_record(db, raw, where)
        if got is not None and any(a.get("package", {}).get("ecosystem") == PYPI
                                   for a in got[0].get("affected") or []):
            real.append(got[0])
    if not real:
        raise SystemExit(f"no PyPI records in {source}")
    out.mkdir(parents=True)
    n = 0
    while n < total:
        copy = n // len(real)
        for rec in real:
            if n >= total:
                break
            data = json.loads(json.dumps(rec))
            if copy:
                data["id"] = f"{data['id']}-COPY{copy}"
                for a in data.get("affected") or []:
                    a["package"]["name"] = f"{a['package']['name']}-copy{copy}"
            (out / f"{data['id']}.json").write_text(json.dumps(data), "utf-8")
            n += 1
    pins: dict[str, str] = {}
    for copy in range(max(1, -(-total // len(real)))):
        for rec in real:
            for a in rec.get("affected") or []:
                versions = a.get("versions") or []
                if a.get("package", {}).get("ecosystem") == PYPI and versions:
                    name = a["package"]["name"] + (f"-copy{copy}" if copy else "")
                    pins.setdefault(name, versions[len(versions) // 2])
    return n, sorted(pins.items())


def requirements(pins: list[tuple[str, str]], folder: Path, vulnerable: float) -> Path:
    """200 packages the database names; a share of them pinned to a version its records call affected, the
    others to a version past every range (still evaluated against every record of the package)."""
    rng = random.Random(22)
    chosen = rng.sample(pins, min(DEPS, len(pins)))
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{name}=={version if i < vulnerable * len(chosen) else '9999.0'}\n"
             for i, (name, version) in enumerate(chosen)]
    (folder / "requirements.txt").write_text("".join(sorted(lines)), "utf-8")
    return folder


def timed(fn: object, *args: object) -> tuple[float, float]:
    """(wall, CPU) seconds of one call in this process."""
    start, cpu = time.perf_counter(), time.process_time()
    fn(*args)  # type: ignore[operator]
    return time.perf_counter() - start, time.process_time() - cpu


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def cli_cold(app: Path, out: Path, env: dict[str, str]) -> tuple[float, float, dict[str, object]]:
    """(wall, CPU) seconds of one secscan deps --offline process, and its pip-audit entry."""
    cmd = [sys.executable, "-m", "secscan", "deps", str(app), "--offline", "--scanners", "pip-audit",
           "--no-cache", "--quiet", "--format", "json", "--output-dir", str(out), "--fail-on", "never"]
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, env=env, check=False, capture_output=True)
    wall = time.perf_counter() - start
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    return wall, _children_cpu() - cpu, next(s for s in report["scanners"] if s["name"] == "pip-audit")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, required=True, help="advisory records (folder or zip)")
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--vulnerable", type=float, default=0.1,
                    help="share of the 200 dependencies pinned to an affected version (default 0.1)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="secscan-bench-advisories-"))
    try:
        count, pins = pad(args.source, work / "records", args.records)
        app = requirements(pins, work / "app", args.vulnerable)
        root = work / "db"
        install = timed(db_update.import_path, root, work / "records")
        env = {**os.environ, "SECSCAN_ADVISORY_DIR": str(root)}
        cold = [cli_cold(app, work / f"out{i}", env) for i in range(args.repeat)]
        scanner = cold[-1][2]
        python_deps.audit_python(app, ["requirements.txt"], root)  # this process's first audit
        warm = [timed(python_deps.audit_python, app, ["requirements.txt"], root) for _ in range(args.repeat)]
        records = work / "records"
        plain = [timed(lambda: python_deps.audit_python(app, ["requirements.txt"], osv.load_folder(records)))
                 for _ in range(max(1, args.repeat // 2))]
        later = cold[1:] or cold
        rows = [("install (import + index, once)", *install, 1),
                ("cold: first secscan deps --offline after install", cold[0][0], cold[0][1], 1),
                ("warm: later secscan deps --offline (fresh processes)",
                 statistics.median(c[0] for c in later), statistics.median(c[1] for c in later), len(later)),
                ("the audit again in the same process (library)", statistics.median(w for w, _ in warm),
                 statistics.median(c for _, c in warm), len(warm)),
                ("no index: parse every record (--osv-db folder)", statistics.median(w for w, _ in plain),
                 statistics.median(c for _, c in plain), len(plain))]
        print(f"records: {count} ({args.source}, padded with renamed copies); dependencies: "
              f"{len(app.joinpath('requirements.txt').read_text().splitlines())}")
        print(f"pip-audit: {scanner['status']} ({scanner['reason']}), canary {scanner['canary']}, "
              f"{scanner['coverage'].get('dependencies_audited')} audited, {scanner['findings']} findings, "
              f"scanner time in the cold run {scanner['duration_s']:.2f} s")
        print(f"{'step':52} {'wall s':>7} {'CPU s':>7} {'runs':>5}  (medians)")
        for name, wall, cpu, runs in rows:
            print(f"{name:52} {wall:7.2f} {cpu:7.2f} {runs:5d}")
        print(f"targets: warm < 2 s, cold < 10 s; load average now {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
