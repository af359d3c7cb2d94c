"""secscan-secrets engine: backends agree, line numbers, de-duplication, the module-level API."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from secret_samples import placeholder_lines, positive_samples

from secscan.analyzers.secrets import SecretEngine, load_patterns, scan_bytes, scan_paths
from secscan.analyzers.secrets.prefilter import make_prefilter

PATTERNS = load_patterns()
SAMPLES = positive_samples()
BY_ID = {s.pattern: s for s in SAMPLES}
PROJECT = Path(__file__).resolve().parents[2]
ACCELERATED = [b for b in ("hyperscan", "re2") if importlib.util.find_spec(b)]


def _corpus(tmp: Path) -> list[str]:
    """Planted samples, placeholders, mixed files and this project's own sources."""
    files: list[str] = []
    for i, s in enumerate(positive_samples(seed=99)):
        name = f"planted/f{i}.{('py', 'env', 'yaml', 'js', 'txt')[i % 5]}"
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(f"# file {i}\nvalue = 1\n{s.line}\nother = 2  # {s.pattern}\n")
        files.append(name)
    neg = "\n".join(line for lines in placeholder_lines().values() for line in lines)
    (tmp / "placeholders.txt").write_text(neg + "\n")
    mixed = "\n".join(f"{s.line}  # pragma: allowlist secret" if i % 3 == 0 else s.line
                      for i, s in enumerate(SAMPLES))
    (tmp / "mixed.cfg").write_bytes(mixed.replace("\n", "\r\n").encode() + b"\n\xff\xfe tail\n")
    files += ["placeholders.txt", "mixed.cfg"]
    own = sorted(p for p in (PROJECT / "secscan").rglob("*.py"))
    files += [str(p) for p in own]  # absolute paths are scanned and reported as given
    return files


def _key(findings) -> list[tuple]:
    return sorted((f.rule_id, f.location.path, f.location.start_line, f.secret_hash) for f in findings)


@pytest.mark.skipif(not ACCELERATED, reason="neither hyperscan nor google-re2 is installed")
@pytest.mark.parametrize("backend", ACCELERATED)
def test_accelerated_backend_equals_pure_python(tmp_path: Path, backend: str) -> None:
    files = _corpus(tmp_path)
    fast = SecretEngine(PATTERNS, backend)
    assert fast.prefilter.name == backend
    slow = SecretEngine(PATTERNS, "keywords")
    a, b = fast.scan_paths(tmp_path, files), slow.scan_paths(tmp_path, files)
    assert a.coverage == b.coverage
    assert _key(a.findings) == _key(b.findings)
    assert len(a.findings) >= len(SAMPLES)  # the corpus really has findings to compare


@pytest.mark.skipif(len(ACCELERATED) < 2, reason="needs both hyperscan and google-re2")
def test_hyperscan_equals_re2(tmp_path: Path) -> None:
    files = _corpus(tmp_path)
    a = SecretEngine(PATTERNS, "hyperscan").scan_paths(tmp_path, files)
    b = SecretEngine(PATTERNS, "re2").scan_paths(tmp_path, files)
    assert _key(a.findings) == _key(b.findings)


def test_auto_backend_prefers_an_accelerated_one() -> None:
    name = SecretEngine(PATTERNS, "auto").prefilter.name
    assert name == (ACCELERATED[0] if ACCELERATED else "keywords")


def test_unknown_backend_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown secret engine backend"):
        make_prefilter(PATTERNS, "nope")


def test_line_numbers_and_two_secrets_on_one_line() -> None:
    gh, aws = BY_ID["github-pat"], BY_ID["aws-access-key-id"]
    data = f"a\nb\n{gh.line}\n\n{aws.value} {gh.value}\n".encode()
    got = [(f.rule_id, f.location.start_line) for f in scan_bytes("x.txt", data)]
    assert got == [("secscan.github-pat", 3), ("secscan.aws-access-key-id", 5), ("secscan.github-pat", 5)]


def test_specific_pattern_wins_over_generic_for_the_same_value() -> None:
    gh = BY_ID["github-pat"]
    findings = scan_bytes("x.py", f'api_token = "{gh.value}"\n'.encode())
    assert [f.rule_id for f in findings] == ["secscan.github-pat"]


def test_crlf_and_invalid_utf8_do_not_hide_secrets() -> None:
    gh = BY_ID["github-pat"]
    data = b"\xff\xfe\r\nx\r\n" + gh.line.encode() + b"\r\n\x80"
    (f,) = scan_bytes("x", data)
    assert f.location is not None and f.location.start_line == 3


def test_scan_paths_module_function_with_mapping_options(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text(BY_ID["slack-token"].line + "\n")
    findings, coverage, _ = scan_paths(tmp_path, ["a.env"], {"max_file_size": 10_000})
    assert [f.rule_id for f in findings] == ["secscan.slack-token"]
    assert coverage["files_scanned"] == 1
    findings, coverage, uncovered = scan_paths(tmp_path, ["a.env"], {"max_file_size": 10})
    assert [f.rule_id for f in findings] == ["secscan.slack-token"] and coverage["files_streamed"] == 1
    limits = {"max_file_size": 10, "max_stream_size": 20}
    findings, coverage, uncovered = scan_paths(tmp_path, ["a.env"], limits)
    assert findings == [] and coverage["files_skipped_large"] == 1 and uncovered == {"a.env": "skipped large"}


def test_windows_style_relative_paths_are_normalized(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.env").write_text(BY_ID["npm-token"].line + "\n")
    (f,) = scan_paths(tmp_path, ["./sub/a.env"]).findings
    assert f.location is not None and f.location.path == "sub/a.env"


def test_threads_get_their_own_engine(tmp_path: Path) -> None:
    import threading

    from secscan.analyzers.secrets import get_engine

    (tmp_path / "a.env").write_text(BY_ID["github-pat"].line + "\n")
    engines, results = [], []

    def work() -> None:
        engines.append(get_engine())
        results.append(len(scan_paths(tmp_path, ["a.env"] * 50).findings))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [50, 50, 50]
    assert len({id(e) for e in engines}) == 3 and get_engine() is get_engine()
