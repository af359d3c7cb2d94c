"""With ``--changed-since REF``: each gate-weakening setting the change adds to or loosens in the scanned
tree's ``[tool.secscan]`` is a finding of its own (``secscan.config-weakened``, medium, at its line of
pyproject.toml).

They are added after triage and after the change's other findings are marked, so neither the tree's own
suppressions and severity overrides nor --changed-since can hide them: they always count for the gate.
"""

from __future__ import annotations

from secscan.core.model import Category, Configuration, Finding, Location, Severity
from secscan.results import fingerprint

RULE_ID = "secscan.config-weakened"
TITLE = "The change weakens the security gate"
FIX = ("review the setting: drop it, or keep it in a configuration the pipeline owns (--config FILE); "
       "--strict ignores what a change adds")


def findings(conf: Configuration) -> list[Finding]:
    """One finding per applied setting of the tree that the change adds or loosens."""
    out = []
    for s in conf.settings:
        if not (s.change and s.applied and s.source == "tree"):
            continue
        where = Location(s.file, s.line, s.line) if s.file else None
        message = f"this change {s.change} (compared with {conf.reference}): less counts for the gate"
        out.append(Finding(RULE_ID, TITLE, message, Severity.MEDIUM, "medium", Category.MISCONFIGURATION,
                           ("secscan",), where, remediation=FIX,
                           properties={"setting": s.name, "value": s.value, "reference": conf.reference}))
    return fingerprint.assign(out)
