"""Library API (issue 9): `secscan.scan()` returns what the CLI writes; `import secscan` stays cheap."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from token_checksums import crc_token

import secscan
from secscan.cli.main import main
from secscan.core.errors import UsageError
from secscan.formats.json_report import validate

ROOT = Path(__file__).resolve().parents[2]
OSV = ROOT / "tests" / "fixtures" / "osv"
SHELL = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
CONFIG = """\
[tool.secscan]
fail_on = "high"
severity = { B404 = "info" }

[[tool.secscan.suppress]]
rule = "B602"
path = "tools/*.py"
reason = "fixed command list"
owner = "ops"
"""
SCANNERS = ["bandit", "secscan-secrets", "pip-audit"]
GH_TOKEN = crc_token("ghp_", random.Random(41))  # with the CRC32 checksum secscan-secrets checks


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api") / "proj"
    (root / "tools").mkdir(parents=True)
    (root / "app.py").write_text(SHELL, "utf-8")
    (root / "tools" / "run.py").write_text(SHELL, "utf-8")
    (root / "settings.py").write_text(f'token = "{GH_TOKEN}"\n', "utf-8")
    (root / "requirements.txt").write_text("requests==2.19.1\n", "utf-8")
    (root / "pyproject.toml").write_text(CONFIG, "utf-8")
    return root


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs between two runs (run id, time stamps, durations)."""
    out = json.loads(json.dumps(report))
    for key in ("run_id", "started_at", "duration_s"):
        out.pop(key)
    for s in out["scanners"]:
        s.pop("duration_s")
    for setting in out.get("configuration", {}).get("settings", ()):  # an argument: CLI flag or API keyword
        setting["source"] = setting["source"].replace("command-line", "api")
    return out


def test_import_secscan_stays_cheap() -> None:
    code = ("import sys, secscan\n"
            "heavy = [m for m in ('secscan.api', 'secscan.run.engine', 'secscan.cli.main',"
            " 'secscan.scanners.registry') if m in sys.modules]\n"
            "assert not heavy, heavy\n"
            "from secscan import scan, ScanReport\n"
            "import secscan.api\n"
            "assert scan is secscan.api.scan and ScanReport is secscan.api.ScanReport\n"
            "assert 'scan' in dir(secscan)\n"
            "try:\n    secscan.nope\nexcept AttributeError as e:\n    print('ok', e)\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "ok module 'secscan' has no attribute 'nope'" in res.stdout


@pytest.mark.slow
def test_scan_json_equals_what_the_cli_writes(tree: Path, tmp_path: Path) -> None:
    report = secscan.scan(tree, scanners=SCANNERS, osv_db=OSV, use_cache=False)
    code = main(["all", str(tree), "--scanners", ",".join(SCANNERS), "--osv-db", str(OSV), "--no-cache",
                 "--quiet", "--output-dir", str(tmp_path / "out")])
    written = json.loads((tmp_path / "out" / "secscan.json").read_text("utf-8"))
    api = json.loads(report.to_json())
    validate(api)
    assert comparable(api) == comparable(written)
    assert report.exit_code == code == 1  # the configuration's fail_on = "high" applies to both
    assert report.to_dict() == api
    # the object itself
    assert {s.name for s in report.scanners} == set(SCANNERS)
    assert all(s.status.value == "ok" for s in report.scanners)
    assert report.summary == api["summary"] and report.summary["gate"]["fail_on"] == "high"
    rules = {(f.location.path if f.location else "", f.rule_id): f for f in report.findings}
    assert rules[("tools/run.py", "B602")].suppressed and not rules[("app.py", "B602")].suppressed
    assert rules[("app.py", "B404")].severity.label == "info"
    assert any(f.category.value == "secret" for f in report.findings)
    assert GH_TOKEN not in report.to_json()


@pytest.mark.slow
def test_arguments_win_over_the_configuration(tree: Path) -> None:
    report = secscan.scan(str(tree), scanners="bandit", fail_on="critical", use_cache=False,
                          excludes=("tools/*",))
    assert report.exit_code == 0 and report.summary["gate"]["fail_on"] == "critical"
    assert [s.name for s in report.scanners] == ["bandit"]
    assert not any(f.location and f.location.path.startswith("tools/") for f in report.findings)


def test_offline_false_wins_over_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.19.1\n", "utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.secscan]\noffline = true\n", "utf-8")

    def pip_audit(**kw: object) -> str | None:
        report = secscan.scan(str(tmp_path), scanners="pip-audit", use_cache=False, **kw)  # type: ignore[arg-type]
        return next(s for s in report.scanners if s.name == "pip-audit").reason

    assert pip_audit() == "offline" and pip_audit(offline=None) == "offline"
    assert pip_audit(offline=False) != "offline"  # it ran (and here, without network, failed honestly)


def test_wrong_input_raises(tree: Path, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        secscan.scan(tree, colour="red")  # type: ignore[call-arg]
    with pytest.raises(UsageError, match="unknown scanner"):
        secscan.scan(tree, scanners=["nessus"])
    bad = tmp_path / "bad.toml"
    bad.write_text("[tool.secscan]\nfail_on = 'severe'\n", "utf-8")
    with pytest.raises(UsageError, match="fail_on must be one of"):
        secscan.scan(tree, config=bad)
    with pytest.raises(UsageError, match="no such file"):
        secscan.scan(tmp_path / "missing")
