"""The code-context step of a scan's finish: context of every finding (results/context.py), test material
(results/test_material.py), protocol and library context (results/protocols.py), and the test folders the
tree's configuration adds, for the configuration in effect."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from secscan.core.model import Configuration, Finding
from secscan.results import context, protocols, test_material


def apply(findings: Sequence[Finding], root: Path | None, gate_tests: bool,
          configuration: Configuration) -> tuple[list[Finding], Configuration]:
    """(findings with context, out_of_gate, test material and protocol context; the configuration in effect
    with the tree's own test folders that decided a context)."""
    tree = root if root is not None and root.is_dir() else None
    classifier = context.Classifier(tree, context.read_test_config(tree) if tree is not None else None)
    items = context.apply(findings, tree, gate_tests, classifier)
    items = test_material.apply(items, tree, classifier)
    items = protocols.apply(items, tree)
    return items, context.configuration(configuration, classifier, gate_tests)
