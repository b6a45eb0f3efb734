"""One place opens input files (grader.loading.files): what it refuses, and what it must read.

Issue 17: an item file that is a named pipe hung ``grade`` for ever, a link to ``/dev/zero`` read
until memory ran out, a link pointing out of the set gave a ``ValueError`` traceback, and an
evidence folder with ``items/enforcement.yml`` was graded without it (21 items silently dropped,
exit 0). Every case here runs the real command on a copy of the bundled set or pack and asserts
one located line, exit 65 and no result file; cases that could hang run in a subprocess with a
generous timeout, so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, InputError
from grader.loading import files


runner = CliRunner()
LOCATED = re.compile(r"^(?P<file>[^:\n]+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: (?P<code>[A-Z]+-\d{3}) \S")
ITEMS = "items/enforcement.yaml"
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")


def _copies(tmp_path: Path) -> tuple[Path, Path]:
    evidence, pack = tmp_path / "set", tmp_path / "pack"
    shutil.copytree(default_evidence(), evidence)
    shutil.copytree(default_pack(), pack)
    return evidence, pack


def _fails(args: list[str], code: str, ends: str, tmp_path: Path) -> str:
    """Run ``args`` in-process: exit 65, every output line located, one ``code`` line naming
    a file that ends with ``ends``, no traceback, no result file. Returns that line."""
    out = tmp_path / "result.json"
    res = runner.invoke(app, [*args, "--out", str(out)] if args[0] == "grade" else args)
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    assert not out.exists()
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines and all(LOCATED.match(ln) for ln in lines), lines
    hits = [ln for ln in lines if (m := LOCATED.match(ln)) and m["code"] == code and m["file"].endswith(ends)]
    assert hits, f"no {code} for {ends} in:\n" + "\n".join(lines)
    return hits[0]


def _limits() -> None:
    """2 GB of memory for the child: a read that never ends fails there, not on the machine."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def _subprocess_fails(args: list[str], code: str, ends: str) -> str:
    """As :func:`_fails`, in a subprocess that a hang cannot stall (120 s is far past any run)
    and a runaway read cannot take more than 2 GB in."""
    proc = subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, timeout=120,
                          preexec_fn=_limits if os.name == "posix" else None)
    assert proc.returncode == EXIT_INPUT_ERROR, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines and all(LOCATED.match(ln) for ln in lines), lines
    hits = [ln for ln in lines if (m := LOCATED.match(ln)) and m["code"] == code and m["file"].endswith(ends)]
    assert hits, f"no {code} for {ends} in:\n" + "\n".join(lines)
    return hits[0]


