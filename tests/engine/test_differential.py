"""Differential test: the durable-rules path against a tiny reference evaluator.

The reference evaluator below reads the item-condition syntax tree (Test / AllOf / AnyOf /
NotOf from grader.models.pack) and decides, in plain Python, whether an EvidenceItem matches,
following docs/rule-language.md. Hypothesis generates random conditions and random items; the
conditions are compiled by grader.engine.compiler into probes, the items turned into engine
facts by grader.engine.facts, and everything matched by grader.engine.matcher.Matcher. The ids
the engine matched must equal the ids the reference evaluator picks.

Indicator figures are drawn from small binary-exact sets and comparators are never negative
(the compiler defines ratio for a positive comparator only; rates are never negative).

Expressions with more than 15 and/or nodes, which durable-rules refuses with error 113 and grader
refuses as RULE-144 (test_durable_traps.py), are out of the generated space: conditions here
have at most 5 tests, which stays below that.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from grader.engine.compiler import TextNeedles, _probe, probe_key
from grader.engine.facts import engine_fact
from grader.engine.matcher import Matcher
from grader.loading.conditions import count_tests
from grader.models.evidence import EvidenceItem
from grader.models.pack import AllOf, AnyOf, CountClause, NotOf
from grader.models.pack import Test as CondTest

CRITERION = "T-01"
PILLAR = "alpha"

# --- the reference evaluator -------------------------------------------------------------------

_MISSING = object()


def _subject_value(t: CondTest, item: EvidenceItem) -> Any:
    if t.subject == "fact":
        return item.facts.get(t.name, _MISSING)
    value = {
        "kind": item.kind,
        "pillar": item.pillar,
        "marking": item.marking,
        "source.document": item.source.document,
        "source.section": item.source.section,
        "source.list": item.source.list,
        "indicator.measure": item.indicator.measure if item.indicator else None,
        "indicator.unit": item.indicator.unit if item.indicator else None,
        "indicator.value": _none(_indicator_numbers(item)[0]),
        "indicator.comparator": _none(_indicator_numbers(item)[1]),
    }[t.name]
    return _MISSING if value is None else value


def _none(x: Any) -> Any:
    return None if x is _MISSING else x


def _same_type(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, int | float) or isinstance(b, int | float):
        return isinstance(a, int | float) and isinstance(b, int | float)
    return type(a) is type(b)


def _eq(a: Any, b: Any) -> bool:
    return _same_type(a, b) and a == b


def _indicator_numbers(item: EvidenceItem) -> tuple[Any, Any]:
    """(latest value, comparator value) of an indicator, each _MISSING unless a number."""
    ind = item.indicator
    if ind is None:
        return _MISSING, _MISSING
    latest = ind.values[-1].value
    comp = ind.comparator.value if ind.comparator is not None else None
    return (latest if isinstance(latest, float) else _MISSING,
            comp if isinstance(comp, float) else _MISSING)


def ref_compare(t: CondTest, item: EvidenceItem) -> bool:
    """``ratio`` is latest value / comparator (defined for a positive comparator only);
    ``difference`` is latest value - comparator. 'not applicable' values never compare."""
    value, comp = _indicator_numbers(item)
    if value is _MISSING or comp is _MISSING:
        return False
    if t.name == "ratio":
        if comp <= 0:
            return False
        x = value / comp
    else:
        x = value - comp
    bounds = {"lt": lambda v: x < v, "lte": lambda v: x <= v, "gt": lambda v: x > v, "gte": lambda v: x >= v,
              "between": lambda v: v[0] <= x <= v[1]}
    return bounds[t.op](t.value)


def ref_test(t: CondTest, item: EvidenceItem) -> bool:
    """One test on one item, as docs/rule-language.md describes it."""
    if t.subject == "compare":
        return ref_compare(t, item)
    if t.subject == "field" and t.name == "tags":
        return t.value in item.tags
    if t.subject == "field" and t.name == "criteria":
        return t.value in item.criteria
    if t.subject == "field" and t.name == "statement":
        return t.value.casefold() in item.statement.casefold()
    value = _subject_value(t, item)
    if t.op == "exists":
        return value is not _MISSING
    if t.op == "absent":
        return value is _MISSING
    if value is _MISSING:
        return False  # a test on a fact the item lacks is false
    v = t.value
    if t.op == "equals":
        return _eq(value, v)
    if t.op == "not_equals":
        return not _eq(value, v)
    if t.op == "one_of":
        return any(_eq(value, x) for x in v)
    if t.op == "contains":
        return isinstance(value, str) and v.casefold() in value.casefold()
    if isinstance(value, bool) or not isinstance(value, int | float | dt.date):
        return False
    if t.op == "lt":
        return value < v
    if t.op == "lte":
        return value <= v
    if t.op == "gt":
        return value > v
    if t.op == "gte":
        return value >= v
    if t.op == "between":
        return v[0] <= value <= v[1]
    raise AssertionError(t.op)


def ref(cond: Any, item: EvidenceItem) -> bool:
    if isinstance(cond, CondTest):
        return ref_test(cond, item)
    if isinstance(cond, NotOf):
        return not ref(cond.item, item)
    if isinstance(cond, AllOf):
        return all(ref(c, item) for c in cond.items)
    assert isinstance(cond, AnyOf)
    return any(ref(c, item) for c in cond.items)


def in_scope(scope: str, item: EvidenceItem) -> bool:
    if scope == "all":
        return True
    return CRITERION in item.criteria if scope == "criterion" else item.pillar == PILLAR


# --- generators ----------------------------------------------------------------------------------

KINDS = ["strength", "work-in-progress", "area-for-improvement", "observation"]
TAGS = ["analysis", "hub", "cover"]
NAMES = ["Major Crime Unit", "regional hub", "HUB", "analyst team", "Straße", "5", ""]
NEEDLES = ["hub", "UNIT", "a", "strasse", "5", "team"]
STATEMENTS = ["The analyst team is dedicated.", "A regional HUB exists.", "Nothing found.",
              "Cover from MÜLLER's unit.", "Five (5) trained officers."]
SECTIONS = ["Summary 1", "Summary 2"]
NUMBERS = st.one_of(st.integers(-3, 12), st.sampled_from([0.5, 2.5, 7.25, -1.5]))
DATES = st.dates(dt.date(2008, 1, 1), dt.date(2008, 12, 31))

FACTS: dict[str, tuple[str, st.SearchStrategy[Any]]] = {
    "flag": ("bool", st.booleans()),
    "other_flag": ("bool", st.booleans()),
    "count": ("number", NUMBERS),
    "score": ("number", NUMBERS),
    "name": ("text", st.sampled_from(NAMES)),
    "seen": ("date", DATES),
}


@st.composite
def fact_tests(draw: st.DrawFn) -> CondTest:
    name = draw(st.sampled_from(sorted(FACTS)))
    ftype, values = FACTS[name]
    ops = ["equals", "not_equals", "one_of", "exists", "absent"]
    if ftype in ("number", "date"):
        ops += ["lt", "lte", "gt", "gte", "between"]
    if ftype == "text":
        ops += ["contains"]
    op = draw(st.sampled_from(ops))
    if op in ("exists", "absent"):
        value: Any = True
    elif op == "one_of":
        value = draw(st.lists(values, min_size=1, max_size=3))
    elif op == "between":
        value = sorted([draw(values), draw(values)])
    elif op == "contains":
        value = draw(st.sampled_from(NEEDLES))
    else:
        value = draw(values)
    return CondTest(subject="fact", name=name, op=op, value=value)


field_tests = st.one_of(
    st.builds(lambda k: CondTest(subject="field", name="kind", op="equals", value=k), st.sampled_from(KINDS)),
    st.builds(lambda ks: CondTest(subject="field", name="kind", op="one_of", value=ks),
              st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True)),
    st.builds(lambda k: CondTest(subject="field", name="kind", op="not_equals", value=k), st.sampled_from(KINDS)),
    st.builds(lambda t: CondTest(subject="field", name="tags", op="contains", value=t), st.sampled_from(TAGS)),
    st.builds(lambda w: CondTest(subject="field", name="statement", op="contains", value=w), st.sampled_from(NEEDLES)),
    st.builds(lambda s: CondTest(subject="field", name="source.section", op="equals", value=s), st.sampled_from(SECTIONS)),
    st.builds(lambda m: CondTest(subject="field", name="marking", op=m[0], value=m[1]),
              st.sampled_from([("equals", "OFFICIAL"), ("not_equals", "SECRET"), ("equals", "SECRET")])),
    st.builds(lambda op: CondTest(subject="field", name="source.list", op=op, value=True),
              st.sampled_from(["exists", "absent"])),
    st.just(CondTest(subject="field", name="criteria", op="contains", value="T-02")),
)

# Indicator figures chosen so that value / comparator and comparator * r are exact in binary:
# the comparison is then decided by the numbers, not by rounding.
IND_VALUES = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0, 4.0, "not applicable"])
IND_COMPARATORS = st.sampled_from([None, 0.0, 1.0, 2.0, 4.0, "not applicable"])
RATIOS = st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0])
DIFFERENCES = st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0])


@st.composite
def compare_tests(draw: st.DrawFn) -> CondTest:
    name = draw(st.sampled_from(["ratio", "difference"]))
    values = RATIOS if name == "ratio" else DIFFERENCES
    op = draw(st.sampled_from(["lt", "lte", "gt", "gte", "between"]))
    value: Any = sorted([draw(values), draw(values)]) if op == "between" else draw(values)
    return CondTest(subject="compare", name=name, op=op, value=value)


indicator_field_tests = st.one_of(
    st.builds(lambda op, v: CondTest(subject="field", name="indicator.value", op=op, value=v),
              st.sampled_from(["lt", "gte", "equals"]), st.sampled_from([0.5, 1.0, 2.0])),
    st.builds(lambda op: CondTest(subject="field", name="indicator.comparator", op=op, value=True),
              st.sampled_from(["exists", "absent"])),
    st.builds(lambda u: CondTest(subject="field", name="indicator.unit", op="equals", value=u),
              st.sampled_from(["percent", "per-1k-population"])),
    st.builds(lambda m: CondTest(subject="field", name="indicator.measure", op="contains", value=m),
              st.sampled_from(["rate", "DETECT"])),
)

# (st.one_of flattens nested one_of, so weight the categories explicitly: half are fact tests)
_CATEGORIES = [fact_tests()] * 5 + [field_tests] * 2 + [compare_tests()] * 2 + [indicator_field_tests]
tests_ = st.sampled_from(range(len(_CATEGORIES))).flatmap(lambda i: _CATEGORIES[i])

conditions = st.recursive(
    tests_,
    lambda children: st.one_of(
        st.builds(lambda xs: AllOf(items=xs), st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda xs: AnyOf(items=xs), st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda x: NotOf(item=x), children),
        st.builds(lambda x: NotOf(item=x), children),
    ),
    max_leaves=5,
)


@st.composite
def items(draw: st.DrawFn, n: int) -> EvidenceItem:
    facts = {}
    for name, (_, values) in FACTS.items():
        if draw(st.booleans()):
            facts[name] = draw(values)
    source: dict[str, Any] = {"document": "doc-1", "section": draw(st.sampled_from(SECTIONS))}
    if draw(st.booleans()):
        source["list"] = "strengths"
    extra: dict[str, Any] = {"kind": draw(st.sampled_from(KINDS))}
    if draw(st.integers(0, 2)) == 0:
        block: dict[str, Any] = {
            "measure": draw(st.sampled_from(["crime_rate", "detection_rate"])), "label": "A figure",
            "unit": draw(st.sampled_from(["percent", "per-1k-population"])),
            "values": [{"period": "2006", "value": draw(IND_VALUES)}, {"period": "2007", "value": draw(IND_VALUES)}],
        }
        comparator = draw(IND_COMPARATORS)
        if comparator is not None:
            block["comparator"] = {"label": "MSF group mean", "value": comparator}
        extra = {"kind": "indicator", "indicator": block}
    return EvidenceItem.model_validate({
        **extra,
        "id": f"E-{n}",
        "pillar": draw(st.sampled_from([PILLAR, PILLAR, "beta"])),
        "criteria": draw(st.sampled_from([[CRITERION], [CRITERION, "T-02"], [], ["T-02"]])),
        "statement": draw(st.sampled_from(STATEMENTS)),
        "facts": facts,
        "tags": draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=3)),
        "source": source,
        "verified": True,
        "marking": draw(st.sampled_from(["OFFICIAL", "OFFICIAL", "SECRET"])),
        "collected": dt.date(2008, 7, 1),
    })


@st.composite
def evidence(draw: st.DrawFn) -> list[EvidenceItem]:
    n = draw(st.integers(0, 10))
    return [draw(items(i)) for i in range(n)]


# --- the property --------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conds=st.lists(st.tuples(conditions, st.sampled_from(["criterion", "pillar", "all"])), min_size=1,
                                max_size=6),
       evidence_items=evidence())
def test_engine_matches_equal_the_reference_evaluator(conds, evidence_items) -> None:
    for cond, _ in conds:
        assume(count_tests(cond) <= 5)
    needles = TextNeedles()
    clauses = [CountClause(key=f"c{i}", scope=scope, form="some", n=1, where=cond)
               for i, (cond, scope) in enumerate(conds)]
    probes = [_probe(probe_key(CRITERION, c), c, CRITERION, PILLAR, needles) for c in clauses]
    facts = [(item.id, engine_fact(item, needles)) for item in evidence_items]
    with Matcher(probes) as matcher:
        result = matcher.match(facts)
    for clause, (cond, scope) in zip(clauses, conds, strict=True):
        got = [m[0] for m in result.get(probe_key(CRITERION, clause), [])]
        expected = sorted(i.id for i in evidence_items if in_scope(scope, i) and ref(cond, i))
        assert got == expected, (cond, scope)


# --- the reference evaluator itself, on hand-written cases ---------------------------------------


def _item(**facts: Any) -> EvidenceItem:
    return EvidenceItem.model_validate({
        "id": "X", "pillar": PILLAR, "criteria": [CRITERION], "kind": "strength", "statement": "A HUB.",
        "facts": facts, "tags": ["hub"], "source": {"document": "doc-1", "section": "Summary 1"},
        "verified": True, "marking": "OFFICIAL", "collected": dt.date(2008, 7, 1)})


def test_reference_evaluator_follows_the_documented_semantics() -> None:
    it = _item(flag=True, count=5, name="Regional Hub")
    T = CondTest
    assert ref(T(subject="fact", name="count", op="equals", value=5.0), it)
    assert not ref(T(subject="fact", name="flag", op="equals", value=1), it)  # types must agree
    assert not ref(T(subject="fact", name="score", op="gt", value=0), it)  # missing fact: false
    assert ref(NotOf(item=T(subject="fact", name="score", op="gt", value=0)), it)  # ... and not() true
    assert not ref(T(subject="fact", name="score", op="not_equals", value=1), it)  # must be present
    assert ref(T(subject="fact", name="name", op="contains", value="HUB"), it)
    assert ref(T(subject="field", name="statement", op="contains", value="hub"), it)
    assert ref(T(subject="field", name="tags", op="contains", value="hub"), it)
    assert ref(T(subject="field", name="source.list", op="absent", value=True), it)
    assert ref(AllOf(items=[T(subject="fact", name="count", op="between", value=[5, 5]),
                            AnyOf(items=[T(subject="field", name="kind", op="equals", value="interview"),
                                         T(subject="fact", name="flag", op="exists", value=True)])]), it)


# --- exhaustive: every single test and its negation over a fixed pool of items -------------------


def _pool() -> list[EvidenceItem]:
    """Items that sit on, below and above every threshold below, or lack the fact."""
    out = []
    values: list[dict[str, Any]] = [
        {}, {"flag": True, "count": 0, "name": "HUB", "seen": dt.date(2008, 1, 1)},
        {"flag": False, "count": 2, "name": "regional hub", "seen": dt.date(2008, 6, 1)},
        {"count": 5, "score": 2.5, "name": "", "seen": dt.date(2008, 6, 2)},
        {"count": -1.5, "score": 5, "name": "5", "other_flag": True},
        {"count": 12, "flag": True, "name": "Straße", "seen": dt.date(2008, 12, 31)},
    ]
    for n, facts in enumerate(values):
        out.append(EvidenceItem.model_validate({
            "id": f"P-{n}", "pillar": PILLAR, "criteria": [CRITERION], "kind": KINDS[n % len(KINDS)],
            "statement": STATEMENTS[n % len(STATEMENTS)], "facts": facts, "tags": TAGS[: n % 4],
            "source": {"document": "doc-1", "section": SECTIONS[n % 2]}, "verified": True,
            "marking": "OFFICIAL", "collected": dt.date(2008, 7, 1)}))
    return out


def _single_tests() -> list[CondTest]:
    grid: dict[str, list[Any]] = {
        "flag": [True, False], "other_flag": [True],
        "count": [-1.5, 0, 2, 2.0, 5, 12], "score": [2.5, 5],
        "name": ["HUB", "hub", "", "5", "Straße"],
        "seen": [dt.date(2008, 1, 1), dt.date(2008, 6, 1), dt.date(2008, 6, 2)],
    }
    out: list[CondTest] = []
    for name, values in grid.items():
        ftype = FACTS[name][0]
        for op in ("exists", "absent"):
            out.append(CondTest(subject="fact", name=name, op=op, value=True))
        for v in values:
            for op in ("equals", "not_equals"):
                out.append(CondTest(subject="fact", name=name, op=op, value=v))
            if ftype in ("number", "date"):
                for op in ("lt", "lte", "gt", "gte"):
                    out.append(CondTest(subject="fact", name=name, op=op, value=v))
                out.append(CondTest(subject="fact", name=name, op="between", value=[v, v]))
        out.append(CondTest(subject="fact", name=name, op="one_of", value=values[:2]))
        if ftype in ("number", "date"):
            out.append(CondTest(subject="fact", name=name, op="between", value=[values[0], values[-1]]))
    for needle in NEEDLES:
        out.append(CondTest(subject="fact", name="name", op="contains", value=needle))
        out.append(CondTest(subject="field", name="statement", op="contains", value=needle))
    for kind in KINDS:
        out.append(CondTest(subject="field", name="kind", op="equals", value=kind))
    for tag in TAGS:
        out.append(CondTest(subject="field", name="tags", op="contains", value=tag))
    return out


def test_every_single_test_and_its_negation() -> None:
    pool = _pool()
    needles = TextNeedles()
    conds: list[Any] = [c for t in _single_tests() for c in (t, NotOf(item=t))]
    clauses = [CountClause(key=f"s{i}", form="some", n=1, where=c) for i, c in enumerate(conds)]
    probes = [_probe(probe_key(CRITERION, c), c, CRITERION, PILLAR, needles) for c in clauses]
    with Matcher(probes) as matcher:
        result = matcher.match([(item.id, engine_fact(item, needles)) for item in pool])
    mismatches = []
    for clause, cond in zip(clauses, conds, strict=True):
        got = [m[0] for m in result.get(probe_key(CRITERION, clause), [])]
        expected = [i.id for i in pool if ref(cond, i)]
        if got != expected:
            mismatches.append((cond, got, expected))
    assert not mismatches
    assert len(conds) > 200
