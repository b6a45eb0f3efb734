"""Reasoning about rule conditions without any evidence: can this ever match, does that imply this.

``grader rules check`` uses it to find rules no evidence could ever reach (a contradictory
condition, or a rule below one that holds whenever it does) and numeric bands that leave values
uncovered. Every answer is *sound*: "can never match" and "implies" are said only when proved;
when in doubt (an unusual shape, a condition too large to expand) the answer is "could", and
check stays silent rather than raise a false alarm.

How: a condition is put in negation normal form (``not`` pushed down to single tests, as the
compiler does) and expanded into its alternatives (each a list of tests that must all hold).
An alternative is satisfiable when, for every fact or field it tests, some value (or the value
being absent) passes all its tests on that fact or field; the values worth trying are finite
(the constants the tests name, the points between and beyond them). Different facts are
treated as independent, which can only make a contradiction harder to prove, never invent one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import product
from typing import Any, get_args

from grader.grading.text import describe_test
from grader.loading.conditions import FIELDS
from grader.models.evidence import EvidenceKind, IndicatorUnit, Marking, SourceList
from grader.models.pack import (
    AllOf,
    Clause,
    ClauseAll,
    ClauseNot,
    Cond,
    CountClause,
    FactSpec,
    NotOf,
    PairClause,
    Test,
)

#: Most alternatives a condition may expand to before reasoning gives up (answers "could").
MAX_ALTERNATIVES = 4096
#: Item fields every evidence item has, so "absent" never satisfies a test on them.
ALWAYS_PRESENT = {"kind", "pillar", "marking", "source.document", "source.section", "statement"}
#: Item fields whose values come from a fixed list.
FIELD_CHOICES: dict[str, tuple[str, ...]] = {
    "kind": get_args(EvidenceKind),
    "marking": get_args(Marking),
    "source.list": get_args(SourceList),
    "indicator.unit": get_args(IndicatorUnit),
}
INF = math.inf


class TooLarge(Exception):
    """A condition expands to more alternatives than :data:`MAX_ALTERNATIVES`."""


# --- literals: one test, maybe negated ------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """One single test on one item, or its negation (true also for an item lacking the value)."""

    test: Test
    negated: bool = False

    @property
    def key(self) -> tuple[str, ...]:
        t = self.test
        if t.subject == "field" and FIELDS.get(t.name) == "list":
            return ("member", t.name, str(t.value))
        return (t.subject, t.name)

    def words(self) -> str:
        return describe_test(self.test, self.negated)

    def ident(self) -> str:
        return json.dumps([self.test.model_dump(mode="json"), self.negated], sort_keys=True)


def _same(a: Any, b: Any) -> bool:
    """Equality as the loader allows it: booleans never equal numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _present_pred(t: Test) -> Callable[[Any], bool]:
    """Whether a present value passes the (positive) test ``t``."""
    op, v = t.op, t.value
    if t.subject == "field" and FIELDS.get(t.name) == "list":
        return lambda x: True  # the member is present
    if op == "exists":
        return lambda x: True
    if op == "absent":
        return lambda x: False
    if op == "equals":
        return lambda x: _same(x, v)
    if op == "not_equals":
        return lambda x: not _same(x, v)
    if op == "one_of":
        return lambda x: any(_same(x, y) for y in v)
    if op == "contains":
        needle = str(v).casefold()
        return lambda x: isinstance(x, str) and needle in x.casefold()
    if op == "between":
        lo, hi = v
        return lambda x: _ordered(x, lo) and lo <= x <= hi
    cmp = {"lt": lambda x: x < v, "lte": lambda x: x <= v, "gt": lambda x: x > v, "gte": lambda x: x >= v}[op]
    return lambda x: _ordered(x, v) and cmp(x)


def _ordered(x: Any, v: Any) -> bool:
    if isinstance(x, bool) or isinstance(v, bool):
        return False
    if isinstance(v, dt.date):
        return isinstance(x, dt.date)
    return isinstance(x, int | float) and isinstance(v, int | float)


