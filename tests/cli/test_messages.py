"""What a user reads: one-line usage errors, the `scan` alias, severity words, doctor hints, the fix cell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.core.model import Category, Finding, Location, ScannerResult, Severity, Status
from secscan.formats.interface import fix_cell
from secscan.formats.markdown import render_markdown
from secscan.results.remediation import apply_remediation
from secscan.run.doctor import _hint

VALID = "critical, high, medium, low, info, never"


@pytest.mark.parametrize("argv", [["all", "--fail-on", "bogus", "."], ["scan", "--fail-on", "bogus", "."],
                                  ["secrets", "--staged", "--fail-on", "bogus"]])
def test_bad_fail_on_is_one_line_with_the_valid_values(argv: list[str], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "usage:" not in err, err
    assert "--fail-on" in err and "bogus" in err and VALID in err


def test_unknown_command_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scna", "."]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'scan'" in err and "usage:" not in err


def test_scan_is_an_alias_of_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`secscan scan` runs exactly what `secscan all` runs: same command, same options."""
    import json

    from secscan.cli import scan as cli_scan

    seen: dict[str, object] = {}
    original = cli_scan.scan_options

    def spy(args: object, command: str, scan_command: str | None = None) -> object:
        opts = original(args, command, scan_command)  # type: ignore[arg-type]
        seen[command] = opts
        return opts

    monkeypatch.setattr(cli_scan, "scan_options", spy)
    (tmp_path / "app.py").write_text("import os\n", "utf-8")
    reports = {}
    for command in ("scan", "all"):
        out = tmp_path / f"out-{command}"
        code = main([command, str(tmp_path), "--no-cache", "--offline", "--scanners", "secscan-secrets",
                     "--format", "json", "--output-dir", str(out), "-q"])
        assert code == 0
        reports[command] = json.loads((out / "secscan.json").read_text("utf-8"))
        assert list(seen) == ["all"]
        seen.clear()
    assert [s["name"] for s in reports["scan"]["scanners"]] == [s["name"] for s in reports["all"]["scanners"]]
    helptext = subprocess.run([sys.executable, "-m", "secscan", "--help"], capture_output=True, text=True,
                              check=True).stdout
    assert "all (scan)" in helptext


def test_severity_prints_its_word() -> None:
    assert str(Severity.HIGH) == "high" and f"{Severity.CRITICAL}" == "critical"
    assert f"{Severity.LOW:>6}|" == "   low|" and f"{Severity.LOW:d}" == "1"
    assert "{:s}".format(str(Severity.INFO)) == "info" and str.format("{}", Severity.INFO) == "info"  # noqa: UP032
    assert int(Severity.MEDIUM) == 2
    assert Severity.from_label(str(Severity.MEDIUM)) is Severity.MEDIUM
    assert Severity.HIGH > Severity.MEDIUM and sorted([Severity.HIGH, Severity.LOW])[0] is Severity.LOW
    out = subprocess.run([sys.executable, "-c", "from secscan.core.model import Severity; "
                          "print(Severity.HIGH)"], capture_output=True, text=True, check=True).stdout
    assert out == "high\n"


def _sr(name: str, status: Status, reason: str) -> ScannerResult:
    return ScannerResult(name, status, reason=reason)


@pytest.mark.parametrize(("result", "found", "todo"), [
    (_sr("pip-audit", Status.SKIPPED, "offline"), "/bin/pip-audit",
     "to audit offline run `secscan db update` once (offline audits then use it) or give --osv-db DIR; "
     "or run without --offline"),
    (_sr("npm-audit", Status.SKIPPED, "offline"), "/usr/bin/npm", "`secscan db update`"),
    (_sr("pip-audit", Status.FAILED, "pip-audit could not reach pypi.org: ConnectionError " + "x" * 300),
     "/bin/pip-audit",
     "advisory service unreachable (network, proxy)? `secscan db update` once, then --offline"),
    (_sr("npm-audit", Status.FAILED, "npm audit exited 1: request to https://registry.npmjs.org failed"),
     "/usr/bin/npm", "(or --offline --osv-db DIR)"),
    (_sr("npm-audit", Status.SKIPPED, "npm not found on PATH nor in secscan's environment: ..."), None,
     "install Node.js with npm"),
    (_sr("trivy", Status.SKIPPED, "trivy not found on PATH nor in secscan's environment: install trivy: "
         "https://trivy.dev/latest/getting-started/installation/ (brew install trivy, ..."), None,
     "install Trivy (a pinned release, checksum verified: https://trivy.dev/latest/getting-started/"
     "installation/), then run doctor again"),
    (_sr("trivy-image", Status.SKIPPED, "no --image given"), "/usr/bin/trivy", "give --image NAME"),
    (_sr("pqc", Status.SKIPPED, "liboqs unavailable: liboqs-python is installed (/x/oqs/__init__.py) but "
         "no liboqs shared library was found in " + "/a/very/long/path " * 20), "built-in",
     "point OQS_INSTALL_PATH at a liboqs build"),
])
def test_doctor_hint_says_what_to_do(result: ScannerResult, found: str | None, todo: str) -> None:
    """The action comes first, so the 150-character cut never removes it; the cause follows."""
    hint = _hint(result, found)
    assert hint is not None and len(hint) <= 150 and "\n" not in hint
    assert todo in hint, hint
    head = hint.split(" -- ")[0]
    assert todo in head
    assert (result.reason or "")[:10] in hint or hint.endswith("…")


def test_doctor_hint_unchanged_where_nothing_to_advise() -> None:
    assert _hint(_sr("bandit", Status.FAILED, "canary not detected: expected B602"), "/bin/bandit") == \
        "bandit: canary not detected: expected B602"
    assert _hint(ScannerResult("bandit", Status.SKIPPED, reason="no Python files"), "/bin/bandit") == \
        "not run: no Python files"


SEMGREP_MSG = ("MD5 is broken for security uses (collisions are cheap). Use SHA-256 or better; if this "
               "digest is not used for security (a cache key, a checksum of your own files), say so with "
               "hashlib.md5(..., usedforsecurity=False).")


def _semgrep(message: str, **props: str) -> Finding:
    return Finding("secscan.python-md5", "secscan.python-md5", message, Severity.MEDIUM, "WARNING",
                   Category.SAST, ("semgrep",), Location("app.py", 3, 3), fingerprint="f" * 32,
                   properties=props)


def test_fix_cell_of_a_semgrep_finding_gives_the_advice_not_the_message() -> None:
    (f,) = apply_remediation([_semgrep(SEMGREP_MSG)])
    assert f.remediation == SEMGREP_MSG  # the JSON keeps the whole text
    cell = fix_cell(f)
    assert cell.startswith("Use SHA-256 or better") and "collisions are cheap" not in cell
    (one,) = apply_remediation([_semgrep("Do not use eval on request data.")])
    assert fix_cell(one) == ""
    (own,) = apply_remediation([_semgrep(SEMGREP_MSG, fix="hashlib.sha256(data)")])
    assert fix_cell(own) == "apply the rule's fix: hashlib.sha256(data)"


def test_markdown_fix_cell_does_not_repeat_the_message() -> None:
    from report_fixtures import build

    (f,) = apply_remediation([_semgrep(SEMGREP_MSG)])
    text = render_markdown(build([f], [ScannerResult("semgrep", Status.OK)]))
    row = next(line for line in text.splitlines() if line.startswith("|") and "secscan.python-md5" in line)
    assert row.count("collisions are cheap") == 1  # in the finding column only
    assert "Use SHA-256 or better" in row.split("|")[6]
