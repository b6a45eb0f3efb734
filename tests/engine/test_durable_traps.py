"""One regression test per durable-rules trap in the field notes
(../shared/notes/durable-rules-field-notes.md), each showing the raw engine's behaviour where
that is safe to run, and that grader's wrapper (compiler, facts, matcher) avoids the trap.

Raw demonstrations that could crash or hang the test process are never run here:
- no raw ruleset with more than 512 children under one node (create_ruleset never returns);
- no raw ``delete_state`` on a state that never ran an action (it can segfault);
- the error-303 demonstration runs in a child process, so a half-updated state cannot hurt us.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import durable_rules_engine as dre
import pytest

import packkit as kit
from grader.engine import matcher as matcher_mod
from grader.engine.compiler import CompiledPack, Probe, TextNeedles, compile_pack, expression, size
from grader.engine.facts import engine_fact
from grader.engine.matcher import CHUNK_RULES, CHUNK_TESTS, Matcher, fnv1a32, pack_chunks
from grader.errors import EngineError, InputError
from grader.grading.run import Grader
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack
from grader.models.pack import Test as CondTest

ACPO = Path(__file__).resolve().parents[2] / "rules" / "acpo-major-crime-2008"
SENTINEL = "__sentinel"

# --- raw engine helpers (safe use only: sentinel first, explicit teardown) ---------------------


@contextmanager
def raw_ruleset(rules: dict[str, Any]) -> Iterator[int]:
    """A raw C ruleset with a sentinel rule that has fired (so delete_state is safe)."""
    definition = {**rules, SENTINEL: {"all": [{"m": {"$ex": {SENTINEL: 1}}}]}}
    handle = dre.create_ruleset("raw_trap", json.dumps(definition))
    try:
        dre.assert_fact(handle, json.dumps({"id": SENTINEL, SENTINEL: 1}))
        raw_drain(handle)
        yield handle
    finally:
        dre.delete_state(handle, "0")
        dre.delete_ruleset(handle)


def raw_drain(handle: int) -> list[tuple[str, dict[str, Any]]]:
    """Every (rule, binding) the engine delivers, sentinel excluded, duplicates kept."""
    out: list[tuple[str, dict[str, Any]]] = []
    result = dre.start_action(handle)
    while result:
        message = result[1]
        while message:
            for rule_name, payload in json.loads(message).items():
                if rule_name != SENTINEL:
                    for binding in payload if isinstance(payload, list) else [payload]:
                        out.append((rule_name, binding))
            message = dre.complete_and_start_action(handle, result[2])
        result = dre.start_action(handle)
    return out


def raw_fired(handle: int, facts: list[dict[str, Any]]) -> list[str]:
    """Ids of the facts each activation bound (one entry per activation)."""
    dre.assert_facts(handle, json.dumps(facts))
    return [b["m"]["id"] for _, b in raw_drain(handle)]


# --- grader-side helpers -------------------------------------------------------------------------


def probe(key: str, expr: Any) -> Probe:
    return Probe(key=key, patterns=(("m", expr),), tests=size(expr))


def fact_probe(key: str, name: str, op: str, value: Any, needles: TextNeedles | None = None) -> Probe:
    return probe(key, expression(CondTest(subject="fact", name=name, op=op, value=value), needles or TextNeedles()))


def run_once(probes: list[Probe], facts: list[tuple[str, dict[str, Any]]]) -> dict[str, list[tuple[str, ...]]]:
    with Matcher(probes) as m:
        return m.match(facts)


def iter_conditions(expr: Any) -> Iterator[dict[str, Any]]:
    """Every condition dict of a compiled expression (not the arithmetic operands)."""
    assert isinstance(expr, dict), expr
    yield expr
    for key, value in expr.items():
        if key in ("$and", "$or"):
            for part in value:
                yield from iter_conditions(part)


def acpo_compiled() -> CompiledPack:
    return compile_pack(load_pack(ACPO).pack)


# --- trap: a multi-key condition dict tests only its first key --------------------------------


def test_raw_multi_key_condition_tests_only_the_first_key() -> None:
    with raw_ruleset({"r": {"all": [{"m": {"x": 1, "y": 2}}]}}) as h:
        # y is 3, not 2, yet the fact matches: only x was tested.
        assert raw_fired(h, [{"id": "a", "x": 1, "y": 3}]) == ["a"]


def test_every_compiled_condition_has_exactly_one_key() -> None:
    compiled = acpo_compiled()
    assert compiled.probes
    for p in compiled.probes:
        for _, expr in p.patterns:
            for cond in iter_conditions(expr):
                assert len(cond) == 1, (p.key, cond)


def test_loader_refuses_a_test_with_two_operators(tmp_path) -> None:
    crit = kit.criterion("T-01", [kit.rule("r", "meets", {"some": {"fact": "count", "gt": 1, "lt": 5}})])
    with pytest.raises(InputError) as err:
        load_pack(kit.write_pack(tmp_path, [crit]))
    assert "RULE-106" in {p.code for p in err.value.problems}


def test_all_of_two_tests_checks_both(tmp_path) -> None:
    when = {"name": "hit", "some": {"all": [{"fact": "count", "equals": 1}, {"fact": "score", "equals": 2}]}}
    pack = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("r", "meets", when)])])
    ev = kit.write_evidence(tmp_path, [kit.item("A", facts={"count": 1, "score": 3}),
                                       kit.item("B", facts={"count": 1, "score": 2})])
    finding = kit.grade(pack, ev).criterion("T-01")
    assert finding.trace[0].clauses[0].matched == ["B"]


# --- trap: $or fires once per true branch -------------------------------------------------------


@pytest.fixture
def delivered(monkeypatch) -> list[int]:
    """How many matches the engine delivers per action, before grader de-duplicates them."""
    counts: list[int] = []
    real_record = matcher_mod._record

    def spy(message, names, back, found):
        for rule_name, payload in message.items():
            if rule_name != SENTINEL:
                counts.append(len(payload) if isinstance(payload, list) else 1)
        real_record(message, names, back, found)

    monkeypatch.setattr(matcher_mod, "_record", spy)
    return counts


def test_raw_or_fires_once_per_true_branch() -> None:
    with raw_ruleset({"r": {"all": [{"m": {"$or": [{"x": 1}, {"y": 2}, {"z": 3}]}}]}}) as h:
        assert raw_fired(h, [{"id": "a", "x": 1, "y": 2, "z": 0}]) == ["a", "a"]


def test_matcher_dedupes_or_duplicates(delivered: list[int]) -> None:
    p = probe("p", {"$or": [{"x": 1}, {"y": 2}, {"z": 3}]})
    result = run_once([p], [("A", {"x": 1, "y": 2, "z": 3}), ("B", {"x": 9, "y": 2}), ("C", {"x": 0})])
    assert sum(delivered) == 4  # the engine delivered A three times and B once ...
    assert result == {"p": [("A",), ("B",)]}  # ... grader reports each item once, sorted


def test_or_in_a_rule_cites_each_item_once(tmp_path) -> None:
    when = {"name": "hit", "some": {"any": [{"fact": "flag", "equals": True}, {"fact": "count", "gt": 1},
                                            {"tag": "analysis"}]}}
    pack = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("r", "meets", when, "{hit} ({hit.count})")])])
    ev = kit.write_evidence(tmp_path, [kit.item("A", facts={"flag": True, "count": 5}, tags=["analysis"]),
                                       kit.item("B", facts={"flag": False, "count": 0})])
    finding = kit.grade(pack, ev).criterion("T-01")
    assert finding.evidence == ["A"]
    assert finding.rationale == "A (1)"


def test_raw_engine_multiplies_activations_for_or_inside_and(delivered: list[int]) -> None:
    """The trap: one item matching all: [any: [3 tests]] x 5 is delivered 3**5 times."""
    k, width = 5, 3
    tests = [{"any": [{"fact": f"f{i}_{j}", "equals": True} for j in range(width)]} for i in range(k)]
    p = probe("p", expression(kit_cond({"all": tests}), TextNeedles()))
    fact = {f"f_f{i}_{j}": True for i in range(k) for j in range(width)}
    assert run_once([p], [("A", fact)]) == {"p": [("A",)]}  # grader still reports A once ...
    assert sum(delivered) == width**k  # ... but the engine delivered it 243 times


def _any_grid(k: int, width: int) -> dict[str, Any]:
    return {"name": "hit", "some": {"all": [{"any": [{"fact": "flag", "equals": True}] +
                                                     [{"fact": "count", "equals": i * 10 + j} for j in range(width - 1)]}
                                            for i in range(k)]}}


def test_loader_refuses_a_clause_that_multiplies_reports_beyond_the_bound(tmp_path) -> None:
    pack_dir = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("r", "meets", _any_grid(5, 3))])])
    with pytest.raises(InputError) as exc:
        load_pack(pack_dir)
    problem = next(p for p in exc.value.problems if p.code == "RULE-143")
    assert problem.file.endswith("T-01.yaml") and problem.line is not None
    assert "243 times" in problem.message


def test_a_clause_within_the_bound_grades(tmp_path) -> None:
    pack_dir = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("r", "meets", _any_grid(3, 3))])])
    ev = kit.write_evidence(tmp_path, [kit.item("A", facts={"flag": True}), kit.item("B", facts={"count": 0})])
    finding = kit.grade(pack_dir, ev).criterion("T-01")
    assert finding.evidence == ["A"]  # B matches the first 'any' only


def kit_cond(raw: dict[str, Any]):
    """Parse a raw item condition with the real parser, declaring every fact it names as bool."""
    from grader.loading.conditions import ParseContext, parse_cond
    from grader.loading.yamlsrc import YamlDocument
    from grader.models.pack import FactSpec

    names: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            if "fact" in x:
                names.add(x["fact"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(raw)
    ctx = ParseContext(doc=YamlDocument(path=Path("x.yaml"), display="x.yaml", data=raw),
                       facts={n: FactSpec(type="bool", description="A fact.") for n in names},
                       pillars=["alpha"])
    cond = parse_cond(raw, (), ctx)
    assert cond is not None and not ctx.problems, ctx.problems
    return cond


# --- trap: equality coerces types ("5" == 5) -------------------------------------------------


def test_raw_equality_coerces_text_to_number() -> None:
    with raw_ruleset({"r": {"all": [{"m": {"x": 5}}]}}) as h:
        assert raw_fired(h, [{"id": "a", "x": "5"}]) == ["a"]


def test_loader_refuses_a_rule_value_of_the_wrong_type(tmp_path) -> None:
    crit = kit.criterion("T-01", [kit.rule("r", "meets", {"some": {"fact": "count", "equals": "5"}})])
    with pytest.raises(InputError) as err:
        load_pack(kit.write_pack(tmp_path, [crit]))
    assert "RULE-118" in {p.code for p in err.value.problems}


def test_grading_refuses_an_evidence_fact_of_the_wrong_type(tmp_path) -> None:
    crit = kit.criterion("T-01", [kit.rule("r", "meets", {"some": {"fact": "count", "equals": 5}})])
    pack = kit.write_pack(tmp_path, [crit])
    ev = kit.write_evidence(tmp_path, [kit.item("A", facts={"count": "5"})])
    with pytest.raises(InputError) as err:
        kit.grade(pack, ev)
    assert "EVID-024" in {p.code for p in err.value.problems}


# --- trap: $mt is anchored, has its own dialect, and leaks -------------------------------------


def test_raw_mt_is_anchored_and_ignores_backslash_classes() -> None:
    with raw_ruleset({"r": {"all": [{"m": {"$mt": {"s": "abc"}}}]},
                      "d": {"all": [{"m": {"$mt": {"n": "\\d+"}}}]}}) as h:
        dre.assert_facts(h, json.dumps([{"id": "a", "s": "xxabcxx"}, {"id": "b", "s": "abc"},
                                        {"id": "c", "n": "123"}]))
        assert sorted((r, b["m"]["id"]) for r, b in raw_drain(h)) == [("r", "b")]


def test_compiled_probes_never_use_regex_or_engine_negation() -> None:
    for p in acpo_compiled().probes:
        for alias, expr in p.patterns:
            assert not alias.endswith("$not")
            text = json.dumps(expr)
            assert "$mt" not in text and "$imt" not in text and "$not" not in text, p.key


@pytest.mark.parametrize(("needle", "statement", "hit"), [
    ("abc", "xxABCxx", True),          # unanchored and case-insensitive
    ("\\d+", "there were 123 cases", False),  # no regex: a literal search
    ("\\d+", "the pattern \\d+ is literal", True),
    ("(((", "brackets ((( here", True),  # an unclosed group is just text
    ("müller", "Interview with MÜLLER", True),  # case folding beyond ASCII
])
def test_text_search_is_a_literal_casefolded_substring(tmp_path, needle, statement, hit) -> None:
    when = {"name": "hit", "some": {"text": needle}}
    pack = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("r", "meets", when)])])
    ev = kit.write_evidence(tmp_path, [kit.item("A", statement=statement)])
    assert kit.grade(pack, ev).criterion("T-01").trace[0].clauses[0].matched == (["A"] if hit else [])


# --- trap: fact identity is a 32-bit FNV-1a hash of the id -------------------------------------


def test_fnv1a32_collision_is_real() -> None:
    assert fnv1a32("evidence-925288") == fnv1a32("evidence-1014204")
    assert fnv1a32("evidence-925288") != fnv1a32("evidence-925289")


def test_raw_engine_rejects_the_second_of_two_colliding_ids() -> None:
    with raw_ruleset({"r": {"all": [{"m": {"t": "e"}}]}}) as h:
        assert dre.assert_fact(h, json.dumps({"id": "evidence-925288", "t": "e"}))[0] == 0
        # code 2: MessageObservedException, although the ids differ
        assert dre.assert_fact(h, json.dumps({"id": "evidence-1014204", "t": "e"}))[0] == 2
        assert [b["m"]["id"] for _, b in raw_drain(h)] == ["evidence-925288"]


def test_matcher_matches_both_colliding_ids() -> None:
    p = probe("p", {"t": "e"})
    facts = [("evidence-925288", {"t": "e"}), ("evidence-1014204", {"t": "e"}), ("other", {"t": "x"})]
    assert run_once([p], facts) == {"p": [("evidence-1014204",), ("evidence-925288",)]}


def test_colliding_evidence_ids_grade_through_the_whole_pipeline(tmp_path) -> None:
    when = {"name": "hit", "at_least": 2, "where": {"fact": "flag", "equals": True}}
    pack = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("r", "meets", when, "{hit}")])])
    ev = kit.write_evidence(tmp_path, [kit.item("evidence-925288", facts={"flag": True}),
                                       kit.item("evidence-1014204", facts={"flag": True})])
    finding = kit.grade(pack, ev).criterion("T-01")
    assert finding.outcome == "meets"
    assert finding.rationale == "evidence-1014204, evidence-925288"


def test_engine_ids_are_remapped_when_their_hashes_collide(monkeypatch) -> None:
    """Force a collision between the engine ids e0 and e1: the second must be renamed, and the
    matches must still come back under the right evidence ids."""
    real = matcher_mod.fnv1a32
    monkeypatch.setattr(matcher_mod, "fnv1a32", lambda s: real("e0") if s == "e1" else real(s))
    _, facts_json, back = matcher_mod._engine_facts([("X", {"t": 1}), ("Y", {"t": 1}), ("Z", {"t": 2})], "s")
    ids = [json.loads(f)["id"] for f in facts_json]
    assert ids[0] == "e0" and ids[1] != "e1" and len(set(ids)) == 3
    assert back == {ids[0]: "X", ids[1]: "Y", ids[2]: "Z"}
    assert run_once([probe("p", {"t": 1})], [("X", {"t": 1}), ("Y", {"t": 1}), ("Z", {"t": 2})]) == {
        "p": [("X",), ("Y",)]}


def test_engine_ids_have_distinct_hashes_for_many_facts() -> None:
    _, facts_json, back = matcher_mod._engine_facts([(f"I{n}", {"t": 1}) for n in range(5000)], "s")
    hashes = {fnv1a32(json.loads(f)["id"]) for f in facts_json}
    assert len(hashes) == 5000 and fnv1a32(SENTINEL) not in hashes
    assert sorted(back.values()) == sorted(f"I{n}" for n in range(5000))


def test_a_matcher_reuses_its_engine_ids_across_sets_of_any_size(monkeypatch) -> None:
    """A Matcher works its ids out once and extends them for a larger set; a clash found on the
    way (forced here between e1 and e0) is renamed for every later run too."""
    real = matcher_mod.fnv1a32
    monkeypatch.setattr(matcher_mod, "fnv1a32", lambda s: real("e0") if s == "e1" else real(s))
    with Matcher([probe("p", {"t": 1})]) as m:
        for size in (2, 60, 3, 60):
            facts = [(f"X{n}", {"t": 1 if n % 3 else 2}) for n in range(size)]
            assert m.match(facts) == {"p": sorted((f"X{n}",) for n in range(size) if n % 3)}, size


def test_identical_facts_under_different_ids_are_both_matched() -> None:
    """Without an id the engine identifies a fact by its content; grader always sets an id."""
    same = {"t": 1, "x": "same"}
    assert run_once([probe("p", {"t": 1})], [("A", dict(same)), ("B", dict(same))]) == {"p": [("A",), ("B",)]}


# --- trap: $not is order-sensitive --------------------------------------------------------------


def test_raw_not_depends_on_assert_order() -> None:
    rules = {"r": {"all": [{"a": {"t": "claim"}}, {"n$not": {"t": "ev"}}]}}
    claim, ev = {"id": "c", "t": "claim"}, {"id": "v", "t": "ev"}
    with raw_ruleset(rules) as h:
        dre.assert_facts(h, json.dumps([claim, ev]))
        first = raw_drain(h)
    with raw_ruleset(rules) as h:
        dre.assert_facts(h, json.dumps([ev, claim]))
        second = raw_drain(h)
    assert [r for r, _ in first] == ["r"]  # the later 'ev' did not cancel the queued activation
    assert second == []


@pytest.mark.parametrize("order", [["claim", "ev"], ["ev", "claim"]])
def test_none_clause_does_not_depend_on_item_order(tmp_path, order) -> None:
    when = {"all": [{"name": "claim", "some": {"tag": "claim"}}, {"none": {"tag": "evidence"}}]}
    pack = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("r", "fails", when, "{claim}")])])
    items = {"claim": kit.item("C", tags=["claim"]), "ev": kit.item("V", tags=["evidence"])}
    ev = kit.write_evidence(tmp_path, [items[k] for k in order])
    assert kit.grade(pack, ev).criterion("T-01").outcome == "insufficient-evidence"


# --- trap: error 303 when more than 64 conditions hold for one fact ---------------------------

_CHILD_303 = textwrap.dedent("""
    import json, os, sys
    import durable_rules_engine as d
    mode = sys.argv[1]
    if mode == "raw":
        S = "__sentinel"
        rules = {f"r{i}": {"all": [{"m": {"$and": [{"t": "e"}, {"$gte": {"score": i}}]}}]} for i in range(200)}
        rules[S] = {"all": [{"m": {"$ex": {S: 1}}}]}
        h = d.create_ruleset("raw303", json.dumps(rules))
        d.assert_fact(h, json.dumps({"id": S, S: 1}))
        print("score63", d.assert_fact(h, json.dumps({"id": "a", "t": "e", "score": 63}))[0], flush=True)
        try:
            d.assert_fact(h, json.dumps({"id": "b", "t": "e", "score": 64}))
            print("score64 ok", flush=True)
        except d.error as exc:
            print("score64 error", exc, flush=True)
    else:
        from grader.engine import matcher
        from grader.engine.compiler import Probe
        from grader.errors import EngineError
        matcher.pack_chunks = lambda probes, budget=None: [list(probes)]  # no chunking
        probes = [Probe(key=f"p{i}", patterns=(("m", {"$gte": {"score": i}}),), tests=1) for i in range(200)]
        m = matcher.Matcher(probes)
        try:
            m.match([("A", {"score": 1000})])
            print("unchunked ok", flush=True)
        except EngineError as exc:
            print("unchunked EngineError", exc, flush=True)
    os._exit(0)  # no teardown of a half-updated state
