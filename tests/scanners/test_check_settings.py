"""The PQC and mTLS checks read typed settings, built once from the scan's options (no string keys in the
checks' logic): every option maps to its field, and the defaults are the documented ones."""

from __future__ import annotations

import sys
from pathlib import Path

from secscan.analyzers.mtls.check import DEFAULT_TIMEOUT
from secscan.analyzers.pqc.reference import DEFAULT_ALGS
from secscan.config.build import build_options
from secscan.process.runner import Runner
from secscan.run.engine import make_context
from secscan.scanners.mtls import MtlsSettings
from secscan.scanners.pqc import PqcSettings


def test_defaults() -> None:
    assert PqcSettings.from_options({}) == PqcSettings(sys.executable, DEFAULT_ALGS, False)
    assert MtlsSettings.from_options({}, 600.0) == MtlsSettings(timeout=DEFAULT_TIMEOUT)


def test_every_option_reaches_its_field(tmp_path: Path) -> None:
    files = {n: tmp_path / f"{n}.pem" for n in ("ca", "cert", "key")}
    for f in files.values():
        f.write_text("x", "utf-8")
    opts = build_options(tmp_path, command="all", pqc_python=sys.executable, pqc_algs=["ML-KEM-512"],
                         require_pqc=True, mtls_target="127.0.0.1:8443", mtls_ca=str(files["ca"]),
                         mtls_cert=str(files["cert"]), mtls_key=str(files["key"]), mtls_server_name="svc",
                         mtls_pq=True, mtls_require_pq=True)
    ctx = make_context(opts, Runner())
    assert PqcSettings.from_options(ctx.options) == PqcSettings(sys.executable, ("ML-KEM-512",), True)
    m = MtlsSettings.from_options(ctx.options, 600.0)
    assert (m.target, m.ca, m.cert, m.key, m.server_name, m.pq, m.require_pq) == (
        "127.0.0.1:8443", str(files["ca"]), str(files["cert"]), str(files["key"]), "svc", True, True)


def test_the_probe_timeout_is_bounded_by_the_scanner_timeout() -> None:
    assert MtlsSettings.from_options({"mtls_timeout": 30}, 5.0).timeout == 5.0
    assert MtlsSettings.from_options({"mtls_timeout": 2}, 5.0).timeout == 2.0
    for bad in (0, -1, "x", None):
        assert MtlsSettings.from_options({"mtls_timeout": bad}, 5.0).timeout == DEFAULT_TIMEOUT


def test_a_skipped_target_is_kept_only_as_a_mapping() -> None:
    skipped = {"target": "h:1", "reason": "--offline"}
    assert MtlsSettings.from_options({"mtls_target_skipped": skipped}, 5.0).target_skipped == skipped
    assert MtlsSettings.from_options({"mtls_target_skipped": "h:1"}, 5.0).target_skipped is None


def test_run_settings_are_typed_fields_and_scanner_options_read_only(tmp_path: Path) -> None:
    """What several scanners read is a typed field of the context; ``options`` holds only the settings the
    scanners declare for themselves, and no scanner can change it for the others."""
    import pytest

    out = tmp_path / "reports"
    opts = build_options(tmp_path, command="all", trust_tree_config=True, no_containers=True,
                         output_dir=str(out), advisory_max_age_days=3, semgrep_rules=str(tmp_path))
    ctx = make_context(opts, Runner())
    assert (ctx.trust_tree_config, ctx.no_containers, ctx.advisory_max_age_days) == (True, True, 3)
    assert ctx.output_dir is not None and ctx.output_dir.name == "reports"
    assert not {"trust_tree_config", "no_containers", "output_dir", "advisory_max_age_days", "PATH"} & set(
        ctx.options)
    assert ctx.options["semgrep_rules"] == str(tmp_path)
    with pytest.raises(TypeError):
        ctx.options["prefilter"] = False  # type: ignore[index]
