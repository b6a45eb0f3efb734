"""A durable-rules trap found while building the ACPO pack: a join after a nested $and is lost."""

from __future__ import annotations

import json

import durable_rules_engine as dre

from grader.engine.compiler import Probe
from grader.engine.matcher import Matcher

FACTS = [
    {"kind": "afi", "c": True, "f_topic": "vetting"},
    {"kind": "wip", "c": True, "f_topic": "profiling"},
]


def _raw_matches(second: dict) -> list[str]:
    """Run a two-pattern join directly on the engine (safe: sentinel first, no delete_state)."""
    d = {"p": {"all": [{"a": {"kind": "afi"}}, {"b": second}], "cap": 100},
         "s": {"all": [{"m": {"$ex": {"__s": 1}}}]}}
    h = dre.create_ruleset("trap_join", json.dumps(d))
    try:
        dre.assert_fact(h, json.dumps({"id": "s", "sid": "1", "__s": 1}))
        dre.assert_facts(h, json.dumps([{**f, "id": str(i), "sid": "1"} for i, f in enumerate(FACTS)]))
        fired = []
        r = dre.start_action(h)
        while r:
            m = r[1]
            while m:
                fired.extend(json.loads(m))
                m = dre.complete_and_start_action(h, r[2])
            r = dre.start_action(h)
        return sorted(set(fired) - {"s"})
    finally:
        dre.delete_state(h, "1")
        dre.delete_ruleset(h)


def test_raw_engine_drops_a_join_that_follows_a_nested_and() -> None:
    nested = {"$and": [{"c": True}, {"$and": [{"kind": "wip"}, {"$ex": {"f_topic": 1}}]},
                       {"f_topic": {"a": "f_topic"}}]}
    # The topics differ, yet the engine fires: the correlation was silently ignored.
    assert _raw_matches(nested) == ["p"]
    flat = {"$and": [{"c": True}, {"kind": "wip"}, {"$ex": {"f_topic": 1}}, {"f_topic": {"a": "f_topic"}}]}
    assert _raw_matches(flat) == []


def test_grader_pair_clause_respects_same_topic() -> None:
    from grader.engine.compiler import TextNeedles, _probe
    from grader.models.pack import AllOf, PairClause, Test

    clause = PairClause(
        key="k", first=Test(subject="field", name="kind", op="equals", value="area-for-improvement"),
        second=AllOf(items=[Test(subject="field", name="kind", op="equals", value="work-in-progress"),
                            Test(subject="fact", name="topic", op="exists", value=True)]),
        same=["facts.topic"],
    )
    probe: Probe = _probe("T|k", clause, "T-01", "p", TextNeedles())
    facts = [
        ("A1", {"kind": "area-for-improvement", "crit_T-01": True, "f_topic": "vetting"}),
        ("W1", {"kind": "work-in-progress", "crit_T-01": True, "f_topic": "profiling"}),
    ]
    with Matcher([probe]) as m:
        assert m.match(facts) == {}
        same = [*facts, ("W2", {"kind": "work-in-progress", "crit_T-01": True, "f_topic": "vetting"})]
        assert m.match(same) == {"T|k": [("A1", "W2")]}
