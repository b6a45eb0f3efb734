#!/usr/bin/env python3
"""Where the time of the two speed targets goes, part by part, and which parts grader owns.

    python bench/floors.py               # CLI parts: median of 15 runs; programme parts: best of 7
    python bench/floors.py --runs 5 --tries 3

bench/run.py measures the targets end to end. This script takes them apart, to show what a
change to grader can still win and what it cannot:

- **Derbyshire via the CLI** (target: 1.5x the import of grader's dependencies). Each row is a
  separate ``python -c`` (or the ``grader`` command), so each includes the rows above it: the
  interpreter, the dependencies (the yardstick), ``importlib.metadata`` (which pydantic imports
  to look for plugins when the first model class is built), every module ``grader grade``
  imports (pydantic builds each model class's validator then), and the whole command.
- **43 forces x 200 items** (target: under 1 s in one process). The same synthetic programme as
  bench/run.py, timed step by step in one process, each step the best of several tries with the
  collector paused (as grading runs): PyYAML's C composer alone, grader's conversion of the
  composed nodes to data, pydantic's validation of the items, grading, and the JSON results.

The ``owner`` column says whose code the time is spent in.
"""

from __future__ import annotations

import argparse
import gc
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

DEPS = "from pydantic import BaseModel; import typer, rich.console, rich.table, yaml, durable_rules_engine"
GRADE_IMPORTS = ("import grader.cli, grader.grading.batch, grader.grading.run, grader.render.table, "
                 "grader.render.json")


def _median_run(cmd: list[str], runs: int) -> float:
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls)


def cli_parts(runs: int) -> list[tuple[str, float, str]]:
    py = sys.executable
    script = Path(py).with_name("grader")
    grade = [str(script), "grade"] if script.is_file() else [py, "-m", "grader", "grade"]
    return [
        ("python -c pass", _median_run([py, "-c", "pass"], runs), "Python"),
        ("+ import grader's dependencies", _median_run([py, "-c", DEPS], runs), "dependencies (the yardstick)"),
        ("+ import importlib.metadata", _median_run([py, "-c", DEPS + ", importlib.metadata"], runs),
         "pydantic (plugin lookup)"),
        ("+ import grader (what `grade` imports)", _median_run([py, "-c", DEPS + "; " + GRADE_IMPORTS], runs),
         "grader's models (pydantic) and modules"),
        ("grader grade (Derbyshire, table)", _median_run(grade, runs), "+ load, compile, grade, render"),
    ]


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
    ap.add_argument("--runs", type=int, default=15, help="runs per CLI part (median)")
    ap.add_argument("--tries", type=int, default=7, help="tries per programme part (best)")
    args = ap.parse_args()
    print(f"{'part':44} | {'s':>6} | owner")
    print(f"{'-' * 44} | {'-' * 6} | -----")
    for name, seconds, owner in [*cli_parts(args.runs), *programme_parts(args.tries)]:
        print(f"{name:44} | {seconds:6.3f} | {owner}", flush=True)


if __name__ == "__main__":
    main()
