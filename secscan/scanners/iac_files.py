"""Which files of a tree are infrastructure as code, and for which checkov framework.

Decided by name, and for YAML/JSON by a look at the first 64 KiB (``apiVersion:`` with ``kind:`` is a
Kubernetes manifest; ``AWSTemplateFormatVersion`` or ``AWS::`` resource types a CloudFormation template).
Nothing from the tree is executed: this only reads text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

SNIFF_BYTES = 64 * 1024
_K8S = re.compile(rb"^apiVersion:\s*\S+", re.MULTILINE)
_KIND = re.compile(rb"^kind:\s*\S+", re.MULTILINE)
_CFN = re.compile(rb"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?AWS::")
COMPOSE_GAP = "docker-compose (checkov has no docker-compose framework)"
_COMPOSE = re.compile(r"^(docker-)?compose(\.[\w.-]+)?\.ya?ml$")


@dataclass
class IacFiles:
    """The IaC files of a tree by checkov framework, and the ones secscan knows checkov does not cover."""

    by_framework: dict[str, list[str]] = field(default_factory=dict)
    helm_charts: list[str] = field(default_factory=list)  # chart folders (templates are not plain YAML)
    not_covered: dict[str, list[str]] = field(default_factory=dict)  # kind -> files (docker-compose, ...)

    @property
    def files(self) -> list[str]:
        """Every file checkov is given, in order."""
        return [f for files in self.by_framework.values() for f in files]

    def add(self, framework: str, path: str) -> None:
        """Record a file for a framework."""
        self.by_framework.setdefault(framework, []).append(path)


def is_dockerfile(name: str) -> bool:
    """Dockerfile, Containerfile, Dockerfile.prod, app.dockerfile."""
    low = name.lower()
    if low in ("dockerfile", "containerfile"):
        return True
    return low.startswith("dockerfile.") or low.endswith(".dockerfile")


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(SNIFF_BYTES)
    except OSError:
        return b""


def _yaml_kind(root: Path, rel: str) -> str | None:
    head = _head(root / rel)
    if _K8S.search(head) and _KIND.search(head):
        return "kubernetes"
    if _CFN.search(head):
        return "cloudformation"
    return None


def _chart_of(parts: tuple[str, ...], charts: set[str]) -> str | None:
    for i in range(len(parts) - 1, 0, -1):
        folder = "/".join(parts[:i])
        if folder in charts:
            return folder
    return None


def classify(root: Path, files: Sequence[str]) -> IacFiles:
    """The IaC files among files (relative to root, forward slashes)."""
    out = IacFiles()
    charts = {str(PurePosixPath(f).parent) for f in files if PurePosixPath(f).name == "Chart.yaml"}
    charts = {"" if c == "." else c for c in charts}
    for rel in files:
        p = PurePosixPath(rel)
        name, parts = p.name, p.parts
        if _chart_of(parts, charts) is not None or (name == "Chart.yaml" and str(p.parent) in charts | {"."}):
            continue
        if is_dockerfile(name):
            out.add("dockerfile", rel)
        elif name.endswith((".tf", ".tf.json")):
            out.add("terraform", rel)
        elif parts[-3:-1] == (".github", "workflows") and name.endswith((".yml", ".yaml")):
            out.add("github_actions", rel)
        elif name == ".gitlab-ci.yml":
            out.add("gitlab_ci", rel)
        elif _COMPOSE.match(name):
            out.not_covered.setdefault(COMPOSE_GAP, []).append(rel)
        elif name.endswith((".yaml", ".yml", ".json")):
            kind = _yaml_kind(root, rel)
            if kind is not None:
                out.add(kind, rel)
    out.helm_charts = sorted(c or "." for c in charts)
    return out


def unreadable_yaml(root: Path, files: Sequence[str]) -> list[str]:
    """The YAML files among files that do not parse (safe loader: no object is built from the text)."""
    bad = []
    for rel in files:
        if not rel.endswith((".yaml", ".yml")):
            continue
        try:
            list(yaml.safe_load_all((root / rel).read_text("utf-8", "replace")))
        except (yaml.YAMLError, OSError, RecursionError):
            bad.append(rel)
    return bad
