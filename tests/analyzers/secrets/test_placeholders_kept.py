"""The own engine's placeholder hits are not dropped silently: the scanner keeps them, marked, and the
results layer's placeholder policy suppresses them ('placeholder'), visible and counted, never counting."""

from __future__ import annotations

from pathlib import Path

from run_cli import run_cli

from secscan.analyzers.secrets import SecretEngine, load_patterns

ENGINE = SecretEngine(load_patterns(), "auto")
LINES = ('AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7' + 'EXAMPLE"\n'
         'password = "changeme"\n'
         'DATABASE_URL = "postgres://app:${DB_PASSWORD}@db.internal.corp/app"\n'
         'api_token = "xxxxxxxxxxxxxxxxxxxxxxxx"\n')


def test_the_engine_marks_placeholders_only_when_asked() -> None:
    assert ENGINE.scan_bytes("settings.py", LINES.encode()) == []
    kept = ENGINE.scan_bytes("settings.py", LINES.encode(), keep_placeholders=True)
    assert [f.location.start_line for f in kept if f.location] == [1, 2, 3, 4]
    assert all(f.properties["placeholder"] is True and "placeholder" in f.message for f in kept)


def test_placeholders_are_suppressed_findings_in_the_report(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(LINES)
    code, report = run_cli("secrets", tmp_path / "app", tmp_path / "out", "--offline", "--fail-on", "low",
                           "--scanners", "secscan-secrets")
    found = report["findings"]
    assert sorted(f["location"]["start_line"] for f in found) == [1, 2, 3, 4]
    assert all(f["suppressed"] and f["suppression"] == {**f["suppression"], "kind": "policy",
                                                        "reason": "placeholder"} for f in found)
    assert code == 0  # nothing that counts
    # counted in a note (a URL line may be suppressed first by the URL placeholder rules, issue 32)
    assert any("suppressed by the placeholder policy" in n for n in report["notes"])
