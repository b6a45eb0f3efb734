"""The engine's yardstick: the same predicates as grader's engine, in a plain Python loop written well.

The benchmark sets this beside grader's engine path (evidence -> engine facts -> durable-rules)
so each figure has a fair yardstick: how long a plain program, written as well as one would
write it by hand, takes to find the same matches. It reads the pack's condition tree
(grader.models.pack) and the loaded EvidenceItems, follows docs/rule-language.md, and returns
matches in the engine's shape (``{probe key: sorted tuples of ids}``); tests/batch/test_loop.py
checks that it finds exactly the engine's matches, and the benchmark checks it on every row.

Written as well as it can be, not naively:

- every condition is compiled once per pack (:func:`clauses`) into a closure: a test's field
  getter, operator, value and the value's type are decided then, not at every item;
- a pair clause joins by hash: the second items are indexed by their ``same`` values (with the
  engine's type rule: ``1`` never equals ``true``), and each first item looks its partners up;
- items are grouped by criterion and pillar once per set, as the engine routes each item only
  to the rulesets of its scope.

What it does not do, and the engine does (docs/performance.md): incremental matching (facts
added to or retracted from a running session), checking every declared condition at load
(grader's loader and compiler do that for both), explaining a match (traces, closest misses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from grader.engine.compiler import counting_clauses, probe_key
from grader.models.evidence import EvidenceItem
from grader.models.pack import AllOf, AnyOf, CountClause, NotOf, PairClause, RulePack, Test

_MISSING = object()

Pred = Callable[[EvidenceItem], bool]
Getter = Callable[[EvidenceItem], Any]


def _number(v: Any) -> Any:
    return _MISSING if v is None or isinstance(v, str) else v


def _opt(v: Any) -> Any:
    return _MISSING if v is None else v


def _indicator(get: Callable[[Any], Any]) -> Getter:
    def value(item: EvidenceItem) -> Any:
        ind = item.indicator
        return _MISSING if ind is None else get(ind)

    return value


#: Item fields a condition may name, each as a getter giving ``_MISSING`` for "no value".
FIELDS: dict[str, Getter] = {
    "kind": lambda i: _opt(i.kind),
    "pillar": lambda i: _opt(i.pillar),
    "marking": lambda i: _opt(i.marking),
    "source.document": lambda i: _opt(i.source.document),
    "source.section": lambda i: _opt(i.source.section),
    "source.list": lambda i: _opt(i.source.list),
    "indicator.measure": _indicator(lambda ind: _opt(ind.measure)),
    "indicator.unit": _indicator(lambda ind: _opt(ind.unit)),
    "indicator.value": _indicator(lambda ind: _number(ind.latest.value)),
    "indicator.comparator": _indicator(lambda ind: _number(ind.comparator.value) if ind.comparator else _MISSING),
}


def _getter(subject: str, name: str) -> Getter:
    if subject == "fact":
        return lambda i: i.facts.get(name, _MISSING)
    if name.startswith("facts."):
        fact = name[len("facts."):]
        return lambda i: i.facts.get(fact, _MISSING)
    return FIELDS[name]


def _kind(v: Any) -> Any:
    """The engine's type rule for equality: booleans, numbers (int and float alike), else the type."""
    if isinstance(v, bool):
        return bool
    if isinstance(v, int | float):
        return float
    return type(v)


def _order(op: str, v: Any) -> Callable[[Any], bool]:
    if op == "lt":
        return lambda x: x < v
    if op == "lte":
        return lambda x: x <= v
    if op == "gt":
        return lambda x: x > v
    if op == "gte":
        return lambda x: x >= v
    if op == "between":
        lo, hi = v
        return lambda x: lo <= x <= hi
    raise ValueError(op)


def _compare(t: Test) -> Pred:
    in_order = _order(t.op, t.value)
    ratio = t.name == "ratio"

    def pred(item: EvidenceItem) -> bool:
        ind = item.indicator
        if ind is None or ind.comparator is None:
            return False
        value, comp = _number(ind.latest.value), _number(ind.comparator.value)
        if value is _MISSING or comp is _MISSING:
            return False
        if ratio:
            if comp <= 0:
                return False
            return in_order(value / comp)
        return in_order(value - comp)

    return pred


