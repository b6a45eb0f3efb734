#!/usr/bin/env python3
"""grader's benchmark: wall time, items per second and peak memory, beside a plain Python loop.

    python bench/run.py            # the full sizes (N up to 1,000,000; takes a while)
    python bench/run.py --quick    # small sizes, as CI runs it
    python bench/run.py --max-n 100000 --rules 25,100

Every measurement that reports memory runs in a fresh child process (this script with
``--child``), so its peak resident set size (``resource.getrusage``, which sees the
durable-rules engine's C allocations as well as Python's) belongs to that measurement alone.
Synthetic packs and evidence are generated into a temporary folder from fixed seeds and loaded
by grader's own loaders. Beside each engine figure is the time a plain Python loop takes to
evaluate the same predicates over the same loaded items (bench/loop.py), and the benchmark
checks that both found exactly the same matches.

Columns: wall s is end to end (loading and grading; for the CLI rows, the whole command);
items/s is items over that wall time; loop s is the plain loop's time for the same matches;
engine/loop is the engine's matching time (evidence to engine facts to durable-rules matches)
over the loop's. The note splits the wall time into loading, grading and matching.

Results go to stdout as one table; record full runs in docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

HEADER = ("case", "items", "rules", "wall s", "items/s", "peak MB", "loop s", "engine/loop", "note")
WIDTHS = (36, 9, 5, 8, 10, 8, 8, 11, 0)
#: Largest force in the size sweep: N items are graded force by force, as a programme is.
FORCE_ITEMS = 10_000


# --- child measurements (run in a fresh interpreter each) ------------------------------------


def _peak_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def _rss_mb() -> float:
    """Current resident set size (Linux /proc; elsewhere the peak, which can only grow)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except OSError:
        return _peak_mb()


def child_sweep(pack_dir: Path, forces: list[Path]) -> dict[str, Any]:
    """Grade every force with one compiled pack; time loading, the engine's matching, the whole
    grading, and the plain loop over the same items; check both found the same matches."""
    import loop

    from grader.gcpause import gc_paused
    from grader.grading.run import Grader
    from grader.loading.evidence import load_evidence
    from grader.loading.pack import load_pack

    t0 = time.perf_counter()
    loaded_pack = load_pack(pack_dir)
    grader = Grader(loaded_pack)
    compile_s = time.perf_counter() - t0
    clauses = loop.clauses(loaded_pack.pack)
    load_s = grade_s = match_s = loop_s = 0.0
    items = 0
    same = True
    real_match = grader.match
    spent = [0.0]
    found: list[Any] = [None]

    def timed_match(loaded: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        found[0] = real_match(loaded, **kwargs)
        spent[0] += time.perf_counter() - t
        return found[0]

    grader.match = timed_match  # type: ignore[method-assign]
    for force in forces:
        with gc_paused():  # as grade_batch grades each force
            t = time.perf_counter()
            loaded = load_evidence(force)
            load_s += time.perf_counter() - t
            t = time.perf_counter()
            grader.grade(loaded)
            grade_s += time.perf_counter() - t
            # the loop runs under the same conditions: with the collector running it would pay
            # for walking the loaded set's objects, which grading does not
            t = time.perf_counter()
            reference = loop.match(clauses, loaded.evidence.items)
            loop_s += time.perf_counter() - t
        same = same and reference == found[0]
        items += len(loaded.evidence.items)
        del loaded, reference
        found[0] = None
    match_s = spent[0]
    grader.close()
    rules = sum(len(c.rules) for c in loaded_pack.pack.criteria)
    return {"items": items, "compile_s": compile_s, "load_s": load_s, "grade_s": grade_s, "match_s": match_s,
            "loop_s": loop_s, "same": same, "peak_mb": _peak_mb(), "probes": len(clauses), "rules": rules,
            "rulesets": grader.matcher.ruleset_count}


def child_batch(pack_dir: Path, forces: list[Path], out_dir: Path) -> dict[str, Any]:
    """The programme as `grader grade FORCES --out DIR` runs it (grade_batch, writing results)."""
    from grader.grading.batch import grade_batch
    from grader.render.json import render_json

    t = time.perf_counter()
    report = grade_batch(forces, pack_dir, out_dir, render_json, force=True)
    wall = time.perf_counter() - t
    assert not report.failed, [f.problems[0].line_text() for f in report.failed]
    return {"wall_s": wall, "forces": len(report.graded), "items": sum(s.items for s in report.graded),
            "peak_mb": _peak_mb()}


def child_repeat(evidence: Path, pack_dir: Path, times: int) -> dict[str, Any]:
    """Grade one set ``times`` times with one Grader; resident memory at start, middle and end."""
    from grader.grading.run import Grader
    from grader.loading.evidence import load_evidence
    from grader.loading.pack import load_pack

    loaded = load_evidence(evidence)
    rss: list[float] = []
    with Grader(load_pack(pack_dir)) as grader:
        grader.grade(loaded)
        gc.collect()
        rss.append(_rss_mb())
        t = time.perf_counter()
        for n in range(1, times + 1):
            grader.grade(loaded)
            if n == times // 2:
                gc.collect()
                rss.append(_rss_mb())
        wall = time.perf_counter() - t
        gc.collect()
        rss.append(_rss_mb())
    return {"rss_mb": rss, "wall_s": wall, "times": times, "items": len(loaded.evidence.items),
            "peak_mb": _peak_mb()}


def _child_main(argv: list[str]) -> None:
    kind, args = argv[0], json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    if kind == "sweep":
        out = child_sweep(Path(args["pack"]), [Path(f) for f in args["forces"]])
    elif kind == "batch":
        out = child_batch(Path(args["pack"]), [Path(f) for f in args["forces"]], Path(args["out"]))
    elif kind == "repeat":
        out = child_repeat(Path(args["evidence"]), Path(args["pack"]), args["times"])
    else:
        raise SystemExit(f"unknown child {kind}")
    print(json.dumps(out))


def _child(kind: str, **args: Any) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(args, fh)
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", kind, fh.name],
                              capture_output=True, text=True, check=False)
    finally:
        os.unlink(fh.name)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child {kind} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- commands timed as a user runs them --------------------------------------------------------


