"""CycloneDX 1.6 SBOM: validated against the official schema cyclonedx-python-lib ships; components with
purls, vulnerabilities with ratings and affects; deterministic; the engine's inventory round-trips JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from report_fixtures import SECRET_VALUE, clean_result, incomplete_result, sample_result

from secscan.core.model import Package, Result
from secscan.core.serialize import result_from_dict
from secscan.formats import json_report
from secscan.formats.cyclonedx import FILE, CycloneDxFormat, purl_of
from secscan.formats.registry import get

VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)

INVENTORY = (
    Package("Flask", "3.0.0", ecosystem="PyPI", manifest="requirements.txt"),
    Package("requests", "2.19.0", ecosystem="PyPI", manifest="requirements.txt"),
    Package("@babel/core", "7.24.0", ecosystem="npm", manifest="web/package-lock.json"),
)


def render(result: Result) -> dict:
    text = CycloneDxFormat().render(result)[FILE]
    assert isinstance(text, str)
    error = VALIDATOR.validate_str(text)
    assert error is None, error
    return json.loads(text)


@pytest.mark.parametrize("make", [sample_result, incomplete_result, clean_result])
def test_valid_cyclonedx_16(make) -> None:
    doc = render(replace(make(), components=INVENTORY))
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    assert SECRET_VALUE not in json.dumps(doc)


def test_components_and_vulnerabilities() -> None:
    doc = render(replace(sample_result(), components=INVENTORY))
    purls = {c["purl"] for c in doc["components"]}
    assert {"pkg:pypi/flask@3.0.0", "pkg:pypi/requests@2.19.0", "pkg:npm/%40babel/core@7.24.0",
            "pkg:pypi/jinja2@2.10", "pkg:deb/debian/libc6@2.31-13"} <= purls
    assert "pkg:pypi/gplthing@1.0" not in purls  # a license finding is not a vulnerability component
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    assert set(vulns) == {"CVE-2018-18074", "CVE-2019-10906", "CVE-2019-11324", "CVE-2023-4911"}
    jinja = vulns["CVE-2019-10906"]
    assert jinja["affects"] == [{"ref": "pkg:pypi/jinja2@2.10"}]
    assert jinja["ratings"][0]["severity"] == "critical"
    assert jinja["recommendation"].startswith("upgrade jinja2")
    assert vulns["CVE-2023-4911"]["affects"] == [{"ref": "pkg:deb/debian/libc6@2.31-13"}]
    refs = {c["bom-ref"] for c in doc["components"]}
    assert all(a["ref"] in refs for v in doc["vulnerabilities"] for a in v["affects"])


def test_deterministic_and_registered() -> None:
    result = replace(sample_result(), components=INVENTORY)
    assert CycloneDxFormat().render(result) == CycloneDxFormat().render(result)
    assert get("cyclonedx").name == get("sbom").name == "cyclonedx"


def test_tool_purl_wins_and_names_are_normalized() -> None:
    assert purl_of(Package("Foo_Bar.baz", "1.0", ecosystem="PyPI")).to_string() == "pkg:pypi/foo-bar-baz@1.0"
    given = "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64"
    assert purl_of(Package("musl", "1.2.4-r2", ecosystem="alpine"), given).to_string() == given
    assert purl_of(Package("thing", "1", ecosystem="weird")).type == "generic"


def test_inventory_round_trips_the_json_report() -> None:
    result = replace(sample_result(), components=INVENTORY)
    data = json.loads(json_report.dumps(result))
    json_report.validate(data)
    assert result_from_dict(data).components == INVENTORY


def test_engine_reads_the_inventory(tmp_path: Path) -> None:
    from secscan.results.inventory import inventory

    (tmp_path / "requirements.txt").write_text("flask==3.0.0\nrequests>=2\n", "utf-8")
    lock = {"name": "w", "lockfileVersion": 3, "packages": {
        "": {"name": "w"}, "node_modules/left-pad": {"version": "1.3.0"}}}
    (tmp_path / "package-lock.json").write_text(json.dumps(lock), "utf-8")
    found = inventory(tmp_path, ["requirements.txt", "package-lock.json"])
    assert [(p.name.lower(), p.version, p.ecosystem, p.manifest) for p in found] == [
        ("flask", "3.0.0", "PyPI", "requirements.txt"), ("left-pad", "1.3.0", "npm", "package-lock.json")]


def test_merged_shards_keep_the_inventory() -> None:
    from secscan.results.merge import combine

    a = replace(sample_result(), components=INVENTORY[:2])
    b = replace(sample_result(run_id="run-0002"), components=INVENTORY[1:])
    assert combine([a, b]).components == INVENTORY
