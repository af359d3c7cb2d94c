"""Test material with evidence (secscan/results/test_material.py): private keys the tree itself shows to be
for tests become medium with the reason; everything else keeps its severity. Keys and certificates are
generated here (never real credentials)."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from secscan.core.model import Category, Finding, Location, Severity
from secscan.core.serialize import provenance_from
from secscan.results import context, test_material

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(k: ec.EllipticCurvePrivateKey) -> bytes:
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(k: ec.EllipticCurvePrivateKey, cn: str, names: list[str], issuer: tuple[x509.Certificate,
         ec.EllipticCurvePrivateKey] | None = None, ca: bool = False) -> x509.Certificate:
    b = (x509.CertificateBuilder().subject_name(name(cn))
         .issuer_name(issuer[0].subject if issuer else name(cn)).public_key(k.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(NOW)
         .not_valid_after(NOW + datetime.timedelta(days=30)))
    if names:
        sans: list[x509.GeneralName] = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return b.sign(issuer[1] if issuer else k, hashes.SHA256())


def cert_pem(c: x509.Certificate) -> bytes:
    return c.public_bytes(serialization.Encoding.PEM)


def key_finding(path: str, rule: str = "detect-secrets.PrivateKeyDetector", line: int = 1) -> Finding:
    return Finding(rule, "Private Key", "m", Severity.CRITICAL, "critical", Category.SECRET,
                   ("detect-secrets",), Location(path, line, line), fingerprint="f" * 32)


def run(root: Path, findings: list[Finding]) -> list[Finding]:
    return test_material.apply(findings, root, context.Classifier(root, context.read_test_config(root)))


def write(root: Path, rel: str, data: bytes | str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)


@pytest.mark.parametrize(("host", "want"), [
    ("localhost", True), ("LOCALHOST.", True), ("api.localhost", True), ("127.0.0.1", True),
    ("127.1.2.3", True), ("::1", True), ("example.com", True), ("www.example.org", True),
    ("*.example.net", True),
    ("svc.test", True), ("host.invalid", True), ("foo.example", True),
    ("10.0.0.1", False), ("192.168.1.1", False), ("api.company.com", False), ("example.com.evil.io", False),
    ("testing.io", False), ("localhost.company.com", False), ("0.0.0.0", False), ("::", False),
])
def test_test_names_value_by_value(host: str, want: bool) -> None:
    assert test_material.is_test_name(host) is want


def test_self_signed_localhost_certificate(tmp_path: Path) -> None:
    k = key()
    write(tmp_path, "tests/certs/server.key", key_pem(k))
    write(tmp_path, "tests/certs/server.pem", cert_pem(cert(k, "localhost", ["localhost", "127.0.0.1"])))
    (f,) = run(tmp_path, [key_finding("tests/certs/server.key")])
    assert f.severity is Severity.MEDIUM
    assert f.properties["test_material"] == ("its certificate tests/certs/server.pem is self-signed for "
                                             "localhost, 127.0.0.1 only")
    assert f.properties["severity_context_from"] == "critical"


def test_a_tree_ca_its_leaf_and_the_ca_key(tmp_path: Path) -> None:
    ca_key, leaf_key = key(), key()
    ca = cert(ca_key, "Test CA", [], ca=True)
    write(tmp_path, "certs/ca.key", key_pem(ca_key))
    write(tmp_path, "certs/ca.crt", cert_pem(ca))
    write(tmp_path, "certs/server.key", key_pem(leaf_key))
    write(tmp_path, "certs/server.crt", cert_pem(cert(leaf_key, "srv", ["localhost", "::1"], (ca, ca_key))))
    found = run(tmp_path, [key_finding("certs/ca.key"), key_finding("certs/server.key")])
    got = {f.location.path: f for f in found if f.location}
    leaf = got["certs/server.key"].properties["test_material"]
    assert "issued by the tree's CA certs/ca.crt for localhost, ::1 only" in leaf
    ca_reason = got["certs/ca.key"].properties["test_material"]
    assert ca_reason.startswith("the key of the self-signed CA certs/ca.crt")
    assert {f.severity for f in got.values()} == {Severity.MEDIUM}


def test_a_csr_for_test_names(tmp_path: Path) -> None:
    k = key()
    csr = (x509.CertificateSigningRequestBuilder().subject_name(name("svc.test"))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName("svc.test")]), critical=False)
           .sign(k, hashes.SHA256()))
    write(tmp_path, "keys/svc.key", key_pem(k))
    write(tmp_path, "keys/svc.csr", csr.public_bytes(serialization.Encoding.PEM))
    (f,) = run(tmp_path, [key_finding("keys/svc.key")])
    assert f.properties["test_material"] == "its certificate request keys/svc.csr is for svc.test only"


@pytest.mark.parametrize("names", [["api.company.com"], ["localhost", "api.company.com"], ["10.0.0.1"]])
def test_a_certificate_for_a_real_name_is_no_evidence(tmp_path: Path, names: list[str]) -> None:
    k = key()
    write(tmp_path, "tests/certs/server.key", key_pem(k))
    write(tmp_path, "tests/certs/server.pem", cert_pem(cert(k, "srv", names)))
    (f,) = run(tmp_path, [key_finding("tests/certs/server.key")])
    assert f.severity is Severity.CRITICAL and "test_material" not in f.properties


def test_a_leaf_of_a_ca_outside_the_tree_is_no_evidence(tmp_path: Path) -> None:
    ca_key, leaf_key = key(), key()
    ca = cert(ca_key, "Outside CA", [], ca=True)  # its certificate is not in the tree
    write(tmp_path, "certs/server.key", key_pem(leaf_key))
    write(tmp_path, "certs/server.crt", cert_pem(cert(leaf_key, "srv", ["localhost"], (ca, ca_key))))
    (f,) = run(tmp_path, [key_finding("certs/server.key")])
    assert f.severity is Severity.CRITICAL


def test_a_certificate_of_another_key_is_no_evidence(tmp_path: Path) -> None:
    k, other = key(), key()
    write(tmp_path, "tests/server.key", key_pem(k))
    write(tmp_path, "tests/server.pem", cert_pem(cert(other, "localhost", ["localhost"])))
    (f,) = run(tmp_path, [key_finding("tests/server.key")])
    assert f.severity is Severity.CRITICAL


def test_a_key_a_test_file_loads(tmp_path: Path) -> None:
    write(tmp_path, "tests/data/client.key", key_pem(key()))
    write(tmp_path, "tests/test_tls.py", 'KEY = "tests/data/client.key"\n')
    (f,) = run(tmp_path, [key_finding("tests/data/client.key")])
    assert f.severity is Severity.MEDIUM
    assert f.properties["test_material"] == "the test file tests/test_tls.py loads it"


def test_a_key_only_product_code_loads_keeps_its_severity(tmp_path: Path) -> None:
    write(tmp_path, "tests/data/client.key", key_pem(key()))
    write(tmp_path, "src/app.py", 'KEY = "tests/data/client.key"\n')
    (f,) = run(tmp_path, [key_finding("tests/data/client.key")])
    assert f.severity is Severity.CRITICAL


def test_a_key_inside_a_test_source_file_is_matched_by_its_line(tmp_path: Path) -> None:
    k, other = key(), key()
    text = ("A = '''\n" + key_pem(other).decode() + "'''\nB = '''\n" + key_pem(k).decode() + "'''\n")
    write(tmp_path, "tests/test_keys.py", text)
    write(tmp_path, "tests/localhost.pem", cert_pem(cert(k, "localhost", ["localhost"])))
    line_b = text.splitlines().index("B = '''") + 2
    (f,) = run(tmp_path, [key_finding("tests/test_keys.py", "secscan.private-key", line_b)])
    assert f.severity is Severity.MEDIUM
    (g,) = run(tmp_path, [key_finding("tests/test_keys.py", "secscan.private-key", 2)])
    assert g.severity is Severity.CRITICAL  # the other key in the same file has no certificate


def test_provider_tokens_are_never_test_material(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_aws.py", "KEY = 'x'\n")
    f = key_finding("tests/test_aws.py", "secscan.aws-access-key-id").with_(severity=Severity.HIGH)
    assert run(tmp_path, [f]) == [f]


def test_an_unreadable_certificate_is_no_evidence(tmp_path: Path) -> None:
    k = key()
    write(tmp_path, "tests/server.key", key_pem(k))
    write(tmp_path, "tests/broken.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    (f,) = run(tmp_path, [key_finding("tests/server.key")])
    assert f.severity is Severity.CRITICAL


def test_a_key_reported_at_several_places_needs_evidence_at_each(tmp_path: Path) -> None:
    k, other = key(), key()
    write(tmp_path, "tests/a/server.key", key_pem(k))
    write(tmp_path, "tests/a/server.pem", cert_pem(cert(k, "localhost", ["localhost"])))
    write(tmp_path, "deploy/prod.key", key_pem(other))
    places = [{"path": "tests/a/server.key", "start_line": 1}, {"path": "deploy/prod.key", "start_line": 1}]
    f = key_finding("tests/a/server.key").with_(**provenance_from({"places": places, "place_count": 2}))
    (g,) = run(tmp_path, [f])
    assert g.severity is Severity.CRITICAL  # one place has no evidence: the key keeps its severity
    write(tmp_path, "deploy/prod.pem", cert_pem(cert(other, "localhost", ["127.0.0.1"])))
    (h,) = run(tmp_path, [f])
    assert h.severity is Severity.MEDIUM and h.properties["test_material"].endswith(
        "; each of its 2 places has such evidence")