def timed_command(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Median wall time of ``cmd`` over ``repeat`` runs, and the largest peak RSS (MB) of any run."""
    walls: list[float] = []
    peak = 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - t)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        peak = max(peak, usage.ru_maxrss / 1024)
    return statistics.median(walls), peak


# --- output --------------------------------------------------------------------------------------


def row(*cells: object) -> None:
    parts = []
    for cell, width in zip(cells, WIDTHS, strict=True):
        text = cell if isinstance(cell, str) else _num(cell)
        parts.append(text.ljust(width) if width else text)
    print(" | ".join(parts).rstrip(), flush=True)


def _num(x: object) -> str:
    if x is None:
        return "-"
    if isinstance(x, int):
        return f"{x:,}"
    assert isinstance(x, float)
    if x >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return (f"machine: {os.cpu_count()} CPUs ({model}); Python {platform.python_version()} on "
            f"{platform.system()} {platform.release()}; durable-rules {version('durable-rules')}, "
            f"pydantic {version('pydantic')}, PyYAML {version('pyyaml')}")


# --- the benchmark -------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child_main(sys.argv[2:])
        return
    # An interrupted run still removes its temporary files (SIGTERM becomes SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (CI)")
    ap.add_argument("--max-n", type=int, default=None, help="largest N in the size sweep")
    ap.add_argument("--rules", default="25,100,500", help="pack sizes R (comma-separated)")
    ap.add_argument("--gradings", type=int, default=None, help="gradings in the flat-memory run (default 1000)")
    ap.add_argument("--repeat", type=int, default=None, help="runs per CLI timing (median; default 5)")
    args = ap.parse_args()

    from grader.bundled import default_evidence, default_pack

    quick = args.quick
    max_n = args.max_n or (1_000 if quick else 1_000_000)
    sizes = [n for n in ((100, 1_000) if quick else (1_000, 10_000, 100_000, 1_000_000)) if n <= max_n]
    rule_counts = [int(r) for r in args.rules.split(",")] if not quick else [25, 100]
    gradings = args.gradings or (50 if quick else 1000)
    repeat = args.repeat or (1 if quick else 5)
    derbyshire = default_evidence()
    pack = default_pack()
    n_derby = sum(1 for _ in _items_of(derbyshire))

    print(machine())
    print(f"mode: {'quick' if quick else 'full'}; sizes {sizes}; rules {rule_counts}; CLI timings are the median "
          f"of {repeat} run(s); peak MB is the process's peak resident set size")
    print()
    row(*HEADER)
    row(*("-" * max(w, 4) if w else "-" * 4 for w in WIDTHS))

    py = sys.executable
    deps = ("from pydantic import BaseModel; import typer, rich.console, rich.table, yaml, durable_rules_engine")
    deps_s, deps_mb = timed_command([py, "-c", deps], repeat)
    row("import grader's dependencies", None, None, deps_s, None, deps_mb, None, None, "the yardstick for the CLI")
    script = Path(py).with_name("grader")  # the console script, as a user runs it
    import floors

    import grader
    floors.compile_bytecode(Path(grader.__file__).parent)  # as an installed grader has it
    grader_cmd = [str(script)] if script.is_file() else [py, "-m", "grader"]
    ver_s, ver_mb = timed_command([*grader_cmd, "--version"], repeat)
    row("CLI start (grader --version)", None, None, ver_s, None, ver_mb, None, None,
        f"{ver_s / deps_s:.2f}x the dependency import")
    cli_s, cli_mb = timed_command([*grader_cmd, "grade"], repeat)
    acpo_rules = _rule_count(pack)
    row("Derbyshire via the CLI (grade)", n_derby, acpo_rules, cli_s, n_derby / cli_s, cli_mb, None, None,
        f"{cli_s / deps_s:.2f}x the dependency import (issue 15 targets 2.5x the four-package floor: bench/floors.py)")
    one = _child("sweep", pack=str(pack), forces=[str(derbyshire)])
    one_s = one["load_s"] + one["grade_s"]
    row("Derbyshire in-process", one["items"], one["rules"], one_s, one["items"] / one_s,
        one["peak_mb"], one["loop_s"], one["match_s"] / one["loop_s"],
        f"load {one['load_s']:.3f}s grade {one['grade_s']:.3f}s (match {one['match_s']:.3f}s); "
        f"{'same matches' if one['same'] else 'MATCHES DIFFER'}")

    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        root = Path(tmp)
        import synth

        forces = synth.write_acpo_forces(root / "acpo", 43, 200, derbyshire)
        # a target row, and as noisy as the CLI rows: the median of as many fresh processes
        runs = [_child("batch", pack=str(pack), forces=[str(f) for f in forces], out=str(root / "results"))
                for _ in range(repeat)]
        walls = sorted(r["wall_s"] for r in runs)
        wall = statistics.median(walls)
        spread = f"median of {repeat} runs, {walls[0]:.2f} to {walls[-1]:.2f} s; " if repeat > 1 else ""
        sweep = _child("sweep", pack=str(pack), forces=[str(f) for f in forces])
        row("43 forces x 200 items (grade_batch)", runs[0]["items"], acpo_rules, wall,
            runs[0]["items"] / wall, max(r["peak_mb"] for r in runs), sweep["loop_s"],
            sweep["match_s"] / sweep["loop_s"],
            f"target < 1 s; {spread}load {sweep['load_s']:.2f}s grade {sweep['grade_s']:.2f}s "
            f"(match {sweep['match_s']:.2f}s), the rest loading the pack and writing results; "
            f"{'same matches' if sweep['same'] else 'MATCHES DIFFER'}")

        previous: dict[int, float] = {}
        for n in sizes:
            force_dirs = synth.write_forces(root / f"n{n}", n, FORCE_ITEMS)
            for r in rule_counts:
                pack_dir = synth.write_pack(root / "packs", r)
                s = _child("sweep", pack=str(pack_dir), forces=[str(f) for f in force_dirs])
                total = s["load_s"] + s["grade_s"]
                growth = f"; t(N)/t(N/10) {total / previous[r]:.1f}" if r in previous else ""
                previous[r] = total
                row(f"N={n:,} R={r} ({len(force_dirs)} force{'s' if len(force_dirs) > 1 else ''})", s["items"], r,
                    total, s["items"] / total, s["peak_mb"], s["loop_s"], s["match_s"] / s["loop_s"],
                    f"load {s['load_s']:.2f}s grade {s['grade_s']:.2f}s (match {s['match_s']:.2f}s){growth}"
                    f"; {'same matches' if s['same'] else 'MATCHES DIFFER'}")
            _remove(root / f"n{n}")

    rep = _child("repeat", evidence=str(derbyshire), pack=str(pack), times=gradings)
    start, middle, end = rep["rss_mb"]
    row(f"{gradings:,} gradings of Derbyshire", rep["items"] * gradings, acpo_rules, rep["wall_s"],
        rep["items"] * gradings / rep["wall_s"], rep["peak_mb"], None, None,
        f"RSS MB start {start:.1f}, middle {middle:.1f}, end {end:.1f}")


def _rule_count(pack: Path) -> int:
    from grader.loading.pack import load_pack

    return sum(len(c.rules) for c in load_pack(pack).pack.criteria)


def _items_of(evidence: Path) -> list[str]:
    from grader.loading.evidence import load_evidence

    return [i.id for i in load_evidence(evidence).evidence.items]


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
