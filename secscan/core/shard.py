"""Deterministic sharding of a file set for CI matrices.

Files are ordered by a hash of their path (so the order does not depend on the folder layout), then cut into
N contiguous runs of about equal total size. The parts are balanced by size, and adding or removing a file
only moves files that sit next to a cut (a file never jumps across the hash order), so shards stay stable as
the tree grows. Every shard of the same tree computes the same cuts, so the N parts are disjoint and complete.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from secscan.core.errors import UsageError


def parse_shard(text: str) -> tuple[int, int]:
    """'I/N' -> (I, N), 1 <= I <= N."""
    try:
        i_text, n_text = text.split("/", 1)
        i, n = int(i_text), int(n_text)
    except ValueError:
        raise UsageError(f"--shard must look like I/N (e.g. 1/4), not {text!r}") from None
    if n < 1 or not 1 <= i <= n:
        raise UsageError(f"--shard {text}: need 1 <= I <= N")
    return i, n


_NOTE = re.compile(r"^shard (\d+)/(\d+):")


def shard_note(index: int, total: int, selected: int, files: int) -> str:
    """The report note that says a result is one shard (``secscan merge`` reads it back)."""
    return f"shard {index}/{total}: {selected} of {files} file(s)"


def read_shard_note(note: str) -> tuple[int, int] | None:
    """(I, N) from a shard note, else None."""
    m = _NOTE.match(note)
    return (int(m[1]), int(m[2])) if m else None


def _key(path: str) -> bytes:
    return hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=8).digest()


def assign(files: Sequence[str], sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """Map each file to its 1-based shard."""
    ordered = sorted(files, key=_key)
    weights = [max(1, sizes.get(f, 0)) for f in ordered]
    whole = sum(weights) or 1
    out: dict[str, int] = {}
    running = 0
    for f, w in zip(ordered, weights, strict=True):
        middle = running + w / 2
        out[f] = min(total, int(middle * total // whole) + 1)
        running += w
    return out


def select_shard(files: Sequence[str], sizes: Mapping[str, int], index: int, total: int) -> list[str]:
    """The files of shard index/total, in their original order."""
    if total == 1:
        return list(files)
    owner = assign(files, sizes, total)
    return [f for f in files if owner[f] == index]


def balance(files: Sequence[str], sizes: Mapping[str, int], total: int) -> list[tuple[int, int]]:
    """(files, bytes) per shard, for benchmarks."""
    out = [(0, 0)] * total
    for f, k in assign(files, sizes, total).items():
        out[k - 1] = (out[k - 1][0] + 1, out[k - 1][1] + sizes.get(f, 0))
    return out
