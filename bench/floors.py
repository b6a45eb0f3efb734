#!/usr/bin/env python3
"""Where the time of the two speed targets goes, part by part, and which parts grader owns.

    python bench/floors.py               # CLI parts: median of 15 runs; programme parts: best of 7
    python bench/floors.py --runs 5 --tries 3

bench/run.py measures the targets end to end. This script takes them apart, to show what a
change to grader can still win and what it cannot:

- **Start-up** (issue 15's targets: `grader grade` on the bundled set <= 2.5x the import floor,
  `grader --version` <= 1.3x it). The floor is ``python -c "import durable.lang, pydantic,
  typer, rich"``: the four packages every grading needs. Each row is a separate process; the
  runs are interleaved (one of each command, then again), so a busy moment costs every row
  alike, and each figure is the median. ``--compare DIR`` adds `grader --version` and
  `grader grade` from another checkout of grader (e.g. ``git archive`` of an older commit),
  run in the same rounds: before and after in one run. Every grader row runs ``python -m
  grader`` from a folder outside any checkout.
- **43 forces x 200 items** (target: under 1 s in one process). The same synthetic programme as
  bench/run.py, timed step by step in one process, each step the best of several tries with the
  collector paused (as grading runs): PyYAML's C composer alone, grader's conversion of the
  composed nodes to data, pydantic's validation of the items, grading, and the JSON results.

The ``owner`` column says whose code the time is spent in.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FLOOR = "import durable.lang, pydantic, typer, rich"
DEPS = "from pydantic import BaseModel; import typer, rich.console, rich.table, yaml, durable_rules_engine"
GRADE_IMPORTS = ("import grader.cli, grader.grading.batch, grader.grading.run, grader.render.table, "
                 "grader.render.json")


def _interleaved(cmds: list[tuple[str, list[str], dict[str, str] | None]], runs: int, cwd: Path
                 ) -> dict[str, float]:
    """Median wall time of each command, the commands run in turn ``runs`` times."""
    walls: dict[str, list[float]] = {name: [] for name, _, _ in cmds}
    for _ in range(runs):
        for name, cmd, env in cmds:
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=cwd, env=env)
            walls[name].append(time.perf_counter() - t)
    return {name: statistics.median(w) for name, w in walls.items()}


def compile_bytecode(*packages: Path) -> None:
    """Write the bytecode of grader's modules, as ``pip install .`` does at install time.

    The dependencies in site-packages were compiled when installed; grader's modules in a
    checkout (an editable install, or ``--compare``) are not, and with PYTHONDONTWRITEBYTECODE
    set every run would compile them from source again (about 0.1 s here), timing the compiler
    rather than grader. The ``__pycache__`` folders written are ignored by git."""
    import compileall

    for package in packages:
        compileall.compile_dir(str(package), quiet=1, force=False, legacy=False)


def cli_parts(runs: int, compare: Path | None = None) -> list[tuple[str, float, str]]:
    """The start-up rows: (part, median s, owner and the ratio to the import floor)."""
    import grader

    compile_bytecode(Path(grader.__file__).parent, *([compare / "grader"] if compare is not None else []))
    py = sys.executable
    cmds: list[tuple[str, list[str], dict[str, str] | None]] = [
        ("python -c pass", [py, "-c", "pass"], None),
        ("import floor (durable, pydantic, typer, rich)", [py, "-c", FLOOR], None),
        ("import grader's dependencies", [py, "-c", DEPS], None),
        ("+ import grader (what `grade` imports)", [py, "-c", DEPS + "; " + GRADE_IMPORTS], None),
        ("grader --version", [py, "-m", "grader", "--version"], None),
        ("grader grade (Derbyshire, table)", [py, "-m", "grader", "grade"], None),
    ]
    if compare is not None:
        env = {**os.environ, "PYTHONPATH": str(compare.resolve())}
        cmds += [(f"grader --version ({compare.name})", [py, "-m", "grader", "--version"], env),
                 (f"grader grade ({compare.name})", [py, "-m", "grader", "grade"], env)]
    with tempfile.TemporaryDirectory(prefix="grader-floors-") as tmp:
        walls = _interleaved(cmds, runs, Path(tmp))
    floor = walls["import floor (durable, pydantic, typer, rich)"]
    owners = {"python -c pass": "Python", "import floor (durable, pydantic, typer, rich)": "the yardstick (1.00x)",
              "import grader's dependencies": "dependencies", "+ import grader (what `grade` imports)":
              "grader's models (pydantic) and modules"}
    return [(name, s, owners.get(name, "grader") + ("" if name in owners else f" ({s / floor:.2f}x the floor)"))
            for name, s in walls.items()]


def _best(tries: int, step: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(tries):
        t = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t)
    return best


def programme_parts(tries: int) -> list[tuple[str, float, str]]:
    import synth
    import yaml

    from grader.bundled import default_evidence, default_pack
    from grader.grading.run import Grader
    from grader.loading.evidence import apply_defaults, load_evidence
    from grader.loading.pack import load_pack
    from grader.loading.yamlsrc import _Converter, _Loader, load_yaml
    from grader.models.evidence import EvidenceItem
    from grader.render.json import render_json

    with tempfile.TemporaryDirectory(prefix="grader-floors-") as tmp:
        forces = synth.write_acpo_forces(Path(tmp) / "acpo", 43, 200, default_evidence())
        files = sorted(p for f in forces for p in [f / "evidence-set.yaml", *sorted((f / "items").iterdir())])
        texts = [p.read_text(encoding="utf-8") for p in files]
        docs = [load_yaml(p) for p in files]
        raw_items = [apply_defaults(entry, d.data.get("defaults") or {})
                     for d in docs if "items" in (d.data or {}) for entry in d.data["items"]]
        grader = Grader(load_pack(default_pack()))
        gc.disable()
        try:
            loaded = [load_evidence(f) for f in forces]
            results = [grader.grade(x) for x in loaded]
            megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
            rows = [
                (f"PyYAML compose ({megabytes:.1f} MB, {len(files)} files)",
                 _best(tries, lambda: [list(yaml.compose_all(t, Loader=_Loader)) for t in texts]), "PyYAML (libyaml)"),
                ("nodes to data (positions, checks)",
                 _best(tries, lambda: [_Converter(d).convert(d.root, (), 0) for d in docs]), "grader"),
                (f"validate {len(raw_items):,} items",
                 _best(tries, lambda: [EvidenceItem.model_validate(x) for x in raw_items]), "pydantic"),
                ("load_evidence, 43 sets (all of the above)",
                 _best(tries, lambda: [load_evidence(f) for f in forces]), "grader + PyYAML + pydantic"),
                ("grade 43 sets", _best(tries, lambda: [grader.grade(x) for x in loaded]),
                 "grader + durable-rules"),
                ("43 results to JSON", _best(tries, lambda: [render_json(r) for r in results]), "pydantic"),
            ]
        finally:
            gc.enable()
            grader.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="interleaved runs of each start-up command (median)")
    ap.add_argument("--tries", type=int, default=7, help="tries per programme part (best)")
    ap.add_argument("--compare", type=Path, default=None,
                    help="another grader checkout whose --version and grade to run in the same rounds")
    ap.add_argument("--startup-only", action="store_true", help="only the start-up rows")
    args = ap.parse_args()
    print(f"{'part':46} | {'s':>6} | owner")
    print(f"{'-' * 46} | {'-' * 6} | -----")
    rows = cli_parts(args.runs, args.compare)
    if not args.startup_only:
        rows += programme_parts(args.tries)
    for name, seconds, owner in rows:
        print(f"{name:46} | {seconds:6.3f} | {owner}", flush=True)


if __name__ == "__main__":
    main()
