"""The PQC evidence as a readable text table (returned as a string; the command prints it)."""

from __future__ import annotations

from typing import Any

_MARK = {True: "pass", False: "FAIL", None: "n/a"}


def _table(algorithms: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for a in algorithms:
        names.extend(c["name"] for c in a["checks"] if c["name"] not in names)
    cols = [a["alg"] for a in algorithms]
    width = max([len(n) for n in names] + [5]) + 2
    colw = max([len(c) for c in cols] + [4]) + 2
    lines = [("check".ljust(width) + "".join(c.ljust(colw) for c in cols)).rstrip()]
    for name in names:
        row = name.ljust(width)
        for a in algorithms:
            c = next((x for x in a["checks"] if x["name"] == name), None)
            row += (_MARK[c["passed"]] if c else "-").ljust(colw)
        lines.append(row.rstrip())
    errors = [f"  {a['alg']}: {a['error']}" for a in algorithms if a.get("error")]
    return lines + (["not exercised:", *errors] if errors else [])


def _details(algorithms: list[dict[str, Any]]) -> list[str]:
    out = []
    for a in algorithms:
        for c in a["checks"]:
            if c["passed"] is False:
                out.append(f"  FAIL {a['alg']} {c['name']}: {c['detail']}")
    return out


def render_text(ev: dict[str, Any], status: str, findings: list[str]) -> str:
    """Header, the per-algorithm evidence table, failures, findings and the verdict."""
    lines = [f"PQC check for {ev.get('python')} (Python {ev.get('python_version') or '?'})"]
    lines.append(f"  oqs module:      {ev.get('oqs_module') or 'none'}"
                 + (" (liboqs-python)" if ev.get("oqs_module_genuine") else
                    " (NOT liboqs-python's)" if ev.get("oqs_module_genuine") is False else ""))
    lines.append(f"  liboqs-python:   {ev.get('liboqs_python_version') or '?'}")
    probe = ev.get("probe") or {}
    lib = ev.get("library_path") or probe.get("found") or "not found"
    lines.append(f"  liboqs:          {ev.get('liboqs_version') or probe.get('version') or '?'} at {lib}")
    if ev.get("libraries_mapped") is not None:
        lines.append(f"  loaded liboqs:   {', '.join(ev['libraries_mapped']) or 'none'}")
    lines.append(f"  enabled KEMs:    {', '.join(ev.get('enabled_kems') or []) or '?'}")
    seeded = {True: "available", False: "not offered by this oqs module (cross-checked by decapsulation)",
              None: "-"}
    lines.append(f"  seeded keygen:   {seeded[ev.get('seeded_keygen')]}")
    lines.append(f"  searched:        {', '.join(ev.get('searched') or []) or '-'}")
    algorithms = ev.get("algorithms") or []
    if algorithms:
        lines += ["", *_table(algorithms)]
        failed = _details(algorithms)
        if failed:
            lines += ["", "failed evidence:", *failed]
    if findings:
        lines += ["", "findings:", *(f"  {f}" for f in findings)]
    lines += ["", f"verdict: {str(ev.get('verdict', '?')).upper()} in {ev.get('duration_s', 0):.2f}s "
              f"(status {status})"]
    lines += [f"  {r}" for r in ev.get("reasons") or []]
    lines += [f"  note: {n}" for n in ev.get("notes") or []]
    return "\n".join(lines)
