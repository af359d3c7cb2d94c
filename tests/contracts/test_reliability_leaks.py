"""Leaks: secrets of every supported type planted in a tree never reach a report (json, md, html, sarif,
gitlab), a log record, the cache, or the terminal (in-process CLI and a subprocess run). Secrets in places
other than secret findings (bandit B105/B106/B107 messages, the semgrep credentials rule, a file name, a
pip-audit or Trivy message) are masked by enrich.redact_findings.
"""

from __future__ import annotations

import html
import io
import json
import logging
import os
import random
import string
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from secret_samples import positive_samples
from token_checksums import crc_token

from secscan.cli.main import main
from secscan.core.model import Category, Finding, Location, Package, Severity
from secscan.formats.markdown import md
from secscan.results.enrich import redact_findings

SCANNERS = "bandit,semgrep,detect-secrets,secscan-secrets"
FORMATS = "json,md,html,sarif,gitlab"
REPORTS = (
    "secscan.json",
    "secscan.md",
    "secscan.html",
    "secscan.sarif",
    "gl-sast-report.json",
    "gl-dependency-scanning-report.json",
    "gl-secret-detection-report.json",
)
_rng = random.Random(8)


def _pw(n: int = 20) -> str:
    return "Qz" + "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(n - 4)) + "7%"


# Credentials that SAST rules (not secret scanners) report: bandit B105/B106/B107, semgrep's credentials rule.
B105, B106, B107, DICT_PW = _pw(), _pw(), _pw(), _pw()
PATH_TOKEN = crc_token("ghp_", _rng)  # with the CRC32 checksum secscan-secrets checks
SAST_PY = f'''import subprocess

db_password = "{B105}"


def connect(user, password="{B107}"):
    return subprocess.call(user, shell=True)


connect("admin", password="{B106}")
SETTINGS = {{"api_token": "{DICT_PW}"}}
'''


def planted_values() -> list[str]:
    values = [s.value for s in positive_samples()] + [B105, B106, B107, DICT_PW, PATH_TOKEN]
    out = []
    for v in values:  # a private key leaks line by line too
        out += [v, *(ln for ln in v.splitlines() if len(ln) >= 16 and "-----" not in ln)]
    return list(dict.fromkeys(out))


def encodings(value: str) -> set[str]:
    """How a value would look in each output: raw, JSON-escaped, HTML-escaped, Markdown-escaped, in a URI."""
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=True)[1:-1],
        html.escape(value),
        md(value, limit=10_000),
        quote(value, safe="/@+"),
        value.replace("/", "\\/"),
    }


VALUES = planted_values()


def leaks(text: str) -> list[str]:
    return [v[:6] + "..." for v in VALUES if any(e in text for e in encodings(v))]


