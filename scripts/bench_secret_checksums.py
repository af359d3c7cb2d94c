#!/usr/bin/env python3
"""Provider tokens with a good and a bad built-in checksum through real detect-secrets and secscan runs.

Generates N tokens per checksum family (GitHub ghp_/gho_/ghu_/ghs_/ghr_ and npm_ with their CRC32 suffix,
PyPI macaroons, JWTs) well-formed and with the check broken (one checksum character changed, a macaroon
signature cut short, a JWT header that is not JSON), each on its own line in the form detect-secrets reads
(``.npmrc`` for npm), runs ``secscan secrets`` with detect-secrets and the own engine, and prints per
family and kind how many tokens each source reports, at which severity, how many the shared checksum
policy suppressed (they stay in the report, never counted), and how many findings the report has for them
(one per token is right: one per secret value).

    python scripts/bench_secret_checksums.py [--per-family 20] [--work bench-work/checksums]

Every token comes from a seeded RNG at run time: no value here is a credential.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

from bench_secrets import Gen

from secscan.cli.main import main as secscan_main

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_", "pypi-", "jwt")
SOURCES = ("detect-secrets", "secscan-secrets")


def broken(g: Gen, family: str) -> str:
    """A token of the family that looks right and fails its check."""
    if family == "pypi-":
        good = g.pypi()
        return good[:-6]  # the 32-byte signature cut short: not a macaroon
    if family == "jwt":
        tok = g.jwt()
        head = base64.urlsafe_b64encode(b'{"alg": "HS256", "typ": "JWT"').decode().rstrip("=")  # no closing }
        return head + tok[tok.index("."):]
    tok = g.crc(family)
    last = tok[-1]
    return tok[:-1] + ("A" if last != "A" else "B")  # one checksum character changed


def good(g: Gen, family: str) -> str:
    """A well-formed token of the family."""
    if family == "pypi-":
        return g.pypi()
    if family == "jwt":
        return g.jwt()
    return g.crc(family)


def line_for(family: str, token: str) -> tuple[str, str]:
    """(file name, line) in the form detect-secrets' plugin reads."""
    if family == "npm_":
        return ".npmrc", f"//registry.npmjs.org/:_authToken={token}"
    if family == "pypi-":
        return "pypirc.ini", f"password = {token}"
    if family == "jwt":
        return "client.py", f'session = "{token}"'
    return "deploy.env", f"GH_{family[:3].upper()}={token}"


def plant(tree: Path, per: int, g: Gen) -> dict[tuple[str, int], tuple[str, str]]:
    """Write the tokens, one per file; (path, line) -> (family, good|bad)."""
    where: dict[tuple[str, int], tuple[str, str]] = {}
    for family in FAMILIES:
        for kind, make in (("good", good), ("bad", broken)):
            for i in range(per):  # one token per file: detect-secrets reports one hit per plugin and file
                name, line = line_for(family, make(g, family))
                folder = tree / f"{family.strip('_-')}-{kind}" / f"{i:03d}"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / name).write_text(f"# {family} {kind}\n{line}\n")
                where[(f"{folder.parent.name}/{folder.name}/{name}", 2)] = (family, kind)
    return where


def tally(report: dict, where: dict[tuple[str, int], tuple[str, str]]) -> Counter[tuple[str, str, str, str]]:
    """(family, kind, source, severity or 'suppressed') -> places."""
    out: Counter[tuple[str, str, str, str]] = Counter()
    for f in report["findings"]:
        places = f.get("properties", {}).get("places") or [f["location"]]
        for p in places:
            key = where.get((p["path"], p["start_line"]))
            if key is None:
                continue
            label = "suppressed" if f["suppressed"] else f["severity"]
            out[(*key, "findings", f["fingerprint"])] = 1
            for src in set(p.get("sources") or f["sources"]) & set(SOURCES):
                out[(*key, src, label)] += 1
    return out


def table(tree: Path, out: Path, where: dict[tuple[str, int], tuple[str, str]], sources: tuple[str, ...],
          per: int) -> None:
    """One ``secscan secrets`` run with these sources, and its table."""
    secscan_main(["secrets", str(tree), "--no-cache", "--offline", "--no-canary", "--allow-incomplete",
                  "--scanners", ",".join(sources), "--output-dir", str(out)])
    counts = tally(json.loads((out / "secscan.json").read_text("utf-8")), where)
    labels = ("critical", "high", "medium", "low", "info", "suppressed")
    print(f"\nsecscan secrets --scanners {','.join(sources)}: {per} tokens per family and kind; "
          "cells: places reported at " + "/".join(labels))
    print(f"| family | kind | {' | '.join(sources)} | report findings |")
    print("|---|---|" + "---|" * (len(sources) + 1))
    for family in FAMILIES:
        for kind in ("good", "bad"):
            cells = ["/".join(str(counts[(family, kind, s, lab)]) for lab in labels) for s in sources]
            found = sum(1 for k in counts if k[:3] == (family, kind, "findings"))
            print(f"| {family} | {kind} | {' | '.join(cells)} | {found} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-family", type=int, default=20)
    ap.add_argument("--work", type=Path, default=ROOT / "bench-work" / "checksums")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    tree = args.work / "tree"
    where = plant(tree, args.per_family, Gen(args.seed))
    for i, sources in enumerate((SOURCES, ("detect-secrets",))):
        table(tree, args.work / f"out{i}", where, sources, args.per_family)
    return 0


if __name__ == "__main__":
    sys.exit(main())
