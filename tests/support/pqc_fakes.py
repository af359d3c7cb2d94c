"""Fake `oqs` modules for the PQC tests: each must be judged for what it is (stub), never REAL."""

from __future__ import annotations

import textwrap
from pathlib import Path

BASE = '''
import hashlib, os
SIZES = {"ML-KEM-512": (2, 800, 1632, 768), "ML-KEM-768": (3, 1184, 2400, 1088),
         "ML-KEM-1024": (4, 1568, 3168, 1568)}
def oqs_version(): return "0.16.0"
def oqs_python_version(): return "0.16.0.1"
def get_enabled_kem_mechanisms(): return tuple(SIZES)
def _xor(a, b): return bytes(x ^ y for x, y in zip(a, b))
class Base:
    def __init__(self, alg, secret_key=None):
        if alg not in SIZES: raise RuntimeError(alg + " is not supported")
        self.k, self.pkl, self.skl, self.ctl = SIZES[alg]
        self.details = {"name": alg, "length_public_key": self.pkl, "length_secret_key": self.skl,
                        "length_ciphertext": self.ctl, "length_shared_secret": 32}
        self.secret_key = secret_key
    def generate_keypair(self):
        pk = os.urandom(self.pkl)
        self.secret_key = os.urandom(self.skl)
        return pk
    def export_secret_key(self): return self.secret_key
'''

FAKES = {
    # everything is random bytes of the right size
    "random": BASE + '''
class KeyEncapsulation(Base):
    def encap_secret(self, pk): return os.urandom(self.ctl), os.urandom(32)
    def decap_secret(self, ct): return os.urandom(32)
''',
    # a constant secret: the round trip "works"
    "constant": BASE + '''
class KeyEncapsulation(Base):
    def encap_secret(self, pk): return os.urandom(self.ctl), bytes(32)
    def decap_secret(self, ct): return bytes(32)
''',
    # the ciphertext carries the secret in clear
    "echo": BASE + '''
class KeyEncapsulation(Base):
    def encap_secret(self, pk):
        ss = os.urandom(32)
        return (ss + pk)[:self.ctl], ss
    def decap_secret(self, ct): return ct[:32]
''',
    # FIPS 203 sizes and key layout, real round trip, length checks; tampering gives a value that is not
    # SHAKE256(z || c'): passes the round trip but not implicit rejection
    "roundtrip": BASE + '''
class KeyEncapsulation(Base):
    def generate_keypair(self):
        pk = os.urandom(self.pkl)
        self.secret_key = os.urandom(384 * self.k) + pk + hashlib.sha3_256(pk).digest() + os.urandom(32)
        return pk
    def _mask(self, pk): return hashlib.shake_256(pk).digest(self.ctl)
    def encap_secret(self, pk):
        if len(pk) != self.pkl: raise ValueError("public key length")
        m = os.urandom(32)
        return _xor(m + os.urandom(self.ctl - 32), self._mask(pk)), hashlib.sha3_256(m + pk).digest()
    def decap_secret(self, ct):
        if len(ct) != self.ctl or len(self.secret_key) != self.skl: raise ValueError("length")
        off = 384 * self.k
        pk = self.secret_key[off:off + self.pkl]
        return hashlib.sha3_256(_xor(ct, self._mask(pk))[:32] + pk).digest()
''',
    # prints to stdout on import and on use, like liboqs-python's logger
    "noisy": BASE + '''
print("liboqs-python faulthandler is disabled")
class KeyEncapsulation(Base):
    def encap_secret(self, pk):
        print("encapsulating")
        return os.urandom(self.ctl), bytes(32)
    def decap_secret(self, ct): return bytes(32)
''',
}
# the round-trip fake plus an exact implicit rejection (a tag over the whole ciphertext detects tampering):
# every value check passes for ML-KEM-512; only "not backed by liboqs" gives it away
FAKES["perfect"] = BASE + '''
class KeyEncapsulation(Base):
    def generate_keypair(self):
        pk = os.urandom(self.pkl)
        self.secret_key = os.urandom(384 * self.k) + pk + hashlib.sha3_256(pk).digest() + os.urandom(32)
        return pk
    def _mask(self, pk): return hashlib.shake_256(pk).digest(self.ctl)
    def encap_secret(self, pk):
        if len(pk) != self.pkl: raise ValueError("public key length")
        body = os.urandom(self.ctl - 16)
        body += hashlib.sha3_256(body + pk).digest()[:16]
        return _xor(body, self._mask(pk)), hashlib.sha3_256(body[:32] + pk).digest()
    def decap_secret(self, ct):
        if len(ct) != self.ctl or len(self.secret_key) != self.skl: raise ValueError("length")
        off = 384 * self.k
        pk = self.secret_key[off:off + self.pkl]
        body = _xor(ct, self._mask(pk))
        if body[-16:] != hashlib.sha3_256(body[:-16] + pk).digest()[:16]:
            return hashlib.shake_256(self.secret_key[-32:] + ct).digest(32)
        return hashlib.sha3_256(body[:32] + pk).digest()
'''


def fake_env(tmp_path: Path, source: str, name: str = "fake") -> dict[str, str]:
    """A folder holding an `oqs` package with this source, put first on the child's path."""
    pkg = tmp_path / name / "oqs"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(textwrap.dedent(source))
    return {"PYTHONPATH": str(tmp_path / name)}
