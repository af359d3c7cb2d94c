"""Server chain inspection: expiry, key type and size, signature algorithm, SANs (SPIFFE included)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from secscan.analyzers.mtls.results import CertInfo

# Minimum acceptable key sizes (bits); smaller is a weak-key finding.
MIN_KEY_BITS: dict[str, int] = {"RSA": 2048, "EC": 256, "DSA": 2048}
# Signature hashes that are broken for certificates.
WEAK_SIGNATURE_HASHES = frozenset({"md5", "sha1"})


def _key(cert: x509.Certificate) -> tuple[str, int | None, str | None]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size, key.curve.name
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, None
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456, None
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size, None
    return type(key).__name__, None, None


def _signature(cert: x509.Certificate) -> str:
    oid = cert.signature_algorithm_oid
    name = getattr(oid, "_name", None)
    return str(name) if name and name != "Unknown OID" else oid.dotted_string


def _sans(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return (), (), ()
    return (tuple(ext.get_values_for_type(x509.DNSName)),
            tuple(str(i) for i in ext.get_values_for_type(x509.IPAddress)),
            tuple(ext.get_values_for_type(x509.UniformResourceIdentifier)))


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def inspect(cert: x509.Certificate, now: dt.datetime) -> CertInfo:
    """The facts about one certificate, with days to expiry counted from now (aware, UTC)."""
    key_type, key_size, curve = _key(cert)
    dns, ips, uris = _sans(cert)
    not_after = cert.not_valid_after_utc
    return CertInfo(
        subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc.isoformat(), not_after=not_after.isoformat(),
        days_to_expiry=(not_after - now).days, key_type=key_type, key_size=key_size, curve=curve,
        signature_algorithm=_signature(cert), dns_names=dns, ip_addresses=ips, uris=uris,
        is_ca=_is_ca(cert))


def inspect_chain(ders: Sequence[bytes], now: dt.datetime | None = None) -> tuple[CertInfo, ...]:
    """CertInfo for each DER certificate, leaf first."""
    when = now or dt.datetime.now(dt.UTC)
    return tuple(inspect(x509.load_der_x509_certificate(d), when) for d in ders)


def weak_key(info: CertInfo) -> str | None:
    """Why the key is weak, or None."""
    if info.key_type == "DSA":
        return f"DSA key ({info.key_size} bits): DSA is deprecated for TLS"
    floor = MIN_KEY_BITS.get(info.key_type)
    if floor is not None and info.key_size is not None and info.key_size < floor:
        return f"{info.key_type} key of {info.key_size} bits (minimum {floor})"
    return None


def weak_signature(info: CertInfo) -> str | None:
    """Why the signature algorithm is weak, or None."""
    lowered = info.signature_algorithm.lower()
    for digest in sorted(WEAK_SIGNATURE_HASHES):
        if lowered.startswith(digest) or f"with{digest}" in lowered or f"-{digest}" in lowered:
            return f"signed with {info.signature_algorithm}"
    return None


def _dns_match(pattern: str, name: str) -> bool:
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:] and rest.count(".") >= 1
    return pattern == name


def name_matches(info: CertInfo, name: str) -> bool:
    """True when the leaf's SANs cover name (DNS with one-label wildcards, or an IP address)."""
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return any(_dns_match(p, name) for p in info.dns_names)
    return any(ipaddress.ip_address(a) == ip for a in info.ip_addresses)
