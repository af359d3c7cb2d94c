"""The scanned tree's own bandit configuration, read the way bandit reads it (pure functions on file texts).

secscan hands bandit the tree's ``.bandit`` (``--ini``, it wins) or ``pyproject.toml`` (``-c``, when it has a
``[tool.bandit]`` table) as it is. What that configuration turns off (``skips``, a ``tests`` allow-list, the
folders ``exclude_dirs`` leaves out) is listed in the report's configuration in effect, with file and line,
and compared with the reference revision under ``--changed-since``.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from secscan.scanners import canaries

FILES = (".bandit", "pyproject.toml")


@dataclass(frozen=True)
class BanditConfig:
    """The lists of the configuration file bandit is given."""

    file: str  # ".bandit" or "pyproject.toml"
    section: str  # "bandit" or "tool.bandit"
    tests: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # pyproject's exclude_dirs (bandit ignores .bandit's exclude beside -x)
    text: str = ""


@dataclass(frozen=True)
class TurnedOff:
    """A setting of the tree's bandit configuration that turns checks off, where it is."""

    name: str  # "[tool.bandit] skips", "[bandit] tests", "[tool.bandit] exclude_dirs"
    values: tuple[str, ...]
    file: str
    line: int | None

    @property
    def key(self) -> str:
        """skips, tests or exclude_dirs."""
        return self.name.rsplit(" ", 1)[-1]


def split_like_bandit(raw: str) -> list[str]:
    """bandit splits ``tests``/``skips`` on commas without stripping: " B301" selects nothing."""
    return [t for t in raw.split(",") if t] if raw else []


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _ini(text: str) -> BanditConfig:
    cp = configparser.ConfigParser()
    try:
        cp.read_string(text)
    except configparser.Error:
        return BanditConfig(".bandit", "bandit", text=text)
    return BanditConfig(".bandit", "bandit", tuple(split_like_bandit(cp.get("bandit", "tests", fallback=""))),
                        tuple(split_like_bandit(cp.get("bandit", "skips", fallback=""))), text=text)


def _toml(text: str) -> BanditConfig | None:
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return None
    conf = tool.get("bandit") if isinstance(tool, dict) else None
    if not isinstance(conf, dict):
        return None
    return BanditConfig("pyproject.toml", "tool.bandit", _strings(conf.get("tests", [])),
                        _strings(conf.get("skips", [])), _strings(conf.get("exclude_dirs", [])), text)


def read(texts: Mapping[str, str]) -> BanditConfig | None:
    """The configuration bandit is given, from the texts of ``.bandit`` and ``pyproject.toml`` (absent: not in
    the mapping); None when neither configures bandit."""
    if ".bandit" in texts:
        return _ini(texts[".bandit"])
    return _toml(texts["pyproject.toml"]) if "pyproject.toml" in texts else None


def from_tree(target: Path) -> BanditConfig | None:
    """The configuration in the target folder."""
    texts = {}
    for name in FILES:
        path = target / name
        if path.is_file():
            try:
                texts[name] = path.read_text("utf-8", "replace")
            except OSError:
                continue
    return read(texts)


def config_args(target: Path) -> list[str]:
    """bandit's arguments for the tree's configuration file."""
    conf = from_tree(target)
    if conf is None:
        return []
    return ["--ini", str(target / ".bandit")] if conf.file == ".bandit" else ["-c", str(target / conf.file)]


def _key_line(text: str, section: str, key: str) -> int | None:
    """The line of ``key`` (``key =`` or ``key:``) in the ``[section]`` of an INI or TOML file."""
    inside = False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            inside = line.split("#", 1)[0].strip() == f"[{section}]"
        elif inside and re.match(rf"{re.escape(key)}\s*[=:]", line):
            return n
    return None


def turned_off(conf: BanditConfig | None) -> list[TurnedOff]:
    """What the configuration turns off: ``skips``, ``tests`` (an allow-list) and ``exclude_dirs``."""
    if conf is None:
        return []
    lists = (("skips", conf.skips), ("tests", conf.tests), ("exclude_dirs", conf.excluded))
    return [TurnedOff(f"[{conf.section}] {key}", values, conf.file, _key_line(conf.text, conf.section, key))
            for key, values in lists if values]


def added(old: BanditConfig | None, new: BanditConfig | None) -> dict[str, tuple[str, ...]]:
    """What the new configuration turns off that the old one did not: key -> the values it adds (for
    ``tests``, every test id the new allow-list leaves out that the old one ran)."""
    out: dict[str, tuple[str, ...]] = {}
    if new is None:
        return out
    before = old or BanditConfig(new.file, new.section)
    pairs = (("skips", new.skips, before.skips), ("exclude_dirs", new.excluded, before.excluded))
    for key, now, was in pairs:
        more = tuple(v for v in now if v not in was)
        if more:
            out[key] = more
    if new.tests and (not before.tests or set(before.tests) - set(new.tests)):
        out["tests"] = new.tests  # a new allow-list, or one that runs fewer tests than before
    return out


def is_blacklist(test_id: str) -> bool:
    """bandit's blacklist tests: calls B301-B323 and imports B4xx (B324 hashlib is a plugin)."""
    digits = test_id[1:]
    if not (test_id.startswith("B") and len(digits) == 3 and digits.isdigit()):
        return False
    return 301 <= int(digits) <= 323 or 400 <= int(digits) <= 499


def expand_b001(ids: set[str]) -> set[str]:
    """bandit's legacy B001: "every blacklist test", unless a blacklist test is named beside it."""
    if "B001" in ids and not any(is_blacklist(t) for t in ids):
        return ids | {t for t in canaries.BANDIT_EXPECTED if is_blacklist(t)}
    return ids


def _skips(conf: BanditConfig | None) -> frozenset[str]:
    return frozenset(expand_b001(set(conf.skips)) - {"B001"}) if conf else frozenset()


def configured_skips(target: Path) -> frozenset[str]:
    """Test ids the target's bandit configuration skips (by ``skips``)."""
    return _skips(from_tree(target))


def disabled_tests(target: Path, expected: frozenset[str]) -> frozenset[str]:
    """Which expected test ids the configuration leaves disabled (``skips``, or not listed in ``tests``)."""
    conf = from_tree(target)
    if conf is None:
        return frozenset()
    off = set(_skips(conf) & expected)  # the files are read once
    if conf.tests:
        selected = expand_b001(set(conf.tests))
        off |= {t for t in expected if t not in selected}
    return frozenset(off)
