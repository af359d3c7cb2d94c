"""docs/reliability.md is generated from the reliability tests: counts of bad inputs, faults and leak probes.

Regenerate with ``python tests/contracts/test_reliability_summary.py > docs/reliability.md``; the test fails
when the file and the tests disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DOC = HERE.parents[1] / "docs" / "reliability.md"
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent / "support")]

import test_reliability_faults as faults  # noqa: E402
import test_reliability_fuzz as fuzz  # noqa: E402
import test_reliability_inputs as inputs  # noqa: E402
import test_reliability_leaks as leaks  # noqa: E402
import test_reliability_tree as tree  # noqa: E402


def summary_markdown() -> str:
    """The README section, with every number taken from the tests' own parameter lists."""
    tools = len(inputs.TOOLS)
    n_samples = len(fuzz.all_samples())
    fuzz_inputs = tools * fuzz.FUZZ.max_examples * 4
    fault_cases = 2 + 1 + len(faults.WRITE_FAULTS) + len(faults.BLOCKED_OUTPUT) + 1 + 1 + 1
    sinks = len(leaks.REPORTS) * 2 + 5 + 1
    secrets = len(leaks.positive_samples())
    bad = len(inputs.BAD_INPUTS)
    lines = [
        "## Reliability: what is tested",
        "",
        "secscan runs on untrusted code and untrusted tool output. These cases are tests "
        "(`tests/contracts/test_reliability_*.py`; the numbers below are generated from them):",
        "",
        "| area | cases |",
        "|---|---|",
        f"| Bad tool output | {bad} kinds of bad input (truncated, empty, non-UTF-8, UTF-16, HTML "
        "error page, "
        f"another tool's JSON, valid JSON of the wrong shape, 100k-deep nesting, huge integers, NaN, ...) "
        f"fed to each of the {tools} parsers = {bad * tools} cases; {len(inputs.NOT_A_FILE)} "
        "import paths that "
        f"are not a file (missing, folder, FIFO, /dev/zero); a 100 MB truncated file and a file over the "
        f"200 MB limit; {len(inputs.CLI_KINDS) * tools} `secscan import` runs and {len(inputs.REPORT_BAD)} "
        "`secscan report` runs on bad files (exit 2, one line naming the file); a bad `--import` "
        "inside `all` "
        "(a failed scanner, the other results kept) |",
        f"| Fuzzing | {fuzz_inputs} generated examples per run (hypothesis: random bytes, "
        "arbitrary JSON, real "
        f"samples with values replaced deep inside, real samples cut or with bytes flipped; "
        f"{fuzz.FUZZ.max_examples} each per parser) and {n_samples} real outputs of every tool fed to all "
        f"{tools} parsers ({n_samples * tools} cases): only secscan's own parse error may escape, "
        "and another "
        "tool's output is never read as a clean scan |",
        f"| Hostile trees | {len(tree.HOSTILE_ENTRIES)} hostile entries in one tree "
        f"({', '.join(tree.HOSTILE_ENTRIES)}), walked alone and scanned by a real `secscan all --offline` "
        "(bandit, semgrep, detect-secrets, secscan-secrets): no crash, exit 3 because two files could not be "
        "parsed, links not followed, gaps noted, reports valid against the JSON and SARIF schemas, names "
        "escaped in HTML, Markdown and on the terminal |",
        f"| Faults | {fault_cases} fault cases: a scanner killed from outside (SIGKILL, SIGTERM), a crash "
        f"mid-output, {len(faults.WRITE_FAULTS)} full-disk / read-only faults while writing reports (older "
        f"reports stay byte-identical, no temporary file left), {len(faults.BLOCKED_OUTPUT)} "
        "unwritable output "
        "folders, an unwritable folder after a failing gate (exit 2, never 0), Ctrl-C during a write, short "
        "writes; plus the crash, hang, bad-exit and Ctrl-C cases of tests/scanners/test_scan_faults.py |",
        f"| Output folder | {len(faults.TRAVERSAL)} finding paths and rule ids with `../`, absolute and "
        "Windows paths (only the fixed report names are written), a `secscan.json` symlink pointing outside "
        "and a dangling one (replaced, never written through) |",
        f"| Leaks | {len(leaks.VALUES)} planted secret strings ({secrets} secret types, 4 "
        "credentials found by "
        "SAST rules, a token in a file name, and each line of the private keys), each looked for raw and "
        f"JSON-, HTML-, Markdown- and URL-encoded in {sinks} places: 7 report files of an "
        "in-process and of a "
        "subprocess run, stdout and stderr of both, log records, and the incremental cache; "
        f"{len(leaks.ELSEWHERE)} findings with a secret outside secret findings (bandit B105/B106/B107, "
        "semgrep's credentials rule, a file path, pip-audit and Trivy messages) are masked |",
        "",
        "Unreadable files are simulated (the tests run as root, for whom `chmod 000` changes nothing): the "
        "walker's access check `secscan.run.files.readable` and `os.scandir` are monkeypatched for one file "
        "and one folder. A full disk is simulated by monkeypatching `os.write`, `os.fsync` and `os.replace` "
        "in `secscan.core.atomic`; a read-only output folder by a folder that is a file or a path "
        "under a file.",
        "",
    ]
    return "\n".join(lines)


def test_doc_matches_the_tests() -> None:
    if not fuzz.all_samples():
        pytest.skip("[shared] ../shared/samples not present beside the project (the counts include them)")
    assert DOC.is_file(), "run: python tests/contracts/test_reliability_summary.py > docs/reliability.md"
    assert DOC.read_text("utf-8") == summary_markdown(), (
        "docs/reliability.md is out of date: "
        "python tests/contracts/test_reliability_summary.py > docs/reliability.md"
    )


if __name__ == "__main__":
    sys.stdout.write(summary_markdown())
