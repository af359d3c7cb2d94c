"""The secscan-secrets scanner adapter: in-process execute, canary, coverage and options."""

from __future__ import annotations

from pathlib import Path

import pytest
from secret_samples import positive_samples

from secscan.core.model import Category, Status
from secscan.scanners import secscan_secrets
from secscan.scanners.interface import ScanContext, is_canary_finding
from secscan.scanners.secscan_secrets import SecscanSecretsScanner

GH = next(s for s in positive_samples() if s.pattern == "github-pat")


def _canary_files(scanner: SecscanSecretsScanner, ctx: ScanContext, where: Path) -> list[Path]:
    canary = scanner.canary(ctx)
    where.mkdir()
    out = []
    for name, text in canary.files.items():
        (where / name).write_text(text)
        out.append(where / name)
    return out


def test_identity() -> None:
    s = SecscanSecretsScanner()
    assert s.name == "secscan-secrets" and s.category is Category.SECRET and s.per_file
    assert s.applies(ScanContext(Path(".")), []) is None


def test_canary_is_a_fake_aws_pair_not_written_in_the_source(tmp_path: Path) -> None:
    canary = SecscanSecretsScanner().canary(ScanContext(tmp_path))
    assert canary.expected == frozenset({"secscan.aws-access-key-id"})
    (text,) = canary.files.values()
    key_id = next(w for w in text.split() if w.startswith("AKIA"))
    assert len(key_id) == 20
    assert key_id not in Path(secscan_secrets.__file__).read_text()


def test_execute_scans_target_and_canary(tmp_path: Path) -> None:
    target = tmp_path / "target"
    (target / "conf").mkdir(parents=True)
    (target / "conf" / "app.env").write_text(f"# app\n{GH.line}\n")
    (target / "logo.png").write_bytes(b"\x89PNG\0\0" + GH.line.encode())
    ctx = ScanContext(target)
    scanner = SecscanSecretsScanner()
    canary_paths = _canary_files(scanner, ctx, tmp_path / "canary")
    out = scanner.execute(ctx, ["conf/app.env", "logo.png"], canary_paths, runner=None)  # type: ignore[arg-type]
    parsed = out.parsed
    assert parsed.status is Status.OK and parsed.tool == "secscan-secrets"
    assert parsed.coverage["files_scanned"] == 1 and parsed.coverage["files_skipped_binary"] == 1
    canary_str = [str(p) for p in canary_paths]
    canary = [f for f in parsed.findings if is_canary_finding(f, canary_str)]
    real = [f for f in parsed.findings if not is_canary_finding(f, canary_str)]
    assert {f.location.path for f in canary if f.location} == set(canary_str)
    assert "secscan.aws-access-key-id" in {f.rule_id for f in canary}
    assert [(f.rule_id, f.location.path, f.location.start_line) for f in real if f.location] == [
        ("secscan.github-pat", "conf/app.env", 2)]
    assert GH.value not in repr(parsed)


def test_max_file_size_option_is_respected(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(GH.line + "\n" + "x = 1\n" * 100)
    ctx = ScanContext(tmp_path, options={"max_file_size": 100})  # over it: streamed, still scanned
    parsed = SecscanSecretsScanner().execute(ctx, ["a.env"], [], runner=None).parsed  # type: ignore[arg-type]
    assert [f.rule_id for f in parsed.findings] == ["secscan.github-pat"]
    assert parsed.coverage["files_streamed"] == 1
    ctx = ScanContext(tmp_path, options={"max_file_size": 100, "max_stream_size": 200})
    parsed = SecscanSecretsScanner().execute(ctx, ["a.env"], [], runner=None).parsed  # type: ignore[arg-type]
    assert parsed.findings == () and parsed.coverage["files_skipped_large"] == 1


def test_unreadable_file_makes_the_run_partial(tmp_path: Path) -> None:
    parsed = SecscanSecretsScanner().execute(ScanContext(tmp_path), ["gone.txt"], [],
                                             runner=None).parsed  # type: ignore[arg-type]
    assert parsed.status is Status.PARTIAL and "could not be read" in (parsed.reason or "")


@pytest.mark.parametrize("content", ["patterns: []\n", "patterns: [{id: a}]\n", ": not yaml: ["])
def test_broken_patterns_fail_with_a_reason(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    ctx = ScanContext(tmp_path, options={"secret_patterns": str(bad)})
    parsed = SecscanSecretsScanner().execute(ctx, [], [], runner=None).parsed  # type: ignore[arg-type]
    assert parsed.status is Status.FAILED and "secret patterns" in (parsed.reason or "")


def _uncovered_tree(tmp_path: Path) -> Path:
    (tmp_path / "big.env").write_text(GH.line + "\n" + "x = 1\n" * 100)
    (tmp_path / "u16.txt").write_bytes(b"\xff\xfe" + "abc".encode("utf-16-le") + b"\x00")  # truncated UTF-16
    (tmp_path / "ok.env").write_text(f"{GH.line}\n")
    return tmp_path


def test_every_uncovered_file_makes_the_run_partial_and_is_named(tmp_path: Path) -> None:
    ctx = ScanContext(_uncovered_tree(tmp_path), options={"max_file_size": 100, "max_stream_size": 200})
    parsed = SecscanSecretsScanner().execute(ctx, ["big.env", "u16.txt", "ok.env"], [],
                                             runner=None).parsed  # type: ignore[arg-type]
    assert parsed.status is Status.PARTIAL
    assert parsed.reason == ("2 file(s) not covered: 1 were skipped as too large (max_stream_size); "
                             "1 could not be decoded: big.env (skipped large), u16.txt (undecodable)")
    assert parsed.evidence and parsed.evidence["failed_files"] == {"big.env": "skipped large",
                                                                   "u16.txt": "undecodable"}
    assert [f.location.path for f in parsed.findings if f.location] == ["ok.env"]


def test_uncovered_files_are_counted_past_the_first_few(tmp_path: Path) -> None:
    names = [f"gone{i}.txt" for i in range(7)]
    parsed = SecscanSecretsScanner().execute(ScanContext(tmp_path), names, [],
                                             runner=None).parsed  # type: ignore[arg-type]
    assert parsed.status is Status.PARTIAL and parsed.reason is not None
    assert parsed.reason.startswith("7 file(s) not covered: 7 could not be read: gone0.txt (unreadable)")
    assert parsed.reason.endswith("gone4.txt (unreadable) (+2 more)")


def test_uncovered_files_stay_partial_when_answered_from_the_cache(tmp_path: Path) -> None:
    from secscan.core.options import ScanOptions
    from secscan.run.engine import scan

    target = tmp_path / "t"
    target.mkdir()
    _uncovered_tree(target)
    opts = ScanOptions(target=target, scanners=("secscan-secrets",), cache_dir=tmp_path / "cache",
                       extra={"max_file_size": 100, "max_stream_size": 200})
    for run in ("first", "cached"):
        result = scan(opts)
        (s,) = result.scanners
        assert s.status is Status.PARTIAL and s.reason is not None, (run, s)
        assert "big.env (skipped large)" in s.reason and "u16.txt (undecodable)" in s.reason, (run, s)
        assert result.gate.incomplete
    assert s.coverage["files_from_cache"] == 3
