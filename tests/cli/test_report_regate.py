"""`secscan report RESULT --fail-on X` re-gates the result and exits with that verdict."""

from __future__ import annotations

from pathlib import Path

from run_cli import run_cli

from secscan.cli.main import main


def test_report_with_fail_on_exits_with_the_new_verdict(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.py").write_text("import pickle\n\n\ndef f(b):\n    return pickle.loads(b)\n")
    code, doc = run_cli("sast", tmp_path / "t", tmp_path / "out", "--scanners", "bandit", "--offline", "-q",
                        "--format", "json")
    assert code == 0 and doc["summary"]["counts"]["medium"] >= 1  # passes the default (critical) gate
    result = str(tmp_path / "out" / "secscan.json")
    assert main(["report", result, "--fail-on", "medium", "--output-dir", str(tmp_path / "a"), "-q"]) == 1
    assert main(["report", result, "--fail-on", "critical", "--output-dir", str(tmp_path / "b"), "-q"]) == 0
    assert main(["report", result, "--output-dir", str(tmp_path / "c"), "-q"]) == 0  # rendering only
