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
                   ("[tool.bandit] tests", ["B101", "B307"], "pyproject.toml", 6, "tree", "weakens-gate"),
                   ("[tool.bandit] exclude_dirs", ["x"], "pyproject.toml", 5, "tree", "weakens-gate")]


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


def _git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                   capture_output=True)


def test_exclude_dirs_is_listed_and_the_partial_run_is_not_clean(tmp_path: Path) -> None:
    import secscan

    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\nexclude_dirs = ["app"]\n', "utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "x.py").write_text("import pickle\npickle.loads(b'')\n", "utf-8")
    (tmp_path / "y.py").write_text("x = 1\n", "utf-8")
    (setting,) = tool_settings(tmp_path, "sast", None)
    assert (setting.name, setting.value, setting.line) == ("[tool.bandit] exclude_dirs", ["app"], 2)
    report = secscan.scan(tmp_path, command="sast", scanners=["bandit"], use_cache=False)
    (bandit,) = report.scanners
    assert bandit.status.value == "partial" and report.exit_code == 3
    names = [s["name"] for s in report.to_dict()["configuration"]["settings"]]
    assert "[tool.bandit] exclude_dirs" in names


def test_a_change_that_adds_bandit_skips_is_a_finding(tmp_path: Path) -> None:
    import secscan

    base = '[project]\nname = "x"\n\n[tool.bandit]\nskips = ["B101"]\n'
    (tmp_path / "pyproject.toml").write_text(base, "utf-8")
    (tmp_path / "a.py").write_text("x = 1\n", "utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.bandit]\nskips = ["B101", "B301", "B403"]\nexclude_dirs = ["lib"]\n',
        "utf-8")
    opts = build_options(tmp_path, command="sast", changed_since="HEAD")
    changes = {s.name: s.change for s in opts.configuration.settings}
    assert changes == {"[tool.bandit] skips": "adds skips B301, B403 to [tool.bandit]",
                       "[tool.bandit] exclude_dirs": "adds exclude_dirs lib to [tool.bandit]"}
    report = secscan.scan(tmp_path, command="sast", scanners=["bandit"], changed_since="HEAD",
                          use_cache=False)
    weakened = [f for f in report.findings if f.rule_id == "secscan.config-weakened"]
    assert sorted((f.location.start_line if f.location else 0) for f in weakened) == [5, 6]
    assert all(f.counts_for_gate for f in weakened)
    # --strict cannot drop what bandit reads itself: the change's part counts without --changed-since too
    strict = secscan.scan(tmp_path, command="sast", scanners=["bandit"], strict=True, use_cache=False)
    assert sum(f.rule_id == "secscan.config-weakened" for f in strict.findings) == 2
    # unchanged since the reference: listed, not a finding
    _git(tmp_path, "commit", "-qam", "more skips")
    again = secscan.scan(tmp_path, command="sast", scanners=["bandit"], changed_since="HEAD", use_cache=False)
    assert not [f for f in again.findings if f.rule_id == "secscan.config-weakened"]


def test_a_tests_allow_list_that_runs_fewer_tests_is_a_change() -> None:
    from secscan.scanners.bandit_config import BanditConfig, added

    old = BanditConfig("pyproject.toml", "tool.bandit", tests=("B101", "B301"))
    assert added(old, BanditConfig("pyproject.toml", "tool.bandit", tests=("B101",))) == {"tests": ("B101",)}
    assert added(old, BanditConfig("pyproject.toml", "tool.bandit", tests=("B101", "B301", "B302"))) == {}
    assert added(None, BanditConfig("pyproject.toml", "tool.bandit", tests=("B101",))) == {"tests": ("B101",)}
    assert added(old, None) == {}
