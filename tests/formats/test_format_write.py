"""Writing reports: fixed names, atomic replace, clear errors, the registry."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from report_fixtures import sample_result

from secscan.core.errors import SecscanError, UsageError
from secscan.core.model import Result
from secscan.formats import registry, write
from secscan.formats.interface import REPORT_FILES, Format
from secscan.formats.write import write_reports


def test_registry_names_and_files() -> None:
    assert list(registry.FORMATS) == ["json", "md", "html", "sarif", "gitlab", "cyclonedx", "junit"]
    files = [f for fmt in registry.FORMATS.values() for f in fmt.files]
    assert sorted(files) == sorted(REPORT_FILES)
    assert [f.name for f in registry.parse_formats("json,md, sarif,md")] == ["json", "md", "sarif"]
    assert [f.name for f in registry.parse_formats("all")] == list(registry.FORMATS)
    assert registry.get("markdown").name == "md" and registry.get("GitLab").name == "gitlab"
    with pytest.raises(UsageError, match="unknown report format 'pdf'"):
        registry.parse_formats("json,pdf")
    with pytest.raises(UsageError):
        registry.parse_formats(" , ")


def test_each_format_renders_only_its_declared_files() -> None:
    r = sample_result()
    for fmt in registry.FORMATS.values():
        assert sorted(fmt.render(r)) == sorted(fmt.files)


def test_writes_every_file_into_a_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    r = sample_result()
    paths = write_reports(r, ["json", "md", "html", "sarif", "gitlab", "cyclonedx", "junit"], out)
    assert sorted(p.name for p in paths) == sorted(REPORT_FILES)
    assert sorted(os.listdir(out)) == sorted(REPORT_FILES)  # no temporary files left
    assert (out / "secscan.md").read_text(encoding="utf-8") == registry.get("md").render(r)["secscan.md"]
    assert all(p.parent == out for p in paths)


def test_replaces_existing_reports(tmp_path: Path) -> None:
    (tmp_path / "secscan.md").write_text("old")
    write_reports(sample_result(), ["md"], tmp_path)
    assert (tmp_path / "secscan.md").read_text().startswith("# secscan report")


def test_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SecscanError, match=r"cannot create report folder .*file/out"):
        write_reports(sample_result(), ["md"], blocker / "out")
    with pytest.raises(SecscanError, match=r"is not a folder|cannot create"):
        write_reports(sample_result(), ["md"], blocker)


def test_full_disk_leaves_previous_reports_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_reports(sample_result(), ["json", "md"], tmp_path)
    before = {n: (tmp_path / n).read_bytes() for n in ("secscan.json", "secscan.md")}
    real = write.os.fsync
    calls = {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # json: file + folder, then the md file
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(write.os, "fsync", fsync)
    r = sample_result(run_id="new-run")
    with pytest.raises(SecscanError, match=r"cannot write report .*secscan\.md: No space left on device"):
        write_reports(r, ["json", "md"], tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["secscan.json", "secscan.md"]  # temp file removed
    assert (tmp_path / "secscan.md").read_bytes() == before["secscan.md"]  # old report intact
    assert b"new-run" in (tmp_path / "secscan.json").read_bytes()  # written completely before the failure


class Evil(Format):
    name = "evil"
    files = ("secscan.md",)

    def render(self, result: Result) -> dict[str, str | bytes]:
        return {"../../etc/evil": "x"}


def test_names_outside_the_fixed_set_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SecscanError, match="unexpected file name"):
        write_reports(sample_result(), [Evil()], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_lone_surrogates_do_not_abort_writing(tmp_path: Path) -> None:
    r = sample_result()
    r = r.__class__(**{**r.__dict__, "target": "bad\udcffname"})
    paths = write_reports(r, ["md", "html"], tmp_path)
    assert "bad?name" in paths[0].read_text(encoding="utf-8")
