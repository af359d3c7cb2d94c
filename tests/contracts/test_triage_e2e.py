"""Issue 13 end to end: suppressions, inline ignores, baselines and --changed-since, in real git repositories,
through `secscan.cli.main.main` with the real bandit (and the offline OSV folder for dependencies)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.core.model import Category, Finding, Location, Package, Severity
from secscan.formats.json_report import validate
from secscan.results import changes, triage

ROOT = Path(__file__).resolve().parents[2]
OSV = ROOT / "tests" / "fixtures" / "osv"
SHELL = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"  # B602 (high), line 5
PAST = (date.today() - timedelta(days=1)).isoformat()
FUTURE = (date.today() + timedelta(days=365)).isoformat()


def git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": "/usr/local/bin:/usr/bin:/bin",
           "HOME": str(cwd), "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def commit(repo: Path, files: dict[str, str], message: str = "change") -> None:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, "utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose first commit has a high finding in old.py and a pinned vulnerable requests."""
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    commit(r, {"old.py": SHELL, "requirements.txt": "requests==2.19.1\n", "clean.py": "x = 1\n"}, "one")
    return r


def scan(target: Path, out: Path, *extra: str, command: str = "sast",
         scanners: str | None = "bandit") -> tuple[int, dict]:
    only = ["--scanners", scanners] if scanners else []
    code = main([command, str(target), *only, "--no-cache", "--quiet", "--output-dir", str(out), *extra])
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    return code, report


def by_place(report: dict) -> dict[tuple[str, int | None, str], dict]:
    return {(f["location"]["path"], f["location"]["start_line"], f["rule_id"]): f for f in report["findings"]}


def config(repo: Path, text: str) -> None:
    (repo / "pyproject.toml").write_text("[tool.secscan]\n" + textwrap.dedent(text), "utf-8")


@pytest.mark.slow
def test_changed_since_counts_only_new_code(repo: Path, tmp_path: Path) -> None:
    commit(repo, {"new.py": SHELL}, "two: adds a shell call")
    code, rep = scan(repo, tmp_path / "a", "--changed-since", "HEAD~1", "--fail-on", "high")
    assert code == 1
    found = by_place(rep)
    assert found[("new.py", 5, "B602")]["pre_existing"] is False
    assert found[("old.py", 5, "B602")]["pre_existing"] is True
    assert rep["summary"]["counts"]["high"] == 1
    assert any("--changed-since HEAD~1" in n and "pre-existing" in n for n in rep["notes"])
    md = (tmp_path / "a" / "secscan.md").read_text("utf-8")
    old_section = md.index("Pre-existing critical and high findings (1")
    assert md.index("new.py:5") < old_section < md.index("old.py:5")


@pytest.mark.slow
def test_changed_since_old_finding_in_untouched_file_passes(repo: Path, tmp_path: Path) -> None:
    commit(repo, {"clean.py": "x = 2\n", "other.py": "y = 1\n"}, "two: harmless")
    code, rep = scan(repo, tmp_path / "a", "--changed-since", "HEAD~1", "--fail-on", "high")
    assert code == 0, rep["summary"]["gate"]
    assert by_place(rep)[("old.py", 5, "B602")]["pre_existing"] is True
    code, _ = scan(repo, tmp_path / "b", "--fail-on", "high")  # without --changed-since the old one counts
    assert code == 1


@pytest.mark.slow
def test_changed_since_sees_staged_unstaged_untracked_and_renames(repo: Path, tmp_path: Path) -> None:
    git(repo, "mv", "old.py", "moved.py")  # a pure rename: nothing new
    unstaged = "import subprocess\nsubprocess.call(input(), shell=True)\n"
    (repo / "clean.py").write_text(unstaged, "utf-8")
    (repo / "staged.py").write_text(SHELL, "utf-8")
    git(repo, "add", "staged.py")
    (repo / "untracked.py").write_text(SHELL, "utf-8")
    code, rep = scan(repo, tmp_path / "a", "--changed-since", "HEAD", "--fail-on", "high")
    assert code == 1
    found = by_place(rep)
    assert found[("moved.py", 5, "B602")]["pre_existing"] is True
    for place in (("clean.py", 2, "B602"), ("staged.py", 5, "B602"), ("untracked.py", 5, "B602")):
        assert found[place]["pre_existing"] is False, place


@pytest.mark.slow
def test_changed_since_in_a_subfolder_of_the_repository(repo: Path, tmp_path: Path) -> None:
    commit(repo, {"svc/old.py": SHELL}, "two")
    commit(repo, {"svc/new.py": SHELL}, "three")
    code, rep = scan(repo / "svc", tmp_path / "a", "--changed-since", "HEAD~1", "--fail-on", "high")
    assert code == 1
    found = by_place(rep)
    assert found[("new.py", 5, "B602")]["pre_existing"] is False
    assert found[("old.py", 5, "B602")]["pre_existing"] is True


