"""Scan the blobs of a commit range with the own secret engine; blobs seen before come from the cache."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secscan.analyzers.history.cache import open_cache
from secscan.analyzers.history.walk import Walk, head_blobs, range_args, shallow_depth, walk
from secscan.analyzers.secrets import filters
from secscan.analyzers.secrets.engine import ScanOptions, get_engine
from secscan.core.model import Finding
from secscan.core.resources import rules_path, tree_hash
from secscan.core.serialize import finding_from_dict, finding_to_dict
from secscan.core.version import __version__
from secscan.process.git import cat_blobs, object_sizes
from secscan.process.runner import Runner

DEFAULT_MAX_BLOB = 64 * 1024 * 1024  # larger blobs are not read (counted and named: the scan is partial)
SCANNED, BINARY, MINIFIED, LARGE, MISSING, DECODED = ("scanned", "skipped_binary", "skipped_minified",
                                                      "skipped_large", "missing", "decoded")


@dataclass(frozen=True)
class HistoryOptions:
    """What to walk and how to read it."""

    spec: str | None = None  # a revision range; None: everything reachable (--all)
    since: str | None = None  # --changed-since REF: the commits after REF
    cache_dir: Path | None = None
    max_blob_size: int = DEFAULT_MAX_BLOB
    engine: ScanOptions = field(default_factory=ScanOptions)
    timeout: float = 900.0
    prefix: str = ""  # the scanned folder's path in the repository ("": its top)


@dataclass
class BlobScan:
    """What the blobs held: per blob its coverage kind and findings (located at the blob's first path)."""

    kinds: dict[str, str] = field(default_factory=dict)
    found: dict[str, list[Finding]] = field(default_factory=dict)
    bytes_read: int = 0
    from_cache: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class HistoryScan:
    """The walk, the blob results, HEAD's blobs and the clone's depth (None: full history)."""

    walk: Walk
    blobs: BlobScan
    at_head: set[str]
    shallow: int | None
    revs: list[str]


def scope(opts: HistoryOptions) -> str:
    """The cache scope: secscan's version, the patterns in use, the engine's settings and size limits."""
    eng = opts.engine
    path = eng.patterns_file or rules_path("secrets")
    digest = tree_hash(path)
    parts = (__version__, str(path), digest, eng.backend, str(eng.minified_avg_line), str(opts.max_blob_size))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def scan_blob(name: str, data: bytes, engine_opts: ScanOptions) -> tuple[str, list[Finding]]:
    """(coverage kind, findings) of one blob's bytes, judged like a file (binary, minified, BOM)."""
    bom = filters.bom_codec(data)
    text = filters.decode_bom(data, bom) if bom else data
    if filters.is_binary(text):
        return BINARY, []
    if filters.is_minified(name, text, engine_opts.minified_avg_line):
        return MINIFIED, []
    return (DECODED if bom else SCANNED), get_engine(engine_opts).scan_bytes(name, text)


def run(runner: Runner, repo: Path, opts: HistoryOptions) -> HistoryScan:
    """Walk the range and scan every blob it introduced once. GitError when git fails."""
    revs = range_args(opts.spec, opts.since)
    shallow = shallow_depth(runner, repo)
    walked = walk(runner, repo, revs, opts.timeout, opts.prefix)
    at_head = head_blobs(runner, repo)
    return HistoryScan(walked, read_blobs(runner, repo, walked, opts), at_head, shallow, revs)


def read_blobs(runner: Runner, repo: Path, walked: Walk, opts: HistoryOptions) -> BlobScan:
    """Scan the walked blobs: cached ones from the cache, the others read through one cat-file."""
    result = BlobScan()
    cache, why = open_cache(opts.cache_dir, scope(opts))
    if why:
        result.notes.append(why)
    known: Mapping[str, tuple[str, list[dict[str, Any]]]] = {}
    if cache is not None:
        try:
            known = cache.known()
        except (sqlite3.Error, ValueError) as exc:
            result.notes.append(f"history blob cache {cache.path} not read: {exc}")
    todo = []
    for oid in walked.blobs:
        if oid in known:
            kind, found = known[oid]
            result.kinds[oid], result.found[oid] = kind, [finding_from_dict(d) for d in found]
            result.from_cache += 1
        else:
            todo.append(oid)
    fresh = _read(runner, repo, walked, todo, opts, result)
    if cache is not None:
        try:
            cache.store(fresh)
        except sqlite3.Error as exc:
            result.notes.append(f"history blob cache {cache.path} not written: {exc}")
        cache.close()
    return result


def _read(runner: Runner, repo: Path, walked: Walk, todo: list[str], opts: HistoryOptions,
          result: BlobScan) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Read and scan the blobs not in the cache; returns the new cache entries."""
    fresh: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    sizes = object_sizes(runner, repo, todo, opts.timeout) if todo else {}
    wanted = []
    for oid in todo:
        kind_size = sizes.get(oid)
        if kind_size is None:
            result.kinds[oid] = MISSING  # a partial clone's absent blob: not cached, asked again next time
        elif kind_size[1] > opts.max_blob_size:
            result.kinds[oid], fresh[oid] = LARGE, (LARGE, [])
        else:
            wanted.append(oid)
    for oid, data in cat_blobs(runner, repo, wanted, opts.timeout):
        if data is None:
            result.kinds[oid] = MISSING
            continue
        result.bytes_read += len(data)
        kind, found = scan_blob(walked.blobs[oid].paths[0], data, opts.engine)
        result.kinds[oid], result.found[oid] = kind, found
        fresh[oid] = (kind, [finding_to_dict(f) for f in found])
    return fresh
