"""Token formats as data: ``ghp_{b62:36}`` -> a regex, keywords, and (in tests) a generator.

A format is literal text with pieces in braces:

- ``{CHARSET:N}`` / ``{CHARSET:N-M}``: N (to M) characters of a named character set (:data:`CHARSETS`);
- ``{uuid}``: a lower-case hex UUID (8-4-4-4-12);
- ``{a|b|c}``: one of literal alternatives (an empty one makes the group optional: ``{_TEST|}``).

The regex matches the whole token with a boundary on each side: a literal start needs a word boundary (or a
non-word character), a character-set start or end needs a character outside that set (or the line's edge).
A *context* rule only matches after one of its context words in an assignment (``DATADOG_API_KEY = "..."``).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache

_UP, _LO, _DI = string.ascii_uppercase, string.ascii_lowercase, string.digits
CHARSETS: dict[str, str] = {
    "hex": _DI + "abcdef",
    "HEX": _DI + "ABCDEF",
    "xhex": _DI + "abcdefABCDEF",
    "digit": _DI,
    "lower": _LO,
    "upper": _UP,
    "alpha": _LO + _UP,
    "lalnum": _LO + _DI,
    "ualnum": _UP + _DI,
    "b62": _UP + _LO + _DI,
    "b64": _UP + _LO + _DI + "+/",
    "b64u": _UP + _LO + _DI + "_-",
    "word": _UP + _LO + _DI + "_",
    "b32": _UP + "234567",
    "b32l": _LO + "234567",
    "bech32u": "".join(c for c in _UP + _DI if c not in "1BIO"),  # bech32: no 1, b, i, o
    "azs": _UP + _LO + _DI + "_~.-",
    "urlq": _UP + _LO + _DI + "%",
    "slug": _LO + _DI + "_-",  # a lower-case name (Doppler's config segment)
    "b64x": _UP + _LO + _DI + "+/_-",  # base64 in either alphabet
}
_PIECE = re.compile(r"\{([^{}]*)\}")
_SPEC = re.compile(r"^(\w+):(\d+)(?:-(\d+))?$")
# what may stand between a context word and the value: the rest of a name, a quote, an assignment operator
_ASSIGN = r"""[\w.-]{0,40}['"]?[ \t]*(?::=|=>|==?|:|,)[ \t]*(?:[brufBRUF]{0,2}['"])?"""


@dataclass(frozen=True)
class Piece:
    """One part of a format: literal text, alternatives, or characters of a set."""

    kind: str  # "lit" | "alt" | "set"
    text: str = ""
    options: tuple[str, ...] = ()
    charset: str = ""
    low: int = 0
    high: int = 0


def _class(chars: str) -> str:
    """A regex character class for chars (ranges where they are whole)."""
    for name, ranged in (("b64u", "A-Za-z0-9_-"), ("b64", "A-Za-z0-9+/"), ("b62", "A-Za-z0-9"),
                         ("slug", "a-z0-9_-"), ("b64x", "A-Za-z0-9+/_-"),
                         ("word", "A-Za-z0-9_"), ("azs", "A-Za-z0-9_~.-"), ("urlq", "A-Za-z0-9%"),
                         ("hex", "0-9a-f"), ("HEX", "0-9A-F"), ("xhex", "0-9a-fA-F"), ("digit", "0-9"),
                         ("lower", "a-z"), ("upper", "A-Z"), ("alpha", "A-Za-z"), ("lalnum", "a-z0-9"),
                         ("ualnum", "A-Z0-9"), ("b32", "A-Z2-7"), ("b32l", "a-z2-7")):
        if chars == CHARSETS[name]:
            return f"[{ranged}]"
    return "[" + "".join("\\" + c if c in "\\]^-[" else c for c in chars) + "]"


@cache
def parse(fmt: str) -> tuple[Piece, ...]:
    """The pieces of a format; raises ValueError on an unknown character set or a bad piece."""
    out: list[Piece] = []
    pos = 0
    for m in _PIECE.finditer(fmt):
        if m.start() > pos:
            out.append(Piece("lit", text=fmt[pos:m.start()]))
        body = m.group(1)
        if body == "uuid":
            for i, n in enumerate((8, 4, 4, 4, 12)):
                if i:
                    out.append(Piece("lit", text="-"))
                out.append(Piece("set", charset="hex", low=n, high=n))
        elif "|" in body:
            out.append(Piece("alt", options=tuple(body.split("|"))))
        else:
            spec = _SPEC.match(body)
            if not spec or spec.group(1) not in CHARSETS:
                raise ValueError(f"format {fmt!r}: bad piece {{{body}}}")
            low = int(spec.group(2))
            high = int(spec.group(3)) if spec.group(3) else low
            if high < low or low < 1:
                raise ValueError(f"format {fmt!r}: bad length in {{{body}}}")
            out.append(Piece("set", charset=spec.group(1), low=low, high=high))
        pos = m.end()
    if pos < len(fmt):
        out.append(Piece("lit", text=fmt[pos:]))
    if not out:
        raise ValueError("empty format")
    return tuple(out)


def _piece_regex(p: Piece) -> str:
    if p.kind == "lit":
        return re.escape(p.text)
    if p.kind == "alt":
        opts = [re.escape(o) for o in p.options if o]
        group = "(?:" + "|".join(opts) + ")"
        return group + "?" if "" in p.options else group
    count = f"{{{p.low}}}" if p.low == p.high else f"{{{p.low},{p.high}}}"
    return _class(CHARSETS[p.charset]) + count


def prefilter_regex(fmt: str, cap: int = 16) -> str:
    """A superset of the token for a multi-pattern pre-filter: each run ``{n,m}`` becomes ``{min(n,cap),}``
    (cheap for Hyperscan and RE2 to compile whatever m is), no boundaries."""
    out = []
    for p in parse(fmt):
        if p.kind == "set":
            out.append(_class(CHARSETS[p.charset]) + f"{{{min(p.low, cap)},}}")
        else:
            out.append(_piece_regex(p))
    return "".join(out)


def _first_chars(p: Piece) -> str:
    if p.kind == "set":
        return CHARSETS[p.charset]
    texts = [p.text] if p.kind == "lit" else [o for o in p.options if o]
    return "".join(t[0] for t in texts)


def token_regex(fmt: str) -> str:
    """The token itself, without boundaries."""
    return "".join(_piece_regex(p) for p in parse(fmt))


def _start(pieces: tuple[Piece, ...]) -> str:
    first = pieces[0]
    if first.kind == "set":
        return f"(?:^|[^{_class(CHARSETS[first.charset])[1:-1]}])"
    return ""  # a literal start: the word boundary is checked by the engine (see word_start)


def word_start(fmt: str, context: tuple[str, ...] = (), lead: str = "") -> bool:
    """Whether a match must not follow a word character. Checked outside the regex, so that the regex starts
    with its literal (Python's ``re`` then finds candidates by a fast literal search instead of trying every
    position, as it must for a leading ``\\b``)."""
    first = parse(fmt)[0]
    return not context and not lead and first.kind != "set" and \
        all(c.isalnum() or c == "_" for c in _first_chars(first))


def _end(pieces: tuple[Piece, ...]) -> str:
    last = pieces[-1]
    if last.kind == "set":
        return f"(?:[^{_class(CHARSETS[last.charset])[1:-1]}]|$)"
    if last.kind == "alt" and "" in last.options and len(pieces) > 1 and pieces[-2].kind == "set":
        return f"(?:[^{_class(CHARSETS[pieces[-2].charset])[1:-1]}]|$)"  # an optional suffix: the run ends
    return ""


def rule_regex(fmt: str, context: tuple[str, ...] = (), lead: str = "") -> str:
    """The rule's regex: group 1 is the token; a context rule needs a context word and an assignment first."""
    pieces = parse(fmt)
    body = f"({token_regex(fmt)}){_end(pieces)}"
    if lead:
        return re.escape(lead) + body
    if context:
        words = "|".join(re.escape(w) for w in context)
        return f"(?i:(?:{words}){_ASSIGN}){body}"
    return _start(pieces) + body


def literals(fmt: str) -> tuple[str, ...]:
    """Literals (as written) one of which every token contains: the token's whole literal start
    (alternatives expanded) when it has 3 or more characters, else its longest literal piece, else none."""
    starts = [""]
    for p in parse(fmt):
        stop = p.kind == "set" or (p.kind == "alt" and "" in p.options)
        if stop or len(starts) * len(p.options or "x") > 16:
            break
        opts = (p.text,) if p.kind == "lit" else p.options
        starts = [a + b for a in starts for b in opts]
    if all(len(x) >= 3 for x in starts):
        return tuple(sorted(set(starts)))
    lits = [p.text for p in parse(fmt) if p.kind == "lit" and len(p.text) >= 3]
    return (max(lits, key=len),) if lits else ()


def literal_keywords(fmt: str, lead: str = "") -> tuple[str, ...]:
    """The pre-filter keywords of a format: its :func:`literals` (or its lead), lower-case."""
    if lead:
        return (lead.lower(),)
    return tuple(sorted({x.lower() for x in literals(fmt)}))


def min_length(fmt: str) -> int:
    """The shortest token the format allows."""
    total = 0
    for p in parse(fmt):
        if p.kind == "lit":
            total += len(p.text)
        elif p.kind == "alt":
            total += min(len(o) for o in p.options)
        else:
            total += p.low
    return total
