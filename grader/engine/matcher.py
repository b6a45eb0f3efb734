"""The one module that talks to durable-rules. Nothing else in grader imports it.

It takes compiled probes and a list of engine facts and returns, for each probe, the sorted,
de-duplicated ids of the facts (or pairs of facts) that matched. It uses the C extension
(``durable_rules_engine``) directly, never ``durable.lang`` or its ``Host``: no global registry,
no background timer threads, no rulesets that can never be freed.

Traps handled here (each has a regression test in tests/engine/test_durable_traps.py):

- **error 303** when more than 64 conditions hold for one fact, and **a hang** in
  ``create_ruleset`` (or at its first assert) when one node has 512 children or more: probes
  are packed into several rulesets of at most :data:`CHUNK_TESTS` tests each, so no node of a shared ruleset can have
  more than 61 children; a single probe bigger than that sits alone, and the compiler has
  already measured its ruleset (:mod:`grader.engine.limits`). Before creating any ruleset the
  matcher measures it again and raises :class:`EngineError` rather than hang;
- **fact identity is a 32-bit hash of the id**: evidence ids are replaced by short engine ids
  checked to have distinct hashes, and mapped back afterwards;
- **``$or`` fires once per true branch** and firing order depends on assert order: matches
  are de-duplicated and sorted;
- **``delete_state`` can crash** on a state that never ran an action: each run first asserts a
  sentinel fact that fires a no-op rule;
- **memory**: every run uses its own state id, deleted afterwards; rulesets are deleted by
  :meth:`Matcher.close` (or when the matcher is garbage collected).

Probes are grouped into rulesets by their scope (:attr:`Probe.route`: one criterion, one
pillar, or the whole programme), and each fact is asserted only into the rulesets whose scope it
is in. A fact outside a probe's scope fails that probe's first test anyway, so the matches are
the same; the engine just never sees the fact there. For the ACPO pack and the Derbyshire set
this asserts each item into 2 of 23 rulesets (its criterion's and the programme-wide one's)
instead of into all 11 of the unrouted packing.
"""

from __future__ import annotations

import itertools
import json
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import durable_rules_engine as _dre

from grader.engine.compiler import SENTINEL as _SENTINEL
from grader.engine.compiler import Probe, ruleset_definition
from grader.engine.limits import ENGINE_MAX_CHILDREN, ruleset_shape, surely_within_limits
from grader.errors import EngineError

#: Most tests in one ruleset of several probes. A node's children are distinct tests of its
#: probes, so this keeps every shared node below the engine's 64-conditions-per-fact stack and
#: far below the 512-children hang; a bigger probe is alone, measured by the compiler.
CHUNK_TESTS = 60
#: Most rules in one durable-rules ruleset (the engine's own cap is 4,096).
CHUNK_RULES = 500
_RUN_IDS = itertools.count()
_RULESET_IDS = itertools.count()

Match = tuple[str, ...]