def _missing_ok(t: Test) -> bool:
    """Whether an item that lacks the value passes the (positive) test ``t``."""
    return t.op == "absent" and not (t.subject == "field" and FIELDS.get(t.name) == "list")


def lit_holds(lit: Lit, value: Any, present: bool) -> bool:
    """Whether an item whose value for the literal's subject is ``value`` passes it."""
    positive = _present_pred(lit.test)(value) if present else _missing_ok(lit.test)
    return positive != lit.negated


# --- domains: the values worth trying -------------------------------------------------------


@dataclass
class Domain:
    """What is known of the facts and fields a condition may test."""

    facts: dict[str, FactSpec]
    pillars: list[str] = field(default_factory=list)
    kinds: tuple[str, ...] = FIELD_CHOICES["kind"]  # the built-in kinds, then those the pack adds

    def kind_of(self, key: tuple[str, ...]) -> str:
        subject, name = key[0], key[1]
        if subject == "member":
            return "member"
        if subject == "fact":
            spec = self.facts.get(name)
            return spec.type if spec else "text"
        if subject == "compare":
            return "number"
        if name in FIELD_CHOICES or name == "pillar":
            return "enum"
        ftype = FIELDS.get(name, "text")
        return "text" if ftype == "statement" else ftype

    def always_present(self, key: tuple[str, ...]) -> bool:
        return key[0] == "field" and key[1] in ALWAYS_PRESENT

    def candidates(self, key: tuple[str, ...], lits: list[Lit]) -> list[Any]:
        kind = self.kind_of(key)
        if kind == "member":
            return [True]
        if kind == "bool":
            return [True, False]
        if kind == "enum":
            if key[1] in ("pillar", "kind"):
                return list(self.pillars if key[1] == "pillar" else self.kinds)
            return list(FIELD_CHOICES[key[1]])
        consts: list[Any] = []
        for lit in lits:
            v = lit.test.value
            if isinstance(v, list):
                consts.extend(v)
            elif lit.test.op not in ("exists", "absent"):
                consts.append(v)
        if kind == "date":
            days = sorted({c for c in consts if isinstance(c, dt.date)})
            one = dt.timedelta(days=1)
            out: list[Any] = list(days)
            for d in days:
                out.extend((d - one, d + one))
            return out or [dt.date(2000, 1, 1)]
        if kind == "number":
            nums = sorted({float(c) for c in consts if isinstance(c, int | float) and not isinstance(c, bool)})
            if not nums:
                return [0.0]
            out = list(nums)
            out.extend((a + b) / 2 for a, b in zip(nums, nums[1:], strict=False))
            out.extend((nums[0] - 1, nums[-1] + 1))
            return out
        # text: the constants, every needle the value must contain, and a value matching nothing
        needles = [str(lit.test.value) for lit in lits if lit.test.op == "contains" and not lit.negated]
        texts = [c for c in consts if isinstance(c, str)]
        return [*texts, "\n".join(needles), ""]


def key_satisfiable(domain: Domain, key: tuple[str, ...], lits: list[Lit]) -> bool:
    """Can one item pass every literal in ``lits`` (all on the same ``key``)?"""
    if not domain.always_present(key) and all(lit_holds(lit, None, False) for lit in lits):
        return True
    return any(all(lit_holds(lit, v, True) for lit in lits) for v in domain.candidates(key, lits))


def conflict(domain: Domain, lits: Iterable[Lit]) -> list[Lit] | None:
    """The literals on the first key no item can satisfy, or None when all can be."""
    by_key: dict[tuple[str, ...], list[Lit]] = {}
    for lit in lits:
        by_key.setdefault(lit.key, []).append(lit)
    for key, group in by_key.items():
        if not key_satisfiable(domain, key, group):
            return group
    return None


# --- item conditions: negation normal form and alternatives ----------------------------------


@dataclass(frozen=True)
class Alternative:
    """One way a condition can hold: all these literals, and which ``any`` branches it took."""

    lits: tuple[Lit, ...]
    branches: frozenset[tuple[str, int]] = frozenset()