def compile_test(t: Test) -> Pred:
    """One test, compiled to a predicate on an item."""
    if t.subject == "compare":
        return _compare(t)
    if t.subject == "field" and t.name == "tags":
        tag = t.value
        return lambda i: tag in i.tags
    if t.subject == "field" and t.name == "criteria":
        crit = t.value
        return lambda i: crit in i.criteria
    if t.subject == "field" and t.name == "statement":
        needle = str(t.value).casefold()
        return lambda i: needle in i.statement.casefold()
    get = _getter(t.subject, t.name)
    op, v = t.op, t.value
    if op == "exists":
        return lambda i: get(i) is not _MISSING
    if op == "absent":
        return lambda i: get(i) is _MISSING
    if op in ("equals", "not_equals"):
        kind = _kind(v)
        if op == "equals":
            return lambda i: (x := get(i)) is not _MISSING and _kind(x) is kind and x == v
        return lambda i: (x := get(i)) is not _MISSING and not (_kind(x) is kind and x == v)
    if op == "one_of":
        wanted = {(_kind(x), x) for x in v}
        return lambda i: (x := get(i)) is not _MISSING and (_kind(x), x) in wanted
    if op == "contains":
        needle = str(v).casefold()
        return lambda i: isinstance(x := get(i), str) and needle in x.casefold()
    in_order = _order(op, v)
    return lambda i: (not isinstance(x := get(i), bool) and isinstance(x, int | float | dt.date)
                      and in_order(x))


def compile_cond(cond: Any) -> Pred:
    """A condition tree, compiled to one predicate."""
    if isinstance(cond, Test):
        return compile_test(cond)
    if isinstance(cond, NotOf):
        inner = compile_cond(cond.item)
        return lambda i: not inner(i)
    parts = [compile_cond(c) for c in cond.items]
    if len(parts) == 1:
        return parts[0]
    if isinstance(cond, AllOf):
        return lambda i: all(p(i) for p in parts)
    assert isinstance(cond, AnyOf)
    return lambda i: any(p(i) for p in parts)


class Clause:
    """One counting clause compiled: its probe key, scope, and predicates (and join keys for a pair)."""

    __slots__ = ("key", "scope", "criterion", "pillar", "where", "first", "second", "join")

    def __init__(self, key: str, clause: CountClause | PairClause, criterion: str | None, pillar: str | None):
        self.key, self.scope, self.criterion, self.pillar = key, clause.scope, criterion, pillar
        if isinstance(clause, CountClause):
            self.where: Pred | None = compile_cond(clause.where)
            self.first = self.second = self.join = None
        else:
            self.where = None
            self.first, self.second = compile_cond(clause.first), compile_cond(clause.second)
            getters = [_getter("field", f) for f in clause.same]

            def join(item: EvidenceItem) -> tuple[Any, ...] | None:
                key = []
                for get in getters:
                    x = get(item)
                    if x is _MISSING:
                        return None
                    key.append((_kind(x), x))
                return tuple(key)

            self.join = join


def clauses(pack: RulePack) -> list[Clause]:
    """Every counting clause of ``pack``, compiled once, as the compiler lists them (one per probe key)."""
    out: dict[str, Clause] = {}
    shared = [*pack.manifest.uplifts, *pack.manifest.shared_concerns]
    for crit in pack.criteria:
        for rule in [*crit.rules, *crit.mitigations, *crit.concerns, *crit.uplifts, *shared]:
            for clause in counting_clauses(rule.when):
                key = probe_key(crit.id, clause)
                if key not in out:
                    out[key] = Clause(key, clause, crit.id, crit.pillar)
    for note in pack.manifest.context_notes:
        for clause in counting_clauses(note.when):
            key = probe_key(None, clause)
            if key not in out:
                out[key] = Clause(key, clause, None, None)
    return list(out.values())


def match(pack_clauses: Sequence[Clause], items: Sequence[EvidenceItem]) -> dict[str, list[tuple[str, ...]]]:
    """Every compiled clause over its in-scope verified items: the plain loop."""
    verified = [i for i in items if i.verified]
    by_criterion: dict[str, list[EvidenceItem]] = {}
    by_pillar: dict[str, list[EvidenceItem]] = {}
    for i in verified:
        for c in i.criteria:
            by_criterion.setdefault(c, []).append(i)
        by_pillar.setdefault(i.pillar, []).append(i)
    found: dict[str, list[tuple[str, ...]]] = {}
    for c in pack_clauses:
        if c.scope == "criterion" and c.criterion is not None:
            scope = by_criterion.get(c.criterion, [])
        elif c.scope == "pillar" and c.pillar is not None:
            scope = by_pillar.get(c.pillar, [])
        else:
            scope = verified
        if c.where is not None:
            where = c.where
            hits = [(i.id,) for i in scope if where(i)]
        else:
            assert c.first is not None and c.second is not None and c.join is not None
            index: dict[tuple[Any, ...], list[str]] = {}
            for b in scope:
                if c.second(b) and (k := c.join(b)) is not None:
                    index.setdefault(k, []).append(b.id)
            hits = []
            if index:
                for a in scope:
                    if c.first(a) and (k := c.join(a)) is not None:
                        hits.extend((a.id, b) for b in index.get(k, ()) if b != a.id)
        if hits:
            found[c.key] = sorted(set(hits))
    return dict(sorted(found.items()))
