"""The generated corpus (issue 23): every format-built rule's own format yields true examples that the engine
reports under that rule with that value, and look-alikes (one character short or long, a wrong prefix, a
broken checksum, no context word) that it does not report. Recall >= 95% and look-alikes <= 1%, overall and
per rule; every rule has at least two examples of each."""

from __future__ import annotations

import hashlib

import pytest
from token_corpus import Example, lookalikes, true_examples

from secscan.analyzers.secrets import SecretEngine, load_patterns
from secscan.analyzers.secrets.patterns import Pattern

PATTERNS = load_patterns()
FORMATTED = [p for p in PATTERNS if p.format]
PER_RULE = 400  # true examples per rule (look-alikes: PER_RULE // 4 of each kind that applies)


@pytest.fixture(scope="module")
def engine() -> SecretEngine:
    return SecretEngine(PATTERNS, "auto")


def _found(engine: SecretEngine, pat: Pattern, examples: list[Example]) -> list[bool]:
    data = "\n".join(x.line for x in examples).encode()
    hits = {(f.location.start_line, f.secret_hash) for f in engine.scan_bytes("corpus.txt", data)
            if f.rule_id == pat.rule_id and f.location is not None}
    return [(i, hashlib.sha1(x.token.encode()).hexdigest()) in hits for i, x in enumerate(examples, 1)]


def _flagged(engine: SecretEngine, examples: list[Example]) -> list[bool]:
    data = "\n".join(x.line for x in examples).encode()
    lines = {f.location.start_line for f in engine.scan_bytes("lookalikes.txt", data) if f.location}
    return [i in lines for i in range(1, len(examples) + 1)]


def test_at_least_150_provider_families() -> None:
    assert len(PATTERNS) >= 150
    assert len({p.provider for p in PATTERNS if p.provider}) >= 100
    assert len(FORMATTED) >= 150


def test_corpus_recall_and_lookalikes(engine: SecretEngine) -> None:
    total = found = neg = flagged = 0
    worst: list[str] = []
    for pat in FORMATTED:
        trues = true_examples(pat, PER_RULE, seed=23)
        fakes = lookalikes(pat, PER_RULE // 4, seed=23)
        assert len(trues) >= 2 and len(fakes) >= 2, pat.id
        hit, bad = sum(_found(engine, pat, trues)), sum(_flagged(engine, fakes))
        total, found, neg, flagged = total + len(trues), found + hit, neg + len(fakes), flagged + bad
        if hit < 0.95 * len(trues) or bad > 0.01 * len(fakes):
            worst.append(f"{pat.id}: recall {hit}/{len(trues)}, look-alikes {bad}/{len(fakes)}")
    assert total >= 150 * PER_RULE
    assert found >= 0.95 * total and flagged <= 0.01 * neg, worst
    assert not worst, worst


def test_lookalike_kinds_cover_checksums_and_context() -> None:
    kinds = {x.kind for p in FORMATTED for x in lookalikes(p, 1, seed=1)}
    assert {"short", "long", "prefix", "checksum", "no-context", "no-lead"} <= kinds
