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
from secscan.core.model import Action, Category, Finding, Severity
from secscan.core.resources import load_yaml, rules_path

SECRET_REMEDIATION = "rotate the credential, remove it from the code and purge it from git history"  # noqa: S105

def _load_bandit_fixes() -> dict[str, tuple[str, str]]:
    """bandit test id -> (short name used in actions, one-line fix), from rules/remediation/bandit.yaml."""

    data = load_yaml(rules_path("remediation", "bandit.yaml").read_text("utf-8")) or {}
    return {str(k): (str(v[0]), str(v[1])) for k, v in (data.get("bandit") or {}).items()}


BANDIT_FIXES: dict[str, tuple[str, str]] = _load_bandit_fixes()

_BANDIT_ID = re.compile(r"^B\d{3}$")
# severity x count: what each finding an action clears weighs (one critical = four highs = 16 mediums ...)
RISK_WEIGHT = {Severity.CRITICAL: 256, Severity.HIGH: 64, Severity.MEDIUM: 16, Severity.LOW: 4,
               Severity.INFO: 1}
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
        url = f.properties.get("revoke_url")  # the provider's page, from the secret rule (rules/secrets/)
        return f"{SECRET_REMEDIATION} (revoke it at {url})" if isinstance(url, str) and url \
            else SECRET_REMEDIATION
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


def risk(group: Iterable[Finding]) -> int:
    """The risk an action removes: the sum of its findings' severity weights (RISK_WEIGHT)."""
    return sum(RISK_WEIGHT[f.severity] for f in group)


UpgradeKey = tuple[str, str, str, str]  # ecosystem, package name, image, target version


def _split(group: list[Finding], target: str | None, upgrades: dict[UpgradeKey, list[Finding]]
           ) -> list[list[Finding]]:
    """File the findings an upgrade to target clears under (package, target) in upgrades (across versions
    and manifests); return the rest as groups: fixes that cannot be ordered, then advisories with no fix."""
    fixable = [f for f in group if _cleared_by(f, target)]
    if fixable and target is not None:
        first = fixable[0]
        name = norm_name(_eco(first) or "", first.package.name if first.package else "")
        image = (first.location.image or "") if first.location else ""
        upgrades.setdefault((_eco(first) or "", name, image, target), []).extend(fixable)
    rest = [f for f in group if f not in fixable]
    unordered = [f for f in rest if f.package and f.package.fixed_versions]
    unfixed = [f for f in rest if f not in unordered]
    return [g for g in (unordered, unfixed) if g]


def _upgrade_action(group: list[Finding], target: str) -> Action:
    """One upgrade of a package to target, naming every version it is found at."""
    pkg = group[0].package
    assert pkg is not None
    versions = list(dict.fromkeys(f.package.version for f in group if f.package and f.package.version))
    frm = f" from {', '.join(versions)}" if versions else ""
    return _action(f"upgrade {pkg.name}{frm} to {target}{_where(group[0])}", group)


def _rest_action(group: list[Finding]) -> Action:
    """Fixes that cannot be ordered (one action listing them), or advisories without a fix."""
    first = group[0]
    pkgs = [f.package for f in group if f.package]
    if first.package is not None and first.package.fixed_versions:
        fixes = ", ".join(dict.fromkeys(v for p in pkgs for v in p.fixed_versions))
        frm = f" from {pkgs[0].version}" if pkgs[0].version else ""
        return _action(f"upgrade {pkgs[0].name}{frm} to a fixed version ({fixes}){_where(first)}", group)
    n = len(group)
    plural = "advisory" if n == 1 else "advisories"
    return _action(f"{_upgrade_text(first, None)}: replace or mitigate it ({n} {plural})", group)


def _secret_action(group: list[Finding]) -> Action:
    """One credential (one secret hash), however many rules and places report it."""
    best = max(group, key=lambda f: (f.severity, "detect-secrets" not in f.sources))
    places = list(dict.fromkeys(location_of(f) for f in group))
    rules = len({f.rule_id for f in group})
    more = f" and {len(places) - 1} more place{'s' if len(places) > 2 else ''}" if len(places) > 1 else ""
    seen = f" (reported by {rules} rules)" if rules > 1 else ""
    return _action(f"rotate the {best.title or best.rule_id} leaked at {places[0]}{more}{seen}", group)


def location_of(f: Finding) -> str:
    """path:line (or the path, or the rule id when there is no place)."""
    loc = f.location
    if loc is None or not loc.path:
        return f.rule_id
    return f"{loc.path}:{loc.start_line}" if loc.start_line else loc.path


def _other_action(kind: tuple[str, ...], group: list[Finding]) -> Action:
    n = len(group)
    if kind[0] == "secret":
        return _secret_action(group)
    texts = {f.remediation for f in group}
    if group[0].category in (Category.CRYPTO, Category.TLS) and len(texts) == 1 and group[0].remediation:
        return _action(group[0].remediation + (f" ({n} findings)" if n > 1 else ""), group)
    label = _rule_label(group[0])
    return _action(f"fix {n} x {group[0].rule_id}" + (f" {label}" if label else ""), group)


def _groups(counted: list[Finding]) -> list[tuple[Action, list[Finding]]]:
    packages: dict[PkgKey, list[Finding]] = {}
    others: dict[tuple[str, ...], list[Finding]] = {}
    for f in counted:
        key = _pkg_key(f)
        if key is not None:
            packages.setdefault(key, []).append(f)
        elif f.category is Category.SECRET:
            others.setdefault(("secret", f.secret_hash or f.fingerprint or location_of(f)), []).append(f)
        else:
            others.setdefault(("rule", f.category.value, f.rule_id), []).append(f)
    targets = _targets(counted)
    upgrades: dict[UpgradeKey, list[Finding]] = {}
    out: list[tuple[Action, list[Finding]]] = []
    for key, group in packages.items():
        out.extend((_rest_action(g), g) for g in _split(group, targets[key], upgrades))
    out.extend((_upgrade_action(g, key[3]), g) for key, g in upgrades.items())
    out.extend((_other_action(kind, g), g) for kind, g in others.items())
    return out


def top_actions(findings: Iterable[Finding], limit: int | None = None) -> list[Action]:
    """Every action that clears counted findings, the ones removing the most risk first.

    Risk is severity x count (the sum of RISK_WEIGHT over the findings an action clears); ties go to the
    most severe, then to the one clearing most. One upgrade per package and target version (across the
    versions and manifests it is found at); one action per rule for code findings; one per leaked
    credential (by secret hash), however many rules report it. Suppressed and pre-existing findings are not
    counted. Reports show the first ten and "N more" (formats.interface.TOP_ACTIONS); the JSON has them all.
    """
    counted = [f for f in findings if f.counts_for_gate]
    ranked = sorted(_groups(counted), key=lambda ag: (-risk(ag[1]), -int(ag[0].severity), -len(ag[1]),
                                                       ag[0].action))
    actions = [a for a, _ in ranked]
    return actions[:limit] if limit is not None else actions
