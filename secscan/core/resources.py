"""Where the bundled rules (semgrep rules, secret patterns, severity tables) live."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any


@cache
def rules_dir() -> Path:
    """The rules folder: inside the installed package (wheel), or the source tree's ``rules/``."""
    package = Path(__file__).resolve().parents[1]  # secscan/
    for cand in (package / "_rules", package.parent / "rules"):
        if cand.is_dir():
            return cand
    raise FileNotFoundError("secscan rules folder not found (broken installation)")


def rules_path(*parts: str) -> Path:
    """A path inside the rules folder."""
    return rules_dir().joinpath(*parts)


def tree_hash(path: Path) -> str:
    """A hash of every file under path (names and contents), for cache keys."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        h.update(str(p.relative_to(path if path.is_dir() else path.parent)).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml's C loader when PyYAML has it (~10x faster on the rule files)."""
    import yaml

    if hasattr(yaml, "CSafeLoader"):
        return yaml.load(text, Loader=yaml.CSafeLoader)
    return yaml.safe_load(text)
