"""The code-context step of a scan's finish: context of every finding (results/context.py), test material
(results/test_material.py), protocol and library context (results/protocols.py), and the test folders the
tree's configuration adds, for the configuration in effect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from secscan.core.model import ConfigSetting, Configuration, Finding, Trust
from secscan.results import context, protocols, test_material, url_placeholders


def apply(findings: Sequence[Finding], root: Path | None, gate_tests: bool, configuration: Configuration,
          changed_since: str | None = None) -> tuple[list[Finding], Configuration]:
    """(findings with context, out_of_gate, test material and protocol context; the configuration in effect
    with the tree's own test folders that decided a context, and the files the change under review moves
    into test code). Under review (--changed-since, --strict) a finding in a file the change moved from
    product code into a test path keeps counting: the move cannot take it out of the gate."""
    tree = root if root is not None and root.is_dir() else None
    classifier = context.Classifier(tree, context.read_test_config(tree) if tree is not None else None)
    items = context.apply(findings, tree, gate_tests, classifier)
    ref = changed_since or configuration.reference
    moved = context.moved_into_tests(tree, ref, classifier) if tree is not None and ref else {}
    if moved:
        items = [f.with_(out_of_gate=None) if f.out_of_gate and context.finding_path(f) in moved else f
                 for f in items]
    items = test_material.apply(items, tree, classifier)
    items = protocols.apply(items, tree)
    items = url_placeholders.apply(items, tree)
    conf = context.configuration(configuration, classifier, gate_tests)
    if moved:
        conf = replace(conf, settings=(*conf.settings, *(
            ConfigSetting(context.SETTING, new, "tree", Trust.WEAKENS_GATE, "ignored",
                          f"the change moves {old} from product code into test code: its findings keep "
                          "counting for the gate", change=f"moves {old} to {new} (test code)")
            for new, old in sorted(moved.items()))))
    return items, conf
