"""Bad tool output: one clear line naming the file, exit 2 for `import`/`report`, a failed entry inside `all`.

Every registered parser (secscan.parsers.registry.PARSERS) gets the same bad inputs; the CLI cases run in
process. The 100 MB and over-the-limit files are real files (the latter sparse, never read).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from token_checksums import crc_token

from secscan.cli.main import main
from secscan.core.errors import ParseError
from secscan.formats.json_report import validate
from secscan.parsers.interface import MAX_INPUT_BYTES
from secscan.parsers.registry import PARSERS, get, parse_file

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"

# One real output per tool (paths under ../shared/samples).
OWN_SAMPLE = {
    "bandit": "bandit/defectdojo__one_vuln.json",
    "semgrep": "semgrep/defectdojo__one_finding.json",
    "pip-audit": "pip_audit/defectdojo__many_vulns_new.json",
    "detect-secrets": "detect_secrets/defectdojo__many_findings.json",
    "trivy": "trivy/trivyrepo__alpine-310.json.golden",
    "npm-audit": "npm_audit/defectdojo__npm_audit_7_plus__one_vuln.json",
    "gitlab": "gitlab/defectdojo__gl-sast-report-1-vuln_v15.json",
    # not in ../shared: secscan's own recording of the real checkov (tests/fixtures/checkov/README.md)
    "checkov": str(Path(__file__).resolve().parents[1] / "fixtures" / "checkov" / "multi_framework.json"),
}
TOOLS = sorted(PARSERS)


def sample_bytes(tool: str) -> bytes:
    path = SAMPLES / OWN_SAMPLE[tool]
    if not path.is_file():
        pytest.skip("[shared] ../shared/samples not present beside the project")
    return path.read_bytes()


def other_tool(tool: str) -> str:
    return TOOLS[(TOOLS.index(tool) + 1) % len(TOOLS)]


# name -> how to build the bad bytes from the tool's own real sample; every one must be a ParseError.
BAD_INPUTS: dict[str, Callable[[str], bytes]] = {
    "truncated": lambda t: sample_bytes(t)[: len(sample_bytes(t)) // 2],
    "truncated-to-one-byte": lambda t: sample_bytes(t)[:1],
    "empty": lambda t: b"",
    "whitespace-only": lambda t: b" \n\t\n",
    "html-error-page": lambda t: b"<html><body>502 Bad Gateway</body></html>",
    "non-utf8-bytes": lambda t: b"\xff\xfe\x00" + sample_bytes(t),
    "utf16-encoded": lambda t: sample_bytes(t).decode("utf-8").encode("utf-16"),
    "latin1-in-string": lambda t: b'{"results": ["caf\xe9"]}',
    "wrong-tool-json": lambda t: sample_bytes(other_tool(t)),
    "json-null": lambda t: b"null",
    "json-number": lambda t: b"42",
    "json-string": lambda t: b'"all good"',
    "json-true": lambda t: b"true",
    "json-empty-object": lambda t: b"{}",
    "json-list-of-numbers": lambda t: b"[1, 2, 3]",
    "json-list-of-empty-objects": lambda t: b"[{}, {}]",
    "results-is-a-number": lambda t: b'{"results": 5, "Results": 5, "vulnerabilities": 5, "dependencies": 5}',
    "deeply-nested": lambda t: b"[" * 100_000 + b"]" * 100_000,
    "huge-integer": lambda t: b"1" * 20_000,
    "nan-and-infinity": lambda t: b'{"results": [NaN, Infinity, -Infinity]}',
    "two-documents": lambda t: sample_bytes(t) + b"\n" + sample_bytes(t),
    "nul-bytes": lambda t: b"\x00" * 64,
}
# A wrong tool's output that is also a legal output of this tool may parse, but never as a clean scan.
_WRONG_TOOL_ALLOWED_NOT_OK = {"pip-audit"}


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_every_parser_rejects_bad_input_with_one_line(tool: str, kind: str) -> None:
    data = BAD_INPUTS[kind](tool)
    try:
        parsed = get(tool)(data, "out/bad.json")
    except ParseError as exc:
        msg = str(exc)
        assert msg.startswith(f"out/bad.json: cannot read as {tool} output: "), msg
        assert "\n" not in msg and len(msg) < 600, msg
        return
    assert kind == "wrong-tool-json" and tool in _WRONG_TOOL_ALLOWED_NOT_OK, (kind, parsed)
    assert parsed.status.value != "ok" and not parsed.findings, parsed


@pytest.fixture(scope="module")
def huge_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 MB of bandit-looking JSON that is cut off before its end."""
    path = tmp_path_factory.mktemp("huge") / "bandit-100mb.json"
    chunk = b'{"filename": "a.py", "issue_text": "' + b"x" * 1000 + b'"},\n'
    with path.open("wb") as fh:
        fh.write(b'{"errors": [], "results": [\n')
        for _ in range(100 * 1024 * 1024 // len(chunk)):
            fh.write(chunk)
    return path


def test_huge_truncated_file_is_a_clear_error(huge_file: Path) -> None:
    assert huge_file.stat().st_size >= 99 * 1024 * 1024
    with pytest.raises(ParseError, match=r"bandit-100mb\.json: cannot read as bandit output: invalid JSON"):
        parse_file("bandit", huge_file)


def test_file_over_the_limit_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "sparse.json"
    with path.open("wb") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)  # sparse: no disk space used, and it must never be read
    with pytest.raises(ParseError, match=r"sparse\.json: .*over the 200 MB limit"):
        parse_file("trivy", path)


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo.json"
    os.mkfifo(path)
    return path


