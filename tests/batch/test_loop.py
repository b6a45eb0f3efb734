"""bench/loop.py, the engine's yardstick, finds exactly the engine's matches.

The yardstick is only fair if it does the same work: the same clauses, the same scopes, the same
type rule for equality, the same pairs. Checked on the bundled set and on synthetic packs and
sets from bench/synth.py (counting thresholds, none/some, any-of on facts and text, numeric
ranges, tags and pair clauses).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import loop  # noqa: E402
import synth  # noqa: E402

from grader.bundled import default_evidence, default_pack  # noqa: E402
from grader.grading.run import Grader  # noqa: E402
from grader.loading.evidence import load_evidence  # noqa: E402
from grader.loading.pack import load_pack  # noqa: E402


def _both(pack_dir: Path, evidence: Path) -> tuple[dict, dict]:
    pack = load_pack(pack_dir)
    loaded = load_evidence(evidence)
    with Grader(pack) as grader:
        engine = grader.match(loaded)
    return engine, loop.match(loop.clauses(pack.pack), loaded.evidence.items)


def test_bundled_set_same_matches() -> None:
    engine, plain = _both(default_pack(), default_evidence())
    assert engine and plain == engine


@pytest.mark.parametrize("rules", [25, 100, 500])
def test_synthetic_sets_same_matches(tmp_path: Path, rules: int) -> None:
    pack_dir = synth.write_pack(tmp_path / "packs", rules)
    (force,) = synth.write_forces(tmp_path / "forces", 2000, 2000, seed=rules)
    engine, plain = _both(pack_dir, force)
    assert any(len(k) == 2 for hits in engine.values() for k in hits), "no pair clause matched: a weak check"
    assert plain == engine


def test_the_loop_compiles_each_condition_once(tmp_path: Path) -> None:
    """Compiled clauses are closures; matching runs no isinstance dispatch on the condition tree."""
    pack = load_pack(synth.write_pack(tmp_path / "packs", 25)).pack
    compiled = loop.clauses(pack)
    assert compiled and all(callable(c.where) or (callable(c.first) and callable(c.join)) for c in compiled)
