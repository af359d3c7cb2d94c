"""The structure stays true: the import contracts hold, no module imports another in a cycle, only the
process layer starts processes, and the version is stated once."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "secscan"
PROCESS_MODULES = ("subprocess", "multiprocessing", "pty", "pexpect")


def test_import_contracts_hold() -> None:
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is in the test extra")
    assert cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_no_import_cycle_between_modules() -> None:
    grimp = pytest.importorskip("grimp", reason="grimp is in the test extra")
    graph = grimp.build_graph("secscan")
    cycles = sorted((m, o) for m in graph.modules for o in graph.find_modules_directly_imported_by(m)
                    if graph.chain_exists(importer=o, imported=m))
    assert cycles == []


def _imports(path: Path) -> set[str]:
    """Top-level names of every absolute import in a module."""
    return {name.split(".")[0] for name in _full_imports(path)}


def test_only_the_process_layer_starts_processes() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                 if p.parent.name != "process" and _imports(p) & set(PROCESS_MODULES)]
    assert offenders == []


def test_the_library_never_imports_the_cli() -> None:
    entry = ("cli", "__main__.py")  # the command line itself, and `python -m secscan`
    library = [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in entry]
    offenders = [str(p.relative_to(ROOT)) for p in library
                 if any(n == "secscan.cli" or n.startswith("secscan.cli.") for n in _full_imports(p))]
    assert offenders == []


def _full_imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def test_version_is_the_packaging_version() -> None:
    from secscan import __version__

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert __version__ == meta["project"]["version"]
