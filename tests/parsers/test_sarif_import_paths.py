"""Imported outputs with absolute paths: inside the target they become target-relative (SARIF
``uri`` + ``%SRCROOT%``, same fingerprint as a scanned finding); outside it, an absolute ``file://`` URI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.formats.sarif import _artifact

CODE = "import subprocess\n\n\ndef run(c):\n    subprocess.call(c, shell=True)\n"


@pytest.mark.skipif(shutil.which("bandit") is None, reason="bandit is not installed")
def test_absolute_paths_in_an_import(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text(CODE, "utf-8")
    elsewhere = tmp_path / "other" / "lib.py"
    elsewhere.parent.mkdir()
    elsewhere.write_text(CODE, "utf-8")
    raw = subprocess.run(["bandit", "-f", "json", "-q", str(root / "app.py"), str(elsewhere)],
                         capture_output=True, check=False).stdout
    assert str(root / "app.py") in raw.decode()  # bandit reports absolute paths here
    (tmp_path / "bandit.json").write_bytes(raw)
    out = tmp_path / "out"
    main(["sast", str(root), "--scanners", "bandit", "--import", f"bandit={tmp_path / 'bandit.json'}",
          "--no-cache", "--quiet", "--output-dir", str(out), "--format", "json,sarif", "--fail-on", "never"])
    rep = json.loads((out / "secscan.json").read_text("utf-8"))
    b602 = [f for f in rep["findings"] if f["rule_id"] == "B602"]
    paths = sorted(f["location"]["path"] for f in b602)
    assert paths == sorted(["app.py", str(elsewhere)])
    # the imported and the scanned finding are one (they had two places before: /abs/app.py and app.py)
    assert len([f for f in b602 if f["location"]["path"] == "app.py"]) == 1
    sarif = json.loads((out / "secscan.sarif").read_text("utf-8"))
    artifacts = [loc["physicalLocation"]["artifactLocation"] for r in sarif["runs"][0]["results"]
                 for loc in r["locations"]]
    uris = {a["uri"]: a for a in artifacts}
    assert uris["app.py"]["uriBaseId"] == "%SRCROOT%"
    assert "uriBaseId" not in uris[f"file://{elsewhere}"]


@pytest.mark.parametrize(("path", "expected"), [
    ("src/a b.py", {"uri": "src/a%20b.py", "uriBaseId": "%SRCROOT%"}),
    ("/opt/app/x.py", {"uri": "file:///opt/app/x.py"}),
    ("C:\\proj\\app.py", {"uri": "file:///C:/proj/app.py"}),
    ("C:/proj/app.py", {"uri": "file:///C:/proj/app.py"}),
])
def test_artifact_uris(path: str, expected: dict[str, str]) -> None:
    assert _artifact(path) == expected


def test_windows_paths_inside_a_windows_target() -> None:
    from secscan.core.model import Category, Finding, Location, ScannerResult, Severity, Status
    from secscan.run.execute import ScannerRun
    from secscan.run.imports import within_target

    class WindowsTarget:  # what str() and resolve() of a Windows path give
        def __str__(self) -> str:
            return "c:\\Proj"

        def resolve(self) -> WindowsTarget:
            return self

    f = Finding(rule_id="B602", title="t", message="m", severity=Severity.HIGH, raw_severity="HIGH",
                category=Category.SAST, sources=("bandit",), location=Location("C:\\Proj\\src\\app.py", 3, 3))
    (run,) = within_target([ScannerRun(ScannerResult("bandit", Status.OK), (f,))], WindowsTarget())  # type: ignore[arg-type]
    assert run.findings[0].location is not None and run.findings[0].location.path == "src/app.py"
