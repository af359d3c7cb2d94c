"""checkov JSON -> findings: recorded real outputs (tests/fixtures/checkov/README.md) and broken input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secscan.core.errors import ParseError
from secscan.core.model import Category, Severity, Status
from secscan.parsers import checkov
from secscan.parsers.registry import get

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checkov"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_multi_framework_report() -> None:
    parsed = checkov.parse(load("multi_framework.json"), "multi")
    assert parsed.version == "3.3.30"
    by = {(f.rule_id, f.location.path if f.location else ""): f for f in parsed.findings}
    assert len(parsed.findings) == 45 == parsed.coverage["checks_failed"]
    privileged = by[("CKV_K8S_16", "k8s/pod.yaml")]
    assert privileged.severity is Severity.CRITICAL and privileged.raw_severity == "unset"
    assert privileged.category is Category.IAC and privileged.sources == ("checkov",)
    assert privileged.title == "Container should not be privileged"
    assert privileged.message == "Container should not be privileged (Pod.shop.web)"
    assert privileged.location is not None
    assert (privileged.location.start_line, privileged.location.end_line) == (1, 17)
    assert privileged.properties["framework"] == "kubernetes"
    assert privileged.properties["severity_rule"] == "table"
    assert by[("CKV_K8S_35", "k8s/pod.yaml")].severity is Severity.MEDIUM  # secret in env
    assert by[("CKV_K8S_19", "k8s/deploy.yaml")].severity is Severity.HIGH  # host network
    assert by[("CKV_DOCKER_3", "Dockerfile")].severity is Severity.MEDIUM  # no user: root
    assert by[("CKV_DOCKER_7", "Dockerfile")].location.start_line == 1  # type: ignore[union-attr]
    shell = by[("CKV_GHA_2", ".github/workflows/ci.yml")]
    assert shell.severity is Severity.HIGH and shell.location.start_line == 12  # type: ignore[union-attr]
    perms = by[("CKV2_GHA_1", ".github/workflows/ci.yml")]
    assert perms.location.start_line == 1  # type: ignore[union-attr]  # checkov says [0, 1]
    assert ("CKV_K8S_21", "k8s/deploy.yaml") not in by  # skipped by the annotation
    assert parsed.evidence is not None
    assert parsed.evidence["skipped_checks"] == [{"check_id": "CKV_K8S_21", "path": "k8s/deploy.yaml",
                                                  "line": 1, "comment": "the shop namespace is dedicated"}]
    assert parsed.coverage["checks_skipped"] == 1
    assert parsed.coverage["frameworks"] == 4 and parsed.coverage["checks_passed"] == 175
    # the unterminated Terraform block: a parse error is a coverage gap, never a clean result
    assert parsed.status is Status.PARTIAL
    assert parsed.reason is not None and "could not parse 1 file(s)" in parsed.reason
    assert parsed.reason.endswith("infra/broken.tf")
    assert "k8s/pod.yaml" in parsed.evidence["files_with_results"]


def test_absolute_paths_for_scanner_runs() -> None:
    parsed = checkov.parse(load("single_dockerfile.json"), "single", absolute_paths=True)
    assert {f.location.path for f in parsed.findings if f.location} == {"/tmp/rec/single/Dockerfile"}


def test_single_framework_object_and_bare_summary() -> None:
    single = checkov.parse(load("single_dockerfile.json"), "single")
    assert single.status is Status.OK and single.coverage["frameworks"] == 1
    assert {f.rule_id for f in single.findings} == {"CKV_DOCKER_2", "CKV_DOCKER_3", "CKV_DOCKER_7"}
    empty = checkov.parse(load("nothing_scanned.json"), "empty")
    assert empty.findings == () and empty.coverage["frameworks"] == 0 and empty.version == "3.3.30"


def test_import_uses_the_registered_parser() -> None:
    assert get("checkov") is checkov.parse


def test_checkov_word_wins_over_the_table() -> None:
    doc = json.loads(load("single_dockerfile.json"))
    doc["results"]["failed_checks"][0]["severity"] = "LOW"
    doc["results"]["failed_checks"][0]["check_id"] = "CKV_DOCKER_8"  # high in the table
    f = checkov.parse(json.dumps(doc), "x").findings[0]
    assert f.severity is Severity.LOW and f.raw_severity == "LOW"
    assert f.properties["severity_rule"] == "checkov"


@pytest.mark.parametrize("text", [
    "", "not json", "[1, 2]", '{"results": {}}',
    '{"check_type": "dockerfile", "results": {"failed_checks": 3}}',
    '{"check_type": "dockerfile", "results": {"failed_checks": [{"check_name": "no id"}]}}',
    '{"check_type": "dockerfile", "results": {"failed_checks": [{"check_id": "CKV_X_1"}]}}',
    '{"check_type": "k8s", "results": {"failed_checks": [{"check_id": "CKV_X_1", "file_path": "/a",'
    ' "file_line_range": "1-2"}]}}',
])
def test_broken_input_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        checkov.parse(text, "broken")


def test_truncated_recording_is_a_parse_error() -> None:
    data = load("multi_framework.json")
    with pytest.raises(ParseError):
        checkov.parse(data[: len(data) // 2], "truncated")


def test_secscan_import_checkov(tmp_path: Path) -> None:
    from secscan.cli.main import main
    from secscan.formats.json_report import validate

    code = main(["import", "checkov", str(FIXTURES / "multi_framework.json"), "--output-dir", str(tmp_path),
                 "--quiet", "--format", "json,cyclonedx,junit"])
    doc = json.loads((tmp_path / "secscan.json").read_text("utf-8"))
    validate(doc)
    (entry,) = [s for s in doc["scanners"] if s.get("tool") == "checkov" or s["name"].startswith("checkov")]
    assert entry["status"] == "partial" and "infra/broken.tf" in entry["reason"]
    assert code == 1  # the privileged pod is critical: the gate fails before the incompleteness counts
    assert {f["category"] for f in doc["findings"]} == {"iac"} and len(doc["findings"]) == 45
    assert (tmp_path / "secscan.cdx.json").is_file() and (tmp_path / "secscan-junit.xml").is_file()
