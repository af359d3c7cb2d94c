"""Real tools blinded by the scanned repository's own configuration are failed by their canaries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from secscan.core.model import ScannerResult
from secscan.core.options import ScanOptions
from secscan.core.resources import rules_path
from secscan.run.engine import scan

pytestmark = pytest.mark.slow


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")


def run_one(tree: Path, name: str, **extra: str) -> tuple[int, ScannerResult]:
    opts = ScanOptions(target=tree, command="all", scanners=(name,), use_cache=False, offline=True,
                       extra=dict(extra))
    result = scan(opts)
    return result.gate.exit_code, next(s for s in result.scanners if s.name == name)


# ---------------------------------------------------------------- bandit configuration in the target

@pytest.mark.parametrize(("ini", "caught"), [
    ("[bandit]\nskips = B602,B301,B403,B404,B506,B324\n", True),
    ("[bandit]\ntests = B101\n", True),  # an allow-list that leaves none of the canary's tests
    ("[bandit]\nskips = B602\n", False),
    ("[bandit]\ntests = B602,B324\n", False),
])
def test_bandit_ini_configuration(insecure_tree: Path, ini: str, caught: bool) -> None:
    need("bandit")
    (insecure_tree / ".bandit").write_text(ini, "utf-8")
    code, s = run_one(insecure_tree, "bandit")
    if caught:
        assert s.status.value == "failed" and s.canary == "missing", s
        assert "canary not detected: the configuration disables every expected check" in (s.reason or "")
        assert code == 3
    else:
        assert s.status.value == "ok" and s.canary == "detected", s
        assert code == 0


# ---------------------------------------------------------------- detect-secrets baseline in the target

def _baseline(tree: Path, plugins: list[dict[str, object]]) -> None:
    doc = {"version": "1.5.0", "plugins_used": plugins, "filters_used": [], "results": {},
           "generated_at": "2026-01-01T00:00:00Z"}
    (tree / ".secrets.baseline").write_text(json.dumps(doc), "utf-8")


@pytest.mark.parametrize(("plugins", "caught"), [
    ([], "no detect-secrets plugins enabled"),  # the parser already refuses an empty plugin list
    ([{"name": "KeywordDetector"}, {"name": "Base64HighEntropyString", "limit": 4.5}],
     "canary not detected: the configuration disables every expected check (aws-key); "
     ".secrets.baseline plugins_used (2 plugin(s)) has no AWSKeyDetector"),
    ([{"name": "AWSKeyDetector"}, {"name": "KeywordDetector"}], None),
])
def test_detect_secrets_baseline(insecure_tree: Path, plugins: list[dict[str, object]], caught: str | None
                                 ) -> None:
    need("detect-secrets")
    _baseline(insecure_tree, plugins)
    before = (insecure_tree / ".secrets.baseline").read_bytes()
    code, s = run_one(insecure_tree, "detect-secrets")
    assert (insecure_tree / ".secrets.baseline").read_bytes() == before  # never modified
    if caught:
        assert s.status.value == "failed" and caught in (s.reason or ""), s
        assert code == 3
    else:
        assert s.status.value == "ok" and s.canary == "detected", s
        assert s.coverage["files_scanned"] == 3 and s.coverage["baseline_settings"] == 1  # + the baseline
        assert code == 0


# ---------------------------------------------------------------- semgrep rules folder

def _rules(tmp_path: Path, extra: dict[str, str], bundled: bool = True) -> Path:
    folder = tmp_path / "rules"
    if bundled:
        shutil.copytree(rules_path("semgrep"), folder)
    else:
        folder.mkdir()
    for name, text in extra.items():
        (folder / name).write_text(text, "utf-8")
    return folder


@pytest.mark.parametrize(("extra", "bundled", "reason"), [
    ({"zz-broken.yaml": "rules:\n  - id: broken\n    pattern: [unclosed\n"}, True, "semgrep exited 7"),
    ({"empty.yaml": "rules: []\n"}, False, "no rules loaded from"),
])
def test_semgrep_rules_folder_that_cannot_work(insecure_tree: Path, tmp_path: Path, extra: dict[str, str],
                                               bundled: bool, reason: str) -> None:
    need("semgrep")
    code, s = run_one(insecure_tree, "semgrep", semgrep_rules=str(_rules(tmp_path, extra, bundled)))
    assert s.status.value == "failed" and reason in (s.reason or ""), s
    assert code == 3


def test_semgrep_rules_subset_passes_on_what_it_enables(insecure_tree: Path, tmp_path: Path) -> None:
    need("semgrep")
    deser = (rules_path("semgrep") / "python-deserialization.yaml").read_text("utf-8")
    code, s = run_one(insecure_tree, "semgrep",
                      semgrep_rules=str(_rules(tmp_path, {"deser.yaml": deser}, bundled=False)))
    assert s.status.value == "ok" and s.canary == "detected", s
    assert code == 0
