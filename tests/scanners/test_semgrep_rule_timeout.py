"""semgrep's per-rule, per-file limit is raised from its 5 s default to 30 s (the taint rules cost ~6x the
pattern rules' CPU; a busy runner would otherwise cut large files and make the scan partial), and the limit
is part of the cache salt so a file cut at the old limit is scanned again."""

from __future__ import annotations

from pathlib import Path

from secscan.scanners.interface import ScanContext
from secscan.scanners.semgrep import RULE_TIMEOUT_FLAGS, SemgrepScanner


def test_the_rule_timeout_is_passed_and_salted(tmp_path: Path) -> None:
    ctx = ScanContext(tmp_path)
    (inv,) = SemgrepScanner().invocations(ctx, ["a.py"], [])
    argv = list(inv.argv)
    at = argv.index("--timeout")
    assert RULE_TIMEOUT_FLAGS == ("--timeout", "30") and argv[at + 1] == "30" and at < argv.index("--")
    assert "--timeout 30" in SemgrepScanner().cache_salt(ctx)
