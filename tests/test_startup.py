"""What each command imports on its way to work: start-up costs that are not validation.

Every run validates every input (issue 15); what start-up may drop is everything else: reading
grader's version through ``importlib.metadata`` (which imports the ``email`` package), building
pydantic models a command never uses, and importing another command's libraries. Each test runs
the real command in a fresh interpreter with ``-X importtime``, which lists on stderr every module
imported, whatever way the process then exits. No time is measured here (bench/floors.py does).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grader

ROOT = Path(__file__).resolve().parent.parent


def imported(*args: str, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -m grader ARGS`` with ``-X importtime``; the process and the modules it imported."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "grader", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=300)
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    names.discard("imported package")  # the header line
    return proc, names


def _models(names: set[str]) -> set[str]:
    """grader's modules that define pydantic models."""
    return {n for n in names if n.startswith(("grader.models", "grader.errors"))}


def _metadata(names: set[str]) -> set[str]:
    """``importlib.metadata`` and the ``email`` package it imports."""
    return {n for n in names if n == "email" or n.startswith(("email.", "importlib.metadata"))}


def test_version_is_the_installed_version_and_imports_no_metadata_reader() -> None:
    proc, names = imported("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"grader {grader.__version__}\nbundled pack: ")
    from importlib.metadata import version

    assert version("grader") == grader.__version__  # the build read the same line (pyproject.toml)
    assert "grader.cli" in names  # the listing works
    assert not _metadata(names)
    assert "pydantic" not in names and not _models(names)


def test_help_imports_no_model_and_no_metadata_reader() -> None:
    proc, names = imported("--help")
    assert proc.returncode == 0 and "Usage" in proc.stdout
    assert not _metadata(names)
    assert "pydantic" not in names and not _models(names)


def test_a_commands_help_builds_no_grader_model() -> None:
    """typer (0.2x) itself imports pydantic to coerce a command's parameters, and pydantic then
    imports importlib.metadata to look for plugins; grader's own models are still not built."""
    for args in (["rules", "--help"], ["grade", "--help"], ["report", "--help"]):
        proc, names = imported(*args)
        assert proc.returncode == 0 and "Usage" in proc.stdout, args
        assert not _models(names), (args, sorted(_models(names)))


# --- the end of a run: everything written, then no teardown ---------------------------------------

#: Runs the console script's ``main()`` with a reference cycle made at exit whose finalizer writes
#: to stderr: the interpreter's teardown would find it with the cyclic collector; ending the
#: process after the command has flushed its output does not walk the heap at all.
_WATCHED_MAIN = """
import atexit, os, sys

class Watch:
    def __del__(self):
        os.write(2, b"CYCLIC-GC-AT-EXIT\\n")

def make_cycle():
    w = Watch()
    w.me = w

atexit.register(make_cycle)
sys.argv = ["grader", *sys.argv[1:]]
from grader.cli import main
main()
"""


def run_main(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", _WATCHED_MAIN, *args], capture_output=True, cwd=cwd, timeout=300)


def test_exit_skips_the_cyclic_collector_after_every_output_is_complete(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    piped = run_main("grade", "--format", "json", cwd=tmp_path)
    written = run_main("grade", "--out", str(out), cwd=tmp_path)
    assert piped.returncode == 0 and written.returncode == 0, (piped.stderr, written.stderr)
    assert b"CYCLIC-GC-AT-EXIT" not in piped.stderr + written.stderr
    # every byte reached the pipe and the file, and the file was closed (atomic rename done)
    assert piped.stdout.endswith(b"}\n") and out.read_bytes() == piped.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]
    table = run_main("grade", cwd=tmp_path)
    assert table.returncode == 0 and table.stdout.rstrip().endswith(b"before sharing it")
    assert written.stderr.endswith(f"Wrote {out} (the JSON result)\n".encode())


def test_exit_codes_are_the_commands(tmp_path: Path) -> None:
    assert run_main("grade", str(tmp_path / "missing"), cwd=tmp_path).returncode == 65
    usage = run_main("no-such-command", cwd=tmp_path)
    assert usage.returncode == 2 and b"No such command" in usage.stderr
    assert run_main("grade", "--require-signoff", cwd=tmp_path).returncode == 1
    for code, expect in (("None", 0), ("70", 70), ("'message'", 1)):
        proc = subprocess.run([sys.executable, "-c", f"import sys, grader.cli as c; c.app = lambda: sys.exit({code}); "
                               "print('before', end=''); c.main()"], capture_output=True, cwd=tmp_path, timeout=60)
        assert proc.returncode == expect and proc.stdout == b"before", (code, proc)
    assert proc.stderr == b"message\n"


def test_grade_imports_only_what_grading_uses() -> None:
    """A report's Jinja2, a workbook's openpyxl, the authoring tools and the importers are other
    commands' libraries: `grade` on a folder set never imports them."""
    proc, names = imported("grade", "--format", "json")
    assert proc.returncode == 0 and "grader.grading.run" in names
    for absent in ("jinja2", "openpyxl", "defusedxml", "grader.authoring", "grader.importers", "grader.render.report",
                   "grader.render.oscal", "rich.progress"):
        assert not {n for n in names if n == absent or n.startswith(absent + ".")}, absent


def test_grade_builds_no_model_of_the_diff_command() -> None:
    """`grade` imports grader.analysis.diff for one function (split_inputs, for the sign-off
    status); the diff's own result models are built when `grader diff` first uses them."""
    code = ("from typer.testing import CliRunner; from grader.cli import app; "
            "assert CliRunner().invoke(app, ['grade', '--format', 'json']).exit_code == 0; "
            "import grader.analysis.diff as d; "
            "print(sorted(n for n, c in vars(d).items() if isinstance(c, type) and issubclass(c, d._Out) "
            "and c.__pydantic_complete__))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[]\n"
