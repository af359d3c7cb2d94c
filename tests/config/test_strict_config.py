"""What a change does to the tree's [tool.secscan] (secscan.config.changed), --changed-since and --strict:
gate-weakening settings the change adds or loosens are described (and become findings, see
test_config_report.py) or, with --strict, ignored. Real git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from secscan.config import changed
from secscan.config.build import build_options
from secscan.config.load import Config
from secscan.core.errors import UsageError
from secscan.core.options import Source

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user configuration, no CI variables naming a pull request's base."""
    monkeypatch.delenv("SECSCAN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))
    for name, _form in changed.CI_BASES:
        monkeypatch.delenv(name, raising=False)


def git(root: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def repo(root: Path, config: str) -> str:
    """A git repository whose first commit has this [tool.secscan] body; returns the commit."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    (root / "app.py").write_text("print('hello')\n", "utf-8")
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n\n[tool.secscan]\n" + config, "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return git(root, "rev-parse", "HEAD")


def change(root: Path, config: str, commit: bool = False) -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n\n[tool.secscan]\n" + config, "utf-8")
    if commit:
        git(root, "commit", "-q", "-am", "the change")


def conf(**values: object) -> Config:
    return Config(None, dict(values), Source.TREE)


B1, B602 = {"rule": "B1", "reason": "x"}, {"rule": "B602", "reason": "y"}
DEFAULTS = {"fail_on": "critical", "timeout": 900.0, "allow_incomplete": False, "offline": False,
            "canary": True}


@pytest.mark.parametrize(("key", "old", "new", "what", "strict"), [
    ("exclude", ("vendor",), ("vendor", "app.py"), 'adds exclude = ["app.py"]', ("vendor",)),
    ("exclude", None, ("*",), 'adds exclude = ["*"]', None),
    ("scanners", None, ("mtls",), 'adds scanners = ["mtls"] (only these scanners run)', None),
    ("scanners", ("bandit", "semgrep"), ("bandit",), 'drops ["semgrep"] from scanners',
     ("bandit", "semgrep")),
    ("severity", {"B101": "high"}, {"B101": "info", "B602": "info"},
     'adds severity = { B602 = "info" }; lowers severity.B101 from "high" to "info"', {"B101": "high"}),
    ("fail_on", None, "never", 'sets fail_on to "never"', None),
    ("fail_on", "high", "critical", 'raises fail_on from "high" to "critical"', "high"),
    ("allow_incomplete", None, True, "sets allow_incomplete = true", None),
    ("offline", False, True, "sets offline = true", False),
    ("canary", None, False, "sets canary = false", None),
    ("timeout", 600.0, 1.0, "lowers timeout from 600 to 1 seconds", 600.0),
    ("timeouts", {"bandit": 60.0}, {"bandit": 0.1, "semgrep": 0.1},
     "sets timeouts = { bandit = 0.1, semgrep = 0.1 } (lower than before)", {"bandit": 60.0}),
    ("suppress", (B1,), (B1, B602), 'adds suppress = [{ rule = "B602", reason = "y" }]', (B1,)),
    ("ignore", (), (B602,), 'adds ignore = [{ rule = "B602", reason = "y" }]', None),
])
def test_what_a_change_loosens(key: str, old: object, new: object, what: str, strict: object) -> None:
    before = conf(**{key: old}) if old is not None else conf()
    found = changed.compare(before, conf(**{key: new}), [key], DEFAULTS)
    assert found[key].what == what and found[key].strict == strict


@pytest.mark.parametrize(("key", "old", "new"), [
    ("exclude", ("vendor", "docs"), ("vendor",)),  # an exclusion removed: stricter
    ("scanners", ("bandit",), ("bandit", "semgrep")),
    ("scanners", ("bandit",), None),  # every scanner
    ("severity", {"B101": "info"}, {"B101": "high"}),
    ("fail_on", None, "high"),
    ("fail_on", "critical", "medium"),
    ("allow_incomplete", True, False),
    ("canary", False, True),
    ("timeout", None, 1200.0),
    ("timeouts", None, {"semgrep": 1200.0}),
    ("suppress", (B1,), ()),
])
def test_what_a_change_tightens_is_not_reported(key: str, old: object, new: object) -> None:
    before = conf(**{key: old}) if old is not None else conf()
    assert changed.compare(before, conf(**{key: new}), [key], DEFAULTS) == {}


def test_changed_since_describes_what_the_change_adds(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = repo(root, 'exclude = ["vendor"]\n')
    change(root, 'exclude = ["vendor", "app.py"]\nfail_on = "never"\n', commit=True)
    opts = build_options(root, changed_since=base)
    assert opts.excludes == ("vendor", "app.py") and opts.fail_on == "never"  # they apply
    by_name = {s.name: s for s in opts.configuration.settings}
    assert by_name["exclude"].change == 'adds exclude = ["app.py"] to [tool.secscan]'
    assert by_name["exclude"].line == 5 and by_name["exclude"].file == "pyproject.toml"
    assert by_name["fail_on"].change == 'sets fail_on to "never" to [tool.secscan]'
    assert opts.configuration.reference == base and not opts.configuration.strict
    assert any(n.startswith('the change adds exclude = ["app.py"]') for n in opts.configuration.notes)


def test_strict_ignores_what_the_change_adds_and_keeps_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = repo(root, 'exclude = ["vendor"]\ntimeout = 600\n')
    change(root, 'exclude = ["vendor", "app.py"]\ntimeout = 1\nscanners = ["mtls"]\nallow_incomplete = true\n'
                 'fail_on = "high"\n', commit=True)
    opts = build_options(root, changed_since=base, strict=True)
    assert opts.excludes == ("vendor",) and opts.source("excludes") is Source.TREE
    assert opts.timeout == 600 and opts.scanners is None and not opts.allow_incomplete
    assert opts.fail_on == "high"  # stricter than before: it applies
    ignored = {s.name: s for s in opts.configuration.settings if s.status == "ignored"}
    assert set(ignored) == {"exclude", "timeout", "scanners", "allow_incomplete"}
    assert ignored["exclude"].value == ["vendor", "app.py"]
    assert ignored["exclude"].reason == (f"--strict: compared with {base}, the change adds "
                                         'exclude = ["app.py"]; its value there applies')
    assert ignored["scanners"].reason.endswith("the default applies")
    assert opts.configuration.strict and not [s for s in opts.configuration.settings if s.change]


def test_strict_compares_with_head_then_with_the_ci_base(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    base = repo(root, "jobs = 1\n")
    change(root, 'jobs = 1\nexclude = ["app.py"]\n')  # not committed: not reviewed
    opts = build_options(root, strict=True)
    assert opts.excludes == () and opts.configuration.reference == "HEAD"
    git(root, "commit", "-q", "-am", "the change")  # committed: HEAD has it, so it applies
    assert build_options(root, strict=True).excludes == ("app.py",)
    monkeypatch.setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", base)  # a merge request pipeline names its base
    opts = build_options(root, strict=True)
    assert opts.excludes == () and opts.configuration.reference == base
    monkeypatch.delenv("CI_MERGE_REQUEST_DIFF_BASE_SHA")
    git(root, "branch", "-q", "main", base)
    git(root, "update-ref", "refs/remotes/origin/main", base)
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    assert build_options(root, strict=True).configuration.reference == "origin/main"
    assert build_options(root, strict=True).excludes == ()
    assert build_options(root, strict=True, changed_since="HEAD").excludes == ("app.py",)  # REF wins


def test_strict_without_a_reference_ignores_every_gate_weakening_tree_setting(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.secscan]\nexclude = ["app.py"]\njobs = 2\n', "utf-8")
    opts = build_options(tmp_path, strict=True)  # not a git work tree: nothing tells what was reviewed
    assert opts.excludes == () and opts.jobs == 2
    (ignored,) = [s for s in opts.configuration.settings if s.status == "ignored"]
    assert "not inside a git work tree" in (ignored.reason or "")
    assert build_options(tmp_path).excludes == ("app.py",)  # without --strict it applies (and is listed)
    with pytest.raises(UsageError, match=r"--changed-since: .*not inside a git work tree"):
        build_options(tmp_path, changed_since="HEAD")


def test_strict_leaves_trusted_sources_alone(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = repo(root, "jobs = 1\n")
    ci = tmp_path / "ci.toml"
    ci.write_text('exclude = ["app.py"]\nfail_on = "never"\n', "utf-8")
    opts = build_options(root, config_file=ci, strict=True, changed_since=base)
    assert opts.excludes == ("app.py",) and opts.fail_on == "never"
    assert {s.source for s in opts.configuration.settings} == {"config-file"} and opts.configuration.strict


def test_a_new_or_foreign_reference_file_counts_as_empty(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "README").write_text("x\n", "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "no pyproject yet")
    (root / "pyproject.toml").write_text('[tool.secscan]\nexclude = ["*"]\n', "utf-8")
    found = changed.at_reference(Config(root / "pyproject.toml"), root, "HEAD")
    assert found.values == {}
    with pytest.raises(UsageError, match="does not know the revision"):
        changed.at_reference(Config(root / "pyproject.toml"), root, "no-such-ref")
    assert changed.reference(None, {"GITHUB_BASE_REF": "develop"}) == "origin/develop"
    assert changed.reference("v1", {"GITHUB_BASE_REF": "develop"}) == "v1"
