"""Canary and coverage logic without running tools: expectations, configuration, log reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secscan.core.model import Category, Finding, Location, Parsed, Severity, Status
from secscan.core.resources import rules_path
from secscan.run.execute import check_canary, coverage_sanity
from secscan.scanners import canaries
from secscan.scanners.bandit import BanditScanner
from secscan.scanners.bandit_config import configured_skips, disabled_tests
from secscan.scanners.detect_secrets import (
    DetectSecretsScanner,
    coverage_verdict,
    log_coverage,
    read_log,
)
from secscan.scanners.interface import ScanContext
from secscan.scanners.semgrep import CANARY_LINES, SemgrepScanner, read_rules


def finding(rule: str, line: int = 1, path: str = "x.py") -> Finding:
    return Finding(rule_id=rule, title=rule, message=rule, severity=Severity.HIGH, raw_severity="HIGH",
                   category=Category.SAST, sources=("t",), location=Location(path, line, line))


def test_canary_file_names_are_the_ones_adapters_write(tmp_path: Path) -> None:
    ctx = ScanContext(target=tmp_path)
    from secscan.scanners.secscan_secrets import SecscanSecretsScanner

    written = {n for s in (BanditScanner(), SemgrepScanner(), DetectSecretsScanner(), SecscanSecretsScanner())
               for n in s.canary(ctx).files}  # type: ignore[union-attr]
    assert written == set(canaries.CANARY_FILE_NAMES)
    assert canaries.fake_aws_key_id() in canaries.fake_aws_key_file()
    assert canaries.fake_aws_key_id() not in Path(canaries.__file__).read_text("utf-8")


def test_semgrep_rule_lines_point_at_the_problems() -> None:
    lines = canaries.PYTHON_CANARY.splitlines()
    words = {"subprocess-shell-true": "shell=True", "pickle-loads": "pickle.loads", "yaml-load": "yaml.load",
             "weak-hash-md5": "md5", "taint-command-injection": "request.args"}
    for rule, n in canaries.SEMGREP_RULE_LINES.items():
        assert words[rule.rsplit(".", 1)[1]] in lines[n - 1]


# ---------------------------------------------------------------- check_canary

def test_check_canary_requires_every_enabled_check(tmp_path: Path) -> None:
    ctx = ScanContext(target=tmp_path)
    canary = BanditScanner().canary(ctx)
    ok, text = check_canary(BanditScanner(), ctx, canary, [finding(r) for r in ("B602", "B301", "B506")])
    assert not ok and text == "canary not detected: expected all of B301, B324, B506, B602; missing B324"
    ok, text = check_canary(BanditScanner(), ctx, canary, [finding(r) for r in canaries.BANDIT_EXPECTED])
    assert ok and text == "canary detected (4/4)"
    ok, text = check_canary(BanditScanner(), ctx, canary, [])
    assert not ok and "missing B301, B324, B506, B602" in text


def test_check_canary_honours_configuration(tmp_path: Path) -> None:
    (tmp_path / ".bandit").write_text("[bandit]\nskips = B324,B506\n", "utf-8")
    ctx = ScanContext(target=tmp_path)
    canary = BanditScanner().canary(ctx)
    ok, text = check_canary(BanditScanner(), ctx, canary, [finding("B602"), finding("B301")])
    assert ok and text == "canary detected (2/2) (B324, B506 disabled by configuration)"
    (tmp_path / ".bandit").write_text("[bandit]\nskips = B602,B301,B506,B324\n", "utf-8")
    ok, text = check_canary(BanditScanner(), ctx, canary, [])
    assert not ok and text.endswith("configuration disables every expected check (B301, B324, B506, B602)")


# ---------------------------------------------------------------- bandit configuration

@pytest.mark.parametrize(("ini", "disabled"), [
    ("[bandit]\nskips = B602\n", {"B602"}),
    ("[bandit]\nskips = B602, B301\n", {"B602"}),  # bandit does not strip: " B301" skips nothing
    ("[bandit]\ntests = B602,B324\n", {"B301", "B506"}),
    ("[bandit]\ntests = B101\n", set(canaries.BANDIT_EXPECTED)),
    ("[bandit]\nskips = B001\n", {"B301"}),  # legacy: every blacklist test
    ("[bandit]\nskips = B001,B403\n", set()),  # B001 beside a blacklist id means nothing more
    ("[bandit]\ntests = B001\n", {"B602", "B506", "B324"}),
    ("not an ini file", set()),
    ("[other]\nskips = B602\n", set()),
])
def test_bandit_ini_disabled_tests(tmp_path: Path, ini: str, disabled: set[str]) -> None:
    (tmp_path / ".bandit").write_text(ini, "utf-8")
    assert disabled_tests(tmp_path, canaries.BANDIT_EXPECTED) == disabled


@pytest.mark.parametrize(("toml", "disabled"), [
    ('[tool.bandit]\nskips = ["B602", "B301"]\n', {"B602", "B301"}),
    ('[tool.bandit]\ntests = ["B506"]\n', {"B602", "B301", "B324"}),
    ('[tool.other]\nskips = ["B602"]\n', set()),
    ("not = [toml", set()),
])
def test_bandit_pyproject_disabled_tests(tmp_path: Path, toml: str, disabled: set[str]) -> None:
    (tmp_path / "pyproject.toml").write_text(toml, "utf-8")
    assert disabled_tests(tmp_path, canaries.BANDIT_EXPECTED) == disabled


def test_bandit_ini_wins_over_pyproject_like_the_invocation(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B602"]\n', "utf-8")
    (tmp_path / ".bandit").write_text("[bandit]\nskips = B324\n", "utf-8")
    assert configured_skips(tmp_path) == {"B324"}
    argv = BanditScanner().invocations(ScanContext(target=tmp_path), ["a.py"], [])[0].argv
    assert "--ini" in argv and "-c" not in argv


# ---------------------------------------------------------------- semgrep rules folder

def test_bundled_rules_expect_every_canary_rule() -> None:
    ctx = ScanContext(target=Path("."))
    canary = SemgrepScanner().canary(ctx)
    assert canary.expected == canaries.SEMGREP_EXPECTED and canary.require_all
    assert SemgrepScanner().disabled_canary_ids(ctx) == frozenset()
    folder = read_rules(rules_path("semgrep"))
    assert folder.unreadable == () and canaries.SEMGREP_EXPECTED <= set(folder.ids)


def test_custom_rules_folder_subset_and_foreign_ids(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "deser.yaml").write_text((rules_path("semgrep") / "python-deserialization.yaml").read_text())
    ctx = ScanContext(target=tmp_path, options={"semgrep_rules": str(rules)})
    assert SemgrepScanner().rules(ctx) == rules
    assert SemgrepScanner().disabled_canary_ids(ctx) == {"secscan.python.subprocess-shell-true",
                                                         "secscan.python.weak-hash-md5",
                                                         "secscan.python.taint-command-injection"}
    (rules / "deser.yaml").write_text("rules:\n  - id: mine\n    languages: [python]\n    message: m\n"
                                      "    severity: ERROR\n    pattern: pickle.loads(...)\n")
    canary = SemgrepScanner().canary(ctx)
    assert canary.expected == CANARY_LINES and not canary.require_all  # its own rules: any canary line
    ok, _ = check_canary(SemgrepScanner(), ctx, canary, [finding("rules.mine", 11)])
    assert ok
    ok, text = check_canary(SemgrepScanner(), ctx, canary, [finding("rules.mine", 3)])
    assert not ok and "expected at least one of line:10" in text


def test_unreadable_rule_files_are_counted(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("rules:\n  - id: a\n", "utf-8")
    (tmp_path / "broken.yaml").write_text("rules:\n  - id: [unclosed\n", "utf-8")
    (tmp_path / "notrules.yml").write_text("hello: world\n", "utf-8")
    folder = read_rules(tmp_path)
    assert folder.ids == ("a",) and folder.files == 3
    assert sorted(folder.unreadable) == ["broken.yaml", "notrules.yml"]
    (tmp_path / "broken.yaml").unlink()  # cached by content: a change is seen
    assert read_rules(tmp_path).unreadable == ("notrules.yml",)


# ---------------------------------------------------------------- detect-secrets log and baseline

LOG = b"""[scan]\tINFO\tSkipping "img.png" due to `detect_secrets.filters.heuristic.is_non_text_file`
[scan]\tINFO\tChecking file: a.py
[scan]\tINFO\tChecking file: sub dir/b.ini
[scan]\tINFO\tChecking file: .secscan-canary-x/detect-secrets/canary_credentials.ini
[scan]\tWARNING\tUnable to open file: locked.txt
[scan]\tERROR\tNo plugins to scan with!
"""


def test_read_log_and_coverage() -> None:
    log = read_log(LOG)
    assert log.checked == {"a.py", "sub dir/b.ini", ".secscan-canary-x/detect-secrets/canary_credentials.ini"}
    assert log.skipped == {"img.png": "is_non_text_file"} and log.unopened == {"locked.txt"}
    assert log.errors == ["No plugins to scan with!"]
    cov = log_coverage(log, 6, (".secscan-canary-x",))
    assert cov == {"files_given": 6, "files_scanned": 2, "files_skipped_by_filters": 1, "files_unreadable": 1,
                   "files_unaccounted": 2}
    status, reason = coverage_verdict(cov, log)
    assert status is Status.PARTIAL
    assert "checked 2 of 6 file(s): 2 dropped without a log line" in (reason or "")


@pytest.mark.parametrize(("log", "given", "status", "text"), [
    (b"", 4, Status.PARTIAL, "checked 0 of 4 file(s) (0 skipped by its filters, 4 silently dropped)"),
    (b"[scan]\tERROR\tNo plugins to scan with!\n", 1, Status.PARTIAL, "(No plugins to scan with!)"),
    (b'[scan]\tINFO\tSkipping "a.png" due to `x.is_non_text_file`\n', 1, Status.OK, None),
    (b"[scan]\tINFO\tChecking file: a.py\n", 1, Status.OK, None),
    (b"", 0, Status.OK, None),
])
def test_coverage_verdict(log: bytes, given: int, status: Status, text: str | None) -> None:
    parsed = read_log(log)
    got_status, reason = coverage_verdict(log_coverage(parsed, given), parsed)
    assert got_status is status
    assert (text is None and reason is None) or (text is not None and text in (reason or ""))


@pytest.mark.parametrize(("plugins", "disabled"), [
    ([{"name": "AWSKeyDetector"}, {"name": "KeywordDetector"}], set()),
    ([{"name": "KeywordDetector"}], {"aws-key"}),
    ([], {"aws-key"}),
    (None, set()),
])
def test_detect_secrets_baseline_disables_canary(tmp_path: Path, plugins: list | None,
                                                 disabled: set[str]) -> None:
    doc: dict = {"version": "1.5.0", "results": {}}
    if plugins is not None:
        doc["plugins_used"] = plugins
    (tmp_path / ".secrets.baseline").write_text(json.dumps(doc), "utf-8")
    assert DetectSecretsScanner().disabled_canary_ids(ScanContext(target=tmp_path)) == disabled


def test_python_coverage_sanity_counts_without_the_canary() -> None:
    parsed = Parsed("bandit", coverage={"files_scanned": 1})
    assert coverage_sanity("bandit", parsed, ["a.py", "b.py"], 1) == (Status.PARTIAL,
                                                                      "bandit scanned 0 of 2 Python files")
    parsed = Parsed("semgrep", coverage={"files_scanned": 11})
    assert coverage_sanity("semgrep", parsed, [f"{i}.py" for i in range(10)], 1) == (Status.OK, None)
