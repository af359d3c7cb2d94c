"""The engine's own outcomes (a scanner skipped by the plan, one cut short by Ctrl-C) carry the categories
the scanner declares, like every outcome of a scanner that ran."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from secscan.core.model import Category, Status
from secscan.core.options import ScanOptions
from secscan.process.runner import Runner
from secscan.run import engine
from secscan.run.files import walk


def _tree(tmp_path: Path) -> Path:
    target = tmp_path / "t"
    target.mkdir()
    (target / "requirements.txt").write_text("requests==2.19.1\n", "utf-8")
    (target / "app.py").write_text("x = 1\n", "utf-8")
    return target


def _run(opts: ScanOptions) -> dict[str, Any]:
    fs = walk(opts.target)
    fs.selected = list(fs.files)
    runs, interrupted = engine.run_scanners(opts, fs, Runner(), lambda *_a: None)
    return {"interrupted": interrupted, **{r.result.name: r.result for r in runs}}


def test_a_skipped_scanner_carries_its_categories(tmp_path: Path) -> None:
    opts = ScanOptions(target=_tree(tmp_path), scanners=("pip-audit",), offline=True, use_cache=False)
    s = _run(opts)["pip-audit"]
    assert s.status is Status.SKIPPED and s.reason == "offline"
    assert s.categories == (Category.DEPENDENCY,)


@pytest.fixture
def ctrl_c(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every scanner blocks until released; the engine's first wait raises KeyboardInterrupt (Ctrl-C)."""
    release = threading.Event()
    real_wait = engine.wait
    calls: list[int] = []

    def blocked(*_args: Any, **_kw: Any) -> Any:
        release.wait(5)
        raise RuntimeError("released")

    def wait(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real_wait(*args, **{**kw, "timeout": 0.1})

    monkeypatch.setattr(engine, "execute_cached", blocked)
    monkeypatch.setattr(engine, "wait", wait)
    yield
    release.set()


def test_an_interrupted_scanner_carries_its_categories(tmp_path: Path, ctrl_c: None) -> None:
    opts = ScanOptions(target=_tree(tmp_path), scanners=("trivy",), use_cache=False, canary=False)
    out = _run(opts)
    s = out["trivy"]
    assert out["interrupted"] and s.status is Status.FAILED and "interrupted" in (s.reason or "")
    assert s.categories == (Category.DEPENDENCY, Category.MISCONFIGURATION, Category.SECRET)
