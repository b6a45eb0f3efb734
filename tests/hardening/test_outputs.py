"""One place writes every output (grader/outputs.py): it never deletes what the user made, fails
with one located line, leaves no temporary behind (SIGTERM included; after SIGKILL the next write
cleans up), flushes to disk, and gives every output the umask's permissions."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader import outputs
from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, InputError
from grader.outputs import write_atomic, write_tree_atomic

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "000_ee7c48a17ce9bcf1.txt"
runner = CliRunner()
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _problem_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": OUT-" in line]


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith((".tmp", ".old")))


# ------------------------------------------------------------------------------------------
# A folder the user made is never deleted


@pytest.mark.parametrize("force", [False, True], ids=["without-force", "with-force"])
def test_template_over_a_folder_refuses_and_keeps_everything_in_it(tmp_path: Path, force: bool) -> None:
    folder = tmp_path / "casework"
    (folder / "notes").mkdir(parents=True)
    (folder / "interview.txt").write_text("the only copy\n", encoding="utf-8")
    (folder / "notes" / "a.md").write_text("notes\n", encoding="utf-8")
    before = _tree(folder)
    res = runner.invoke(app, ["evidence", "template", "--xlsx", str(folder), *(["--force"] if force else [])])
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    assert "Traceback" not in res.output
    lines = _problem_lines(res.output)
    assert len(lines) == 1 and "OUT-003 is a folder; give a file name such as" in lines[0], res.output
    assert "capture.xlsx" in lines[0]
    assert _tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["casework"]


def test_import_report_force_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "derbyshire"
    folder.mkdir()
    (folder / "evidence-set.yaml").write_text("id: mine\n", encoding="utf-8")  # the user's own set
    (folder / "plan.docx").write_text("the only copy\n", encoding="utf-8")
    before = _tree(folder)
    res = runner.invoke(app, ["evidence", "import-report", str(SEED), "--out", str(folder), "--force"])
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    lines = _problem_lines(res.output)
    assert len(lines) == 1 and "OUT-005 not replaced, even with --force" in lines[0], res.output
    assert _tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["derbyshire"]


def test_import_report_force_refuses_its_own_folder_once_the_user_added_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "derbyshire"
    assert runner.invoke(app, ["evidence", "import-report", str(SEED), "--out", str(folder)]).exit_code == 0
    (folder / "items" / "my-notes.txt").write_text("written by the inspector\n", encoding="utf-8")
    res = runner.invoke(app, ["evidence", "import-report", str(SEED), "--out", str(folder), "--force"])
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    assert "OUT-005" in res.output and "items/my-notes.txt" in res.output
    assert (folder / "items" / "my-notes.txt").read_text(encoding="utf-8") == "written by the inspector\n"


def test_import_report_force_replaces_its_own_folder_even_after_facts_were_added(tmp_path: Path) -> None:
    folder = tmp_path / "derbyshire"
    assert runner.invoke(app, ["evidence", "import-report", str(SEED), "--out", str(folder)]).exit_code == 0
    fresh = _tree(folder)
    first = sorted(p for p in (folder / "items").iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    res = runner.invoke(app, ["evidence", "import-report", str(SEED), "--out", str(folder), "--force"])
    assert res.exit_code == 0, res.output
    assert _tree(folder) == fresh
    assert sorted(p.name for p in tmp_path.iterdir()) == ["derbyshire"]


def test_import_report_force_never_replaces_a_file(tmp_path: Path) -> None:
    target = tmp_path / "derbyshire"
    target.write_text("a file, not a folder\n", encoding="utf-8")
    res = runner.invoke(app, ["evidence", "import-report", str(SEED), "--out", str(target), "--force"])
    assert res.exit_code == EXIT_INPUT_ERROR and "OUT-005" in res.output, res.output
    assert target.read_text(encoding="utf-8") == "a file, not a folder\n"


# ------------------------------------------------------------------------------------------
# Failures: one located line, exit 65, the old file kept, no temporary


@pytest.mark.parametrize("command", [
    ["grade", "--out"], ["report", "--out"], ["rules", "test", "--junit"],
], ids=["grade", "report", "junit"])
def test_out_naming_a_folder_is_one_located_line(tmp_path: Path, command: list[str]) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "keep.json").write_text("{}\n", encoding="utf-8")
    res = runner.invoke(app, [*command, str(folder)])
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit)
    lines = _problem_lines(res.output)
    assert len(lines) == 1 and lines[0].startswith(f"{folder}: OUT-003 is a folder"), res.output
    assert [p.name for p in folder.iterdir()] == ["keep.json"]


def test_a_full_disk_keeps_the_old_report_and_leaves_no_temporary(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.md"
    target.write_text("last year's report\n", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)  # where a full disk shows itself on a real file system
    res = runner.invoke(app, ["report", "--out", str(target)])
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    lines = _problem_lines(res.output)
    assert len(lines) == 1 and "OUT-004 not written: the disk is full" in lines[0], res.output
    assert "free some space" in lines[0]
    assert target.read_text(encoding="utf-8") == "last year's report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_folder_grader_may_not_write_in_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs as root too (where a read-only mode does not stop writes): the refusal is simulated."""
    def refused(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    res = runner.invoke(app, ["grade", "--out", str(tmp_path / "result.json")])
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    lines = _problem_lines(res.output)
    assert len(lines) == 1 and "OUT-004 not written: grader may not write in this folder" in lines[0], res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(AS_ROOT, reason="root writes into a 0o555 folder anyway; "
                                    "test_a_folder_grader_may_not_write_in_is_one_line simulates it")
def test_a_read_only_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        res = runner.invoke(app, ["evidence", "template", "--xlsx", str(folder / "capture.xlsx")])
        assert res.exit_code == EXIT_INPUT_ERROR, res.output
        assert "OUT-004" in res.output and "Traceback" not in res.output
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_a_failing_folder_import_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    res = runner.invoke(app, ["evidence", "import-report", str(SEED), "--out", str(tmp_path / "set")])
    assert res.exit_code == EXIT_INPUT_ERROR and "OUT-004" in res.output, res.output
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------
# Signals: SIGTERM cleans up at once; after SIGKILL the next write does


_SLOW_WRITER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from grader import outputs

    real = outputs._write_fd

    def slow(fd, data, mode):
        os.write(fd, data[:10])
        print("writing", flush=True)
        time.sleep(60)
        real(fd, data, mode)

    outputs._write_fd = slow
    target = Path(sys.argv[1])
    if sys.argv[2] == "file":
        outputs.write_atomic(target, "new\\n" * 1_000_000)
    else:
        outputs.write_tree_atomic(target, {"a.yaml": "a: 1\\n", "b/c.yaml": "c: 2\\n"})
""")


def _start_slow_write(target: Path, what: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(target), what],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the temporary exists and is being written
    assert line == "writing\n", proc.stderr.read() if proc.stderr else ""
    return proc


@pytest.mark.parametrize("what", ["file", "folder"])
def test_sigterm_during_a_write_leaves_the_old_output_and_no_temporary(tmp_path: Path, what: str) -> None:
    target = tmp_path / "out"
    assert _temporaries(tmp_path) == []
    proc = _start_slow_write(target, what)
    assert len(_temporaries(tmp_path)) == 1  # the write is under way
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM  # it still ends by the signal
    assert list(tmp_path.iterdir()) == []


def test_after_sigkill_the_next_write_removes_the_stale_temporary(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    target.write_text("old\n", encoding="utf-8")
    proc = _start_slow_write(target, "file")
    proc.kill()
    proc.wait(timeout=30)
    assert len(_temporaries(tmp_path)) == 1 and target.read_text(encoding="utf-8") == "old\n"
    write_atomic(target, "new\n")
    assert _temporaries(tmp_path) == []
    assert target.read_text(encoding="utf-8") == "new\n"


def test_a_temporary_of_a_live_writer_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    proc = _start_slow_write(target, "file")
    try:
        write_atomic(target, "mine\n")  # another process's write to the same path is still under way
        assert len(_temporaries(tmp_path)) == 1
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_after_sigkill_mid_swap_the_users_folder_is_put_back(tmp_path: Path) -> None:
    """A kill between 'move the old folder aside' and 'move the new one in' leaves the target
    missing; the next write to it restores the old folder before doing anything else."""
    target = tmp_path / "set"
    aside = tmp_path / ".set.999999999.abcd_123.old"
    (aside / "set").mkdir(parents=True)
    (aside / "set" / "kept.yaml").write_text("kept\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        write_tree_atomic(target, {"new.yaml": "new\n"})  # no --force: the restored folder is refused
    assert exc.value.problems[0].code == "OUT-001"
    assert _tree(target) == {"kept.yaml": "kept\n"} and _temporaries(tmp_path) == []


# ------------------------------------------------------------------------------------------
# fsync and permissions


@pytest.fixture
def disk_events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each fsync (of a file or a folder) and each rename, in order, as they happen."""
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def _two_sets(tmp_path: Path) -> list[Path]:
    """Two copies of the bundled set with ids of their own (set-0, set-1), for a batch."""
    sets = [shutil.copytree(default_evidence(), tmp_path / "sets" / name) for name in ("a", "b")]
    for n, folder in enumerate(sets):
        manifest = folder / "evidence-set.yaml"
        manifest.write_text(manifest.read_text(encoding="utf-8").replace("id: derbyshire-2008", f"id: set-{n}"),
                            encoding="utf-8")
    return sets


def test_the_file_is_flushed_before_the_rename_and_the_folder_after(tmp_path: Path, disk_events: list[str]) -> None:
    events = disk_events
    write_atomic(tmp_path / "a.json", "{}\n")
    assert events == ["fsync file", "rename", "fsync folder"]

    # a batch flushes each result, then its folder once after the last rename
    from grader.grading.batch import grade_batch
    from grader.render.json import render_json

    events.clear()
    sets = _two_sets(tmp_path)
    report = grade_batch(sets, default_pack(), tmp_path / "out", render_json)
    assert not report.failed and sorted(p.name for p in (tmp_path / "out").iterdir()) == ["set-0.json", "set-1.json"]
    assert events == ["fsync file", "rename", "fsync file", "rename", "fsync folder"]


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in sorted(root.rglob("*"))}


