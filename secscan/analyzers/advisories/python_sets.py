"""Requirement sets that one pip-audit process can take together.

pip-audit audits the files it is given with ``-r`` as one set and refuses a set that asks for one package
in two ways ("package X has duplicate requirements"); pip refuses unsatisfiable ones when it resolves. A
monorepo or a folder of lab projects pinning different versions of one package is therefore audited in
several processes: the files are placed, in order, in the first set none of whose files asks any of their
packages differently (first fit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def compatible_sets(specs: Sequence[Mapping[str, str]]) -> list[list[int]]:
    """Indices of ``specs`` (one name -> specifier mapping per file) grouped so that no two files of a group
    ask for one package differently; groups and their members keep the input's order."""
    groups: list[tuple[list[int], dict[str, str]]] = []
    for i, wanted in enumerate(specs):
        for members, merged in groups:
            if all(merged.get(name, spec) == spec for name, spec in wanted.items()):
                members.append(i)
                merged.update(wanted)
                break
        else:
            groups.append(([i], dict(wanted)))
    return [members for members, _ in groups]


def names(specs: Sequence[Mapping[str, str]]) -> set[str]:
    """Every package name any of the files names."""
    return {name for wanted in specs for name in wanted}
