"""The PQC check's child (possibly an application's interpreter) runs in a private empty folder: never in
secscan's installed package, which it could otherwise patch, nor in the scanned tree."""

from __future__ import annotations

from pathlib import Path

from pqc_fakes import fake_env

import secscan
from secscan.analyzers.pqc.verify import verify

SPY = """
import os
open(os.environ["SPY_OUT"], "w").write(os.getcwd() + "\\n" + "\\n".join(sorted(os.listdir("."))))
raise SystemExit("spy only")
"""


def test_child_runs_in_a_private_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "spy.txt"
    verify(("ML-KEM-768",), env={**fake_env(tmp_path, SPY), "SPY_OUT": str(out)}, timeout=30)
    cwd, *listing = out.read_text().splitlines()
    package = Path(secscan.__file__).resolve().parent
    assert not Path(cwd).resolve().is_relative_to(package)
    assert not Path(cwd).resolve().is_relative_to(tmp_path.resolve())
    assert listing == [] and not Path(cwd).exists()  # empty, and removed after the check