PathKey = tuple[str | int, ...]


def alternatives(cond: Cond, negate: bool = False, path: PathKey = ()) -> list[Alternative]:
    """Expand ``cond`` (or its negation) into its alternatives; raise TooLarge beyond the cap.

    Each ``any`` branch taken is recorded as (path of the ``any`` written, branch index), so a
    branch that can never hold can be reported where it was written.
    """
    if isinstance(cond, Test):
        return [Alternative((Lit(cond, negate),))]
    if isinstance(cond, NotOf):
        return alternatives(cond.item, not negate, (*path, "not"))
    word = "all" if isinstance(cond, AllOf) else "any"
    kids = [alternatives(c, negate, (*path, word, i)) for i, c in enumerate(cond.items)]
    conjunctive = isinstance(cond, AllOf) != negate
    if not conjunctive:
        out: list[Alternative] = []
        tag = json.dumps([str(p) for p in (*path, word)])
        for i, alts in enumerate(kids):
            out.extend(Alternative(a.lits, a.branches | {(tag, i)}) for a in alts)
        if len(out) > MAX_ALTERNATIVES:
            raise TooLarge
        return out
    total = 1
    for alts in kids:
        total *= len(alts)
    if total > MAX_ALTERNATIVES:
        raise TooLarge
    return [Alternative(tuple(lit for a in combo for lit in a.lits), frozenset().union(*(a.branches for a in combo)))
            for combo in product(*kids)]


class Reasoner:
    """Satisfiability and implication of item conditions, cached, for one pack."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self._sat: dict[str, bool | None] = {}

    def satisfiable(self, cond: Cond, extra: tuple[Test, ...] = ()) -> bool | None:
        """True / False when proved, None when too large to tell."""
        key = json.dumps([cond.model_dump(mode="json"), [t.model_dump(mode="json") for t in extra]], sort_keys=True)
        if key not in self._sat:
            try:
                alts = alternatives(AllOf(items=[cond, *extra]) if extra else cond)
            except TooLarge:
                self._sat[key] = None
            else:
                self._sat[key] = any(conflict(self.domain, a.lits) is None for a in alts)
        return self._sat[key]

    def never(self, cond: Cond, extra: tuple[Test, ...] = ()) -> bool:
        return self.satisfiable(cond, extra) is False

    def implies(self, p: Cond, q: Cond, p_extra: tuple[Test, ...] = (), q_extra: tuple[Test, ...] = ()) -> bool:
        """Proved: every item that passes ``p`` (and ``p_extra``) passes ``q`` (and ``q_extra``)."""
        left: Cond = AllOf(items=[p, *p_extra]) if p_extra else p
        right: Cond = AllOf(items=[q, *q_extra]) if q_extra else q
        return self.never(AllOf(items=[left, NotOf(item=right)]))

    def why_never(self, cond: Cond, extra: tuple[Test, ...] = ()) -> str:
        """The clash behind a condition that can never match, in inspector words."""
        try:
            alts = alternatives(AllOf(items=[cond, *extra]) if extra else cond)
        except TooLarge:
            return "it is contradictory"
        clashes = []
        for a in alts:
            group = conflict(self.domain, a.lits)
            if group is not None:
                text = " and ".join(dict.fromkeys(lit.words() for lit in group))
                if text not in clashes:
                    clashes.append(text)
        if not clashes:
            return "it is contradictory"
        if len(clashes) == 1:
            return f"no item can pass both: {clashes[0]}"
        return "every alternative clashes: " + "; ".join(clashes[:3]) + ("; ..." if len(clashes) > 3 else "")

    def dead_branches(self, cond: Cond, extra: tuple[Test, ...] = ()) -> list[PathKey]:
        """Paths (inside ``cond``, as written) of ``any`` branches that can never hold together
        with the rest of the condition, when the condition as a whole can."""
        try:
            alts = alternatives(cond)
        except TooLarge:
            return []
        ok: dict[tuple[str, int], bool] = {}
        extra_lits = tuple(Lit(t) for t in extra)
        for a in alts:
            fine = conflict(self.domain, (*a.lits, *extra_lits)) is None
            for b in a.branches:
                ok[b] = ok.get(b, False) or fine
        if not any(ok.values()):
            return []
        out = []
        for (tag, i), fine in sorted(ok.items()):
            if not fine:
                out.append((*(_unjson(p) for p in json.loads(tag)), i))
        return out


def _unjson(part: str) -> str | int:
    return int(part) if part.isdigit() else part


# --- clauses: counts over items, combined by all / any / not ---------------------------------


@dataclass(frozen=True)
class Count:
    """``lo <= number of in-scope items passing cond <= hi`` (scope written as extra tests)."""

    lo: int
    hi: float
    cond: Cond
    extra: tuple[Test, ...]


@dataclass(frozen=True)
class Pair:
    clause: PairClause
    extra: tuple[Test, ...]
    negated: bool = False


@dataclass(frozen=True)
class Both:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Either:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Const:
    value: bool


Node = Count | Pair | Both | Either | Const



def scope_tests(scope: str, criterion: str | None, pillar: str | None) -> tuple[Test, ...]:
    """The clause's scope as item tests (criterion scope: the item informs the criterion)."""
    if scope == "criterion" and criterion is not None:
        return (Test(subject="field", name="criteria", op="contains", value=criterion),)
    if scope == "pillar" and pillar is not None:
        return (Test(subject="field", name="pillar", op="equals", value=pillar),)
    return ()