""")


def _child(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", _CHILD_303, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_raw_error_303_when_more_than_64_conditions_hold() -> None:
    out = _child("raw")
    assert "score63 0" in out
    assert "score64 error" in out and "303" in out


def test_unchunked_matcher_reports_303_as_an_engine_error_never_as_no_match() -> None:
    out = _child("unchunked")
    assert "unchunked EngineError" in out and "303" in out


def test_two_hundred_probes_true_for_one_fact_are_chunked() -> None:
    probes = [fact_probe(f"p{i:03d}", "score", "gte", i) for i in range(200)]
    chunks = pack_chunks(probes)
    assert len(chunks) >= 4
    assert all(sum(p.tests for p in c) <= CHUNK_TESTS for c in chunks)
    assert [p for c in chunks for p in c] == probes  # order kept, nothing lost
    with Matcher(probes) as m:
        assert m.ruleset_count == len(chunks)
        result = m.match([("A", {"f_score": 1000}), ("B", {"f_score": 99}), ("C", {})])
    assert set(result) == {p.key for p in probes}
    for i in range(200):
        assert result[f"p{i:03d}"] == ([("A",), ("B",)] if i <= 99 else [("A",)])


def test_many_true_conditions_through_a_pack(tmp_path) -> None:
    """70 criteria whose clauses all hold for one item: the whole pipeline, no error 303."""
    crits = [kit.criterion(f"T-{i:02d}", [kit.rule("r", "meets", {"name": "hit", "some": {"fact": "score", "gte": i}},
                                                  "{hit}")]) for i in range(70)]
    pack = kit.write_pack(tmp_path, crits)
    ev = kit.write_evidence(tmp_path, [kit.item("A", criteria=[c["id"] for c in crits], facts={"score": 1000})])
    result = kit.grade(pack, ev)
    assert {c.criterion: c.outcome for c in result.criteria} == {c["id"]: "meets" for c in crits}
    assert all(c.evidence == ["A"] for c in result.criteria)


# --- trap: create_ruleset hangs with more than 512 children under one node --------------------


def test_six_hundred_thresholds_on_one_field_are_split_and_match_correctly() -> None:
    probes = [fact_probe(f"p{i:03d}", "score", "gte", i) for i in range(600)]
    chunks = pack_chunks(probes)
    assert len(chunks) >= 10
    assert max(len(c) for c in chunks) <= CHUNK_TESTS < 512
    facts = [("LOW", {"f_score": 0}), ("MID", {"f_score": 300}), ("TOP", {"f_score": 599}),
             ("HUGE", {"f_score": 10_000}), ("NONE", {})]
    with Matcher(probes) as m:
        assert m.ruleset_count == len(chunks)
        result = m.match(facts)
    values = {"LOW": 0, "MID": 300, "TOP": 599, "HUGE": 10_000}
    for i in range(600):
        expected = sorted((k,) for k, v in values.items() if v >= i)
        assert result[f"p{i:03d}"] == expected


def test_six_hundred_equalities_on_one_field_match_correctly() -> None:
    """'One rule per allowed value' rulebooks hit the same wall in the raw engine."""
    probes = [fact_probe(f"p{i:03d}", "score", "equals", i) for i in range(600)]
    facts = [(f"I{v}", {"f_score": v}) for v in (0, 256, 511, 512, 513, 599, 600)]
    result = run_once(probes, facts)
    assert result == {f"p{v:03d}": [(f"I{v}",)] for v in (0, 256, 511, 512, 513, 599)}


# --- trap: hard cap of 4,096 rules per ruleset ---------------------------------------------------


def test_chunks_never_exceed_the_rule_cap() -> None:
    probes = [probe(f"p{i}", {"x": i}) for i in range(1200)]
    chunks = pack_chunks(probes, budget=10**9)  # even with no test budget
    assert max(len(c) for c in chunks) <= CHUNK_RULES < 4096
    assert [p for c in chunks for p in c] == probes


# --- trap: the expression sequence of one rule holds at most 32 entries (error 113) -----------


def _negated_any(n: int) -> dict[str, Any]:
    return {"not": {"any": [{"fact": "flag", "equals": True}] + [{"fact": "count", "equals": i} for i in range(n)]}}


def test_raw_engine_refuses_more_than_15_and_or_nodes() -> None:
    def build(n_or: int) -> None:
        expr = {"$and": [{"k": 1}] + [{"$or": [{"$nex": {f"a{i}": 1}}, {"$neq": {f"a{i}": 1}}]} for i in range(n_or)]}
        h = dre.create_ruleset("trap_113", json.dumps({"r": {"all": [{"m": expr}]}}))
        dre.delete_ruleset(h)

    build(14)  # 15 nodes: fine
    with pytest.raises(dre.error, match="113"):
        build(15)


def test_a_clause_the_engine_cannot_build_is_a_located_input_error(tmp_path) -> None:
    pack_dir = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("r", "meets", {"name": "hit", "some": _negated_any(15)})])])
    loaded = load_pack(pack_dir)
    with pytest.raises(InputError) as exc:
        Grader(loaded)
    problem = exc.value.problems[0]
    assert problem.code == "RULE-144"
    assert problem.file.endswith("T-01.yaml") and problem.line is not None


def test_the_largest_buildable_negated_clause_grades(tmp_path) -> None:
    pack_dir = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("r", "meets", {"name": "hit", "some": _negated_any(13)})])])
    ev = kit.write_evidence(tmp_path, [kit.item("A", facts={"flag": False, "count": 20}),
                                       kit.item("B", facts={"count": 3}), kit.item("C")])
    with Grader(load_pack(pack_dir)) as g:
        finding = g.grade(load_evidence(ev)).criterion("T-01")
    assert finding.trace[0].clauses[0].matched == ["A", "C"]


# --- trap: delete_state can segfault; teardown and memory ---------------------------------------


def test_create_run_and_close_300_matchers() -> None:
    probes = [fact_probe("yes", "flag", "equals", True), fact_probe("never", "flag", "absent", True)]
    scoped = [probe(p.key, {"$and": [{"kind": "strength"}, p.patterns[0][1]]}) for p in probes]
    for n in range(300):
        with Matcher(scoped) as m:
            facts = [("A", {"kind": "strength", "f_flag": True})] if n % 2 else [("B", {"kind": "other"})]
            result = m.match(facts)  # odd runs match; even runs fire only the sentinel
        assert result == ({"yes": [("A",)]} if n % 2 else {})


def test_matcher_with_no_facts_and_no_probes() -> None:
    with Matcher([fact_probe("p", "flag", "equals", True)]) as m:
        assert m.match([]) == {}
    with Matcher([]) as m:
        assert m.ruleset_count == 0
        assert m.match([("A", {"f_flag": True})]) == {}


def test_closed_matcher_refuses_to_run_and_close_is_idempotent() -> None:
    m = Matcher([fact_probe("p", "flag", "equals", True)])
    assert m.match([("A", {"f_flag": True})]) == {"p": [("A",)]}
    m.close()
    m.close()
    assert m.ruleset_count == 0
    with pytest.raises(EngineError):
        m.match([("A", {"f_flag": True})])


def test_facts_that_match_nothing_are_not_an_error() -> None:
    """The engine answers 'not handled' for a fact no rule matched; grader treats it as normal."""
    with raw_ruleset({"r": {"all": [{"m": {"t": "e"}}]}}) as h:
        assert dre.assert_fact(h, json.dumps({"id": "a", "t": "zzz"}))[0] == 1
    assert run_once([probe("p", {"t": "e"})], [("A", {"t": "zzz"}), ("B", {})]) == {}


# --- repeatability: runs, matchers and fact order --------------------------------------------------


def _mixed_probes() -> tuple[list[Probe], list[tuple[str, dict[str, Any]]]]:
    needles = TextNeedles()
    probes = [fact_probe(f"ge{i}", "score", "gte", i * 10, needles) for i in range(30)]
    probes += [fact_probe("flag", "flag", "equals", True, needles),
               fact_probe("noflag", "flag", "not_equals", True, needles),
               fact_probe("named", "name", "contains", "unit", needles)]
    probes.append(Probe(key="pair", tests=2, patterns=(("a", {"f_flag": True}), ("b", {"$and": [
        {"f_flag": False}, {"f_topic": {"a": "f_topic"}}]}))))
    from grader.models.evidence import EvidenceItem

    rng = random.Random(7)
    facts = []
    for n in range(40):
        fv: dict[str, Any] = {"score": rng.randint(0, 320), "topic": rng.choice(["a", "b", "c"])}
        if rng.random() < 0.7:
            fv["flag"] = rng.random() < 0.5
        if rng.random() < 0.5:
            fv["name"] = rng.choice(["Major Crime Unit", "regional UNIT", "hub"])
        it = EvidenceItem.model_validate({
            "id": f"E-{n:02d}", "pillar": "alpha", "kind": "strength", "statement": "S.", "facts": fv,
            "source": {"document": "doc", "section": "s"}, "verified": True, "marking": "OFFICIAL",
            "collected": kit.COLLECTED})
        facts.append((it.id, engine_fact(it, needles)))
    return probes, facts


def test_same_matcher_twice_and_two_matchers_give_identical_results() -> None:
    probes, facts = _mixed_probes()
    with Matcher(probes) as m1, Matcher(probes) as m2:
        first = m1.match(facts)
        again = m1.match(facts)  # same engine ids (e0, e1, ...) reused: no identity clash
        other = m2.match(facts)
        interleaved = m1.match(facts[:5])
        last = m1.match(facts)
    assert first == again == other == last
    # a run on five of the facts sees exactly the matches among those five
    five = {evidence_id for evidence_id, _ in facts[:5]}
    within = {key: [m for m in matches if set(m) <= five] for key, matches in first.items()}
    assert interleaved == {key: matches for key, matches in within.items() if matches}
    assert first["pair"] and all(len(m) == 2 for m in first["pair"])
    assert len(first["ge0"]) == 40


def test_result_does_not_depend_on_fact_order() -> None:
    probes, facts = _mixed_probes()
    with Matcher(probes) as m:
        expected = m.match(facts)
        rng = random.Random(11)
        for _ in range(5):
            shuffled = list(facts)
            rng.shuffle(shuffled)
            assert m.match(shuffled) == expected


def test_results_are_sorted_and_deduplicated() -> None:
    probes, facts = _mixed_probes()
    result = run_once(probes, facts)
    assert list(result) == sorted(result)
    for matches in result.values():
        assert matches == sorted(set(matches))