def test_dependency_finding_counts_when_its_manifest_changed(repo: Path, tmp_path: Path) -> None:
    args = ("--osv-db", str(OSV), "--changed-since", "HEAD~1", "--fail-on", "high")
    commit(repo, {"clean.py": "x = 3\n"}, "two: no manifest change")
    code, rep = scan(repo, tmp_path / "a", *args, command="deps", scanners="pip-audit")
    deps = [f for f in rep["findings"] if f["category"] == "dependency"]
    assert deps and all(f["pre_existing"] and f["package"]["manifest"] == "requirements.txt" for f in deps)
    assert code == 0
    commit(repo, {"requirements.txt": "requests==2.19.1\nidna==3.7\n"}, "three: manifest changed")
    code, rep = scan(repo, tmp_path / "b", *args, command="deps", scanners="pip-audit")
    deps = [f for f in rep["findings"] if f["category"] == "dependency"]
    assert deps and not any(f["pre_existing"] for f in deps)
    assert code == 1


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=/tmp/x", "HEAD~5"])
def test_unknown_revision_is_exit_2(repo: Path, tmp_path: Path, ref: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sast", str(repo), "--scanners", "bandit", f"--changed-since={ref}", "--output-dir",
                 str(tmp_path / "o"), "--quiet", "--no-cache"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "does not know the revision" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o" / "secscan.json").exists()


def test_changed_since_outside_git_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "a.py").write_text(SHELL, "utf-8")
    code = main(["sast", str(tmp_path / "t"), "--scanners", "bandit", "--changed-since", "HEAD", "--quiet",
                 "--output-dir", str(tmp_path / "o")])
    assert code == 2 and "not inside a git work tree" in capsys.readouterr().err


