"""Code context of every finding: product, test, example, docs, generated or vendored.

Decided from the path and file-name conventions (rules/context/paths.yaml) and from the project's own test
configuration, read as text and never run: pytest ``testpaths`` (pyproject.toml, pytest.ini, tox.ini,
setup.cfg) and the folders below the root that hold a ``conftest.py``. A SAST finding in test or example code
stays in the report but is marked ``out_of_gate`` (it does not count) unless ``gate_tests`` is on; secrets,
dependencies and every other category count wherever they are. Test folders the tree's configuration adds
beyond the conventions widen what the gate leaves out: they are listed in the configuration in effect.
"""

from __future__ import annotations

import configparser
import fnmatch
import os
import re
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from secscan.core.model import Category, ConfigSetting, Configuration, Finding, Trust
from secscan.core.resources import load_yaml, rules_path
from secscan.process.git import run_git
from secscan.process.runner import Runner

ORDER = ("vendored", "generated", "test", "example", "docs")
OUT_OF_GATE_CONTEXTS = frozenset({"test", "example"})
GATED_CATEGORIES = frozenset({Category.SAST})  # what the context exemption applies to (never secrets)
HEAD_LINES = 5
#: testpaths entries that name the product code (doctest set-ups), never a test folder
NOT_TEST_ROOTS = frozenset({"", ".", "src", "lib", "source"})
SETTING = "test paths (pytest testpaths, conftest.py)"


@dataclass(frozen=True)
class Convention:
    """One context's path conventions."""

    folders: frozenset[str] = frozenset()
    files: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    first_lines: tuple[re.Pattern[str], ...] = ()


@cache
def conventions() -> dict[str, Convention]:
    """rules/context/paths.yaml, read once."""
    data = load_yaml(rules_path("context", "paths.yaml").read_text("utf-8")) or {}
    out = {}
    for name in ORDER:
        d = data.get(name) or {}
        out[name] = Convention(frozenset(f.lower() for f in d.get("folders") or ()),
                               tuple(d.get("files") or ()), tuple(s.lower() for s in d.get("suffixes") or ()),
                               tuple(re.compile(p) for p in d.get("first_lines") or ()))
    return out


@dataclass(frozen=True)
class TestConfig:
    """Test folders the project's own configuration names, and where each came from."""

    folders: tuple[str, ...] = ()  # relative posix paths
    origins: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # folder -> (file, line)
    ignored: tuple[str, ...] = ()  # testpaths entries that name product code (doctests): not test folders


def _line_of(text: str, needle: str) -> int | None:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    return None


def _entries(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _ini_testpaths(text: str, sections: Sequence[str]) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    for section in sections:
        if parser.has_option(section, "testpaths"):
            return _entries(parser.get(section, "testpaths"))
    return []


def _pyproject_testpaths(text: str) -> list[str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    pytest = (data.get("tool") or {}).get("pytest") or {}
    return _entries((pytest.get("ini_options") or {}).get("testpaths") or pytest.get("testpaths"))


_SOURCES = (("pyproject.toml", _pyproject_testpaths), ("pytest.ini", lambda t: _ini_testpaths(t, ["pytest"])),
            ("tox.ini", lambda t: _ini_testpaths(t, ["pytest"])),
            ("setup.cfg", lambda t: _ini_testpaths(t, ["tool:pytest"])))


def read_test_config(root: Path) -> TestConfig:
    """The test folders the tree's pytest configuration names (files read as text; nothing runs)."""
    folders: list[str] = []
    origins: dict[str, tuple[str, int | None]] = {}
    ignored: list[str] = []
    for name, reader in _SOURCES:
        path = root / name
        try:
            text = read_regular(path)
        except OSError:
            text = None
        if text is None:
            continue
        for entry in reader(text):
            rel = PurePosixPath(entry.strip().strip("/")).as_posix()
            if "*" in rel or ".." in PurePosixPath(rel).parts:
                continue
            if rel in NOT_TEST_ROOTS or not (root / rel).is_dir():
                ignored.append(rel)
                continue
            if rel not in origins:
                folders.append(rel)
                origins[rel] = (name, _line_of(text, "testpaths"))
        if folders or ignored:
            break  # pytest reads the first configuration file it finds
    return TestConfig(tuple(folders), origins, tuple(ignored))


SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__"})
_IMPORT = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.MULTILINE)


@cache
def support_policy() -> tuple[frozenset[str], int]:
    """(test frameworks, files read at most) of paths.yaml's test_support."""
    data = load_yaml(rules_path("context", "paths.yaml").read_text("utf-8")) or {}
    d = data.get("test_support") or {}
    return frozenset(d.get("frameworks") or ()), int(d.get("max_files", 5000))


MAX_READ_BYTES = 2 * 1024 * 1024  # a file of the tree read here (config, source heads, imports)


def read_regular(path: Path, limit: int = MAX_READ_BYTES) -> str | None:
    """A file of the (untrusted) tree as text: only a regular file that is not a symlink and not over the
    limit; None otherwise. A FIFO, a device or a link to one is never opened (opening a FIFO blocks)."""
    try:
        st = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
        return None
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return None


def python_files(root: Path, limit: int) -> list[str]:
    """The tree's .py files (relative posix paths, at most ``limit``), version control and environments left
    out."""
    out: list[str] = []
    base = os.fspath(root)
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs
                         if d not in SKIP_DIRS and not os.path.islink(os.path.join(folder, d)))
        rel = folder[len(base):].lstrip("/")  # os.walk joins each name to base with one "/"
        prefix = rel + "/" if rel else ""
        out += [prefix + n for n in sorted(files) if n.endswith(".py")]
        if len(out) >= limit:
            return out[:limit]
    return out


