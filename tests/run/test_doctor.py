"""`secscan doctor`: one table, every scanner found or not, version, canary, time, hint; exit 0 or 3."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.process.runner import Runner
from secscan.run.doctor import HINT_WIDTH, DoctorReport, DoctorRow, diagnose, one_line, render

EMPTY_BANDIT = ('{"errors": [], "generated_at": "2026-01-01T00:00:00Z", "metrics": {"_totals": {"loc": 0}}, '
                '"results": []}')
EMPTY_SEMGREP = '{"version": "1.185.0", "results": [], "errors": [], "paths": {"scanned": []}}'
ALL_SCANNERS = {"bandit", "semgrep", "pip-audit", "npm-audit", "detect-secrets", "secscan-secrets", "trivy",
                "trivy-image", "pqc", "mtls", "checkov", "notebooks", "secscan-history"}


def row(report: DoctorReport, name: str) -> DoctorRow:
    return next(r for r in report.rows if r.scanner == name)


@pytest.fixture(scope="module")
def real_report(tmp_path_factory: pytest.TempPathFactory) -> DoctorReport:
    missing = [t for t in ("bandit", "semgrep", "detect-secrets") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    target = tmp_path_factory.mktemp("doctor-target")
    return diagnose(target, offline=True, timeout=300)


@pytest.mark.slow
def test_real_tools_are_trustworthy(real_report: DoctorReport) -> None:
    assert {r.scanner for r in real_report.rows} == ALL_SCANNERS
    for name in ("bandit", "semgrep", "detect-secrets"):
        r = row(real_report, name)
        assert r.found == Runner().which(name) and r.version and r.version[0].isdigit()
        assert r.status == "ok" and r.canary == "detected" and r.trustworthy and r.hint is None, r
        assert r.seconds > 0
    from secscan.analyzers.secrets.patterns import default_patterns_file, load_patterns
    from secscan.analyzers.secrets.prefilter import make_prefilter

    engine = make_prefilter(load_patterns(default_patterns_file())).name  # hyperscan when installed
    assert row(real_report, "secscan-secrets").found == f"built-in ({engine} engine)"
    if importlib.util.find_spec("hyperscan") is not None:
        assert engine == "hyperscan"
    audit = row(real_report, "pip-audit")
    assert (audit.hint or "").startswith("to audit offline run `secscan db update`") and audit.trustworthy
    assert real_report.exit_code == 0


@pytest.mark.slow
def test_real_table_and_json(real_report: DoctorReport) -> None:
    text = render(real_report)
    lines = text.splitlines()
    assert lines[0].split() == ["scanner", "found", "version", "status", "canary", "time", "ok?", "hint"]
    bandit = Runner().which("bandit")
    assert bandit and any(ln.startswith("bandit ") and "detected" in ln and bandit in ln for ln in lines)
    assert text.rstrip().endswith("every scanner that would run is trustworthy (exit 0)")
    doc = json.loads(render(real_report, "json"))
    assert doc["exit_code"] == 0 and doc["trustworthy"] is True
    bandit = next(s for s in doc["scanners"] if s["scanner"] == "bandit")
    assert set(bandit) == {"scanner", "found", "version", "status", "canary", "seconds", "trustworthy",
                           "hint", "reason"}
    assert bandit["canary"] == "detected"


@pytest.mark.slow
def test_cli_with_fake_broken_tools_exits_3(fake_bin: Callable[[str, str], Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    fake_bin("bandit", f'case "$1" in --version) echo "bandit 9.9.9"; exit 0;; esac\n'
                       f'echo \'{EMPTY_BANDIT}\'\n')
    fake_bin("semgrep", f'case "$1" in --version) echo "1.185.0"; exit 0;; esac\necho \'{EMPTY_SEMGREP}\'\n')
    target = tmp_path / "t"
    target.mkdir()
    code = main(["doctor", str(target), "--offline", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3 and doc["exit_code"] == 3 and doc["trustworthy"] is False
    by = {s["scanner"]: s for s in doc["scanners"]}
    for name in ("bandit", "semgrep"):
        assert by[name]["found"] == str(tmp_path / "fake-bin" / name)
        assert by[name]["status"] == "failed" and by[name]["canary"] == "missing"
        assert not by[name]["trustworthy"]
        assert by[name]["hint"].startswith(f"{name}: canary not detected: expected all of")
    assert by["bandit"]["version"] == "9.9.9"
    code = main(["doctor", str(target), "--offline"])
    text = capsys.readouterr().out
    assert code == 3 and "cannot be trusted: bandit, semgrep (exit 3)" in text
    bandit_line = next(ln for ln in text.splitlines() if ln.startswith("bandit "))
    assert " NO " in bandit_line and "canary not detected" in bandit_line


@pytest.mark.slow
def test_target_configuration_that_blinds_bandit(tmp_path: Path) -> None:
    if shutil.which("bandit") is None:
        pytest.skip("bandit is not installed")
    (tmp_path / ".bandit").write_text("[bandit]\nskips = B602,B301,B506,B324\n", "utf-8")
    report = diagnose(tmp_path, offline=True, scanners=["bandit"])
    r = row(report, "bandit")
    assert not r.trustworthy and r.status == "failed" and report.exit_code == 3
    assert r.hint == "bandit: canary not detected: the configuration disables every expected check " \
                     "(B301, B324, B506, B602)"
    assert (tmp_path / ".bandit").is_file()  # the target is only read


@pytest.mark.slow
def test_semgrep_without_rules_hint(tmp_path: Path) -> None:
    if shutil.which("semgrep") is None:
        pytest.skip("semgrep is not installed")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "empty.yaml").write_text("rules: []\n", "utf-8")
    report = diagnose(tmp_path, offline=True, scanners=["semgrep"], extra={"semgrep_rules": str(rules)})
    r = row(report, "semgrep")
    assert r.reason == f"no rules loaded from {rules} (1 rule file(s), 0 rules)"
    assert (r.hint or "").startswith("semgrep: no rules loaded from ")
    assert report.exit_code == 3


def test_missing_tool_is_reported_not_found(tmp_path: Path) -> None:
    """A tool that ships with secscan and is found neither beside it nor on PATH: failed, reinstall hint."""
    empty = tmp_path / "empty"
    empty.mkdir()
    runner = Runner(env={"PATH": str(empty)}, tool_dirs=[empty])
    report = diagnose(tmp_path, offline=True, scanners=["bandit", "detect-secrets"], runner=runner)
    for name in ("bandit", "detect-secrets"):
        r = row(report, name)
        assert r.found is None and r.status == "failed" and "not found on PATH" in (r.hint or "")
        assert "reinstall secscan" in (r.reason or "")
        assert not r.trustworthy
    assert "NOT FOUND" in render(report) and report.exit_code == 3


def test_render_rows_and_verdicts() -> None:
    ok = DoctorRow("bandit", "/usr/bin/bandit", "1.9.4", "ok", "detected", 1.234, True, None)
    skipped = DoctorRow("trivy", None, None, "skipped", None, 0.0, True, "not run: trivy not found on PATH")
    bad = DoctorRow("semgrep", "/usr/bin/semgrep", "1.0", "failed", "missing", 2.0, False,
                    "semgrep: canary not detected", "semgrep: canary not detected; more")
    text = render(DoctorReport((ok, skipped)))
    assert "bandit  " in text and "1.2s" in text and "NOT FOUND" in text and "(exit 0)" in text
    text = render(DoctorReport((ok, bad)))
    assert text.rstrip().endswith("cannot be trusted: semgrep (exit 3)")
    assert DoctorReport((ok, bad)).exit_code == 3 and DoctorReport((ok, skipped)).exit_code == 0
    assert json.loads(render(DoctorReport((bad,)), "json"))["scanners"][0]["reason"].endswith("more")


def test_one_line_hint() -> None:
    assert one_line("a\n  b\tc") == "a b c"
    long = one_line("x" * 500)
    assert len(long) == HINT_WIDTH and long.endswith("…")


def test_cli_follows_the_targets_configuration(fake_bin: Callable[[str, str], Path], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """What `secscan all` would run and require is what doctor judges, from [tool.secscan]."""
    monkeypatch.setenv("PATH", f"{fake_bin('placeholder', 'exit 0').parent}:/usr/bin:/bin")
    conf = tmp_path / "pyproject.toml"
    conf.write_text('[tool.secscan]\nscanners = ["secscan-secrets"]\noffline = true\n', "utf-8")
    assert main(["doctor", str(tmp_path), "--format", "json"]) == 0
    rows = {r["scanner"]: r for r in json.loads(capsys.readouterr().out)["scanners"]}
    assert set(rows) == {"secscan-secrets"} and rows["secscan-secrets"]["trustworthy"]
    conf.write_text('[tool.secscan]\nscanners = ["secscan-secrets", "trivy"]\nrequire = ["trivy"]\n', "utf-8")
    assert main(["doctor", str(tmp_path), "--format", "json"]) == 3  # trivy is not installed here
    rows = {r["scanner"]: r for r in json.loads(capsys.readouterr().out)["scanners"]}
    assert not rows["trivy"]["trustworthy"] and rows["secscan-secrets"]["trustworthy"]
    out = tmp_path / "out"
    assert main(["all", str(tmp_path), "--quiet", "--no-cache", "--output-dir", str(out)]) == 3  # agrees
