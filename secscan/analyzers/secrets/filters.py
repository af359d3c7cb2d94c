"""False-positive filters: placeholders, test values, code references, allow-list comments, file kinds."""

from __future__ import annotations

import bisect
import codecs
import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import BinaryIO

BINARY_SNIFF_BYTES = 8192
MINIFIED_AVG_LINE = 500
MINIFIED_MIN_BYTES = 4096
MINIFIED_SUFFIXES = (".min.js", ".min.css", ".min.mjs", ".bundle.js", ".min.map", ".js.map", ".css.map")

# Substrings (lower case) that mark a value as a placeholder.
PLACEHOLDER_MARKERS = (
    "example", "xxxx", "changeme", "change_me", "change-me", "dummy", "placeholder", "redacted",
    "replace_me", "replace-me", "replaceme", "****", "...", "${", "{{", "%(", "$(", "<", ">", "…",
    "your_", "your-", "yourkey", "yoursecret", "yourtoken", "yourpassword", "insert_", "insert-",
    "fill_me", "fill-me", "todo", "notreal", "not_real", "not-real", "not-a-real",
)
# Whole values (lower case) that are placeholders.
PLACEHOLDER_WORDS = frozenset({
    "password", "passwd", "pass", "secret", "pwd", "username", "user", "token", "apikey", "api_key",
    "none", "null", "nil", "true", "false", "undefined", "empty", "string", "value", "key", "admin",
    "root", "guest", "default", "foo", "bar", "baz", "qux",
})
# Words that mark a generic value as test data.
TEST_WORDS = ("test", "fake", "dummy", "sample", "mock", "fixture", "sekrit", "s3cr3t", "foobar", "lorem")
_SEQUENCES = ("abcdefgh", "bcdefghi", "12345678", "23456789", "qwertyui", "asdfghjk")
_CODE_REF = re.compile(
    r"^(?:[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\))?"  # dotted attribute access: settings.SECRET_KEY
    r"|_*[A-Za-z]+(?:_[A-Za-z]+)+_*\d*"  # snake_case words: raw_password, SECRET_KEY, FORBIDDEN_VALUE2
    r"|[a-z]+(?:[A-Z][a-z]+)+\d*"  # camelCase words: userPassword
    r"|[A-Z][a-z]+(?:[A-Z][a-z]+)+\d*"  # PascalCase words: PasswordChangeForm
    r"|[A-Za-z]+(?:-[A-Za-z]+)+-?"  # kebab-case words: new-password, django-insecure-
    r"|[\w./-]*\.(?:html?|txt|py|js|ts|json|ya?ml|pem|key|crt|cer|cfg|ini|conf|xml|csv|log|md|sh|env)"
    r"|(?:process\.env|os\.environ|env\(|getenv|config\(|settings\.).*)$"
)
_UUIDISH = re.compile(r"^[0-9a-fA-F]+(?:-[0-9a-fA-F]+)+$")
_HASH_PREFIXES = ("pbkdf2_", "argon2", "$argon2", "bcrypt", "$2a$", "$2b$", "$2y$", "sha1$", "md5$", "scrypt",
                  "unsalted_", "crypt$", "$1$", "$5$", "$6$", "{ssha}", "{sha}")
_LEET = str.maketrans("301@$45!7", "eoiassait")
_ESCAPE = re.compile(r"\\[0-9a-z]")
_SELF_WORDS = ("password", "passwd", "secret", "passphrase", "apikey", "token", "private")
_TEMPLATE = re.compile(r"^\$[A-Za-z_]\w*$|^%[A-Za-z_]\w*%$|^@[A-Za-z_]\w*@$|^:[a-z_]+$")
ALLOW_MARKERS = (b"pragma: allowlist secret", b"secscan: ignore", b"secscan:ignore")
ALLOW_NEXT_MARKERS = (b"pragma: allowlist nextline secret", b"secscan: ignore-next-line")


