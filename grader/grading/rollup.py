"""Roll criterion outcomes up to pillar grades, and pillar grades up to the overall grade.

The policy is the pack's (``policy.pillar`` and ``policy.overall``): an ordered list of grade
rules (first that holds wins; the last always holds) and caps that limit a grade. Each level is
computed twice: on outcomes after mitigation (the grade) and as assessed (before mitigation),
so a report can show both where they differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from grader.grading.text import fill
from grader.models.pack import NOT_APPLICABLE, Level, OutcomeCount, RollAll, RollAny, RollClause, RollNot, RulePack
from grader.models.result import AreaFinding, CriterionFinding, GradeFinding


@dataclass(frozen=True)
class Unit:
    """What a roll-up counts: a criterion (for a pillar) or a pillar (overall)."""

    id: str
    state: str  # outcome or grade
    significant: bool = True
    mitigated: bool = False


def holds(clause: RollClause, units: Sequence[Unit], names: dict[str, list[str]]) -> bool:
    """Whether a roll-up clause holds for these units; ``names`` receives what each named count counted.

    Public so that ``explain`` can show each policy rule's counts exactly as the roll-up saw them.
    """
    if isinstance(clause, OutcomeCount):
        eligible = [u for u in units if u.state != NOT_APPLICABLE
                    and (clause.significant is None or u.significant == clause.significant)
                    and (clause.mitigated is None or u.mitigated == clause.mitigated)]
        wanted = clause.outcome if clause.outcome is not None else clause.grade
        counted = [u.id for u in eligible if wanted is None or u.state in wanted]
        if clause.name:
            names[clause.name] = counted
        if clause.at_least is not None:
            return len(counted) >= clause.at_least
        if clause.at_most is not None:
            return len(counted) <= clause.at_most
        assert clause.at_least_fraction is not None
        return bool(eligible) and len(counted) / len(eligible) >= clause.at_least_fraction
    if isinstance(clause, RollNot):
        return not holds(clause.item, units, names)
    assert isinstance(clause, RollAll | RollAny)
    results = [holds(c, units, names) for c in clause.items]  # evaluate all: names for `because`
    return all(results) if isinstance(clause, RollAll) else any(results)


def decide(level: Level, units: Sequence[Unit], scale: list[str], *,
           reasons: bool = True) -> tuple[str, str, str | None]:
    """(grade, rationale, cap rationale or None) for one level of the policy.

    ``reasons=False`` leaves both texts empty: the "what would change the grade" search tries
    many hypothetical outcomes and only needs each one's grade.
    """
    grade, rationale = scale[-1], ""
    for rule in level.rules:
        names: dict[str, list[str]] = {}
        if rule.when is None or holds(rule.when, units, names):
            grade, rationale = rule.grade, fill(rule.because, names, []) if reasons else ""
            break
    capped: str | None = None
    for cap in level.caps:
        names = {}
        if holds(cap.when, units, names) and scale.index(grade) < scale.index(cap.at_most):
            grade = cap.at_most
            if reasons:
                capped = fill(cap.because, names, [])
                rationale = f"{rationale} {capped}"
    return grade, rationale, capped


#: Replaces a grade the policy gave by the inspectors' judgement on it, if one holds
#: (:meth:`grader.grading.judgements.Judge.grade`); applied before the grade rolls further up.
JudgeGrade = Callable[[GradeFinding], GradeFinding]


def roll_up(pack: RulePack, findings: Sequence[CriterionFinding],
            judge: JudgeGrade | None = None) -> tuple[GradeFinding | None, list[GradeFinding]]:
    """The overall grade (None when the pack declares none) and each graded pillar's grade, both
    as assessed and after mitigation. Ungraded areas are left out: see :func:`ungraded_areas`."""
    policy = pack.manifest.policy
    scale = pack.scale_ids
    labels = {g.id: g.label for g in pack.manifest.scale}
    pillars: list[GradeFinding] = []
    for pillar in pack.graded_pillars:
        mine = [f for f in findings if f.pillar == pillar.id]
        after = [Unit(f.criterion, f.outcome, f.significant, f.mitigated) for f in mine]
        before = [Unit(f.criterion, f.assessed_outcome, f.significant, False) for f in mine]
        grade, rationale, capped = decide(policy.pillar, after, scale)
        assessed, assessed_rationale, _ = decide(policy.pillar, before, scale)
        finding = GradeFinding(
            id=pillar.id, title=pillar.title, grade=grade, label=labels[grade], assessed_grade=assessed,
            rationale=rationale, assessed_rationale=assessed_rationale,
            rests_on=[f.criterion for f in mine], evidence=_evidence_of(mine), capped_by=capped,
        )
        pillars.append(judge(finding) if judge is not None else finding)
    if policy.overall is None:
        return None, pillars
    after = [Unit(p.id, p.grade) for p in pillars]
    before = [Unit(p.id, p.assessed_grade) for p in pillars]
    grade, rationale, capped = decide(policy.overall, after, scale)
    assessed, assessed_rationale, _ = decide(policy.overall, before, scale)
    overall = GradeFinding(
        id="overall", title=pack.manifest.title, grade=grade, label=labels[grade], assessed_grade=assessed,
        rationale=rationale, assessed_rationale=assessed_rationale, rests_on=[p.id for p in pillars],
        evidence=sorted({e for p in pillars for e in p.evidence}), capped_by=capped,
    )
    return (judge(overall) if judge is not None else overall), pillars


def _evidence_of(findings: Sequence[CriterionFinding]) -> list[str]:
    return sorted({e for f in findings for e in [*f.evidence, *(f.mitigation.evidence if f.mitigation else [])]})


def ungraded_areas(pack: RulePack, findings: Sequence[CriterionFinding]) -> list[AreaFinding]:
    """The areas the pack reports on but never grades (``graded: false``), with what they cite."""
    out = []
    for pillar in pack.manifest.pillars:
        if not pillar.graded:
            mine = [f for f in findings if f.pillar == pillar.id]
            out.append(AreaFinding(id=pillar.id, title=pillar.title, rests_on=[f.criterion for f in mine],
                                   evidence=_evidence_of(mine)))
    return out
