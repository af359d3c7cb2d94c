"""The string fast paths of results/context.py and run/files.py give what the pathlib and realpath forms
gave: path parts and parents, relative names of the .py files, classification memoised per path, and the
output folder left out only by its real path."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from secscan.results import context
from secscan.run.files import OUTPUT, walk

PATHS = ["a/b/c.py", "c.py", "a//b/c.py", "./a/b.py", "a/./b.py", "a/b/.", "a/b/", "/abs/x.py", "/", "",
         ".", "a/../b.py", "tests/x.py", "Docs/Tests/X.PY", "a/b/c/d/e/f.py", "é/ü.py"]


@pytest.mark.parametrize("path", PATHS)
def test_parts_as_pathlib(path: str) -> None:
    assert context._parts(path) == PurePosixPath(path).parts


@pytest.mark.parametrize("path", ["a/b/c/x.py", "a//b/./c/x.py", "/abs/dir/x.py"])
def test_conftest_parents_as_pathlib(path: str, tmp_path: Path) -> None:
    cl = context.Classifier(tmp_path)
    seen: list[str] = []
    cl._has_conftest = lambda folder: seen.append(folder) or False  # type: ignore[method-assign]
    assert cl.configured_test(path) is None
    assert seen == [q.as_posix() for q in PurePosixPath(path).parents if q.as_posix() != "."]


@pytest.mark.parametrize("path", PATHS)
def test_by_convention_as_with_pathlib(path: str) -> None:
    import fnmatch

    cl = context.Classifier(None)
    p = PurePosixPath(path)
    folders = [part.lower() for part in p.parts[:-1]]
    expected = next((name for name in context.ORDER
                     if any(f in cl.rules[name].folders for f in folders)
                     or any(fnmatch.fnmatchcase(p.name, pat) for pat in cl.rules[name].files)
                     or p.name.lower().endswith(cl.rules[name].suffixes or ("\0",))), None)
    assert cl.by_convention(path) == expected == cl.by_convention(path)


def test_configured_test_folders_and_conftest_parents(tmp_path: Path) -> None:
    (tmp_path / "qa" / "deep").mkdir(parents=True)
    (tmp_path / "qa" / "conftest.py").write_text("")
    (tmp_path / "checks").mkdir()
    cl = context.Classifier(tmp_path, context.TestConfig(("checks",), {"checks": ("tox.ini", 3)}))
    assert cl.configured_test("checks/a.py") == "checks"
    assert cl.configured_test("checksum/a.py") is None  # a folder, not a prefix of a name
    assert cl.configured_test("qa/deep/x.py") == "qa"
    assert cl.configured_test("other/x.py") is None
    assert cl.classify("qa/deep/x.py") == "test" == cl.classify("qa/deep/x.py")
    assert set(cl.widened) == {"qa"}


def test_python_files_relative_names_without_links(tmp_path: Path) -> None:
    for rel in ("a.py", "pkg/b.py", "pkg/sub/c.py", "pkg/d.txt", ".venv/e.py", "node_modules/f.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    os.symlink(tmp_path / "pkg", tmp_path / "link")
    assert context.python_files(tmp_path, 100) == ["a.py", "pkg/b.py", "pkg/sub/c.py"]
    assert context.python_files(tmp_path, 2) == ["a.py", "pkg/b.py"]


def test_support_needs_the_import_not_just_the_folder(tmp_path: Path) -> None:
    for rel, text in (("helpers/__init__.py", "import pytest\n"), ("tests/test_a.py", "import helpers\n"),
                      ("app/main.py", "x = 'helpers'\n"), ("lib2/__init__.py", "import unittest\n"),
                      ("tests/test_b.py", "from lib2 import x\n"), ("app/use.py", "import lib2\n")):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    support = context.Classifier(tmp_path).support()
    assert set(support) == {"helpers"}  # lib2 is imported by product code; app/main.py only names helpers


def test_output_folder_left_out_by_real_path_only(tmp_path: Path) -> None:
    (tmp_path / "src" / "out").mkdir(parents=True)
    (tmp_path / "src" / "out" / "a.py").write_text("")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "b.py").write_text("")
    fs = walk(tmp_path, skip_dirs=[tmp_path / "out"])
    assert fs.files == ["src/out/a.py"] and fs.excluded_by[OUTPUT] == ["out/"]
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "via")
    (tmp_path / "via" / "out").mkdir()
    (real / "out" / "c.py").write_text("")
    fs = walk(tmp_path, skip_dirs=[tmp_path / "via" / "out"])  # named through a link: its real path counts
    assert "real/out/c.py" not in fs.files and "real/out/" in fs.excluded_by[OUTPUT]
