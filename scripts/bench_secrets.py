#!/usr/bin/env python3
"""Benchmark secscan-secrets against ``detect-secrets scan --all-files`` on the Django 4.2.16 source tree.

Downloads Django's sdist with pip (cached under ./bench-work/, which git ignores), copies the tree, plants
one secret of every supported type in several file types, runs both engines as fresh processes, and prints
time, files, recall on the planted secrets and findings outside them (false positives), and the speed ratio.

    python scripts/bench_secrets.py [--work bench-work] [--backends hyperscan,re2,keywords]
    python scripts/bench_secrets.py --timing [--tree DIR]   # engine time, bundled rules vs patterns.yaml only
    python scripts/bench_secrets.py --corpus [--per-rule N] # recall and look-alike rate per family

--timing scans the pristine Django tree (or --tree) with every backend, the full bundled rule set and the
hand-written patterns.yaml alone, three times each in one process after a warm-up, and prints the medians
(wall and CPU seconds: on a shared machine the CPU time is the steadier one).
--corpus generates N true tokens per format-built rule from the rule's own format and N/4 look-alikes of
each kind (tests/support/token_corpus.py) and prints recall and look-alike rate per provider family.

Every planted value is generated at run time (seeded), so this script holds no secret.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import string
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from bench import prepare  # scripts/bench.py: the same Django source tree, downloaded once

from secscan.analyzers.secrets.checksums import base62

ROOT = Path(__file__).resolve().parents[1]
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
MIXED = ALNUM + "!#%^*~"
URLPW = ALNUM + "-._~"  # unreserved URL characters


@dataclass(frozen=True)
class Plant:
    """One planted secret: its type, file and line."""

    type: str
    path: str
    line: int


class Gen:
    """Seeded generators for realistic-looking, never-real values."""

    def __init__(self, seed: int = 4216) -> None:
        self.r = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def b64url(self, raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def jwt(self) -> str:
        head = self.b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = self.b64url(json.dumps({"sub": self.s(HEX, 12), "name": "svc", "iat": 1716239022}).encode())
        return f"{head}.{body}.{self.s(URLSAFE, 43)}"

    def pem(self, kind: str) -> list[str]:
        lines = [self.s(B64, 64) for _ in range(20)] + [self.s(B64, 40) + "=="]
        return [f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----"]

    def crc(self, prefix: str) -> str:
        """A GitHub/npm-style token: 30 random base62 characters and their CRC32 in base62 (6 characters)."""
        body = self.s(ALNUM, 30)
        return prefix + body + base62(zlib.crc32(body.encode()), 6)

    def pypi(self) -> str:
        """pypi- + base64url of a v2 macaroon for pypi.org (location, identifier, a caveat, signature)."""
        def field(kind: int, data: bytes) -> bytes:
            return bytes([kind, len(data)]) + data

        sig = bytes(self.r.randrange(256) for _ in range(32))
        mac = (b"\x02" + field(1, b"pypi.org") + field(2, self.s(HEX, 32).encode()) + b"\x00"
               + field(4, b"[1, 2024]") + b"\x00\x00" + field(6, sig))
        return "pypi-" + base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def password(self, n: int = 20, alphabet: str = "") -> str:
        head, tail = self.s(ALNUM, 4), self.s(string.digits, 2) + self.s(string.ascii_uppercase, 2)
        return head + self.s(alphabet or MIXED, n - 8) + tail


Lines = dict[str, list[tuple[str | None, str]]]


def plan(g: Gen) -> Lines:
    """File -> lines; a line tagged with a pattern id holds one planted secret of that type."""
    return {**_plan_app(g), **_plan_config(g)}


def _plan_app(g: Gen) -> Lines:
    pw = g.password
    host = "internal.corp"
    return {
        "django/conf/planted_settings.py": [
            (None, '"""Deployment settings (benchmark plant)."""'),
            ("aws-access-key-id", f'AWS_ACCESS_KEY_ID = "AKIA{g.s(string.ascii_uppercase + "234567", 16)}"'),
            ("aws-secret-access-key", f'aws_secret_access_key = "{g.s(B64, 40)}"'),
            ("generic-password", f'DB_PASSWORD = "{pw()}"'),
            ("stripe-secret-key", f'STRIPE_KEY = "sk_live_{g.s(ALNUM, 24)}"'),
            ("stripe-restricted-key", f'STRIPE_RESTRICTED = "rk_live_{g.s(ALNUM, 24)}"'),
            ("stripe-test-key", f'STRIPE_TEST_KEY = "sk_test_{g.s(ALNUM, 24)}"'),
        ],
        "deploy/.env": [
            ("database-url-password", f"DATABASE_URL=postgres://app:{pw(18, URLPW)}@db.{host}:5432/app"),
            ("broker-url-password", f"CELERY_BROKER_URL=amqp://svc:{pw(16, URLPW)}@mq.{host}:5672/vhost"),
            ("github-pat", f"GITHUB_TOKEN={g.crc('ghp_')}"),
            ("slack-token", f"SLACK_BOT_TOKEN=xoxb-{g.s(string.digits, 11)}-{g.s(string.digits, 12)}-"
                            f"{g.s(ALNUM, 24)}"),
            ("anthropic-api-key", f"ANTHROPIC_API_KEY=sk-ant-api03-{g.s(URLSAFE, 93)}AA"),
        ],
        "config/services.yaml": [
            (None, "mail:"),
            ("sendgrid-api-key", f"  sendgrid: SG.{g.s(URLSAFE, 22)}.{g.s(URLSAFE, 43)}"),
            ("generic-secret", f"  client_secret: {pw(24)}"),
            (None, "sms:"),
            ("twilio-account-sid", f"  account: AC{g.s(HEX, 32)}"),
            ("twilio-api-key", f"  key: SK{g.s(HEX, 32)}"),
        ],
    }


def _plan_config(g: Gen) -> Lines:
    pw = g.password
    host = "internal.corp"
    return {
        "django/contrib/admin/static/admin/js/planted_config.js": [
            ("google-api-key", f'const mapsKey = "AIza{g.s(URLSAFE, 35)}";'),
            ("jwt", f'const session = "{g.jwt()}";'),
            ("github-oauth-token", f'const oauth = "{g.crc("gho_")}";'),
        ],
        "tests/fixtures_planted/credentials.json": [
            (None, "{"),
            ("generic-api-key", f'  "api_key": "{pw(32)}",'),
            ("npm-token", f'  "npm": "{g.crc("npm_")}",'),
            ("openai-api-key", f'  "openai": "sk-{g.s(ALNUM, 20)}T3BlbkFJ{g.s(ALNUM, 20)}",'),
            ("github-app-token", f'  "app": "{g.crc("ghs_")}",'),
            ("github-refresh-token", f'  "refresh": "{g.crc("ghr_")}"'),
            (None, "}"),
        ],
        ".npmrc": [("npm-auth-token", f"//registry.npmjs.org/:_authToken={g.s(HEX, 8)}-{g.s(HEX, 4)}-"
                                      f"{g.s(HEX, 4)}-{g.s(HEX, 4)}-{g.s(HEX, 12)}")],
        ".pypirc": [(None, "[pypi]"), (None, "username = __token__"),
                    ("pypi-token", f"password = {g.pypi()}")],
        "docs/planted_notes.txt": [
            (None, "Mirror and alerts used by the release job:"),
            ("url-basic-auth", f"  git clone https://deploy:{pw(18, URLPW)}@git.{host}/mirror.git"),
            ("slack-webhook", f"  https://hooks.slack.com/services/T{g.s(ALNUM, 8)}/B{g.s(ALNUM, 8)}/"
                              f"{g.s(ALNUM, 24)}"),
        ],
        "scripts/planted_deploy.sh": [
            (None, "#!/bin/sh"),
            ("azure-storage-account-key", "export AZURE_STORAGE_CONNECTION_STRING="
             "'DefaultEndpointsProtocol=https;"
             f"AccountName=djbench;AccountKey={g.s(B64, 86)}==;EndpointSuffix=core.windows.net'"),
            ("gitlab-token", f"export GITLAB_TOKEN=glpat-{g.s(URLSAFE, 20)}"),
            ("github-fine-grained-pat", f"export GH_PAT=github_pat_{g.s(ALNUM, 22)}_{g.s(ALNUM, 59)}"),
        ],
    }


def key_files(g: Gen) -> dict[str, tuple[str, list[str]]]:
    """Key files: path -> (type, lines); the secret is on the first line."""
    putty = ["PuTTY-User-Key-File-2: ssh-rsa", "Encryption: none", "Comment: deploy",
             "Public-Lines: 1", g.s(B64, 64), "Private-Lines: 1", g.s(B64, 64)]
    return {
        "keys/deploy_rsa.pem": ("private-key", g.pem("RSA PRIVATE KEY")),
        "keys/id_deploy": ("openssh-private-key", g.pem("OPENSSH PRIVATE KEY")),
        "keys/release-signing.asc": ("pgp-private-key", g.pem("PGP PRIVATE KEY BLOCK")),
        "keys/putty_deploy.ppk": ("putty-private-key", putty),
    }


def plant(tree: Path, g: Gen) -> list[Plant]:
    """Write the planted files (and one line appended to an existing Django module)."""
    plants: list[Plant] = []
    for rel, lines in plan(g).items():
        for i, (kind, _text) in enumerate(lines, 1):
            if kind:
                plants.append(Plant(kind, rel, i))
        _write(tree / rel, "\n".join(t for _, t in lines) + "\n")
    for rel, (key_kind, key_lines) in key_files(g).items():
        plants.append(Plant(key_kind, rel, 1))
        _write(tree / rel, "\n".join(key_lines) + "\n")
    existing = tree / "django/core/mail/backends/smtp.py"
    n = existing.read_text().count("\n")
    with existing.open("a") as fh:
        fh.write(f'\nSMTP_FALLBACK_PASSWORD = "{g.password(22)}"\n')
    plants.append(Plant("generic-password", "django/core/mail/backends/smtp.py", n + 2))
    return plants


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


ENGINE_SNIPPET = """
import json, os, sys, time
t0 = time.perf_counter()
from pathlib import Path
from secscan.analyzers.secrets import ScanOptions, get_engine
root, backend = Path(sys.argv[1]), sys.argv[2]
opts = ScanOptions(backend=backend)
eng = get_engine(opts)
t1 = time.perf_counter()
files = [os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs]
res = eng.scan_paths(root, files, opts)
t2 = time.perf_counter()
print(json.dumps({"backend": eng.prefilter.name, "setup_s": t1 - t0, "scan_s": t2 - t1,
                  "coverage": res.coverage, "hits": [[f.location.path, f.location.start_line, f.rule_id]
                                                     for f in res.findings]}))