def _parts(path: str) -> tuple[str, ...]:
    """PurePosixPath(path).parts, by a split when the path is already normal (the usual case)."""
    if not path or path[0] == "/" or path[-1] == "/" or "//" in path or path == "." or path.startswith("./") \
            or path.endswith("/.") or "/./" in path:
        return PurePosixPath(path).parts
    return tuple(path.split("/"))


class Classifier:
    """Context of paths in one tree (conftest.py look-ups and file heads cached)."""

    def __init__(self, root: Path | None, test_config: TestConfig | None = None) -> None:
        self.root = root
        self.config = test_config or TestConfig()
        self.rules = conventions()
        self._conftest: dict[str, bool] = {}
        # test folders beyond the conventions that decided a context: folder -> (file, line, why)
        self.widened: dict[str, tuple[str, int | None, str]] = {}
        self._support: dict[str, str] | None = None  # top-level folder -> why it is test support
        self._by_convention: dict[str, str | None] = {}
        self._classified: dict[str, str] = {}  # path -> context (classify's side effects are idempotent)

    def _has_conftest(self, folder: str) -> bool:
        if self.root is None:
            return False
        if folder not in self._conftest:
            self._conftest[folder] = (self.root / folder / "conftest.py").is_file()
        return self._conftest[folder]

    def _head(self, path: str) -> str:
        if self.root is None:
            return ""
        text = read_regular(self.root / path)
        return "".join(text.splitlines(keepends=True)[:HEAD_LINES]) if text else ""

    def by_convention(self, path: str) -> str | None:
        """The context the path conventions alone give (None: product)."""
        if path in self._by_convention:
            return self._by_convention[path]
        parts = _parts(path)
        folders = [part.lower() for part in parts[:-1]]
        base = parts[-1] if parts and parts != ("/",) else ""
        found = None
        for name in ORDER:
            rule = self.rules[name]
            if any(f in rule.folders for f in folders) \
                    or any(fnmatch.fnmatchcase(base, pat) for pat in rule.files) \
                    or base.lower().endswith(rule.suffixes or ("\0",)):
                found = name
                break
        self._by_convention[path] = found
        return found

    def configured_test(self, path: str) -> str | None:
        """The test folder of the project's configuration (testpaths, a conftest.py below the root) holding
        path, or None."""
        parts = _parts(path)
        for folder in self.config.folders:
            if parts[:len(fp := _parts(folder))] == fp:  # PurePosixPath.is_relative_to
                return folder
        parents = ["/".join(parts[:i]).replace("//", "/", 1) for i in range(len(parts) - 1, 0, -1)]
        return next((f for f in parents if self._has_conftest(f)), None)

    def support(self) -> dict[str, str]:
        """Top-level folders of test support code: test code imports them, no other code outside them does,
        and they import a test framework (read as text, once)."""
        if self._support is not None:
            return self._support
        self._support = {}
        if self.root is None:
            return self._support
        frameworks, limit = support_policy()
        tops = {p.name for p in self.root.iterdir() if p.is_dir() and not p.is_symlink()
                and p.name not in SKIP_DIRS and not p.name.startswith(".") and p.name not in NOT_TEST_ROOTS
                and self.by_convention(p.name + "/x.py") is None}
        test_users: dict[str, str] = {}
        product_users: set[str] = set()
        uses_framework: set[str] = set()
        for rel in python_files(self.root, limit):
            text = read_regular(self.root / rel)
            if text is None:
                continue
            top = rel.split("/", 1)[0] if "/" in rel else None
            wanted = tops - {top}
            if top in tops and top not in uses_framework:
                wanted |= frameworks
            if not any(w in text for w in wanted):  # an imported name is a substring of the text
                continue
            names = set(_IMPORT.findall(text))
            if top in tops and names & frameworks:
                uses_framework.add(top)
            users = (names & tops) - {top}
            if not users:
                continue
            is_test = self.by_convention(rel) == "test" or self.configured_test(rel) is not None
            for name in users:
                if is_test:
                    test_users.setdefault(name, rel)
                else:
                    product_users.add(name)
        for name in sorted(uses_framework & set(test_users) - product_users):
            self._support[name] = f"test support: only test code imports it ({test_users[name]}), and it " \
                                  "imports a test framework"
        return self._support

    def classify(self, path: str) -> str:
        """product, test, example, docs, generated or vendored (each path decided once)."""
        if path not in self._classified:
            self._classified[path] = self._classify(path)
        return self._classified[path]

    def _classify(self, path: str) -> str:
        found = self.by_convention(path)
        if found in ("vendored", "generated"):
            return found
        if found is None or found == "docs":
            head = self._head(path) if path.endswith((".py", ".js", ".ts", ".go", ".java", ".rb")) else ""
            if head and any(r.search(head) for r in self.rules["generated"].first_lines):
                return "generated"
        folder = self.configured_test(path) if found is None else None
        if folder is not None:
            file, line = self.config.origins.get(folder) or (f"{folder}/conftest.py", None)
            why = "pytest testpaths" if folder in self.config.origins else "a conftest.py"
            self.widened.setdefault(folder, (file, line, f"test code by the tree's own test set-up ({why})"))
            return "test"
        top = path.split("/", 1)[0] if "/" in path and found is None else None
        if top is not None and top in self.support():
            self.widened.setdefault(top, (f"{top}/", None, self.support()[top]))
            return "test"
        return found or "product"


