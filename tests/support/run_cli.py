"""The one way tests run the command line: in process (``main(argv)``), then the JSON report read back and
validated against the schema that ships in the package. Every report a test looks at is a valid report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from secscan.cli.main import main
from secscan.formats.json_report import validate


def read_report(out: Path) -> dict[str, Any]:
    """``OUT/secscan.json``, validated against the report schema."""
    report: dict[str, Any] = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    return report


def run_cli(command: str, target: Path, out: Path, *extra: str, common: Sequence[str] = ("--no-cache",)
            ) -> tuple[int, dict[str, Any]]:
    """``secscan COMMAND TARGET [common] --output-dir OUT [extra]``: exit code and the validated report."""
    code = main([command, str(target), *common, "--output-dir", str(out), *extra])
    return code, read_report(out)
