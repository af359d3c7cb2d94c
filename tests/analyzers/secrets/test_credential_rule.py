"""The bundled semgrep hard-coded-credential rule never fires on comments, and where it fires on a secret
that secscan-secrets also reports, the two are one finding with both sources (real semgrep). A secret in a
comment is still reported by secscan-secrets."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from run_cli import run_cli
from token_corpus import token

from secscan.analyzers.secrets import load_patterns

pytestmark = pytest.mark.skipif(shutil.which("semgrep") is None, reason="semgrep ships with secscan")
HF = next(p for p in load_patterns() if p.id == "huggingface-access-token")


def _app(rng: random.Random) -> tuple[str, str, str]:
    code, note = token(HF, rng), token(HF, rng)
    text = (f'HF_TOKEN = "{code}"\n'  # 1: semgrep (name) + secscan-secrets (format): one finding
            f'# example: {{"api_key": "{note}"}}\n'  # 2: a comment: secscan-secrets only
            f'    #   "password": "Xk9mP2vL5qR8wNt3"\n'  # 3: a comment: nothing from semgrep
            f'x = 1  # "token": "Rt5Yp9LmQ2wE8nVb"\n'  # 4: a trailing comment: nothing from semgrep
            'DEFAULTS = {"secret": "Hj3Kl9PqW2eR7tYu"}  # defaults\n')  # 5: code: semgrep
    return text, code, note


def test_comment_lines_are_not_credentials_but_secrets_in_them_are(tmp_path: Path) -> None:
    text, _code, _note = _app(random.Random(11))
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(text)
    code, report = run_cli("all", tmp_path / "app", tmp_path / "out", "--offline", "--no-canary",
                           "--fail-on", "never", "--scanners", "semgrep,secscan-secrets")
    assert code in (0, 3), report["scanners"]
    assert all(s["status"] == "ok" for s in report["scanners"] if s["name"] in ("semgrep", "secscan-secrets"))
    by_line: dict[int, list[dict]] = {}
    for f in report["findings"]:
        by_line.setdefault(f["location"]["start_line"], []).append(f)
    semgrep_lines = {ln for ln, fs in by_line.items() for f in fs if "semgrep" in f["sources"]}
    assert semgrep_lines == {1, 5}
    (one,) = by_line[1]
    assert set(one["sources"]) == {"semgrep", "secscan-secrets"}
    merged = {m["rule_id"] for m in one["properties"].get("merged_from", [])}
    assert {"secscan.huggingface-access-token", "secscan.python.hardcoded-credential"} <= merged
    (comment,) = by_line[2]
    assert comment["sources"] == ["secscan-secrets"]
    assert comment["rule_id"] == "secscan.huggingface-access-token"
