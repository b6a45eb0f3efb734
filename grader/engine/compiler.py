"""Compile a rule pack's counting clauses into durable-rules rule definitions ("probes").

Each counting or pair clause becomes one durable-rules rule (a *probe*) whose single pattern is
the clause's item condition joined with its scope. The engine reports every item (or pair) that
matches each probe; counting and the boolean logic between clauses happen over those matches in
:mod:`grader.grading.evaluate`. This module is pure data-to-data: it never touches the engine.

How the durable-rules traps are avoided here (see ../shared/notes/durable-rules-field-notes.md):

- every condition dict has exactly one key (the engine silently tests only the first key);
- ``not`` is pushed down to the tests (De Morgan), and a negated test is true for an item that
  lacks the field, so no pattern ever uses the engine's order-sensitive ``$not``;
- ``contains`` on text is decided in Python beforehand and handed to the engine as a boolean
  (the engine's ``$mt`` regexes have their own dialect, are anchored, and leak memory);
- list membership (tags, criteria) becomes one boolean key per member;
- dates are compared as ISO strings; types were checked when the pack loaded, so the engine's
  type coercion (``"5" == 5``) can never matter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from grader.engine.limits import (
    ENGINE_MAX_CHILDREN,
    ENGINE_MAX_PASSING,
    MAX_ALTERNATIVES,
    ruleset_shape,
    surely_within_limits,
)
from grader.errors import InputError, Problem
from grader.models.pack import (
    AllOf,
    AnyOf,
    Cond,
    CountClause,
    NotOf,
    PairClause,
    RulePack,
    Test,
    counting_clauses,
)

#: Where each item field lives in an engine fact.
FIELD_KEYS = {
    "kind": "kind",
    "pillar": "pillar",
    "marking": "marking",
    "source.document": "src_document",
    "source.section": "src_section",
    "source.list": "src_list",
    "indicator.measure": "ind_measure",
    "indicator.unit": "ind_unit",
    "indicator.value": "ind_value",
    "indicator.comparator": "ind_comparator",
}
LIST_PREFIX = {"criteria": "crit_", "tags": "tag_"}
FACT_PREFIX = "f_"
_OPS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
_COMPLEMENT = {"lt": "$gte", "lte": "$gt", "gt": "$lte", "gte": "$lt"}


@dataclass(frozen=True)
class Probe:
    """One durable-rules rule: the items (or pairs) matching one clause for one criterion."""

    key: str
    patterns: tuple[tuple[str, Any], ...]  # (alias, expression) in order
    tests: int
    #: The scope every matching item must be in, as a fact key and value: ``("crit_ENF-01",
    #: True)`` or ``("pillar", "enforcement")``; None for a programme-wide clause. The matcher
    #: sends an item only to the rulesets whose probes its scope can satisfy.
    route: tuple[str, Any] | None = None

    def definition(self) -> dict[str, Any]:
        # `cap` delivers all of a rule's matches in one action call: ~3x faster than one by one.
        return {"all": [{alias: expr} for alias, expr in self.patterns], "cap": 1_000_000}


#: The rule every ruleset carries beside its probes, and the fact that fires it (see matcher).
SENTINEL = "__sentinel"


def ruleset_definition(probes: list[Probe]) -> tuple[dict[str, Any], dict[str, str]]:
    """The ruleset handed to the engine for ``probes``, and its rule names -> probe keys.

    The one place a ruleset is built: the matcher creates exactly this, and
    :func:`compile_pack` measures exactly this against the engine's limits.
    """
    definition: dict[str, Any] = {}
    names: dict[str, str] = {}
    for i, probe in enumerate(probes):
        definition[f"p{i}"] = probe.definition()
        names[f"p{i}"] = probe.key
    definition[SENTINEL] = {"all": [{"m": {"$ex": {SENTINEL: 1}}}]}
    return definition, names


@dataclass
class TextNeedles:
    """Text searches decided in Python: (subject, name, needle) -> boolean fact key."""

    keys: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def key_for(self, subject: str, name: str, needle: str) -> str:
        k = (subject, name, needle.casefold())
        if k not in self.keys:
            self.keys[k] = f"tx_{len(self.keys)}"
        return self.keys[k]


@dataclass
class CompiledPack:
    """Every probe of a pack, plus the Python-side text searches the facts must carry."""

    probes: list[Probe]
    needles: TextNeedles


def probe_key(criterion_id: str | None, clause: CountClause | PairClause) -> str:
    """The key under which matches of ``clause`` (for ``criterion_id``) are reported."""
    return f"{criterion_id or '*'}|{clause.key}"


#: Most "$and"/"$or" nodes in one pattern. durable-rules keeps each in a fixed 32-entry
#: expression sequence (two entries a node) and refuses more with error 113 when the ruleset is
#: created, with no hint of which rule; grader checks first and names the clause.
MAX_COMBINATORS = 15


def combinators(expr: Any) -> int:
    """How many "$and"/"$or" nodes an expression has (see MAX_COMBINATORS)."""
    if isinstance(expr, dict) and len(expr) == 1:
        (k, v), = expr.items()
        if k in ("$and", "$or"):
            return 1 + sum(combinators(x) for x in v)
    return 0


def _check_size(probe: Probe, clause: CountClause | PairClause, problems: dict[str, Problem]) -> None:
    worst = max(combinators(expr) for _, expr in probe.patterns)
    if worst > MAX_COMBINATORS and clause.key not in problems:
        problems[clause.key] = _problem(
            clause, "RULE-144",
            f"this clause compiles to {worst} and/or groups; the matching engine takes at most "
            f"{MAX_COMBINATORS}. Split it into several clauses or flatten nested all/any/not")


def _problem(clause: CountClause | PairClause, code: str, message: str) -> Problem:
    at = clause.at
    return Problem(file=at.file if at else clause.key, line=at.line if at else None,
                   column=at.column if at else None, code=code, message=message)


def _check_engine_limits(probe: Probe, clause: CountClause | PairClause, problems: dict[str, Problem]) -> None:
    """Refuse, at the clause, a probe whose own ruleset the engine could not build or run.

    Measured on the ruleset the matcher would create for this probe alone (a probe that big is
    always alone: rulesets are packed to CHUNK_TESTS tests, far below every limit).
    """
    if clause.key in problems:
        return
    definition = ruleset_definition([probe])[0]
    if surely_within_limits(definition):
        return
    shape = ruleset_shape(definition)
    if shape.alternatives > MAX_ALTERNATIVES:
        problems[clause.key] = _problem(
            clause, "RULE-147",
            f"this clause expands to more than {MAX_ALTERNATIVES:,} alternatives (every value of each "
            "one_of list combined with every value of the others); grader takes at most "
            f"{MAX_ALTERNATIVES:,}. Split it into several clauses, or shorten the one_of lists")
    elif shape.widest > ENGINE_MAX_CHILDREN:
        problems[clause.key] = _problem(
            clause, "RULE-145",
            f"this clause makes the matching engine choose among {shape.widest:,} tests at one step "
            f"(a one_of list of that many values, or an any of that many tests); the engine takes at most "
            f"{ENGINE_MAX_CHILDREN} and hangs above that. Split the list over several clauses "
            "combined with any")
    elif shape.passing > ENGINE_MAX_PASSING:
        problems[clause.key] = _problem(
            clause, "RULE-146",
            f"one item can pass {shape.passing} of this clause's tests side by side; the matching engine "
            f"fails (error 303) above {ENGINE_MAX_PASSING}. Split the any list over several clauses "
            "combined with any")


def compile_pack(pack: RulePack) -> CompiledPack:
    """Compile every clause of ``pack`` (criterion rules, mitigations, concerns, uplifts for each
    criterion; context notes once) into probes, in a stable order.

    Raises InputError, located at the clause, for a clause the engine could not build.
    """
    needles = TextNeedles()
    probes: dict[str, Probe] = {}
    problems: dict[str, Problem] = {}
    shared = [*pack.manifest.uplifts, *pack.manifest.shared_concerns]
    for crit in pack.criteria:
        owned = [*crit.rules, *crit.mitigations, *crit.concerns, *crit.uplifts, *shared]
        for rule in owned:
            for clause in counting_clauses(rule.when):
                key = probe_key(crit.id, clause)
                if key not in probes:
                    probes[key] = _probe(key, clause, crit.id, crit.pillar, needles)
                    _check_size(probes[key], clause, problems)
                    _check_engine_limits(probes[key], clause, problems)
    for note in pack.manifest.context_notes:
        for clause in counting_clauses(note.when):
            key = probe_key(None, clause)
            probes[key] = _probe(key, clause, None, None, needles)
            _check_size(probes[key], clause, problems)
            _check_engine_limits(probes[key], clause, problems)
    if problems:
        raise InputError(problems.values())
    return CompiledPack(probes=list(probes.values()), needles=needles)


def _route(clause: CountClause | PairClause, criterion: str | None, pillar: str | None) -> tuple[str, Any] | None:
    if clause.scope == "criterion" and criterion is not None:
        return (LIST_PREFIX["criteria"] + criterion, True)
    if clause.scope == "pillar" and pillar is not None:
        return (FIELD_KEYS["pillar"], pillar)
    return None


def _scope(route: tuple[str, Any] | None) -> list[Any]:
    if route is not None:
        return [{route[0]: route[1]}]
    # Every evidence fact has a kind; the engine's own state fact and grader's sentinel do not.
    # Without this, a purely negative condition (absent, not ...) would match them too.
    return [{"$ex": {FIELD_KEYS["kind"]: 1}}]


def _probe(key: str, clause: CountClause | PairClause, criterion: str | None, pillar: str | None,
           needles: TextNeedles) -> Probe:
    route = _route(clause, criterion, pillar)
    scope = _scope(route)
    if isinstance(clause, CountClause):
        expr = _and([*scope, expression(clause.where, needles)])
        return Probe(key=key, patterns=(("m", expr),), tests=size(expr), route=route)
    first = _and([*scope, expression(clause.first, needles)])
    # The join tests go first: durable-rules silently ignores a correlation that follows a
    # nested "$and" in the same "$and" (found while building the ACPO pack; regression test in
    # tests/engine/test_compiler_traps.py).
    joins = [{same_key(f): {"a": same_key(f)}} for f in clause.same]
    second = _and([*joins, *scope, expression(clause.second, needles)])
    return Probe(key=key, patterns=(("a", first), ("b", second)), tests=size(first) + size(second), route=route)


def same_key(field_name: str) -> str:
    if field_name.startswith("facts."):
        return FACT_PREFIX + field_name[len("facts."):]
    return FIELD_KEYS[field_name]


def _flat(op: str, parts: list[Any]) -> list[Any]:
    out: list[Any] = []
    for p in parts:
        if isinstance(p, dict) and len(p) == 1 and op in p:
            out.extend(p[op])
        else:
            out.append(p)
    return out


def _and(parts: list[Any]) -> Any:
    """``$and`` of parts, nested ``$and``s flattened (fewer engine nodes, and see _probe)."""
    parts = _flat("$and", parts)
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[Any]) -> Any:
    parts = _flat("$or", parts)
    return parts[0] if len(parts) == 1 else {"$or": parts}


def expression(cond: Cond, needles: TextNeedles, negate: bool = False) -> Any:
    """The durable-rules expression for ``cond`` (or for its negation)."""
    if isinstance(cond, NotOf):
        return expression(cond.item, needles, not negate)
    if isinstance(cond, AllOf | AnyOf):
        parts = [expression(c, needles, negate) for c in cond.items]
        conjunctive = isinstance(cond, AllOf) != negate  # De Morgan
        return _and(parts) if conjunctive else _or(parts)
    assert isinstance(cond, Test)
    return _test(cond, needles, negate)


def _value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


def _test(t: Test, needles: TextNeedles, negate: bool) -> Any:
    if t.subject == "compare":
        return _compare(t, negate)
    if t.subject == "field" and t.name in LIST_PREFIX:
        k = LIST_PREFIX[t.name] + str(t.value)
        return {"$nex": {k: 1}} if negate else {k: True}
    if t.op == "contains":
        k = needles.key_for(t.subject, t.name, str(t.value))
        return {k: not negate}
    key = FACT_PREFIX + t.name if t.subject == "fact" else FIELD_KEYS[t.name]
    missing = {"$nex": {key: 1}}
    op, v = t.op, t.value
    if op == "exists":
        return missing if negate else {"$ex": {key: 1}}
    if op == "absent":
        return {"$ex": {key: 1}} if negate else missing
    if op == "equals":
        return _or([missing, {"$neq": {key: _value(v)}}]) if negate else {key: _value(v)}
    if op == "not_equals":
        return _or([missing, {key: _value(v)}]) if negate else {"$neq": {key: _value(v)}}
    if op == "one_of":
        if negate:
            return _or([missing, _and([{"$neq": {key: _value(x)}} for x in v])])
        return _or([{key: _value(x)} for x in v])
    if op == "between":
        lo, hi = _value(v[0]), _value(v[1])
        if negate:
            return _or([missing, {"$lt": {key: lo}}, {"$gt": {key: hi}}])
        return _and([{"$gte": {key: lo}}, {"$lte": {key: hi}}])
    if negate:
        return _or([missing, {_COMPLEMENT[op]: {key: _value(v)}}])
    return {_OPS[op]: {key: _value(v)}}


def _compare(t: Test, negate: bool) -> Any:
    """Indicator against comparator, done by the engine with arithmetic on the same fact.

    ``ratio OP r`` is ``value OP comparator * r`` (only for a positive comparator);
    ``difference OP d`` is ``value OP comparator + d``.
    """
    value, comp = FIELD_KEYS["indicator.value"], FIELD_KEYS["indicator.comparator"]
    arith = "$mul" if t.name == "ratio" else "$add"

    def rhs(x: float) -> Any:
        return {arith: {"$l": {"$m": comp}, "$r": x}}

    bounds = [("gte", t.value[0]), ("lte", t.value[1])] if t.op == "between" else [(t.op, t.value)]
    guards = [{"$gt": {comp: 0}}] if t.name == "ratio" else [{"$ex": {comp: 1}}]
    if negate:
        return _or([{"$nex": {value: 1}}, {"$nex": {comp: 1}},
                    *([{"$lte": {comp: 0}}] if t.name == "ratio" else []),
                    *[{_COMPLEMENT[op]: {value: rhs(x)}} for op, x in bounds]])
    return _and([*guards, *[{_OPS[op]: {value: rhs(x)}} for op, x in bounds]])


def size(expr: Any) -> int:
    """Number of single tests in an expression: what the engine's alpha network holds."""
    if isinstance(expr, dict) and len(expr) == 1:
        (k, v), = expr.items()
        if k in ("$and", "$or"):
            return sum(size(x) for x in v)
    return 1
