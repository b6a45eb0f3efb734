"""Which facts a pack's rules test, and which of them a rule cannot hold without.

Evidence tools need this to help an inspector: a capture sheet offers a column per fact the
pillar's rules test, an imported report lists the facts to fill in per criterion, and
``grader evidence check`` reports a criterion whose rules need a fact that no item provides
(the criterion would otherwise end "insufficient evidence" with no hint why).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from grader.models.pack import (
    AllOf,
    AnyOf,
    Clause,
    ClauseAll,
    ClauseAny,
    ClauseNot,
    Cond,
    CountClause,
    Criterion,
    NotOf,
    PairClause,
    RulePack,
    Test,
)

#: Operators that can hold on an item without the fact (``absent``; ``not_equals`` may too).
_NO_FACT_NEEDED = ("absent", "not_equals")
#: Most alternatives kept when expanding a condition (``any`` inside ``all`` multiplies them).
_MAX_ALTERNATIVES = 256


def cond_facts(cond: Cond) -> list[str]:
    """Every fact ``cond`` tests, in the order written."""
    if isinstance(cond, Test):
        return [cond.name] if cond.subject == "fact" else []
    if isinstance(cond, NotOf):
        return cond_facts(cond.item)
    return [f for c in cond.items for f in cond_facts(c)]


def clause_facts(clause: Clause) -> list[str]:
    """Every fact the counting clauses of ``clause`` test (and pair clauses compare), in order."""
    if isinstance(clause, CountClause):
        return cond_facts(clause.where)
    if isinstance(clause, PairClause):
        same = [s.split(".", 1)[1] for s in clause.same if s.startswith("facts.")]
        return [*cond_facts(clause.first), *cond_facts(clause.second), *same]
    if isinstance(clause, ClauseNot):
        return clause_facts(clause.item)
    return [f for c in clause.items for f in clause_facts(c)]


@dataclass(frozen=True)
class RuleRef:
    """A rule of a criterion (or of the pack, applied to every criterion)."""

    criterion: str | None  # None: a pack-level uplift or shared concern
    section: str  # rules, mitigations, concerns, uplifts
    rule: str
    outcome: str  # outcome, basis, concern or target grade
    clause: Clause

    @property
    def label(self) -> str:
        return f"{self.criterion + ' ' if self.criterion else ''}{self.section[:-1]} {self.rule}"


def criterion_rules(criterion: Criterion) -> list[RuleRef]:
    """The criterion's own rules, mitigations, concerns and uplifts, in pack order."""
    out = [RuleRef(criterion.id, "rules", r.id, r.outcome, r.when) for r in criterion.rules]
    out += [RuleRef(criterion.id, "mitigations", m.id, m.basis, m.when) for m in criterion.mitigations]
    out += [RuleRef(criterion.id, "concerns", c.id, c.concern, c.when) for c in criterion.concerns]
    out += [RuleRef(criterion.id, "uplifts", u.id, u.to, u.when) for u in criterion.uplifts]
    return out


def pack_rules(pack: RulePack) -> list[RuleRef]:
    """Pack-level uplifts and shared concerns (tried on every criterion)."""
    m = pack.manifest
    return [*(RuleRef(None, "uplifts", u.id, u.to, u.when) for u in m.uplifts),
            *(RuleRef(None, "concerns", c.id, c.concern, c.when) for c in m.shared_concerns)]


def facts_by_criterion(pack: RulePack) -> dict[str, list[str]]:
    """Criterion id -> the facts its own rules test (first use first), in pack order."""
    return {c.id: _dedupe(f for r in criterion_rules(c) for f in clause_facts(r.clause)) for c in pack.criteria}


def pack_level_facts(pack: RulePack) -> list[str]:
    """Facts the pack-level uplifts and shared concerns test."""
    return _dedupe(f for r in pack_rules(pack) for f in clause_facts(r.clause))


def _dedupe(names: object) -> list[str]:
    seen: dict[str, None] = {}
    for n in names:  # type: ignore[attr-defined]
        seen.setdefault(n, None)
    return list(seen)


# --- what a rule cannot hold without ----------------------------------------------------------------


def _cond_needs(cond: Cond) -> list[frozenset[str]]:
    """Alternatives of fact sets: an item can match ``cond`` only if it has all facts of one."""
    if isinstance(cond, Test):
        if cond.subject == "fact" and cond.op not in _NO_FACT_NEEDED:
            return [frozenset([cond.name])]
        return [frozenset()]
    if isinstance(cond, NotOf):
        return [frozenset()]
    if isinstance(cond, AnyOf):
        return _minimal([a for c in cond.items for a in _cond_needs(c)])
    assert isinstance(cond, AllOf)
    combos: list[frozenset[str]] = [frozenset()]
    for child in cond.items:
        combos = _minimal([a | b for a, b in product(combos, _cond_needs(child))])[:_MAX_ALTERNATIVES]
    return combos


def _minimal(sets: list[frozenset[str]]) -> list[frozenset[str]]:
    uniq = sorted(set(sets), key=lambda s: (len(s), sorted(s)))
    out: list[frozenset[str]] = []
    for s in uniq:
        if not any(o <= s for o in out):
            out.append(s)
    return out


@dataclass(frozen=True)
class Need:
    """A counting clause that must match some item, and the fact sets that could let it."""

    clause: CountClause | PairClause
    alternatives: tuple[frozenset[str], ...]


def clause_needs(clause: Clause) -> list[list[Need]]:
    """Ways ``clause`` can hold: each way is a list of counting clauses that must all match an item.

    ``none``/``at_most`` clauses and anything under ``not`` need no item, so they add nothing.
    """
    if isinstance(clause, CountClause):
        if clause.form in ("some", "at_least", "exactly") and (clause.form == "some" or clause.n > 0):
            return [[Need(clause, tuple(_cond_needs(clause.where)))]]
        return [[]]
    if isinstance(clause, PairClause):
        both = _minimal([a | b for a, b in product(_cond_needs(clause.first), _cond_needs(clause.second))])
        return [[Need(clause, tuple(both))]]
    if isinstance(clause, ClauseNot):
        return [[]]
    if isinstance(clause, ClauseAny):
        return [way for c in clause.items for way in clause_needs(c)][:_MAX_ALTERNATIVES]
    assert isinstance(clause, ClauseAll)
    ways: list[list[Need]] = [[]]
    for child in clause.items:
        ways = [[*a, *b] for a, b in product(ways, clause_needs(child))][:_MAX_ALTERNATIVES]
    return ways
