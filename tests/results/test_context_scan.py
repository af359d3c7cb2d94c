"""Code context through a whole scan with the real bandit: a high finding in test code is reported but does
not fail --fail-on high (gate_tests counts it, from the caller or the tree), the same finding in product code
does, and every format says so."""

from __future__ import annotations

import json
from pathlib import Path

import secscan
from secscan.core.model import Result
from secscan.formats.json_report import validate
from secscan.formats.registry import get


def render(r: Result, fmt: str) -> dict[str, str | bytes]:
    return get(fmt).render(r)

WEAK = "import hashlib\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n"


def tree(root: Path, *, product: bool, pyproject: str = "") -> Path:
    (root / "tests").mkdir()
    (root / "tests" / "test_digest.py").write_text(WEAK)
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "core.py").write_text(WEAK if product else "VALUE = 1\n")
    if pyproject:
        (root / "pyproject.toml").write_text(pyproject)
    return root


def test_test_code_is_reported_not_gated(tmp_path: Path) -> None:
    report = secscan.scan(tree(tmp_path, product=False), command="sast", scanners=["bandit"], fail_on="high",
                          use_cache=False)
    r = report.result
    (f,) = [f for f in r.findings if f.rule_id == "B324"]
    assert (f.context, f.location and f.location.path) == ("test", "tests/test_digest.py")
    assert f.out_of_gate and r.gate.passed and r.gate.exit_code == 0
    data = json.loads(str(render(r, "json")["secscan.json"]))
    validate(data)
    assert data["summary"]["out_of_gate"] == {"total": 1, "by_context": {"test": 1}}
    assert data["summary"]["counts"]["high"] == 0
    md = str(render(r, "md")["secscan.md"])
    assert "Left out of the gate: 1 SAST finding by context (1 in test code; --gate-tests counts them)" in md
    assert "Findings in test and example code (1, not counted for the gate" in md
    html = str(render(r, "html")["secscan.html"])
    assert 'id="left-out"' in html and 'id="collapsed-context"' in html
    sarif = json.loads(str(render(r, "sarif")["secscan.sarif"]))
    (res,) = [x for x in sarif["runs"][0]["results"] if x["ruleId"] == "B324"]
    assert res["properties"]["context"] == "test" and res["properties"]["out_of_gate"]


def test_gate_tests_from_the_caller_and_from_the_tree(tmp_path: Path) -> None:
    root = tree(tmp_path, product=False)
    r = secscan.scan(root, command="sast", scanners=["bandit"], fail_on="high", gate_tests=True,
                     use_cache=False).result
    assert not r.gate.passed and r.gate.exit_code == 1
    (root / "pyproject.toml").write_text("[tool.secscan]\ngate_tests = true\n")
    r = secscan.scan(root, command="sast", scanners=["bandit"], fail_on="high", use_cache=False).result
    assert not r.gate.passed
    assert r.configuration is not None
    assert [(s.name, s.value, s.source) for s in r.configuration.settings if s.name == "gate_tests"] == \
        [("gate_tests", True, "tree")]


def test_product_code_still_fails(tmp_path: Path) -> None:
    r = secscan.scan(tree(tmp_path, product=True), command="sast", scanners=["bandit"], fail_on="high",
                     use_cache=False).result
    assert not r.gate.passed
    assert {(f.location.path, f.context, bool(f.out_of_gate)) for f in r.findings
            if f.rule_id == "B324" and f.location} == {("pkg/core.py", "product", False),
                                                        ("tests/test_digest.py", "test", True)}


def test_the_trees_testpaths_widen_and_are_shown(tmp_path: Path) -> None:
    root = tree(tmp_path, product=True,
                pyproject='[tool.pytest.ini_options]\ntestpaths = ["tests", "pkg"]\n')
    r = secscan.scan(root, command="sast", scanners=["bandit"], fail_on="high", use_cache=False).result
    assert r.gate.passed  # the tree says pkg/ is tests: that weakens the gate, and the report shows it
    assert r.configuration is not None
    (s,) = [s for s in r.configuration.settings if s.name.startswith("test paths")]
    assert (s.value, s.source, s.file, s.line, s.trust.value) == ("pkg", "tree", "pyproject.toml", 2,
                                                                   "weakens-gate")
    md = str(render(r, "md")["secscan.md"])
    assert "test paths (pytest testpaths, conftest.py)" in md


def _git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
                   cwd=root, check=True, capture_output=True)


def test_a_change_that_moves_code_into_tests_does_not_take_it_out_of_the_gate(tmp_path: Path) -> None:
    root = tree(tmp_path, product=True)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    _git(root, "mv", "pkg/core.py", "tests/core_helper.py")
    r = secscan.scan(root, command="sast", scanners=["bandit"], fail_on="high", changed_since="HEAD",
                     use_cache=False).result
    moved = [f for f in r.findings if f.rule_id == "B324" and f.location
             and f.location.path == "tests/core_helper.py"]
    assert [(f.context, f.out_of_gate) for f in moved] == [("test", None)]
    assert r.configuration is not None
    (s,) = [s for s in r.configuration.settings if s.change]
    assert (s.value, s.status, s.change) == ("tests/core_helper.py", "ignored",
                                             "moves pkg/core.py to tests/core_helper.py (test code)")
    assert any("moves pkg/core.py from product code into test code" in n for n in r.configuration.notes)
    # without a change under review the same tree is judged as it is
    plain = secscan.scan(root, command="sast", scanners=["bandit"], fail_on="high", use_cache=False).result
    assert all(f.out_of_gate for f in plain.findings if f.rule_id == "B324")
