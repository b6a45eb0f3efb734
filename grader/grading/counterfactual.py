"""What would change a grade: the smallest set of outcome changes that moves it one step.

Used by the report's "what would change the grade" and "why this grade" sections. It reruns the
pack's own roll-up (grading.rollup.decide) on hypothetical outcomes, so it can never disagree
with how the grade was actually decided.

A rise aims at the *next* grade up, and changes outcomes only as far as that grade (a failing
pillar is raised by criteria that come to meet the standard, not to exceed it); only if that
cannot reach it are better outcomes tried. A fall is the mirror image. Criteria (or pillars)
that the policy counts alike are interchangeable, so the search decides how many of each kind
change, not which; when fewer than all of a kind would do, the result says "any k of these n"
(:class:`~grader.models.result.AnyOf`) instead of naming an arbitrary k of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from grader.grading.rollup import Unit, decide
from grader.models.pack import NOT_APPLICABLE, Level, OutcomeCount, RollClause, RollNot, RulePack
from grader.models.result import AnyOf, Counterfactual, CriterionFinding, GradeFinding, OutcomeChange, Sensitivity

#: Most hypothetical roll-ups tried per grade. Past this, "what would change the grade" is
#: reported as not found (None) rather than slowing grading. Interchangeable units are counted,
#: not enumerated, so real packs need a few dozen at most.
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


def _counts(clause: RollClause | None) -> Iterator[OutcomeCount]:
    if clause is None:
        return
    if isinstance(clause, OutcomeCount):
        yield clause
    elif isinstance(clause, RollNot):
        yield from _counts(clause.item)
    else:
        for item in clause.items:
            yield from _counts(item)


def _signature(level: Level, state: str) -> tuple[bool, ...]:
    """How the policy sees an outcome: which of its counts count it. Outcomes with the same
    signature (``fails`` and ``insufficient-evidence``, in the bundled pack) are alike to it."""
    clauses = [c for rule in level.rules for c in _counts(rule.when)]
    clauses += [c for cap in level.caps for c in _counts(cap.when)]
    seen = []
    for c in clauses:
        wanted = c.outcome if c.outcome is not None else c.grade
        seen.append(wanted is None or state in wanted)
    return (state == NOT_APPLICABLE, *seen)


def _rank(scale: list[str], state: str) -> int:
    """Position on the scale, best first; an outcome off the scale (insufficient evidence) is
    below every grade."""
    return scale.index(state) if state in scale else len(scale)


def _search(level: Level, units: Sequence[Unit], scale: list[str], current: str, direction: int) -> Counterfactual | None:
    """``direction`` -1 rises one grade, +1 falls one grade."""
    here = scale.index(current)
    goal = here + direction
    if not 0 <= goal < len(scale):
        return None
    # the goal grade itself first, then further (a rise that needs outcomes beyond the goal)
    targets = range(goal, -1, -1) if direction < 0 else range(goal, len(scale))
    for t in targets:
        found = _search_to(level, units, scale, here, direction, scale[t])
        if found is not None:
            return found
    return None


def _search_to(level: Level, units: Sequence[Unit], scale: list[str], here: int, direction: int,
               target: str) -> Counterfactual | None:
    """The fewest units changed to ``target`` that move the grade past ``here`` in ``direction``."""
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, u in enumerate(units):
        if u.state == NOT_APPLICABLE:
            continue
        better = _rank(scale, u.state) > _rank(scale, target)
        if (direction < 0 and better) or (direction > 0 and _rank(scale, u.state) < _rank(scale, target)):
            groups.setdefault((_signature(level, u.state), u.significant, u.mitigated), []).append(i)
    members = list(groups.values())
    trials = 0
    for k in range(1, sum(map(len, members)) + 1):
        for counts in _count_vectors([len(m) for m in members], k):
            trials += 1
            if trials > MAX_TRIALS:
                return None
            chosen = sorted(i for m, c in zip(members, counts, strict=True) for i in m[:c])
            trial = [Unit(u.id, target, u.significant, False) if i in chosen else u for i, u in enumerate(units)]
            grade, _, _ = decide(level, trial, scale, reasons=False)
            moved = scale.index(grade)
            if (direction < 0 and moved < here) or (direction > 0 and moved > here):
                return _result(grade, units, scale, target, chosen, members, counts)
    return None


def _result(grade: str, units: Sequence[Unit], scale: list[str], target: str, chosen: list[int],
            members: list[list[int]], counts: tuple[int, ...]) -> Counterfactual:
    any_of = []
    for m, c in zip(members, counts, strict=True):
        if 0 < c < len(m):
            was = sorted({units[i].state for i in m}, key=lambda s: (_rank(scale, s), s))
            any_of.append(AnyOf(k=c, n=len(m), ids=[units[i].id for i in m], was=was, becomes=target))
    return Counterfactual(grade=grade, any_of=any_of, changes=[
        OutcomeChange(id=units[i].id, was=units[i].state, becomes=target) for i in chosen])


def sensitivity(pack: RulePack, findings: Sequence[CriterionFinding], pillars: Sequence[GradeFinding],
                overall: GradeFinding | None) -> list[Sensitivity]:
    """For each pillar (criterion changes) and overall (pillar changes; none when the pack has
    no overall grade): one grade up and down."""
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
