"""The CLI's own behaviour: progress display modes, usage errors, import/report/merge round trips."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.cli.progress import Progress
from secscan.formats.json_report import validate


def test_progress_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    p = Progress(stream=out, live=False)
    p("bandit", "start", 0.0)
    p("bandit", "done:ok", 1.25)
    p.close()
    assert out.getvalue().splitlines() == ["secscan: bandit started", "secscan: bandit ok (1.2s)"]


def test_progress_live_redraws_and_quiet_prints_nothing() -> None:
    out = io.StringIO()
    p = Progress(stream=out, live=True)
    p("semgrep", "start", 0.0)
    p("bandit", "start", 0.0)
    p("bandit", "done:failed", 2.0)
    p.close()
    text = out.getvalue()
    assert "\x1b[2K" in text and "running" in text and "failed" in text
    quiet = io.StringIO()
    q = Progress(stream=quiet, quiet=True)
    q("bandit", "start", 0.0)
    q.close()
    assert quiet.getvalue() == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["all", "--fail-on", "severe"],
        ["import", "nessus", "x.json"],
        ["all", "/no/such/folder"],
        ["all", ".", "--shard", "3/2"],
        ["all", ".", "--format", "pdf"],
        ["all", ".", "--import", "bandit"],
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and err[-1].startswith("secscan: error:")
    assert "Traceback" not in "\n".join(err)


def test_import_report_merge_roundtrip(samples: Path, tmp_path: Path) -> None:
    out = tmp_path / "imp"
    code = main(
        [
            "import",
            "bandit",
            str(samples / "bandit" / "defectdojo__many_vulns.json"),
            "--output-dir",
            str(out),
            "--quiet",
            "--fail-on",
            "high",
        ]
    )
    data = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(data)
    assert code == (1 if any(f["severity"] in ("high", "critical") for f in data["findings"]) else 0)
    assert data["summary"]["gate"]["exit_code"] == code
    rerender = tmp_path / "again"
    assert (
        main(
            [
                "report",
                str(out / "secscan.json"),
                "--output-dir",
                str(rerender),
                "--format",
                "md,html,sarif",
                "--quiet",
            ]
        )
        == 0
    )
    assert {p.name for p in rerender.iterdir()} == {"secscan.md", "secscan.html", "secscan.sarif"}
    other = tmp_path / "imp2"
    main(
        [
            "import",
            "semgrep",
            str(samples / "semgrep" / "defectdojo__many_findings.json"),
            "--output-dir",
            str(other),
            "--quiet",
        ]
    )
    merged = tmp_path / "merged"
    main(
        [
            "merge",
            str(out / "secscan.json"),
            str(other / "secscan.json"),
            "--output-dir",
            str(merged),
            "--quiet",
        ]
    )
    m = json.loads((merged / "secscan.json").read_text("utf-8"))
    validate(m)
    first = json.loads((other / "secscan.json").read_text("utf-8"))
    assert {f["fingerprint"] for f in data["findings"]} | {f["fingerprint"] for f in first["findings"]} >= {
        f["fingerprint"] for f in m["findings"]
    }
    assert len(m["findings"]) >= max(len(data["findings"]), len(first["findings"]))


def test_report_of_garbage_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "r.json"
    bad.write_text('{"schema_version": "1", "findings": []}', "utf-8")
    assert main(["report", str(bad), "--output-dir", str(tmp_path / "o")]) == 2
    assert "not a secscan report" in capsys.readouterr().err


@pytest.mark.slow
def test_imports_join_a_scan_and_bad_import_is_a_failed_entry(
    samples: Path, insecure_tree: Path, tmp_path: Path
) -> None:
    trivy = samples / "trivy" / "defectdojo__scheme_2_many_vulns.json"
    bad = tmp_path / "bad.json"
    bad.write_text('{"results": [', "utf-8")
    out = tmp_path / "o"
    code = main(
        [
            "all",
            str(insecure_tree),
            "--scanners",
            "bandit",
            "--import",
            f"trivy={trivy}",
            "--import",
            f"bandit={bad}",
            "--output-dir",
            str(out),
            "--no-cache",
            "--quiet",
        ]
    )
    data = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(data)
    names = {s["name"]: s for s in data["scanners"]}
    assert names["bandit"]["status"] == "ok"
    imported = next(s for n, s in names.items() if n.startswith("trivy (import"))
    assert imported["status"] == "ok" and imported["findings"] > 0
    broken = next(s for n, s in names.items() if n.startswith("bandit (import"))
    assert broken["status"] == "failed" and "bad.json" in broken["reason"]
    assert any("trivy" in f["sources"] for f in data["findings"])
    assert any("bandit" in f["sources"] for f in data["findings"])
    assert code in (1, 3)  # the broken import makes the run incomplete unless findings fail it first
