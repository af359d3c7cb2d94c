#!/usr/bin/env python3
"""Benchmark the pre-commit hook: wall time of ``secscan secrets --staged ...`` on N staged files.

Builds a temporary git repository, stages N realistic files (mostly Python, some config and docs, no secret),
and runs the hook's command exactly as `.pre-commit-hooks.yaml` ships it (its ``secscan`` replaced by this
interpreter running this checkout), as a fresh process each time, for several ``--scanners`` choices:

- cold: ``--no-cache`` (every staged file is new to secscan: the usual case for a commit);
- cached: the incremental cache already holds these files (e.g. the same files re-committed after an amend).

Optionally (``--pre-commit``) the shipped hooks also run through the real pre-commit framework
(``pre-commit run``), which adds pre-commit's own start-up.

Python's bytecode is cached in a temporary folder, as it is for an installed package (this machine may
set PYTHONDONTWRITEBYTECODE, which would add the compile time of every module to each run);
``--no-bytecode-cache`` measures that case instead.

    python scripts/bench_hook.py [--files 10] [--runs 7] [--pre-commit] [--no-bytecode-cache]

Prints a table: files, scanners, mode, median / min / max wall seconds over the runs, median CPU seconds
(user + system: less sensitive to other load on the machine than wall time), and the exit code. Two reference
rows give the interpreter's own start-up and the import of secscan's CLI on this machine at this moment.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
CHOICES = (
    "secscan-secrets",
    "secscan-secrets,bandit",
    "secscan-secrets,detect-secrets",
    "secscan-secrets,detect-secrets,bandit",
)
TARGET_S = 1.0
HEADER = (
    f"{'files':>5}  {'command':<40} {'mode':<7} {'median':>7} {'min':>7} {'max':>7} {'cpu':>7} {'exit':>5}"
)

PY_TEMPLATE = '''"""Module {i}: order handling."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)
REGION = "eu-west-{i}"


@dataclass
class Order{i}:
    """One order."""

    ident: int
    amount: float
    currency: str = "EUR"

    def total(self, tax: float = 0.2) -> float:
        """The amount with tax."""
        return round(self.amount * (1 + tax), 2)

    def describe(self) -> str:
        """A line for the log."""
        return f"order {{self.ident}}: {{self.total():.2f}} {{self.currency}}"


def load(rows: list[dict[str, object]]) -> list[Order{i}]:
    """Orders from rows."""
    out = []
    for row in rows:
        try:
            out.append(Order{i}(int(str(row["id"])), float(str(row["amount"]))))
        except (KeyError, ValueError) as exc:
            log.warning("bad row %r: %s", row, exc)
    return out
'''


def hook_argv(hook_id: str) -> list[str]:
    """The shipped hook's secscan arguments (entry after ``secscan``, then args)."""
    hooks = {h["id"]: h for h in yaml.safe_load(MANIFEST.read_text("utf-8"))}
    entry = shlex.split(hooks[hook_id]["entry"])
    return [*entry[1:], *hooks[hook_id].get("args", [])]


def with_scanners(argv: list[str], scanners: str) -> list[str]:
    """The hook's arguments with another --scanners value."""
    out = list(argv)
    out[out.index("--scanners") + 1] = scanners
    return out


def make_repo(folder: Path, files: int, env: dict[str, str]) -> Path:
    """A repository with `files` staged files (3 of 4 Python) and a hook configuration."""
    repo = folder / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True, env=env)
    for i in range(files):
        if i % 4 == 3:
            (repo / f"conf_{i}.ini").write_text(
                f"[service]\nregion = eu-west-{i}\ntimeout = 30\n" * 5, "utf-8"
            )
        else:
            (repo / "pkg").mkdir(exist_ok=True)
            (repo / "pkg" / f"mod_{i}.py").write_text(PY_TEMPLATE.format(i=i), "utf-8")
    local = [
        {
            "id": hook_id,
            "name": hook_id,
            "language": "system",
            "pass_filenames": False,
            "entry": " ".join(
                shlex.quote(a) for a in [sys.executable, "-m", "secscan", *hook_argv(hook_id)]
            ),
        }
        for hook_id in ("secscan-secrets", "secscan")
    ]
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}), "utf-8"
    )
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    return repo


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, the process and its children) and exit code of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    res = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, res.returncode


def measure(
    argv: list[str], cwd: Path, env: dict[str, str], runs: int
) -> tuple[list[float], list[float], int]:
    timed(argv, cwd, env)  # warm-up: bytecode, file system cache, and (for "cached") the incremental cache
    results = [timed(argv, cwd, env) for _ in range(runs)]
    return [w for w, _, _ in results], [c for _, c, _ in results], results[-1][2]


def row(files: int | str, scanners: str, mode: str, times: list[float], cpu: list[float], code: int) -> str:
    med = statistics.median(times)
    flag = "" if med < TARGET_S or not isinstance(files, int) else "  > 1 s"
    return (
        f"{files:>5}  {scanners:<40} {mode:<7} {med:7.3f} {min(times):7.3f} {max(times):7.3f} "
        f"{statistics.median(cpu):7.3f} {code:>5}{flag}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument(
        "--pre-commit", action="store_true", help="also time `pre-commit run` with the shipped hooks"
    )
    ap.add_argument("--no-bytecode-cache", action="store_true", help="compile every module on every run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="secscan-bench-hook-") as tmp:
        base = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
        env.update(
            PYTHONPATH=str(ROOT),
            XDG_CACHE_HOME=str(base / "cache"),
            PRE_COMMIT_HOME=str(base / "pc"),
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=str(base / "gitconfig"),
        )
        if not args.no_bytecode_cache:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
        repo = make_repo(base, args.files, env)
        base_argv = [sys.executable, "-m", "secscan", *hook_argv("secscan-secrets")]
        print(f"hook command: secscan {shlex.join(hook_argv('secscan-secrets'))}")
        print(
            f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPU(s); runs per row: {args.runs}; "
            f"bytecode cache: {'off' if args.no_bytecode_cache else 'on'}\n"
        )
        print(HEADER)
        for label, code_text in (
            ("python -c pass", "pass"),
            ("python -c 'import secscan.cli.main'", "import secscan.cli.main"),
        ):
            times, cpu, code = measure([sys.executable, "-c", code_text], repo, env, args.runs)
            print(row("-", label, "ref", times, cpu, code), flush=True)
        for scanners in CHOICES:
            argv = with_scanners(base_argv, scanners)
            times, cpu, code = measure([*argv, "--no-cache"], repo, env, args.runs)
            print(row(args.files, scanners, "cold", times, cpu, code), flush=True)
            times, cpu, code = measure(argv, repo, env, args.runs)
            print(row(args.files, scanners, "cached", times, cpu, code), flush=True)
        if args.pre_commit:
            for hook_id in ("secscan-secrets", "secscan"):
                argv = [sys.executable, "-m", "pre_commit", "run", hook_id]
                times, cpu, code = measure(argv, repo, env, args.runs)
                print(row(args.files, f"pre-commit run {hook_id}", "cached", times, cpu, code), flush=True)
    print(f"\ntarget: the default hook (secscan-secrets) under {TARGET_S:.0f} s on 10 staged files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
