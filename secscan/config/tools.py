"""The scanned tree's own tool configuration that turns checks off, for the "Configuration in effect" section.

bandit reads ``skips``, ``tests`` and ``exclude_dirs`` from the tree's ``.bandit`` or ``[tool.bandit]``
(secscan hands that file to bandit as it is): each is listed with its file and line as a gate-weakening
setting from the tree, so a reviewer sees which tests and folders bandit never ran. With ``--changed-since``
(or ``--strict``), what the change adds there is marked like a ``[tool.secscan]`` change and becomes a
``secscan.config-weakened`` finding; ``--strict`` cannot drop it (bandit reads the file itself), so it counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from secscan.config import changed
from secscan.core.errors import UsageError
from secscan.core.model import ConfigSetting, Trust
from secscan.core.options import Source
from secscan.process.runner import Runner
from secscan.scanners import bandit_config, registry

WHY = {"skips": "bandit runs none of these tests (the scanned tree's bandit configuration, applied as it is)",
       "tests": "bandit runs only these tests (the scanned tree's bandit configuration, applied as it is)",
       "exclude_dirs": "bandit scans no file under these folders (the scanned tree's bandit configuration, "
                       "applied as it is): its outcome is partial"}


def runs_bandit(command: str, scanners: Sequence[str] | None) -> bool:
    """Whether this command would start bandit."""
    return "bandit" in registry.COMMANDS.get(command, ()) and (scanners is None or "bandit" in scanners)


def tool_settings(root: Path, command: str, scanners: Sequence[str] | None) -> tuple[ConfigSetting, ...]:
    """The tree's bandit settings that turn checks off, when this command runs bandit."""
    if not runs_bandit(command, scanners):
        return ()
    return tuple(ConfigSetting(t.name, list(t.values), Source.TREE.value, Trust.WEAKENS_GATE,
                               reason=WHY[t.key], file=t.file, line=t.line)
                 for t in bandit_config.turned_off(bandit_config.from_tree(root)))


def mark_changes(settings: Sequence[ConfigSetting], root: Path, ref: str, strict: bool,
                 runner: Runner | None = None) -> tuple[ConfigSetting, ...]:
    """The settings, each with what the change since REF adds to it (``change``). When git cannot read REF:
    a UsageError without --strict; with it, everything counts as the change's (fail safe)."""
    if not settings:
        return tuple(settings)
    failsafe = ""
    try:
        texts = changed.texts_at(root, ref, [root / n for n in bandit_config.FILES], runner)
        old = bandit_config.read({p.name: t for p, t in texts.items()})
    except UsageError as exc:
        if not strict:
            raise UsageError(f"--changed-since: {exc}") from None
        old, failsafe = None, f" ({exc}: all of it counts as the change's)"
    added = bandit_config.added(old, bandit_config.from_tree(root))
    out = []
    for s in settings:
        section, key = s.name[1:].split("] ", 1)
        more = added.get(key)
        if more:
            s = replace(s, change=f"adds {key} {', '.join(more)} to [{section}]{failsafe}")
        out.append(s)
    return tuple(out)