def shannon_entropy(value: str) -> float:
    """Shannon entropy of the characters of value, in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def is_placeholder(value: str) -> bool:
    """True for obvious placeholders: EXAMPLE, xxxx, ${VAR}, {{var}}, <token>, changeme, all-same-char, ..."""
    low = value.lower()
    if low.strip("'\"") in PLACEHOLDER_WORDS or _TEMPLATE.match(value):
        return True
    if any(m in low for m in PLACEHOLDER_MARKERS) or any(s in low for s in _SEQUENCES):
        return True
    if len(value) >= 4:
        top = Counter(low).most_common(1)[0][1]
        if top == len(value) or (len(value) >= 8 and top / len(value) > 0.5):
            return True
    return False


_ARMOR = re.compile(r"-----(?:BEGIN|END) [A-Z0-9 ]+-----")
_B64 = re.compile(r"^[A-Za-z0-9+/=]+$")


def is_real_key_block(value: str) -> bool:
    """True when a PEM/OpenSSH block's body is well-formed key data: base64 of one DER SEQUENCE whose length
    is exactly the data's, or an ``openssh-key-v1`` blob. Random base64 of a real key can contain "xxxx" or
    "dummy"; a placeholder body (EXAMPLE, "...", <your key>) does not decode to such data."""
    import base64

    body = "".join(ln.strip() for ln in _ARMOR.sub("\n", value).splitlines()
                   if ln.strip() and ":" not in ln)  # leave out Proc-Type/DEK-Info headers
    if len(body) < 64 or not _B64.match(body):
        return False
    try:
        data = base64.b64decode(body, validate=True)
    except ValueError:
        return False
    if data.startswith(b"openssh-key-v1\0"):
        return True
    if len(data) < 4 or data[0] != 0x30:
        return False
    if data[1] < 0x80:
        return 2 + data[1] == len(data)
    size = data[1] & 0x7F
    return 0 < size <= 4 and 2 + size + int.from_bytes(data[2:2 + size], "big") == len(data)


def has_test_word(value: str) -> bool:
    """True when a generic value says it is test data (test, fake, dummy, ...)."""
    low = value.lower()
    return any(w in low for w in TEST_WORDS)


def _classes(value: str) -> int:
    return (any(c.islower() for c in value) + any(c.isupper() for c in value)
            + any(c.isdigit() for c in value) + any(not c.isalnum() for c in value))


def generic_noise(value: str) -> bool:
    """True when a generic assignment's value is not a literal secret.

    Code references, UUIDs, password hashes, values of a single character class (plain words), and values
    that spell their own keyword ("mypassword", "superS3cret").
    """
    if _CODE_REF.match(value) or _UUIDISH.match(value):
        return True
    low = value.lower()
    if low.startswith(_HASH_PREFIXES) or _classes(value) < 2:
        return True
    norm = "".join(c for c in _ESCAPE.sub("", low).translate(_LEET) if c.isalnum())
    return any(w in norm for w in _SELF_WORDS)


class LineIndex:
    """Line numbers and bounds of offsets in one buffer (newline offsets found once, on first use)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._nl: list[int] | None = None

    def _newlines(self) -> list[int]:
        if self._nl is None:
            self._nl = [m.start() for m in re.finditer(b"\n", self.data)]
        return self._nl

    def number(self, pos: int) -> int:
        """1-based line number of data[pos]."""
        return bisect.bisect_left(self._newlines(), pos) + 1

    def bounds(self, line: int) -> tuple[int, int]:
        """Start and end offsets of a 1-based line (without its newline)."""
        nl = self._newlines()
        start = nl[line - 2] + 1 if line >= 2 else 0
        end = nl[line - 1] if line - 1 < len(nl) else len(self.data)
        return start, end


def is_allowlisted(lines: LineIndex, pos: int) -> bool:
    """True when the line of pos (or the line before, in the next-line form) has an allow-list comment."""
    number = lines.number(pos)
    start, end = lines.bounds(number)
    if any(m in lines.data[start:end] for m in ALLOW_MARKERS):
        return True
    if number > 1:
        p_start, p_end = lines.bounds(number - 1)
        return any(m in lines.data[p_start:p_end] for m in ALLOW_NEXT_MARKERS)
    return False


def is_binary(data: bytes) -> bool:
    """A NUL byte in the first 8 KiB."""
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def is_minified(name: str, data: bytes, avg_line: int = MINIFIED_AVG_LINE) -> bool:
    """*.min.js and friends, or content whose average line is longer than avg_line characters."""
    if name.lower().endswith(MINIFIED_SUFFIXES):
        return True
    if len(data) < MINIFIED_MIN_BYTES:
        return False
    return len(data) / (data.count(b"\n") + 1) > avg_line


# Byte-order marks of the encodings Windows tools write (longest first: UTF-32LE starts like UTF-16LE).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"))


def bom_codec(data: bytes) -> str | None:
    """The UTF-16/UTF-32 codec a byte-order mark names (None: no such mark; UTF-8 is read as it is)."""
    return next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def _bom_len(codec: str) -> int:
    return 4 if codec.startswith("utf-32") else 2


def decode_bom(data: bytes, codec: str) -> bytes:
    """UTF-16/32 text (BOM first) as UTF-8 bytes, line numbers kept; a broken sequence raises
    UnicodeDecodeError (the file is then reported as not covered)."""
    return data[_bom_len(codec):].decode(codec).encode("utf-8", "surrogatepass")


def utf8_windows(fh: BinaryIO, head: bytes, codec: str | None) -> Iterator[bytes]:
    """A large file as UTF-8 windows of about len(head) bytes each (decoded when it has a BOM)."""
    size = max(len(head), 1)
    if codec is None:
        chunk = head
        while chunk:
            yield chunk
            chunk = fh.read(size)
        return
    decoder = codecs.getincrementaldecoder(codec)()
    chunk, first = head, True
    while chunk:
        text = decoder.decode(chunk[_bom_len(codec):] if first else chunk)
        first = False
        yield text.encode("utf-8", "surrogatepass")
        chunk = fh.read(size)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail.encode("utf-8", "surrogatepass")
