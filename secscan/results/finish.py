"""From raw findings and scanner outcomes to the final Result: enrich, redact, merge, triage, gate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from secscan.core.model import Finding, Result, ScannerResult, Severity
from secscan.core.options import ScanOptions
from secscan.results import changes as changes_mod
from secscan.results import code_context, evidence, fingerprint, placeholders, secret_checks, triage, weakened
from secscan.results.dedup import merge, sort_findings
from secscan.results.enrich import enrich_snippets, redact_findings, secret_line_keys
from secscan.results.gate import evaluate
from secscan.results.redact import Redactor, final_pass, secret_values
from secscan.results.secret_groups import aside as history_aside
from secscan.results.secret_groups import group as group_secrets


def apply_overrides(findings: Sequence[Finding], overrides: Mapping[str, str]) -> list[Finding]:
    """Per-rule severity overrides from the configuration (the tool's word stays in raw_severity)."""
    if not overrides:
        return list(findings)
    out = []
    for f in findings:
        new = overrides.get(f.rule_id) or next((overrides[i] for i in f.identifiers if i in overrides), None)
        if new:
            props = {**f.properties, "severity_overridden_from": f.severity.label}
            f = f.with_(severity=Severity.from_label(new), properties=props)
        out.append(f)
    return out


def recount(scanners: Sequence[ScannerResult], findings: Sequence[Finding]) -> list[ScannerResult]:
    """Each scanner's finding count after merging (a merged finding counts for every source)."""
    out = []
    for s in scanners:
        n = sum(1 for f in findings if s.source in f.sources)
        out.append(s.with_(findings=n) if n or s.findings == 0 else s)
    return out


def triage_rules(opts: ScanOptions) -> list[triage.Rule]:
    """Suppression entries from the configuration, ignores and the baseline."""
    rules = [triage.rule_from(e, "config", f"[[tool.secscan.suppress]] #{i + 1}")
             for i, e in enumerate(opts.suppressions)]
    rules += [triage.rule_from(e, "config", f"[tool.secscan] ignore #{i + 1}")
              for i, e in enumerate(opts.ignores)]
    if opts.baseline is not None:
        rules += triage.load_baseline(opts.baseline)
    return rules


def finish(opts: ScanOptions, findings: Sequence[Finding], scanners: Sequence[ScannerResult], started_at: str,
           duration_s: float, interrupted: bool, notes: Sequence[str], run_id: str, version: str,
           changes: changes_mod.Changes | None = None, values: Iterable[str] | None = None) -> Result:
    """Everything after the scanners ran. ``values``: the run's secret values (``secret_values``; computed
    here when not given), masked in every text before fingerprints are taken (so a finding answered from the
    cache, stored masked, keeps its fingerprint) and again by the last pass."""
    from secscan.results.remediation import apply_remediation, top_actions

    target = target_root(opts.target)
    findings = secret_checks.prepare(findings, target)  # hash-less secret hits (Trivy): their value's hash
    secret_lines = secret_line_keys(findings, target)
    values = frozenset(values) if values is not None else secret_values(findings, target)  # in memory only
    early = Redactor(values)
    items = [early.finding(f) for f in redact_findings(enrich_snippets(findings, target))]
    if opts.command != "import":  # imported npm audit output: installed versions from the target's lockfile
        from secscan.analyzers.advisories.npm_resolve import resolve_imported

        items = resolve_imported(items, target)
    items, history = history_aside(items)  # secrets found in git history join after the merge by place
    items = evidence.apply(items, scanners, taint_rule_ids(opts))  # severity from evidence, superseded hits
    items = fingerprint.assign(evidence.ordered(merge(items)), secret_lines)
    items = group_secrets([*items, *history])  # one finding per secret value, every place listed
    items, configuration = code_context.apply(items, target, opts.gate_tests, opts.configuration,
                                              opts.changed_since)
    items = apply_overrides(items, opts.severity_overrides)
    items, stale, tnotes = triage.apply(items, triage_rules(opts), target, partial_run=partial_run(opts),
                                        health={s.name: s for s in scanners},
                                        keep_candidates=opts.shard is not None)
    items, pnotes = placeholders.apply(items, target)  # one placeholder policy for every secret source
    tnotes += pnotes
    if changes is None and opts.changed_since:
        changes = changes_mod.collect(target, opts.changed_since)
    if changes is not None:
        items = changes_mod.mark(items, changes)
        items, more = changes_mod.unhonoured_markers(items, changes)
        tnotes += more
        tnotes.append(changed_note(opts.changed_since, items, changes))
    tnotes += triage.marker_note(items)
    if opts.changed_since or opts.strict:  # the change's own loosening: never suppressed, always counted
        items += weakened.findings(opts.configuration)  # (--strict: only what it could not drop, bandit's)
    items = sort_findings(apply_remediation(items))
    conf_notes = configuration.notes
    items, scanners, all_notes = final_pass(items, recount(scanners, items), (*conf_notes, *notes, *tnotes),
                                            values)
    gate = evaluate(items, scanners, opts.fail_on, opts.allow_incomplete, interrupted)
    return Result(target=str(opts.target), started_at=started_at, duration_s=duration_s,
                  scanners=tuple(scanners), findings=tuple(items), gate=gate,
                  actions=tuple(top_actions(items)),
                  secscan_version=version, notes=tuple(all_notes), stale_suppressions=tuple(stale),
                  run_id=run_id, configuration=configuration, shard=opts.shard)


def taint_rule_ids(opts: ScanOptions) -> frozenset[str]:
    """The rule ids of the semgrep rules folder this run used (``semgrep_rules`` option, else bundled)."""
    from secscan.core.resources import rules_path
    from secscan.scanners.semgrep import read_rules

    custom = opts.extra.get("semgrep_rules")
    return frozenset(read_rules(Path(custom) if custom else rules_path("semgrep")).ids)


def partial_run(opts: ScanOptions) -> str | None:
    """Why this run cannot tell that any suppression is stale (None: it covered every file; which scanners
    ran in full is judged per entry, see secscan/staleness.py)."""
    if opts.shard is not None:
        return f"is shard {opts.shard[0]}/{opts.shard[1]} (`secscan merge` of all shards judges)"
    if opts.command == "import":
        return "only read imported files"
    if opts.paths:
        return f"scanned {len(opts.paths)} given file(s) only"
    return None


def changed_note(ref: str | None, items: Sequence[Finding], changes: changes_mod.Changes) -> str:
    """What --changed-since did, for the report."""
    old = sum(1 for f in items if f.pre_existing)
    return (f"--changed-since {ref}: {len(changes.lines)} file(s) changed; {len(items) - old} finding(s) are "
            f"in the changes and count for the gate; {old} pre-existing finding(s) outside them do not")


def target_root(target: Path) -> Path:
    """The folder findings are relative to."""
    return target if target.is_dir() else target.parent
