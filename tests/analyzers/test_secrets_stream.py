"""Blind spots of the own secret engine closed: text in UTF-16/UTF-32 (with a byte-order mark) is decoded,
files over the read-at-once size are streamed in overlapping windows, and what cannot be covered is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from secret_samples import positive_samples

from secscan.analyzers.secrets.engine import STREAM_OVERLAP, ScanOptions, SecretEngine
from secscan.analyzers.secrets.patterns import load_patterns

GH = next(s for s in positive_samples() if s.pattern == "github-pat")


@pytest.fixture(scope="module")
def engine() -> SecretEngine:
    return SecretEngine(load_patterns(), "re2")


def _places(res: object) -> list[tuple[str, str, int]]:
    return [(f.rule_id, f.location.path, f.location.start_line) for f in res.findings]  # type: ignore[attr-defined]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_text_with_a_bom_is_decoded(tmp_path: Path, engine: SecretEngine, codec: str) -> None:
    text = "[settings]\r\nname = app\r\n" + GH.line + "\r\n"
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    (tmp_path / "win.ini").write_bytes(data)
    res = engine.scan_paths(tmp_path, ["win.ini"])
    assert _places(res) == [("secscan.github-pat", "win.ini", 3)]
    assert res.coverage["files_decoded"] == 1 and res.coverage["files_skipped_binary"] == 0


def test_a_large_lockfile_is_streamed_and_the_line_is_right(tmp_path: Path, engine: SecretEngine) -> None:
    packages = {f"node_modules/p{i}": {"version": "1.0.0", "integrity": f"sha512-{'A' * 86}{i:02d}=="}
                for i in range(40000)}
    lines = json.dumps({"lockfileVersion": 3, "packages": packages}, indent=2).splitlines()
    at = len(lines) // 2
    lines.insert(at, f'    "note": "{GH.value}",')
    (tmp_path / "package-lock.json").write_text("\n".join(lines) + "\n")
    assert (tmp_path / "package-lock.json").stat().st_size > 3 * 1024 * 1024
    res = engine.scan_paths(tmp_path, ["package-lock.json"])
    assert _places(res) == [("secscan.github-pat", "package-lock.json", at + 1)]
    assert res.coverage["files_streamed"] == 1 and res.coverage["files_scanned"] == 1


@pytest.mark.parametrize("shift", [-20, -5, 0, 7])
def test_a_secret_across_a_window_edge_is_found_once(tmp_path: Path, engine: SecretEngine,
                                                      shift: int) -> None:
    window = 64 * 1024
    filler = ("# " + "f" * 77 + "\n") * (2 * window // 80)
    prefix = filler[: window + shift - len("TOKEN = '")]
    text = prefix + f"TOKEN = '{GH.value}'\n" + filler
    (tmp_path / "big.py").write_text(text)
    res = engine.scan_paths(tmp_path, ["big.py"], ScanOptions(max_file_size=window))
    line = prefix.count("\n") + 1
    assert _places(res) == [("secscan.github-pat", "big.py", line)]
    assert STREAM_OVERLAP <= window


def test_files_too_large_to_stream_are_named(tmp_path: Path, engine: SecretEngine) -> None:
    (tmp_path / "huge.log").write_text(GH.line + "\n" + "x" * 5000 + "\n")
    res = engine.scan_paths(tmp_path, ["huge.log"], ScanOptions(max_file_size=1000, max_stream_size=2000))
    assert res.findings == [] and res.uncovered == {"huge.log": "skipped large"}
