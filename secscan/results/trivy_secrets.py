"""A Trivy secret finding gets the hash of its secret, read from the scanned file where Trivy says it is.

Trivy's JSON never holds the secret: ``Match`` is the line with the secret replaced by ``*`` (newer Trivy:
one ``*`` per byte, with the secret's byte ``Offset`` in the file; older Trivy: ``*****`` and no offset).
The parser keeps only that mask's shape (parsers/trivy.mask_shape). Here, when the file is in the scanned
tree, the secret is read at Trivy's offset for the length of its ``*`` run, and accepted only if masking
the file's text the way Trivy does gives exactly Trivy's ``Match`` (same bytes, by SHA-256) and the line is
Trivy's ``StartLine``; for older output the one value whose replacement by ``*****`` gives ``Match`` is
taken. The value is hashed (sha1, like every source) and masked, never kept; the finding then merges with
the other sources' finding of the same secret. When it cannot be read exactly (the file is not here: an
image, a cluster, an imported report of another tree; the file changed; a multi-line secret; a masked run
shared with another secret) the finding says why in ``properties.secret_hash_unavailable`` and has no hash.
"""

from __future__ import annotations

import hashlib
import stat
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from secscan.analyzers.secrets.redact import mask, secret_hash
from secscan.core.model import Category, Finding

TOOL = "trivy"
MASK = "trivy_mask"  # set by the parser; removed here
UNAVAILABLE = "secret_hash_unavailable"
FROM_FILE = "secret_hash_from"
MAX_BYTES = 8 * 1024 * 1024
LONG_LINE = 100  # Trivy shows a longer line as 30 bytes before and 20 after the secret
LEGACY_STARS = b"*****"
NOT_HERE = "the file is not in the scanned tree (an imported report of another tree?): no hash, not guessed"
CHANGED = "the file differs from what Trivy scanned (its masked line does not match): no hash"


def _read(root: Path, path: str) -> bytes | None:
    """The bytes of a regular file inside root (no symlink, FIFO or device), None otherwise."""
    full = root / path
    try:
        st = full.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES \
                or not full.resolve().is_relative_to(root.resolve()):
            return None
        return full.read_bytes()
    except (OSError, ValueError):
        return None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(raw: bytes) -> tuple[str | None, str]:
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the masked bytes are not UTF-8 text: no hash"
    return (value, "") if value else (None, "an empty masked span: no hash")


def _span(content: bytes, shape: Mapping[str, Any], start_line: int) -> tuple[int, int] | str:
    """(start, end) of the secret in content by Trivy's offset and ``*`` run, or why not."""
    start = int(shape["offset"])
    if start >= len(content) or content.count(b"\n", 0, start) + 1 != start_line:
        return CHANGED
    line_start = content.rfind(b"\n", 0, start) + 1
    line_end = content.find(b"\n", start)
    line_end = len(content) if line_end < 0 else line_end
    win_start = max(0, start - 30) if line_end - line_start > LONG_LINE else line_start
    pos = start - win_start
    run = next(((s, n) for s, n in shape["runs"] if s <= pos < s + n), None)
    if run is None:
        return CHANGED
    end = start + run[0] + run[1] - pos
    win_end = min(len(content), end + 20) if line_end - line_start > LONG_LINE else line_end
    window = bytearray(content[win_start:win_end])
    if len(window) != shape["bytes"]:
        return CHANGED
    for s, n in shape["runs"]:
        window[s:s + n] = b"*" * n
    return (start, end) if _sha(bytes(window)) == shape["sha256"] else CHANGED


def _with_offset(content: bytes, shape: Mapping[str, Any], start_line: int, end_line: int,
                 others: Sequence[int]) -> tuple[str | None, str]:
    if end_line > start_line:
        return None, "a multi-line secret (a key block): Trivy's masked line shows its first line only"
    span = _span(content, shape, start_line)
    if isinstance(span, str):
        return None, span
    start, end = span
    if any(start < o < end for o in others):
        return None, "the masked span holds another Trivy secret too: where this one ends is unknown; no hash"
    return _decode(content[start:end])


