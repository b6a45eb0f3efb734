"""Issue 16: the rules weigh all the evidence. Every area for improvement carries one shortfall
label, every verified qualitative item is cited by its criterion's finding in a stated role, and
the finding says "meets, with N areas for improvement" where that is what it found."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.run import grade_paths
from grader.loading.evidence import load_evidence
from grader.models.result import GradingResult
from grader.render.report import render_report

SHORTFALL_LABELS = ("breach", "good_practice_shortfall", "closing_gap", "risk_managed")
QUALITATIVE = ("strength", "work-in-progress", "area-for-improvement")


@pytest.fixture(scope="module")
def graded(evidence_dir: Path, pack_dir: Path) -> GradingResult:
    return grade_paths(evidence_dir, pack_dir)


def test_every_area_for_improvement_carries_exactly_one_shortfall_label(evidence_dir: Path) -> None:
    items = load_evidence(evidence_dir).evidence.items
    afis = [i for i in items if i.kind == "area-for-improvement"]
    assert len(afis) == 18
    for item in afis:
        labels = [name for name in SHORTFALL_LABELS if item.facts.get(name) is True]
        assert len(labels) == 1, (item.id, labels)
    # a dated plan only qualifies a gap being closed
    for item in items:
        if item.facts.get("remedy_planned") is True:
            assert item.facts.get("closing_gap") is True, item.id


def test_no_verified_qualitative_item_is_unused(graded: GradingResult) -> None:
    kinds = {e.id: e.kind for e in graded.evidence}
    assert [u.id for u in graded.unused if kinds[u.id] in QUALITATIVE] == []


def test_every_item_is_cited_by_its_own_criterion_in_a_role(graded: GradingResult) -> None:
    for item in graded.evidence:
        if item.kind not in QUALITATIVE or not item.verified:
            continue
        for crit in item.criteria:
            finding = graded.criterion(crit)
            roles = {c.id: c for c in finding.cited}
            assert item.id in roles, (item.id, crit)
            cited = roles[item.id]
            # the role names what cited it: a rule, mitigation, uplift or concern the finding traced
            assert cited.rule in {t.rule for t in finding.trace} | {"otherwise"}, (item.id, cited.rule)
            if item.kind == "area-for-improvement":
                assert cited.role == "against", (item.id, cited.role)


def test_the_rationale_names_the_areas_for_improvement_and_why_the_outcome_stands(graded: GradingResult) -> None:
    int01 = graded.criterion("INT-01")
    assert int01.outcome == "meets"
    assert int01.areas_for_improvement == ["INT-01-A1", "INT-01-A2"]
    assert "INT-01-A1, INT-01-A2" in int01.rationale
    assert "breaching no significant element of it; the outcome stands" in int01.rationale
    # a criterion with no area for improvement says nothing of one
    assert graded.criterion("ENF-01").areas_for_improvement == []
    assert "Areas for improvement" not in graded.criterion("ENF-01").rationale


def test_the_mitigated_gap_is_weighed_against_with_the_mitigation_as_reason(graded: GradingResult) -> None:
    enf02 = graded.criterion("ENF-02")
    assert (enf02.assessed_outcome, enf02.outcome) == ("fails", "meets")
    roles = {c.id: c for c in enf02.cited}
    assert roles["ENF-02-W1"].role == "against"
    assert roles["ENF-02-W1"].rule == enf02.mitigation.rule
    assert roles["ENF-02-S1"].role == "supports"


def test_work_in_progress_not_needed_by_a_rule_is_context(graded: GradingResult) -> None:
    roles = {c.id: c.role for c in graded.criterion("INT-02").cited}
    assert roles["INT-02-W3"] == "context"


def test_the_report_shows_meets_with_n_areas_for_improvement(graded: GradingResult) -> None:
    text = render_report(graded, "md", "inspectorate")
    assert "**Outcome: Meets the standard**, with 2 areas for improvement" in text
    assert "**Outcome: Meets the standard**, with 1 area for improvement" in text
    assert "(INT-01-A1, weighed against the outcome)" in text


def test_a_fact_the_standard_names_is_weighed_by_a_rule_not_decoration(graded: GradingResult) -> None:
    # PRE-05's standard asks for a policy "known to the staff who need it": the fact that not every
    # critical incident manager has had witness protection input is weighed by PRE-05's own
    # concern, whose sentence names the shortfall in the rationale.
    pre05 = graded.criterion("PRE-05")
    assert pre05.outcome == "meets"
    assert "not every critical incident manager has had witness protection input (PRE-05-A1)" in pre05.rationale
    assert {c.id: c.role for c in pre05.cited}["PRE-05-A1"] == "against"