def test_every_output_follows_the_umask(tmp_path: Path, umask_022: None) -> None:
    """Under umask 022 every file grader writes is 0644 and every folder 0755, whichever command."""
    pack = tmp_path / "pack"
    shutil.copytree(default_pack(), pack)
    shutil.rmtree(pack / "tests")  # `rules new` makes the folder
    out = tmp_path / "out"
    out.mkdir()
    commands = [
        ["grade", "--out", str(out / "result.json")],
        ["report", "--out", str(out / "report.md")],
        ["evidence", "template", "--xlsx", str(out / "capture.xlsx")],
        ["evidence", "import-report", str(SEED), "--out", str(out / "imported")],
        ["grade", str(ROOT / "evidence" / "derbyshire-2008"), str(SEED.parent.parent / "missing"),
         "--out", str(out / "batch")],
        ["rules", "new", "NEW-01", "--pillar", "intelligence", "--pack", str(pack)],
    ]
    for cmd in commands:
        res = runner.invoke(app, cmd)
        assert res.exit_code in (0, EXIT_INPUT_ERROR), (cmd, res.output)
    modes = _modes(out)
    assert {"result.json", "report.md", "capture.xlsx", "imported", "imported/items", "batch"} <= set(modes)
    assert any(k.startswith("batch/") for k in modes)
    for name, mode in modes.items():
        assert mode == ("0o755" if (out / name).is_dir() else "0o644"), (name, mode)
    made = _modes(pack)
    assert made["tests"] == "0o755" and made["tests/NEW-01.yaml"] == "0o644"
    assert made["criteria/NEW-01.yaml"] == "0o644"
    assert outputs.file_mode() == 0o644 and outputs.folder_mode() == 0o755


def test_a_stricter_umask_is_followed_too(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        write_atomic(tmp_path / "a.json", "{}\n")
        write_tree_atomic(tmp_path / "set", {"items/a.yaml": "a: 1\n"})
    finally:
        os.umask(old)
    assert _modes(tmp_path) == {"a.json": "0o600", "set": "0o700", "set/items": "0o700",
                                "set/items/a.yaml": "0o600"}



def test_a_batch_that_stops_early_still_flushes_the_results_it_wrote(tmp_path: Path, disk_events: list[str]) -> None:
    """A batch flushes its results folder once, after the last force; a batch stopped part way
    (Ctrl-C, a signal, a bug) flushes it too, so the results already renamed into it survive a
    power cut."""
    from grader.grading.batch import grade_batch
    from grader.render.json import render_json

    def stop_after_the_first(done: int, total: int, name: str) -> None:
        if done == 1:
            raise KeyboardInterrupt

    sets = _two_sets(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        grade_batch(sets, default_pack(), tmp_path / "out", render_json, progress=stop_after_the_first)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["set-0.json"]
    assert disk_events[-3:] == ["fsync file", "rename", "fsync folder"]