def _legacy(content: bytes, shape: Mapping[str, Any], start_line: int) -> tuple[str | None, str]:
    """Older Trivy: ``Match`` is the trimmed line with every occurrence of the secret replaced by *****."""
    lines = content.split(b"\n")
    if not 1 <= start_line <= len(lines):
        return None, CHANGED
    line = lines[start_line - 1]
    if len(line) > LONG_LINE:
        return None, "older Trivy output (no Offset) of a line over 100 bytes: the secret's place is unknown"
    text = line.strip()
    first = next((s for s, n in shape["runs"] if n >= len(LEGACY_STARS)), None)
    if first is None:
        return None, CHANGED
    found = [text[first:j] for j in range(first + 1, len(text) + 1)
             if _sha(text.replace(text[first:j], LEGACY_STARS)) == shape["sha256"]]
    if len(found) != 1:
        return (None, CHANGED) if not found else (None, "more than one value fits Trivy's masked line")
    return _decode(found[0])


def recover(content: bytes, shape: Mapping[str, Any], start_line: int, end_line: int | None = None,
            others: Sequence[int] = ()) -> tuple[str | None, str]:
    """(the secret, "") when the file's text masked as Trivy masks it is Trivy's ``Match``; else (None, why).
    ``others``: the offsets of Trivy's other secrets in the same file."""
    try:
        if shape.get("offset") is not None:
            return _with_offset(content, shape, start_line, end_line or start_line, others)
        return _legacy(content, shape, start_line)
    except (KeyError, TypeError, ValueError):
        return None, "Trivy's masked match has an unexpected shape: no hash"


def _shape(f: Finding) -> Mapping[str, Any] | None:
    shape = f.properties.get(MASK)
    return shape if isinstance(shape, Mapping) else None


def _offsets(findings: Sequence[Finding]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for f in findings:
        shape = _shape(f)
        if shape is not None and f.location and isinstance(shape.get("offset"), int):
            out[f.location.path].append(shape["offset"])
    return out


def _one(f: Finding, root: Path, offsets: Mapping[str, list[int]], cache: dict[str, bytes | None]) -> Finding:
    shape = _shape(f)
    loc = f.location
    props = {k: v for k, v in f.properties.items() if k != MASK}
    if shape is None or loc is None or not loc.start_line:
        return f.with_(properties={**props, UNAVAILABLE: "Trivy gave no masked match or line: no hash"})
    if loc.image or props.get("k8s_resource"):
        return f.with_(properties={**props, UNAVAILABLE: "in a container image or cluster, not a file of the "
                                                          "scanned tree: no hash"})
    if loc.path not in cache:
        cache[loc.path] = _read(root, loc.path)
    content = cache[loc.path]
    if content is None:
        return f.with_(properties={**props, UNAVAILABLE: NOT_HERE})
    others = [o for o in offsets.get(loc.path, []) if o != shape.get("offset")]
    value, why = recover(content, shape, loc.start_line, loc.end_line, others)
    if value is None:
        return f.with_(properties={**props, UNAVAILABLE: why})
    return f.with_(secret_hash=secret_hash(value), secret_mask=mask(value),
                   properties={**props, FROM_FILE: "read from the scanned file at Trivy's masked span"})


def attach(findings: Sequence[Finding], root: Path) -> list[Finding]:
    """Trivy's secret findings with the hash of their secret where it can be read exactly (else the reason
    why not); every other finding unchanged. Idempotent: a finding already handled is left alone."""
    todo = [f for f in findings if _masked(f)]
    if not todo:
        return list(findings)
    offsets = _offsets(todo)
    cache: dict[str, bytes | None] = {}
    return [_one(f, root, offsets, cache) if _masked(f) else f for f in findings]


def _masked(f: Finding) -> bool:
    return f.category is Category.SECRET and TOOL in f.sources and MASK in f.properties
