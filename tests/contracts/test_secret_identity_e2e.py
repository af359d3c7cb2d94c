"""A secret keeps one identity whichever secret tools ran: one finding per secret and place, and the same
fingerprint (so a baseline made with one set of tools covers a scan with another)."""

from __future__ import annotations

import json
import random
import shutil
import string
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from token_checksums import crc_token

from secscan.cli.main import main

pytestmark = pytest.mark.skipif(shutil.which("detect-secrets") is None,
                                reason="detect-secrets is not installed")
BOTH = "secscan-secrets,detect-secrets"


def rand(n: int, seed: int) -> str:
    rnd = random.Random(seed)
    return "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(n))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    (root / "id_rsa.pem").write_bytes(pem)
    gh = crc_token("ghp_", random.Random(1))  # a GitHub token with its CRC32 checksum (secscan checks it)
    (root / "two.py").write_text(f'TOKENS = ("{gh}", "sk_live_{rand(24, 2)}")\n', "utf-8")
    return root


def scan(root: Path, out: Path, scanners: str, *extra: str) -> tuple[int, dict]:
    code = main(["secrets", str(root), "--scanners", scanners, "--no-cache", "--quiet", "--format", "json",
                 "--output-dir", str(out), *extra])
    return code, json.loads((out / "secscan.json").read_text("utf-8"))


def test_one_finding_per_secret_and_place(tree: Path, tmp_path: Path) -> None:
    _code, rep = scan(tree, tmp_path / "out", BOTH, "--fail-on", "never")
    two = [f for f in rep["findings"] if f["location"]["path"] == "two.py"]
    assert len(two) == 2 and len({f["secret"]["hash"] for f in two}) == 2
    assert all(set(f["sources"]) == {"secscan-secrets", "detect-secrets"} for f in two), two
    pem = [f for f in rep["findings"] if f["location"]["path"] == "id_rsa.pem"]
    assert len(pem) == 1 and set(pem[0]["sources"]) == {"secscan-secrets", "detect-secrets"}, pem


@pytest.mark.parametrize(("made_with", "checked_with"), [("secscan-secrets", BOTH), (BOTH, "secscan-secrets"),
                                                         ("detect-secrets", "secscan-secrets")])
def test_baseline_from_other_tools_still_covers(tree: Path, tmp_path: Path, made_with: str,
                                                checked_with: str) -> None:
    base = tmp_path / "baseline.json"
    assert main(["baseline", "create", str(tree), "--scanners", made_with, "--no-cache",
                 "--output", str(base), "--quiet"]) == 0
    code, rep = scan(tree, tmp_path / "out", checked_with, "--baseline", str(base))
    new = [(f["location"]["path"], f["rule_id"]) for f in rep["findings"] if not f["suppressed"]]
    assert code == 0 and not new, new


def test_fingerprints_are_the_same_whichever_tools_ran(tree: Path, tmp_path: Path) -> None:
    def prints(scanners: str) -> dict[tuple[str, int], set[str]]:
        _code, rep = scan(tree, tmp_path / scanners.replace(",", "_"), scanners, "--fail-on", "never")
        out: dict[tuple[str, int], set[str]] = {}
        for f in rep["findings"]:
            out.setdefault((f["location"]["path"], f["location"]["start_line"]), set()).add(f["fingerprint"])
        return out

    own, both = prints("secscan-secrets"), prints(BOTH)
    assert own and own == both


def _aws(seed: int) -> str:
    return "AKIA" + "".join(random.Random(seed).choice(string.ascii_uppercase + "234567") for _ in range(16))


@pytest.mark.parametrize("kind", ["long-line", "pem-block"])
def test_a_swapped_secret_is_new_even_with_the_same_first_line(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "proj"
    root.mkdir()

    def write(seed: int) -> None:
        if kind == "long-line":  # the secret far to the right of a long one-line file
            secret = rand(40, seed + 100)
            (root / "conf.json").write_text(json.dumps({"pad": "x" * 400, "id": _aws(seed),
                                                        "aws_secret_access_key": secret}), "utf-8")
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            (root / "id_rsa.pem").write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption()))

    write(1)
    base = tmp_path / "baseline.json"
    assert main(["baseline", "create", str(root), "--scanners", BOTH, "--no-cache", "--output", str(base),
                 "--quiet"]) == 0
    code, rep = scan(root, tmp_path / "same", BOTH, "--baseline", str(base))
    assert code == 0 and rep["findings"] and all(f["suppressed"] for f in rep["findings"])
    write(2)  # another secret in the same place
    code, rep = scan(root, tmp_path / "swapped", BOTH, "--baseline", str(base))
    assert code == 1 and any(not f["suppressed"] for f in rep["findings"])


def test_baselines_of_the_earlier_secret_ids_still_match(tree: Path, tmp_path: Path) -> None:
    _code, rep = scan(tree, tmp_path / "a", "secscan-secrets", "--fail-on", "never")
    legacy = [f["properties"]["legacy_fingerprint"] for f in rep["findings"]
              if f["properties"].get("legacy_fingerprint")]
    assert legacy
    base = tmp_path / "old-baseline.json"
    base.write_text(json.dumps({"version": 1, "entries": [{"fingerprint": fp, "reason": "accepted"}
                                                         for fp in legacy]}), "utf-8")
    _code, rep = scan(tree, tmp_path / "b", "secscan-secrets", "--fail-on", "never", "--baseline", str(base))
    assert all(f["suppressed"] for f in rep["findings"] if f["properties"].get("legacy_fingerprint"))
