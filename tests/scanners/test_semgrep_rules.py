"""The bundled semgrep rules (rules/semgrep/): well-formed, loadable offline, and they find what they claim.

The planted code in tests/fixtures/semgrep/ carries `# expect: <rule-id>` on lines a rule must report and
`# ok: <rule-id>` on safe variants it must not report. The slow tests run the real semgrep once on a copy
of those files (semgrep skips `tests/` folders and, in a git checkout, untracked files by default) plus the
built-in canary, and compare.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from secscan.scanners.canaries import PYTHON_CANARY, SEMGREP_EXPECTED

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules" / "semgrep"
FIXTURES = ROOT / "tests" / "fixtures" / "semgrep"

ID_RE = re.compile(r"^secscan\.python\.[a-z0-9]+(-[a-z0-9]+)*$")
CWE_RE = re.compile(r"^CWE-\d+: \S")
OWASP_RE = re.compile(r"^A\d\d:20\d\d - \S")
ANNOTATION_RE = re.compile(r"#\s*(expect|ok):([^#]*)")
RULE_REF_RE = re.compile(r"secscan\.python\.[a-z0-9]+(?:-[a-z0-9]+)*")


def load_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in sorted(RULES.glob("*.y*ml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(doc, dict) and isinstance(doc.get("rules"), list), f"{path.name}: no rules list"
        rules.extend(doc["rules"])
    return rules


def rule_ids() -> set[str]:
    return {r["id"] for r in load_rules()}


@dataclass(frozen=True)
class Annotations:
    expect: frozenset[tuple[str, int, str]]  # (file name, line, rule id)
    ok: frozenset[tuple[str, int, str]]


def read_annotations() -> Annotations:
    expect: set[tuple[str, int, str]] = set()
    ok: set[tuple[str, int, str]] = set()
    for path in sorted(FIXTURES.glob("*.py")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for kind, text in ANNOTATION_RE.findall(line):
                ids = RULE_REF_RE.findall(text)
                assert ids, f"{path.name}:{lineno}: '# {kind}:' without a rule id"
                target = expect if kind == "expect" else ok
                target.update((path.name, lineno, rid) for rid in ids)
    return Annotations(frozenset(expect), frozenset(ok))


def rule_suffix(check_id: str) -> str:
    """semgrep prefixes the rule id with the config path's dotted folder names: keep the rule's own id."""
    i = check_id.find("secscan.")
    return check_id[i:] if i >= 0 else check_id


# ---------------------------------------------------------------- static checks (no semgrep needed)

def test_rule_files_are_real_rules() -> None:
    files = sorted(p.name for p in RULES.glob("*.y*ml"))
    assert "placeholder.yaml" not in files
    assert len(files) >= 5, files
    assert len(load_rules()) >= 20


def test_every_rule_is_complete() -> None:
    seen: set[str] = set()
    for rule in load_rules():
        rid = rule.get("id", "?")
        assert ID_RE.match(rid), rid
        assert rid not in seen, f"duplicate id {rid}"
        seen.add(rid)
        assert isinstance(rule.get("message"), str) and len(rule["message"]) > 40, rid
        assert rule.get("severity") in {"ERROR", "WARNING", "INFO"}, rid
        assert "python" in rule.get("languages", []), rid
        meta = rule.get("metadata") or {}
        assert meta.get("category") == "security", rid
        assert meta.get("confidence") in {"HIGH", "MEDIUM", "LOW"}, rid
        cwe = meta.get("cwe")
        assert isinstance(cwe, list) and cwe and all(CWE_RE.match(c) for c in cwe), (rid, cwe)
        owasp = meta.get("owasp")
        assert isinstance(owasp, list) and owasp and all(OWASP_RE.match(o) for o in owasp), (rid, owasp)
        refs = meta.get("references")
        assert isinstance(refs, list) and refs and all(r.startswith("https://") for r in refs), rid
        if rule.get("mode") == "taint":
            assert rule.get("pattern-sources") and rule.get("pattern-sinks"), rid
        else:
            assert any(k in rule for k in ("pattern", "patterns", "pattern-either", "pattern-regex")), rid


def test_canary_rules_exist() -> None:
    assert SEMGREP_EXPECTED <= rule_ids()


# Rules whose planted positives are the labelled corpus (tests/sast_corpus, scored by test_sast_corpus.py).
CORPUS_RULE_FILES = ("python-taint-injection.yaml", "python-taint-web.yaml", "python-cookies-xml.yaml",
                     "python-taint-reach.yaml")


def corpus_rule_ids() -> set[str]:
    return {r["id"] for name in CORPUS_RULE_FILES
            for r in yaml.safe_load((RULES / name).read_text(encoding="utf-8"))["rules"]}


def test_fixtures_cover_every_rule() -> None:
    notes = read_annotations()
    ids = rule_ids() - corpus_rule_ids()
    expected_rules = {rid for _, _, rid in notes.expect}
    assert ids - expected_rules == set(), "rules without a planted positive"
    assert {rid for _, _, rid in notes.expect | notes.ok} <= rule_ids(), "annotation names an unknown rule"
    assert not (notes.expect & notes.ok), "a line both expected and ok for the same rule"


def test_annotation_parser() -> None:
    line = 'x = f(a)  # expect: secscan.python.a-b, secscan.python.c  (pragma: allowlist secret)'
    found = [(k, RULE_REF_RE.findall(t)) for k, t in ANNOTATION_RE.findall(line)]
    assert found == [("expect", ["secscan.python.a-b", "secscan.python.c"])]
    assert rule_suffix("work.main.rules.semgrep.secscan.python.yaml-load") == "secscan.python.yaml-load"


# ---------------------------------------------------------------- the real semgrep

@dataclass(frozen=True)
class Scan:
    data: dict[str, Any]
    found: frozenset[tuple[str, int, str]]  # (file name, start line, rule id) for the planted files
    canary: frozenset[str]  # rule ids reported on the canary file


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    exe = shutil.which("semgrep")
    if exe is None:
        pytest.skip("semgrep is not installed")
    root = tmp_path_factory.mktemp("semgrep-scan")
    (root / ".semgrepignore").write_text("# scan everything here (no default ignores)\n")
    planted = root / "planted"
    planted.mkdir()
    for path in FIXTURES.glob("*.py"):
        shutil.copy(path, planted / path.name)
    (root / "canary").mkdir()
    (root / "canary" / "secscan_canary.py").write_text(PYTHON_CANARY, encoding="utf-8")
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
    cmd = [exe, "scan", "--config", str(RULES), "--json", "--time", "--metrics=off",
           "--disable-version-check", "--jobs", "2", "."]
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    found: set[tuple[str, int, str]] = set()
    canary: set[str] = set()
    for res in data["results"]:
        path = Path(res["path"])
        rid = rule_suffix(res["check_id"])
        if path.parent.name == "canary":
            canary.add(rid)
        else:
            found.add((path.name, res["start"]["line"], rid))
    return Scan(data, frozenset(found), frozenset(canary))


@pytest.mark.slow
def test_rules_load_without_errors(scan: Scan) -> None:
    assert scan.data["errors"] == []
    assert scan.data.get("skipped_rules", []) == []
    loaded = {rule_suffix(r) for r in scan.data["time"]["rules"]}
    assert loaded == rule_ids()
    scanned = {Path(p).name for p in scan.data["paths"]["scanned"]}
    assert {p.name for p in FIXTURES.glob("*.py")} <= scanned


@pytest.mark.slow
def test_every_planted_problem_is_reported(scan: Scan) -> None:
    missing = sorted(read_annotations().expect - scan.found)
    assert missing == []


@pytest.mark.slow
def test_safe_variants_are_not_reported(scan: Scan) -> None:
    assert sorted(read_annotations().ok & scan.found) == []


@pytest.mark.slow
def test_no_unexpected_findings(scan: Scan) -> None:
    """Every finding on the planted files is one the annotations ask for (the evidence rules' matches,
    secscan.python.reach-*, are consumed by secscan/results/evidence.py and never reported)."""
    found = {f for f in scan.found if not f[2].startswith("secscan.python.reach-")}
    assert sorted(found - read_annotations().expect) == []


@pytest.mark.slow
def test_canary_is_detected(scan: Scan) -> None:
    assert SEMGREP_EXPECTED <= scan.canary


@pytest.mark.slow
def test_findings_carry_metadata(scan: Scan) -> None:
    for res in scan.data["results"]:
        meta = res["extra"]["metadata"]
        assert meta["cwe"] and meta["category"] == "security"
        assert res["extra"]["severity"] in {"ERROR", "WARNING", "INFO"}
