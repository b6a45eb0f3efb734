"""What would change a grade: one step up and down, for a failing, a meeting and an exceeding set.

Each set is a copy of the bundled Derbyshire set, edited: the failing one without its
intelligence evidence, the exceeding one with capacity beyond the standard and a business case
for PMR-01, ENF-01 and ENF-03. Every rise and fall is also re-checked by grading: applying the
stated changes to the findings and rolling up again gives the stated grade.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.grading.rollup import Unit, decide
from grader.grading.run import grade_paths
from grader.loading.pack import load_pack
from grader.models.result import Counterfactual, GradingResult

EXTRA = """defaults:
  verified: true
  marking: OFFICIAL
  collected: 2008-07-01
  source: {document: hmic-2008-derbyshire-major-crime, section: Test}
items:
  - {id: X-PMR-B, pillar: performance-and-resilience, criteria: [PMR-01], kind: strength,
     statement: Capacity beyond the standard., facts: {beyond_standard: true}}
  - {id: X-PMR-C, pillar: performance-and-resilience, criteria: [PMR-01], kind: document,
     statement: A business case for it., facts: {business_case: true}}
  - {id: X-ENF-B, pillar: enforcement, criteria: [ENF-01, ENF-03], kind: strength,
     statement: Capacity beyond the standard., facts: {beyond_standard: true}}
  - {id: X-ENF-C, pillar: enforcement, criteria: [ENF-01, ENF-03], kind: document,
     statement: A business case for it., facts: {business_case: true}}
