"""One allow-list comment silences a secret whichever tool reports it.

detect-secrets does not know ``# secscan: ignore``: triage suppresses its finding, with the reason,
instead of letting it fail the gate."""

from __future__ import annotations

import json
import random
import shutil
import string
from pathlib import Path

import pytest
from token_checksums import crc_token

from secscan.cli.main import main

ALPHABET = string.ascii_letters + string.digits


def token(n: int) -> str:
    """A distinct token-shaped value per n, built at run time (detect-secrets reports a value once a file)."""
    rnd = random.Random(n)
    return crc_token("ghp_", rnd)  # with the CRC32 checksum secscan-secrets checks


def scan(root: Path, out: Path) -> tuple[int, dict]:
    code = main(["secrets", str(root), "--scanners", "detect-secrets,secscan-secrets", "--no-cache",
                 "--quiet", "--fail-on", "high", "--format", "json", "--output-dir", str(out)])
    report: dict = json.loads((out / "secscan.json").read_text("utf-8"))
    return code, report


@pytest.mark.skipif(shutil.which("detect-secrets") is None, reason="detect-secrets is not installed")
def test_allow_list_comments_silence_every_engine(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "quiet.py").write_text(
        f'A = "{token(1)}"  # secscan: ignore\n'
        f'# secscan: ignore-next-line\nB = "{token(2)}"\n'
        f'C = "{token(3)}"  # pragma: allowlist secret\n', "utf-8")
    code, rep = scan(root, tmp_path / "quiet")
    ds = [f for f in rep["findings"] if "detect-secrets" in f["sources"]]
    assert ds and all(f["suppressed"] and f["suppression"]["reason"] == "allow-list comment on the line"
                      for f in ds)
    assert code == 0, [(f["location"], f["sources"], f["suppressed"]) for f in rep["findings"]]

    (root / "loud.py").write_text(f'D = "{token(4)}"  # a plain comment\n# secscan: ignore\n', "utf-8")
    code, rep = scan(root, tmp_path / "loud")
    loud = [f for f in rep["findings"] if f["location"]["path"] == "loud.py"]
    assert loud and not any(f["suppressed"] for f in loud) and code == 1
    assert "detect-secrets" in set().union(*(f["sources"] for f in loud))
