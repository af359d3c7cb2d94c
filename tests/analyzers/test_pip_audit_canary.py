"""pip-audit that runs, exits 0 and prints a well-formed result without any vulnerability (a blinded
advisory service, a wrapper) is not a clean pass: its canary (pyyaml 5.3) was not detected."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from secscan.cli.main import main


def test_valid_empty_pip_audit_result_fails_on_the_canary(tmp_path: Path,
                                                          fake_bin: Callable[[str, str], Path]) -> None:
    script = tmp_path / "fake_pip_audit.py"
    script.write_text(textwrap.dedent("""
        import json, sys
        from pathlib import Path
        args = sys.argv[1:]
        if args == ["--version"]:
            print("pip-audit 2.10.1"); sys.exit(0)
        files = [args[i + 1] for i, a in enumerate(args) if a == "-r"]
        lines = [ln.strip() for f in files for ln in Path(f).read_text().splitlines()]
        pins = [ln.split("==") for ln in lines if "==" in ln]
        deps = [{"name": n, "version": v, "vulns": []} for n, v in pins]
        print(json.dumps({"dependencies": deps, "fixes": []}))
        """), "utf-8")
    fake_bin("pip-audit", f'exec "{sys.executable}" "{script}" "$@"\n')
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("requests==2.31.0\n", "utf-8")
    out = tmp_path / "out"
    code = main(["deps", str(root), "--scanners", "pip-audit", "--no-cache", "--quiet", "--format", "json",
                 "--output-dir", str(out)])
    rep = json.loads((out / "secscan.json").read_text("utf-8"))
    s = next(s for s in rep["scanners"] if s["name"] == "pip-audit")
    assert s["status"] == "failed" and "canary not detected" in s["reason"] and s["canary"] == "missing"
    assert code == 3 and rep["findings"] == []


REPORTING = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    args = sys.argv[1:]
    if args == ["--version"]:
        print("pip-audit 2.10.1"); sys.exit(0)
    files = [args[i + 1] for i, a in enumerate(args) if a == "-r"]
    lines = [ln.strip() for f in files for ln in Path(f).read_text().splitlines()]
    pins = [ln.split("==") for ln in lines if "==" in ln and not ln.startswith("#")]
    bad = {("pyyaml", "5.3"): "PYSEC-2020-96", ("requests", "2.19.1"): "PYSEC-2018-28"}
    deps = [{"name": n, "version": v, "vulns": [{"id": bad[(n.lower(), v)], "fix_versions": ["9"]}]
             if (n.lower(), v) in bad else []} for n, v in pins]
    print(json.dumps({"dependencies": deps, "fixes": []}))
    sys.exit(1)
    """)


def test_lock_files_are_audited_online_not_only_counted(tmp_path: Path,
                                                        fake_bin: Callable[[str, str], Path]) -> None:
    script = tmp_path / "fake_pip_audit.py"
    script.write_text(REPORTING, "utf-8")
    fake_bin("pip-audit", f'exec "{sys.executable}" "{script}" "$@"\n')
    root = tmp_path / "proj"
    root.mkdir()
    (root / "poetry.lock").write_text('[[package]]\nname = "requests"\nversion = "2.19.1"\n\n'
                                      '[[package]]\nname = "idna"\nversion = "3.7"\n', "utf-8")
    out = tmp_path / "out"
    code = main(["deps", str(root), "--scanners", "pip-audit", "--no-cache", "--quiet", "--format", "json",
                 "--output-dir", str(out), "--fail-on", "high"])
    rep = json.loads((out / "secscan.json").read_text("utf-8"))
    s = next(s for s in rep["scanners"] if s["name"] == "pip-audit")
    assert s["status"] == "ok" and s["canary"] == "detected", s
    found = [(f["package"]["name"], f["package"]["version"], f["package"]["manifest"])
             for f in rep["findings"]]
    assert found == [("requests", "2.19.1", "poetry.lock")], found
    assert code == 1
