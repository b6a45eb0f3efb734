"""Decide each criterion's outcome from the engine's matches, following the pack's rules.

The engine has already said which items match each clause. Here clauses are counted and
combined (all / any / not), the first rule that holds decides the outcome, uplifts and
mitigations are applied as the pack declares, and each conclusion keeps the ids of the evidence
it rests on. Nothing here looks at an evidence item's content: only at the engine's matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from grader.engine.compiler import probe_key
from grader.grading.text import describe_clause, describe_need, fill
from grader.models.pack import (
    Clause,
    ClauseAll,
    ClauseAny,
    ClauseNot,
    Concern,
    CountClause,
    Criterion,
    Mitigation,
    PairClause,
    Rule,
    RulePack,
    Uplift,
)
from grader.models.result import (
    CitedItem,
    ClauseTrace,
    ConcernFinding,
    CriterionFinding,
    MitigationFinding,
    NeededEvidence,
    Reason,
    RuleTrace,
)

Matches = Mapping[str, Sequence[tuple[str, ...]]]


@dataclass
class ClauseResult:
    """Whether a clause holds, the evidence it cites, and what each named clause matched."""

    holds: bool
    cites: list[str]
    names: dict[str, list[str]] = field(default_factory=dict)
    traces: list[ClauseTrace] = field(default_factory=list)


def evaluate_clause(clause: Clause, criterion_id: str | None, matches: Matches) -> ClauseResult:
    """Count and combine. A clause that holds cites what its positive parts matched."""
    if isinstance(clause, (CountClause, PairClause)):
        found = matches.get(probe_key(criterion_id, clause), ())
        ids = sorted({i for match in found for i in match})
        holds = len(found) >= 1 if isinstance(clause, PairClause) else _counted(clause, len(ids))
        names = {clause.name: ids} if clause.name else {}
        trace = ClauseTrace(key=clause.key, name=clause.name, holds=holds, matched=ids)
        cites = ids if holds and not (isinstance(clause, CountClause) and clause.form == "none") else []
        return ClauseResult(holds, cites, names, [trace])
    if isinstance(clause, ClauseNot):
        inner = evaluate_clause(clause.item, criterion_id, matches)
        return ClauseResult(not inner.holds, [], inner.names, inner.traces)
    assert isinstance(clause, ClauseAll | ClauseAny)
    parts = [evaluate_clause(c, criterion_id, matches) for c in clause.items]
    holds = all(p.holds for p in parts) if isinstance(clause, ClauseAll) else any(p.holds for p in parts)
    cites: set[str] = set()
    if holds:
        for p in parts:
            if p.holds:
                cites.update(p.cites)
    names: dict[str, list[str]] = {}
    traces: list[ClauseTrace] = []
    for p in parts:
        names.update(p.names)
        traces.extend(p.traces)
    return ClauseResult(holds, sorted(cites), names, traces)


def _counted(clause: CountClause, n: int) -> bool:
    """Whether ``n`` matching items satisfy a counting clause's form."""
    form = clause.form
    if form == "some":
        return n >= 1
    if form == "none":
        return n == 0
    if form == "at_least":
        return n >= clause.n
    if form == "at_most":
        return n <= clause.n
    assert form == "exactly", form
    return n == clause.n


def _trace(section: str, rule: Rule | Mitigation | Concern | Uplift, res: ClauseResult,
           outcome: str | None = None) -> RuleTrace:
    return RuleTrace(rule=f"{section}/{rule.id}", outcome=outcome, holds=res.holds,
                     cites=res.cites, clauses=res.traces)


AREA_FOR_IMPROVEMENT = "area-for-improvement"


UnmetTexts = tuple[list[str], list[NeededEvidence]]


def unmet_texts(crit: Criterion, pack: RulePack) -> UnmetTexts:
    """What a finding says when none of ``crit``'s rules held: each rule as written, and the
    evidence that would satisfy each rule giving a non-adverse outcome in the fact catalogue's
    words. They depend on the pack alone, so a :class:`~grader.grading.run.Grader` works them
    out once for every set it grades (``texts`` of :func:`evaluate_criterion`)."""
    looked_for = [f"{r.outcome} ({r.id}): {describe_clause(r.when)}" for r in crit.rules]
    meanings = {name: spec.description for name, spec in pack.facts.items()}
    adverse = {*pack.manifest.policy.adverse, "insufficient-evidence"}
    would_satisfy = [NeededEvidence(rule=f"rules/{r.id}", outcome=r.outcome, evidence=describe_need(r.when, meanings))
                     for r in crit.rules if r.outcome not in adverse]
    return looked_for, would_satisfy


