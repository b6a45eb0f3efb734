"""The matcher asserts each fact only into the rulesets whose scope it is in (Probe.route).

Routing is a speed-up only: these tests check that it never changes a match, that a ruleset
really receives only facts in its scope, and that a ruleset with nothing in scope is not run.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from grader.engine import matcher as matcher_mod
from grader.engine.compiler import CompiledPack, compile_pack
from grader.engine.facts import engine_fact
from grader.engine.matcher import Matcher
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack

ROOT = Path(__file__).resolve().parents[2]
ACPO = ROOT / "rules" / "acpo-major-crime-2008"
DERBYSHIRE = ROOT / "evidence" / "derbyshire-2008"


@pytest.fixture(scope="module")
def acpo() -> CompiledPack:
    return compile_pack(load_pack(ACPO).pack)


@pytest.fixture(scope="module")
def facts(acpo: CompiledPack) -> list[tuple[str, dict[str, Any]]]:
    items = load_evidence(DERBYSHIRE).evidence.items
    return [(i.id, engine_fact(i, acpo.needles)) for i in items if i.verified]


@pytest.fixture
def asserted(monkeypatch) -> list[tuple[int, list[dict[str, Any]]]]:
    """Every assert_facts call: the ruleset handle and the facts it was given."""
    calls: list[tuple[int, list[dict[str, Any]]]] = []
    real = matcher_mod._dre.assert_facts

    def spy(handle: int, text: str) -> Any:
        calls.append((handle, json.loads(text)))
        return real(handle, text)

    monkeypatch.setattr(matcher_mod._dre, "assert_facts", spy)
    return calls


def test_every_acpo_clause_is_routed_by_its_scope(acpo: CompiledPack) -> None:
    routes = {p.route for p in acpo.probes}
    assert ("crit_ENF-02", True) in routes
    assert None in routes  # the context notes look across the whole programme
    for p in acpo.probes:
        if p.route is not None:  # every pattern requires the route (pair joins come first)
            for _, expr in p.patterns:
                parts = expr["$and"] if "$and" in expr else [expr]
                assert {p.route[0]: p.route[1]} in parts, p.key


def test_routing_changes_no_match(acpo: CompiledPack, facts) -> None:
    unrouted = [dataclasses.replace(p, route=None) for p in acpo.probes]
    with Matcher(acpo.probes) as routed_m, Matcher(unrouted) as plain_m:
        routed, plain = routed_m.match(facts), plain_m.match(facts)
        assert routed_m.ruleset_count > plain_m.ruleset_count
    assert routed == plain
    assert sum(len(v) for v in routed.values()) > 100


def test_a_ruleset_receives_only_facts_in_its_scope(acpo: CompiledPack, facts, asserted) -> None:
    with Matcher(acpo.probes) as m:
        m.match(facts)
        route_of = dict(zip(m._handles, m._routes, strict=True))
    assert asserted
    sent = 0
    for handle, batch in asserted:
        route = route_of[handle]
        sent += len(batch)
        if route is not None:
            assert all(f.get(route[0]) == route[1] for f in batch), route
        else:
            assert len(batch) == len(facts)
    # most items inform one criterion: far fewer asserts than every fact into every ruleset
    assert sent < len(facts) * len(route_of) / 3


def test_a_ruleset_with_no_fact_in_scope_is_not_run(acpo: CompiledPack, facts, asserted) -> None:
    only_enf02 = [(i, f) for i, f in facts if f.get("crit_ENF-02")]
    assert only_enf02
    with Matcher(acpo.probes) as m:
        found = m.match(only_enf02)
        route_of = dict(zip(m._handles, m._routes, strict=True))
    runs = {route_of[h] for h, _ in asserted}
    assert runs == {("crit_ENF-02", True), None}
    assert any(key.startswith("ENF-02|") for key in found)
