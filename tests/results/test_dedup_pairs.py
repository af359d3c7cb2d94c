"""Duplicates merged by place and weakness, with the real tools: the same weakness from two tools is one
finding with both sources; two rules of one tool never merge; a vendor bundle advisory never merges CVEs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.core.model import Category, Finding, Location, Package, Severity
from secscan.parsers.checkov import severity_table
from secscan.results.dedup import equivalence, merge

Report = dict[int, list[dict[str, object]]]
APP = '''\
import subprocess

import yaml
from django.db.models.expressions import RawSQL


def load(stream):
    return yaml.load(stream)


def calc(expr):
    return eval(expr)


def listing(arg):
    return subprocess.Popen("ls -l " + arg, shell=True)


def query(uid):
    return RawSQL("select name from users where id = %s" % uid, [])


DB_PASSWORD = "Xk9mP2vL5qR8wNt3"


def run_ls(arg):
    return subprocess.call(["ls", arg], shell=True)
'''


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[dict[str, object]]]:
    missing = [t for t in ("bandit", "semgrep", "detect-secrets") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    root = tmp_path_factory.mktemp("dedup")
    (root / "app").mkdir()
    (root / "app" / "views.py").write_text(APP)
    assert main(["all", str(root / "app"), "--offline", "--no-cache", "--quiet", "--format", "json",
                 "--output-dir", str(root / "out"), "--fail-on", "never"]) in (0, 3)
    doc = json.loads((root / "out" / "secscan.json").read_text())
    by_line: dict[int, list[dict[str, object]]] = {}
    for f in doc["findings"]:
        if f["location"]:
            by_line.setdefault(f["location"]["start_line"], []).append(f)
    return by_line


def _merged(f: dict[str, object]) -> set[str]:
    props = f.get("properties") or {}
    assert isinstance(props, dict)
    return {m["rule_id"] for m in props.get("merged_from", [])} or {str(f["rule_id"])}


@pytest.mark.slow
@pytest.mark.parametrize(("line", "rules", "sources"), [
    (8, {"B506", "secscan.python.yaml-load"}, {"bandit", "semgrep"}),
    (12, {"B307", "secscan.python.eval-injection"}, {"bandit", "semgrep"}),
    (16, {"B602", "secscan.python.subprocess-shell-true"}, {"bandit", "semgrep"}),
    (23, {"B105", "secscan.python.hardcoded-credential", "detect-secrets.KeywordDetector"},
     {"bandit", "semgrep", "detect-secrets"}),
])
def test_same_weakness_from_two_tools_is_one_finding(report: dict[int, list[dict[str, object]]], line: int,
                                                      rules: set[str], sources: set[str]) -> None:
    (finding,) = report[line]
    assert rules <= _merged(finding)
    assert sources <= set(finding["sources"])  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_leaked_secret_that_sast_also_saw_stays_a_secret(report: Report) -> None:
    (finding,) = report[23]
    assert finding["category"] == "secret" and finding["secret"]


@pytest.mark.slow
@pytest.mark.parametrize(("line", "bandit_rules"), [(20, {"B608", "B611"}), (27, {"B602", "B607"})])
def test_two_rules_of_one_tool_are_two_findings(report: dict[int, list[dict[str, object]]], line: int,
                                                bandit_rules: set[str]) -> None:
    found = report[line]
    assert len(found) == len(bandit_rules)
    assert {r for f in found for r in _merged(f)} & bandit_rules == bandit_rules
    for f in found:
        assert len(_merged(f) & bandit_rules) == 1


def _code(rule: str, source: str, cwes: tuple[str, ...] = ("CWE-78",)) -> Finding:
    return Finding(rule, rule, rule, Severity.HIGH, "HIGH", Category.SAST, (source,), Location("a.py", 3, 3),
                   identifiers=cwes)


def test_no_merge_of_two_rules_of_one_tool_through_a_third() -> None:
    out = merge([_code("B602", "bandit"), _code("B607", "bandit"), _code("x.shell", "semgrep")])
    assert len(out) == 2
    assert sorted(tuple(sorted(f.sources)) for f in out) == [("bandit",), ("bandit", "semgrep")]


def test_same_rule_reported_twice_is_one_finding() -> None:
    assert len(merge([_code("B602", "bandit"), _code("B602", "bandit (import)")])) == 1


def test_vendor_bundle_advisory_never_merges_distinct_cves() -> None:
    def vuln(cve: str) -> Finding:
        return Finding(cve, cve, cve, Severity.HIGH, "HIGH", Category.CONTAINER, ("trivy",),
                       Location("Dockerfile", None, None, image="debian:12"),
                       Package("openssl", "3.0.15-1", ("3.0.17-1",)), identifiers=(cve, "DSA-6015-1"))

    assert len(merge([vuln("CVE-2025-9230"), vuln("CVE-2025-9232")])) == 2
    alias = vuln("CVE-2025-9230").with_(rule_id="GHSA-aaaa-bbbb-cccc", identifiers=("CVE-2025-9230",))
    assert len(merge([vuln("CVE-2025-9230"), alias])) == 1


def test_equivalence_table_names_rules_that_exist() -> None:
    table = equivalence()
    bundled = {line.split("id:")[1].strip() for p in Path(__file__).parents[2].glob("rules/semgrep/*.yaml")
               for line in p.read_text().splitlines() if line.strip().startswith("- id:")}
    # checkov ids: those of the IaC severity table (checked against `checkov --list` in
    # tests/parsers/test_checkov_severity.py); Trivy misconfiguration ids in either spelling
    checkov_ids = set(severity_table()[0])
    for rule in table:
        assert (rule == "category:secret" or rule.startswith("B") or rule in bundled or rule in checkov_ids
                or re.fullmatch(r"(DS|KSV)(\d{3}|-\d{4})", rule)), rule
