"""Shared fixtures: sample paths, fake tool executables on PATH, small planted trees."""

from __future__ import annotations

import os
import stat
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from secscan.process.runner import tools_home

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples"

# The tools secscan installs itself (checkov) stay where the first run put them even in tests that move HOME:
# otherwise every such test that scans an IaC file would install checkov again into its own HOME.
os.environ.setdefault("SECSCAN_TOOLS_HOME", str(tools_home(os.environ)))


def scanner(report: dict[str, Any], name: str) -> dict[str, Any]:
    """One scanner's entry in a JSON report."""
    entry: dict[str, Any] = next(s for s in report["scanners"] if s["name"] == name)
    return entry


@pytest.fixture(autouse=True)
def _no_installed_advisory_db(tmp_path_factory: pytest.TempPathFactory,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline runs use a database installed by `secscan db`: tests see none unless they install one."""
    monkeypatch.setenv("SECSCAN_ADVISORY_DIR", str(tmp_path_factory.mktemp("no-advisory-db")))


@pytest.fixture
def samples() -> Path:
    """../shared/samples, or skip when this checkout has no shared material beside it."""
    if not SAMPLES.is_dir():
        pytest.skip("[shared] ../shared/samples not present beside the project")
    return SAMPLES


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Create executables that shadow real tools: fake_bin(name, shell_script_body). The folder comes first
    on PATH and in $SECSCAN_TOOL_PATH (searched before the tools installed beside secscan)."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("SECSCAN_TOOL_PATH", str(folder))

    def make(name: str, body: str) -> Path:
        path = folder / name
        path.write_text("#!/bin/sh\n" + textwrap.dedent(body).lstrip("\n"), "utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    return make


INSECURE_PY = """\
import hashlib
import pickle
import subprocess


def run(cmd, blob):
    subprocess.call(cmd, shell=True)
    data = pickle.loads(blob)
    return hashlib.md5(data).hexdigest()
"""


@pytest.fixture
def insecure_tree(tmp_path: Path) -> Path:
    """A small tree with planted SAST problems (lines 7, 8, 9 of app.py)."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text(INSECURE_PY, "utf-8")
    (root / "clean.py").write_text("def add(a, b):\n    return a + b\n", "utf-8")
    return root


MtlsFiles = dict[str, tuple[Path, Path]]


@pytest.fixture(scope="module")
def mtls_pki(tmp_path_factory: pytest.TempPathFactory) -> MtlsFiles:
    """The self-test PKI written to files: name -> (certificate, key)."""
    from secscan.analyzers.mtls.pki import build_self_test_pki

    return build_self_test_pki().write(tmp_path_factory.mktemp("pki"))


def _server(files: MtlsFiles, mode: Literal["optional", "required"]) -> Iterator[Any]:
    from secscan.analyzers.mtls.server import LoopbackServer, ServerFiles

    with LoopbackServer(ServerFiles(*files["server"], client_ca=files["ca"][0]), mode) as srv:
        yield srv


@pytest.fixture
def optional_mtls_server(mtls_pki: MtlsFiles) -> Iterator[Any]:
    """A loopback TLS server that asks for a client certificate but does not require one."""
    yield from _server(mtls_pki, "optional")


@pytest.fixture
def required_mtls_server(mtls_pki: MtlsFiles) -> Iterator[Any]:
    """A loopback TLS server that requires a client certificate from the test CA."""
    yield from _server(mtls_pki, "required")


# --- CI skip policy: one summary line; with SECSCAN_STRICT_SKIPS=1 an unlisted skip fails the run ---
_SKIPS: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and isinstance(report.longrepr, tuple):
        _SKIPS.append(str(report.longrepr[2]))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    from skip_policy import accepted_tags, judge

    line, refused = judge(_SKIPS, accepted_tags())
    terminalreporter.write_line(line)
    if refused and os.environ.get("SECSCAN_STRICT_SKIPS") == "1":
        for reason in refused:
            terminalreporter.write_line(f"skip not accepted in CI (not listed in README): {reason}", red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from skip_policy import accepted_tags, judge

    if os.environ.get("SECSCAN_STRICT_SKIPS") == "1" and judge(_SKIPS, accepted_tags())[1] \
            and session.exitstatus == 0:
        session.exitstatus = 1
