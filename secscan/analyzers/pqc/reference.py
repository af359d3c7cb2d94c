"""Independent ML-KEM facts and operations: FIPS 203 sizes, hashlib, and cryptography's ML-KEM (OpenSSL).

Nothing here touches the `oqs` module: these are what its outputs are compared against.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MlKemParams:
    """FIPS 203 sizes (bytes) of one ML-KEM parameter set; k is the module rank."""

    k: int
    pk: int
    sk: int
    ct: int
    ss: int = 32
    seed: int = 64  # d || z


FIPS203: dict[str, MlKemParams] = {
    "ML-KEM-512": MlKemParams(k=2, pk=800, sk=1632, ct=768),
    "ML-KEM-768": MlKemParams(k=3, pk=1184, sk=2400, ct=1088),
    "ML-KEM-1024": MlKemParams(k=4, pk=1568, sk=3168, ct=1568),
}
DEFAULT_ALGS: tuple[str, ...] = tuple(FIPS203)


def implicit_rejection(sk: bytes, ct: bytes) -> bytes:
    """FIPS 203 K-bar = J(z, c) = SHAKE256(z || c)[:32], with z the last 32 bytes of the secret key."""
    return hashlib.shake_256(sk[-32:] + ct).digest(32)


def sk_structure(alg: str, pk: bytes, sk: bytes) -> str | None:
    """None when sk = dk_pke || ek || H(ek) || z holds for this pk, else what is wrong."""
    p = FIPS203[alg]
    off = 384 * p.k
    if len(sk) != p.sk:
        return f"secret key is {len(sk)} bytes, FIPS 203 says {p.sk}"
    if sk[off:off + p.pk] != pk:
        return "secret key does not embed the public key (ek) at its FIPS 203 offset"
    if sk[off + p.pk:off + p.pk + 32] != hashlib.sha3_256(pk).digest():
        return "secret key does not hold SHA3-256(ek) at its FIPS 203 offset"
    return None


def _classes(alg: str) -> tuple[Any, Any] | None:
    try:
        from cryptography.hazmat.primitives.asymmetric import mlkem
    except ImportError:
        return None
    names = {"ML-KEM-768": "MLKEM768", "ML-KEM-1024": "MLKEM1024", "ML-KEM-512": "MLKEM512"}
    base = names.get(alg)
    priv = getattr(mlkem, f"{base}PrivateKey", None) if base else None
    pub = getattr(mlkem, f"{base}PublicKey", None) if base else None
    if priv is None or pub is None or not hasattr(priv, "from_seed_bytes"):
        return None
    return priv, pub


def reference_name(alg: str) -> str | None:
    """A description of the independent implementation for alg, or None when there is none."""
    if _classes(alg) is None:
        return None
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend

    return f"cryptography {cryptography.__version__} ({backend.openssl_version_text()})"


class Reference:
    """cryptography's ML-KEM for one parameter set."""

    def __init__(self, alg: str) -> None:
        found = _classes(alg)
        if found is None:
            raise LookupError(f"cryptography offers no {alg}")
        self.alg = alg
        self._priv, self._pub = found

    def public_from_seed(self, seed: bytes) -> bytes:
        """The public key (ek) derived from the 64-byte seed d || z."""
        return bytes(self._priv.from_seed_bytes(seed).public_key().public_bytes_raw())

    def encapsulate(self, pk: bytes) -> tuple[bytes, bytes]:
        """(ciphertext, shared secret) for a raw public key."""
        ss, ct = self._pub.from_public_bytes(pk).encapsulate()
        return bytes(ct), bytes(ss)

    def decapsulate(self, seed: bytes, ct: bytes) -> bytes:
        """The shared secret for ct under the key derived from seed."""
        return bytes(self._priv.from_seed_bytes(seed).decapsulate(ct))


def reference_for(alg: str) -> Reference | None:
    """The independent implementation for alg, or None."""
    try:
        return Reference(alg)
    except LookupError:
        return None
