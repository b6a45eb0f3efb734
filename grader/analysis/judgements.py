"""Judgements across results: what changed in them year on year, and where forces were judged.

A judgement is the inspectors' decision, not the rules' nor the evidence's, so ``diff`` lists
judgement changes apart from rule and evidence changes, and ``moderate`` lists every judgement
that applied across the programme so that a panel can see where inspectors overrode the rules
(and whether like cases were overridden alike). Both read only the results' ``judgements``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from grader.models.judgement import AppliedJudgement
from grader.models.result import GradingResult

#: Fields whose change makes a judgement "changed" (its state is compared on its own).
_CONTENT = ("outcome", "rule_outcome", "reason", "by", "role", "date", "expires")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JudgementChange(_Out):
    """A judgement added, removed, changed, gone stale or expired (or applying again) between two results."""

    target: str
    change: Literal["added", "removed", "changed", "stale", "expired", "applies again"]
    was: str | None
    now: str | None
    fields: list[str]
    why: str


def _words(j: AppliedJudgement | None) -> str | None:
    if j is None:
        return None
    return f"{j.outcome} ({j.state}; rules: {j.rules_now}) by {j.by}, {j.date}"


def judgement_changes(old: GradingResult, new: GradingResult) -> list[JudgementChange]:
    """Every judgement that differs between ``old`` and ``new``, by target, in the newer order."""
    before = {j.target: j for j in old.judgements}
    after = {j.target: j for j in new.judgements}
    out: list[JudgementChange] = []
    for target in dict.fromkeys([*after, *before]):
        o, n = before.get(target), after.get(target)
        fields = [f for f in _CONTENT if o is not None and n is not None and getattr(o, f) != getattr(n, f)]
        if o is None:
            assert n is not None
            change, why = "added", f"judgement added: {target} judged {n.outcome} by {n.by} ({n.state})"
        elif n is None:
            change, why = "removed", f"judgement removed: {target} had been judged {o.outcome} by {o.by}"
        elif o.state != n.state and n.state in ("stale", "expired"):
            change = n.state
            why = (f"judgement on {target} is now stale: the rules give {n.rules_now}, it answered {n.rule_outcome}"
                   if n.state == "stale" else f"judgement on {target} expired on {n.expires}")
        elif o.state != n.state:
            change, why = "applies again", f"judgement on {target} applies again ({o.state} before)"
        elif fields:
            change, why = "changed", f"judgement on {target} changed: {', '.join(fields)}"
        else:
            continue
        out.append(JudgementChange(target=target, change=change, was=_words(o), now=_words(n),
                                   fields=fields, why=why))
    return out


class ForceJudgement(_Out):
    """One judgement that applied in one force's result."""

    target: str
    evidence_set: str
    force: str
    outcome: str
    rule_outcome: str
    by: str
    role: str
    reason: str


def judgements_across(results: Sequence[tuple[str, GradingResult]]) -> list[ForceJudgement]:
    """Every applied judgement of every result, by target (pack order of criteria first) then set id."""
    order: dict[str, int] = {}
    for _, r in results:
        for c in r.framework.criteria:
            order.setdefault(c.id, len(order))
        for p in r.framework.pillars:
            order.setdefault(p.id, len(order))
    order.setdefault("overall", len(order))
    found = [ForceJudgement(target=j.target, evidence_set=r.meta.evidence_set.id, force=r.meta.evidence_set.force,
                            outcome=j.outcome, rule_outcome=j.rule_outcome, by=j.by, role=j.role, reason=j.reason)
             for _, r in results for j in r.judgements if j.state == "applied"]
    return sorted(found, key=lambda f: (order.get(f.target, len(order)), f.target, f.evidence_set))
