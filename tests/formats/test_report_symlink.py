"""Reports are never written through a symbolic link that leads out of the scanned tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from secscan.core.errors import SecscanError
from secscan.formats.write import check_destination


def test_links_inside_the_tree_and_folders_outside_it_are_fine(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "real").mkdir(parents=True)
    (tree / "out").symlink_to(tree / "real", target_is_directory=True)
    check_destination(tree / "out", tree)
    check_destination(tmp_path / "anywhere", tree)
    (tree / "away").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(SecscanError):
        check_destination(tree / "away" / "deeper", tree)
