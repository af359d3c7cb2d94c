"""The online pip-audit canary is a candidate the target does not name; requirement files that ask one package
differently are placed in separate sets (pip-audit refuses "duplicate requirements")."""

from __future__ import annotations

from pathlib import Path

from secscan.analyzers.advisories import pypi_canary, python_deps, python_sets
from secscan.core.model import Category, Finding, Package, Severity


def test_the_canary_is_the_first_candidate_the_target_does_not_name() -> None:
    assert pypi_canary.pick([]) == pypi_canary.CANDIDATES[0]
    assert pypi_canary.pick(["PyYAML", "requests"]).name == "urllib3"  # type: ignore[union-attr]
    assert pypi_canary.pick(["py-yaml", "URLLIB3"]).name == "pyyaml"  # type: ignore[union-attr]
    assert pypi_canary.pick([c.name for c in pypi_canary.CANDIDATES]) is None
    assert len({c.name for c in pypi_canary.CANDIDATES}) == len(pypi_canary.CANDIDATES) >= 5


def test_split_takes_exactly_the_canary_version() -> None:
    def dep(name: str, version: str) -> Finding:
        return Finding("PYSEC-1", "t", "m", Severity.HIGH, "unknown", Category.DEPENDENCY, ("pip-audit",),
                       package=Package(name, version))

    canary = pypi_canary.pick(["pyyaml"])
    found, real = pypi_canary.split([dep("urllib3", "1.24.1"), dep("urllib3", "2.0.0"), dep("PyYAML", "5.3")],
                                    canary)
    assert [(f.package.name, f.package.version) for f in found if f.package] == [("urllib3", "1.24.1")]
    assert len(real) == 2
    assert pypi_canary.split([dep("pyyaml", "5.3")], None) == ([], [dep("pyyaml", "5.3")])


def test_requirement_specs_follow_includes_and_name_unpinned_packages(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("PyYAML==5.4 --hash=sha256:00\nrequests>=2 ; python_version > '3'\n")
    (tmp_path / "requirements.txt").write_text("-r base.txt\nflask\n# comment\n-e .\nurllib3 @ https://x/u.whl\n")
    specs = python_deps.requirement_specs(tmp_path, "requirements.txt")
    assert specs == {"pyyaml": "==5.4", "requests": '>=2; python_version > "3"', "flask": "",
                     "urllib3": " @ https://x/u.whl"}
    (tmp_path / "poetry.lock").write_text('[[package]]\nname = "Jinja2"\nversion = "2.10"\n')
    assert python_deps.requirement_specs(tmp_path, "poetry.lock") == {"jinja2": "==2.10"}
    assert python_deps.requirement_specs(tmp_path, "missing.txt") == {}


def test_files_that_ask_one_package_differently_go_to_separate_sets() -> None:
    a, b, c, d = {"pyyaml": "==5.4", "x": ""}, {"pyyaml": "==6.0"}, {"x": "", "y": "==1"}, {"pyyaml": "==6.0"}
    assert python_sets.compatible_sets([a, b, c, d]) == [[0, 2], [1, 3]]
    assert python_sets.compatible_sets([a, {"x": ">=1"}]) == [[0], [1]]  # any difference: apart
    assert python_sets.compatible_sets([]) == []
    assert python_sets.names([a, b, c]) == {"pyyaml", "x", "y"}
