"""notebooks: Jupyter notebooks scanned like Python (issue 31). Code cells become Python files with a line map
(secscan/analyzers/notebooks.py) in a private folder; bandit and semgrep scan them through their own adapters
(same flags, rules and parsers); every finding is moved back to the notebook: its location is the line of the
``.ipynb`` file, its properties name the cell and the line in the cell. Outputs and metadata go through the
own secret engine. A notebook that does not parse is a coverage gap (partial, named), never clean.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.core.model import Category, Finding, Location, Parsed, Status
from secscan.core.provenance import TaintTrace
from secscan.core.version import __version__
from secscan.scanners import canaries
from secscan.scanners.interface import Canary, InProcessScanner, ScanContext, ScannerInfo, ScanOutput

if TYPE_CHECKING:
    from secscan.analyzers.notebooks import Converted
    from secscan.process.runner import Runner

SUFFIX = ".ipynb"
CANARY_FILE = "secscan_canary_notebook.ipynb"
CANARY_EXPECTED = frozenset({"B301", "B602", "secscan.aws-access-key-id"})
_ORDER = (Status.OK, Status.PARTIAL, Status.SKIPPED, Status.TIMEOUT, Status.FAILED)


def canary_notebook() -> str:
    """A notebook with a deserialisation cell, a shell line fed by input, and a fake key in an output."""
    import json

    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["secscan canary notebook\n"]},
             {"cell_type": "code", "metadata": {}, "execution_count": 1,
              "outputs": [{"output_type": "stream", "name": "stdout", "text": canaries.fake_aws_key_file()}],
              "source": ["import pickle\n", "data = input()\n", "obj = pickle.loads(data)\n",
                         "!ls {data}\n"]}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


@dataclass
class _Book:
    path: str  # as the finding must name it (relative to the target, or the canary's absolute path)
    converted: Converted
    canary: bool = False


class NotebookScanner(InProcessScanner):
    """bandit and semgrep on the code cells, the secret engine on outputs and metadata."""

    info = ScannerInfo("notebooks", Category.SAST, busy=True, file_suffixes=(SUFFIX,),
                       categories=frozenset({Category.SAST, Category.SECRET}),
                       rule_ids=(r"^B\d{3}$", r"^secscan\."))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if any(f.endswith(SUFFIX) for f in files) else "no Jupyter notebooks in the target"

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary({CANARY_FILE: canary_notebook()}, CANARY_EXPECTED)

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        started = time.monotonic()
        folder = Path(tempfile.mkdtemp(prefix="secscan-notebooks-"))
        for config in (".bandit", "pyproject.toml", ".semgrepignore"):  # the tree's settings of the two tools
            if (ctx.target / config).is_file():
                shutil.copyfile(ctx.target / config, folder / config)
        try:
            return self._run(ctx, [f for f in files if f.endswith(SUFFIX)], canary_files, runner, folder,
                             started)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _run(self, ctx: ScanContext, files: list[str], canary_files: Sequence[Path], runner: Runner,
             folder: Path, started: float) -> ScanOutput:
        from secscan.analyzers.notebooks import NotebookError, convert, load

        books: dict[str, _Book] = {}
        gaps: dict[str, str] = {}
        secrets: list[Finding] = []
        real: list[str] = []
        canary: list[str] = []
        for n, name in enumerate([*files, *map(str, canary_files)]):
            is_canary = n >= len(files)
            full = Path(name) if os.path.isabs(name) else ctx.target / name
            try:
                nb = load(full.read_text("utf-8"))
                converted = convert(nb)
            except (OSError, UnicodeDecodeError, NotebookError) as exc:
                why = str(exc) if isinstance(exc, NotebookError) else f"unreadable: {exc}"
                gaps[f"canary {name}" if is_canary else name] = why
                continue
            py = f"nb{n}.py"
            (folder / py).write_text(converted.python, "utf-8")
            books[py] = _Book(name, converted, is_canary)
            (canary if is_canary else real).append(py)
            secrets += _secrets(name, nb, ctx)
        outcomes = {tool: _inner(tool, ctx, folder, real, canary, runner) for tool in ("bandit", "semgrep")}
        found = list(secrets)
        dropped = 0
        for parsed in outcomes.values():
            for f in parsed.findings:
                moved = _moved(f, books, folder)
                dropped += moved is None
                found += [moved] if moved is not None else []
        parsed = _parsed(self.name, found, outcomes, gaps, books, dropped)
        return ScanOutput(parsed, time.monotonic() - started)


def _inner(tool: str, ctx: ScanContext, folder: Path, real: list[str], canary: list[str],
           runner: Runner) -> Parsed:
    """bandit or semgrep on the generated files, through its own adapter."""
    from secscan.scanners.registry import create

    if not real and not canary:
        return Parsed(tool, status=Status.SKIPPED, reason="no notebook could be converted")
    scanner = create(tool)
    inner_ctx = replace(ctx, target=folder)
    return scanner.execute(inner_ctx, real, [folder / c for c in canary], runner).parsed


def _moved(f: Finding, books: dict[str, _Book], folder: Path) -> Finding | None:
    """A finding on a generated file, moved to its notebook, cell and line (None: on a generated line)."""
    loc = f.location
    if loc is None:
        return None
    name = os.path.basename(loc.path) if os.path.isabs(loc.path) or loc.path.startswith(str(folder)) \
        else loc.path
    book = books.get(name)
    place = book.converted.place(loc.start_line) if book else None
    if book is None or place is None:
        return None
    where = f"cell {place.cell}, line {place.cell_line}"
    props = {**f.properties, "notebook": {"cell": place.cell, "line": place.cell_line}}
    return f.with_(location=Location(book.path, place.file_line, place.file_line),
                   message=f"{f.message} (notebook {where})", properties=props,
                   taint=_taint(f.taint, book.converted))


def _taint(trace: TaintTrace | None, conv: Converted) -> TaintTrace | None:
    """semgrep's trace with the lines of the notebook file (None: no trace, or a step on a generated line)."""
    if trace is None:
        return None

    def at(line: int) -> int:
        place = conv.place(line) if line >= 1 else None
        if place is None:
            raise LookupError(line)
        return place.file_line

    try:
        return trace.moved(at)
    except LookupError:
        return None