def _bounds(c: CountClause) -> tuple[int, float]:
    if c.form == "some":
        return 1, INF
    if c.form == "none":
        return 0, 0
    if c.form == "at_least":
        return c.n, INF
    if c.form == "at_most":
        return 0, c.n
    return c.n, c.n


def _count(lo: int, hi: float, cond: Cond, extra: tuple[Test, ...]) -> Node:
    if lo > hi:
        return Const(False)
    return Count(lo, hi, cond, extra)


def normal(clause: Clause, criterion: str | None, pillar: str | None, negate: bool = False) -> Node:
    """The clause in negation normal form, with each count's scope made explicit."""
    if isinstance(clause, CountClause):
        lo, hi = _bounds(clause)
        extra = scope_tests(clause.scope, criterion, pillar)
        if not negate:
            return _count(lo, hi, clause.where, extra)
        parts = []
        if lo > 0:
            parts.append(_count(0, lo - 1, clause.where, extra))
        if hi < INF:
            parts.append(_count(int(hi) + 1, INF, clause.where, extra))
        return Either(tuple(parts)) if len(parts) > 1 else (parts[0] if parts else Const(False))
    if isinstance(clause, PairClause):
        return Pair(clause, scope_tests(clause.scope, criterion, pillar), negate)
    if isinstance(clause, ClauseNot):
        return normal(clause.item, criterion, pillar, not negate)
    kids = tuple(normal(c, criterion, pillar, negate) for c in clause.items)
    return Both(kids) if isinstance(clause, ClauseAll) != negate else Either(kids)


def negation(node: Node) -> Node:
    if isinstance(node, Const):
        return Const(not node.value)
    if isinstance(node, Count):
        parts = []
        if node.lo > 0:
            parts.append(_count(0, node.lo - 1, node.cond, node.extra))
        if node.hi < INF:
            parts.append(_count(int(node.hi) + 1, INF, node.cond, node.extra))
        return Either(tuple(parts)) if len(parts) > 1 else (parts[0] if parts else Const(False))
    if isinstance(node, Pair):
        return Pair(node.clause, node.extra, not node.negated)
    if isinstance(node, Both):
        return Either(tuple(negation(x) for x in node.items))
    return Both(tuple(negation(x) for x in node.items))


