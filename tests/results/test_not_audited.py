"""--offline without an advisory database: the verdict says how many pinned dependencies went unaudited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from run_cli import run_cli

from secscan.cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _tree(root: Path) -> Path:
    (root / "svc").mkdir(parents=True)
    (root / "requirements.txt").write_text("django==3.2.12\nrequests==2.19.0\npyyaml==5.3\n")
    (root / "svc" / "requirements.txt").write_text("requests==2.19.0\nflask>=2\n")  # unpinned: not counted
    (root / "app.py").write_text("x = 1\n")
    return root


def test_offline_verdict_names_the_unaudited_pins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = _tree(tmp_path / "t")
    code, doc = run_cli("all", tree, tmp_path / "out", "--offline", "--scanners", "pip-audit,secscan-secrets",
                        "--format", "json,md,html")
    assert code == 0 and doc["summary"]["not_audited"] == 3
    line = "3 pinned dependencies NOT audited (offline; use --osv-db or `secscan db`)"
    assert line in capsys.readouterr().out
    markdown = (tmp_path / "out" / "secscan.md").read_text()
    assert "3 pinned dependencies NOT audited (offline; use --osv-db" in markdown
    assert "3 pinned dependencies NOT audited" in (tmp_path / "out" / "secscan.html").read_text()


def test_an_offline_advisory_database_audits_them(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "t")
    out = tmp_path / "out"
    main(["all", str(tree), "--offline", "--scanners", "pip-audit,secscan-secrets", "--osv-db",
          str(FIXTURES / "osv"), "--no-cache", "-q", "--format", "json", "--output-dir", str(out)])
    assert json.loads((out / "secscan.json").read_text())["summary"]["not_audited"] == 0
