"""Pausing the cyclic garbage collector while a force is loaded and graded changes nothing but speed."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from grader.bundled import default_evidence, default_pack
from grader.errors import InputError
from grader.grading.batch import grade_batch
from grader.gcpause import gc_paused
from grader.grading.run import Grader, grade_paths
from grader.loading.evidence import load_evidence
from grader.loading.judgements import load_judgements
from grader.loading.pack import load_pack
from grader.render.json import render_json


def _with_collector_running() -> str:
    assert gc.isenabled()
    with Grader(load_pack(default_pack())) as grader:
        return render_json(grader.grade(load_evidence(default_evidence()), load_judgements(default_evidence())))


def test_results_are_the_same_bytes_with_the_collector_paused(tmp_path: Path) -> None:
    expected = _with_collector_running()
    assert render_json(grade_paths(default_evidence(), default_pack())) == expected
    grade_batch([default_evidence(), tmp_path / "missing"], default_pack(), tmp_path / "r", render_json)
    assert (tmp_path / "r" / "derbyshire-2008.json").read_text(encoding="utf-8") == expected
    assert gc.isenabled()


def test_the_collector_is_paused_inside_and_restored_after_an_error() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(InputError):
        grade_paths(Path("no-such-folder"), default_pack())
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        grade_paths(default_evidence(), default_pack())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_loading_pauses_the_collector_itself(monkeypatch) -> None:
    """Evidence and packs load with the collector paused wherever they are loaded from (the
    report, explain and check commands too), and it is running again afterwards."""
    import grader.loading.evidence as evidence_mod
    import grader.loading.pack as pack_mod

    seen: list[bool] = []
    for mod in (evidence_mod, pack_mod):
        real = mod.load_yaml

        def spy(*args, _real=real, **kwargs):
            seen.append(gc.isenabled())
            return _real(*args, **kwargs)

        monkeypatch.setattr(mod, "load_yaml", spy)
    assert gc.isenabled()
    load_evidence(default_evidence())
    load_pack(default_pack())
    assert seen and not any(seen)
    assert gc.isenabled()


def test_grading_pauses_the_collector_itself(monkeypatch) -> None:
    import grader.grading.run as run_mod

    seen: list[bool] = []
    real = run_mod.evaluate_criterion

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(run_mod, "evaluate_criterion", spy)
    with Grader(load_pack(default_pack())) as grader:
        grader.grade(load_evidence(default_evidence()))
    assert seen and not any(seen)
    assert gc.isenabled()


def test_a_batch_unfreezes_what_it_froze_and_nothing_a_caller_froze(tmp_path: Path) -> None:
    """grade_batch keeps the collector off the pack's objects with gc.freeze for the batch only:
    they are unfrozen after it, after an error too; and a program that had frozen objects of
    its own (before forking workers, say) finds them still frozen."""
    assert gc.get_freeze_count() == 0
    grade_batch([default_evidence()], default_pack(), None, render_json)
    assert gc.get_freeze_count() == 0

    def stop(done: int, total: int, name: str) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade_batch([default_evidence()], default_pack(), None, render_json, progress=stop)
    assert gc.get_freeze_count() == 0

    kept = [[object()] for _ in range(100)]  # the caller's own long-lived objects
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        grade_batch([default_evidence()], default_pack(), tmp_path / "r", render_json)
        # still frozen (a few frozen objects may be freed meanwhile), and none of the batch's added
        assert frozen - 100 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