# Paths that are not a readable regular file: each is a ParseError naming it, never a hang.
NOT_A_FILE: dict[str, Callable[[Path], Path]] = {
    "missing": lambda d: d / "missing.json",
    "folder": lambda d: d,
    "fifo (would block forever)": fifo,
    "device (/dev/zero: endless)": lambda d: Path("/dev/zero"),
}


@pytest.mark.parametrize("kind", sorted(NOT_A_FILE))
def test_import_paths_that_are_not_files(tmp_path: Path, kind: str) -> None:
    path = NOT_A_FILE[kind](tmp_path)
    with pytest.raises(ParseError, match=r"cannot read as semgrep output: "):
        parse_file("semgrep", path)


def test_parser_bug_becomes_a_parse_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import secscan.parsers.bandit as bandit_parser

    def broken(text: str | bytes, source: str) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(bandit_parser, "parse", broken)
    path = tmp_path / "b.json"
    path.write_text("{}", "utf-8")
    with pytest.raises(ParseError, match=r"b\.json: cannot read as bandit output: unexpected KeyError"):
        parse_file("bandit", path)


CLI_KINDS = ("truncated", "non-utf8-bytes", "wrong-tool-json", "json-list-of-numbers", "deeply-nested")


def _one_error_line(err: str, path: Path) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("secscan: error: ") and str(path) in lines[0], lines[0]
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("kind", CLI_KINDS)
def test_import_command_bad_file_exits_2_with_one_line(
    tool: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / f"{kind}.json"
    bad.write_bytes(BAD_INPUTS[kind](tool))
    out = tmp_path / "out"
    code = main(["import", tool, str(bad), "--output-dir", str(out), "--quiet"])
    captured = capsys.readouterr()
    if code != 2:  # a wrong tool's output that is a legal (but not clean) output of this one
        assert kind == "wrong-tool-json" and tool in _WRONG_TOOL_ALLOWED_NOT_OK and code == 3, captured
        return
    _one_error_line(captured.err, bad)
    assert not out.exists()  # nothing half-made


def test_import_command_huge_file(
    huge_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["import", "bandit", str(huge_file), "--output-dir", str(tmp_path / "o"), "--quiet"])
    assert code == 2
    assert "invalid JSON" in _one_error_line(capsys.readouterr().err, huge_file)


def test_import_command_mixed_good_and_bad_is_exit_2(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"results": [')
    code = main(
        [
            "import",
            "bandit",
            str(samples / OWN_SAMPLE["bandit"]),
            str(bad),
            "--output-dir",
            str(tmp_path / "o"),
            "--quiet",
        ]
    )
    assert code == 2
    _one_error_line(capsys.readouterr().err, bad)


REPORT_BAD = {
    "truncated": b'{"schema_version": "1", "findings": [',
    "non-utf8": b'{"schema_version": "1", "target": "\xff"}',
    "a bandit output": b'{"errors": [], "results": []}',
    "a list": b"[]",
    "newline and escape in content": b'{"schema_version": "1\\n\\u001b[31m"}',
}


@pytest.mark.parametrize("kind", sorted(REPORT_BAD))
def test_report_command_bad_result_exits_2(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "secscan.json"
    bad.write_bytes(REPORT_BAD[kind])
    code = main(["report", str(bad), "--output-dir", str(tmp_path / "o"), "--quiet"])
    assert code == 2
    line = _one_error_line(capsys.readouterr().err, bad)
    assert "\x1b" not in line


def test_bad_import_inside_all_is_a_failed_scanner_and_the_rest_is_kept(
    samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "config.py").write_text(
        'GITHUB_TOKEN = "' + crc_token("ghp_", random.Random(238)) + '"\n', "utf-8"
    )
    bad = tmp_path / "trivy bad\nname.json"
    bad.write_bytes(b'{"Results": [ {"Target": "x", "Vulnerabilities": [')
    out = tmp_path / "out"
    code = main(
        [
            "all",
            str(tree),
            "--offline",
            "--scanners",
            "secscan-secrets",
            "--no-cache",
            "--quiet",
            "--output-dir",
            str(out),
            "--import",
            f"trivy={bad}",
            "--import",
            f"bandit={samples / OWN_SAMPLE['bandit']}",
            "--fail-on",
            "never",
        ]
    )
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    assert code == 3 and report["incomplete"] is True
    by_name = {s["name"]: s for s in report["scanners"]}
    failed = by_name["trivy (import trivy bad\nname.json)"]
    assert failed["status"] == "failed" and "invalid JSON" in failed["reason"]
    assert by_name["bandit (import defectdojo__one_vuln.json)"]["status"] == "ok"
    assert by_name["secscan-secrets"]["status"] == "ok"
    sources = {s for f in report["findings"] for s in f["sources"]}
    assert {"bandit", "secscan-secrets"} <= sources  # the other results are kept
    assert any("trivy" in r and "failed" in r for r in report["summary"]["gate"]["reasons"])
    assert "INCOMPLETE" in (out / "secscan.md").read_text("utf-8")