class ClauseLogic:
    """Never / always / implies for clauses, built on :class:`Reasoner`."""

    def __init__(self, reasoner: Reasoner) -> None:
        self.r = reasoner

    def never(self, node: Node) -> bool:
        if isinstance(node, Const):
            return not node.value
        if isinstance(node, Count):
            return node.lo >= 1 and self.r.never(node.cond, node.extra)
        if isinstance(node, Pair):
            if node.negated:
                return False
            c = node.clause
            return self.r.never(c.first, node.extra) or self.r.never(c.second, node.extra)
        if isinstance(node, Either):
            return all(self.never(x) for x in node.items)
        items = node.items
        if any(self.never(x) for x in items):
            return True
        return any(i != j and self.implies(a, negation(b)) for i, a in enumerate(items) for j, b in enumerate(items))

    def always(self, node: Node) -> bool:
        if isinstance(node, Const):
            return node.value
        if isinstance(node, Count):
            return node.lo == 0 and (node.hi == INF or self.r.never(node.cond, node.extra))
        if isinstance(node, Pair):
            if not node.negated:
                return False
            c = node.clause
            return self.r.never(c.first, node.extra) or self.r.never(c.second, node.extra)
        if isinstance(node, Both):
            return all(self.always(x) for x in node.items)
        items = node.items
        if any(self.always(x) for x in items):
            return True
        return any(i != j and self.implies(negation(a), b) for i, a in enumerate(items) for j, b in enumerate(items))

    def implies(self, b: Node, a: Node) -> bool:
        """Proved: whenever ``b`` holds, ``a`` holds."""
        if isinstance(b, Const) and not b.value or isinstance(a, Const) and a.value:
            return True
        if isinstance(a, Both):
            return all(self.implies(b, x) for x in a.items)
        if isinstance(b, Either):
            return all(self.implies(x, a) for x in b.items)
        if isinstance(a, Either) and any(self.implies(b, x) for x in a.items):
            return True
        if isinstance(b, Both) and any(self.implies(x, a) for x in b.items):
            return True
        if isinstance(b, Count) and isinstance(a, Count):
            return self._count_implies(b, a)
        if isinstance(b, Pair) and isinstance(a, Count) and not b.negated:
            return self._pair_implies_count(b, a)
        if isinstance(b, Pair) and isinstance(a, Pair) and not b.negated and not a.negated:
            return self._pair_implies_pair(b, a)
        return False

    def _count_implies(self, b: Count, a: Count) -> bool:
        r = self.r
        if b.lo >= 1 and r.never(b.cond, b.extra):
            return True  # b never holds
        lower = a.lo == 0 or (b.lo >= a.lo and r.implies(b.cond, a.cond, b.extra, a.extra))
        if not lower:
            return False
        return a.hi == INF or r.never(a.cond, a.extra) or (
            b.hi <= a.hi and r.implies(a.cond, b.cond, a.extra, b.extra))

    def _pair_implies_count(self, b: Pair, a: Count) -> bool:
        if a.hi != INF:
            return False
        if a.lo == 0:
            return True
        c, r = b.clause, self.r
        first = r.implies(c.first, a.cond, b.extra, a.extra)
        second = r.implies(c.second, a.cond, b.extra, a.extra)
        return a.lo <= (2 if first and second else 1 if first or second else 0)

    def _pair_implies_pair(self, b: Pair, a: Pair) -> bool:
        cb, ca, r = b.clause, a.clause, self.r
        if not set(ca.same) <= set(cb.same):
            return False
        straight = (r.implies(cb.first, ca.first, b.extra, a.extra)
                    and r.implies(cb.second, ca.second, b.extra, a.extra))
        swapped = (r.implies(cb.first, ca.second, b.extra, a.extra)
                   and r.implies(cb.second, ca.first, b.extra, a.extra))
        return straight or swapped


# --- numeric bands --------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A stretch of numbers or dates; ``None`` ends are unbounded."""

    lo: Any
    hi: Any
    lo_open: bool = False
    hi_open: bool = False

    def empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        return self.lo > self.hi or (self.lo == self.hi and (self.lo_open or self.hi_open))


