"""Outputs are written atomically: a failure while writing leaves the old file (or none), whole."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from grader.bundled import default_evidence, default_pack
from grader.errors import InputError
from grader.grading.batch import grade_batch
from grader.models.result import GradingResult
from grader.outputs import write_atomic
from grader.render.json import render_json

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batch"))
from setkit import copy_set  # noqa: E402


def test_a_failed_rename_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "result.json"
    target.write_text("old\n", encoding="utf-8")

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(InputError) as exc:  # a full disk is one located line (OUT-004), not a traceback
        write_atomic(target, "new\n" * 100_000)
    assert exc.value.problems[0].code == "OUT-004"
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_a_batch_that_fails_mid_way_leaves_only_whole_results(tmp_path: Path) -> None:
    sets = [copy_set(default_evidence(), tmp_path / f"s{i}", f"force-{i}") for i in range(3)]
    done: list[str] = []

    def render(result: GradingResult) -> str:
        if done:
            raise RuntimeError("disk pulled out while rendering the second force")
        done.append(result.meta.evidence_set.id)
        return render_json(result)

    out = tmp_path / "results"
    with pytest.raises(RuntimeError):
        grade_batch(sets, default_pack(), out, render)
    assert [p.name for p in out.iterdir()] == ["force-0.json"]
    assert json.loads((out / "force-0.json").read_text(encoding="utf-8"))["meta"]["evidence_set"]["id"] == "force-0"
