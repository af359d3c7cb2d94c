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


def _probes(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    (tmp_path / "broken.py").write_text(BROKEN, "utf-8")
    (tmp_path / "new.py").write_text(PEP701, "utf-8")
    why = "syntax error while parsing AST"
    return tmp_path, {"broken.py": why, "new.py": why}


def test_probed_pythons_tell_newer_syntax_from_a_broken_file(tmp_path: Path) -> None:
    from secscan.scanners.bandit_python import Probe

    root, failed = _probes(tmp_path)
    probes = [Probe("/opt/py313/bin/python3.13", (3, 13), {"broken.py": False, "new.py": True}),
              Probe("/opt/py312/bin/python3.12", (3, 12), {"broken.py": False, "new.py": True})]
    hint = newer_syntax_hint(root, failed, here=(3, 11), probes=probes)
    assert hint is not None
    assert "1 of them (new.py) do not parse with Python 3.11 (secscan's) and Python 3.12 " in hint
    assert "(/opt/py312/bin/python3.12) parses them" in hint and "python3.12 -m venv DIR" in hint
    assert "1 of them (broken.py) parse with no Python found (3.11, 3.13, 3.12): a syntax error" in hint
    none_parse = [Probe("/x/python3.12", (3, 12), {"broken.py": False, "new.py": False})]
    hint = newer_syntax_hint(root, failed, here=(3, 11), probes=none_parse)
    assert hint is not None and "install" not in hint and "2 of them" in hint


def test_probe_leaves_out_interpreters_that_do_not_start(tmp_path: Path) -> None:
    """A pyenv shim for a version not selected exits with an error; a wrapper printing noise is no Python."""
    import os

    from secscan.process.runner import Runner
    from secscan.scanners.bandit_python import probe_newer

    (tmp_path / "t").mkdir()
    root, _ = _probes(tmp_path / "t")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for name, body in (("python3.12", "echo 'pyenv: python3.12: command not found' >&2; exit 127"),
                       ("python3.13", "echo not json")):
        (bin_ / name).write_text(f"#!/bin/sh\n{body}\n", "utf-8")
        (bin_ / name).chmod(0o755)
    runner = Runner(env={**os.environ, "PATH": str(bin_)})
    assert probe_newer(runner, root, ["broken.py", "new.py"], here=(3, 11)) == []


def test_probe_with_the_newer_pythons_of_this_machine(tmp_path: Path) -> None:
    """The real probe with every newer CPython installed beside this one (pyenv, /usr/bin), put on a PATH
    of their own; without any, the reason falls back to requires-python/the general hint."""
    import os

    from secscan.process.runner import Runner
    from secscan.scanners.bandit_python import probe_newer

    (tmp_path / "t").mkdir()
    root, failed = _probes(tmp_path / "t")
    here = (sys.version_info.major, sys.version_info.minor)
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    roots = [Path(sys.base_prefix).parent, Path("/usr")]
    for minor in range(here[1] + 1, here[1] + 8):
        found = [p for r in roots for p in r.glob(f"*/bin/python3.{minor}") if p.is_file()] + [
            p for p in (Path("/usr/bin") / f"python3.{minor}",) if p.is_file()]
        if found:
            (bin_ / f"python3.{minor}").symlink_to(found[0])
    probes = probe_newer(Runner(env={**os.environ, "PATH": str(bin_)}), root, list(failed), here=here)
    hint = newer_syntax_hint(root, failed, here=here, probes=probes)
    if here >= (3, 12):  # PEP 701 parses here: only the broken file is left to judge
        assert hint is None or "new.py" not in hint
    elif probes:  # a newer Python is here: both verdicts exact
        assert all(p.parses == {"broken.py": False, "new.py": True} for p in probes)
        assert hint is not None and "1 of them (new.py) do not parse with Python" in hint
        assert "1 of them (broken.py) parse with no Python found" in hint
    else:
        assert hint is not None and "no newer Python found on PATH to tell" in hint


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    """A tree's link to a device or a FIFO named like a failed file is never opened (it would never end)."""
    import os

    (tmp_path / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.py")
    assert parses_here(tmp_path / "zero.py") is None and parses_here(tmp_path / "fifo.py") is None
    assert newer_syntax_hint(tmp_path, {"zero.py": "syntax error", "fifo.py": "syntax error"}) is None


def test_a_file_too_deep_to_parse_is_unknown_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text("x = " + "-" * 20_000 + "1\n", "utf-8")
    assert parses_here(tmp_path / "deep.py") is None