def _intersect(a: Interval, b: Interval) -> Interval:
    lo, lo_open = a.lo, a.lo_open
    if b.lo is not None and (lo is None or b.lo > lo or (b.lo == lo and b.lo_open)):
        lo, lo_open = b.lo, b.lo_open
    hi, hi_open = a.hi, a.hi_open
    if b.hi is not None and (hi is None or b.hi < hi or (b.hi == hi and b.hi_open)):
        hi, hi_open = b.hi, b.hi_open
    return Interval(lo, hi, lo_open, hi_open)


def intersect_sets(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out = [_intersect(x, y) for x in a for y in b]
    return normalise([i for i in out if not i.empty()])


def normalise(ints: list[Interval]) -> list[Interval]:
    """Sorted, merged, non-empty intervals."""
    items = [i for i in ints if not i.empty()]
    items.sort(key=lambda i: (i.lo is not None, i.lo if i.lo is not None else 0, i.lo_open))
    out: list[Interval] = []
    for i in items:
        if out:
            last = out[-1]
            touches = last.hi is None or i.lo is None or i.lo < last.hi or (
                i.lo == last.hi and not (last.hi_open and i.lo_open))
            if touches:
                if last.hi is None or (i.hi is not None and (i.hi < last.hi or (i.hi == last.hi and not last.hi_open))):
                    hi, hi_open = last.hi, last.hi_open
                else:
                    hi, hi_open = i.hi, i.hi_open
                out[-1] = Interval(last.lo, hi, last.lo_open, hi_open)
                continue
        out.append(i)
    return out


def complement(ints: list[Interval]) -> list[Interval]:
    ints = normalise(ints)
    out: list[Interval] = []
    lo, lo_open = None, False
    for i in ints:
        if i.lo is not None:
            out.append(Interval(lo, i.lo, lo_open, not i.lo_open))
        if i.hi is None:
            return normalise(out)
        lo, lo_open = i.hi, not i.hi_open
    out.append(Interval(lo, None, lo_open, False))
    return normalise(out)


EVERYTHING = [Interval(None, None)]


def lit_interval(lit: Lit) -> list[Interval] | None:
    """The values a literal allows (None when it is not about order or equality of a number/date)."""
    t = lit.test
    op, v = t.op, t.value
    if op in ("exists", "absent", "contains") or isinstance(v, bool | str):
        return None
    if op == "equals":
        base = [Interval(v, v)]
    elif op == "one_of":
        if any(isinstance(x, bool | str) for x in v):
            return None
        base = normalise([Interval(x, x) for x in v])
    elif op == "not_equals":
        base = [Interval(None, v, False, True), Interval(v, None, True, False)]
    elif op == "between":
        base = [Interval(v[0], v[1])]
    else:
        base = [{"lt": Interval(None, v, False, True), "lte": Interval(None, v),
                 "gt": Interval(v, None, True, False), "gte": Interval(v, None)}[op]]
    return complement(base) if lit.negated else base


def band(cond: Cond, key: tuple[str, ...]) -> list[Interval] | None:
    """Values of ``key`` an item must have to pass ``cond``: None if some alternative does not
    bound ``key`` (then the condition is not a band on it)."""
    try:
        alts = alternatives(cond)
    except TooLarge:
        return None
    out: list[Interval] = []
    for a in alts:
        ints = [lit_interval(lit) for lit in a.lits if lit.key == key]
        ints = [i for i in ints if i is not None]
        if not ints:
            return None
        acc = EVERYTHING
        for i in ints:
            acc = intersect_sets(acc, i)
        out.extend(acc)
    return normalise(out)


def show_value(v: Any) -> str:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def show_interval(i: Interval) -> str:
    """``3``, ``above 3 and below 5``, ``from 3 to 5``... for a gap or an overlap."""
    if i.lo is not None and i.hi is not None and i.lo == i.hi:
        return show_value(i.lo)
    parts = []
    if i.lo is not None:
        parts.append(f"{'above' if i.lo_open else 'from'} {show_value(i.lo)}")
    if i.hi is not None:
        parts.append(f"{'below' if i.hi_open else 'up to'} {show_value(i.hi)}")
    return " ".join(parts) if len(parts) == 2 else (parts[0] if parts else "any value")
