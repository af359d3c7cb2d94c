"""The secscan-secrets engine: one multi-pattern pass per file, Python ``re`` to confirm, filters to judge.

Files are read as bytes; binary, minified, over-size and unreadable files are skipped and counted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from secscan.analyzers.secrets import checksums, filters
from secscan.analyzers.secrets.patterns import Pattern, load_patterns
from secscan.analyzers.secrets.prefilter import Prefilter, make_prefilter
from secscan.analyzers.secrets.redact import mask, secret_hash
from secscan.core.model import Category, Finding, Location
from secscan.parsers.interface import norm_path

SOURCE = "secscan-secrets"
PLACEHOLDER = "placeholder"
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024  # read whole up to this size; larger files are streamed in windows
DEFAULT_MAX_STREAM_SIZE = 4 * 1024 ** 3  # larger files are skipped (counted and named)
STREAM_OVERLAP = 64 * 1024  # bytes carried into the next window, so no secret is cut at a window's edge
COVERAGE_KEYS = ("files_scanned", "files_skipped_binary", "files_skipped_large", "files_skipped_minified",
                 "files_unreadable", "files_streamed", "files_decoded")


@dataclass(frozen=True)
class ScanOptions:
    """Engine settings."""

    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_stream_size: int = DEFAULT_MAX_STREAM_SIZE
    minified_avg_line: int = filters.MINIFIED_AVG_LINE
    backend: str = "auto"  # auto | hyperscan | re2 | keywords
    patterns_file: Path | None = None
    keep_placeholders: bool = False  # report placeholder hits too, marked (the results layer suppresses them)

    @classmethod
    def from_mapping(cls, opts: Mapping[str, Any] | None) -> ScanOptions:
        """Options from a plain mapping (e.g. ScanContext.options); unknown keys are ignored."""
        opts = opts or {}
        size, stream = opts.get("max_file_size"), opts.get("max_stream_size")
        pf = opts.get("secret_patterns") or opts.get("patterns_file")
        return cls(
            max_file_size=int(size) if size is not None else DEFAULT_MAX_FILE_SIZE,
            max_stream_size=int(stream) if stream is not None else DEFAULT_MAX_STREAM_SIZE,
            minified_avg_line=int(opts.get("minified_avg_line", filters.MINIFIED_AVG_LINE)),
            backend=str(opts.get("secrets_backend", opts.get("backend", "auto"))),
            patterns_file=Path(pf) if pf else None,
            keep_placeholders=bool(opts.get("keep_placeholders", False)),
        )


class ScanResult(NamedTuple):
    """Findings and coverage counts of one scan, and the files it could not cover (with why)."""

    findings: list[Finding]
    coverage: dict[str, int]
    uncovered: dict[str, str] = {}


@dataclass
class _Hit:
    pattern: Pattern
    value: str
    start: int  # offset of the whole match
    line: int  # its 1-based line: the finding's line
    placeholder: bool = False  # a placeholder value (EXAMPLE, xxxx, ${VAR}, ...): kept only when asked


@dataclass
class SecretEngine:
    """Compiled patterns plus a pre-filter; reusable across files (not thread-safe)."""

    patterns: tuple[Pattern, ...]
    backend: str = "auto"
    prefilter: Prefilter = field(init=False)

    def __post_init__(self) -> None:
        self.prefilter = make_prefilter(self.patterns, self.backend)
        self._rx = [p.compiled_bytes() for p in self.patterns]

    # ------------------------------------------------------------------ matching
    def _hits(self, data: bytes, keep_placeholders: bool = False) -> list[_Hit]:
        out: list[_Hit] = []
        seen: set[tuple[int, str]] = set()  # (line, value): first (most specific) pattern wins
        lines = filters.LineIndex(data)
        for idx in sorted(self.prefilter.candidates(data)):
            pat, rx = self.patterns[idx], self._rx[idx]
            for m in rx.finditer(data):
                raw = next((g for g in m.groups() if g), None)
                if raw is None or (pat.word_start and m.start() and data[m.start() - 1] in _WORD):
                    continue
                value = raw.decode("utf-8", "replace")
                whole = (_name_before(data, m.start()) if pat.test_words else b"") + m.group(0)
                verdict = self._accept(pat, value, whole.decode("utf-8", "replace"))
                if verdict is None or (verdict == PLACEHOLDER and not keep_placeholders):
                    continue
                line = lines.number(m.start())
                if (line, value) in seen or filters.is_allowlisted(lines, m.start()):
                    continue
                seen.add((line, value))
                out.append(_Hit(pat, value, m.start(), line, verdict == PLACEHOLDER))
        return out

    @staticmethod
    def _accept(pat: Pattern, value: str, whole: str) -> str | None:
        """"ok", PLACEHOLDER (a placeholder value in the secret's place), or None (not this secret)."""
        if len(value) < pat.min_length:
            return None
        if pat.placeholder == "value" and filters.is_placeholder(value) \
                and not filters.is_real_key_block(value):  # random key data can spell "xxxx" or "dummy"
            return PLACEHOLDER
        if pat.placeholder == "match" and (filters.is_placeholder(value) or _url_placeholder(whole)):
            return PLACEHOLDER
        if pat.test_words and filters.has_test_word(whole):
            return None
        if pat.code_refs and filters.generic_noise(value):
            return None
        if pat.entropy is not None and filters.shannon_entropy(value) < pat.entropy:
            return None
        if pat.checksum is not None and not checksums.check(pat.checksum, value):
            return None  # a failed checksum: not a token
        return "ok"

    # ------------------------------------------------------------------ public API
    def scan_bytes(self, path: str, data: bytes, keep_placeholders: bool = False) -> list[Finding]:
        """Findings in one buffer (no file-kind checks); path is used as the location as given. With
        keep_placeholders, placeholder hits are findings too, marked ``properties["placeholder"]``."""
        hits = sorted(self._hits(data, keep_placeholders), key=lambda h: (h.start, h.pattern.id))
        return [_finding(h, path, h.line, h.line + h.value.count("\n")) for h in hits]

    def scan_paths(self, root: Path, files: Sequence[str], options: ScanOptions | None = None) -> ScanResult:
        """Scan files (relative to root, or absolute); skipped files are counted, never silently clean.
        Text in UTF-16/UTF-32 with a byte-order mark is decoded; files over max_file_size are streamed."""
        opts = options or ScanOptions()
        cov = dict.fromkeys(COVERAGE_KEYS, 0)
        findings: list[Finding] = []
        uncovered: dict[str, str] = {}
        for name in files:
            full = name if os.path.isabs(name) else os.path.join(root, name)
            loc = name if os.path.isabs(name) else norm_path(name)
            try:
                with open(full, "rb") as fh:
                    kind, found = self._scan_file(fh, loc, name, opts)
            except OSError:
                kind, found = "files_unreadable", []
            except UnicodeDecodeError:
                kind, found = "files_undecodable", []
            cov[kind] = cov.get(kind, 0) + 1
            if kind in ("files_unreadable", "files_skipped_large", "files_undecodable"):
                uncovered[loc] = kind.removeprefix("files_").replace("_", " ")
            if kind in ("files_scanned", "files_streamed", "files_decoded"):
                cov["files_scanned"] += kind != "files_scanned"
            findings.extend(found)
        return ScanResult(findings, cov, uncovered)

    def _scan_file(self, fh: BinaryIO, loc: str, name: str, opts: ScanOptions) -> tuple[str, list[Finding]]:
        """(coverage key, findings) of one open file."""
        head = fh.read(opts.max_file_size + 1)
        bom = filters.bom_codec(head)
        if len(head) > opts.max_file_size:
            if os.fstat(fh.fileno()).st_size > opts.max_stream_size:
                return "files_skipped_large", []
            if bom is None and filters.is_binary(head):
                return "files_skipped_binary", []
            if filters.is_minified(name, head, opts.minified_avg_line):
                return "files_skipped_minified", []
            windows = filters.utf8_windows(fh, head, bom)
            return "files_streamed", self._scan_stream(windows, loc, opts.keep_placeholders)
        data = filters.decode_bom(head, bom) if bom else head
        if filters.is_binary(data):
            return "files_skipped_binary", []
        if filters.is_minified(name, data, opts.minified_avg_line):
            return "files_skipped_minified", []
        kind = "files_decoded" if bom else "files_scanned"
        return kind, self.scan_bytes(loc, data, opts.keep_placeholders)

    def _scan_stream(self, windows: Iterator[bytes], loc: str, keep_placeholders: bool = False
                     ) -> list[Finding]:
        """Scan a large file window by window; each window starts with the tail of the one before (from a
        line start), and a hit seen twice in that overlap is reported once."""
        out: list[Finding] = []
        seen: set[tuple[int, str]] = set()
        carry, base_offset, base_line = b"", 0, 0
        for chunk in windows:
            buf = carry + chunk
            for h in self._hits(buf, keep_placeholders):
                key = (base_offset + h.start, h.pattern.id)
                if key not in seen:
                    seen.add(key)
                    line = base_line + h.line
                    out.append(_finding(h, loc, line, line + h.value.count("\n")))
            cut = buf.find(b"\n", max(0, len(buf) - STREAM_OVERLAP)) + 1 or max(0, len(buf) - STREAM_OVERLAP)
            base_line += buf.count(b"\n", 0, cut)
            base_offset += cut
            carry = buf[cut:]
        return sorted(out, key=lambda f: (f.location.start_line or 0) if f.location else 0)


_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_NAME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-$")


def _name_before(data: bytes, pos: int, limit: int = 64) -> bytes:
    """The identifier characters just before pos (e.g. ``TEST_`` before ``PASSWORD = ...``)."""
    start = pos
    while start > 0 and pos - start < limit and data[start - 1] in _NAME_CHARS:
        start -= 1
    return data[start:pos]


_URL_PLACEHOLDER_HOSTS = ("@example.", "@localhost.example", "@host:", "@host/", "@hostname", "@your")


def _url_placeholder(whole: str) -> bool:
    low = whole.lower()
    if any(h in low for h in _URL_PLACEHOLDER_HOSTS) or low.endswith("@host"):
        return True
    return any(m in low for m in ("example.com", "example.org", "example.net", "${", "{{", "%(", "<"))


def _finding(h: _Hit, path: str, line: int, end_line: int) -> Finding:
    pat = h.pattern
    return Finding(
        rule_id=pat.rule_id,
        title=pat.title,
        message=f"{pat.title} found in {path} at line {line} (value masked)"
                + (": a placeholder value, not counted" if h.placeholder else ""),
        severity=pat.severity,
        raw_severity=pat.raw_severity,
        category=Category.SECRET,
        sources=(SOURCE,),
        location=Location(path=path, start_line=line, end_line=end_line),
        snippet=None,
        secret_hash=secret_hash(h.value),
        secret_mask=mask(h.value),
        properties={**_properties(pat), "placeholder": True} if h.placeholder else _properties(pat),
    )


def _properties(pat: Pattern) -> dict[str, Any]:
    """What the pattern says about the secret: its class, provider, revoke page, verified checksum."""
    props: dict[str, Any] = {"pattern": pat.id}
    if pat.klass:
        props["secret_class"] = pat.klass
    if pat.provider:
        props["provider"] = pat.provider
    if pat.revoke:
        props["revoke_url"] = pat.revoke
    if pat.checksum:
        props["checksum"] = f"{pat.checksum}: valid"
    return props


_LOCAL = threading.local()


def get_engine(options: ScanOptions | None = None) -> SecretEngine:
    """An engine for these options' backend and patterns, cached per thread (scratch is not shared)."""
    opts = options or ScanOptions()
    cache: dict[tuple[str, Path | None], SecretEngine] = _LOCAL.__dict__.setdefault("engines", {})
    key = (opts.backend, opts.patterns_file)
    if key not in cache:
        cache[key] = SecretEngine(load_patterns(opts.patterns_file), opts.backend)
    return cache[key]


def scan_paths(root: Path, files: Sequence[str], options: ScanOptions | Mapping[str, Any] | None = None
               ) -> ScanResult:
    """Scan files under root with the bundled patterns; returns (findings, coverage)."""
    opts = options if isinstance(options, ScanOptions) else ScanOptions.from_mapping(options)
    return get_engine(opts).scan_paths(root, files, opts)


def scan_bytes(path: str, data: bytes, options: ScanOptions | Mapping[str, Any] | None = None
               ) -> list[Finding]:
    """Findings in one buffer, located at path."""
    opts = options if isinstance(options, ScanOptions) else ScanOptions.from_mapping(options)
    return get_engine(opts).scan_bytes(path, data)
