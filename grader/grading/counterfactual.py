"""What would change a grade: the smallest set of outcome changes that moves it up or down.

Used by the report's "what would change the grade" and "why this grade" sections. It reruns the
pack's own roll-up (grading.rollup.decide) on hypothetical outcomes, so it can never disagree
with how the grade was actually decided. Changes are searched in pack order, smallest sets
first; a rise changes outcomes to the best grade, a fall to the worst, which finds the minimal
set whenever the policy is monotone (more good outcomes never lower a grade), as packs are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from grader.grading.rollup import Unit, decide
from grader.models.pack import Level, RulePack
from grader.models.result import Counterfactual, CriterionFinding, GradeFinding, OutcomeChange, Sensitivity

#: Largest set of changes searched, and most hypothetical roll-ups tried per grade. Past these,
#: "what would change the grade" is reported as not found (None) rather than slowing grading.
MAX_CHANGES = 6
MAX_TRIALS = 5_000


def _count_vectors(sizes: list[int], k: int) -> Iterator[tuple[int, ...]]:
    """Every way to take ``k`` units from groups of the given sizes, first groups first."""
    if not sizes:
        if k == 0:
            yield ()
        return
    for take in range(min(k, sizes[0]), -1, -1):
        for rest in _count_vectors(sizes[1:], k - take):
            yield (take, *rest)


def _search(level: Level, units: Sequence[Unit], scale: list[str], current: str, direction: int) -> Counterfactual | None:
    here = scale.index(current)
    if (direction < 0 and here == 0) or (direction > 0 and here == len(scale) - 1):
        return None
    target = scale[0] if direction < 0 else scale[-1]
    # Units alike in (outcome, significance, mitigation) are interchangeable to a roll-up, so the
    # search chooses how many of each kind to change (in pack order), not which ones: Derbyshire's
    # intelligence pillar needs 5 tries instead of 637.
    groups: dict[tuple[str, bool, bool], list[int]] = {}
    for i, u in enumerate(units):
        if u.state != target:
            groups.setdefault((u.state, u.significant, u.mitigated), []).append(i)
    members = list(groups.values())
    trials = 0
    for k in range(1, min(MAX_CHANGES, sum(map(len, members))) + 1):
        for counts in _count_vectors([len(m) for m in members], k):
            trials += 1
            if trials > MAX_TRIALS:
                return None
            chosen = sorted(i for m, c in zip(members, counts, strict=True) for i in m[:c])
            trial = [Unit(u.id, target, u.significant, False) if i in chosen else u for i, u in enumerate(units)]
            grade, _, _ = decide(level, trial, scale, reasons=False)
            moved = scale.index(grade)
            if (direction < 0 and moved < here) or (direction > 0 and moved > here):
                return Counterfactual(grade=grade, changes=[
                    OutcomeChange(id=units[i].id, was=units[i].state, becomes=target) for i in chosen])
    return None


def sensitivity(pack: RulePack, findings: Sequence[CriterionFinding], pillars: Sequence[GradeFinding],
                overall: GradeFinding | None) -> list[Sensitivity]:
    """For each pillar (criterion changes) and overall (pillar changes; none when the pack has
    no overall grade): rise and fall."""
    policy = pack.manifest.policy
    scale = pack.scale_ids
    out: list[Sensitivity] = []
    for pillar in pillars:
        units = [Unit(f.criterion, f.outcome, f.significant, f.mitigated) for f in findings if f.pillar == pillar.id]
        out.append(Sensitivity(id=pillar.id,
                               rise=_search(policy.pillar, units, scale, pillar.grade, -1),
                               fall=_search(policy.pillar, units, scale, pillar.grade, +1)))
    if overall is None or policy.overall is None:
        return out
    units = [Unit(p.id, p.grade) for p in pillars]
    out.append(Sensitivity(id="overall",
                           rise=_search(policy.overall, units, scale, overall.grade, -1),
                           fall=_search(policy.overall, units, scale, overall.grade, +1)))
    return out
