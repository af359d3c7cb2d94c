"""One placeholder policy for every secret source (issue 23): documented example keys, templates and
placeholders, and integrity hashes (SRI, CSP, lockfile integrity, pinned pre-commit revs, pip hashes,
checksums files) stay in the report as suppressed ('placeholder' / 'integrity hash'), through detect-secrets'
real output and the own engine; a real token next to them is still a finding that counts."""

from __future__ import annotations

import base64
import random
import shutil
from pathlib import Path

import pytest
from run_cli import run_cli
from token_checksums import crc_token

from secscan.core.model import Category, Finding, Location, Severity
from secscan.results import placeholders as pol

RNG = random.Random(2023)


def _b64(n: int) -> str:
    return base64.b64encode(bytes(RNG.randrange(256) for _ in range(n))).decode()


def _hex(n: int) -> str:
    return "".join(RNG.choice("0123456789abcdef") for _ in range(n))


def noise_files() -> dict[str, str]:
    """Real-form files whose long strings are integrity hashes, and lines with placeholder credentials."""
    return {
        "web/index.html": (f'<script src="https://cdn.example.org/lib.min.js" integrity="sha384-{_b64(48)}" '
                           'crossorigin="anonymous"></script>\n'
                           f"<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'self' "
                           f"'sha256-{_b64(32)}'\">\n"),
        "package-lock.json": ('{\n  "packages": {\n    "node_modules/left-pad": {\n'
                              '      "version": "1.3.0",\n'
                              f'      "integrity": "sha512-{_b64(64)}"\n    }}\n  }}\n}}\n'),
        "yarn.lock": f'left-pad@^1.3.0:\n  version "1.3.0"\n  integrity sha512-{_b64(64)}\n',
        ".pre-commit-config.yaml": ("repos:\n  - repo: https://github.com/PyCQA/bandit\n"
                                    f"    rev: {_hex(40)}\n    hooks:\n      - id: bandit\n"),
        "requirements.txt": f"requests==2.31.0 \\\n    --hash=sha256:{_hex(64)}\n",
        "SHA256SUMS": f"{_hex(64)}  secscan-1.0.tar.gz\n",
        "settings.py": ('AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n'
                        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n'
                        'password = "changeme"\n'
                        'api_token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n'
                        'SECRET_KEY = "${APP_SECRET_KEY}"\n'
                        'db_password = "{{ vault_db_password }}"\n'
                        'auth_key = "<your-api-key-here>"\n'),
    }


@pytest.mark.parametrize("path,line", [
    ("index.html", f'<link href="a.css" integrity="sha256-{_b64(32)}" rel="stylesheet">'),
    ("nginx.conf", f"add_header Content-Security-Policy \"style-src 'sha512-{_b64(64)}'\";"),
    ("package-lock.json", f'      "integrity": "sha1-{_b64(20)}",'),
    ("pnpm-lock.yaml", f"    resolution: {{integrity: sha512-{_b64(64)}}}"),
    (".pre-commit-config.yaml", f"    rev: '{_hex(40)}'  # frozen: v1.7.0"),
    ("requirements.txt", f"    --hash=sha256:{_hex(64)}"),
    ("poetry.lock", f'    {{file = "a-1.0.whl", hash = "sha256:{_hex(64)}"}},'),
    ("Pipfile.lock", f'                "sha256:{_hex(64)}",'),
    ("SHA256SUMS", f"{_hex(64)} *app.tar.gz"),
    ("dist/app.tar.gz.sha512", f"{_hex(128)}  app.tar.gz"),
    ("go.sum", f"golang.org/x/text v0.3.0 h1:{_b64(32)}"),
    (".github/workflows/ci.yml", f"      - uses: actions/checkout@{_hex(40)} # v4"),
])
def test_integrity_hashes_are_recognised(path: str, line: str) -> None:
    assert pol.judge(path, line, None) == pol.INTEGRITY


