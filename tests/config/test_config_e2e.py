"""Issue 9 (configuration) end to end through `main([...])`: every [tool.secscan] key takes effect, the
command line wins where both set something, and a wrong key or value is exit 2 with one line."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from run_cli import run_cli

import secscan.run.engine
from secscan.cli.main import main

OSV = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "osv"
SHELL = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"  # B602 high, line 5
slow = pytest.mark.slow


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "vendor").mkdir(parents=True)
    (root / "app.py").write_text(SHELL, "utf-8")
    (root / "vendor" / "lib.py").write_text(SHELL, "utf-8")
    return root


def configure(root: Path, text: str) -> None:
    head = "[project]\nname = 'demo'\n\n[tool.secscan]\n"
    (root / "pyproject.toml").write_text(head + textwrap.dedent(text), "utf-8")


def scan(root: Path, out: Path, *extra: str, command: str = "sast") -> tuple[int, dict]:
    return run_cli(command, root, out, "--quiet", *extra)


def places(report: dict) -> set[tuple[str, str]]:
    return {(f["location"]["path"], f["rule_id"]) for f in report["findings"] if f["location"]}


def finding(report: dict, path: str, rule: str) -> dict:
    return next(f for f in report["findings"] if f["location"] and (f["location"]["path"], f["rule_id"]) == (
        path, rule))


@slow
def test_fail_on_and_cli_wins(proj: Path, tmp_path: Path) -> None:
    configure(proj, 'fail_on = "high"\nscanners = ["bandit"]\n')
    code, rep = scan(proj, tmp_path / "a")
    assert code == 1 and rep["summary"]["gate"]["fail_on"] == "high"
    code, rep = scan(proj, tmp_path / "b", "--fail-on", "critical")
    assert code == 0 and rep["summary"]["gate"]["fail_on"] == "critical"


@slow
def test_scanners_and_cli_wins(proj: Path, tmp_path: Path) -> None:
    configure(proj, 'scanners = ["bandit"]\n')
    _, rep = scan(proj, tmp_path / "a", command="all")
    assert [s["name"] for s in rep["scanners"]] == ["bandit"]
    _, rep = scan(proj, tmp_path / "b", "--scanners", "secscan-secrets", command="all")
    assert [s["name"] for s in rep["scanners"]] == ["secscan-secrets"]


def outside(tmp_path: Path, text: str) -> str:
    """A --config file beside the target (a pyproject.toml in it would be a dependency file for pip-audit)."""
    path = tmp_path / "secscan.toml"
    path.write_text("[tool.secscan]\n" + text, "utf-8")
    return str(path)


def test_require_makes_a_skipped_scanner_fail_the_gate(proj: Path, tmp_path: Path) -> None:
    code, rep = scan(proj, tmp_path / "a", command="deps")  # no dependency files: skipped, not required
    assert code == 0 and {s["status"] for s in rep["scanners"]} == {"skipped"}
    conf = outside(tmp_path, 'require = ["pip-audit"]\n')
    code, rep = scan(proj, tmp_path / "b", "--config", conf, command="deps")
    pa = next(s for s in rep["scanners"] if s["name"] == "pip-audit")
    assert pa["required"] and pa["status"] != "ok" and code == 3


def test_allow_incomplete(proj: Path, tmp_path: Path) -> None:
    conf = outside(tmp_path, 'require = ["pip-audit"]\nallow_incomplete = true\n')
    code, rep = scan(proj, tmp_path / "a", "--config", conf, command="deps")
    assert code == 0 and rep["summary"]["gate"]["incomplete"]
    assert any("allowed by --allow-incomplete" in r for r in rep["summary"]["gate"]["reasons"])


@slow
def test_exclude_merges_with_cli(proj: Path, tmp_path: Path) -> None:
    configure(proj, 'scanners = ["bandit"]\n')
    _, rep = scan(proj, tmp_path / "a")
    assert ("vendor/lib.py", "B602") in places(rep)
    configure(proj, 'scanners = ["bandit"]\nexclude = ["vendor/*"]\n')
    _, rep = scan(proj, tmp_path / "b")
    assert ("vendor/lib.py", "B602") not in places(rep) and ("app.py", "B602") in places(rep)
    _, rep = scan(proj, tmp_path / "c", "--exclude", "app.py")
    assert not any(p in ("app.py", "vendor/lib.py") for p, _ in places(rep))


@slow
def test_severity_override_keeps_the_tools_word(proj: Path, tmp_path: Path) -> None:
    configure(proj, 'scanners = ["bandit"]\nseverity = { B602 = "critical", B404 = "info" }\n')
    code, rep = scan(proj, tmp_path / "a")
    f = finding(rep, "app.py", "B602")
    assert f["severity"] == "critical" and f["raw_severity"] == "HIGH"
    assert f["properties"]["severity_overridden_from"] == "high"
    assert finding(rep, "app.py", "B404")["severity"] == "info"
    assert code == 1  # the default gate (critical) now fails


@slow
def test_ignore_and_suppress_entries(proj: Path, tmp_path: Path) -> None:
    configure(proj, '''\
        scanners = ["bandit"]
        fail_on = "high"
        ignore = [{ rule = "B602", path = "vendor/*", reason = "third-party code, patched upstream" }]

        [[tool.secscan.suppress]]
        rule = "B602"
        path = "app.py"
        reason = "cmd comes from a fixed list"
        owner = "platform"
        ''')
    code, rep = scan(proj, tmp_path / "a")
    assert code == 0
    vendor, app = finding(rep, "vendor/lib.py", "B602"), finding(rep, "app.py", "B602")
    assert vendor["suppressed"] and vendor["suppression"]["reason"] == "third-party code, patched upstream"
    assert app["suppressed"] and app["suppression"]["owner"] == "platform"


def test_timeout_and_cli_wins(proj: Path, tmp_path: Path, fake_bin: Callable[[str, str], Path]) -> None:
    fake_bin("bandit", 'case "$1" in --version) echo "bandit 9.9.9"; exit 0;; esac\nsleep 30\n')
    configure(proj, 'scanners = ["bandit"]\ntimeout = 1\n')
    code, rep = scan(proj, tmp_path / "a")
    assert code == 3 and rep["scanners"][0]["status"] == "timeout"
    assert rep["scanners"][0]["reason"] == "timed out after 1s"
    code, rep = scan(proj, tmp_path / "b", "--timeout", "2")
    assert rep["scanners"][0]["reason"] == "timed out after 2s"


def test_per_scanner_timeouts(proj: Path, tmp_path: Path, fake_bin: Callable[[str, str], Path]) -> None:
    fake_bin("bandit", 'case "$1" in --version) echo "bandit 9.9.9"; exit 0;; esac\nsleep 30\n')
    configure(proj, 'scanners = ["bandit", "secscan-secrets"]\ntimeout = 600\ntimeouts = { bandit = 1 }\n')
    code, rep = scan(proj, tmp_path / "a")
    status = {s["name"]: s for s in rep["scanners"]}
    assert status["bandit"]["reason"] == "timed out after 1s" and status["secscan-secrets"]["status"] == "ok"
    assert code == 3
    _code, rep = scan(proj, tmp_path / "b", "--timeout", "2")  # the command line wins over the table too
    assert next(s for s in rep["scanners"] if s["name"] == "bandit")["reason"] == "timed out after 2s"


def test_offline_skips_network_scanners(proj: Path, tmp_path: Path) -> None:
    (proj / "requirements.txt").write_text("requests==2.19.1\n", "utf-8")
    configure(proj, "offline = true\n")
    code, rep = scan(proj, tmp_path / "a", command="deps")
    pa = next(s for s in rep["scanners"] if s["name"] == "pip-audit")
    assert pa["status"] == "skipped" and pa["reason"] == "offline" and code == 0


def test_osv_db_relative_to_the_config_file(proj: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (proj / "requirements.txt").write_text("requests==2.19.1\n", "utf-8")
    conf_dir = tmp_path / "ci"
    conf_dir.mkdir()
    (conf_dir / "advisories").symlink_to(OSV, target_is_directory=True)
    (conf_dir / "secscan.toml").write_text('osv_db = "advisories"\nscanners = ["pip-audit"]\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    _, rep = scan(proj, tmp_path / "a", "--config", str(conf_dir / "secscan.toml"), command="deps")
    pa = rep["scanners"][0]
    assert pa["name"] == "pip-audit" and pa["status"] == "ok" and pa["version"] == "osv-db"
    assert any(f["package"]["name"] == "requests" for f in rep["findings"])


def test_require_pqc(proj: Path, tmp_path: Path) -> None:
    _, plain = scan(proj, tmp_path / "a", "--scanners", "pqc", command="all")
    _, flag = scan(proj, tmp_path / "b", "--scanners", "pqc", "--require-pqc", command="all")
    configure(proj, "require_pqc = true\n")
    _, conf = scan(proj, tmp_path / "c", "--scanners", "pqc", command="all")
    assert [f["rule_id"] for f in conf["findings"]] == [f["rule_id"] for f in flag["findings"]]
    assert conf["scanners"][0]["status"] == flag["scanners"][0]["status"]
    if plain["scanners"][0]["status"] == "skipped":  # liboqs is missing here: required, that is critical
        assert [(f["rule_id"], f["severity"]) for f in conf["findings"]] == [("PQC-UNAVAILABLE", "critical")]


def test_canary_off(proj: Path, tmp_path: Path) -> None:
    configure(proj, 'canary = false\nscanners = ["secscan-secrets"]\n')
    _, rep = scan(proj, tmp_path / "a", command="all")
    assert rep["scanners"][0]["canary"] == "disabled"
    assert any("canary checks disabled" in n for n in rep["notes"])


def test_jobs_and_cli_wins(proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = secscan.run.engine.ThreadPoolExecutor

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, max_workers: int, **kw: object) -> None:
            seen.append(max_workers)
            super().__init__(max_workers=max_workers, **kw)

    monkeypatch.setattr(secscan.run.engine, "ThreadPoolExecutor", Recording)
    configure(proj, 'jobs = 3\nscanners = ["secscan-secrets"]\n')
    scan(proj, tmp_path / "a", command="all")
    scan(proj, tmp_path / "b", "--jobs", "1", command="all")
    assert len(seen) == 2 and seen[0] == 3 * seen[1]  # the pool follows jobs: 3 from the file, 1 from the CLI


@pytest.mark.parametrize(("text", "message"), [
    ('colour = "red"', "unknown key 'colour' in [tool.secscan]"),
    ('fail_on = "severe"', "fail_on must be one of critical, high, medium, low, info, never"),
    ('scanners = ["bandit", "nessus"]', "scanners names unknown scanner(s) nessus"),
    ('require = "bandit"', "require must be a list"),
    ("exclude = [1]", "exclude must be a list of non-empty strings"),
    ('severity = { B602 = "urgent" }', "severity.B602 must be one of"),
    ('severity = "high"', "severity must be a dict"),
    ('ignore = [{ rule = "B602" }]', "ignore entry 1 (B602) has no reason"),
    ('ignore = [{ rule = "B602", reason = "x", until = "2027-01-01" }]', "unknown key(s) until"),
    ('ignore = ["B602"]', "ignore entry 1 must be a table"),
    ("timeout = 0", "timeout must be positive"),
    ('timeout = "60"', "timeout must be a number"),
    ("timeouts = { nessus = 5 }", "timeouts.nessus: unknown scanner"),
    ("timeouts = { bandit = -5 }", "timeouts.bandit must be a positive number"),
    ('timeouts = { bandit = "5" }', "timeouts.bandit must be a positive number"),
    ("offline = 1", "offline must be a bool"),
    ("require_pqc = 'yes'", "require_pqc must be a bool"),
    ("jobs = -1", "jobs must be 1 or more"),
    ("jobs = 0", "jobs must be 1 or more"),
    ("jobs = 1.5", "jobs must be a int"),
    ('osv_db = "no-such-folder"', "not a folder"),
    ("fail_on = ", "cannot read configuration"),
])
def test_wrong_key_or_value_is_exit_2_with_one_line(proj: Path, tmp_path: Path, text: str, message: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    configure(proj, text + "\n")
    code = main(["sast", str(proj), "--quiet", "--output-dir", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("secscan: error: ") and message in err, err
    assert not (tmp_path / "o").exists()  # nothing ran


def test_config_option(proj: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sast", str(proj), "--config", str(tmp_path / "none.toml"), "--quiet"]) == 2
    assert "no such file" in capsys.readouterr().err
    other = tmp_path / "pyproject.toml"
    other.write_text("[project]\nname = 'x'\n", "utf-8")
    assert main(["sast", str(proj), "--config", str(other), "--quiet"]) == 2
    assert "no [tool.secscan] table" in capsys.readouterr().err
    bad = tmp_path / "tool.toml"
    bad.write_text('tool = "x"\n', "utf-8")
    assert main(["sast", str(proj), "--config", str(bad), "--quiet"]) == 2
    assert "[tool] must be a table" in capsys.readouterr().err


def test_explicit_config_wins_over_the_targets_pyproject(proj: Path, tmp_path: Path) -> None:
    configure(proj, 'colour = "red"\n')  # would be an error if it were read
    cfg = tmp_path / "secscan.toml"
    cfg.write_text('[tool.secscan]\nscanners = ["secscan-secrets"]\n', "utf-8")
    code, rep = scan(proj, tmp_path / "a", "--config", str(cfg), command="all")
    assert [s["name"] for s in rep["scanners"]] == ["secscan-secrets"] and code == 0
