"""Where a finding comes from, as data the pipeline reads: the tool's own inline marker that applies to it,
the hits merged into it, its taint trace. Each type has the JSON form the report has always carried in
``finding.properties`` (``native_marker``, ``merged_from``, ``taint``), so reports stay compatible."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: ``Finding.severity_source`` of a severity the tool did not give (pip-audit has none): it yields to a real
#: one from another source when duplicates merge.
DEFAULT_SEVERITY = "default"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class NativeMarker:
    """A tool's own inline marker (``# nosec``, ``# nosemgrep``) that would have dropped the hit."""

    marker: str  # "nosec" or "nosemgrep"
    line: int
    comment: str

    def to_dict(self) -> dict[str, Any]:
        """The report's form."""
        return {"marker": self.marker, "line": self.line, "comment": self.comment}

    @staticmethod
    def read(data: Any) -> NativeMarker | None:
        """From the report's form (None when absent or unreadable)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("marker"), str):
            return None
        return NativeMarker(data["marker"], _int(data.get("line")) or 0, str(data.get("comment") or ""))

    def map_texts(self, fn: Callable[[str], str]) -> NativeMarker:
        """A copy with its comment passed through fn (redaction)."""
        return NativeMarker(self.marker, self.line, fn(self.comment))


@dataclass(frozen=True)
class MergedSource:
    """One hit merged into a finding: which tool, its rule and its own severity word, its inline marker."""

    source: str  # the hit's sources joined with ","
    rule_id: str
    raw_severity: str
    native_marker: NativeMarker | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report's form."""
        out: dict[str, Any] = {"source": self.source, "rule_id": self.rule_id,
                               "raw_severity": self.raw_severity}
        if self.native_marker is not None:
            out["native_marker"] = self.native_marker.to_dict()
        return out

    @staticmethod
    def read_all(data: Any) -> tuple[MergedSource, ...]:
        """From the report's list (entries that are not mappings are left out)."""
        if not isinstance(data, list | tuple):
            return ()
        return tuple(MergedSource(str(d.get("source") or ""), str(d.get("rule_id") or ""),
                                  str(d.get("raw_severity") or ""), NativeMarker.read(d.get("native_marker")))
                     for d in data if isinstance(d, Mapping))

    def map_texts(self, fn: Callable[[str], str]) -> MergedSource:
        """A copy with its marker's comment passed through fn (redaction)."""
        marker = self.native_marker.map_texts(fn) if self.native_marker else None
        return MergedSource(self.source, self.rule_id, self.raw_severity, marker)


@dataclass(frozen=True)
class TaintTrace:
    """Where the taint of a finding comes from and how it reaches the sink (1-based lines of its file)."""

    source_line: int
    source_code: str
    sink_line: int  # 0: not known
    through: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The report's form."""
        return {"source": {"line": self.source_line, "code": self.source_code},
                "sink": {"line": self.sink_line}, "through": list(self.through)}

    @staticmethod
    def read(data: Any) -> TaintTrace | None:
        """From the report's form (None when absent or without a source line)."""
        if not isinstance(data, Mapping):
            return None
        src, sink = data.get("source"), data.get("sink")
        line = _int(src.get("line")) if isinstance(src, Mapping) else None
        sink_line = _int(sink.get("line")) if isinstance(sink, Mapping) else None
        if line is None or line < 1 or not isinstance(src, Mapping):
            return None
        through = data.get("through")
        steps = tuple(n for n in through if (_int(n) or 0) >= 1) if isinstance(through, list) else ()
        return TaintTrace(line, str(src.get("code") or ""), max(sink_line or 0, 0), steps)

    def map_texts(self, fn: Callable[[str], str]) -> TaintTrace:
        """A copy with its source code passed through fn (redaction)."""
        return TaintTrace(self.source_line, fn(self.source_code), self.sink_line, self.through)

    def moved(self, line_of: Callable[[int], int]) -> TaintTrace:
        """The same trace with every line mapped (a generated file's lines back to the original's)."""
        return TaintTrace(line_of(self.source_line), self.source_code, line_of(self.sink_line),
                          tuple(line_of(n) for n in self.through))


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Place:
    """One place of a secret found at several (results/secret_groups.py): file, lines, the tools that found
    it there, its own fingerprint, and the commit that added it when found in git history."""

    path: str
    start_line: int | None = None
    end_line: int | None = None
    sources: tuple[str, ...] = ()
    fingerprint: str | None = None
    commit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report's form."""
        out: dict[str, Any] = {"path": self.path, "start_line": self.start_line, "end_line": self.end_line}
        if self.commit is not None:
            out["commit"] = self.commit
        if self.sources:
            out["sources"] = list(self.sources)
        if self.fingerprint is not None:
            out["fingerprint"] = self.fingerprint
        return out

    @staticmethod
    def read_all(data: Any) -> tuple[Place, ...]:
        """From the report's list (entries without a path are left out)."""
        if not isinstance(data, list | tuple):
            return ()
        return tuple(Place(d["path"], _int(d.get("start_line")), _int(d.get("end_line")),
                           tuple(str(s) for s in d.get("sources") or () if isinstance(s, str)),
                           _str(d.get("fingerprint")), _str(d.get("commit")))
                     for d in data if isinstance(d, Mapping) and isinstance(d.get("path"), str))


@dataclass(frozen=True)
class HistoryInfo:
    """Where in git history a secret was found (analyzers/history/)."""

    first_commit: str
    first_date: str | None
    last_commit: str
    last_date: str | None
    paths: tuple[str, ...]
    path_count: int
    blobs: int
    present_at_head: bool
    first_commit_index: int
    after: str | None = None  # only the commits after --changed-since REF were read

    def to_dict(self) -> dict[str, Any]:
        """The report's form."""
        out: dict[str, Any] = {
            "first_commit": self.first_commit, "first_date": self.first_date, "last_commit": self.last_commit,
            "last_date": self.last_date, "paths": list(self.paths), "path_count": self.path_count,
            "blobs": self.blobs, "present_at_head": self.present_at_head,
            "first_commit_index": self.first_commit_index}
        if self.after is not None:
            out["after"] = self.after
        return out

    @staticmethod
    def read(data: Any) -> HistoryInfo | None:
        """From the report's form (None when absent or without its commits)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("first_commit"), str):
            return None
        paths = tuple(p for p in data.get("paths") or () if isinstance(p, str))
        return HistoryInfo(data["first_commit"], _str(data.get("first_date")),
                           str(data.get("last_commit") or data["first_commit"]), _str(data.get("last_date")),
                           paths, _int(data.get("path_count")) or len(paths), _int(data.get("blobs")) or 0,
                           bool(data.get("present_at_head")), _int(data.get("first_commit_index")) or 0,
                           _str(data.get("after")))