"""


def _graded(tmp_path: Path, evidence_dir: Path, pack_dir: Path, edit: str) -> GradingResult:
    dst = tmp_path / "set"
    shutil.copytree(evidence_dir, dst)
    if edit == "no-intelligence":
        (dst / "items" / "intelligence.yaml").write_text("items: []\n", encoding="utf-8")
    elif edit == "beyond":
        (dst / "items" / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    return grade_paths(dst, pack_dir)


def _sens(result: GradingResult) -> dict[str, tuple[Counterfactual | None, Counterfactual | None]]:
    return {s.id: (s.rise, s.fall) for s in result.sensitivity}


def _replayed(result: GradingResult, pack_dir: Path, unit_id: str, cf: Counterfactual) -> str:
    """The grade the pack's roll-up gives once ``cf``'s changes are made."""
    pack = load_pack(pack_dir).pack
    policy, scale = pack.manifest.policy, pack.scale_ids
    becomes = {c.id: c.becomes for c in cf.changes}
    if unit_id == "overall":
        units = [Unit(p.id, becomes.get(p.id, p.grade)) for p in result.pillars]
        return decide(policy.overall, units, scale, reasons=False)[0]
    units = [Unit(f.criterion, becomes.get(f.criterion, f.outcome), f.significant,
                  f.mitigated and f.criterion not in becomes) for f in result.criteria if f.pillar == unit_id]
    return decide(policy.pillar, units, scale, reasons=False)[0]


def _one_step(result: GradingResult, pack_dir: Path) -> None:
    """Every rise and fall moves exactly one grade, and replaying its changes gives that grade."""
    scale = [g.id for g in result.framework.scale]
    grades = {p.id: p.grade for p in result.pillars} | {"overall": result.overall.grade}
    for uid, (rise, fall) in _sens(result).items():
        here = scale.index(grades[uid])
        for cf, step in ((rise, -1), (fall, +1)):
            if cf is None:
                assert not 0 <= here + step < len(scale), f"{uid}: a grade {step} exists but nothing reaches it"
                continue
            assert cf.grade == scale[here + step], (uid, cf)
            assert _replayed(result, pack_dir, uid, cf) == cf.grade, (uid, cf)


def test_a_failing_set_says_what_would_raise_every_failing_grade(tmp_path: Path, evidence_dir: Path,
                                                                 pack_dir: Path) -> None:
    result = _graded(tmp_path, evidence_dir, pack_dir, "no-intelligence")
    sens = _sens(result)
    assert result.overall.grade == "fails"
    assert {p.id: p.grade for p in result.pillars}["intelligence"] == "fails"
    # the overall rises to meets when intelligence meets: never asks a pillar for more than that
    rise, _ = sens["overall"]
    assert rise is not None and rise.grade == "meets"
    assert [(c.id, c.was, c.becomes) for c in rise.changes] == [("intelligence", "fails", "meets")]
    # the failing pillar itself says what would raise it: any 9 of its 10 unevidenced criteria
    rise, fall = sens["intelligence"]
    assert rise is not None and rise.grade == "meets" and fall is None
    (choice,) = rise.any_of
    ints = [f.criterion for f in result.criteria if f.pillar == "intelligence"]
    assert (choice.k, choice.n, choice.ids, choice.was, choice.becomes) == (
        9, 10, ints, ["insufficient-evidence"], "meets")
    assert all(c.becomes == "meets" for c in rise.changes) and rise.specific == []
    _one_step(result, pack_dir)


def test_a_meeting_set_says_any_k_of_n_and_names_only_the_criteria_that_matter(derbyshire: GradingResult,
                                                                               pack_dir: Path) -> None:
    sens = _sens(derbyshire)
    assert derbyshire.overall.grade == "meets"
    rise, fall = sens["intelligence"]
    assert rise is not None and rise.grade == "exceeds"
    (choice,) = rise.any_of
    assert (choice.k, choice.n, choice.becomes) == (5, 10, "exceeds") and rise.specific == []
    assert fall is not None and fall.grade == "fails" and (fall.any_of[0].k, fall.any_of[0].n) == (2, 10)
    # enforcement's two significant criteria are the ones that matter: named, no choice
    rise, _ = sens["enforcement"]
    assert rise is not None and rise.any_of == []
    assert [c.id for c in rise.specific] == ["ENF-01", "ENF-03"]
    overall_rise, overall_fall = sens["overall"]
    assert overall_rise is not None and (overall_rise.any_of[0].k, overall_rise.any_of[0].n) == (2, 4)
    assert overall_fall is not None and overall_fall.grade == "fails" and len(overall_fall.changes) == 1
    _one_step(derbyshire, pack_dir)


def test_an_exceeding_set_says_what_would_lower_it_one_grade(tmp_path: Path, evidence_dir: Path,
                                                              pack_dir: Path) -> None:
    result = _graded(tmp_path, evidence_dir, pack_dir, "beyond")
    sens = _sens(result)
    assert result.overall.grade == "exceeds"
    grades = {p.id: p.grade for p in result.pillars}
    assert grades["enforcement"] == grades["performance-and-resilience"] == "exceeds"
    rise, fall = sens["overall"]
    assert rise is None and fall is not None and fall.grade == "meets"  # one step: meets, not fails
    assert all(c.becomes == "meets" for c in fall.changes)
    (choice,) = fall.any_of
    assert (choice.k, choice.n, choice.ids) == (1, 2, ["enforcement", "performance-and-resilience"])
    rise, fall = sens["performance-and-resilience"]
    assert rise is None and fall is not None
    assert [(c.id, c.was, c.becomes) for c in fall.specific] == [("PMR-01", "exceeds", "meets")]
    _one_step(result, pack_dir)


@pytest.mark.parametrize("edit", ["no-intelligence", "beyond"])
def test_the_result_json_carries_the_choice(tmp_path: Path, evidence_dir: Path, pack_dir: Path, edit: str) -> None:
    result = _graded(tmp_path, evidence_dir, pack_dir, edit)
    again = GradingResult.model_validate_json(result.model_dump_json())
    assert again.sensitivity == result.sensitivity
    assert any(cf is not None and cf.any_of for s in again.sensitivity for cf in (s.rise, s.fall))
