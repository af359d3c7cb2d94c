"""What to do about each finding, and the few actions that clear the most severe ones.

Dependencies: "upgrade NAME from X to Y", Y being the lowest version that fixes every advisory of that
package at that version (per advisory: the lowest fixed version above X, which picks the right branch
when fixes are published for several; then the highest of those), ordered with ``packaging`` (PyPI)
or ``semver`` (npm). Bandit: a one-line fix per test id (:data:`BANDIT_FIXES`) and the test's
documentation link. Semgrep: the rule's ``fix``, else its message. Secrets: :data:`SECRET_REMEDIATION`.
Crypto (pqc) and TLS (mtls) findings keep the remediation their check wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from secscan.analyzers.advisories.versions import key_for_all, norm_ecosystem, norm_name
from secscan.core.model import Action, Category, Finding
from secscan.core.resources import rules_path

SECRET_REMEDIATION = "rotate the credential, remove it from the code and purge it from git history"  # noqa: S105

def _load_bandit_fixes() -> dict[str, tuple[str, str]]:
    """bandit test id -> (short name used in actions, one-line fix), from rules/remediation/bandit.yaml."""
    import yaml

    data = yaml.safe_load(rules_path("remediation", "bandit.yaml").read_text("utf-8")) or {}
    return {str(k): (str(v[0]), str(v[1])) for k, v in (data.get("bandit") or {}).items()}


BANDIT_FIXES: dict[str, tuple[str, str]] = _load_bandit_fixes()

_BANDIT_ID = re.compile(r"^B\d{3}$")
MAX_TEXT = 300

PkgKey = tuple[str, str, str, str]


def _short(text: str) -> str:
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    return line if len(line) <= MAX_TEXT else line[: MAX_TEXT - 3] + "..."


def _eco(f: Finding) -> str | None:
    return norm_ecosystem(f.package.ecosystem if f.package else None, f.sources)


def _pkg_key(f: Finding) -> PkgKey | None:
    if f.package is None or f.category not in (Category.DEPENDENCY, Category.CONTAINER):
        return None
    eco = _eco(f) or ""
    image = (f.location.image or "") if f.location else ""
    return eco, norm_name(eco, f.package.name), f.package.version or "", image


def lowest_fix(ecosystem: str | None, installed: str | None, fixed: Sequence[str]) -> str | None:
    """The lowest fixed version above installed (any fixed version when installed is unknown)."""
    fixed = [v for v in dict.fromkeys(fixed) if v]
    if not fixed:
        return None
    fn = key_for_all(ecosystem, [*fixed, *([installed] if installed else [])])
    if fn is None:
        return fixed[0] if len(fixed) == 1 else None
    above = [v for v in fixed if installed is None or fn(v) > fn(installed)]
    return min(above, key=fn) if above else None


def upgrade_target(ecosystem: str | None, installed: str | None,
                   advisories: Iterable[Sequence[str]]) -> str | None:
    """The lowest version fixing every fixable advisory: the highest of their per-advisory lowest fixes."""
    mins = [m for m in (lowest_fix(ecosystem, installed, fx) for fx in advisories) if m]
    if not mins:
        return None
    fn = key_for_all(ecosystem, mins)
    if fn is None:
        return mins[0] if len(set(mins)) == 1 else None
    return max(mins, key=fn)


def _cleared_by(f: Finding, target: str | None) -> bool:
    """True when upgrading to target fixes f (target is one of its fixes when they cannot be ordered)."""
    pkg = f.package
    if pkg is None or target is None:
        return False
    return lowest_fix(_eco(f), pkg.version, pkg.fixed_versions) is not None or target in pkg.fixed_versions


def _where(f: Finding) -> str:
    return f" (image {f.location.image})" if f.location and f.location.image else ""


def _upgrade_text(f: Finding, target: str | None) -> str | None:
    pkg = f.package
    if pkg is None:
        return None
    where = _where(f)
    frm = f" from {pkg.version}" if pkg.version else ""
    versions = [*pkg.fixed_versions, *([pkg.version] if pkg.version else [])]
    if pkg.fixed_versions and key_for_all(_eco(f), versions) is None and not _cleared_by(f, target):
        return f"upgrade {pkg.name}{frm} to a fixed version ({', '.join(pkg.fixed_versions)}){where}"
    if not _cleared_by(f, target):
        return f"no fixed version published for {pkg.name} {pkg.version or ''}".rstrip() + where
    return f"upgrade {pkg.name}{frm} to {target}{where}"


def _bandit(f: Finding) -> str:
    _, fix = BANDIT_FIXES.get(f.rule_id, ("", f"review the code bandit flags as {f.rule_id} ({f.title})"))
    link = f.properties.get("more_info")
    return f"{fix}; see {link}" if isinstance(link, str) and link else fix


def _code(f: Finding) -> str:
    fix = f.properties.get("fix")
    if isinstance(fix, str) and fix.strip():
        return f"apply the rule's fix: {_short(fix)}"
    resolution = f.properties.get("resolution")
    if isinstance(resolution, str) and resolution.strip():
        return _short(resolution)
    return _short(f.message) or f"fix {f.rule_id}"


def remediation_for(f: Finding) -> str | None:
    """The remediation text of one finding on its own (dependency upgrades from its own fixed versions)."""
    if f.category in (Category.CRYPTO, Category.TLS) and f.remediation:
        return f.remediation
    if f.category is Category.SECRET:
        return SECRET_REMEDIATION
    if _pkg_key(f) is not None and f.package is not None:
        return _upgrade_text(f, upgrade_target(_eco(f), f.package.version, [f.package.fixed_versions]))
    if f.category is Category.LICENSE and f.package is not None:
        pkg = f.package
        return f"review the license of {pkg.name} {pkg.version or ''}".rstrip() + " against your policy"
    if _BANDIT_ID.match(f.rule_id) and ("bandit" in f.sources or f.rule_id in BANDIT_FIXES):
        return _bandit(f)
    return f.remediation or _code(f)


def _targets(findings: Iterable[Finding]) -> dict[PkgKey, str | None]:
    groups: dict[PkgKey, list[Finding]] = {}
    for f in findings:
        key = _pkg_key(f)
        if key is not None:
            groups.setdefault(key, []).append(f)
    return {k: upgrade_target(k[0] or None, k[2] or None, [f.package.fixed_versions for f in fs if f.package])
            for k, fs in groups.items()}


def apply_remediation(findings: Iterable[Finding]) -> list[Finding]:
    """Fill every empty remediation. A dependency's upgrade covers all findings of the same package version
    and replaces a tool's own text (so a finding and its top action name the same version); a tool's text
    is kept when no upgrade clears the finding."""
    items = list(findings)
    targets = _targets(items)
    out: list[Finding] = []
    for f in items:
        key = _pkg_key(f)
        if key is not None and _cleared_by(f, targets.get(key)):
            out.append(f.with_(remediation=_upgrade_text(f, targets.get(key))))
        elif f.remediation:
            out.append(f)
        else:
            text = _upgrade_text(f, targets.get(key)) if key is not None else remediation_for(f)
            out.append(f.with_(remediation=text))
    return out


def _rule_label(f: Finding) -> str:
    if _BANDIT_ID.match(f.rule_id) and f.rule_id in BANDIT_FIXES:
        return BANDIT_FIXES[f.rule_id][0]
    return f.title if f.title and f.title != f.rule_id else ""


def _action(text: str, group: Sequence[Finding]) -> Action:
    return Action(text, max(f.severity for f in group), tuple(f.fingerprint for f in group if f.fingerprint))


def _package_actions(group: list[Finding], target: str | None) -> list[tuple[Action, int]]:
    """One upgrade for every fixable advisory, one for fixes that cannot be ordered, one for no fix."""
    fixable = [f for f in group if _cleared_by(f, target)]
    rest = [f for f in group if f not in fixable]
    unordered = [f for f in rest if f.package and f.package.fixed_versions]
    unfixed = [f for f in rest if f not in unordered]
    out = [(_action(_upgrade_text(fixable[0], target) or "", fixable), len(fixable))] if fixable else []
    pkgs = [f.package for f in unordered if f.package]
    if pkgs:
        fixes = ", ".join(dict.fromkeys(v for p in pkgs for v in p.fixed_versions))
        frm = f" from {pkgs[0].version}" if pkgs[0].version else ""
        text = f"upgrade {pkgs[0].name}{frm} to a fixed version ({fixes}){_where(unordered[0])}"
        out.append((_action(text, unordered), len(unordered)))
    if unfixed:
        n = len(unfixed)
        plural = "advisory" if n == 1 else "advisories"
        text = f"{_upgrade_text(unfixed[0], None)}: replace or mitigate it ({n} {plural})"
        out.append((_action(text, unfixed), n))
    return out


def _other_action(kind: tuple[str, ...], group: list[Finding]) -> Action:
    n = len(group)
    if kind[0] == "secret":
        creds = len({f.secret_hash or f.fingerprint or str(i) for i, f in enumerate(group)})
        return _action(f"rotate {creds} leaked credential{'s' if creds != 1 else ''}", group)
    texts = {f.remediation for f in group}
    if group[0].category in (Category.CRYPTO, Category.TLS) and len(texts) == 1 and group[0].remediation:
        return _action(group[0].remediation + (f" ({n} findings)" if n > 1 else ""), group)
    label = _rule_label(group[0])
    return _action(f"fix {n} x {group[0].rule_id}" + (f" {label}" if label else ""), group)


def top_actions(findings: Iterable[Finding], limit: int | None = None) -> list[Action]:
    """The fewest actions that clear the counted findings, most severe first, then those clearing most.

    One upgrade per package version (clearing all its fixable advisories); one action per rule for code
    findings; one action for all leaked credentials. Suppressed and pre-existing findings are not counted.
    """
    counted = [f for f in findings if f.counts_for_gate]
    packages: dict[PkgKey, list[Finding]] = {}
    others: dict[tuple[str, ...], list[Finding]] = {}
    for f in counted:
        key = _pkg_key(f)
        if key is not None:
            packages.setdefault(key, []).append(f)
        elif f.category is Category.SECRET:
            others.setdefault(("secret",), []).append(f)
        else:
            others.setdefault(("rule", f.category.value, f.rule_id), []).append(f)
    targets = _targets(counted)
    actions: list[tuple[Action, int]] = []
    for key, group in packages.items():
        actions.extend(_package_actions(group, targets[key]))
    for kind, group in others.items():
        actions.append((_other_action(kind, group), len(group)))
    actions.sort(key=lambda an: (-int(an[0].severity), -an[1], an[0].action))
    ranked = [a for a, _ in actions]
    return ranked[:limit] if limit is not None else ranked

