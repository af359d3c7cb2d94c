"""Redaction: masks, hashes, findings that never carry a value, and redact_text on free text."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from secret_samples import positive_samples

from secscan.analyzers.secrets import mask, redact_text, scan_paths, secret_hash

SAMPLES = positive_samples()


def test_mask_short_values_fully() -> None:
    assert mask("hunter2") == "******** (7 chars)"
    assert mask("") == "******** (0 chars)"
    assert "h" not in mask("hunter2hunt").split(" ")[0]


def test_mask_shows_at_most_first_4_and_last_2() -> None:
    value = "ghp_" + "Ab1Cd2Ef3Gh4" * 3
    m = mask(value)
    assert m == "ghp_********h4 (40 chars)"
    assert mask("ABCDEFGHIJKLMN") == "AB******** (14 chars)"


def test_mask_never_contains_a_line_break() -> None:
    pem = next(s.value for s in SAMPLES if s.pattern == "private-key")
    assert "\n" not in mask(pem) and "\n" not in mask("ab\ncdefghijklmnopqrstu\n")


def test_secret_hash_is_sha1_hex() -> None:
    assert secret_hash("abc") == hashlib.sha1(b"abc").hexdigest()


def _finding_dict(f) -> dict:
    d = dataclasses.asdict(f)
    d["severity"] = f.severity.label
    d["category"] = f.category.value
    return d


def test_findings_never_hold_a_secret_value(tmp_path: Path) -> None:
    files = []
    for i, s in enumerate(SAMPLES):
        name = f"dir{i % 4}/file{i}.{('py', 'env', 'yaml', 'json')[i % 4]}"
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(f"# config\n{s.line}\n")
        files.append(name)
    findings, coverage, _ = scan_paths(tmp_path, files)
    assert coverage["files_scanned"] == len(SAMPLES)
    assert sorted(f.rule_id.removeprefix("secscan.") for f in findings) == sorted(s.pattern for s in SAMPLES)
    from secscan.core.serialize import finding_to_dict

    blob = repr(findings) + json.dumps([_finding_dict(f) for f in findings], default=str)
    blob += json.dumps([finding_to_dict(f) for f in findings])
    for s in SAMPLES:
        assert s.value not in blob, s.pattern
        for f in findings:
            assert s.value not in str(f.secret_mask) and s.value not in f.message
    assert {f.secret_hash for f in findings} == {hashlib.sha1(s.value.encode()).hexdigest() for s in SAMPLES}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.pattern)
def test_redact_text_masks_each_type(sample) -> None:
    text = f"scanner said: line 3: {sample.line} (end)"
    out = redact_text(text)
    assert sample.value not in out
    assert out.startswith("scanner said: line 3:") and out.endswith("(end)")


def test_redact_text_masks_many_secrets_in_one_text() -> None:
    text = "\n".join(f"{i}: {s.line}" for i, s in enumerate(SAMPLES))
    out = redact_text(text)
    for s in SAMPLES:
        assert s.value not in out
    assert redact_text(out) == out  # masks are not secrets again


@pytest.mark.parametrize("text", ["", "plain words, nothing to hide", "x = 1\nprint('password reset')\n",
                                  "héllo wörld ☃ \x00\x01", "the docs say BEGIN RSA PRIVATE KEY starts a key",
                                  "url http://example.com:8080/path?a=b"])
def test_redact_text_leaves_ordinary_text_alone(text: str) -> None:
    assert redact_text(text) == text


def test_redact_text_cuts_huge_input() -> None:
    gh = next(s for s in SAMPLES if s.pattern == "github-pat")
    text = gh.line + " " + "a" * (5 * 1024 * 1024) + gh.line
    out = redact_text(text)
    assert gh.value not in out and "characters cut" in out and len(out) < len(text)


def test_the_text_cache_gives_what_a_fresh_redaction_gives() -> None:
    from secscan.analyzers.secrets import redact as r

    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    texts = [f'token = "{token}" in the description', "no secret here", 'password = "hunter2hunter2"',
             "x" * (r._CACHED_CHARS + 1) + f' api_key = "{token}"']
    for text in texts:
        first, again, fresh = r.redact_text(text), r.redact_text(text), r._redact(text)
        assert first == again == fresh
    assert token not in r.redact_text(texts[0]) and token not in r.redact_text(texts[3])
    assert r._redact_cached.cache_info().maxsize == 4096  # bounded, in memory only


def _slow_spans(text: str) -> list[tuple[int, int]]:
    """spans() with the RE2 keyword set switched off: every keyword looked up with ``in``."""
    from secscan.analyzers.secrets import redact as r

    table = r._table()
    kset, table.keyword_set = table.keyword_set, None
    try:
        return r.spans(text)
    finally:
        table.keyword_set = kset


def test_the_keyword_set_is_re2_and_names_the_same_patterns_as_the_slow_look_up() -> None:
    import random

    from secscan.analyzers.secrets import redact as r

    table = r._table()
    assert table.keyword_set is not None  # google-re2 is a dependency: the fast path is the one that runs
    rng = random.Random(24)
    texts = [s.line for s in SAMPLES] + [f"{i}: {s.line.upper()} ☃ {s.line}" for i, s in enumerate(SAMPLES)]
    for _ in range(300):  # keyword fragments, case changes, non-ASCII and glued words
        words = rng.choices(table.words, k=rng.randint(0, 4)) + rng.choices(["x", "é", "K", "=", " "], k=3)
        rng.shuffle(words)
        texts.append("".join(w.upper() if rng.random() < 0.3 else w for w in words))
    for text in texts:
        low = text.lower()
        assert sorted(table.present(low)) == [i for i, k in enumerate(table.words) if k in low]
        assert r.spans(text) == _slow_spans(text)


def test_a_text_re2_cannot_take_is_still_masked_by_the_slow_look_up() -> None:
    from secscan.analyzers.secrets import redact as r

    gh = next(s for s in SAMPLES if s.pattern == "github-pat")
    text = f"lone surrogate \ud800 then {gh.line}"  # not encodable as UTF-8: RE2 refuses it
    with pytest.raises(UnicodeEncodeError):
        text.encode("utf-8")
    assert r.spans(text) == _slow_spans(text) != []
    assert gh.value not in r._redact(text)


@pytest.mark.parametrize("sample", SAMPLES[:40], ids=lambda s: s.pattern)
def test_without_re2_every_type_is_still_masked(sample, monkeypatch: pytest.MonkeyPatch) -> None:
    from secscan.analyzers.secrets import redact as r

    monkeypatch.setattr(r._table(), "keyword_set", None)
    assert sample.value not in r._redact(f"said: {sample.line} (end)")
