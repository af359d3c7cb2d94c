"""Shared fixtures: sample paths, fake tool executables on PATH, small planted trees."""

from __future__ import annotations

import os
import stat
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples"


@pytest.fixture
def samples() -> Path:
    """../shared/samples, or skip when this checkout has no shared material beside it."""
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples not present beside the project")
    return SAMPLES


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Create executables that shadow real tools: fake_bin(name, shell_script_body)."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")

    def make(name: str, body: str) -> Path:
        path = folder / name
        path.write_text("#!/bin/sh\n" + textwrap.dedent(body).lstrip("\n"), "utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    return make


INSECURE_PY = """\
import hashlib
import pickle
import subprocess


def run(cmd, blob):
    subprocess.call(cmd, shell=True)
    data = pickle.loads(blob)
    return hashlib.md5(data).hexdigest()
"""


@pytest.fixture
def insecure_tree(tmp_path: Path) -> Path:
    """A small tree with planted SAST problems (lines 7, 8, 9 of app.py)."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text(INSECURE_PY, "utf-8")
    (root / "clean.py").write_text("def add(a, b):\n    return a + b\n", "utf-8")
    return root