def evaluate_criterion(crit: Criterion, pack: RulePack, matches: Matches,
                       kinds: Mapping[str, str] | None = None,
                       texts: Mapping[str, UnmetTexts] | None = None) -> CriterionFinding:
    """The finding for one criterion: outcome as assessed, after mitigation, and why.

    ``kinds`` (item id -> kind) lets the finding name the areas for improvement it weighed; the
    roles themselves come only from which rule cited an item (see ``weigh``).
    """
    policy = pack.manifest.policy
    trace: list[RuleTrace] = []
    decided: tuple[Rule, ClauseResult] | None = None
    for rule in crit.rules:
        res = evaluate_clause(rule.when, crit.id, matches)
        trace.append(_trace("rules", rule, res, rule.outcome))
        if res.holds and decided is None:
            decided = (rule, res)

    looked_for: list[str] = []
    would_satisfy: list[NeededEvidence] = []
    if decided is not None:
        rule, res = decided
        assessed = rule.outcome
        decided_by = f"rules/{rule.id}"
        rationale = fill(rule.because, res.names, res.cites)
        evidence = set(res.cites)
    else:
        assessed = crit.otherwise.outcome
        decided_by = "otherwise"
        looked_for, would_satisfy = (texts or {}).get(crit.id) or unmet_texts(crit, pack)
        rationale = crit.otherwise.because or (
            "Not evidenced: none of this criterion's rules was satisfied by the verified evidence."
        )
        evidence = set()

    uplift: Reason | None = None
    for up in [*crit.uplifts, *pack.manifest.uplifts]:
        res = evaluate_clause(up.when, crit.id, matches)
        trace.append(_trace("uplifts", up, res, up.to))
        if uplift is None and res.holds and assessed == up.from_:
            assessed = up.to
            uplift = Reason(rule=f"uplifts/{up.id}", rationale=fill(up.because, res.names, res.cites),
                            evidence=res.cites)
            evidence.update(res.cites)

    outcome = assessed
    mitigation: MitigationFinding | None = None
    for mit in crit.mitigations:
        res = evaluate_clause(mit.when, crit.id, matches)
        trace.append(_trace("mitigations", mit, res, mit.treat_as or policy.mitigated_as))
        if mitigation is None and res.holds and assessed in policy.adverse:
            outcome = mit.treat_as or policy.mitigated_as
            mitigation = MitigationFinding(rule=f"mitigations/{mit.id}", basis=mit.basis,
                                           rationale=fill(mit.because, res.names, res.cites),
                                           evidence=res.cites)

    kinds = kinds or {}
    roles = Roles()
    if mitigation is not None:
        # the adverse rule's items are the shortfall the mitigation relieved: against, named by the mitigation that relieved them
        roles.cite(sorted(evidence), "against", mitigation.rule)
        roles.cite(mitigation.evidence, "supports", mitigation.rule)
    else:
        roles.cite(sorted(evidence - set(uplift.evidence if uplift else [])), "supports", decided_by)
    if uplift is not None:
        roles.cite(uplift.evidence, "supports", uplift.rule)

    concerns: list[ConcernFinding] = []
    weighed: list[str] = []
    for con in [*crit.concerns, *pack.manifest.shared_concerns]:
        res = evaluate_clause(con.when, crit.id, matches)
        trace.append(_trace("concerns", con, res))
        if not res.holds:
            continue
        text = fill(con.because, res.names, res.cites)
        roles.cite(res.cites, con.role, f"concerns/{con.id}")
        if con.role != "against":
            continue
        if any(kinds.get(i) == AREA_FOR_IMPROVEMENT for i in res.cites):
            weighed.append(text)  # a weighed shortfall: the rationale says why the outcome stands
        else:
            concerns.append(ConcernFinding(rule=f"concerns/{con.id}", concern=con.concern,
                                           rationale=text, evidence=res.cites))
    if weighed:
        rationale = " ".join([rationale, *weighed])
    cited = roles.items()

    return CriterionFinding(
        criterion=crit.id,
        pillar=crit.pillar,
        title=crit.title,
        significant=crit.significant,
        outcome=outcome,
        assessed_outcome=assessed,
        decided_by=decided_by,
        rationale=rationale,
        evidence=sorted(evidence),
        looked_for=looked_for,
        would_satisfy=would_satisfy,
        mitigation=mitigation,
        uplift=uplift,
        concerns=concerns,
        cited=cited,
        areas_for_improvement=[c.id for c in cited if kinds.get(c.id) == AREA_FOR_IMPROVEMENT],
        trace=trace,
    )


class Roles:
    """Each cited item's role, first come first served: the deciding rule, mitigation and uplift
    are asked first, then the concerns in pack order, so an item keeps its strongest role."""

    def __init__(self) -> None:
        self._roles: dict[str, CitedItem] = {}

    def cite(self, ids: Sequence[str], role: str, rule: str) -> None:
        for i in ids:
            if i not in self._roles:
                self._roles[i] = CitedItem(id=i, role=role, rule=rule)  # type: ignore[arg-type]

    def items(self) -> list[CitedItem]:
        return [self._roles[i] for i in sorted(self._roles)]
