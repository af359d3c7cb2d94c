"""Checks of the structure providers build into their tokens: a token that fails is not a real one.

- ``crc32-base62``: GitHub's classic tokens (ghp_, gho_, ghu_, ghs_, ghr_) and npm's (npm_) end in the CRC32
  of the 30 random characters before it, in base62, left-padded with zeros to 6 characters.
- ``pypi-macaroon``: a PyPI API token is ``pypi-`` + the URL-safe base64 of a version 2 binary macaroon
  whose location is pypi.org (or test.pypi.org) and which ends with a 32-byte signature.
- ``jwt``: the first two parts decode to JSON objects, the header naming an ``alg``.
- ``base64-64``: a key that is the base64 of exactly 64 bytes (Azure storage account keys).

Each check takes the whole token and returns True (well-formed) or False.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Callable

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int, width: int) -> str:
    """number in base62 (0-9A-Za-z), left-padded with '0' to width."""
    out = ""
    while number:
        number, rem = divmod(number, 62)
        out = B62[rem] + out
    return out.rjust(width, "0")


def crc32_base62(token: str) -> bool:
    """``prefix_`` + 30 random + 6 checksum characters (GitHub classic tokens, npm tokens)."""
    body = token.rsplit("_", 1)[-1]
    if len(body) != 36:
        return False
    return base62(zlib.crc32(body[:30].encode("ascii")), 6) == body[30:]


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 28:
            raise ValueError("bad varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _section(data: bytes, pos: int) -> tuple[list[tuple[int, bytes]], int]:
    """Fields up to an end-of-section byte (0)."""
    fields: list[tuple[int, bytes]] = []
    while True:
        if pos >= len(data):
            raise ValueError("truncated macaroon")
        kind, pos = _varint(data, pos)
        if kind == 0:
            return fields, pos
        size, pos = _varint(data, pos)
        if pos + size > len(data):
            raise ValueError("truncated field")
        fields.append((kind, data[pos:pos + size]))
        pos += size


def parse_macaroon_v2(data: bytes) -> tuple[list[tuple[int, bytes]], list[list[tuple[int, bytes]]], bytes]:
    """(header fields, caveat sections, signature) of a version 2 binary macaroon; ValueError if malformed."""
    if not data or data[0] != 2:
        raise ValueError("not a version 2 macaroon")
    header, pos = _section(data, 1)
    caveats: list[list[tuple[int, bytes]]] = []
    while pos < len(data) and data[pos] != 0:
        fields, pos = _section(data, pos)
        caveats.append(fields)
    pos += 1
    kind, pos = _varint(data, pos)
    size, pos = _varint(data, pos)
    if kind != 6 or size != 32 or pos + size != len(data):
        raise ValueError("no 32-byte signature at the end")
    return header, caveats, data[pos:]


def pypi_macaroon(token: str) -> bool:
    """``pypi-`` + base64url(macaroon v2 for pypi.org or test.pypi.org with an identifier)."""
    if not token.startswith("pypi-"):
        return False
    try:
        header, _caveats, _sig = parse_macaroon_v2(_b64url(token[5:]))
    except (ValueError, binascii.Error):
        return False
    fields = dict(header)
    return fields.get(1) in (b"pypi.org", b"test.pypi.org") and bool(fields.get(2))


def jwt(token: str) -> bool:
    """Header and payload are base64url JSON objects; the header has an ``alg``."""
    parts = token.split(".")
    if len(parts) < 2:
        return False
    try:
        head, body = json.loads(_b64url(parts[0])), json.loads(_b64url(parts[1]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(head, dict) and "alg" in head and isinstance(body, dict)


def base64_64(token: str) -> bool:
    """The base64 of exactly 64 bytes."""
    try:
        return len(base64.b64decode(token, validate=True)) == 64
    except (ValueError, binascii.Error):
        return False


CHECKS: dict[str, Callable[[str], bool]] = {
    "crc32-base62": crc32_base62,
    "pypi-macaroon": pypi_macaroon,
    "jwt": jwt,
    "base64-64": base64_64,
}


def check(kind: str, token: str) -> bool:
    """Run the named check (KeyError for an unknown kind: the loader validates names first)."""
    return CHECKS[kind](token)
