"""Format names (as given to `--format`) -> formats."""

from __future__ import annotations

from collections.abc import Iterable

from secscan.core.errors import UsageError
from secscan.core.model import Result
from secscan.formats import json_report
from secscan.formats.cyclonedx import CycloneDxFormat
from secscan.formats.gitlab import GitLabFormat
from secscan.formats.html import HtmlFormat
from secscan.formats.interface import Format
from secscan.formats.junit import JunitFormat
from secscan.formats.markdown import MarkdownFormat
from secscan.formats.sarif import SarifFormat

DEFAULT_FORMATS = ("json", "md", "html", "sarif")  # the contract's default; gitlab on request


class JsonFormat(Format):
    """`--format json`: the source of truth (`json_report.dumps`)."""

    name = "json"
    files = ("secscan.json",)

    def render(self, result: Result) -> dict[str, str | bytes]:
        """{"secscan.json": text}."""
        return {"secscan.json": json_report.dumps(result)}


FORMATS: dict[str, Format] = {
    f.name: f for f in (JsonFormat(), MarkdownFormat(), HtmlFormat(), SarifFormat(), GitLabFormat(),
                        CycloneDxFormat(), JunitFormat())
}
ALIASES = {"markdown": "md", "gl": "gitlab", "cdx": "cyclonedx", "sbom": "cyclonedx", "junit-xml": "junit"}


def get(name: str) -> Format:
    """The format called name; UsageError naming the choices otherwise."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return FORMATS[key]
    except KeyError:
        raise UsageError(f"unknown report format {name!r} (choose from {', '.join(FORMATS)})") from None


def parse_formats(spec: str | Iterable[str]) -> list[Format]:
    """ "json,md" (or a list of names) -> formats, in order, without duplicates; "all" means every format."""
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[Format] = []
    for n in (n for n in names if n.strip()):
        for fmt in FORMATS.values() if n.strip().lower() == "all" else (get(n),):
            if fmt not in out:
                out.append(fmt)
    if not out:
        raise UsageError("no report format given (choose from " + ", ".join(FORMATS) + ")")
    return out