"""


def run_engine(tree: Path, backend: str) -> dict:
    """secscan-secrets in a fresh interpreter (imports and pattern compilation included in the wall time)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", ENGINE_SNIPPET, str(tree), backend], capture_output=True,
                         text=True, env=env, check=True)
    data = json.loads(out.stdout)
    data["wall_s"] = time.perf_counter() - t
    data["hits"] = [(p, ln, rid.removeprefix("secscan.")) for p, ln, rid in data["hits"]]
    data["files"] = sum(data["coverage"].values())
    return data


def run_detect_secrets(tree: Path) -> dict:
    """``detect-secrets scan --all-files`` on the tree."""
    t = time.perf_counter()
    out = subprocess.run(["detect-secrets", "scan", "--all-files", "."], cwd=tree, capture_output=True,
                         text=True, check=True)
    wall = time.perf_counter() - t
    results = json.loads(out.stdout)["results"]
    hits = [(p, r["line_number"], r["type"]) for p, rs in results.items() for r in rs]
    return {"backend": "detect-secrets", "wall_s": wall, "hits": hits, "files": len(_all_files(tree)),
            "coverage": {}}


def _all_files(tree: Path) -> list[str]:
    return [os.path.relpath(os.path.join(d, f), tree) for d, _, fs in os.walk(tree) for f in fs]


