"""The scanned tree's bandit configuration that turns tests off is listed in the configuration in effect,
from the file bandit is given (.bandit wins over [tool.bandit]), with its line; secscan changes nothing."""

from __future__ import annotations

from pathlib import Path

from secscan.config.build import build_options
from secscan.config.tools import runs_bandit, tool_settings


def test_pyproject_skips_and_tests_with_their_lines(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.black]\nskips = 1\n\n[tool.bandit]\nexclude_dirs = ["x"]\ntests = ["B101", "B307"]\n'
        'skips = ["B307"]\n', "utf-8")
    got = [(s.name, s.value, s.file, s.line, s.source, s.trust.value)
           for s in tool_settings(tmp_path, "all", None)]
    assert got == [("[tool.bandit] skips", ["B307"], "pyproject.toml", 7, "tree", "weakens-gate"),
                   ("[tool.bandit] tests", ["B101", "B307"], "pyproject.toml", 6, "tree", "weakens-gate")]


def test_dot_bandit_wins_as_it_does_for_bandit(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B101"]\n', "utf-8")
    (tmp_path / ".bandit").write_text("[bandit]\n# comment\nskips: B404,B603\n", "utf-8")
    (setting,) = tool_settings(tmp_path, "sast", ("bandit",))
    assert (setting.name, setting.value, setting.file, setting.line) == ("[bandit] skips", ["B404", "B603"],
                                                                          ".bandit", 3)


def test_only_when_bandit_runs(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\nskips = ["B101"]\n', "utf-8")
    assert runs_bandit("all", None) and runs_bandit("sast", ("bandit", "semgrep"))
    assert not runs_bandit("deps", None) and not runs_bandit("all", ("semgrep",))
    assert tool_settings(tmp_path, "secrets", None) == ()
    names = [s.name for s in build_options(tmp_path, command="sast").configuration.settings]
    assert "[tool.bandit] skips" in names
    assert tool_settings(tmp_path / "missing", "all", None) == ()
