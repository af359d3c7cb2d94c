"""bandit and code written for a newer Python: the health reason says exactly how to fix it (a bandit
installed into that Python, found through SECSCAN_TOOL_PATH)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from run_cli import run_cli

from secscan.scanners.bandit_python import newer_syntax_hint, parses_here, required_python

BROKEN = "def broken(:\n    pass\n"  # a syntax error in every Python
PEP701 = ('import subprocess\n\ndef run(names):\n'
          '    return subprocess.call(f"ls {" ".join(names)}", shell=True)\n')
FAILED = {"app.py": "syntax error while parsing AST from file"}


def project(tmp_path: Path, code: str, requires: str | None) -> Path:
    (tmp_path / "app.py").write_text(code, "utf-8")
    if requires is not None:
        (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\nrequires-python = "{requires}"\n')
    return tmp_path


def test_required_python(tmp_path: Path) -> None:
    for spec, want in ((">=3.12", (3, 12)), (">=3.10,<4", (3, 10)), ("~=3.13.1", (3, 13)),
                       ("==3.12.*", (3, 12)), ("<4", None)):
        (tmp_path / "pyproject.toml").write_text(f'[project]\nrequires-python = "{spec}"\n')
        assert required_python(tmp_path) == want, spec
    (tmp_path / "pyproject.toml").write_text("not toml [")
    assert required_python(tmp_path) is None


def test_hint_names_the_version_and_the_fix(tmp_path: Path) -> None:
    root = project(tmp_path, BROKEN, ">=3.99")
    hint = newer_syntax_hint(root, FAILED, here=(3, 11))
    assert hint is not None
    assert "1 of them (app.py) do not parse with Python 3.11 (secscan's)" in hint
    assert "requires-python asks for >=3.99" in hint
    assert "python3.99 -m venv DIR && DIR/bin/pip install bandit" in hint
    assert "SECSCAN_TOOL_PATH=DIR/bin" in hint


def test_no_hint_for_a_file_broken_for_its_own_python(tmp_path: Path) -> None:
    root = project(tmp_path, BROKEN, ">=3.8")
    assert newer_syntax_hint(root, FAILED, here=(3, 11)) is None
    assert newer_syntax_hint(root, {"app.py": "permission denied"}, here=(3, 11)) is None


def test_without_requires_python_the_hint_says_how_to_choose(tmp_path: Path) -> None:
    hint = newer_syntax_hint(project(tmp_path, BROKEN, None), FAILED, here=(3, 11))
    assert hint is not None and "PEP 701" in hint and "pythonN -m venv" in hint


def test_a_file_this_python_parses_gets_no_hint(tmp_path: Path) -> None:
    root = project(tmp_path, "x = 1\n", ">=3.99")
    assert parses_here(root / "app.py") is True
    assert newer_syntax_hint(root, FAILED) is None


def test_real_bandit_on_pep701_code(tmp_path: Path) -> None:
    """With the real bandit in secscan's environment: on Python < 3.12 the PEP 701 file is partial with the
    fix in the reason; on 3.12+ bandit parses it and finds the shell call."""
    assert shutil.which("bandit") is not None, "bandit ships with secscan"
    (tmp_path / "p").mkdir()
    root = project(tmp_path / "p", PEP701, ">=3.12")
    code, report = run_cli("sast", root, tmp_path / "out", "--offline", "--scanners", "bandit", "-q",
                           "--format", "json")
    (bandit,) = report["scanners"]
    if sys.version_info < (3, 12):
        assert code == 3 and bandit["status"] == "partial"
        assert "install it into a Python 3.12 environment" in bandit["reason"]
    else:
        assert bandit["status"] == "ok" and any(f["rule_id"] == "B602" for f in report["findings"])