def _graded(evidence: Path, pack: Path) -> dict:
    res = runner.invoke(app, ["grade", str(evidence), "--rules", str(pack), "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


# --- .yml and other spellings are read; anything else is reported ---------------------------------


@pytest.mark.parametrize("suffix", [".yml", ".YAML", ".Yaml", ".YML"])
def test_an_item_file_with_any_yaml_suffix_is_read(suffix: str, tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    before = _graded(evidence, pack)
    (evidence / ITEMS).rename(evidence / "items" / f"enforcement{suffix}")
    after = _graded(evidence, pack)
    assert len(after["evidence"]) == len(before["evidence"]) == 189
    assert [(p["id"], p["grade"]) for p in after["pillars"]] == [(p["id"], p["grade"]) for p in before["pillars"]]
    assert any(f["path"].endswith(f"items/enforcement{suffix}") for f in after["meta"]["inputs"])


def test_a_criterion_file_written_yml_is_read(tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    before = _graded(evidence, pack)
    (pack / "criteria" / "ENF-01.yaml").rename(pack / "criteria" / "ENF-01.yml")
    (pack / "facts" / "common.yaml").rename(pack / "facts" / "common.YML")
    after = _graded(evidence, pack)
    assert after["criteria"] == before["criteria"]


@pytest.mark.parametrize("name", ["notes.txt", "x.json", "enforcement.yaml.bak", "README"])
def test_a_file_in_items_that_grader_does_not_read_is_reported(name: str, tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    (evidence / "items" / name).write_text("items: []\n", encoding="utf-8")
    line = _fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-006", f"items/{name}", tmp_path)
    assert "grader reads only .yaml, .yml or .csv files in items/" in line


def test_a_sub_folder_of_items_and_a_hidden_item_file_are_reported(tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    (evidence / "items" / "old").mkdir()
    shutil.copy(evidence / ITEMS, evidence / "items" / "old" / "enforcement.yaml")
    (evidence / "items" / ".enforcement.yaml").write_text("items: []\n", encoding="utf-8")
    (evidence / "items" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # system litter: passed over
    line = _fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-006", "items/old", tmp_path)
    assert "sub-folder" in line
    _fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-006", "items/.enforcement.yaml", tmp_path)


@pytest.mark.parametrize("other", ["enforcement.yml", "Enforcement.yaml"])
def test_two_item_files_whose_names_differ_only_in_suffix_or_case_are_refused(other: str, tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    shutil.copy(evidence / ITEMS, evidence / "items" / other)
    line = _fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-007", "", tmp_path)
    assert "enforcement" in line.lower() and "shadow" in line


def test_the_packs_folders_report_what_they_would_leave_out(tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    (pack / "criteria" / "README.md").write_text("notes\n", encoding="utf-8")
    _fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-006", "criteria/README.md", tmp_path)
    shutil.copy(pack / "facts" / "common.yaml", pack / "facts" / "common.yml")
    res = runner.invoke(app, ["rules", "check", str(pack)])
    assert res.exit_code != 0
    assert "LOAD-007" in res.output and "facts/common" in res.output


def test_a_file_in_the_packs_tests_folder_that_is_not_read_is_reported(tmp_path: Path) -> None:
    # The bundled tests name their evidence by a path relative to the pack: copy both, side by side.
    repo = Path(default_pack()).parent.parent
    shutil.copytree(repo / "rules", tmp_path / "rules")
    shutil.copytree(repo / "evidence", tmp_path / "evidence")
    pack = tmp_path / "rules" / Path(default_pack()).name
    (pack / "tests" / "notes.txt").write_text("to do\n", encoding="utf-8")
    res = runner.invoke(app, ["rules", "test", str(pack)])
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    assert "tests/notes.txt: LOAD-006" in res.output


# --- what is not a regular file, or lies outside the set --------------------------------------------


@needs_fifo
def test_an_item_file_that_is_a_named_pipe_is_refused_without_hanging(tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    (evidence / ITEMS).unlink()
    os.mkfifo(evidence / ITEMS)
    line = _subprocess_fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-004", ITEMS)
    assert "named pipe" in line


@needs_fifo
@pytest.mark.parametrize("name", ["set.yaml", "set.xlsx", "set.csv"])
def test_a_one_file_set_that_is_a_named_pipe_is_refused(name: str, tmp_path: Path) -> None:
    pipe = tmp_path / name
    os.mkfifo(pipe)
    if name.endswith(".csv"):
        shutil.copy(default_evidence() / "evidence-set.yaml", tmp_path / "evidence-set.yaml")
    _subprocess_fails(["grade", str(pipe)], "LOAD-004", name)


@needs_fifo
def test_a_manifest_a_pack_file_and_a_report_that_are_named_pipes_are_refused(tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    (evidence / "evidence-set.yaml").unlink()
    os.mkfifo(evidence / "evidence-set.yaml")
    _subprocess_fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-004", "set/evidence-set.yaml")
    (pack / "pack.yaml").unlink()
    os.mkfifo(pack / "pack.yaml")
    _subprocess_fails(["grade", str(default_evidence()), "--rules", str(pack)], "LOAD-004", "pack/pack.yaml")
    os.mkfifo(tmp_path / "report.txt")
    _subprocess_fails(["evidence", "import-report", str(tmp_path / "report.txt"), "--out", str(tmp_path / "out")],
                      "LOAD-004", "report.txt")
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_link_to_a_device_is_refused_before_it_is_read(tmp_path: Path) -> None:
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    line = _subprocess_fails(["grade", str(link)], "LOAD-004", "zero.yaml")
    assert "device" in line and "/dev/zero" in line
    evidence, pack = _copies(tmp_path / "copy")
    (evidence / "items" / "zero.yaml").symlink_to("/dev/zero")
    _subprocess_fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-005", "items/zero.yaml")


@pytest.mark.parametrize("target", [ITEMS, "items/extra.csv", "evidence-set.yaml"])
def test_a_link_out_of_the_set_is_a_located_error_not_a_traceback(target: str, tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    outside = tmp_path / "elsewhere" / Path(target).name
    outside.parent.mkdir()
    if (evidence / target).exists():
        (evidence / target).rename(outside)
    else:
        outside.write_text("id,criteria,kind,statement\n", encoding="utf-8")
    (evidence / target).symlink_to(outside)
    line = _fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-005", target, tmp_path)
    assert "outside" in line and "copy the file in" in line


def test_a_link_out_of_the_pack_is_a_located_error(tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    crit = pack / "criteria" / "ENF-01.yaml"
    crit.rename(tmp_path / "ENF-01.yaml")
    crit.symlink_to(tmp_path / "ENF-01.yaml")
    _fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-005", "criteria/ENF-01.yaml", tmp_path)


def test_a_link_that_stays_inside_the_set_is_read(tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    before = _graded(evidence, pack)
    (evidence / "shared").mkdir()
    (evidence / ITEMS).rename(evidence / "shared" / "enforcement.yaml")
    (evidence / ITEMS).symlink_to(Path("..") / "shared" / "enforcement.yaml")
    assert _graded(evidence, pack)["criteria"] == before["criteria"]


# --- unreadable files, and the size cap ---------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="as root, chmod 000 does not stop reads (the next test simulates the refusal)")
def test_an_unreadable_item_file_is_a_located_error(tmp_path: Path) -> None:
    evidence, pack = _copies(tmp_path)
    (evidence / ITEMS).chmod(0)
    try:
        line = _fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-001", ITEMS, tmp_path)
    finally:
        (evidence / ITEMS).chmod(0o644)
    assert "permission denied" in line


def test_a_permission_error_from_the_one_opener_is_a_located_error(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    evidence, pack = _copies(tmp_path)
    real_open = os.open
    target = os.path.realpath(evidence / ITEMS)

    def refusing(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if os.path.realpath(str(path)) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files.os, "open", refusing)
    line = _fails(["grade", str(evidence), "--rules", str(pack)], "LOAD-001", ITEMS, tmp_path)
    assert "permission denied" in line and "read access" in line


def test_an_io_error_while_reading_is_a_located_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "items.yaml"
    path.write_text("items: []\n", encoding="utf-8")

    def failing(fd: int, n: int) -> bytes:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files.os, "read", failing)
    with pytest.raises(InputError) as err:
        files.read_bytes(path, "items.yaml")
    assert err.value.problems[0].line_text() == "items.yaml: LOAD-001 cannot read: Input/output error"


def test_the_size_cap_holds_while_reading_not_only_by_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose size ``stat`` understates (it grew after ``stat``, or a file system that
    reports 0) is still cut off at the cap: at most cap + 1 bytes are read."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 5000)
    real_stat = os.stat

    def understating(p: object, *args: object, **kwargs: object) -> os.stat_result:
        st = real_stat(p, *args, **kwargs)  # type: ignore[arg-type]
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 10,
                               int(st.st_atime), int(st.st_mtime), int(st.st_ctime)))

    reads: list[int] = []
    real_read = os.read

    def counting(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        reads.append(len(data))
        return data

    monkeypatch.setattr(files.os, "stat", understating)
    monkeypatch.setattr(files.os, "read", counting)
    with pytest.raises(InputError) as err:
        files.read_bytes(path, "big.yaml", cap=1000)
    assert err.value.problems[0].code == "LOAD-002"
    assert "1,000 bytes" in err.value.problems[0].message
    assert sum(reads) == 1001
    assert files.read_bytes(path, "big.yaml", cap=5000)[0] == b"x" * 5000


def test_a_file_at_the_cap_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a" * 100)
    data, digest = files.read_bytes(path, "f.yaml", cap=100)
    assert len(data) == 100 and len(digest) == 64
    with pytest.raises(InputError, match="LOAD-002 file is 100 bytes; grader reads files up to 99 bytes"):
        files.read_bytes(path, "f.yaml", cap=99)
