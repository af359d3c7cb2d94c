"""Run the whole PQC check: probe, child process(es), evaluation, verdict."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from secscan.analyzers.pqc import child
from secscan.analyzers.pqc.evaluate import Task, evaluate_generic, evaluate_mlkem, plan
from secscan.analyzers.pqc.probe import child_source, probe_library
from secscan.analyzers.pqc.reference import DEFAULT_ALGS, FIPS203, reference_for
from secscan.analyzers.pqc.result import AlgEvidence, ChildStatus, Evidence, PqcResult, Probe
from secscan.analyzers.pqc.verdict import decide
from secscan.core.errors import UsageError
from secscan.process.runner import Invocation, Runner

# The child never gets to download and build liboqs: no git prompts, no git transport at all.
SAFE_ENV: Mapping[str, str] = {"GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": "",
                               "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1"}


def resolve_python(python: str | None) -> str:
    """The interpreter to check: secscan's own, or an existing executable (raises UsageError)."""
    if not python:
        return sys.executable
    path = Path(python).expanduser()
    if path.is_dir():  # a virtual environment folder
        inside = (path / "bin" / "python", path / "Scripts" / "python.exe")
        path = next((p for p in inside if p.exists()), path)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise UsageError(f"--python {python}: not an executable Python interpreter")
    return str(path.absolute())


def run_child(runner: Runner, python: str, request: Mapping[str, Any], timeout: float,
              env: Mapping[str, str] | None = None) -> tuple[ChildStatus, dict[str, Any], str | None]:
    """Start the child under `python`, send the request, read the marker line. The child runs in a private,
    empty temporary folder: never inside secscan's package (an application interpreter must not be able to
    patch secscan) nor the scanned tree (no `oqs` there is imported by accident), with a minimal environment
    (where programs, libraries and Python are, the locale: never the caller's tokens) plus `env`."""
    with tempfile.TemporaryDirectory(prefix="secscan-pqc-") as cwd:
        inv = Invocation(argv=(python, "-c", child_source()), cwd=Path(cwd), timeout=timeout,
                         env={**SAFE_ENV, **(env or {})}, label="pqc", inherit_env=False)
        res = runner.run(inv, stdin=json.dumps(request).encode())
    if res.timed_out:
        return ChildStatus.TIMEOUT, {}, f"no answer after {timeout:g}s"
    if res.error:
        return ChildStatus.NOT_STARTED, {}, res.error
    lines = [ln for ln in res.stdout.decode("utf-8", "replace").splitlines() if ln.startswith(child.MARKER)]
    if not lines:
        tail = res.stderr_tail()
        return ChildStatus.PROTOCOL_ERROR, {}, f"exit code {res.returncode}" + (f": {tail}" if tail else "")
    try:
        doc = json.loads(lines[-1][len(child.MARKER):])
    except json.JSONDecodeError as exc:
        return ChildStatus.PROTOCOL_ERROR, {}, f"unreadable result line: {exc.msg}"
    if not isinstance(doc, dict) or doc.get("protocol") != child.PROTOCOL:
        return ChildStatus.PROTOCOL_ERROR, {}, "result line of another protocol version"
    try:
        status = ChildStatus(str(doc.get("status")))
    except ValueError:
        return ChildStatus.PROTOCOL_ERROR, doc, f"unknown child status {doc.get('status')!r}"
    return status, doc, doc.get("error")


Phase2 = dict[str, dict[str, Any]]  # algorithm -> the second pass's answer for it


def _second_pass(runner: Runner, python: str, doc: Mapping[str, Any], tasks: Mapping[str, Task],
                 timeout: float, env: Mapping[str, str] | None) -> tuple[Phase2, str | None]:
    """Without seeded keygen: the reference encapsulates to oqs's key, and oqs decapsulates. Returns the
    answers, and why the second child timed out (None when it did not)."""
    wanted: dict[str, bytes] = {}
    refused: dict[str, dict[str, Any]] = {}
    decaps = []
    for alg, ops in (doc.get("algorithms") or {}).items():
        ref = reference_for(alg)
        kp = ops.get("keypair1") if isinstance(ops, dict) else None
        seeded = ops.get("keypair_seed") if isinstance(ops, dict) else None
        if ref is None or not isinstance(kp, dict) or "value" not in kp or not (
                isinstance(seeded, dict) and "unsupported" in seeded) or alg not in tasks:
            continue
        try:
            ct, ss = ref.encapsulate(bytes.fromhex(kp["value"][0]))
        except (ValueError, TypeError, IndexError) as exc:
            refused[alg] = {"error": f"the reference refused oqs's public key: {exc}", "want": None}
            continue
        wanted[alg] = ss
        decaps.append({"id": alg, "alg": alg, "sk": kp["value"][1], "ct": ct.hex()})
    if not decaps:
        return refused, None
    status, doc2, err = run_child(runner, python, {"algs": [], "decaps": decaps}, timeout, env)
    if status is ChildStatus.TIMEOUT:
        return refused, f"the second pass (oqs decapsulating the reference's ciphertexts): {err}"
    answers = {d.get("id"): d for d in doc2.get("decaps") or []} if status is ChildStatus.OK else {}
    return {**refused, **{alg: {**answers.get(alg, {"error": err or "no answer"}), "want": ss}
                          for alg, ss in wanted.items()}}, None


