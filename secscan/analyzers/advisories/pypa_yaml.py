"""PyPA advisory-database records (``vulns/<package>/PYSEC-*.yaml``): OSV records written in YAML.

Read with a safe loader that keeps numbers and dates as written: a version written ``3.10`` must stay
``"3.10"``, not the float 3.1, and a date stays the text OSV gives (null and booleans are still read).
The decoded mapping goes through the same ``osv.parse_record`` as JSON records, so a YAML record and its
OSV JSON twin give the same findings.
"""

from __future__ import annotations

from typing import Any

import yaml

try:
    _Base: Any = yaml.CSafeLoader  # libyaml: several times faster on 20k records
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader

SUFFIXES = (".yaml", ".yml")


class _StringSafeLoader(_Base):
    """SafeLoader without the implicit int/float/timestamp resolvers: those plain scalars stay str."""


_KEPT = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"}
_StringSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in _KEPT]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


def load_yaml(raw: bytes) -> Any:
    """The decoded YAML document (ValueError when it is not YAML)."""
    try:
        return yaml.load(raw.decode("utf-8-sig"), Loader=_StringSafeLoader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"invalid YAML: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}"
                         ) from None


def is_yaml(name: str) -> bool:
    """A file name of a YAML record."""
    return name.lower().endswith(SUFFIXES)
