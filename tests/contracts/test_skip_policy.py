"""The CI skip policy: only reasons the README lists (by tag) are accepted, conditions included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import skip_policy
from skip_policy import judge, listed_tags, tag_of


def test_readme_lists_the_impossible_reasons() -> None:
    assert {"docker", "trivy", "network", "liboqs", "shared"} <= listed_tags()


def test_tag_of_reads_pytest_reasons() -> None:
    assert tag_of("Skipped: [trivy] trivy is not on PATH") == "trivy"
    assert tag_of("[liboqs] no liboqs shared library found") == "liboqs"
    assert tag_of("bandit is not installed") is None


def test_unlisted_and_conditional_reasons_are_refused(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    line, refused = judge(["Skipped: [docker] no engine", "Skipped: chromium missing",
                           "Skipped: chromium missing"], {"docker"})
    assert line == "skips: 3 (docker 1, unlisted 2)" and refused == ["Skipped: chromium missing"]
    assert judge([], {"docker"}) == ("skips: 0 (none)", [])
    readme = tmp_path / "README.md"
    readme.write_text("# x\n### Tests that may skip\n- `[liboqs]` no library\n- `[docker]` no engine\n"
                      "## next\n- `[network]` not in the section\n")
    assert listed_tags(readme) == {"liboqs", "docker"}
    present, absent = tmp_path / "present", tmp_path / "absent"
    present.mkdir()
    monkeypatch.setitem(skip_policy.CONDITIONS, "liboqs", present)
    assert skip_policy.accepted_tags(readme) == {"docker"}  # ../shared/liboqs is there: liboqs must run
    monkeypatch.setitem(skip_policy.CONDITIONS, "liboqs", absent)
    assert skip_policy.accepted_tags(readme) == {"docker", "liboqs"}


def test_probe_skips_when_asked() -> None:
    """Probe for the end-to-end test below: skips only when the probe variable asks it to."""
    probe = os.environ.get("SECSCAN_SKIP_POLICY_PROBE")
    if probe == "unlisted":
        pytest.skip("chromium is not installed")
    if probe == "listed":
        pytest.skip("[docker] no Docker engine on this machine kind")


@pytest.mark.parametrize(("probe", "strict", "code"), [("unlisted", "1", 1), ("listed", "1", 0),
                                                        ("unlisted", "0", 0)])
def test_strict_mode_fails_the_run_on_an_unlisted_skip(probe: str, strict: str, code: int) -> None:
    env = {**os.environ, "SECSCAN_SKIP_POLICY_PROBE": probe, "SECSCAN_STRICT_SKIPS": strict}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           f"{__file__}::test_probe_skips_when_asked"], capture_output=True, text=True,
                          env=env, cwd=Path(__file__).parents[2], timeout=120)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "skips: 1 (" in proc.stdout
    assert ("skip not accepted in CI" in proc.stdout) == (code == 1)