def _secrets(name: str, nb: dict[str, Any], ctx: ScanContext) -> list[Finding]:
    """The secret engine on every output and the metadata, located at the notebook's lines."""
    from secscan.analyzers.notebooks import texts
    from secscan.analyzers.secrets.engine import ScanOptions, get_engine

    engine = get_engine(ScanOptions.from_mapping(ctx.options))
    out = []
    for what, text, place in texts(nb):
        for f in engine.scan_bytes(name, text.encode("utf-8", "surrogatepass")):
            inner = (f.location.start_line or 1) if f.location else 1
            line = place.file_line + inner - 1
            props = {**f.properties, "notebook": {"cell": place.cell, "part": what}}
            where = f"cell {place.cell} {what}" if place.cell else what
            out.append(f.with_(location=Location(name, line, line), properties=props,
                               message=f"{f.title} in notebook {where} (value masked)"))
    return out


def _parsed(name: str, found: list[Finding], outcomes: dict[str, Parsed], gaps: dict[str, str],
            books: dict[str, _Book], dropped: int) -> Parsed:
    """One outcome: the worst of bandit's and semgrep's, partial when a notebook did not parse."""
    worst = max((p.status for p in outcomes.values()), key=_ORDER.index)
    reasons = [f"{tool}: {p.reason}" for tool, p in outcomes.items()
               if p.reason and p.status is not Status.OK]
    if gaps:
        shown = "; ".join(f"{path} ({why})" for path, why in sorted(gaps.items())[:5])
        reasons.insert(0, f"{len(gaps)} notebook(s) not parsed: {shown}")
        worst = max(worst, Status.PARTIAL, key=_ORDER.index)
    if worst is Status.SKIPPED:
        worst = Status.FAILED if gaps else worst
    real = [b for b in books.values() if not b.canary]
    cov = {"notebooks": len(real) + len(gaps), "notebooks_unparsable": len(gaps),
           "code_cells": sum(b.converted.code_cells for b in real),
           "shell_lines": sum(b.converted.shell_lines for b in real)}
    for tool, p in outcomes.items():
        cov.update({f"{tool}_{k}": v for k, v in p.coverage.items() if isinstance(v, int)})
    evidence = {"tools": {t: {"status": p.status.value, "version": p.version} for t, p in outcomes.items()},
                "findings_on_generated_lines": dropped, "unparsable": dict(sorted(gaps.items()))}
    return Parsed(name, tuple(found), worst, "; ".join(reasons) or None, cov, __version__, evidence=evidence)