def _algorithms(doc: Mapping[str, Any], tasks: Mapping[str, Task],
                phase2: Mapping[str, Mapping[str, Any]]) -> tuple[AlgEvidence, ...]:
    out = []
    for alg, task in tasks.items():
        ops = (doc.get("algorithms") or {}).get(alg)
        if not isinstance(ops, dict):
            continue
        if "error" in ops:
            out.append(AlgEvidence(alg, (), error=str(ops["error"])))
        elif alg in FIPS203:
            out.append(evaluate_mlkem(alg, ops, task, phase2.get(alg)))
        else:
            out.append(evaluate_generic(alg, ops))
    return tuple(out)


def _evidence(python: str, probe: Probe, algs: Sequence[str], status: ChildStatus, doc: Mapping[str, Any],
              err: str | None, algorithms: tuple[AlgEvidence, ...]) -> Evidence:
    mapped = doc.get("libraries_mapped")
    seeded = None
    for ops in (doc.get("algorithms") or {}).values():
        if isinstance(ops, dict) and isinstance(ops.get("keypair_seed"), dict):
            seeded = "unsupported" not in ops["keypair_seed"]
    return Evidence(
        python=python, probe=probe, child_status=status, requested=tuple(algs), child_error=err,
        python_version=doc.get("python_version"), module=doc.get("module"),
        module_genuine=doc.get("module_genuine"), liboqs_version=doc.get("liboqs_version"),
        liboqs_python_version=doc.get("liboqs_python_version"), library_path=doc.get("library_path"),
        libraries_mapped=tuple(mapped) if isinstance(mapped, list) else None,
        library_search=tuple(doc.get("library_search") or ()),
        enabled_kems=tuple(doc.get("enabled_kems") or ()),
        seeded_keygen=seeded, algorithms=algorithms, child_duration_s=doc.get("duration_s"))


def verify(algs: Sequence[str] = DEFAULT_ALGS, python: str | None = None, timeout: float = 30.0,
           runner: Runner | None = None, env: Mapping[str, str] | None = None) -> PqcResult:
    """Answer: does liboqs's KEM really work for this interpreter? `env` is added to the child's."""
    start = time.monotonic()
    exe = resolve_python(python)
    runner = runner or Runner()
    probe = probe_library({**os.environ, **(env or {})})
    algs = tuple(dict.fromkeys(algs)) or DEFAULT_ALGS
    tasks = {a: plan(a) for a in algs}
    request = {"algs": list(algs), "tasks": {a: t.request() for a, t in tasks.items()}}
    status, doc, err = run_child(runner, exe, request, timeout, env)
    phase2: Phase2 = {}
    late = None
    if status is ChildStatus.OK:
        phase2, late = _second_pass(runner, exe, doc, tasks, timeout, env)
    if late is not None:  # a timed-out second pass is a time-out of the check, not a failed comparison
        status, err = ChildStatus.TIMEOUT, late
    algorithms = _algorithms(doc, tasks, phase2) if status is ChildStatus.OK else ()
    ev = _evidence(exe, probe, algs, status, doc, err, algorithms)
    verdict, reasons = decide(ev)
    notes = []
    if probe.found and ev.library_path and os.path.realpath(probe.found) != os.path.realpath(ev.library_path):
        notes.append(f"secscan found {probe.found}, the interpreter's oqs loaded {ev.library_path}")
    if ev.module_genuine is False and status is ChildStatus.OK:
        notes.append(f"the oqs module at {ev.module} is not the installed liboqs-python's")
    return PqcResult(verdict, reasons, ev, time.monotonic() - start, tuple(notes))
