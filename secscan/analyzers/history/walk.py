"""Which blobs a range of commits introduced, where, and when: one ``git log --raw`` walk.

Every blob a commit adds (or changes a file to) is attributed to that commit and path; a merge shows the
files it resolves differently from every parent (``-c``), so a blob made while resolving a conflict is not
missed; a root or shallow-boundary commit adds its whole tree. Deletions are kept too: the last commit that
touched a blob is the one that removed it, when it was removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from secscan.process.git import GitError, git_bytes, git_text
from secscan.process.runner import Runner

NULL_OID = "0" * 40
GITLINK = "160000"  # a submodule's commit, not a blob
LOG_FORMAT = "--format=%x01%H %ct"


@dataclass
class BlobPlaces:
    """Where one blob appears in the walked commits (commit numbers index ``Walk.commits``)."""

    first: int
    last: int
    paths: list[str] = field(default_factory=list)  # in the order they appeared
    added_in: int = 0  # how many (commit, path) additions

    def add(self, commit: int, path: str) -> None:
        """The blob was added at path by commit."""
        self.last = max(self.last, commit)
        self.added_in += 1
        if path not in self.paths:
            self.paths.append(path)


@dataclass
class Walk:
    """The walked commits (oldest first: parents before children) and the blobs they introduced."""

    commits: list[tuple[str, int]] = field(default_factory=list)  # (sha, committer time)
    blobs: dict[str, BlobPlaces] = field(default_factory=dict)

    def commit(self, n: int) -> tuple[str, int]:
        """(sha, committer time) of commit number n."""
        return self.commits[n]


def check_range(spec: str) -> str:
    """A revision range from the configuration or the command line, refused when git could read it as an
    option (the scanned tree's configuration is untrusted)."""
    text = spec.strip()
    if not text or any(part.startswith("-") for part in text.split()):
        raise ValueError(f"not a revision range: {spec!r}")
    return text


def range_args(spec: str | None, since: str | None) -> list[str]:
    """git log's revision arguments: ``--all`` (everything reachable), the given range, or the commits
    after ``since`` (--changed-since) up to HEAD."""
    if since is not None:
        return [f"{check_range(since)}..HEAD"]
    if spec is None:
        return ["--all"]
    return check_range(spec).split()


def walk(runner: Runner, repo: Path, revs: list[str], timeout: float = 600.0, prefix: str = "") -> Walk:
    """Walk the commits of revs (oldest first) and index the blobs they add under prefix (the scanned folder's
    path in the repository; paths stay relative to its top). GitError when git fails."""
    out = git_bytes(runner, repo, "log", "--raw", "-c", "--no-renames", "--no-abbrev", "--no-ext-diff",
                    "--no-textconv", "--topo-order", "--reverse", "-z", LOG_FORMAT,
                    *(revs if revs == ["--all"] else ["--end-of-options", *revs]),
                    timeout=timeout)  # no pathspec: it would simplify history (merges would hide blobs)
    return parse_log(out, prefix)


def parse_log(out: bytes, prefix: str = "") -> Walk:
    """The Walk of ``git log --raw -c -z`` output in LOG_FORMAT (only paths under prefix)."""
    result = Walk()
    for chunk in out.split(b"\x01")[1:]:
        head, _, rest = chunk.partition(b"\0")
        sha, _, when = head.decode("ascii", "replace").partition(" ")
        n = len(result.commits)
        result.commits.append((sha, int(when) if when.strip().isdigit() else 0))
        tokens = rest.split(b"\0")
        i = 0
        while i < len(tokens) - 1:  # (":meta", "path") pairs; a merge's come after an empty token
            meta = tokens[i].lstrip(b"\n").decode("ascii", "replace")
            if not meta.startswith(":"):
                i += 1
                continue
            path = tokens[i + 1].decode("utf-8", "surrogateescape")
            if path.startswith(prefix):
                _entry(result, n, meta, path)
            i += 2
    return result


def _entry(result: Walk, n: int, meta: str, path: str) -> None:
    parents = len(meta) - len(meta.lstrip(":"))
    fields = meta.lstrip(":").split()
    modes, oids = fields[:parents + 1], fields[parents + 1:2 * parents + 2]
    if len(oids) != parents + 1:
        return
    if modes[-1] == "000000":  # removed: the commit that removed a blob is the last that touched it
        for mode, oid in zip(modes[:-1], oids[:-1], strict=True):
            if oid != NULL_OID and mode != GITLINK and oid in result.blobs:
                result.blobs[oid].last = max(result.blobs[oid].last, n)
        return
    if modes[-1] == GITLINK or oids[-1] == NULL_OID:
        return
    oid = oids[-1]
    places = result.blobs.get(oid)
    if places is None:
        places = result.blobs[oid] = BlobPlaces(n, n)
    places.add(n, path)


def head_blobs(runner: Runner, repo: Path) -> set[str]:
    """The blob ids of HEAD's tree (empty when there is no HEAD yet)."""
    try:
        out = git_bytes(runner, repo, "ls-tree", "-r", "-z", "--full-tree", "HEAD")
    except GitError:  # an unborn HEAD: nothing is present
        return set()
    found = set()
    for entry in out.split(b"\0"):
        parts = entry.split(b"\t", 1)[0].split()
        if len(parts) == 3 and parts[1] == b"blob":
            found.add(parts[2].decode("ascii"))
    return found


def shallow_depth(runner: Runner, repo: Path) -> int | None:
    """None for a full clone; else how many commits deep the history goes from HEAD (first parents)."""
    if git_text(runner, repo, "rev-parse", "--is-shallow-repository").strip() != "true":
        return None
    try:
        return int(git_text(runner, repo, "rev-list", "--count", "--first-parent", "HEAD").strip())
    except (ValueError, GitError):
        return 0
