"""The matching engine's hard limits, measured on the very ruleset definition it is handed.

durable-rules builds an *alpha network* from a ruleset: every pattern is expanded into its
alternatives (each ``$or`` branch is a path of its own, each ``$and`` a chain of tests), and the
paths are merged into a tree in which equal tests under the same parent share one node. Three
limits of that tree were measured on the installed engine (see
../shared/notes/durable-rules-field-notes.md, sections 4 and 5, and tests/hardening/test_bounds.py):

- a node with more than :data:`ENGINE_MAX_CHILDREN` distinct children makes the engine spin for
  ever: with 512 the ruleset is created but the first assert never returns, with 513
  ``create_ruleset`` itself never does (``one_of`` of 512 values under one scope test is such a
  node; the field notes, which timed creation only, put the wall at 512);
- more than :data:`ENGINE_MAX_PASSING` children of one node passing for one fact fail the
  assert with error 303;
- more than :data:`ENGINE_MAX_RULES` rules in one ruleset fail with error 106.

Counting tests "as written" misjudges all three (``one_of`` is one test as written and one
branch per value in the engine), so grader measures the tree of the definition itself. This
module is pure data: it never touches the engine.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: More distinct children under one alpha node hang the engine (511 run; 512 hang the first
#: assert, 513 hang create_ruleset): measured, see tests/hardening/test_bounds.py.
ENGINE_MAX_CHILDREN = 511
#: More children of one node true for one fact fail the assert with error 303 (64 passed).
ENGINE_MAX_PASSING = 64
#: More rules in one ruleset fail with error 106 (4,096 was accepted).
ENGINE_MAX_RULES = 4096
#: grader's own cap on the alternatives (paths through the alpha network) of one ruleset: the
#: engine builds a node per step of each, so ``all`` of two 500-value ``one_of`` lists (250,000
#: paths) would cost memory and time out of all proportion to what it says. The largest clause
#: the other limits let through by nesting (``not any`` of 14 tests: 2^14 = 16,384 paths) grades
#: well within it. It also bounds the work of measuring (about 0.2 s at the cap).
MAX_ALTERNATIVES = 65_536

Path = tuple[str, ...]


@dataclass(frozen=True)
class Shape:
    """How a ruleset's alpha network is shaped, in the engine's own terms."""

    rules: int
    #: Most distinct children of one node.
    widest: int
    #: Most children of one node that one fact can pass at once (an upper bound: equality tests
    #: of one key with different values exclude each other; any other test may pass).
    passing: int
    #: Paths through the network; MAX_ALTERNATIVES + 1 means "more than the cap" (measuring stopped).
    alternatives: int

    def within_limits(self) -> bool:
        """True when the engine can build and run this ruleset."""
        return (self.widest <= ENGINE_MAX_CHILDREN and self.passing <= ENGINE_MAX_PASSING
                and self.rules <= ENGINE_MAX_RULES and self.alternatives <= MAX_ALTERNATIVES)


def _test_key(expr: Any) -> str:
    """One single test as the engine compares nodes: by its whole content."""
    return json.dumps(expr, sort_keys=True, ensure_ascii=False)


#: An expression with each single test replaced by its key: ("$or" | "$and", parts) or a key.
_Prepared = tuple[str, list[Any]] | str


def _prepare(expr: Any) -> _Prepared:
    if isinstance(expr, dict) and len(expr) == 1:
        (op, parts), = expr.items()
        if op in ("$or", "$and") and isinstance(parts, list):
            return (op, [_prepare(p) for p in parts])
    return _test_key(expr)


def paths(expr: Any) -> Iterator[Path]:
    """The alternatives of one pattern expression, each the tests of one alpha path in order."""
    return _paths(_prepare(expr))


def _paths(node: _Prepared) -> Iterator[Path]:
    if isinstance(node, str):
        yield (node,)
    elif node[0] == "$or":
        for part in node[1]:
            yield from _paths(part)
    else:
        yield from _chain(node[1])


def _chain(parts: list[_Prepared]) -> Iterator[Path]:
    if not parts:
        yield ()
        return
    tails: list[Path] | None = None  # worked out once, and only if there is a head
    for head in _paths(parts[0]):
        if tails is None:
            tails = list(itertools.islice(_chain(parts[1:]), MAX_ALTERNATIVES + 1))
        for tail in tails:
            yield head + tail


def _exclusive_group(test: str) -> str | None:
    """The key of an equality test on a plain value (``{"kind": "strength"}``), else None.

    Two such tests on one key with different values can never both hold for one fact.
    """
    expr = json.loads(test)
    if isinstance(expr, dict) and len(expr) == 1:
        (key, value), = expr.items()
        if not key.startswith("$") and not isinstance(value, dict | list):
            return key
    return None


def _patterns(rule: dict[str, Any]) -> Iterator[Any]:
    for combinator in ("all", "any"):
        for pattern in rule.get(combinator, []):
            if isinstance(pattern, dict):
                yield from pattern.values()


def _size(expr: Any) -> tuple[int, int]:
    """(tests, alternatives) of one pattern expression, counted without building its paths."""
    if isinstance(expr, dict) and len(expr) == 1:
        (op, parts), = expr.items()
        if op in ("$or", "$and") and isinstance(parts, list):
            sizes = [_size(p) for p in parts]
            tests = sum(t for t, _ in sizes)
            if op == "$or":
                return tests, sum(a for _, a in sizes)
            alternatives = 1
            for _, a in sizes:
                alternatives = min(alternatives * a, MAX_ALTERNATIVES + 1)
            return tests, alternatives
    return 1, 1


def surely_within_limits(definition: dict[str, Any]) -> bool:
    """True when ``definition`` is small enough that no limit can be reached, counted cheaply.

    A node's children are distinct tests, so neither :attr:`Shape.widest` nor
    :attr:`Shape.passing` can exceed the number of tests written in all the patterns; and the
    alternatives are counted exactly. Almost every ruleset a pack compiles to is far below the
    limits, so this spares measuring the tree (json keys for every test) on each run; False means
    "measure it" (:func:`ruleset_shape`), never "too big".
    """
    if len(definition) > ENGINE_MAX_RULES:
        return False
    tests = alternatives = 0
    for rule in definition.values():
        for expr in _patterns(rule):
            t, a = _size(expr)
            tests += t
            alternatives += a
    return tests <= min(ENGINE_MAX_PASSING, ENGINE_MAX_CHILDREN) and alternatives <= MAX_ALTERNATIVES


def ruleset_shape(definition: dict[str, Any]) -> Shape:
    """Measure the alpha network the engine would build for ``definition`` (as passed to
    ``create_ruleset``); stops counting once the alternatives pass :data:`MAX_ALTERNATIVES`."""
    root: dict[str, dict[str, Any]] = {}
    count = 0
    for rule in definition.values():
        for expr in _patterns(rule):
            for path in paths(expr):
                count += 1
                if count > MAX_ALTERNATIVES:
                    break
                node = root
                for test in path:
                    node = node.setdefault(test, {})
            if count > MAX_ALTERNATIVES:
                break
    widest = passing = 0
    stack = [root]
    group: dict[str, str | None] = {}
    while stack:
        node = stack.pop()
        widest = max(widest, len(node))
        groups = [group[t] if t in group else group.setdefault(t, _exclusive_group(t)) for t in node]
        passing = max(passing, sum(1 for g in groups if g is None) + len({g for g in groups if g is not None}))
        stack.extend(node.values())
    return Shape(rules=len(definition), widest=widest, passing=passing, alternatives=min(count, MAX_ALTERNATIVES + 1))