def moved_into_tests(root: Path, ref: str, classifier: Classifier, runner: Runner | None = None
                     ) -> dict[str, str]:
    """Files the change since REF moves from product code into test or example code: new path -> old path
    (git diff -M, names only; nothing of the tree runs). Empty when git cannot tell."""
    runner = runner or Runner()
    res = run_git(runner, root, "rev-parse", "--show-toplevel", timeout=30.0)
    if res.error or res.returncode != 0 or ref.startswith("-"):
        return {}
    top = Path(res.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    res = run_git(runner, top, "diff", "--no-ext-diff", "--name-status", "-z", "-M", "--end-of-options", ref,
                  "--", timeout=120.0)
    if res.error or res.returncode != 0:
        return {}
    prefix = root.resolve().relative_to(top).as_posix() if root.resolve() != top else ""
    parts = res.stdout.decode("utf-8", "surrogateescape").split("\0")
    out: dict[str, str] = {}
    i = 0
    while i < len(parts) - 1:
        code = parts[i]
        if code[:1] in ("R", "C") and i + 2 < len(parts):
            old, new = (p.removeprefix(prefix + "/") if prefix else p for p in parts[i + 1:i + 3])
            i += 3
            if code[:1] == "R" and classifier.classify(old) == "product" \
                    and classifier.classify(new) in OUT_OF_GATE_CONTEXTS:
                out[new] = old
        else:
            i += 2
    return out


def finding_path(f: Finding) -> str | None:
    """The path a finding's context is judged on (none for image layers and location-less checks)."""
    if f.location is not None and not f.location.image and f.location.path:
        return f.location.path
    if f.package is not None and f.package.manifest:
        return f.package.manifest
    return None


OUT_OF_GATE = ("SAST finding in {context} code: reported, not counted for the gate "
               "(--gate-tests / gate_tests = true counts it)")


def apply(findings: Sequence[Finding], root: Path | None, gate_tests: bool = False,
          classifier: Classifier | None = None) -> list[Finding]:
    """Every finding with its context; SAST findings in test and example code marked out of the gate unless
    ``gate_tests``."""
    classifier = classifier or Classifier(root, read_test_config(root) if root is not None else None)
    out = []
    for f in findings:
        path = finding_path(f)
        context = classifier.classify(path) if path else "product"
        why = None
        if not gate_tests and context in OUT_OF_GATE_CONTEXTS and f.category in GATED_CATEGORIES:
            why = OUT_OF_GATE.format(context=context)
        out.append(f.with_(context=context, out_of_gate=why) if (context, why) != (f.context, f.out_of_gate)
                   else f)
    return out


def configuration(conf: Configuration, classifier: Classifier, gate_tests: bool = False) -> Configuration:
    """The configuration in effect plus the test folders of the tree's configuration (testpaths, conftest.py)
    beyond the path conventions that decided a finding's context (they widen what the gate leaves out), and
    testpaths entries that name the root or the sources (doctest set-ups) are never test folders."""
    extra: list[ConfigSetting] = []
    effect = "their SAST findings count (gate_tests)" if gate_tests else \
        "their SAST findings are reported but do not count for the gate"
    for folder, (file, line, why) in sorted(classifier.widened.items()):
        extra.append(ConfigSetting(SETTING, folder, "tree", Trust.WEAKENS_GATE,
                                   reason=f"{why}, not by the path conventions: {effect}", file=file,
                                   line=line))
    if not extra:
        return conf
    return Configuration((*conf.settings, *extra), conf.trust_tree_config, conf.strict, conf.reference,
                         conf.files)
