"""The scanned tree's own tool configuration that turns checks off, for the "Configuration in effect" section.

bandit reads ``skips`` and ``tests`` from the tree's ``.bandit`` or ``[tool.bandit]`` (secscan hands that
file to bandit as it is): each is listed with its file and line as a gate-weakening setting from the tree,
so a reviewer sees which tests never ran. secscan does not change what bandit skips.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secscan.core.model import ConfigSetting, Trust
from secscan.core.options import Source
from secscan.scanners import registry
from secscan.scanners.bandit import turned_off

WHY = {"skips": "bandit runs none of these tests (the scanned tree's bandit configuration, applied as it is)",
       "tests": "bandit runs only these tests (the scanned tree's bandit configuration, applied as it is)"}


def runs_bandit(command: str, scanners: Sequence[str] | None) -> bool:
    """Whether this command would start bandit."""
    return "bandit" in registry.COMMANDS.get(command, ()) and (scanners is None or "bandit" in scanners)


def tool_settings(root: Path, command: str, scanners: Sequence[str] | None) -> tuple[ConfigSetting, ...]:
    """The tree's bandit settings that turn tests off, when this command runs bandit."""
    if not runs_bandit(command, scanners):
        return ()
    return tuple(ConfigSetting(t.name, list(t.values), Source.TREE.value, Trust.WEAKENS_GATE,
                               reason=WHY[t.name.rsplit(" ", 1)[-1]], file=t.file, line=t.line)
                 for t in turned_off(root))
