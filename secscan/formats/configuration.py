"""The "Configuration in effect" section every format shows (README "Trust model"): each setting that weakens
the gate or acts outside the scanned tree with where it came from, each tree setting refused or ignored and
why, and what the change under review loosens. Text only: each format escapes it its own way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from secscan.core.model import ConfigSetting, Configuration, Result, setting_source, setting_value

TITLE = "Configuration in effect"
NOT_RECORDED = "Not recorded in this result (an imported or older report)."
NOTHING = "No setting weakens the gate or acts outside the scanned tree; nothing was refused."


@dataclass(frozen=True)
class Row:
    """One setting as a table row."""

    name: str
    value: str
    source: str  # in words, with file and line
    status: str  # applied | refused | ignored
    why: str  # the reason, or what the change loosens ("" when there is nothing to say)
    warn: bool  # refused, ignored, or weakening the gate from the scanned tree


def _row(s: ConfigSetting) -> Row:
    why = s.reason or ""
    if s.change:
        why = f"the change {s.change}" + (f"; {why}" if why else "")
    warn = s.status != "applied" or s.source == "tree"
    return Row(s.name, setting_value(s, 200), setting_source(s), s.status, why, warn)


def rows(result: Result) -> list[Row]:
    """The rows of the section: refused and ignored settings first, then the tree's, then the rest."""
    conf = result.configuration
    if conf is None:
        return []
    order = {"refused": 0, "ignored": 1}
    ranked = sorted(conf.settings, key=lambda s: (order.get(s.status, 2), s.source != "tree"))
    return [_row(s) for s in ranked]


def headline(result: Result) -> str:
    """One sentence: how the scanned tree's configuration was trusted, and what it was compared with."""
    conf = result.configuration
    if conf is None:
        return NOT_RECORDED
    parts = ["The scanned tree's pyproject.toml was trusted (--trust-tree-config)." if conf.trust_tree_config
             else "The scanned tree's pyproject.toml is untrusted: settings that would run a program, open "
                  "connections or choose the advisories are refused from it; settings that weaken the gate "
                  "apply and are listed here."]
    if conf.strict:
        parts.append(f"--strict: gate-weakening settings the change adds (compared with "
                     f"{conf.reference or 'nothing'}) are ignored.")
    elif conf.reference:
        parts.append(f"Compared with {conf.reference}: what the change loosens is a finding of its own.")
    if not conf.settings:
        parts.append(NOTHING)
    return " ".join(parts)


def _config_notes(conf: Configuration | None) -> set[str]:
    return set(conf.notes) if conf is not None else set()


def other_notes(result: Result) -> list[str]:
    """The result's notes that the configuration section does not already say."""
    known = _config_notes(result.configuration)
    return [n for n in result.notes if n not in known]


def summary_lines(result: Result) -> Sequence[str]:
    """One terminal line per refused or ignored setting and per tree setting that weakens the gate."""
    out = []
    for r in rows(result):
        if not r.warn:
            continue
        verb = {"refused": "REFUSED", "ignored": "ignored"}.get(r.status, "applies")
        out.append(f"config: {verb} {r.name} = {r.value} from {r.source}" + (f": {r.why}" if r.why else ""))
    return out
