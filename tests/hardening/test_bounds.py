"""Hostile inputs end quickly, in bounded memory, with one located line (issue 17, bounds side).

Each hostile file is built in a temporary folder by the test itself. Commands run in a
subprocess under a 2 GiB address-space limit and a generous timeout: a hang or a runaway read
fails the test by the limit, never by a timed assertion on speed.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.bundled import default_evidence, default_pack

#: Bounds every hostile case must stay within (issue 17's acceptance).
MEMORY_BYTES = 2 * 1024**3
TIMEOUT_S = 60
#: A located problem line: ``file[:line[:col]]: CODE message``.
LOCATED = re.compile(r"^\S.*?: [A-Z]+-\d{3} ")


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_grader(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``grader ARGS`` in a fresh interpreter under the memory limit; fails the test on timeout."""
    try:
        return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], capture_output=True, text=True,
                              timeout=TIMEOUT_S, preexec_fn=_limit_memory, cwd=cwd)
    except subprocess.TimeoutExpired:
        pytest.fail(f"grader {' '.join(map(str, args))} ran over {TIMEOUT_S} s")


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """The problem lines printed on stderr; asserts there is no traceback among them."""
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return [line for line in proc.stderr.splitlines() if line.strip()]


# --- explain: the closest miss of a clause whose test has a list value ---------------------------


def test_explain_shows_the_closest_miss_of_a_kind_list_clause_that_found_nothing(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_pack(), pack)
    crit = pack / "criteria" / "INT-01.yaml"
    text = crit.read_text(encoding="utf-8")
    assert "{kind: [strength, work-in-progress]}" in text
    crit.write_text(text.replace("{kind: [strength, work-in-progress]}", "{kind: [observation, interview]}"),
                    encoding="utf-8")
    proc = run_grader("explain", "INT-01", default_evidence(), "--rules", pack)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    assert "sufficiency: fails" in out
    # the nearest items are named with the test they failed, in words
    assert "is a observation or interview (it is a strength)" in out
