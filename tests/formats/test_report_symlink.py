"""Reports are never written through a symbolic link that leads out of the scanned tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.core.errors import SecscanError
from secscan.formats.write import check_destination


def test_a_committed_reports_link_out_of_the_tree_is_refused(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    tree, elsewhere = tmp_path / "tree", tmp_path / "elsewhere"
    tree.mkdir()
    elsewhere.mkdir()
    (tree / "app.py").write_text("x = 1\n")
    (tree / "reports").symlink_to(elsewhere, target_is_directory=True)
    code = main(["secrets", str(tree), "--scanners", "secscan-secrets", "--offline", "--no-cache", "--quiet",
                 "--output-dir", str(tree / "reports")])
    assert code == 2 and list(elsewhere.iterdir()) == []
    assert "symbolic link that leads out of it" in capsys.readouterr().err


def test_links_inside_the_tree_and_folders_outside_it_are_fine(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "real").mkdir(parents=True)
    (tree / "out").symlink_to(tree / "real", target_is_directory=True)
    check_destination(tree / "out", tree)
    check_destination(tmp_path / "anywhere", tree)
    (tree / "away").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(SecscanError):
        check_destination(tree / "away" / "deeper", tree)
