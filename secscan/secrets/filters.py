"""False-positive filters: placeholders, test values, code references, allow-list comments, file kinds."""

from __future__ import annotations

import math
import re
from collections import Counter

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


def line_bounds(data: bytes, pos: int) -> tuple[int, int]:
    """Start and end offsets of the line holding data[pos]."""
    start = data.rfind(b"\n", 0, pos) + 1
    end = data.find(b"\n", pos)
    return start, (len(data) if end < 0 else end)


def is_allowlisted(data: bytes, pos: int) -> bool:
    """True when the line of pos (or the line before, for the next-line form) carries an allow-list comment."""
    start, end = line_bounds(data, pos)
    line = data[start:end]
    if any(m in line for m in ALLOW_MARKERS):
        return True
    if start > 0:
        prev_start = data.rfind(b"\n", 0, start - 1) + 1
        prev = data[prev_start:start]
        return any(m in prev for m in ALLOW_NEXT_MARKERS)
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
