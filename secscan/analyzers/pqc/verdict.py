"""Pure: evidence -> verdict and the reasons for it."""

from __future__ import annotations

from secscan.analyzers.pqc.result import ChildStatus, Evidence, Verdict

_BROKEN_STATUSES = {ChildStatus.CHILD_ERROR: "the check's child process failed",
                    ChildStatus.PROTOCOL_ERROR: "the check's child process gave no readable result",
                    ChildStatus.TIMEOUT: "the check's child process timed out",
                    ChildStatus.NOT_STARTED: "the check's child process could not start",
                    ChildStatus.IMPORT_FAILED: "`import oqs` failed"}


def backed_by_liboqs(ev: Evidence) -> tuple[bool, str]:
    """Whether the imported `oqs` module really runs on a liboqs shared library, and why (not)."""
    if ev.libraries_mapped is not None:
        if ev.libraries_mapped:
            return True, f"liboqs loaded in the process: {', '.join(ev.libraries_mapped)}"
        return False, (f"the oqs module at {ev.module or '?'} is not backed by a liboqs library "
                       "(no liboqs loaded in the process after `import oqs`)")
    if ev.library_path:
        return True, f"oqs.native() is {ev.library_path}"
    return False, f"the oqs module at {ev.module or '?'} exposes no liboqs library (oqs.native())"


def _where(ev: Evidence) -> str:
    searched = tuple(dict.fromkeys((*ev.probe.searched, *ev.library_search)))
    return ", ".join(searched) if searched else "nothing (no search paths)"


def decide(ev: Evidence) -> tuple[Verdict, tuple[str, ...]]:
    """The verdict: stub on any failed evidence, broken when evidence could not be gathered."""
    if ev.child_status in _BROKEN_STATUSES:
        detail = f": {ev.child_error}" if ev.child_error else ""
        return Verdict.BROKEN, (f"{_BROKEN_STATUSES[ev.child_status]}{detail}",)
    if ev.child_status is ChildStatus.FOREIGN_MODULE:  # a finding about the application, not a failed check
        return Verdict.STUB, (ev.child_error or "the `oqs` this interpreter imports is not liboqs-python",)
    if ev.child_status is ChildStatus.NO_MODULE:
        lib = ev.probe.found or "not found"
        return Verdict.UNAVAILABLE, (f"{ev.python} cannot import an oqs module (liboqs-python); "
                                     f"liboqs library: {lib}; searched: {_where(ev)}",)
    if ev.child_status is ChildStatus.NO_LIBRARY:
        return Verdict.UNAVAILABLE, (f"liboqs-python is installed ({ev.module}) but no liboqs shared library "
                                     f"was found; searched: {_where(ev)}",)
    backed, why = backed_by_liboqs(ev)
    reasons: list[str] = [] if backed else [why]
    for alg in ev.algorithms:
        reasons.extend(f"{alg.alg}: {c.name}: {c.detail}" for c in alg.failed)
    if reasons:
        return Verdict.STUB, tuple(reasons)
    missing = [a for a in ev.requested if a not in {x.alg for x in ev.algorithms}]
    errors = [f"{a.alg}: {a.error}" for a in ev.algorithms if a.error]
    if missing or errors:
        enabled = ", ".join(ev.enabled_kems) or "none"
        return Verdict.BROKEN, (*errors, *(f"{a}: not exercised" for a in missing),
                                f"enabled KEMs: {enabled}")
    if not ev.algorithms:
        return Verdict.BROKEN, ("no algorithm was checked",)
    done = sum(1 for a in ev.algorithms for c in a.checks if c.passed)
    skipped = [f"{a.alg}: {c.name}: {c.detail}" for a in ev.algorithms for c in a.checks if c.passed is None]
    return Verdict.REAL, (why, f"{done} checks passed for {', '.join(a.alg for a in ev.algorithms)}",
                          *(f"not applicable: {s}" for s in skipped))