@pytest.mark.slow
def test_suppression_is_marked_in_every_report_and_counts_again_when_expired(repo: Path,
                                                                             tmp_path: Path) -> None:
    entry = """
        [[tool.secscan.suppress]]
        rule = "B602"
        path = "old*.py"
        reason = "command list is a constant"
        owner = "platform-team"
        expires = "{day}"
        """
    config(repo, entry.format(day=FUTURE))
    code, rep = scan(repo, tmp_path / "a", "--fail-on", "high", "--format", "json,md,html,sarif,gitlab")
    assert code == 0, rep["summary"]["gate"]
    f = by_place(rep)[("old.py", 5, "B602")]
    assert f["suppressed"] is True
    assert f["suppression"] == {"kind": "config", "reason": "command list is a constant",
                                "owner": "platform-team", "expires": FUTURE, "expired": False}
    out = tmp_path / "a"
    for name in ("secscan.md", "secscan.html", "gl-sast-report.json"):
        text = (out / name).read_text("utf-8")
        assert "command list is a constant" in text and "platform-team" in text, name
    sarif = json.loads((out / "secscan.sarif").read_text("utf-8"))
    sups = [r["suppressions"] for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert sups and "command list is a constant" in json.dumps(sups)

    config(repo, entry.format(day=PAST))
    code, rep = scan(repo, tmp_path / "b", "--fail-on", "high")
    assert code == 1
    f = by_place(rep)[("old.py", 5, "B602")]
    assert f["suppressed"] is False and f["suppression"]["expired"] is True
    assert any("expired on " + PAST in n for n in rep["notes"])
    assert f"suppression expired {PAST}" in (tmp_path / "b" / "secscan.md").read_text("utf-8")


@pytest.mark.slow
def test_stale_suppression_is_reported(repo: Path, tmp_path: Path) -> None:
    config(repo, """
        [[tool.secscan.suppress]]
        rule = "B999"
        reason = "no longer relevant"
        owner = "ops"
        [[tool.secscan.suppress]]
        rule = "B602"
        path = "vendor/*"
        reason = "vendored code"
        """)
    code, rep = scan(repo, tmp_path / "a", "--fail-on", "high", "--offline", command="all", scanners=None)
    assert code == 1  # neither matches the real finding
    stale = rep["summary"]["stale_suppressions"]
    assert [(s["rule"], s["path"]) for s in stale] == [("B999", None), ("B602", "vendor/*")]
    assert sum("stale suppression" in n for n in rep["notes"]) == 2
    md = (tmp_path / "a" / "secscan.md").read_text("utf-8")
    assert "### Stale suppressions" in md and "B999" in md and "vendor/\\*" in md
    # judged per entry: `sast` ran bandit in full, so its bandit entries are judged; a run without bandit
    # cannot tell, says why, and calls nothing stale
    _code, sast = scan(repo, tmp_path / "p-sast", "--offline", command="sast", scanners=None)
    assert [(s["rule"], s["path"]) for s in sast["summary"]["stale_suppressions"]] == \
        [("B999", None), ("B602", "vendor/*")]
    _code, part = scan(repo, tmp_path / "p-all", "--offline", command="all", scanners="secscan-secrets")
    assert part["summary"]["stale_suppressions"] == []
    assert not any("stale suppression" in n for n in part["notes"])
    assert any("2 suppression(s) matched nothing but were not judged stale" in n and "bandit did not run" in n
               for n in part["notes"]), part["notes"]


@pytest.mark.parametrize(("entry", "message"), [
    ('rule = "B602"', "has no reason"),
    ('rule = "B602"\nreason = "   "', "has no reason"),
    ('reason = "x"', "needs a rule or a fingerprint"),
    ('rule = "B602"\nreason = "x"\nexpires = "next year"', "expires must be a date"),
    ('rule = "B602"\nreason = "x"\nowners = "me"', "unknown key(s) owners"),
])
def test_bad_suppression_is_exit_2_before_scanning(repo: Path, tmp_path: Path, entry: str, message: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    config(repo, "[[tool.secscan.suppress]]\n" + entry + "\n")
    code = main(["sast", str(repo), "--scanners", "bandit", "--quiet", "--output-dir", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_fingerprint_suppression(repo: Path, tmp_path: Path) -> None:
    _, rep = scan(repo, tmp_path / "a")
    fp = by_place(rep)[("old.py", 5, "B602")]["fingerprint"]
    config(repo, f'suppress = [{{ fingerprint = "{fp}", reason = "reviewed in SEC-12" }}]\n')
    code, rep = scan(repo, tmp_path / "b", "--fail-on", "high")
    assert code == 0
    f = by_place(rep)[("old.py", 5, "B602")]
    assert f["suppressed"] and f["suppression"]["reason"] == "reviewed in SEC-12"


@pytest.mark.slow
def test_inline_ignore_needs_a_reason(repo: Path, tmp_path: Path) -> None:
    commit(repo, {"a.py": "import subprocess  # secscan: ignore[B404] only constant commands below\n"
                          "subprocess.call(input(), shell=True)  # secscan: ignore[B602] constant command\n"
                          "subprocess.call(input(), shell=True)  # secscan: ignore[B602]\n"})
    code, rep = scan(repo, tmp_path / "a", "--fail-on", "high")
    found = by_place(rep)
    assert found[("a.py", 2, "B602")]["suppressed"] is True
    assert found[("a.py", 2, "B602")]["suppression"]["kind"] == "inline"
    assert found[("a.py", 2, "B602")]["suppression"]["reason"] == "constant command"
    assert found[("a.py", 1, "B404")]["suppressed"] is True
    assert found[("a.py", 3, "B602")]["suppressed"] is False
    assert any("a.py:3: inline ignore without a reason" in n for n in rep["notes"])
    assert code == 1  # old.py and a.py:3 still count


@pytest.mark.slow
def test_baseline_carries_reason_owner_and_expiry(repo: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "baseline.json"
    code = main(["baseline", "create", str(repo), "--scanners", "bandit", "--no-cache", "--output", str(base),
                 "--reason", "legacy, tracked in SEC-1", "--owner", "app-team", "--expires", FUTURE])
    assert code == 0 and "wrote 2 baseline entries" in capsys.readouterr().out
    entries = json.loads(base.read_text("utf-8"))["entries"]
    assert {(e["reason"], e["owner"], e["expires"]) for e in entries} == {
        ("legacy, tracked in SEC-1", "app-team", FUTURE)}
    commit(repo, {"new.py": SHELL})
    code, rep = scan(repo, tmp_path / "a", "--baseline", str(base), "--fail-on", "high")
    assert code == 1  # only the new finding counts
    found = by_place(rep)
    assert found[("new.py", 5, "B602")]["suppressed"] is False
    old = found[("old.py", 5, "B602")]
    assert old["suppressed"] and old["suppression"] == {
        "kind": "baseline", "reason": "legacy, tracked in SEC-1", "owner": "app-team", "expires": FUTURE,
        "expired": False}
    data = json.loads(base.read_text("utf-8"))
    for e in data["entries"]:
        e["expires"] = PAST
    base.write_text(json.dumps(data), "utf-8")
    (repo / "new.py").unlink()
    code, rep = scan(repo, tmp_path / "b", "--baseline", str(base), "--fail-on", "high")
    assert code == 1
    assert by_place(rep)[("old.py", 5, "B602")]["suppression"]["expired"] is True


@pytest.mark.slow
def test_baseline_entries_that_match_nothing_are_stale(repo: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    assert main(["baseline", "create", str(repo), "--scanners", "bandit", "--no-cache", "--output", str(base),
                 "--quiet"]) == 0
    (repo / "old.py").write_text("x = 1\n", "utf-8")  # fixed
    code, rep = scan(repo, tmp_path / "a", "--baseline", str(base), "--fail-on", "high", "--offline",
                     command="all", scanners=None)
    assert code == 0, rep["findings"]
    assert len(rep["summary"]["stale_suppressions"]) == 2
    assert any("2 baseline entries match no finding" in n for n in rep["notes"])


PIP_AUDIT_JSON = json.dumps({"dependencies": [
    {"name": "requests", "version": "2.19.1", "vulns": [
        {"id": "PYSEC-2018-28", "fix_versions": ["2.20.0"], "aliases": ["CVE-2018-18074"],
         "description": "d"}]},
    {"name": "pyyaml", "version": "5.3", "vulns": [
        {"id": "PYSEC-2020-96", "fix_versions": ["5.3.1"], "aliases": ["CVE-2020-1747"],
         "description": "d"}]},
], "fixes": []})


def test_online_pip_audit_findings_name_their_manifest(repo: Path, tmp_path: Path,
                                                       fake_bin: Callable[[str, str], Path]) -> None:
    """pip-audit's JSON does not say which file pinned a package: secscan fills it in, so that a dependency
    finding counts exactly when its manifest changed."""
    fake_bin("pip-audit", f"case \"$1\" in --version) echo 'pip-audit 2.10.1'; exit 0;; esac\n"
                          f"echo '{PIP_AUDIT_JSON}'; exit 1\n")
    commit(repo, {"dev/requirements.txt": "pytest==8.0.0\n"}, "two: another manifest")
    code, rep = scan(repo, tmp_path / "a", "--changed-since", "HEAD~1", "--fail-on", "high", command="deps",
                     scanners="pip-audit")
    deps = [f for f in rep["findings"] if f["package"]]
    assert [(f["package"]["name"], f["package"]["manifest"], f["pre_existing"]) for f in deps] == [
        ("requests", "requirements.txt", True)]
    assert code == 0, rep["summary"]["gate"]


def test_lock_file_changes_count_for_their_manifest() -> None:
    def dep(manifest: str | None) -> Finding:
        return Finding("GHSA-x", "t", "m", Severity.HIGH, "high", Category.DEPENDENCY, ("osv",),
                       package=Package("requests", "2.19.1", manifest=manifest))

    ch = changes.Changes({"svc/poetry.lock": {3}, "requirements-dev.txt": {1}})
    assert ch.touches(dep("svc/pyproject.toml")) and ch.touches(dep("svc/poetry.lock"))
    assert not ch.touches(dep("pyproject.toml"))  # another folder
    assert not ch.touches(dep("requirements.txt"))  # a different requirements file
    assert ch.touches(dep("requirements-dev.txt"))
    assert ch.touches(dep(None))  # unknown manifest, some dependency file changed: counts
    assert not changes.Changes({"app.py": None}).touches(dep(None))


def test_git_paths_with_spaces_quotes_and_non_ascii(repo: Path) -> None:
    names = ["sp ace.py", "ünï.py", 'qu"ote.py', "tab\tname.py"]
    commit(repo, {n: "a = 1\n" for n in names}, "two")
    for n in names:
        (repo / n).write_text("a = 1\nb = 2\n", "utf-8")
    (repo / "new file.bin").write_bytes(b"\x00\x01\x02")
    git(repo, "add", "new file.bin")
    ch = changes.collect(repo, "HEAD")
    assert ch.lines == {**{n: {2} for n in names}, "new file.bin": None}


def test_inline_ignore_in_other_comment_styles(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<a> <!-- secscan: ignore[X1] -->\n"
                                     "<b> <!-- secscan: ignore[X1] demo page -->\n"
                                     "x /* secscan: ignore[X1, X2] generated code */\n", "utf-8")

    def f(line: int) -> Finding:
        return Finding("X1", "t", "m", Severity.HIGH, "H", Category.SAST, ("s",),
                       Location("a.html", line, line), fingerprint=str(line))

    out, _, notes = triage.apply([f(1), f(2), f(3)], [], tmp_path)
    assert [x.suppression.reason if x.suppressed and x.suppression else None for x in out] == [
        None, "demo page", "generated code"]
    assert notes == ["a.html:1: inline ignore without a reason was not applied"]
