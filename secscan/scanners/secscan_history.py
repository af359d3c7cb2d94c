"""secscan-history: secrets in git history (``--history [RANGE]``, ``history = true``), in process.

Every blob the range introduced is read once through ``git cat-file --batch`` (no checkout) and scanned by
the own engine; blobs seen before come from a blob cache. detect-secrets does not read history (one process
per blob batch is not affordable; the health row says so). The canary is a throw-away repository in which
the canary key is committed and then deleted: the whole path (log walk, cat-file, engine) must find it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.core.model import Category, Finding, Location, Parsed, SkipCause, Status
from secscan.core.version import __version__
from secscan.scanners import canaries
from secscan.scanners.interface import Canary, InProcessScanner, ScanContext, ScannerInfo, ScanOutput, Skip

if TYPE_CHECKING:
    from secscan.analyzers.history.scan import HistoryOptions
    from secscan.process.runner import Runner

CANARY_FILE = "secscan_history_canary.ini"
CANARY_EXPECTED = frozenset({"secscan.aws-access-key-id"})
READERS = {"engine": "secscan-secrets engine",
           "detect-secrets": "not run on history (a detect-secrets process per blob batch is not affordable)"}
_GIT = ("-c", "user.name=secscan", "-c", "user.email=canary@secscan.invalid", "-c", "commit.gpgsign=false",
        "-c", "core.hooksPath=/dev/null")


def history_options(ctx: ScanContext) -> HistoryOptions:
    """The walk's settings from the context (``history``, ``history_since``, ``history_cache``)."""
    from secscan.analyzers.history.scan import DEFAULT_MAX_BLOB, HistoryOptions
    from secscan.analyzers.secrets.engine import ScanOptions

    value, cache = ctx.options.get("history"), ctx.options.get("history_cache")
    size = ctx.options.get("history_max_blob_size")
    return HistoryOptions(spec=value if isinstance(value, str) else None,
                          since=ctx.options.get("history_since"),
                          cache_dir=Path(cache) if cache else None,
                          max_blob_size=int(size) if size else DEFAULT_MAX_BLOB,
                          engine=ScanOptions.from_mapping(ctx.options), timeout=ctx.timeout)


class SecscanHistoryScanner(InProcessScanner):
    """The blobs of the git history, scanned with the bundled secret patterns."""

    info = ScannerInfo("secscan-history", Category.SECRET, rule_ids=(r"^secscan\.",))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | Skip | None:
        if not ctx.options.get("history"):  # the scan's scope is the files: nothing of history to judge, so a
            # secscan.* suppression can still be called stale (results/staleness.py)
            return Skip("git history not requested (--history, or history = true)", SkipCause.NOTHING_TO_SCAN)
        return None

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary({CANARY_FILE: canaries.fake_aws_key_file()}, CANARY_EXPECTED)

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        """Walk the target's history, then the canary repository's."""
        from secscan.analyzers.history import findings as hfind
        from secscan.analyzers.history.scan import run
        from secscan.process.git import GitError, git_text

        started = time.monotonic()
        repo = ctx.target if ctx.target.is_dir() else ctx.target.parent
        try:
            opts = history_options(ctx)
            if git_text(runner, repo, "rev-parse", "--is-inside-work-tree").strip() != "true":
                raise GitError(("rev-parse",), "not inside a git work tree")
            prefix = git_text(runner, repo, "rev-parse", "--show-prefix").strip()
            hist = run(runner, repo, replace(opts, prefix=prefix))
            canary = [f for p in canary_files for f in self._canary(runner, ctx.target / p, opts)]
        except (GitError, ValueError) as exc:
            return self._failed(f"git history not read: {exc}", started)
        real = [f for f in hfind.findings(hist, opts.since) if _inside(f, prefix)]
        real = [_relative(f, prefix) for f in real]
        gaps = hfind.gaps(hist)
        evidence: dict[str, Any] = {"range": " ".join(hist.revs), "readers": READERS,
                                    "notes": hist.blobs.notes, "shallow_depth": hist.shallow}
        status = Status.PARTIAL if gaps else Status.OK
        parsed = Parsed(self.name, tuple(real + canary), status, "; ".join(gaps) or None,
                        hfind.coverage(hist), __version__, evidence=evidence)
        return ScanOutput(parsed, time.monotonic() - started, processes=5)

    def _failed(self, why: str, started: float) -> ScanOutput:
        parsed = Parsed(self.name, status=Status.FAILED, reason=why, version=__version__)
        return ScanOutput(parsed, time.monotonic() - started)

    def _canary(self, runner: Runner, path: Path, opts: HistoryOptions) -> list[Finding]:
        """Commit the canary file in a private repository, delete it in a second commit, and walk that
        history like the target's; the findings are located at the canary file."""
        from dataclasses import replace

        from secscan.analyzers.history import findings as hfind
        from secscan.analyzers.history.scan import run
        from secscan.process.git import git_bytes

        folder = Path(tempfile.mkdtemp(prefix="secscan-history-canary-"))
        try:
            (folder / CANARY_FILE).write_bytes(path.read_bytes())
            git_bytes(runner, folder, "init", "-q")
            git_bytes(runner, folder, *_GIT, "add", "--", CANARY_FILE)
            git_bytes(runner, folder, *_GIT, "commit", "-q", "--no-verify", "-m", "canary")
            git_bytes(runner, folder, *_GIT, "rm", "-q", "--", CANARY_FILE)
            git_bytes(runner, folder, *_GIT, "commit", "-q", "--no-verify", "-m", "canary removed")
            hist = run(runner, folder, replace(opts, spec=None, since=None, cache_dir=None, prefix=""))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        where = str(path)
        return [f.with_(location=Location(where, f.location.start_line if f.location else None))
                for f in hfind.findings(hist) if f.history is not None and not f.history.present_at_head]


def _inside(f: Finding, prefix: str) -> bool:
    """Whether a finding's place lies under the scanned folder (prefix: its path in the repository)."""
    return not prefix or bool(f.location and f.location.path.startswith(prefix))


def _relative(f: Finding, prefix: str) -> Finding:
    """A finding with its paths relative to the scanned folder."""
    if not prefix or f.location is None:
        return f
    cut = len(prefix)
    places = tuple(replace(p, path=p.path[cut:]) for p in f.places if p.path.startswith(prefix))
    kept = tuple(p[cut:] for p in f.history.paths if p.startswith(prefix)) if f.history else ()
    hist = replace(f.history, paths=kept) if f.history else None
    return f.with_(location=Location(f.location.path[cut:], f.location.start_line, f.location.end_line),
                   places=places, history=hist)
