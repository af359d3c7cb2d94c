"""A generated corpus of provider tokens, built from each rule's own format description (its ``format``):
true examples in realistic assignment lines and look-alikes that must not be reported (one character too
short or too long, a wrong prefix, a broken checksum, the right value without its context word).

Every token is random (seeded) at run time; none is a real credential. Checksums are applied with the
test-side builders of token_checksums.py, independent of the engine's own checks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from token_checksums import crc_token

from secscan.analyzers.secrets.patterns import Pattern
from secscan.analyzers.secrets.tokenformat import CHARSETS, Piece, parse

TRUE_STYLES = ('TOKEN = "{t}"', "export SERVICE_TOKEN={t}", '  "credential": "{t}",', "auth: {t}",
               'curl -H "Authorization: Bearer {t}" https://api.internal.corp/v1/',
               "# rotated on 2024-05-01: {t}", "const token = '{t}';")
CONTEXT_STYLES = ('{w} = "{t}"', "{W}={t}", '  "{w}": "{t}",', "{w}: {t}", "export {W}_VALUE='{t}'")
NEUTRAL = ('ref = "{t}"', "value: {t}", '  "id": "{t}",', "# build {t}")


@dataclass(frozen=True)
class Example:
    """One corpus line: the rule, the line, the token in it, and what kind of example it is."""

    rule: str
    line: str
    token: str
    kind: str  # "true" or the look-alike's kind


def _piece(p: Piece, rng: random.Random, length: int | None = None) -> str:
    if p.kind == "lit":
        return p.text
    if p.kind == "alt":
        return rng.choice(p.options)
    n = length if length is not None else rng.randint(p.low, p.high)
    return "".join(rng.choice(CHARSETS[p.charset]) for _ in range(n))


def token(pat: Pattern, rng: random.Random, lengths: dict[int, int] | None = None) -> str:
    """A random token of the pattern's format (pieces at index -> forced length), with a valid checksum."""
    lengths = lengths or {}
    text = "".join(_piece(p, rng, lengths.get(i)) for i, p in enumerate(parse(pat.format)))
    if pat.checksum == "crc32-base62" and not lengths:
        text = crc_token(text[: text.rindex("_") + 1], rng)
    return text


def _context_word(pat: Pattern, rng: random.Random) -> str:
    return rng.choice(pat.context)


def true_line(pat: Pattern, tok: str, rng: random.Random) -> str:
    """A realistic line holding tok where the rule expects it."""
    if pat.context:
        w = _context_word(pat, rng)
        return rng.choice(CONTEXT_STYLES).format(w=w, W=w.upper(), t=tok)
    lead = _lead(pat)
    if lead:
        return f"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;{lead}{tok}"
    return rng.choice(TRUE_STYLES).format(t=tok)


def _lead(pat: Pattern) -> str:
    return pat.lead


def true_examples(pat: Pattern, n: int, seed: int) -> list[Example]:
    """n true examples of one rule."""
    rng = random.Random(f"{seed}:{pat.id}")
    out = []
    for _ in range(n):
        tok = token(pat, rng)
        out.append(Example(pat.id, true_line(pat, tok, rng), tok, "true"))
    return out


def _last_set(pieces: tuple[Piece, ...]) -> int:
    return max(i for i, p in enumerate(pieces) if p.kind == "set")


def _mutate_prefix(tok: str, rng: random.Random) -> str:
    i = 0 if tok[0].isalpha() else next((k for k, c in enumerate(tok) if c.isalpha()), 0)
    repl = "Q" if tok[i] not in "Qq" else "Z"
    return tok[:i] + (repl if tok[i].isupper() else repl.lower()) + tok[i + 1:]


def lookalikes(pat: Pattern, n: int, seed: int) -> list[Example]:
    """n look-alikes of each kind that applies to the rule, in neutral lines (no credential name)."""
    rng = random.Random(f"{seed}:{pat.id}:neg")
    pieces = parse(pat.format)
    last = _last_set(pieces)
    out: list[Example] = []
    for _ in range(n):
        kinds: dict[str, str] = {}
        cut = last if pieces[last].low > 1 else max((i for i, p in enumerate(pieces) if p.kind == "set"),
                                                    key=lambda i: pieces[i].low)
        if pieces[cut].low > 1:
            kinds["short"] = token(pat, rng, {cut: pieces[cut].low - 1})
        kinds["long"] = token(pat, rng, {last: pieces[last].high + 1})
        if pieces[0].kind != "set" and not pat.context and not _lead(pat):
            kinds["prefix"] = _mutate_prefix(token(pat, rng), rng)
        if pat.checksum:
            good = token(pat, rng)
            kinds["checksum"] = good[:-1] + ("A" if good[-1] != "A" else "B")
        if pat.context:
            kinds["no-context"] = token(pat, rng)
        if _lead(pat):
            kinds["no-lead"] = token(pat, rng)
        for kind, tok in kinds.items():
            out.append(Example(pat.id, rng.choice(NEUTRAL).format(t=tok), tok, kind))
    return out


def with_rule(ex: Example, rule: str) -> Example:
    """The example under another rule's name."""
    return replace(ex, rule=rule)