def score(plants: list[Plant], hits: list[tuple[str, int, str]]) -> tuple[set[Plant], int]:
    """Planted secrets found (a hit on the planted file and line) and hits outside any planted line."""
    places = {(p.path, p.line): p for p in plants}
    found = {places[(h[0], h[1])] for h in hits if (h[0], h[1]) in places}
    outside = sum(1 for h in hits if (h[0], h[1]) not in places)
    return found, outside


def report(plants: list[Plant], runs: list[dict]) -> None:
    """Print the comparison table and per-type recall."""
    ds = next(r for r in runs if r["backend"] == "detect-secrets")
    print(f"\nplanted secrets: {len(plants)} ({len({p.type for p in plants})} types) in "
          f"{len({p.path for p in plants})} files\n")
    print(f"{'engine':<26}{'wall s':>9}{'scan s':>9}{'files':>8}{'recall':>10}{'outside':>9}{'speed-up':>10}")
    scores = {}
    for r in runs:
        found, outside = score(plants, r["hits"])
        scores[r["backend"]] = found
        scan = f"{r['scan_s']:.2f}" if "scan_s" in r else "-"
        ratio = ds["wall_s"] / r["wall_s"]
        print(f"{r['backend']:<26}{r['wall_s']:>9.2f}{scan:>9}{r['files']:>8}"
              f"{len(found):>5}/{len(plants):<4}{outside:>9}{ratio:>9.1f}x")
    ours = [r for r in runs if r is not ds]
    for r in ours:
        missed = scores["detect-secrets"] - scores[r["backend"]]
        print(f"\n{r['backend']}: coverage {r['coverage']}; setup {r['setup_s']:.2f}s; "
              f"planted found by detect-secrets but missed: {sorted(p.type for p in missed) or 'none'}")
    print("\nper type (D = detect-secrets, S = secscan-secrets " + ours[0]["backend"] + "):")
    for p in sorted(plants, key=lambda p: p.type):
        d = "D" if p in scores["detect-secrets"] else "-"
        s = "S" if p in scores[ours[0]["backend"]] else "-"
        print(f"  {d}{s}  {p.type:<28}{p.path}:{p.line}")


