"""The same predicates as the engine, evaluated by a plain Python loop over the same items.

The benchmark sets this beside grader's engine path (evidence -> engine facts -> durable-rules)
so each figure has a yardstick: how long the simplest honest program takes to find the same
matches. It reads the pack's condition tree (grader.models.pack) and the loaded EvidenceItems,
follows docs/rule-language.md, and returns matches in the engine's shape
(``{probe key: sorted tuples of ids}``) so the benchmark can check both found the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from grader.engine.compiler import counting_clauses, probe_key
from grader.models.evidence import EvidenceItem
from grader.models.pack import AllOf, AnyOf, CountClause, NotOf, PairClause, RulePack, Test

_MISSING = object()


def _number(v: Any) -> Any:
    return _MISSING if v is None or isinstance(v, str) else v


def _field(item: EvidenceItem, name: str) -> Any:
    ind = item.indicator
    value = {
        "kind": item.kind,
        "pillar": item.pillar,
        "marking": item.marking,
        "source.document": item.source.document,
        "source.section": item.source.section,
        "source.list": item.source.list,
        "indicator.measure": ind.measure if ind else None,
        "indicator.unit": ind.unit if ind else None,
        "indicator.value": _number(ind.latest.value) if ind else None,
        "indicator.comparator": _number(ind.comparator.value) if ind and ind.comparator else None,
    }[name]
    return _MISSING if value is None else value


def _same_type(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, int | float) or isinstance(b, int | float):
        return isinstance(a, int | float) and isinstance(b, int | float)
    return type(a) is type(b)


def _compare(t: Test, item: EvidenceItem) -> bool:
    ind = item.indicator
    if ind is None:
        return False
    value = _number(ind.latest.value)
    comp = _number(ind.comparator.value) if ind.comparator else _MISSING
    if value is _MISSING or comp is _MISSING:
        return False
    if t.name == "ratio":
        if comp <= 0:
            return False
        x = value / comp
    else:
        x = value - comp
    return _order(t.op, x, t.value)


def _order(op: str, x: Any, v: Any) -> bool:
    if op == "lt":
        return x < v
    if op == "lte":
        return x <= v
    if op == "gt":
        return x > v
    if op == "gte":
        return x >= v
    if op == "between":
        return v[0] <= x <= v[1]
    raise ValueError(op)


def test(t: Test, item: EvidenceItem) -> bool:
    """One test on one item."""
    if t.subject == "compare":
        return _compare(t, item)
    if t.subject == "field" and t.name == "tags":
        return t.value in item.tags
    if t.subject == "field" and t.name == "criteria":
        return t.value in item.criteria
    if t.subject == "field" and t.name == "statement":
        return str(t.value).casefold() in item.statement.casefold()
    value = item.facts.get(t.name, _MISSING) if t.subject == "fact" else _field(item, t.name)
    if t.op == "exists":
        return value is not _MISSING
    if t.op == "absent":
        return value is _MISSING
    if value is _MISSING:
        return False
    v = t.value
    if t.op == "equals":
        return _same_type(value, v) and value == v
    if t.op == "not_equals":
        return not (_same_type(value, v) and value == v)
    if t.op == "one_of":
        return any(_same_type(value, x) and value == x for x in v)
    if t.op == "contains":
        return isinstance(value, str) and str(v).casefold() in value.casefold()
    if isinstance(value, bool) or not isinstance(value, int | float | dt.date):
        return False
    return _order(t.op, value, v)


def holds(cond: Any, item: EvidenceItem) -> bool:
    if isinstance(cond, Test):
        return test(cond, item)
    if isinstance(cond, NotOf):
        return not holds(cond.item, item)
    if isinstance(cond, AllOf):
        return all(holds(c, item) for c in cond.items)
    assert isinstance(cond, AnyOf)
    return any(holds(c, item) for c in cond.items)


def _pair_value(item: EvidenceItem, name: str) -> Any:
    if name.startswith("facts."):
        return item.facts.get(name[len("facts."):], _MISSING)
    return _field(item, name)


def clauses(pack: RulePack) -> list[tuple[str, CountClause | PairClause, str | None, str | None]]:
    """(probe key, clause, criterion, pillar) for every counting clause, as the compiler lists them."""
    out: dict[str, tuple[str, CountClause | PairClause, str | None, str | None]] = {}
    shared = [*pack.manifest.uplifts, *pack.manifest.shared_concerns]
    for crit in pack.criteria:
        for rule in [*crit.rules, *crit.mitigations, *crit.concerns, *crit.uplifts, *shared]:
            for clause in counting_clauses(rule.when):
                key = probe_key(crit.id, clause)
                out.setdefault(key, (key, clause, crit.id, crit.pillar))
    for note in pack.manifest.context_notes:
        for clause in counting_clauses(note.when):
            key = probe_key(None, clause)
            out.setdefault(key, (key, clause, None, None))
    return list(out.values())


def match(pack_clauses: Sequence[tuple[str, CountClause | PairClause, str | None, str | None]],
          items: Sequence[EvidenceItem]) -> dict[str, list[tuple[str, ...]]]:
    """Every clause over every in-scope verified item: the plain loop."""
    verified = [i for i in items if i.verified]
    by_criterion: dict[str, list[EvidenceItem]] = {}
    by_pillar: dict[str, list[EvidenceItem]] = {}
    for i in verified:
        for c in i.criteria:
            by_criterion.setdefault(c, []).append(i)
        by_pillar.setdefault(i.pillar, []).append(i)
    found: dict[str, list[tuple[str, ...]]] = {}
    for key, clause, crit, pillar in pack_clauses:
        if clause.scope == "criterion" and crit is not None:
            scope = by_criterion.get(crit, [])
        elif clause.scope == "pillar" and pillar is not None:
            scope = by_pillar.get(pillar, [])
        else:
            scope = verified
        if isinstance(clause, CountClause):
            hits = [(i.id,) for i in scope if holds(clause.where, i)]
        else:
            firsts = [i for i in scope if holds(clause.first, i)]
            seconds = [i for i in scope if holds(clause.second, i)]
            hits = []
            for a in firsts:
                for b in seconds:
                    if a.id == b.id:
                        continue
                    if all(_pair_value(a, f) is not _MISSING and _same_type(_pair_value(a, f), _pair_value(b, f))
                           and _pair_value(a, f) == _pair_value(b, f) for f in clause.same):
                        hits.append((a.id, b.id))
        if hits:
            found[key] = sorted(set(hits))
    return dict(sorted(found.items()))
