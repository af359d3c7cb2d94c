"""A throwaway PKI (EC keys) for the mTLS self-test and tests: CA, server, and good and bad clients."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SPIFFE_SERVER = "spiffe://secscan.test/server"
SPIFFE_CLIENT = "spiffe://secscan.test/client"


@dataclass(frozen=True)
class Credential:
    """A certificate and its private key, both PEM."""

    name: str
    cert_pem: bytes
    key_pem: bytes

    @property
    def cert(self) -> x509.Certificate:
        """The parsed certificate."""
        return x509.load_pem_x509_certificate(self.cert_pem)

    def write(self, folder: Path) -> tuple[Path, Path]:
        """Write NAME.pem and NAME.key into folder; returns both paths."""
        cert_path, key_path = folder / f"{self.name}.pem", folder / f"{self.name}.key"
        cert_path.write_bytes(self.cert_pem)
        key_path.write_bytes(self.key_pem)
        key_path.chmod(0o600)
        return cert_path, key_path


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "secscan self-test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


VALIDITY = dt.timedelta(days=90)


def new_ca(cn: str, name: str = "ca") -> Credential:
    """A self-signed CA valid from an hour ago for VALIDITY."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Credential(name, cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def issue(ca: Credential | None, cn: str, name: str, *, usages: tuple[x509.ObjectIdentifier, ...],
          dns: tuple[str, ...] = (), ips: tuple[str, ...] = (), uris: tuple[str, ...] = (),
          not_before: dt.timedelta = dt.timedelta(hours=-1),
          not_after: dt.timedelta = VALIDITY) -> Credential:
    """A leaf certificate signed by ca (self-signed when ca is None); offsets are relative to now."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    issuer_key = key if ca is None else serialization.load_pem_private_key(ca.key_pem, None)
    issuer_name = _name(cn) if ca is None else ca.cert.subject
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    sans += [x509.UniformResourceIdentifier(u) for u in uris]
    builder = (x509.CertificateBuilder()
               .subject_name(_name(cn)).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + not_before).not_valid_after(now + not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=False, crl_sign=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if ca is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.cert.public_key()),  # type: ignore[arg-type]
            critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())  # type: ignore[arg-type]
    return Credential(name, cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def self_signed_client(cn: str = "intruder", name: str = "self-signed") -> Credential:
    """A fresh self-signed client certificate that no server should trust."""
    return issue(None, cn, name, usages=(ExtendedKeyUsageOID.CLIENT_AUTH,))


@dataclass(frozen=True)
class SelfTestPki:
    """Every credential the self-test needs."""

    ca: Credential
    server: Credential
    client: Credential
    other_ca: Credential
    other_ca_client: Credential
    expired: Credential
    not_yet_valid: Credential
    no_client_auth: Credential
    self_signed: Credential

    def write(self, folder: Path) -> dict[str, tuple[Path, Path]]:
        """Write every credential into folder; name -> (cert path, key path)."""
        creds = (self.ca, self.server, self.client, self.other_ca, self.other_ca_client, self.expired,
                 self.not_yet_valid, self.no_client_auth, self.self_signed)
        return {c.name: c.write(folder) for c in creds}


def build_self_test_pki() -> SelfTestPki:
    """A fresh CA, a server certificate for localhost/127.0.0.1, and six kinds of client certificate."""
    client_auth = (ExtendedKeyUsageOID.CLIENT_AUTH,)
    ca = new_ca("secscan test CA")
    other = new_ca("secscan other CA", name="other-ca")
    day = dt.timedelta(days=1)
    return SelfTestPki(
        ca=ca,
        server=issue(ca, "localhost", "server", usages=(ExtendedKeyUsageOID.SERVER_AUTH,),
                     dns=("localhost",), ips=("127.0.0.1",), uris=(SPIFFE_SERVER,)),
        client=issue(ca, "client", "client", usages=client_auth, uris=(SPIFFE_CLIENT,)),
        other_ca_client=issue(other, "client", "other-ca-client", usages=client_auth),
        other_ca=other,
        expired=issue(ca, "client", "expired", usages=client_auth, not_before=-2 * day,
                      not_after=-day),
        not_yet_valid=issue(ca, "client", "not-yet-valid", usages=client_auth, not_before=day,
                            not_after=2 * day),
        no_client_auth=issue(ca, "client", "no-client-auth", usages=(ExtendedKeyUsageOID.SERVER_AUTH,)),
        self_signed=self_signed_client(),
    )
