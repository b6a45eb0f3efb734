"""What would change a grade: the smallest set of outcome changes that moves it up or down.

Used by the report's "what would change the grade" and "why this grade" sections. It reruns the
pack's own roll-up (grading.rollup.decide) on hypothetical outcomes, so it can never disagree
with how the grade was actually decided. Changes are searched in pack order, smallest sets
first; a rise changes outcomes to the best grade, a fall to the worst, which finds the minimal
set whenever the policy is monotone (more good outcomes never lower a grade), as packs are.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from grader.grading.rollup import Unit, decide
from grader.models.pack import Level, RulePack
from grader.models.result import Counterfactual, CriterionFinding, GradeFinding, OutcomeChange, Sensitivity

#: Largest set of changes searched, and most hypothetical roll-ups tried per grade. Past these,
#: "what would change the grade" is reported as not found (None) rather than slowing grading.
MAX_CHANGES = 6
MAX_TRIALS = 5_000


def _search(level: Level, units: Sequence[Unit], scale: list[str], current: str, direction: int) -> Counterfactual | None:
    here = scale.index(current)
    if (direction < 0 and here == 0) or (direction > 0 and here == len(scale) - 1):
        return None
    target = scale[0] if direction < 0 else scale[-1]
    candidates = [i for i, u in enumerate(units) if u.state != target]
    trials = 0
    for k in range(1, min(MAX_CHANGES, len(candidates)) + 1):
        for chosen in combinations(candidates, k):
            trials += 1
            if trials > MAX_TRIALS:
                return None
            trial = [Unit(u.id, target, u.significant, False) if i in chosen else u for i, u in enumerate(units)]
            grade, _, _ = decide(level, trial, scale)
            moved = scale.index(grade)
            if (direction < 0 and moved < here) or (direction > 0 and moved > here):
                return Counterfactual(grade=grade, changes=[
                    OutcomeChange(id=units[i].id, was=units[i].state, becomes=target) for i in chosen])
    return None


def sensitivity(pack: RulePack, findings: Sequence[CriterionFinding], pillars: Sequence[GradeFinding],
                overall: GradeFinding) -> list[Sensitivity]:
    """For each pillar (criterion changes) and overall (pillar changes): rise and fall."""
    policy = pack.manifest.policy
    scale = pack.scale_ids
    out: list[Sensitivity] = []
    for pillar in pillars:
        units = [Unit(f.criterion, f.outcome, f.significant, f.mitigated) for f in findings if f.pillar == pillar.id]
        out.append(Sensitivity(id=pillar.id,
                               rise=_search(policy.pillar, units, scale, pillar.grade, -1),
                               fall=_search(policy.pillar, units, scale, pillar.grade, +1)))
    units = [Unit(p.id, p.grade) for p in pillars]
    out.append(Sensitivity(id="overall",
                           rise=_search(policy.overall, units, scale, overall.grade, -1),
                           fall=_search(policy.overall, units, scale, overall.grade, +1)))
    return out
