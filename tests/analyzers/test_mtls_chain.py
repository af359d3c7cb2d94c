"""Chain inspection, name matching, PKI and small parsing helpers of the mTLS check (no sockets)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from secscan.analyzers.mtls.chain import inspect, inspect_chain, name_matches, weak_key
from secscan.analyzers.mtls.check import make_target_spec, parse_target
from secscan.analyzers.mtls.pki import SPIFFE_CLIENT, SPIFFE_SERVER, build_self_test_pki
from secscan.analyzers.mtls.tlsio import alert_name
from secscan.core.errors import UsageError

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def test_self_test_pki_shapes() -> None:
    pki = build_self_test_pki()
    now = dt.datetime.now(dt.UTC)
    assert pki.expired.cert.not_valid_after_utc < now
    assert pki.not_yet_valid.cert.not_valid_before_utc > now
    eku = pki.no_client_auth.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH not in eku and ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert pki.other_ca_client.cert.issuer == pki.other_ca.cert.subject != pki.ca.cert.subject
    assert pki.self_signed.cert.issuer == pki.self_signed.cert.subject
    server = inspect(pki.server.cert, now)
    assert server.spiffe_ids == (SPIFFE_SERVER,) and server.ip_addresses == ("127.0.0.1",)
    assert inspect(pki.client.cert, now).spiffe_ids == (SPIFFE_CLIENT,)
    assert server.key_type == "EC" and server.curve == "secp256r1" and not server.is_ca
    assert inspect(pki.ca.cert, now).is_ca


def _rsa_cert(bits: int, digest: hashes.SHA256) -> x509.Certificate:
    key = rsa.generate_private_key(65537, bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "weak")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=10))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.svc.example"),
                                                        x509.UniformResourceIdentifier("SPIFFE://td/x")]),
                           critical=False)
            .sign(key, digest))


def test_rsa_1024_inspected_as_weak() -> None:
    info = inspect_chain([_rsa_cert(1024, hashes.SHA256()).public_bytes(serialization.Encoding.DER)], NOW)[0]
    assert (info.key_type, info.key_size, info.days_to_expiry) == ("RSA", 1024, 10)
    assert info.signature_algorithm == "sha256WithRSAEncryption"
    assert weak_key(info) == "RSA key of 1024 bits (minimum 2048)"
    assert info.spiffe_ids == ("SPIFFE://td/x",)


@pytest.mark.parametrize(("name", "expected"), [
    ("a.svc.example", True), ("A.SVC.EXAMPLE.", True), ("svc.example", False), ("a.b.svc.example", False),
    ("127.0.0.1", False),
])
def test_name_matching_wildcards(name: str, expected: bool) -> None:
    info = inspect(_rsa_cert(2048, hashes.SHA256()), NOW)
    assert name_matches(info, name) is expected


def test_name_matching_ip() -> None:
    info = inspect(build_self_test_pki().server.cert, NOW)
    assert name_matches(info, "127.0.0.1") and not name_matches(info, "127.0.0.2")
    assert name_matches(info, "localhost") and not name_matches(info, "localhost2")


@pytest.mark.parametrize(("text", "alert"), [
    ("tlsv13 alert certificate required", "certificate_required"),
    ("tlsv1 alert unknown ca", "unknown_ca"),
    ("tls alert certificate expired", "certificate_expired"),
    ("sslv3 alert bad certificate", "bad_certificate"),
    ("unexpected eof while reading", None),
])
def test_alert_names(text: str, alert: str | None) -> None:
    assert alert_name(text) == alert


@pytest.mark.parametrize(("text", "expected"), [
    ("example.org:443", ("example.org", 443)), ("[::1]:8443", ("::1", 8443)), ("10.0.0.1:1", ("10.0.0.1", 1)),
])
def test_parse_target(text: str, expected: tuple[str, int]) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["example.org", "example.org:0", "example.org:70000", ":443", "host:https"])
def test_parse_target_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_target(text)


def test_make_target_spec_needs_files(tmp_path: object) -> None:
    with pytest.raises(UsageError, match="--ca"):
        make_target_spec("h:1", None, "c", "k")
    with pytest.raises(UsageError, match="no such file"):
        make_target_spec("h:1", "/nonexistent/ca.pem", "/nonexistent/c", "/nonexistent/k")
