"""checkov severity: its own word, else rules/iac/severity.yaml by check id, else medium; value by value."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from secscan.core.model import Severity
from secscan.core.resources import rules_path
from secscan.parsers.checkov import SEVERITY_WORDS, severity_for, severity_table

# The checks the issue names, with the severity secscan gives them (the table must keep these).
EXPECTED = {
    "CKV_K8S_16": Severity.CRITICAL,  # privileged container
    "CKV_K8S_2": Severity.CRITICAL,  # privileged admitted (PSP)
    "CKV_K8S_27": Severity.CRITICAL,  # docker socket hostPath
    "CKV_K8S_23": Severity.HIGH,  # root containers
    "CKV_K8S_20": Severity.HIGH,  # allowPrivilegeEscalation
    "CKV_K8S_19": Severity.HIGH,  # host network
    "CKV_K8S_17": Severity.HIGH,  # host PID
    "CKV_K8S_39": Severity.HIGH,  # CAP_SYS_ADMIN
    "CKV_K8S_14": Severity.MEDIUM,  # image tag latest
    "CKV_K8S_43": Severity.LOW,  # no digest
    "CKV_K8S_11": Severity.LOW,  # CPU limits
    "CKV_K8S_13": Severity.LOW,  # memory limits
    "CKV_K8S_35": Severity.MEDIUM,  # secrets in env
    "CKV_K8S_8": Severity.INFO,  # liveness probe
    "CKV_DOCKER_3": Severity.MEDIUM,  # no user: root
    "CKV_DOCKER_8": Severity.HIGH,  # last USER root
    "CKV_DOCKER_7": Severity.MEDIUM,  # FROM ...:latest
    "CKV_DOCKER_2": Severity.LOW,  # no HEALTHCHECK
    "CKV2_DOCKER_2": Severity.HIGH,  # curl -k
    "CKV_GHA_2": Severity.HIGH,  # shell injection in run
    "CKV_GHA_1": Severity.HIGH,  # ACTIONS_ALLOW_UNSECURE_COMMANDS
    "CKV_GHA_4": Severity.CRITICAL,  # netcat reverse shell
    "CKV2_GHA_1": Severity.MEDIUM,  # write-all permissions
    "CKV_GITLABCI_1": Severity.HIGH,  # curl with CI variables
}


@pytest.mark.parametrize(("check_id", "expected"), sorted(EXPECTED.items()))
def test_table_value(check_id: str, expected: Severity) -> None:
    assert severity_for(check_id, None) == (expected, "table")


@pytest.mark.parametrize(("word", "expected"), [
    ("CRITICAL", Severity.CRITICAL), ("HIGH", Severity.HIGH), ("MEDIUM", Severity.MEDIUM),
    ("LOW", Severity.LOW), ("INFO", Severity.INFO), ("high", Severity.HIGH),
])
def test_checkov_word_wins(word: str, expected: Severity) -> None:
    assert severity_for("CKV_K8S_16", word) == (expected, "checkov")


@pytest.mark.parametrize("word", [None, "", "UNKNOWN", "none"])
def test_unknown_check_without_word_is_medium(word: str | None) -> None:
    assert severity_for("CKV_AWS_999999", word) == (Severity.MEDIUM, "default-medium")


def test_words_table_is_complete() -> None:
    assert set(SEVERITY_WORDS.values()) == set(Severity)


def test_table_file_reads_as_written() -> None:
    raw = yaml.safe_load(rules_path("iac", "severity.yaml").read_text("utf-8"))
    table, default = severity_table()
    assert default is Severity.MEDIUM and len(table) == len(raw["checks"]) >= 90
    assert all(table[k] is Severity.from_label(v) for k, v in raw["checks"].items())


@pytest.mark.slow
def test_every_table_id_is_a_real_checkov_check() -> None:
    """A typo or a check id checkov dropped would never match: every id must be in `checkov --list`."""
    from secscan.process.runner import Runner
    from secscan.scanners.checkov import CHECKOV
    from secscan.scanners.managed import ensure

    runner = Runner()
    assert ensure(CHECKOV, runner) is None
    exe = runner.which("checkov")
    assert exe is not None and shutil.which(exe)
    known: set[str] = set()
    for fw in ("dockerfile", "kubernetes", "github_actions", "gitlab_ci"):
        out = subprocess.run([exe, "--list", "--framework", fw], capture_output=True, text=True, timeout=300,
                             env={"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
                                  "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}).stdout
        known |= {cell.strip() for line in out.splitlines() for cell in line.split("|")[2:3]}
    table, _ = severity_table()
    assert set(table) <= known, sorted(set(table) - known)
