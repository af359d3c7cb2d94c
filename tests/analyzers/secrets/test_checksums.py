"""Provider checksums: GitHub/npm CRC32-base62, PyPI macaroons, JWT; a token failing its check is not
reported (measured in the corpus test), one passing it carries 'valid'."""

from __future__ import annotations

import base64
import random

from token_checksums import crc_token, pypi_token

from secscan.analyzers.secrets import SecretEngine, load_patterns
from secscan.analyzers.secrets import checksums as cs

ENGINE = SecretEngine(load_patterns(), "auto")


def test_crc32_base62_accepts_built_tokens_and_rejects_any_changed_character() -> None:
    rng = random.Random(5)
    for prefix in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_"):
        tok = crc_token(prefix, rng)
        assert cs.crc32_base62(tok)
        for i in range(len(prefix), len(tok)):
            other = "A" if tok[i] != "A" else "B"
            assert not cs.crc32_base62(tok[:i] + other + tok[i + 1:])


def test_pypi_macaroon_structure() -> None:
    rng = random.Random(6)
    tok = pypi_token(rng)
    assert tok.startswith("pypi-AgEIcHlwaS5vcmc") and cs.pypi_macaroon(tok)
    assert cs.pypi_macaroon(pypi_token(rng, b"test.pypi.org"))
    assert not cs.pypi_macaroon(pypi_token(rng, b"evil.example"))
    assert not cs.pypi_macaroon(tok[:-4])  # signature cut short
    assert not cs.pypi_macaroon("pypi-AgEIcHlwaS5vcmc" + "A" * 80)


def test_jwt_and_base64_checks() -> None:
    def enc(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    head, body, nohead = enc(b'{"alg":"HS256"}'), enc(b'{"sub":"1"}'), enc(b'{"typ":"x"}')
    assert cs.jwt(f"{head}.{body}.sig") and not cs.jwt(f"{nohead}.{body}.s") and not cs.jwt("eyJx.eyJy.z")
    assert cs.base64_64(base64.b64encode(bytes(64)).decode()) and not cs.base64_64("AAAA")


def test_engine_reports_valid_and_drops_broken_checksums() -> None:
    rng = random.Random(8)
    tok = crc_token("ghp_", rng)
    bad = tok[:-1] + ("x" if tok[-1] != "x" else "y")
    found = ENGINE.scan_bytes("ci.yml", f"GH_TOKEN={tok}\nGH_OLD={bad}\n".encode())
    assert [(f.rule_id, f.location.start_line) for f in found] == [("secscan.github-pat", 1)]
    assert found[0].properties["checksum"] == "crc32-base62: valid"
    pypi = pypi_token(rng)
    assert [f.rule_id for f in ENGINE.scan_bytes(".pypirc", f"password = {pypi}\n".encode())] == \
        ["secscan.pypi-token"]