TIMING_SNIPPET = """
import json, os, statistics, sys, time
from pathlib import Path
from secscan.analyzers.secrets import ScanOptions, SecretEngine, load_patterns
root, backend, which = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
pats = load_patterns(Path(which)) if which != "all" else load_patterns()
t0 = time.perf_counter()
eng = SecretEngine(pats, backend)
setup = time.perf_counter() - t0
files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
opts = ScanOptions(backend=backend)
eng.scan_paths(root, files[:200], opts)  # warm-up: regex compilation
runs, cpu = [], []
for _ in range(3):
    t, c = time.perf_counter(), time.process_time()
    res = eng.scan_paths(root, files, opts)
    runs.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
print(json.dumps({"backend": eng.prefilter.name, "patterns": len(pats), "setup_s": setup,
                  "median_s": statistics.median(runs), "runs": runs, "cpu_s": statistics.median(cpu),
                  "files": len(files), "findings": len(res.findings)}))
"""


def timing(tree: Path, backends: list[str]) -> None:
    """Medians of 3 scans per backend: every bundled rule vs the hand-written patterns.yaml alone."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    legacy = str(ROOT / "rules" / "secrets" / "patterns.yaml")
    print(f"{'backend':<11}{'rules':>7}{'setup s':>9}{'median s':>10}{'cpu s':>8}{'runs':>24}{'files':>7}"
          f"{'findings':>9}")
    for backend in backends:
        for which in (legacy, "all"):
            out = subprocess.run([sys.executable, "-c", TIMING_SNIPPET, str(tree), backend, which],
                                 capture_output=True, text=True, env=env, check=True)
            r = json.loads(out.stdout)
            runs = " ".join(f"{x:.2f}" for x in r["runs"])
            print(f"{r['backend']:<11}{r['patterns']:>7}{r['setup_s']:>9.2f}{r['median_s']:>10.3f}"
                  f"{r['cpu_s']:>8.3f}{runs:>24}{r['files']:>7}{r['findings']:>9}")


def corpus(per_rule: int) -> None:
    """Recall and look-alike rate per provider family on tokens generated from each rule's format."""
    import hashlib

    sys.path.insert(0, str(ROOT / "tests" / "support"))
    from token_corpus import lookalikes, true_examples

    from secscan.analyzers.secrets import SecretEngine, load_patterns

    pats = load_patterns()
    eng = SecretEngine(pats, "auto")
    fams: dict[str, list[int]] = {}
    for pat in (p for p in pats if p.format):
        trues, fakes = true_examples(pat, per_rule, 23), lookalikes(pat, max(per_rule // 4, 1), 23)
        data = "\n".join(x.line for x in trues).encode()
        hits = {(f.location.start_line, f.secret_hash) for f in eng.scan_bytes("c", data)
                if f.rule_id == pat.rule_id and f.location}
        found = sum((i, hashlib.sha1(x.token.encode()).hexdigest()) in hits for i, x in enumerate(trues, 1))
        flagged_lines = {f.location.start_line for f in
                         eng.scan_bytes("n", "\n".join(x.line for x in fakes).encode()) if f.location}
        row = fams.setdefault(pat.provider or pat.id, [0, 0, 0, 0, 0])
        row[0] += 1
        row[1] += len(trues)
        row[2] += found
        row[3] += len(fakes)
        row[4] += len(flagged_lines)
    print(f"{'family':<36}{'rules':>6}{'tokens':>8}{'recall':>9}{'look-alikes':>13}{'flagged':>9}")
    tot = [0, 0, 0, 0, 0]
    for fam, row in sorted(fams.items()):
        tot = [a + b for a, b in zip(tot, row, strict=True)]
        recall, flagged = row[2] / row[1], row[4] / row[3]
        print(f"{fam[:35]:<36}{row[0]:>6}{row[1]:>8}{recall:>9.1%}{row[3]:>13}{flagged:>9.2%}")
    total = f"TOTAL ({len(fams)} families)"
    print(f"{total:<36}{tot[0]:>6}{tot[1]:>8}{tot[2] / tot[1]:>9.2%}{tot[3]:>13}{tot[4] / tot[3]:>9.2%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=ROOT / "bench-work")
    ap.add_argument("--backends", default="hyperscan,re2,keywords")
    ap.add_argument("--seed", type=int, default=4216)
    ap.add_argument("--timing", action="store_true", help="engine time: bundled rules vs patterns.yaml alone")
    ap.add_argument("--tree", type=Path, help="with --timing: scan this tree instead of Django's sdist")
    ap.add_argument("--corpus", action="store_true", help="recall and look-alike rate per provider family")
    ap.add_argument("--per-rule", type=int, default=1000)
    args = ap.parse_args()
    if args.corpus:
        corpus(args.per_rule)
        return 0
    if args.timing:
        timing(args.tree or prepare(args.work), [b for b in args.backends.split(",") if b])
        return 0
    src = prepare(args.work)
    tree = args.work / "bench-tree"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(src, tree)
    plants = plant(tree, Gen(args.seed))
    runs = [run_engine(tree, b) for b in args.backends.split(",") if b]
    print("running detect-secrets scan --all-files (this takes a while) ...", file=sys.stderr)
    runs.append(run_detect_secrets(tree))
    report(plants, runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
