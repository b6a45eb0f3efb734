"""The benchmark runs (small sizes) and prints its table; its figures are recorded by hand.

No timing is asserted: speed is measured by bench/run.py, never by a test. What is asserted is
that every section ran, and that the engine and the plain Python loop found the same matches.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "run.py"


def test_bench_quick_runs_and_prints_its_table() -> None:
    proc = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert out.startswith("machine: ") and "CPUs" in out
    header = next(line for line in out.splitlines() if line.startswith("case "))
    for column in ("items/s", "peak MB", "loop s", "engine/loop"):
        assert column in header
    for case in ("import grader's dependencies", "CLI start (grader --version)", "Derbyshire via the CLI",
                 "43 forces x 200 items", "N=100 R=25", "N=1,000 R=100", "gradings of Derbyshire"):
        assert case in out, case
    assert "MATCHES DIFFER" not in out
    assert out.count("same matches") == 6


def test_floors_runs_and_names_every_part() -> None:
    """bench/floors.py takes the two speed targets apart; here it only has to run (one try each)."""
    floors = BENCH.with_name("floors.py")
    proc = subprocess.run([sys.executable, str(floors), "--runs", "1", "--tries", "1"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    parts = [line.split("|")[0].strip() for line in proc.stdout.splitlines()[2:]]
    assert parts[:6] == ["python -c pass", "import floor (durable, pydantic, typer, rich)",
                         "import grader's dependencies", "+ import grader (what `grade` imports)",
                         "grader --version", "grader grade (Derbyshire, table)"]
    assert parts[6].startswith("PyYAML compose") and parts[-1] == "43 results to JSON"
    assert all(float(line.split("|")[1]) > 0 for line in proc.stdout.splitlines()[2:])
    rows = proc.stdout.splitlines()[2:]
    assert "x the floor)" in rows[4] and "x the floor)" in rows[5]  # the targets, as ratios to the floor


def test_floors_compares_another_checkout_in_the_same_rounds(tmp_path: Path) -> None:
    """--compare DIR runs another checkout's --version and grade interleaved with this one's."""
    floors = BENCH.with_name("floors.py")
    proc = subprocess.run([sys.executable, str(floors), "--runs", "1", "--startup-only", "--compare",
                           str(BENCH.parent)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    parts = [line.split("|")[0].strip() for line in proc.stdout.splitlines()[2:]]
    name = BENCH.parent.name
    assert parts[-2:] == [f"grader --version ({name})", f"grader grade ({name})"]
