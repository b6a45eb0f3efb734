"""The rule language end to end: small packs and evidence sets written to tmp_path, loaded with
the real loaders and graded with ``Grader``. Covers every operator, shorthand, negation,
condition and clause combinators, clause forms, scopes, indicator comparisons, outcomes,
uplifts, mitigations, concerns, ``because`` placeholders and unverified items."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import packkit as kit
from grader.errors import InputError
from grader.grading.run import Grader
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack
from grader.models.result import CriterionFinding, GradingResult

D = dt.date


def one_rule_pack(tmp: Path, when: dict[str, Any], *, outcome: str = "meets", because: str = "{hit}",
                  **crit: Any) -> Path:
    return kit.write_pack(tmp, [kit.criterion("T-01", [kit.rule("r", outcome, when, because)], **crit)])


def finding(tmp: Path, when: dict[str, Any], evidence: Path, **kw: Any) -> CriterionFinding:
    return kit.grade(one_rule_pack(tmp, when, **kw), evidence).criterion("T-01")


def matched(tmp: Path, cond: dict[str, Any], evidence: Path, scope: str | None = None) -> list[str]:
    """Ids that a `some` clause named `hit` with condition ``cond`` matched."""
    when: dict[str, Any] = {"name": "hit", "some": cond}
    if scope is not None:
        when["scope"] = scope
    f = finding(tmp, when, evidence)
    assert f.trace[0].clauses[0].name == "hit"
    hits = f.trace[0].clauses[0].matched
    assert f.outcome == ("meets" if hits else "insufficient-evidence")
    return hits


# --- the shared evidence set ---------------------------------------------------------------------

ITEMS = [
    kit.item("A", kind="strength", facts={"flag": True, "count": 5, "score": 2.5, "name": "Major Crime Unit",
                                          "topic": "t1", "seen": D(2008, 3, 1)},
             tags=["analysis", "hub"], statement="The analyst team works around the clock.",
             source={"list": "strengths"}),
    kit.item("B", kind="work-in-progress", facts={"flag": False, "count": 10, "score": 7.0, "name": "regional hub",
                                                  "topic": "t1", "seen": D(2008, 6, 30)},
             tags=["analysis"], statement="A regional HUB is being set up.",
             source={"section": "Intelligence, summary 2"}),
    kit.item("C", kind="area-for-improvement", statement="Nothing else was found."),
    kit.item("D", kind="strength", facts={"count": 0, "other_flag": True, "topic": "t2"},
             marking="OFFICIAL-SENSITIVE", statement="Cover from a neighbouring force."),
    # unverified: would match almost everything, must never be relied on
    kit.item("U", kind="strength", facts={"flag": True, "count": 5, "score": 2.5, "name": "Major Crime Unit",
                                          "topic": "t1", "seen": D(2008, 3, 1), "other_flag": True},
             tags=["analysis", "hub"], statement="The analyst said so.", verified=False),
    # verified, same pillar, informs no criterion
    kit.item("O", criteria=[], facts={"flag": True, "count": 7}),
    # verified, another pillar, informs no criterion
    kit.item("P", criteria=[], pillar="beta", facts={"flag": True, "count": 8}),
]


@pytest.fixture(scope="module")
def ev(tmp_path_factory) -> Path:
    return kit.write_evidence(tmp_path_factory.mktemp("ev"), ITEMS)


# --- every operator, shorthand and negation (scope: criterion) -----------------------------------

CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    # equals: bool, number (int and float), text (exact), date
    ("equals bool", {"fact": "flag", "equals": True}, ["A"]),
    ("equals false", {"fact": "flag", "equals": False}, ["B"]),
    ("equals int", {"fact": "count", "equals": 5}, ["A"]),
    ("equals int as float", {"fact": "count", "equals": 5.0}, ["A"]),
    ("equals zero", {"fact": "count", "equals": 0}, ["D"]),
    ("equals float", {"fact": "score", "equals": 2.5}, ["A"]),
    ("equals text", {"fact": "name", "equals": "Major Crime Unit"}, ["A"]),
    ("equals text is exact", {"fact": "name", "equals": "major crime unit"}, []),
    ("equals date", {"fact": "seen", "equals": D(2008, 3, 1)}, ["A"]),
    # not_equals: present and differs
    ("not_equals bool", {"fact": "flag", "not_equals": True}, ["B"]),
    ("not_equals number", {"fact": "count", "not_equals": 5}, ["B", "D"]),
    ("not_equals text", {"fact": "topic", "not_equals": "t1"}, ["D"]),
    ("not_equals date", {"fact": "seen", "not_equals": D(2008, 3, 1)}, ["B"]),
    # one_of
    ("one_of number", {"fact": "count", "one_of": [5, 0]}, ["A", "D"]),
    ("one_of text", {"fact": "name", "one_of": ["regional hub", "elsewhere"]}, ["B"]),
    ("one_of date", {"fact": "seen", "one_of": [D(2008, 6, 30), D(2001, 1, 1)]}, ["B"]),
    # ordered comparisons on numbers
    ("lt", {"fact": "count", "lt": 5}, ["D"]),
    ("lte", {"fact": "count", "lte": 5}, ["A", "D"]),
    ("gt", {"fact": "count", "gt": 5}, ["B"]),
    ("gte", {"fact": "count", "gte": 5}, ["A", "B"]),
    ("gt float threshold", {"fact": "score", "gt": 2.4}, ["A", "B"]),
    ("lt float", {"fact": "score", "lt": 3}, ["A"]),
    ("gte negative", {"fact": "count", "gte": -1}, ["A", "B", "D"]),
    ("between", {"fact": "count", "between": [1, 10]}, ["A", "B"]),
    ("between inclusive", {"fact": "count", "between": [5, 5]}, ["A"]),
    ("between none", {"fact": "count", "between": [6, 9]}, []),
    # dates
    ("date lt", {"fact": "seen", "lt": D(2008, 6, 1)}, ["A"]),
    ("date lte", {"fact": "seen", "lte": D(2008, 6, 30)}, ["A", "B"]),
    ("date gt", {"fact": "seen", "gt": D(2008, 3, 1)}, ["B"]),
    ("date gte", {"fact": "seen", "gte": D(2008, 6, 30)}, ["B"]),
    ("date between", {"fact": "seen", "between": [D(2008, 1, 1), D(2008, 12, 31)]}, ["A", "B"]),
    ("date between narrow", {"fact": "seen", "between": [D(2008, 3, 2), D(2008, 6, 29)]}, []),
    # contains on a text fact, on the statement, on tags
    ("contains fact", {"fact": "name", "contains": "hub"}, ["B"]),
    ("contains fact any case", {"fact": "name", "contains": "CRIME"}, ["A"]),
    ("contains fact no hit", {"fact": "name", "contains": "zzz"}, []),
    ("text shorthand", {"text": "ANALYST"}, ["A"]),
    ("text shorthand case", {"text": "hub"}, ["B"]),
    ("statement field", {"field": "statement", "contains": "neighbouring"}, ["D"]),
    ("tag shorthand", {"tag": "analysis"}, ["A", "B"]),
    ("tags field", {"field": "tags", "contains": "hub"}, ["A"]),
    ("tag unknown", {"tag": "nowhere"}, []),
    # exists / absent on facts and fields
    ("exists fact", {"fact": "flag", "exists": True}, ["A", "B"]),
    ("absent fact", {"fact": "flag", "absent": True}, ["C", "D"]),
    ("exists field", {"field": "source.list", "exists": True}, ["A"]),
    ("absent field", {"field": "source.list", "absent": True}, ["B", "C", "D"]),
    # item fields
    ("kind shorthand", {"kind": "strength"}, ["A", "D"]),
    ("kind shorthand list", {"kind": ["strength", "work-in-progress"]}, ["A", "B", "D"]),
    ("kind field not_equals", {"field": "kind", "not_equals": "strength"}, ["B", "C"]),
    ("marking", {"field": "marking", "equals": "OFFICIAL-SENSITIVE"}, ["D"]),
    ("pillar", {"field": "pillar", "equals": "alpha"}, ["A", "B", "C", "D"]),
    ("source.document", {"field": "source.document", "equals": kit.DOC}, ["A", "B", "C", "D"]),
    ("source.section", {"field": "source.section", "equals": "Intelligence, summary 2"}, ["B"]),
    ("source.section contains", {"field": "source.section", "contains": "SUMMARY 2"}, ["B"]),
    ("source.list one_of", {"field": "source.list", "one_of": ["strengths", "table"]}, ["A"]),
    ("criteria contains", {"field": "criteria", "contains": "T-01"}, ["A", "B", "C", "D"]),
    # not: an item lacking the fact satisfies not(test)
    ("not equals", {"not": {"fact": "flag", "equals": True}}, ["B", "C", "D"]),
    ("not equals false", {"not": {"fact": "flag", "equals": False}}, ["A", "C", "D"]),
    ("not not_equals", {"not": {"fact": "flag", "not_equals": True}}, ["A", "C", "D"]),
    ("not one_of", {"not": {"fact": "count", "one_of": [5, 0]}}, ["B", "C"]),
    ("not lt", {"not": {"fact": "count", "lt": 5}}, ["A", "B", "C"]),
    ("not lte", {"not": {"fact": "count", "lte": 5}}, ["B", "C"]),
    ("not gt", {"not": {"fact": "count", "gt": 5}}, ["A", "C", "D"]),
    ("not gte", {"not": {"fact": "count", "gte": 5}}, ["C", "D"]),
    ("not between", {"not": {"fact": "count", "between": [1, 10]}}, ["C", "D"]),
    ("not date lt", {"not": {"fact": "seen", "lt": D(2008, 6, 1)}}, ["B", "C", "D"]),
    ("not contains", {"not": {"fact": "name", "contains": "hub"}}, ["A", "C", "D"]),
    ("not text", {"not": {"text": "analyst"}}, ["B", "C", "D"]),
    ("not tag", {"not": {"tag": "analysis"}}, ["C", "D"]),
    ("not kind", {"not": {"kind": "strength"}}, ["B", "C"]),
    ("not kind list", {"not": {"kind": ["strength", "area-for-improvement"]}}, ["B"]),
    ("not exists", {"not": {"fact": "flag", "exists": True}}, ["C", "D"]),
    ("not absent", {"not": {"fact": "flag", "absent": True}}, ["A", "B"]),
    ("not field", {"not": {"field": "source.list", "equals": "strengths"}}, ["B", "C", "D"]),
    ("not not", {"not": {"not": {"fact": "flag", "equals": True}}}, ["A"]),
    # all / any / not at the condition level
    ("all", {"all": [{"kind": "strength"}, {"fact": "count", "gte": 1}]}, ["A"]),
    ("all empty result", {"all": [{"kind": "strength"}, {"fact": "flag", "equals": False}]}, []),
    ("any", {"any": [{"fact": "flag", "equals": False}, {"fact": "other_flag", "equals": True}]}, ["B", "D"]),
    ("any overlapping", {"any": [{"tag": "analysis"}, {"fact": "count", "gte": 5}]}, ["A", "B"]),
    ("not all", {"not": {"all": [{"kind": "strength"}, {"fact": "flag", "equals": True}]}}, ["B", "C", "D"]),
    ("not any", {"not": {"any": [{"fact": "flag", "equals": True}, {"fact": "count", "equals": 0}]}}, ["B", "C"]),
    ("nested", {"all": [{"any": [{"kind": "strength"}, {"tag": "analysis"}]},
                        {"not": {"any": [{"fact": "count", "gt": 5}, {"fact": "topic", "equals": "t2"}]}}]}, ["A"]),
    ("all with not", {"all": [{"fact": "topic", "exists": True}, {"not": {"fact": "flag", "equals": True}}]},
     ["B", "D"]),
]


@pytest.mark.parametrize(("cond", "expected"), [pytest.param(c, e, id=name) for name, c, e in CASES])
def test_condition(tmp_path, ev, cond, expected) -> None:
    assert matched(tmp_path, cond, ev) == expected


def test_every_operator_is_covered() -> None:
    from grader.loading.conditions import OPERATORS

    def ops(cond: Any) -> set[str]:
        if isinstance(cond, dict):
            return {k for k in cond if k in OPERATORS} | {o for v in cond.values() for o in ops(v)}
        if isinstance(cond, list):
            return {o for v in cond for o in ops(v)}
        return set()

    used = set().union(*(ops(c) for _, c, _ in CASES))
    assert used == set(OPERATORS)


# --- scopes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("scope", "expected"), [
    (None, ["A"]),
    ("criterion", ["A"]),
    ("pillar", ["A", "O"]),
    ("all", ["A", "O", "P"]),
])
def test_scope(tmp_path, ev, scope, expected) -> None:
    assert matched(tmp_path, {"fact": "flag", "equals": True}, ev, scope=scope) == expected


@pytest.mark.parametrize(("cond", "expected"), [
    ({"field": "criteria", "contains": "T-01"}, ["A", "B", "C", "D"]),
    # one positive test beside the negation (see test_purely_negative_condition_with_scope_all)
    ({"all": [{"field": "source.document", "equals": kit.DOC}, {"not": {"field": "criteria", "contains": "T-01"}}]},
     ["O", "P"]),
])
def test_criteria_field_with_scope_all(tmp_path, ev, cond, expected) -> None:
    assert matched(tmp_path, cond, ev, scope="all") == expected


@pytest.mark.parametrize(("cond", "expected"), [
    ({"fact": "flag", "absent": True}, ["C", "D"]),
    ({"not": {"tag": "analysis"}}, ["C", "D", "O", "P"]),
])
def test_purely_negative_condition_with_scope_all(tmp_path, ev, cond, expected) -> None:
    assert matched(tmp_path, cond, ev, scope="all") == expected


def test_purely_negative_context_note(tmp_path, ev) -> None:
    note = {"id": "no-flag", "when": {"name": "bare", "scope": "all", "some": {"fact": "flag", "absent": True}},
            "because": "Items without the flag: {bare}."}
    crit = kit.criterion("T-01", [kit.rule("r", "meets", {"some": {"kind": "strength"}})])
    result = kit.grade(kit.write_pack(tmp_path, [crit], context_notes=[note]), ev)
    assert [(c.note, c.evidence) for c in result.context] == [("no-flag", ["C", "D"])]


@pytest.mark.parametrize(("cond", "expected"), [
    ({"field": "tags", "exists": True}, ["A", "B"]),
    ({"field": "tags", "absent": True}, ["C", "D"]),
    ({"field": "criteria", "exists": True}, ["A", "B", "C", "D"]),
])
def test_exists_and_absent_on_list_fields(tmp_path, ev, cond, expected) -> None:
    try:
        hits = matched(tmp_path, cond, ev)
    except InputError as err:  # refusing the test at load time is also correct
        assert "RULE-114" in {p.code for p in err.problems}
        return
    assert hits == expected


@pytest.mark.parametrize(("op", "expected"), [("exists", ["A", "B", "C", "D"]), ("absent", [])])
def test_exists_and_absent_on_statement(tmp_path, ev, op, expected) -> None:
    try:
        hits = matched(tmp_path, {"field": "statement", op: True}, ev)
    except InputError as err:  # refusing the test at load time is also correct
        assert "RULE-114" in {p.code for p in err.problems}
        return
    assert hits == expected


# --- indicators: compare ratio / difference ---------------------------------------------------------

INDICATORS = [
    kit.indicator("I1", 0.12, 0.08),                        # ratio 1.5, difference +0.04
    kit.indicator("I2", 0.06, 0.08),                        # ratio 0.75
    kit.indicator("I3", "not applicable", 0.08),            # latest value not applicable
    kit.indicator("I4", 0.1, "not applicable"),             # comparator not applicable
    kit.indicator("I5", 0.1, None),                         # no comparator
    kit.indicator("I6", 30.0, 40.0, unit="percent", measure="detection_rate"),  # difference -10
    kit.indicator("I7", 0.2, 0.0),                          # comparator 0: no ratio
    kit.indicator("I8", 0.5, 0.5),                          # ratio 1, difference 0
    kit.item("S", facts={"flag": True}),                    # not an indicator
]


@pytest.fixture(scope="module")
def ind_ev(tmp_path_factory) -> Path:
    return kit.write_evidence(tmp_path_factory.mktemp("ind"), INDICATORS)


@pytest.mark.parametrize(("cond", "expected"), [
    ({"compare": "ratio", "gte": 1.25}, ["I1"]),
    ({"compare": "ratio", "gt": 1.0}, ["I1"]),
    ({"compare": "ratio", "lt": 1.0}, ["I2", "I6"]),
    ({"compare": "ratio", "lte": 0.75}, ["I2", "I6"]),
    ({"compare": "ratio", "between": [0.9, 1.1]}, ["I8"]),
    ({"compare": "ratio", "gt": -100}, ["I1", "I2", "I6", "I8"]),
    ({"compare": "difference", "lte": -5}, ["I6"]),
    ({"compare": "difference", "gt": 0}, ["I1", "I7"]),
    ({"compare": "difference", "gte": 0}, ["I1", "I7", "I8"]),
    ({"compare": "difference", "between": [-1, 1]}, ["I1", "I2", "I7", "I8"]),
    ({"compare": "difference", "lt": 1000}, ["I1", "I2", "I6", "I7", "I8"]),
    ({"not": {"compare": "ratio", "gt": 1.0}}, ["I2", "I3", "I4", "I5", "I6", "I7", "I8", "S"]),
    ({"not": {"compare": "difference", "lt": 1000}}, ["I3", "I4", "I5", "S"]),
    ({"not": {"compare": "ratio", "between": [0.9, 1.1]}}, ["I1", "I2", "I3", "I4", "I5", "I6", "I7", "S"]),
    ({"field": "indicator.value", "gt": 0.1}, ["I1", "I6", "I7", "I8"]),
    ({"field": "indicator.value", "absent": True}, ["I3", "S"]),
    ({"field": "indicator.comparator", "exists": True}, ["I1", "I2", "I3", "I6", "I7", "I8"]),
    ({"field": "indicator.comparator", "lte": 0.08}, ["I1", "I2", "I3", "I7"]),
    ({"field": "indicator.unit", "equals": "percent"}, ["I6"]),
    ({"field": "indicator.measure", "equals": "rate"}, ["I1", "I2", "I3", "I4", "I5", "I7", "I8"]),
    ({"field": "indicator.measure", "contains": "DETECTION"}, ["I6"]),
    ({"all": [{"kind": "indicator"}, {"field": "indicator.unit", "one_of": ["per-1k-population"]},
              {"compare": "ratio", "gte": 1.25}]}, ["I1"]),
])
def test_indicator_conditions(tmp_path, ind_ev, cond, expected) -> None:
    assert matched(tmp_path, cond, ind_ev) == expected


@pytest.mark.parametrize("cond", [
    {"compare": name, op: value}
    for name in ("ratio", "difference")
    for op, value in (("lt", 10**6), ("lte", 10**6), ("gt", -(10**6)), ("gte", -(10**6)))
] + [{"compare": "ratio", "between": [-(10**6), 10**6]}, {"compare": "difference", "between": [-(10**6), 10**6]}])
def test_not_applicable_values_never_match_a_comparison(tmp_path, ind_ev, cond) -> None:
    hits = matched(tmp_path, cond, ind_ev)
    assert hits  # the bound is wide: every comparable indicator matches ...
    assert not {"I3", "I4", "I5", "S"} & set(hits)  # ... but never one without both numbers


def test_compare_rejects_equality_and_unknown_names(tmp_path) -> None:
    for cond, code in (({"compare": "ratio", "equals": 1}, "RULE-112"), ({"compare": "share", "gt": 1}, "RULE-109")):
        with pytest.raises(InputError) as err:
            load_pack(one_rule_pack(tmp_path, {"some": cond}))
        assert code in {p.code for p in err.value.problems}


# --- clause forms ------------------------------------------------------------------------------

GTE5 = {"fact": "count", "gte": 5}  # A and B (U is unverified)


@pytest.mark.parametrize(("clause", "holds"), [
    ({"some": GTE5}, True),
    ({"some": {"fact": "count", "gt": 100}}, False),
    ({"none": {"fact": "count", "gt": 100}}, True),
    ({"none": GTE5}, False),
    ({"at_least": 2, "where": GTE5}, True),
    ({"at_least": 3, "where": GTE5}, False),
    ({"at_least": 0, "where": {"fact": "count", "gt": 100}}, True),
    ({"at_most": 2, "where": GTE5}, True),
    ({"at_most": 1, "where": GTE5}, False),
    ({"at_most": 0, "where": {"fact": "count", "gt": 100}}, True),
    ({"exactly": 2, "where": GTE5}, True),
    ({"exactly": 1, "where": GTE5}, False),
    ({"exactly": 3, "where": GTE5}, False),
    ({"exactly": 0, "where": {"fact": "count", "gt": 100}}, True),
])
def test_clause_form(tmp_path, ev, clause, holds) -> None:
    f = finding(tmp_path, {"name": "hit", **clause}, ev, because="{hit.count}")
    assert f.outcome == ("meets" if holds else "insufficient-evidence")
    assert f.trace[0].holds is holds


def test_at_least_cites_what_it_counted(tmp_path, ev) -> None:
    f = finding(tmp_path, {"name": "hit", "at_least": 2, "where": GTE5}, ev, because="{hit} ({hit.count})")
    assert (f.evidence, f.rationale) == (["A", "B"], "A, B (2)")


def test_none_cites_nothing(tmp_path, ev) -> None:
    f = finding(tmp_path, {"name": "hit", "none": {"fact": "count", "gt": 100}}, ev,
                because="Nothing: {hit} ({hit.count}).")
    assert (f.outcome, f.evidence, f.rationale) == ("meets", [], "Nothing: none (0).")


PAIR_CASES = [
    # two items, the same topic: A (flag true) and B (flag false) are both t1
    ({"first": {"fact": "flag", "equals": True}, "second": {"fact": "flag", "equals": False},
      "same": ["facts.topic"]}, ["A", "B"]),
    # the same, as a single field name
    ({"first": {"fact": "flag", "equals": True}, "second": {"fact": "flag", "equals": False},
      "same": "facts.topic"}, ["A", "B"]),
    # D (other_flag, t2) has no partner with the same topic
    ({"first": {"fact": "other_flag", "equals": True}, "second": {"tag": "analysis"},
      "same": ["facts.topic"]}, []),
    # only A matches both conditions: a pair needs two different items
    ({"first": {"tag": "hub"}, "second": {"fact": "count", "equals": 5}, "same": ["facts.topic"]}, []),
    # two items of the same kind and topic: A and D are strengths but of topics t1 / t2
    ({"first": {"fact": "flag", "exists": True}, "second": {"kind": "strength"},
      "same": ["kind", "facts.topic"]}, []),
    # A and D are both strengths
    ({"first": {"tag": "hub"}, "second": {"fact": "other_flag", "equals": True}, "same": ["kind"]}, ["A", "D"]),
]


@pytest.mark.parametrize(("pair", "expected"), PAIR_CASES)
def test_pair(tmp_path, ev, pair, expected) -> None:
    f = finding(tmp_path, {"name": "hit", "pair": pair}, ev)
    assert f.trace[0].clauses[0].matched == expected
    assert f.outcome == ("meets" if expected else "insufficient-evidence")
    if expected:
        assert f.rationale == ", ".join(expected)


def test_pair_scope_pillar_finds_partner_outside_the_criterion(tmp_path, ev) -> None:
    pair = {"first": {"fact": "flag", "equals": True}, "second": {"fact": "count", "equals": 7},
            "same": ["pillar"]}
    assert finding(tmp_path, {"name": "hit", "pair": pair}, ev).trace[0].clauses[0].matched == []
    f = finding(tmp_path, {"name": "hit", "scope": "pillar", "pair": pair}, ev)
    assert f.trace[0].clauses[0].matched == ["A", "O"]  # P has count 8 and another pillar


# --- clause-level all / any / not ---------------------------------------------------------------

SOME_A = {"some": {"fact": "count", "equals": 5}}
SOME_D = {"some": {"fact": "count", "equals": 0}}
SOME_NONE = {"some": {"fact": "count", "equals": 99}}


@pytest.mark.parametrize(("when", "holds", "cites"), [
    ({"all": [SOME_A, SOME_D]}, True, ["A", "D"]),
    ({"all": [SOME_A, SOME_NONE]}, False, []),
    ({"any": [SOME_NONE, SOME_D]}, True, ["D"]),
    ({"any": [SOME_A, SOME_D]}, True, ["A", "D"]),
    ({"any": [SOME_NONE, {"not": SOME_A}]}, False, []),
    ({"not": SOME_NONE}, True, []),
    ({"not": SOME_A}, False, []),
    ({"not": {"all": [SOME_A, SOME_NONE]}}, True, []),
    ({"all": [SOME_A, {"not": SOME_NONE}, {"any": [SOME_NONE, SOME_D]}]}, True, ["A", "D"]),
])
def test_clause_combinators(tmp_path, ev, when, holds, cites) -> None:
    f = finding(tmp_path, when, ev, because="Because {matched}.")
    assert f.outcome == ("meets" if holds else "insufficient-evidence")
    assert f.evidence == cites
    if holds:
        assert f.rationale == f"Because {', '.join(cites) if cites else 'none'}."


# --- outcomes, first hit, otherwise ---------------------------------------------------------------

def test_first_rule_that_holds_decides(tmp_path, ev) -> None:
    rules = [kit.rule("never", "fails", SOME_NONE),
             kit.rule("first", "meets", SOME_A, "First {matched}."),
             kit.rule("second", "fails", SOME_D, "Second.")]
    f = kit.grade(kit.write_pack(tmp_path, [kit.criterion("T-01", rules)]), ev).criterion("T-01")
    assert (f.outcome, f.decided_by, f.rationale, f.evidence) == ("meets", "rules/first", "First A.", ["A"])
    assert [(t.rule, t.holds) for t in f.trace] == [("rules/never", False), ("rules/first", True),
                                                    ("rules/second", True)]


@pytest.mark.parametrize("outcome", ["meets", "fails", "exceeds", "not-applicable", "insufficient-evidence"])
def test_each_outcome_from_a_rule(tmp_path, ev, outcome) -> None:
    f = finding(tmp_path, {"name": "hit", **SOME_A}, ev, outcome=outcome)
    assert (f.outcome, f.assessed_outcome, f.decided_by) == (outcome, outcome, "rules/r")


def test_unknown_outcome_is_refused(tmp_path) -> None:
    with pytest.raises(InputError) as err:
        load_pack(one_rule_pack(tmp_path, SOME_A, outcome="excellent"))
    assert "CRIT-006" in {p.code for p in err.value.problems}


def test_no_rule_holds_gives_insufficient_evidence_and_what_was_looked_for(tmp_path, ev) -> None:
    rules = [kit.rule("meet", "meets", {"some": {"fact": "count", "gt": 100}}),
             kit.rule("fail", "fails", {"some": {"tag": "nowhere"}})]
    f = kit.grade(kit.write_pack(tmp_path, [kit.criterion("T-01", rules)]), ev).criterion("T-01")
    assert (f.outcome, f.decided_by, f.evidence) == ("insufficient-evidence", "otherwise", [])
    assert len(f.looked_for) == 2
    assert f.looked_for[0].startswith("meets (meet):") and "count" in f.looked_for[0]
    assert f.looked_for[1].startswith("fails (fail):") and "nowhere" in f.looked_for[1]


def test_otherwise_can_be_not_applicable(tmp_path, ev) -> None:
    crit = kit.criterion("T-01", [kit.rule("r", "meets", SOME_NONE)],
                         otherwise={"outcome": "not-applicable", "because": "The force has no such unit."})
    f = kit.grade(kit.write_pack(tmp_path, [crit]), ev).criterion("T-01")
    assert (f.outcome, f.rationale) == ("not-applicable", "The force has no such unit.")


def test_not_applicable_via_a_rule(tmp_path, ev) -> None:
    rules = [kit.rule("no-unit", "not-applicable", {"none": {"kind": "strength"}}, "No strengths at all."),
             kit.rule("r", "meets", SOME_A)]
    pack = kit.write_pack(tmp_path, [kit.criterion("T-01", rules)])
    bare = kit.write_evidence(tmp_path, [kit.item("Z", kind="observation", facts={"count": 5})])
    assert kit.grade(pack, bare).criterion("T-01").outcome == "not-applicable"
    assert kit.grade(pack, ev).criterion("T-01").outcome == "meets"


# --- uplift to exceeds ----------------------------------------------------------------------------

SOME_M = {"some": {"fact": "count", "equals": 5}}


def uplift_items(case: bool) -> list[dict[str, Any]]:
    return [kit.item("M", facts={"count": 5}),
            kit.item("X", facts={"beyond_standard": True}),
            kit.item("Y", facts={"business_case": case})]


@pytest.mark.parametrize("where", ["pack", "criterion"])
def test_exceeds_via_the_uplift(tmp_path, where) -> None:
    up = kit.UPLIFT3
    crit = kit.criterion("T-01", [kit.rule("r", "meets", {"name": "hit", **SOME_M}, "{hit}")],
                         **({"uplifts": [up]} if where == "criterion" else {}))
    pack = kit.write_pack(tmp_path, [crit], uplifts=[up] if where == "pack" else None)
    f = kit.grade(pack, kit.write_evidence(tmp_path, uplift_items(True))).criterion("T-01")
    assert (f.outcome, f.assessed_outcome) == ("exceeds", "exceeds")
    assert f.uplift is not None and f.uplift.rule == "uplifts/beyond-with-case"
    assert f.uplift.rationale == "Capacity beyond the standard (X) with a business case (Y)."
    assert f.evidence == ["M", "X", "Y"]
    no_case = kit.grade(pack, kit.write_evidence(tmp_path, uplift_items(False))).criterion("T-01")
    assert (no_case.outcome, no_case.uplift) == ("meets", None)



def test_uplift_only_lifts_its_from_grade(tmp_path) -> None:
    crit = kit.criterion("T-01", [kit.rule("r", "fails", SOME_M)])
    pack = kit.write_pack(tmp_path, [crit], uplifts=[kit.UPLIFT3])
    f = kit.grade(pack, kit.write_evidence(tmp_path, uplift_items(True))).criterion("T-01")
    assert (f.outcome, f.uplift) == ("fails", None)


# --- mitigation ---------------------------------------------------------------------------------

MITIGATION = {"id": "managed", "basis": "risk-managed",
              "when": {"name": "managed", "some": {"fact": "gap_managed", "equals": True}},
              "because": "The gap is risk assessed and managed ({managed})."}


@pytest.mark.parametrize(("rule_outcome", "managed", "outcome", "mitigated"), [
    ("fails", True, "meets", True),
    ("fails", False, "fails", False),
    ("insufficient-evidence", True, "meets", True),  # adverse too
    ("meets", True, "meets", False),  # nothing to relieve
])
def test_mitigation(tmp_path, rule_outcome, managed, outcome, mitigated) -> None:
    crit = kit.criterion("T-01", [kit.rule("gap", rule_outcome, {"name": "gap", "some": {"fact": "gap", "equals": True}},
                                           "A gap ({gap}).")], mitigations=[MITIGATION])
    ev = kit.write_evidence(tmp_path, [kit.item("G", facts={"gap": True}),
                                       kit.item("R", facts={"gap_managed": managed})])
    f = kit.grade(kit.write_pack(tmp_path, [crit]), ev).criterion("T-01")
    assert (f.outcome, f.assessed_outcome) == (outcome, rule_outcome)
    assert f.mitigated is mitigated
    if mitigated:
        assert f.mitigation is not None
        assert (f.mitigation.rule, f.mitigation.basis, f.mitigation.evidence) == ("mitigations/managed",
                                                                                  "risk-managed", ["R"])
        assert f.mitigation.rationale == "The gap is risk assessed and managed (R)."
        assert f.evidence == ["G"]  # the outcome rests on the gap; the mitigation cites its own


def test_mitigation_treat_as(tmp_path) -> None:
    mit = {**MITIGATION, "treat_as": "exceeds"}
    crit = kit.criterion("T-01", [kit.rule("gap", "fails", {"some": {"fact": "gap", "equals": True}})],
                         mitigations=[mit])
    ev = kit.write_evidence(tmp_path, [kit.item("G", facts={"gap": True}), kit.item("R", facts={"gap_managed": True})])
    f = kit.grade(kit.write_pack(tmp_path, [crit]), ev).criterion("T-01")
    assert (f.outcome, f.assessed_outcome) == ("exceeds", "fails")


# --- concerns ------------------------------------------------------------------------------------

CONCERN = {"id": "vfm", "concern": "value-for-money",
           "when": {"all": [{"name": "capacity", "some": {"fact": "beyond_standard", "equals": True}},
                            {"none": {"fact": "business_case", "equals": True}}]},
           "because": "Capacity beyond the standard ({capacity}) without a business case."}


@pytest.mark.parametrize("where", ["criterion", "shared"])
def test_concern_is_noted_and_never_changes_the_outcome(tmp_path, where) -> None:
    crit = kit.criterion("T-01", [kit.rule("r", "meets", SOME_M)],
                         **({"concerns": [CONCERN]} if where == "criterion" else {}))
    pack = kit.write_pack(tmp_path, [crit], shared_concerns=[CONCERN] if where == "shared" else None)
    f = kit.grade(pack, kit.write_evidence(tmp_path, uplift_items(False))).criterion("T-01")
    assert f.outcome == "meets"
    assert [(c.rule, c.concern, c.evidence, c.rationale) for c in f.concerns] == [
        ("concerns/vfm", "value-for-money", ["X"], "Capacity beyond the standard (X) without a business case.")]
    with_case = kit.grade(pack, kit.write_evidence(tmp_path, uplift_items(True))).criterion("T-01")
    assert (with_case.outcome, with_case.concerns) == ("meets", [])


# --- because placeholders ------------------------------------------------------------------------

def test_because_placeholders(tmp_path, ev) -> None:
    when = {"all": [{"name": "strong", "at_least": 1, "where": {"kind": "strength"}},
                    {"name": "wip", "some": {"kind": "work-in-progress"}},
                    {"name": "absent_thing", "none": {"tag": "nowhere"}}]}
    because = ("Strengths {strong} ({strong.count}); work {wip} ({wip.count}); "
               "missing {absent_thing} ({absent_thing.count}); all {matched}.")
    f = finding(tmp_path, when, ev, because=because)
    assert f.rationale == "Strengths A, D (2); work B (1); missing none (0); all A, B, D."
    assert f.evidence == ["A", "B", "D"]


@pytest.mark.parametrize("because", ["Found {nothing}.", "Found {hit.size}.", "Unclosed {hit", "{{hit}}"])
def test_bad_because_is_refused(tmp_path, because) -> None:
    with pytest.raises(InputError) as err:
        load_pack(one_rule_pack(tmp_path, {"name": "hit", **SOME_A}, because=because))
    assert {p.code for p in err.value.problems} & {"RULE-150", "RULE-151"}


# --- unverified items ------------------------------------------------------------------------------

def test_unverified_items_are_listed_and_never_relied_on(tmp_path) -> None:
    items = [kit.item("V1", facts={"flag": True}, verified=False),
             kit.item("V2", facts={"flag": True}, verified=False),
             kit.item("OK", facts={"flag": False})]
    ev = kit.write_evidence(tmp_path, items)
    rules = [kit.rule("two", "meets", {"name": "hit", "at_least": 2, "where": {"fact": "flag", "equals": True}}, "{hit}"),
             kit.rule("any-flag", "fails", {"name": "hit", "some": {"fact": "flag", "exists": True}}, "{hit}")]
    with Grader(load_pack(kit.write_pack(tmp_path, [kit.criterion("T-01", rules)]))) as g:
        loaded = load_evidence(ev)
        assert g.match(loaded) and all(m == ("OK",) for ms in g.match(loaded).values() for m in ms)
        result: GradingResult = g.grade(loaded)
    f = result.criterion("T-01")
    assert (f.outcome, f.evidence, f.rationale) == ("fails", ["OK"], "OK")
    assert result.unverified == ["V1", "V2"]
    assert result.meta.evidence_set.items == 3 and result.meta.evidence_set.verified == 1
    assert not {"V1", "V2"} & {u.id for u in result.unused}


def test_only_unverified_support_is_insufficient(tmp_path) -> None:
    ev = kit.write_evidence(tmp_path, [kit.item("V", facts={"flag": True}, verified=False)])
    f = finding(tmp_path, {"name": "hit", "some": {"fact": "flag", "equals": True}}, ev)
    assert (f.outcome, f.trace[0].clauses[0].matched) == ("insufficient-evidence", [])
