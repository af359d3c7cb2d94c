"""A real `secscan all` run: every canary detected, and no canary finding in any report or count."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.formats.json_report import validate
from secscan.scanners import canaries
from tests.conftest import INSECURE_PY

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, Path]:
    missing = [t for t in ("bandit", "semgrep", "detect-secrets") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    root = tmp_path_factory.mktemp("leak")
    tree = root / "proj"
    tree.mkdir()
    (tree / "app.py").write_text(INSECURE_PY, "utf-8")
    key = "AKIA" + "Q7ZR" + "K3MB" + "X2LW" + "N5TJ"  # a real-looking key id that is not the canary's
    (tree / "deploy.ini").write_text(f"[aws]\naws_access_key_id = {key}\n", "utf-8")
    out = root / "out"
    code = main(["all", str(tree), "--offline", "--no-cache", "--quiet", "--output-dir", str(out),
                 "--format", "json,md,html,sarif", "--fail-on", "never"])
    return code, tree, out


def test_real_tools_pass_their_canaries(full_run: tuple[int, Path, Path]) -> None:
    code, _tree, out = full_run
    rep = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(rep)
    by_name = {s["name"]: s for s in rep["scanners"]}
    for name in ("bandit", "semgrep", "detect-secrets", "secscan-secrets"):
        assert by_name[name]["status"] == "ok" and by_name[name]["canary"] == "detected", by_name[name]
    assert by_name["bandit"]["coverage"]["files_scanned"] == 1  # app.py, not the canary
    assert by_name["semgrep"]["coverage"]["files_scanned"] == 1
    assert by_name["detect-secrets"]["coverage"]["files_scanned"] == 2
    assert code == 0


def test_no_canary_finding_in_any_report(full_run: tuple[int, Path, Path]) -> None:
    _code, tree, out = full_run
    written = {p.suffix: p.read_text("utf-8") for p in out.iterdir() if p.name.startswith("secscan.")}
    assert set(written) == {".json", ".md", ".html", ".sarif"}
    needles = [*canaries.CANARY_FILE_NAMES, ".secscan-canary", canaries.fake_aws_key_id(), "SECSCANCANARY"]
    for suffix, text in written.items():
        for needle in needles:
            assert needle not in text, f"{needle} leaked into secscan{suffix}"
    rep = json.loads(written[".json"])
    # the real planted problems are there, so the grep above was not vacuous
    assert {f["location"]["path"] for f in rep["findings"]} == {"app.py", "deploy.ini"}
    assert "deploy.ini" in written[".sarif"] and "app.py" in written[".md"] and "app.py" in written[".html"]
    assert sum(rep["summary"]["counts"].values()) == len(rep["findings"])  # counts hold no canary
    assert sum(s["findings"] for s in rep["scanners"] if s["name"] in ("bandit", "semgrep")) > 0
    assert not any(p.name.startswith(".secscan-canary") for p in tree.iterdir())
