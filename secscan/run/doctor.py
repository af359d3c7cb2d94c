"""``secscan doctor``: can every scanner that would run be trusted? Found, version, canary, time, hint.

The doctor runs every scanner, with its canary, on a small sample tree that carries the target's own tool
configuration (the files each scanner declares it reads: .bandit, pyproject.toml, .secrets.baseline,
.semgrepignore...), so a configuration that blinds a scanner shows up here before it shows up as a clean
report. "found" is the executable the scan ran (secscan's own environment first, then PATH). A scanner is
trustworthy when it ran ``ok`` and detected its canary (or has none), or when it would not run at all
(skipped, not required).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from secscan.core.model import CanaryState, ScannerResult, Status
from secscan.core.options import ScanOptions
from secscan.process.runner import Runner
from secscan.scanners import registry

SAMPLE_PY = '"""secscan doctor sample."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n'
SAMPLE_LOCK = ('{"name": "doctor", "lockfileVersion": 3, "requires": true, '
               '"packages": {"": {"name": "doctor"}}}\n')
SAMPLE_DOCKERFILE = "FROM python:3.12-slim\nCOPY doctor_sample.py /app/\nUSER 10001\n"
HINT_WIDTH = 150


@dataclass(frozen=True)
class DoctorRow:
    """One scanner's diagnosis."""

    scanner: str
    found: str | None  # the executable's path, "built-in", or None when it is not on PATH
    version: str | None
    status: str
    canary: str | None
    seconds: float
    trustworthy: bool
    hint: str | None  # one line, when something is wrong
    reason: str | None = None  # the scanner's full reason


@dataclass(frozen=True)
class DoctorReport:
    """Every row, and the exit code (0 trustworthy, 3 otherwise)."""

    rows: tuple[DoctorRow, ...]

    @property
    def exit_code(self) -> int:
        """3 when any scanner that would run cannot be trusted."""
        return 0 if all(r.trustworthy for r in self.rows) else 3


def one_line(text: str, width: int = HINT_WIDTH) -> str:
    """Collapse whitespace and cut to width (with an ellipsis)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


AUDITS = ("pip-audit", "npm-audit")
DB_UPDATE = "run `secscan db update` once (offline audits then use it) or give --osv-db DIR"
INSTALL_TRIVY = ("install Trivy (a pinned release, checksum verified: "
                 "https://trivy.dev/latest/getting-started/installation/), then run doctor again")


def advice(s: ScannerResult, found: str | None) -> str | None:
    """What to do, for the cases a user can act on (put before the cause in the hint)."""
    reason = (s.reason or "").lower()
    if s.name in AUDITS and s.status is Status.SKIPPED and "offline" in reason:
        return f"to audit offline {DB_UPDATE}; or run without --offline"
    if s.name in AUDITS and s.status in (Status.FAILED, Status.TIMEOUT, Status.PARTIAL) and found:
        return "advisory service unreachable (network, proxy)? `secscan db update` once, then --offline " \
               "(or --offline --osv-db DIR)"
    if s.name == "npm-audit" and found is None:
        return "install Node.js with npm (https://nodejs.org/en/download, apt install npm)"
    if s.name.startswith("trivy") and found is None:
        return INSTALL_TRIVY
    if s.name == "trivy-image" and "--image" in reason:
        return "give --image NAME to scan a container image"
    if s.name == "pqc" and "liboqs unavailable" in reason:
        return "point OQS_INSTALL_PATH at a liboqs build (its lib/liboqs.so), or install liboqs"
    return None


def _hint(s: ScannerResult, found: str | None) -> str | None:
    todo = advice(s, found)
    if todo is not None:
        cause = f"not run ({s.reason})" if s.status is Status.SKIPPED else f"{s.status.value} ({s.reason})"
        return one_line(f"{todo} -- {cause}")
    if s.status is Status.SKIPPED:
        return one_line(f"not run: {s.reason}") if s.reason else "not run"
    if s.status is Status.OK and s.canary is not None and s.canary.trusted:
        return None
    if s.status is Status.OK and s.canary is CanaryState.DISABLED:
        return "canary disabled: an empty result cannot be told from a clean one"
    text = s.reason or s.status.value
    prefix = f"{s.name}: " if not text.startswith(s.name) else ""
    return one_line(prefix + text)


def trustworthy(s: ScannerResult) -> bool:
    """ok with its canary detected (or none), or not run at all without being required."""
    if s.status is Status.SKIPPED:
        return not s.required
    return s.status is Status.OK and s.canary is not None and s.canary.trusted


def executables() -> dict[str, str]:
    """Scanner -> the executable it starts (in-process scanners are not listed)."""
    return {name: i.executable for name, i in registry.infos().items() if i.executable is not None}


def copied_config() -> tuple[str, ...]:
    """The target's configuration files some scanner reads (copied into the sample tree)."""
    return tuple(dict.fromkeys(f for i in registry.infos().values() for f in i.config_files))


