"""One checksum policy for every secret source (issue 23), through detect-secrets' real output: generated
GitHub, npm and PyPI tokens with a good and a bad provider checksum. A bad checksum is suppressed
('bad checksum', kind policy: visible, never counted) whichever tool found it; a good one is critical even
when only detect-secrets ran (it calls a GitHub token high); every token is its own finding (detect-secrets
hashes only a GitHub token's prefix: that hash never makes all tokens of a kind one secret)."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from run_cli import run_cli
from token_checksums import crc_token, pypi_token

from secscan.core.model import Category, Finding, Location, Severity
from secscan.results import secret_checks

RNG = random.Random(4242)
pytestmark = pytest.mark.skipif(shutil.which("detect-secrets") is None,
                                reason="detect-secrets ships with secscan")


def _flip(tok: str) -> str:
    return tok[:-1] + ("A" if tok[-1] != "A" else "B")


def _tree(root: Path) -> dict[str, tuple[str, bool]]:
    """Each token in its own file (detect-secrets reports one hit per plugin and file): path -> kind, good."""
    where: dict[str, tuple[str, bool]] = {}
    for i in range(3):
        for good in (True, False):
            gh, npm, pypi = crc_token("ghp_", RNG), crc_token("npm_", RNG), pypi_token(RNG)
            files = {f"gh{i}{good}/deploy.env": ("github", f"GH_TOKEN={gh if good else _flip(gh)}\n"),
                     f"npm{i}{good}/.npmrc": ("npm", "//registry.npmjs.org/:_authToken="
                                                     f"{npm if good else _flip(npm)}\n"),
                     f"py{i}{good}/pypirc.ini": ("pypi", f"password = {pypi if good else pypi[:-6]}\n")}
            for rel, (kind, text) in files.items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(text)
                where[rel] = (kind, good)
    return where


def _by_path(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        for p in f["properties"].get("places") or [f["location"]]:
            out.setdefault(p["path"], []).append(f)
    return out


@pytest.mark.parametrize("scanners", ["detect-secrets,secscan-secrets", "detect-secrets"])
def test_bad_checksums_are_suppressed_and_good_ones_critical_whatever_the_source(tmp_path: Path,
                                                                                 scanners: str) -> None:
    where = _tree(tmp_path / "app")
    code, report = run_cli("secrets", tmp_path / "app", tmp_path / "out", "--offline", "--no-canary",
                           "--fail-on", "critical", "--scanners", scanners)
    found = _by_path(report)
    for rel, (kind, good) in where.items():
        hits = found.get(rel, [])
        assert len(hits) == 1, (rel, hits)  # one finding per token, never all GitHub tokens as one
        f = hits[0]
        assert "detect-secrets" in f["sources"], f
        assert f["properties"].get("place_count", 1) == 1, f
        if good:
            assert not f["suppressed"] and f["severity"] == "critical", (rel, f)
            assert f["properties"]["checksum"].endswith(": valid"), f
        else:
            assert f["suppressed"], (rel, f)
            assert (f["suppression"]["kind"], f["suppression"]["reason"]) == ("policy", "bad checksum"), f
            assert f["properties"]["checksum"].endswith(": invalid"), f
    assert code == 1  # the good tokens fail the gate; the bad ones do not count
    raised = [f for f in report["findings"] if f["properties"].get("checksum_raised_from")]
    if scanners == "detect-secrets":  # detect-secrets calls a GitHub token high: critical once it verifies
        assert {f["properties"]["checksum_raised_from"] for f in raised} == {"high"} and len(raised) == 9


def test_judge_leaves_values_without_a_checksum_rule_alone() -> None:
    f = Finding("detect-secrets.KeywordDetector", "Secret Keyword", "m", Severity.MEDIUM, "Secret Keyword",
                Category.SECRET, ("detect-secrets",), Location("a.py", 1, 1))
    assert secret_checks.judge(f, "correct-horse-battery") == (f, None)
    tok = crc_token("ghp_", RNG)
    out, reason = secret_checks.judge(f, tok)
    assert reason is None and out.severity is Severity.CRITICAL
    assert out.properties["checksum_rule"] == "secscan.github-pat"
    assert out.properties["checksum_raised_from"] == "medium"
    assert secret_checks.judge(f, _flip(tok))[1] == secret_checks.BAD_CHECKSUM


def test_prefix_token_is_the_one_token_of_that_prefix_on_the_line() -> None:
    a, b = crc_token("ghp_", RNG), crc_token("ghp_", RNG)
    assert secret_checks.prefix_token(f"X={a}", "ghp") == a
    assert secret_checks.prefix_token(f"X={a} Y={b}", "ghp") is None  # two tokens: which one is unknown
    assert secret_checks.prefix_token(f"X={a}", "gho") is None
    gl = "glpat-" + "".join(RNG.choice("abcdefghijkmnpqrstuvwxyzABCDEFGH0123456789") for _ in range(20))
    assert secret_checks.prefix_token(f"token: {gl}", "glpat") == gl
    routable = "glpat-" + "".join(RNG.choice("abcdefghijkmnpqrstuvwxyz0123456789_-") for _ in range(27)) + \
        ".01" + "".join(RNG.choice("0123456789abcdef") for _ in range(7))
    assert secret_checks.prefix_token(f"token: {routable}", "glpat") == routable  # the whole routable token