def fnv1a32(text: str) -> int:
    """The engine's identity hash of a fact id (FNV-1a, 32 bits, over signed bytes)."""
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ ((b - 256 if b > 127 else b) & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


def pack_chunks(probes: Sequence[Probe], budget: int = CHUNK_TESTS) -> list[list[Probe]]:
    """Split probes, in order, into groups of at most ``budget`` tests (and CHUNK_RULES rules)."""
    chunks: list[list[Probe]] = []
    current: list[Probe] = []
    used = 0
    for probe in probes:
        if current and (used + probe.tests > budget or len(current) >= CHUNK_RULES):
            chunks.append(current)
            current, used = [], 0
        current.append(probe)
        used += probe.tests
    if current:
        chunks.append(current)
    return chunks


def _delete_rulesets(handles: list[int]) -> None:
    while handles:
        try:
            _dre.delete_ruleset(handles.pop())
        except _dre.error:  # pragma: no cover - nothing more can be done at teardown
            pass


class Matcher:
    """Compiled durable-rules rulesets for a set of probes; reusable for many runs.

    Use as a context manager, or call :meth:`close`, to free the engine's memory promptly.
    """

    def __init__(self, probes: Sequence[Probe]) -> None:
        self._handles: list[int] = []
        self._names: list[dict[str, str]] = []  # per ruleset: engine rule name -> probe key
        self._routes: list[tuple[str, Any] | None] = []  # per ruleset: the scope of its probes
        self._ids = EngineIds()
        self._finalizer = weakref.finalize(self, _delete_rulesets, self._handles)
        for route, chunk in _chunks_by_route(probes):
            definition, names = ruleset_definition(chunk)
            widest = 0 if surely_within_limits(definition) else ruleset_shape(definition).widest
            if widest > ENGINE_MAX_CHILDREN:  # the engine would spin for ever in create_ruleset
                self.close()
                raise EngineError(f"a ruleset would give one engine node {widest:,} children; durable-rules hangs "
                                  f"above {ENGINE_MAX_CHILDREN} (the pack check should have refused the clause)")
            name = f"grader_{next(_RULESET_IDS)}"
            try:
                handle = _dre.create_ruleset(name, json.dumps(definition, ensure_ascii=False))
            except _dre.error as exc:
                self.close()
                raise EngineError(f"durable-rules could not create a ruleset: {exc}") from None
            self._handles.append(handle)
            self._names.append(names)
            self._routes.append(route)

    def __enter__(self) -> Matcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the engine's rulesets. Safe to call twice."""
        _delete_rulesets(self._handles)

    @property
    def ruleset_count(self) -> int:
        return len(self._handles)

    def match(self, facts: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, list[Match]]:
        """Match ``(evidence_id, fact)`` pairs; return ``{probe_key: sorted matches}``.

        A match is a tuple of evidence ids: one for a counting clause, two for a pair.
        Probes that matched nothing are absent from the result.
        """
        if not self._handles and self._names:
            raise EngineError("this matcher was closed")
        sid = f"run{next(_RUN_IDS)}"
        fact_dicts, fact_json, back = _engine_facts(facts, sid, self._ids)
        found: dict[str, set[Match]] = {}
        in_scope = _by_route(self._routes, fact_dicts, fact_json)
        for handle, names, route in zip(self._handles, self._names, self._routes, strict=True):
            if in_scope[route] == "[]":
                continue  # no fact in this ruleset's scope: nothing can match, no state to make
            try:
                self._run(handle, names, sid, in_scope[route], back, found)
            finally:
                try:
                    _dre.delete_state(handle, sid)
                except _dre.error:  # pragma: no cover - state already gone
                    pass
        return {key: sorted(matches) for key, matches in sorted(found.items())}

    def _run(self, handle: int, names: dict[str, str], sid: str, facts_json: str,
             back: dict[str, str], found: dict[str, set[Match]]) -> None:
        try:
            _dre.assert_fact(handle, json.dumps({"id": _SENTINEL, "sid": sid, _SENTINEL: 1}))
            self._drain(handle, names, back, found)
            code = _dre.assert_facts(handle, facts_json)[0]
        except _dre.error as exc:
            raise EngineError(f"durable-rules failed while matching: {exc}") from None
        if code == 2:
            raise EngineError("durable-rules saw two facts with the same identity (id hash collision)")
        # code 1: some facts matched no rule of this ruleset, which is normal here.
        self._drain(handle, names, back, found)

    @staticmethod
    def _drain(handle: int, names: dict[str, str], back: dict[str, str], found: dict[str, set[Match]]) -> None:
        try:
            result = _dre.start_action(handle)
            while result:
                state_offset = result[2]
                message: str | None = result[1]
                while message:
                    _record(json.loads(message), names, back, found)
                    message = _dre.complete_and_start_action(handle, state_offset)
                result = _dre.start_action(handle)
        except _dre.error as exc:
            raise EngineError(f"durable-rules failed while reporting matches: {exc}") from None


def _record(message: dict[str, Any], names: dict[str, str], back: dict[str, str],
            found: dict[str, set[Match]]) -> None:
    for rule_name, payload in message.items():
        if rule_name == _SENTINEL:
            continue
        key = names[rule_name]
        bucket = found.setdefault(key, set())
        for binding in payload if isinstance(payload, list) else [payload]:
            if "m" in binding and len(binding) == 1:
                bucket.add((back[binding["m"]["id"]],))
            else:
                bucket.add(tuple(back[binding[alias]["id"]] for alias in sorted(binding)))


def _chunks_by_route(probes: Sequence[Probe]) -> list[tuple[tuple[str, Any] | None, list[Probe]]]:
    """Probes grouped by scope (in order of first appearance), each group packed into chunks."""
    groups: dict[tuple[str, Any] | None, list[Probe]] = {}
    for probe in probes:
        groups.setdefault(probe.route, []).append(probe)
    return [(route, chunk) for route, group in groups.items() for chunk in pack_chunks(group)]


def _by_route(routes: list[tuple[str, Any] | None], facts: list[dict[str, Any]],
              facts_json: list[str]) -> dict[tuple[str, Any] | None, str]:
    """For each route, the JSON list of the facts in its scope (every fact for None)."""
    scoped: dict[tuple[str, Any], list[str]] = {r: [] for r in routes if r is not None}
    keys = {key for key, _ in scoped}
    for fact, text in zip(facts, facts_json, strict=True):
        for key in fact.keys() & keys:  # the few route keys this fact has, found in C
            bucket = scoped.get((key, fact[key]))
            if bucket is not None:
                bucket.append(text)
    out: dict[tuple[str, Any] | None, str] = {route: "[" + ",".join(texts) + "]" for route, texts in scoped.items()}
    if None in routes:
        out[None] = "[" + ",".join(facts_json) + "]"
    return out


class EngineIds:
    """Engine ids ``e0``, ``e1``, ...: each with an identity hash distinct from the sentinel's and
    every earlier id's (a clash gets ``_`` appended). They are the same for every run, so a
    matcher works them out once, as far as its largest set needs."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._hashes = {fnv1a32(_SENTINEL)}

    def first(self, n: int) -> list[str]:
        while len(self._ids) < n:
            eid = f"e{len(self._ids)}"
            while (h := fnv1a32(eid)) in self._hashes:
                eid += "_"
            self._hashes.add(h)
            self._ids.append(eid)
        return self._ids[:n]


def _engine_facts(facts: Iterable[tuple[str, dict[str, Any]]], sid: str,
                  ids: EngineIds | None = None) -> tuple[list[dict[str, Any]], list[str], dict[str, str]]:
    """Give each fact a short engine id whose identity hash is unique in this run; return the
    facts, each one's JSON, and the map from engine id back to evidence id."""
    pairs = list(facts)
    back: dict[str, str] = {}
    dicts: list[dict[str, Any]] = []
    for eid, (evidence_id, fact) in zip((ids or EngineIds()).first(len(pairs)), pairs, strict=True):
        back[eid] = evidence_id
        dicts.append({**fact, "id": eid, "sid": sid})
    encode = json.JSONEncoder(ensure_ascii=False).encode
    return dicts, [encode(d) for d in dicts], back