def _sample_tree(target: Path, folder: Path) -> None:
    for name in copied_config():
        src = target / name
        if src.is_file():
            shutil.copyfile(src, folder / name)
    (folder / "doctor_sample.py").write_text(SAMPLE_PY, "utf-8")
    (folder / "requirements.txt").write_text("packaging==24.0\n", "utf-8")
    (folder / "package-lock.json").write_text(SAMPLE_LOCK, "utf-8")
    (folder / "Dockerfile").write_text(SAMPLE_DOCKERFILE, "utf-8")  # so checkov runs (with its canary)


def diagnose(target: Path, offline: bool = False, osv_db: Path | None = None, timeout: float = 300.0,
             runner: Runner | None = None, scanners: Sequence[str] | None = None,
             extra: Mapping[str, Any] | None = None, required: Sequence[str] = ()) -> DoctorReport:
    """Run the scanners with their canaries on a small sample tree that carries the target's configuration.

    scanners: only these (default: every scanner ``secscan all`` runs); extra: ScanOptions.extra (e.g.
    ``semgrep_rules``, ``secret_patterns``); required: scanners the target's configuration requires (a
    required scanner that cannot run is not trustworthy).
    """
    from secscan.run.engine import scan

    runner = runner or Runner()
    with tempfile.TemporaryDirectory(prefix="secscan-doctor-") as tmp:
        folder = Path(tmp)
        _sample_tree(target.resolve(), folder)
        opts = ScanOptions(target=folder, offline=offline, osv_db=osv_db, timeout=timeout, fail_on="never",
                           use_cache=False, scanners=tuple(scanners) if scanners else None,
                           extra=dict(extra or {}), required=tuple(required))
        result = scan(opts, runner=runner)
    tools = executables()
    rows = []
    for s in result.scanners:
        found = _found(s, tools.get(s.name), runner)
        rows.append(DoctorRow(s.name, found, s.version, s.status.value, s.canary, round(s.duration_s, 2),
                              trustworthy(s), _hint(s, found), s.reason))
    return DoctorReport(tuple(rows))


def _found(s: ScannerResult, exe: str | None, runner: Runner) -> str | None:
    """The executable the scanner ran (else where the runner finds it), or "built-in"."""
    if exe is not None:
        return s.executable or runner.which(exe)
    engine = (s.evidence or {}).get("engine")
    return f"built-in ({engine} engine)" if isinstance(engine, str) else "built-in"


def render(report: DoctorReport, fmt: str = "text") -> str:
    """The doctor table (text) or a JSON document."""
    if fmt == "json":
        return json.dumps({"exit_code": report.exit_code, "trustworthy": report.exit_code == 0,
                           "scanners": [asdict(r) for r in report.rows]}, indent=2) + "\n"
    cols = ("scanner", "found", "version", "status", "canary", "time", "ok?", "hint")
    table = [cols] + [(r.scanner, r.found or "NOT FOUND", r.version or "-", r.status, r.canary or "-",
                       f"{r.seconds:.1f}s", "yes" if r.trustworthy else "NO", r.hint or "")
                      for r in report.rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(cols) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
             for row in table]
    lines.insert(1, "-" * min(len(lines[0]) + 20, 160))
    bad = [r.scanner for r in report.rows if not r.trustworthy]
    verdict = ("every scanner that would run is trustworthy (exit 0)" if not bad
               else f"cannot be trusted: {', '.join(bad)} (exit 3)")
    return "\n".join(line.rstrip() for line in lines) + f"\n\nsecscan doctor: {verdict}\n"
