"""The parsers on fresh output of the REAL tools (bandit, semgrep, detect-secrets) over planted problems.

Each tool runs once per module (module fixtures); the tests only read the parsed result.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from secscan.core.model import Category, Parsed, Severity, Status
from secscan.parsers import bandit, detect_secrets, semgrep
from secscan.parsers.interface import Parser

pytestmark = pytest.mark.slow

APP = """\
import pickle
import subprocess


def run(cmd):
    return subprocess.call(cmd, shell=True)


def load(blob):
    return pickle.loads(blob)


def calc(expr):
    return eval(expr)
"""

RULES = """\
rules:
  - id: planted-eval
    languages: [python]
    severity: ERROR
    message: eval() on data
    pattern: eval(...)
    metadata:
      cwe: "CWE-95: Eval Injection"
      confidence: HIGH
  - id: planted-pickle
    languages: [python]
    severity: WARNING
    message: pickle deserialization
    pattern: pickle.loads(...)
    metadata:
      cwe: ["CWE-502: Deserialization of Untrusted Data"]
  - id: planted-shell
    languages: [python]
    severity: CRITICAL
    message: shell=True
    pattern: subprocess.call(..., shell=True)
"""

# A well-formed fake AWS access key id (AKIA + 16 upper-case letters/digits), not AWS's "EXAMPLE" key.
FAKE_AWS_KEY = "AKIA" + "QZ7LM3XW9KT2RBNV"
CREDS = f'AWS_ACCESS_KEY_ID = "{FAKE_AWS_KEY}"\n'
KEYFILE = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"


@dataclass
class Run:
    parsed: Parsed
    returncode: int
    stderr: str


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")


def _run(argv: list[str], cwd: Path, parser: Parser, env: dict[str, str] | None = None) -> Run:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=300, env={**os.environ, **(env or {})},
                          check=False)
    return Run(parser(proc.stdout, " ".join(argv)), proc.returncode, proc.stderr.decode("utf-8", "replace"))


@pytest.fixture(scope="module")
def code_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fresh")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(APP)
    (root / "broken").mkdir()
    (root / "broken" / "app.py").write_text(APP)
    (root / "broken" / "old.py").write_text('print "python 2 only"\n')
    (root / "rules").mkdir()
    (root / "rules" / "planted.yaml").write_text(RULES)
    (root / "secrets").mkdir()
    (root / "secrets" / "creds.py").write_text("import os\n\n" + CREDS)
    (root / "secrets" / "id_rsa.pem").write_text(KEYFILE)
    return root


# --- bandit -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bandit_clean(code_dir: Path) -> Run:
    _need("bandit")
    return _run(["bandit", "-f", "json", "-q", "-r", "src"], code_dir, bandit.parse)


@pytest.fixture(scope="module")
def bandit_broken(code_dir: Path) -> Run:
    _need("bandit")
    return _run(["bandit", "-f", "json", "-q", "-r", "broken"], code_dir, bandit.parse)


def test_bandit_planted_findings(bandit_clean: Run) -> None:
    got = {(f.rule_id, f.location.start_line) for f in bandit_clean.parsed.findings if f.location}
    assert {("B602", 6), ("B301", 10), ("B307", 14)} <= got
    b602 = next(f for f in bandit_clean.parsed.findings if f.rule_id == "B602")
    assert b602.severity is Severity.HIGH and b602.raw_severity == "HIGH"  # HIGH/HIGH in the table
    assert b602.identifiers == ("CWE-78",) and b602.snippet == "    return subprocess.call(cmd, shell=True)"
    assert b602.location is not None and b602.location.path == "src/app.py"
    b307 = next(f for f in bandit_clean.parsed.findings if f.rule_id == "B307")
    assert b307.severity is Severity.MEDIUM and b307.properties["confidence"] == "HIGH"
    assert bandit_clean.parsed.status is Status.OK and bandit_clean.parsed.coverage["files_scanned"] == 1
    assert bandit_clean.returncode == 1


def test_bandit_syntax_error_is_partial_and_names_the_file(bandit_broken: Run) -> None:
    parsed = bandit_broken.parsed
    assert parsed.status is Status.PARTIAL and parsed.reason is not None and "broken/old.py" in parsed.reason
    assert {f.rule_id for f in parsed.findings} >= {"B602", "B301", "B307"}
    assert parsed.coverage["errors"] == 1 and parsed.coverage["files_scanned"] == 1


# --- semgrep ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def semgrep_run(code_dir: Path) -> Run:
    _need("semgrep")
    argv = ["semgrep", "scan", "--config", "rules/planted.yaml", "--json", "--metrics=off",
            "--disable-version-check", "src"]
    env = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
    return _run(argv, code_dir, semgrep.parse, env)


def test_semgrep_planted_findings(semgrep_run: Run) -> None:
    parsed = semgrep_run.parsed
    got = {(f.title, f.location.start_line, f.severity) for f in parsed.findings if f.location}
    assert got == {("planted-eval", 14, Severity.HIGH), ("planted-pickle", 10, Severity.MEDIUM),
                   ("planted-shell", 6, Severity.CRITICAL)}
    assert all(f.rule_id.endswith("." + f.title) or f.rule_id == f.title for f in parsed.findings)
    ev = next(f for f in parsed.findings if f.title == "planted-eval")
    assert ev.identifiers == ("CWE-95",) and ev.properties["confidence"] == "HIGH"
    assert ev.raw_severity == "ERROR"
    assert ev.location is not None and ev.location.path == "src/app.py" and ev.category is Category.SAST
    assert parsed.status is Status.OK and parsed.coverage["files_scanned"] == 1
    assert parsed.version and parsed.version[0].isdigit()


# --- detect-secrets -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def secrets_run(code_dir: Path) -> Run:
    _need("detect-secrets")
    return _run(["detect-secrets", "scan", "--all-files", "secrets"], code_dir, detect_secrets.parse)


def test_detect_secrets_planted_findings(secrets_run: Run) -> None:
    parsed = secrets_run.parsed
    aws = [f for f in parsed.findings if f.rule_id == "detect-secrets.AWSKeyDetector"]
    assert len(aws) == 1 and aws[0].severity is Severity.CRITICAL and aws[0].category is Category.SECRET
    assert aws[0].location is not None and (aws[0].location.path, aws[0].location.start_line) == (
        "secrets/creds.py", 3)
    assert aws[0].secret_hash == hashlib.sha1(FAKE_AWS_KEY.encode()).hexdigest()
    assert FAKE_AWS_KEY not in repr(parsed.findings)
    key = [f for f in parsed.findings if f.rule_id == "detect-secrets.PrivateKeyDetector"]
    assert len(key) == 1 and key[0].location is not None and key[0].location.start_line == 1
    assert parsed.status is Status.OK and parsed.coverage["plugins"] >= 20
    assert parsed.coverage["files_with_findings"] == 2
