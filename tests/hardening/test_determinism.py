"""Same inputs, same bytes out, whatever PYTHONHASHSEED is (set and dict order must never leak).

Each run is a fresh interpreter with its own hash seed, in its own working folder, grading the
same inputs through every command that writes a result or a report; every output file and every
stdout must be byte-identical between the runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from grader.bundled import default_evidence

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batch"))
from setkit import copy_set, remove_item  # noqa: E402

SCRIPT = r'''
import sys
from pathlib import Path
from typer.testing import CliRunner
from grader.cli import app

out = Path("out")
out.mkdir()
runner = CliRunner()
commands = {
    "grade.json": ["grade", "../sets/a", "--format", "json", "--out", "out/a.json"],
    "grade.txt": ["grade", "../sets/b"],
    "batch.txt": ["grade", "../sets/a", "../sets/b", "--out", "out/batch"],
    "batch.json": ["grade", "../sets/a", "../sets/b", "--format", "json"],
    "moderate.txt": ["moderate", "out/batch"],
    "moderate.json": ["moderate", "out/batch", "--format", "json"],
    "diff.txt": ["diff", "out/batch/force-a.json", "out/batch/force-b.json"],
    "diff.json": ["diff", "out/batch/force-a.json", "out/batch/force-b.json", "--format", "json"],
    "report.md": ["report", "../sets/b", "--format", "md"],
}
for name, args in commands.items():
    res = runner.invoke(app, args, env={"COLUMNS": "160"})
    if res.exit_code != 0:
        sys.exit(f"{name}: exit {res.exit_code}: {res.output[-2000:]}")
    (out / f"stdout-{name}").write_text(res.stdout, encoding="utf-8")
(out / "hash").write_text(str(hash("grader")), encoding="utf-8")
'''


def _run(cwd: Path, seed: str) -> dict[str, bytes]:
    cwd.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return {p.relative_to(cwd / "out").as_posix(): p.read_bytes() for p in sorted((cwd / "out").rglob("*"))
            if p.is_file()}


def test_outputs_are_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    sets = tmp_path / "sets"
    copy_set(default_evidence(), sets / "a", "force-a", "Force A")
    b = copy_set(default_evidence(), sets / "b", "force-b", "Force B")
    remove_item(b, "ENF-01-S4")
    first = _run(tmp_path / "run-1", "1")
    second = _run(tmp_path / "run-2", "2718281")
    assert first.pop("hash") != second.pop("hash"), "the seeds did not change str hashing"
    assert sorted(first) == sorted(second)
    assert {"a.json", "batch/force-a.json", "batch/force-b.json", "stdout-report.md"} <= set(first)
    for name in first:
        assert first[name] == second[name], f"{name} differs between hash seeds"
    # The runs compared real, non-trivial output.
    assert b"ENF-01-S4" in first["stdout-diff.json"] and b"force-b" in first["stdout-moderate.json"]
