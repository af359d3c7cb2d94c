"""The own engine's checksum verdict for a value any source reported (analyzers/secrets/verdict.py): tokens
built with their provider check pass, the same tokens with one character changed fail, values that are not
such a token have no verdict. Every token is generated here (tests/support/token_checksums.py)."""

from __future__ import annotations

import random

import pytest
from token_checksums import crc_token, pypi_token

from secscan.analyzers.secrets.verdict import checksum_verdict
from secscan.core.model import Severity

RNG = random.Random(77)


def _flip(tok: str) -> str:
    return tok[:-1] + ("A" if tok[-1] != "A" else "B")


@pytest.mark.parametrize("prefix,rule", [
    ("ghp_", "secscan.github-pat"), ("gho_", "secscan.github-oauth-token"),
    ("ghu_", "secscan.github-app-token"), ("ghs_", "secscan.github-app-token"),
    ("ghr_", "secscan.github-refresh-token"), ("npm_", "secscan.npm-token")])
def test_crc_tokens(prefix: str, rule: str) -> None:
    for _ in range(20):
        tok = crc_token(prefix, RNG)
        good, bad = checksum_verdict(tok), checksum_verdict(_flip(tok))
        assert good is not None and good.valid and good.pattern.rule_id == rule
        assert good.label == "crc32-base62: valid" and good.pattern.severity is Severity.CRITICAL
        assert bad is not None and not bad.valid and bad.label == "crc32-base62: invalid"


def test_pypi_macaroon() -> None:
    tok = pypi_token(RNG)
    good, cut = checksum_verdict(tok), checksum_verdict(tok[:-6])
    assert good is not None and good.valid and good.pattern.rule_id == "secscan.pypi-token"
    assert cut is not None and not cut.valid


def test_the_value_may_follow_an_assignment_prefix_or_carry_a_comment() -> None:
    tok = crc_token("npm_", RNG)
    for value in (f"_authToken={tok}", f"{tok} # ci token", f'token: "{tok}'):
        v = checksum_verdict(value)
        assert v is not None and v.valid, value
    assert checksum_verdict(f"_authToken={_flip(tok)}") is not None


@pytest.mark.parametrize("value", [
    "a-long-password-without-any-provider-shape", "x" + crc_token("ghp_", RNG),
    "see ghp_ token docs", "ghp_short", "AKIA2E0A8F3B244C9986"])
def test_values_without_a_checksum_rule_have_no_verdict(value: str) -> None:
    assert checksum_verdict(value) is None