def build_tree(root: Path) -> Path:
    root.mkdir()
    for i, s in enumerate(positive_samples()):
        (root / f"conf_{i:02d}_{s.pattern}.env").write_text(s.line + "\n", "utf-8")
    (root / "settings.py").write_text(SAST_PY, "utf-8")
    (root / f"{PATH_TOKEN}.py").write_text(
        "import subprocess\nsubprocess.call(input(), shell=True)\n", "utf-8"
    )
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same tree scanned in process (cache on, logging captured at DEBUG) and as a subprocess."""
    base = tmp_path_factory.mktemp("leaks")
    tree = build_tree(base / "tree")
    out1, out2, cache = base / "out1", base / "out2", base / "cache"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root_logger = logging.getLogger()
    old_level = root_logger.level
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.DEBUG)
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(stdout), redirect_stderr(stderr):
            code = main(
                [
                    "all",
                    str(tree),
                    "--offline",
                    "--scanners",
                    SCANNERS,
                    "--format",
                    FORMATS,
                    "--output-dir",
                    str(out1),
                    "--cache-dir",
                    str(cache),
                    "--fail-on",
                    "never",
                ]
            )
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(old_level)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "secscan.cli.main",
            "all",
            str(tree),
            "--offline",
            "--scanners",
            SCANNERS,
            "--format",
            FORMATS,
            "--output-dir",
            str(out2),
            "--no-cache",
        ],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        cwd=base,
    )
    return {
        "code": code,
        "out1": out1,
        "out2": out2,
        "cache": cache,
        "log": stream.getvalue(),
        "stdout": stdout.getvalue(),
        "stderr": stderr.getvalue(),
        "proc": proc,
    }


@pytest.mark.slow
def test_the_secrets_were_found(runs: dict[str, Any]) -> None:
    """Without this, a scan that found nothing would pass every leak test below."""
    rep = json.loads((runs["out1"] / "secscan.json").read_text("utf-8"))
    assert runs["code"] == 0 and runs["proc"].returncode == 1, runs["proc"].stderr  # fail-on never / critical
    found = {f["rule_id"] for f in rep["findings"]} | {
        m["rule_id"] for f in rep["findings"] for m in f.get("properties", {}).get("merged_from", [])
    }
    for sample in positive_samples():
        assert f"secscan.{sample.pattern}" in found, sample.pattern
    assert {"B105", "B106", "B107", "secscan.python.hardcoded-credential"} <= found
    assert any(PATH_TOKEN[:4] in (f["location"] or {}).get("path", "") for f in rep["findings"])


@pytest.mark.slow
@pytest.mark.parametrize("run", ["out1", "out2"])
@pytest.mark.parametrize("name", REPORTS)
def test_no_secret_in_any_report(runs: dict[str, Any], run: str, name: str) -> None:
    text = (runs[run] / name).read_text("utf-8")
    assert not leaks(text), f"{name}: {leaks(text)}"


@pytest.mark.slow
@pytest.mark.parametrize("stream", ["stdout", "stderr", "log", "subprocess stdout", "subprocess stderr"])
def test_no_secret_on_the_terminal_or_in_logs(runs: dict[str, Any], stream: str) -> None:
    text = {"subprocess stdout": runs["proc"].stdout, "subprocess stderr": runs["proc"].stderr}.get(
        stream
    ) or runs.get(stream, "")
    if stream in ("stdout", "subprocess stdout"):
        assert "Findings:" in text  # the full summary was printed (and checked)
    assert not leaks(text), f"{stream}: {leaks(text)}"


@pytest.mark.slow
def test_no_secret_in_the_cache(runs: dict[str, Any]) -> None:
    blobs = [p.read_bytes().decode("utf-8", "replace") for p in runs["cache"].rglob("*") if p.is_file()]
    assert blobs, "the cache was not written"
    bad = [v for b in blobs for v in leaks(b)]
    assert not bad, f"cache holds: {bad}"


def _finding(
    rule: str,
    title: str,
    message: str,
    category: Category = Category.SAST,
    snippet: str | None = None,
    path: str = "app.py",
    source: str = "bandit",
) -> Finding:
    return Finding(
        rule,
        title,
        message,
        Severity.MEDIUM,
        "MEDIUM",
        category,
        (source,),
        location=Location(path, 3, 3),
        snippet=snippet,
    )


SECRET = "Zr8" + "pQ4mX7kL2vN9cB5" + "hT1"
GH = crc_token("ghp_", random.Random(239))
# name -> a finding with a secret where a non-secret scanner put it; every one must come out masked.
ELSEWHERE: dict[str, Finding] = {
    "bandit B105 message": _finding(
        "B105",
        "hardcoded_password_string",
        f"Possible hardcoded password: '{SECRET}'",
        snippet=f'pw = "{SECRET}"',
    ),
    "bandit B106 message": _finding(
        "B106",
        "hardcoded_password_funcarg",
        f"Possible hardcoded password: '{SECRET}'",
        snippet=f'connect(password="{SECRET}")',
    ),
    "bandit B107 message": _finding(
        "B107", "hardcoded_password_default", f"Possible hardcoded password: '{SECRET}'"
    ),
    "semgrep credentials snippet": _finding(
        "secscan.python.hardcoded-credential",
        "hardcoded-credential",
        "A credential (db_pw) is assigned a string literal.",
        snippet=f'db_pw = "{SECRET}"',
        source="semgrep",
    ),
    "semgrep message quoting the value": _finding(
        "secscan.python.hardcoded-credential",
        "hardcoded-credential",
        f'A credential (api_token = "{SECRET}") is assigned.',
        source="semgrep",
    ),
    "file path with a token": _finding(
        "B602", "subprocess_popen_with_shell_equals_true", "shell=True", path=f"deploy/{GH}/run.py"
    ),
    "pip-audit description with a token": Finding(
        "PYSEC-2099-1",
        "requests",
        f"Example exploit: curl -H 'Authorization: token {GH}' https://x",
        Severity.HIGH,
        "HIGH",
        Category.DEPENDENCY,
        ("pip-audit",),
        package=Package("requests", "2.0.0"),
    ),
    "trivy misconfiguration message": _finding(
        "AVD-DS-0031",
        "Secrets passed via build-args",
        f"ENV DB_PASSWORD={SECRET} exposes a secret",
        category=Category.MISCONFIGURATION,
        source="trivy",
    ),
    "trivy secret match": _finding(
        "github-pat",
        "GitHub Personal Access Token",
        f"Match: GITHUB_TOKEN={GH}",
        category=Category.SECRET,
        source="trivy",
        snippet=f"GITHUB_TOKEN={GH}",
    ),
}


@pytest.mark.parametrize("case", sorted(ELSEWHERE))
def test_redact_findings_masks_secrets_outside_secret_findings(case: str) -> None:
    (f,) = redact_findings([ELSEWHERE[case]])
    text = json.dumps(
        [
            f.title,
            f.message,
            f.snippet,
            f.location.path if f.location else None,
            f.remediation,
            dict(f.properties),
        ]
    )
    assert SECRET not in text and GH not in text, text
    assert "********" in text  # masked, not dropped


def test_redaction_is_idempotent() -> None:
    once = redact_findings(list(ELSEWHERE.values()))
    assert redact_findings(once) == once
