"""``secscan doctor``: can every scanner that would run be trusted? Found, version, canary, time, hint."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from secscan.model import ScannerResult, Status
from secscan.options import ScanOptions
from secscan.run.runner import Runner

EXECUTABLES = {"bandit": "bandit", "semgrep": "semgrep", "pip-audit": "pip-audit", "npm-audit": "npm",
               "detect-secrets": "detect-secrets", "trivy": "trivy", "trivy-image": "trivy"}
COPIED_CONFIG = (".bandit", "pyproject.toml", ".secrets.baseline", ".semgrepignore")
SAMPLE_PY = '"""secscan doctor sample."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n'
SAMPLE_LOCK = '{"name": "doctor", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "doctor"}}}\n'


@dataclass(frozen=True)
class DoctorRow:
    """One scanner's diagnosis."""

    scanner: str
    found: str | None
    version: str | None
    status: str
    canary: str | None
    seconds: float
    trustworthy: bool
    hint: str | None


@dataclass(frozen=True)
class DoctorReport:
    """Every row, and the exit code (0 trustworthy, 3 otherwise)."""

    rows: tuple[DoctorRow, ...]

    @property
    def exit_code(self) -> int:
        """3 when any scanner that would run cannot be trusted."""
        return 0 if all(r.trustworthy for r in self.rows) else 3


def _hint(s: ScannerResult) -> str | None:
    if s.status is Status.OK and s.canary in ("detected", "not-applicable", None):
        return None
    if s.status is Status.SKIPPED:
        return f"not run: {s.reason}"
    return f"{s.name}: {s.reason or s.status.value}"


def _sample_tree(target: Path, folder: Path) -> None:
    for name in COPIED_CONFIG:
        src = target / name
        if src.is_file():
            shutil.copyfile(src, folder / name)
    (folder / "doctor_sample.py").write_text(SAMPLE_PY, "utf-8")
    (folder / "requirements.txt").write_text("packaging==24.0\n", "utf-8")
    (folder / "package-lock.json").write_text(SAMPLE_LOCK, "utf-8")


def diagnose(target: Path, offline: bool = False, osv_db: Path | None = None, timeout: float = 300.0,
             runner: Runner | None = None) -> DoctorReport:
    """Run every scanner with its canary on a small sample tree that carries the target's configuration."""
    from secscan.engine import scan

    runner = runner or Runner()
    with tempfile.TemporaryDirectory(prefix="secscan-doctor-") as tmp:
        folder = Path(tmp)
        _sample_tree(target.resolve(), folder)
        opts = ScanOptions(target=folder, offline=offline, osv_db=osv_db, timeout=timeout, fail_on="never")
        result = scan(opts, runner=runner)
    rows = []
    for s in result.scanners:
        exe = EXECUTABLES.get(s.name)
        found = runner.which(exe) if exe else "built-in"
        skipped_ok = s.status is Status.SKIPPED and not s.required
        trusted = skipped_ok or (s.status is Status.OK and s.canary in ("detected", "not-applicable"))
        rows.append(DoctorRow(s.name, found, s.version, s.status.value, s.canary, round(s.duration_s, 2),
                              trusted, _hint(s)))
    return DoctorReport(tuple(rows))


def render(report: DoctorReport, fmt: str = "text") -> str:
    """The doctor table (text) or a JSON document."""
    if fmt == "json":
        return json.dumps({"exit_code": report.exit_code, "scanners": [asdict(r) for r in report.rows]},
                          indent=2) + "\n"
    head = f"{'scanner':<16} {'found':<34} {'version':<10} {'status':<8} {'canary':<15} {'time':>6}  hint"
    lines = [head, "-" * len(head)]
    for r in report.rows:
        mark = "" if r.trustworthy else "  <-- not trustworthy"
        lines.append(f"{r.scanner:<16} {(r.found or 'NOT FOUND')[:34]:<34} {(r.version or '-')[:10]:<10} "
                     f"{r.status:<8} {(r.canary or '-'):<15} {r.seconds:5.1f}s  {r.hint or ''}{mark}")
    verdict = "every scanner that would run is trustworthy" if report.exit_code == 0 else \
        "some scanners cannot be trusted (exit 3)"
    return "\n".join(lines) + f"\n\nsecscan doctor: {verdict}\n"