@pytest.mark.parametrize("path,line", [
    ("settings.py", f'SECRET = "{_hex(40)}"'),
    ("deploy.yaml", f"    rev: {_hex(40)}"),  # rev: outside a pre-commit file
    ("notes.txt", f"token {_hex(64)} for the mirror"),
])
def test_other_hex_strings_are_not_integrity_hashes(path: str, line: str) -> None:
    assert pol.judge(path, line, None) is None


@pytest.mark.parametrize("value", [
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "changeme", "x" * 32,
    "${APP_SECRET_KEY}", "{{ vault_db_password }}", "<your-api-key-here>", "1234567890abcdefgh",
    "aaaaaaaaaaaaaaaa", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"])
def test_placeholder_values(value: str) -> None:
    assert pol.judge("a.py", f'key = "{value}"', value) == pol.PLACEHOLDER


def test_real_values_are_kept() -> None:
    tok = crc_token("ghp_", RNG)
    assert pol.judge("a.py", f'GITHUB_TOKEN = "{tok}"', tok) is None


def _finding(path: str, line: int, source: str, value: str | None) -> Finding:
    from secscan.analyzers.secrets.redact import secret_hash

    return Finding(f"{source}.x", "secret", "masked", Severity.HIGH, "high", Category.SECRET, (source,),
                   Location(path, line, line), secret_hash=secret_hash(value) if value else None)


def test_every_source_gets_the_same_policy(tmp_path: Path) -> None:
    """Trivy reports no hash: a documented example on its line is still recognised; an imported report of
    a file that is not here is left as it is."""
    (tmp_path / "a.env").write_text("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_KEY=AKIA2E0A8F3B244C9986\n")
    found = [_finding("a.env", 1, "trivy", None),
             _finding("a.env", 1, "detect-secrets", "AKIAIOSFODNN7EXAMPLE"),
             _finding("a.env", 2, "secscan-secrets", "AKIA2E0A8F3B244C9986"),
             _finding("gone.env", 1, "gitlab", "x")]
    out, notes = pol.apply(found, tmp_path)
    assert [(f.suppressed, f.suppression.reason if f.suppression else None) for f in out] == [
        (True, "placeholder"), (True, "placeholder"), (False, None), (False, None)]
    assert out[0].suppression is not None and out[0].suppression.kind == "policy"
    assert notes == ["2 secret finding(s) suppressed by the placeholder policy (2 placeholder); they stay in "
                     "the report"]


@pytest.mark.skipif(shutil.which("detect-secrets") is None, reason="detect-secrets ships with secscan")
def test_detect_secrets_real_output_goes_through_the_policy(tmp_path: Path) -> None:
    tree = tmp_path / "app"
    for rel, text in noise_files().items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    real = crc_token("ghp_", RNG)
    (tree / "deploy.env").write_text(f"GITHUB_TOKEN={real}\n")
    code, report = run_cli("secrets", tree, tmp_path / "out", "--offline", "--no-canary", "--fail-on", "high",
                           "--scanners", "detect-secrets,secscan-secrets")
    findings = report["findings"]
    by_file: dict[str, list[dict]] = {}
    for f in findings:
        by_file.setdefault(f["location"]["path"], []).append(f)
    ds_noise = [f for f in findings
                if "detect-secrets" in f["sources"] and f["location"]["path"] != "deploy.env"]
    assert ds_noise, "detect-secrets reported none of the noise: the test proves nothing"
    for f in ds_noise:
        assert f["suppressed"] and f["suppression"]["kind"] == "policy", f
        assert f["suppression"]["reason"] in ("placeholder", "integrity hash"), f
    aws = [f for f in by_file.get("settings.py", []) if f["location"]["start_line"] == 1]
    assert aws and all(f["suppressed"] and f["suppression"]["reason"] == "placeholder" for f in aws)
    reasons = {f["suppression"]["reason"] for f in ds_noise}
    assert reasons == {"placeholder", "integrity hash"}
    kept = by_file["deploy.env"]
    assert len(kept) == 1 and not kept[0]["suppressed"] and kept[0]["severity"] == "critical"
    assert {"secscan-secrets", "detect-secrets"} <= set(kept[0]["sources"])
    assert code == 1  # the real token fails the gate; the suppressed noise does not count
