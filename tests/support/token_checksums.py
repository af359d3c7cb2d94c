"""Test-side builders of provider tokens with their built-in checks, written independently of
secscan/analyzers/secrets/checksums.py (so a wrong check there fails the tests): GitHub/npm CRC32 base62
tokens and PyPI macaroon tokens. Every value comes from a seeded RNG; none is a real credential."""

from __future__ import annotations

import base64
import binascii
import json
import random
import string

_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits


def crc_token(prefix: str, rng: random.Random) -> str:
    """prefix + 30 random base62 characters + their CRC32 in base62, zero-padded to 6."""
    body = "".join(rng.choice(ALNUM) for _ in range(30))
    n, digits = binascii.crc32(body.encode()), ""
    for _ in range(6):
        n, r = divmod(n, 62)
        digits = _B62[r] + digits
    return prefix + body + digits


def _field(kind: int, data: bytes) -> bytes:
    size, out = len(data), b""
    while True:  # varint
        byte = size & 0x7F
        size >>= 7
        out += bytes([byte | (0x80 if size else 0)])
        if not size:
            break
    return bytes([kind]) + out + data


def pypi_token(rng: random.Random, location: bytes = b"pypi.org") -> str:
    """pypi- + base64url(v2 macaroon: location, identifier, one caveat, 32-byte signature)."""
    ident = json.dumps({"version": 1, "permissions": "user"}).encode()[: rng.randint(20, 40)]
    caveat = json.dumps([1, rng.randint(1, 99999)]).encode()
    sig = bytes(rng.randrange(256) for _ in range(32))
    mac = (b"\x02" + _field(1, location) + _field(2, ident) + b"\x00" + _field(4, caveat) + b"\x00" + b"\x00"
           + _field(6, sig))
    return "pypi-" + base64.urlsafe_b64encode(mac).decode().rstrip("=")
