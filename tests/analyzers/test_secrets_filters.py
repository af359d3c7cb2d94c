"""secscan-secrets false-positive filters: placeholders, generic noise, file kinds, allow-list comments."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from secret_samples import positive_samples

from secscan.analyzers.secrets import ScanOptions, SecretEngine, filters, load_patterns

SAMPLE = {s.pattern: s for s in positive_samples()}
GH = SAMPLE["github-pat"]


@pytest.fixture(scope="module")
def engine() -> SecretEngine:
    return SecretEngine(load_patterns(), "keywords")


@pytest.mark.parametrize(("value", "expected"), [
    ("AKIAIOSFODNN7" + "EXAMPLE", True),
    ("xxxxxxxxxxxx", True),
    ("${DB_PASSWORD}", True),
    ("{{ secret_key }}", True),
    ("<token>", True),
    ("changeme", True),
    ("your-api-key-here", True),
    ("dummy-value-12", True),
    ("aaaaaaaaaaaaaaaa", True),
    ("ghp_" + "a" * 36, True),
    ("password", True),
    ("$SECRET", True),
    ("abcdefgh1234", True),
    ("Zq8#Lm2!Rt5Kw9Vb", False),
    (GH.value, False),
])
def test_is_placeholder(value: str, expected: bool) -> None:
    assert filters.is_placeholder(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("settings.SECRET_KEY", True),
    ("raw_password", True),
    ("FORBIDDEN_VALUE2", True),
    ("userPassword", True),
    ("AdminPasswordChangeForm", True),
    ("django-insecure-", True),
    ("custom_admin/password_change_form.html", True),
    ("c4d77c62-6196-4f17-a06b-c462cffae87a", True),
    ("pbkdf2_sha256$30000$Vo0VlMnk$qEvtdyZR=", True),
    ("somelowercaseword", True),
    ("mypassword1", True),
    ("superS3cret", True),
    ("Zq8#Lm2!Rt5Kw9Vb", False),
    ("hV7pQ2xL9mR4tW6z", False),
])
def test_generic_noise(value: str, expected: bool) -> None:
    assert filters.generic_noise(value) is expected


@pytest.mark.parametrize("word", ["test", "FAKE", "dummy", "sample", "Mock"])
def test_test_words(word: str) -> None:
    assert filters.has_test_word(f"x{word}y")
    assert not filters.has_test_word("Zq8#Lm2!Rt5Kw9Vb")


def test_shannon_entropy() -> None:
    assert filters.shannon_entropy("") == 0.0
    assert filters.shannon_entropy("aaaa") == 0.0
    assert filters.shannon_entropy("ab") == 1.0
    assert math.isclose(filters.shannon_entropy("0123456789abcdef"), 4.0)


def test_binary_and_minified_detection() -> None:
    assert filters.is_binary(b"abc\0def")
    assert not filters.is_binary(b"a" * 9000 + b"\0")  # NUL only after the first 8 KiB
    assert filters.is_minified("static/app.min.js", b"x")
    long_lines = (b"x" * 900 + b"\n") * 10
    assert filters.is_minified("app.js", long_lines)
    assert not filters.is_minified("app.js", (b"x" * 80 + b"\n") * 100)


def _write(tmp: Path, name: str, data: bytes) -> str:
    p = tmp / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return name


def test_skipped_files_are_counted_not_scanned(tmp_path: Path, engine: SecretEngine) -> None:
    line = GH.line.encode() + b"\n"
    files = [
        _write(tmp_path, "ok.env", line),
        _write(tmp_path, "blob.bin", b"\0\1\2" + line),
        _write(tmp_path, "vendor/lib.min.js", line),
        _write(tmp_path, "bundle.js", (b"y" * 2000 + b"\n") * 4 + line),
        _write(tmp_path, "big.txt", line + b"z" * 20000),
        "missing.txt",
    ]
    (tmp_path / "adir").mkdir()
    files.append("adir")
    res = engine.scan_paths(tmp_path, files, ScanOptions(max_file_size=16384))
    assert [f.location.path for f in res.findings if f.location] == ["ok.env"]
    # big.txt (one 20 KB line) is streamed, then judged minified like any file of such long lines
    assert res.coverage == {"files_scanned": 1, "files_skipped_binary": 1, "files_skipped_large": 0,
                            "files_skipped_minified": 3, "files_unreadable": 2, "files_streamed": 0,
                            "files_decoded": 0}


def test_max_file_size_default_is_2_mib(tmp_path: Path, engine: SecretEngine) -> None:
    name = _write(tmp_path, "big.txt", GH.line.encode() + b"\n" + (b"q" * 79 + b"\n") * 25000)
    assert engine.scan_paths(tmp_path, [name]).coverage["files_scanned"] == 1
    name = _write(tmp_path, "bigger.txt", GH.line.encode() + b"\n" + (b"q" * 79 + b"\n") * 25000)
    res = engine.scan_paths(tmp_path, [name], ScanOptions.from_mapping({"max_file_size": 1024 * 1024}))
    assert res.coverage["files_streamed"] == 1 and [f.rule_id for f in res.findings] == ["secscan.github-pat"]


@pytest.mark.parametrize("comment", [
    "  # pragma: allowlist secret", "  // pragma: allowlist secret", "  # secscan: ignore",
    "  // secscan: ignore", "  /* secscan: ignore */",
])
def test_allowlist_comment_on_the_line(engine: SecretEngine, comment: str) -> None:
    assert engine.scan_bytes("a", GH.line.encode())
    assert engine.scan_bytes("a", (GH.line + comment).encode()) == []


@pytest.mark.parametrize("comment", ["# pragma: allowlist nextline secret", "// secscan: ignore-next-line"])
def test_allowlist_comment_on_the_line_before(engine: SecretEngine, comment: str) -> None:
    data = f"x = 1\n{comment}\n{GH.line}\n{GH.line}\n".encode()
    findings = engine.scan_bytes("a", data)
    assert [f.location.start_line for f in findings if f.location] == [4]


def test_a_real_key_whose_base64_spells_a_placeholder_word_is_still_found() -> None:
    """About 1 in 150 random 2048-bit RSA keys has "xxxx" or "dummy" in its base64 body; such a key is
    real (its body is one well-formed DER SEQUENCE) and must not be taken for a placeholder."""
    import base64

    from secscan.analyzers.secrets.engine import scan_bytes
    from secscan.analyzers.secrets.filters import is_real_key_block

    content = b"\x00" + b"\xc7\x1c\x71" * 2 + bytes(range(256)) * 4  # after 9 bytes, c7 1c 71 is "xxxx"
    inner = b"\x04\x82" + len(content).to_bytes(2, "big") + content
    der = b"\x30\x82" + len(inner).to_bytes(2, "big") + inner
    body = base64.b64encode(der).decode()
    assert "xxxx" in body
    pem = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(body[i:i + 64] for i in range(0, len(body), 64)) \
        + "\n-----END RSA PRIVATE KEY-----\n"
    assert is_real_key_block(pem)
    assert [f.rule_id for f in scan_bytes("id_rsa.pem", pem.encode())] == ["secscan.private-key"]
    fake = pem.replace(body[:64], "MIIEpAIBAAKCAQEAEXAMPLEKEYEXAMPLEKEYEXAMPLEKEYEXAMPLEKEYEXAMPLEKEY")
    assert not is_real_key_block(fake) and scan_bytes("id_rsa.pem", fake.encode()) == []
