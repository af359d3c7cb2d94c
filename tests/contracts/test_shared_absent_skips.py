"""Without ../shared, the tests parametrised over its sample files skip with the README's ``[shared]`` tag
(never pytest's untagged "got empty parameter set"): a child pytest runs them in a copy of the tests whose
parent folder has no ``shared``."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OVER_SAMPLES = {
    "tests/parsers/test_parsers_bandit.py": "test_every_sample_keeps_every_record_and_maps_severity",
    "tests/parsers/test_parsers_detect_secrets.py": "test_every_scan_sample_keeps_every_record",
    "tests/parsers/test_parsers_gitlab.py": "test_every_sample_keeps_every_vulnerability_and_maps_severity",
    "tests/parsers/test_parsers_npm_audit.py": "test_every_sample_keeps_every_advisory_and_maps_severity",
    "tests/parsers/test_parsers_pip_audit.py": "test_every_sample_keeps_every_record",
    "tests/parsers/test_parsers_semgrep.py": "test_every_sample_keeps_every_record_and_maps_severity",
    "tests/parsers/test_parsers_trivy.py": "test_every_sample_keeps_every_record_and_maps_severity",
    "tests/contracts/test_gitlab_e2e.py": "test_import_real_gitlab_samples",
}


def test_sample_parametrised_tests_skip_with_the_shared_tag_when_shared_is_absent(tmp_path: Path) -> None:
    copy = tmp_path / "project"  # tmp_path has no "shared" beside "project"
    shutil.copytree(ROOT / "tests", copy / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    assert not (copy.parent / "shared").exists()
    ids = [f"{f}::{fn}" for f, fn in OVER_SAMPLES.items()]
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *ids],
                         cwd=copy, capture_output=True, text=True, timeout=300, check=False)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    skipped = re.findall(r"^SKIPPED \[\d+\] (\S+?):\d+: (.*)$", out, re.M)
    assert "empty parameter set" not in out, out
    assert sorted(f for f, _ in skipped) == sorted(OVER_SAMPLES), out
    assert all(reason.startswith("[shared] no ") for _, reason in skipped), skipped
    assert "8 skipped" in out, out
