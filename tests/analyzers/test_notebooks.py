"""Jupyter notebooks: code cells -> Python with a line map (cell, line in the cell, line of the .ipynb file),
shell lines and %%bash cells, outputs and metadata for the secret engine; the notebooks scanner with the real
bandit and semgrep on a notebook with vulnerable cells, a shell line fed by input, a token in an output and a
notebook that does not parse. Fake secrets are generated (tests/support/secret_samples.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from secret_samples import positive_samples

from secscan.analyzers.notebooks import HEADER, NotebookError, convert, load, texts
from secscan.core.model import Category, Status
from secscan.process.runner import Runner
from secscan.scanners.interface import ScanContext
from secscan.scanners.notebooks import NotebookScanner


def _token() -> tuple[str, str]:
    s = next(s for s in positive_samples() if s.pattern == "aws-access-key-id")
    return s.line, s.value


def notebook(token_line: str = "") -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Analysis\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": 1,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["loaded\n", token_line + "\n"]}],
         "source": ["import pickle\n", "blob = input()\n", "model = pickle.loads(blob)\n"]},
        {"cell_type": "code", "metadata": {"tags": ["shell"]}, "outputs": [],
         "source": ["%matplotlib inline\n", "target = input()\n", "!rm -rf {target}\n", "!pip list"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["%%bash\n", "echo $HOME\n"]},
    ]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4,
                       "nbformat_minor": 5}, indent=1)


def test_code_cells_become_python_with_a_map_to_cell_line_and_file_line() -> None:
    text = notebook()
    conv = convert(load(text))
    lines = conv.python.splitlines()
    assert lines[0] == HEADER and conv.place(1) is None
    file_lines = text.splitlines()
    by_code = {line: conv.place(i) for i, line in enumerate(lines, start=1)}
    pickle_at = by_code["model = pickle.loads(blob)"]
    assert (pickle_at.cell, pickle_at.cell_line) == (2, 3)  # type: ignore[union-attr]
    assert "pickle.loads(blob)" in file_lines[pickle_at.file_line - 1]  # type: ignore[union-attr]
    assert by_code['subprocess.run(f"rm -rf {target}", shell=True)'].cell_line == 3  # type: ignore[union-attr]
    assert "get_ipython().system('pip list')" in lines  # a constant command is no injection
    assert any(line.startswith("pass  # magic: %matplotlib") for line in lines)
    assert "get_ipython().system('echo $HOME')" in lines  # %%bash bodies are not expanded by IPython
    assert (conv.cells, conv.code_cells, conv.shell_lines) == (4, 3, 3)
    compile(conv.python, "generated", "exec")  # the generated file always parses


def test_shell_lines_with_shell_braces_stay_valid_python() -> None:
    nb = {"cells": [{"cell_type": "code", "source": ["!awk '{print $1}' data.txt\n", "!echo $name"]}]}
    conv = convert(load(json.dumps(nb)))
    compile(conv.python, "generated", "exec")
    assert 'subprocess.run(f"echo {name}", shell=True)' in conv.python.splitlines()


def test_nbformat_3_worksheets_are_read() -> None:
    nb = {"worksheets": [{"cells": [{"cell_type": "code", "input": ["x = eval(input())\n"]}]}], "nbformat": 3}
    conv = convert(load(json.dumps(nb)))
    assert "x = eval(input())" in conv.python.splitlines()


def test_outputs_and_metadata_are_texts_for_the_secret_engine() -> None:
    line, _ = _token()
    text = notebook(line)
    found = {what: (t, place) for what, t, place in texts(load(text))}
    out, place = found["output 1"]
    assert line in out and place.cell == 2
    assert "python3" in found["notebook metadata"][0]


@pytest.mark.parametrize("text", ["{not json", "[]", '{"cells": 3}'])
def test_what_is_no_notebook_is_an_error(text: str) -> None:
    with pytest.raises(NotebookError):
        convert(load(text))


def _ctx(root: Path) -> ScanContext:
    return ScanContext(target=root, timeout=300.0)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bandit") is None or shutil.which("semgrep") is None,
                    reason="[shared] bandit or semgrep is not installed")
def test_the_scanner_finds_cells_shell_injection_and_output_tokens(tmp_path: Path) -> None:
    line, value = _token()
    (tmp_path / "analysis.ipynb").write_text(notebook(line), "utf-8")
    (tmp_path / "broken.ipynb").write_text('{"cells": [', "utf-8")
    scanner = NotebookScanner()
    spec = scanner.canary(_ctx(tmp_path))
    canary_dir = tmp_path / ".canary"
    canary_dir.mkdir()
    for name, body in spec.files.items():
        (canary_dir / name).write_text(body, "utf-8")
    canary_paths = [canary_dir / n for n in spec.files]
    files = ["analysis.ipynb", "broken.ipynb", "other.py"]
    out = scanner.execute(_ctx(tmp_path), files, canary_paths, Runner())
    parsed = out.parsed
    assert parsed.status is Status.PARTIAL and "broken.ipynb" in (parsed.reason or "")
    assert parsed.coverage["notebooks"] == 2 and parsed.coverage["notebooks_unparsable"] == 1
    canary, real = scanner.split_canary(parsed.findings, [str(p) for p in canary_paths])
    assert {f.rule_id for f in canary} >= spec.expected
    at = {(f.rule_id, f.properties["notebook"].get("cell"), f.properties["notebook"].get("line"))
          for f in real}
    assert ("B301", 2, 3) in at  # pickle.loads in cell 2, line 3
    assert any(r.endswith("taint-command-injection") and c == 3 and ln == 3 for r, c, ln in at)
    flow = next(f for f in real if f.rule_id.endswith("taint-command-injection"))
    if flow.taint is not None:  # semgrep's trace, moved to the notebook's lines
        assert flow.taint.sink_line == flow.location.start_line  # type: ignore[union-attr]
    tokens = [f for f in real if f.category is Category.SECRET]
    assert tokens and tokens[0].properties["notebook"] == {"cell": 2, "part": "output 1"}
    assert all(f.location and f.location.path == "analysis.ipynb" for f in real)
    file_lines = notebook(line).splitlines()
    pickle = next(f for f in real if f.rule_id == "B301")
    assert "pickle.loads" in file_lines[pickle.location.start_line - 1]  # type: ignore[union-attr,operator]
    assert value not in repr(parsed.findings)


def test_a_tree_without_notebooks_is_nothing_to_scan(tmp_path: Path) -> None:
    assert NotebookScanner().applies(_ctx(tmp_path), ["a.py"]) == "no Jupyter notebooks in the target"


def test_automagic_lines_are_ipython_commands_and_python_stays_python() -> None:
    """IPython runs ``pip install x`` / ``cd data`` without % (automagic): such lines become the shell call
    or magic they are (a real notebook's ``pip install chatterbot==1.0.2`` made bandit partial before);
    a line that is valid Python stays Python (``time - start``, ``ls -la`` with ls a variable)."""
    source = ["pkg = input()\n", "pip install chatterbot==1.0.2\n", "pip install {pkg}\n", "cd data\n",
              "time - start\n", "ls -la\n", "matplotlib inline\n", "timeit x = 1\n", "pip.main(['list'])"]
    conv = convert({"cells": [{"cell_type": "code", "source": source}]})
    lines = conv.python.splitlines()
    assert "get_ipython().system('pip install chatterbot==1.0.2')" in lines
    assert 'subprocess.run(f"pip install {pkg}", shell=True)' in lines  # input into a shell: taint sees it
    assert "pass  # magic: cd data" in lines and "pass  # magic: timeit x = 1" in lines
    assert {"time - start", "ls -la", "pip.main(['list'])"} <= set(lines)
    assert conv.shell_lines == 2
    compile(conv.python, "generated", "exec")


def test_continuation_lines_and_strings_are_never_read_as_commands() -> None:
    """Automagic applies where a statement starts: a line inside brackets or a multi-line string stays as it
    is (``env != 'prod')`` closing a call, ``pip install ...`` in a docstring, ``!`` in a string)."""
    cases = [["t = foo(x,\n", "    env != 'prod')\n", "subprocess.call(input(), shell=True)"],
             ['script = """\n', "cd /tmp\n", "!ls\n", 'ls -la"""\n', "pip install x"],
             ['doc = """\n', "pip install the package first\n", '"""']]
    for source in cases:
        conv = convert({"cells": [{"cell_type": "code", "source": source}]})
        compile(conv.python, "generated", "exec")
        body = conv.python.splitlines()[2:]
        assert body[: len(source) - 1] == [s.rstrip("\n") for s in source[:-1]]
    assert conv.shell_lines == 0


def test_a_pathological_cell_does_not_stop_the_scan(tmp_path: Path) -> None:
    """A cell line that makes the parser give up (MemoryError) is left as it is: the scan finishes, and the
    generated file is bandit's to report as unparsable."""
    cell = {"cell_type": "code", "source": ["x = " + "-" * 20_000 + "1\n", "pip install y\n"]}
    conv = convert({"cells": [cell]})
    assert "get_ipython().system('pip install y')" in conv.python.splitlines()
    (tmp_path / "deep.ipynb").write_text(json.dumps({"cells": [cell], "nbformat": 4, "nbformat_minor": 5,
                                                     "metadata": {}}), "utf-8")
    ctx = ScanContext(tmp_path, timeout=300.0)
    out = NotebookScanner().execute(ctx, ["deep.ipynb"], [], Runner())
    assert out.parsed.status in (Status.OK, Status.PARTIAL, Status.FAILED)  # data, never an exception
    assert out.parsed.reason is None or "could not scan" in out.parsed.reason
