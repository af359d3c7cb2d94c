"""Provenance fields of a finding (core/provenance.py): typed in the pipeline, the same JSON as before."""

from __future__ import annotations

import secrets

from secscan.core.model import Category, Finding, Location, Severity
from secscan.core.provenance import DEFAULT_SEVERITY, MergedSource, NativeMarker, TaintTrace
from secscan.core.serialize import finding_from_dict, finding_to_dict
from secscan.results.redact import Redactor

MARK = {"marker": "# nosec", "line": 4, "comment": "# nosec B307"}
TAINT = {"source": {"line": 2, "code": "x = request.args['q']"}, "sink": {"line": 4}, "through": [2, 3]}
MERGED = [{"source": "bandit", "rule_id": "B307", "raw_severity": "MEDIUM", "native_marker": MARK},
          {"source": "semgrep", "rule_id": "secscan.python.eval", "raw_severity": "ERROR"}]


def older_report_entry() -> dict[str, object]:
    """A finding as secscan wrote it before the fields existed (everything under properties)."""
    return {"rule_id": "B307", "title": "eval", "message": "m", "severity": "high", "raw_severity": "MEDIUM",
            "category": "sast", "sources": ["bandit", "semgrep"],
            "location": {"path": "a.py", "start_line": 4, "end_line": 4},
            "fingerprint": "f" * 32,
            "properties": {"confidence": "HIGH", "merged_from": MERGED, "native_marker": MARK, "taint": TAINT,
                           "severity_source": "cvss_v3", "legacy_fingerprint": "e" * 32}}


def test_an_older_report_is_read_into_the_fields_and_written_back_the_same() -> None:
    f = finding_from_dict(older_report_entry())
    assert f.native_marker == NativeMarker("# nosec", 4, "# nosec B307")
    assert [m.rule_id for m in f.merged_from] == ["B307", "secscan.python.eval"]
    assert f.merged_from[0].native_marker == f.native_marker and f.merged_from[1].native_marker is None
    assert f.taint == TaintTrace(2, "x = request.args['q']", 4, (2, 3))
    assert (f.severity_source, f.legacy_fingerprint) == ("cvss_v3", "e" * 32)
    assert f.properties == {"confidence": "HIGH"}  # core logic never reads them from properties
    assert finding_to_dict(f)["properties"] == older_report_entry()["properties"]


def test_unreadable_provenance_is_left_out_not_guessed() -> None:
    entry = older_report_entry()
    entry["properties"] = {"taint": {"source": {"line": "2"}}, "native_marker": {"line": 3},
                           "merged_from": ["B307", {"rule_id": "R"}], "severity_source": 7}
    f = finding_from_dict(entry)
    assert f.taint is None and f.native_marker is None and f.severity_source is None
    assert [m.rule_id for m in f.merged_from] == ["R"]


def test_a_fresh_finding_writes_no_provenance_keys() -> None:
    f = Finding("R", "t", "m", Severity.LOW, "low", Category.SAST, ("bandit",), Location("a.py", 1, 1))
    assert finding_to_dict(f)["properties"] == {}
    pip = f.with_(severity_source=DEFAULT_SEVERITY)
    assert finding_to_dict(pip)["properties"] == {"severity_source": "default"}


def test_redaction_reaches_the_texts_of_the_provenance() -> None:
    value = "sk_live_" + secrets.token_hex(16)
    f = Finding("R", "t", "m", Severity.LOW, "low", Category.SAST, ("semgrep",), Location("a.py", 1, 1),
                taint=TaintTrace(1, f"key = '{value}'", 2),
                native_marker=NativeMarker("# nosemgrep", 1, f"# nosemgrep {value}"),
                merged_from=(MergedSource("semgrep", "R", "ERROR", NativeMarker("# nosec", 1, value)),))
    text = str(finding_to_dict(Redactor([value]).finding(f)))
    assert value not in text and "key = '" in text


def test_places_and_history_round_trip() -> None:
    places = [{"path": "a.py", "start_line": 3, "end_line": 3, "sources": ["secscan-secrets"],
               "fingerprint": "a" * 32},
              {"path": "old/a.py", "start_line": 3, "end_line": 3, "commit": "c" * 40,
               "sources": ["secscan-history"]}]
    history = {"first_commit": "c" * 40, "first_date": "2026-01-01T00:00:00Z", "last_commit": "d" * 40,
               "last_date": None, "paths": ["old/a.py"], "path_count": 1, "blobs": 1,
               "present_at_head": False, "first_commit_index": 0, "after": "main"}
    entry = older_report_entry()
    entry["properties"] = {"places": places, "place_count": 7, "history": history}
    f = finding_from_dict(entry)
    assert [p.path for p in f.places] == ["a.py", "old/a.py"] and f.places[1].commit == "c" * 40
    assert f.place_count == 7 and f.history is not None and f.history.after == "main"
    assert f.properties == {}
    assert finding_to_dict(f)["properties"] == entry["properties"]
