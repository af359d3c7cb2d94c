"""A foreign `oqs` in the application's environment (PyPI's unrelated `oqs` distribution) is a finding about
the application (verdict stub: the PQC code there cannot be running on liboqs), not a failed check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from secscan.analyzers.pqc.result import ChildStatus, Verdict
from secscan.analyzers.pqc.verify import verify
from secscan.cli.main import main

FOREIGN = '"""An unrelated package that happens to be called oqs."""\n__version__ = "0.10.2"\n'


def _install(site: Path) -> None:
    (site / "oqs").mkdir(parents=True)
    (site / "oqs" / "__init__.py").write_text(FOREIGN)
    dist = site / "oqs-0.10.2.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: oqs\nVersion: 0.10.2\n")
    (dist / "RECORD").write_text("oqs/__init__.py,,\noqs-0.10.2.dist-info/METADATA,,\n")
    (dist / "top_level.txt").write_text("oqs\n")


def test_foreign_oqs_distribution_reads_stub_with_its_name(tmp_path: Path) -> None:
    _install(tmp_path / "site")
    res = verify(("ML-KEM-768",), env={"PYTHONPATH": str(tmp_path / "site")}, timeout=60)
    assert res.evidence.child_status is ChildStatus.FOREIGN_MODULE
    assert res.verdict is Verdict.STUB
    (reason,) = res.reasons
    assert "is not liboqs-python" in reason and "distribution oqs 0.10.2" in reason
    assert str(tmp_path / "site" / "oqs") in reason


def test_foreign_oqs_fails_the_gate_with_a_finding_not_exit_3(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path / "site")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    (tmp_path / "t").mkdir()
    out = tmp_path / "out"
    code = main(["all", str(tmp_path / "t"), "--scanners", "pqc", "--pqc-python", sys.executable,
                 "--require-pqc", "--offline", "--no-cache", "--quiet", "--format", "json", "--output-dir",
                 str(out)])
    doc = json.loads((out / "secscan.json").read_text())
    pqc = next(s for s in doc["scanners"] if s["name"] == "pqc")
    assert pqc["status"] == "ok"
    assert [f["severity"] for f in doc["findings"]] == ["critical"] and code == 1
