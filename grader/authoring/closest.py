"""The "closest miss" of a clause that did not hold: the item that came nearest to matching.

When a rule needs "at least one strength whose fact X is yes" and none matched, an inspector's
first question is "which item almost did, and what was it missing?". Each single test of the
clause's condition is compiled as its own probe and matched by the engine (the same compiler
and matcher that grade), so the answer is the engine's, not a second implementation of the
rule language. Python only adds up, per item, how many tests it failed: for ``all`` every
failed part counts, for ``any`` only the cheapest branch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from grader.authoring.logic import Lit
from grader.engine.compiler import compile_pack
from grader.engine.facts import engine_fact
from grader.engine.matcher import Matcher
from grader.loading.evidence import LoadedEvidence
from grader.models.evidence import EvidenceItem
from grader.models.pack import (
    AllOf,
    ClauseAll,
    Cond,
    CountClause,
    Criterion,
    NotOf,
    PairClause,
    Rule,
    RulePack,
    Test,
)

#: Items shown for one clause when several miss by the same number of tests.
MAX_SHOWN = 3


@dataclass(frozen=True)
class Miss:
    """An in-scope item that did not match, and the tests it failed (fewest needed to match)."""

    item: str
    failed: list[Lit]


@dataclass(frozen=True)
class SideMisses:
    """The closest misses for one condition (a clause's ``where``, or one side of a pair)."""

    label: str  # "" for a counting clause, "first" / "second" for a pair
    scope: str  # the clause's scope: criterion, pillar or all
    in_scope: int
    matched: list[str]
    misses: list[Miss]


# --- negation normal form, keeping each single test as a leaf --------------------------------


@dataclass(frozen=True)
class _Node:
    op: str  # "lit", "and", "or"
    lit: Lit | None = None
    kids: tuple[_Node, ...] = ()


def _nnf(cond: Cond, negate: bool = False) -> _Node:
    if isinstance(cond, Test):
        return _Node("lit", Lit(cond, negate))
    if isinstance(cond, NotOf):
        return _nnf(cond.item, not negate)
    kids = tuple(_nnf(c, negate) for c in cond.items)
    conjunctive = isinstance(cond, AllOf) != negate
    return _Node("and" if conjunctive else "or", kids=kids)


def _leaves(node: _Node) -> list[Lit]:
    if node.op == "lit":
        assert node.lit is not None
        return [node.lit]
    out: list[Lit] = []
    for k in node.kids:
        out.extend(x for x in _leaves(k) if x not in out)
    return out


def _cost(node: _Node, item: str, passing: dict[str, set[str]]) -> tuple[int, list[Lit]]:
    """How many tests ``item`` fails on the cheapest way to match ``node``, and which.

    ``passing`` is keyed by :meth:`Lit.ident`: a test's value may be a list (``kind: [a, b]``),
    so a literal itself cannot be a dict key.
    """
    if node.op == "lit":
        assert node.lit is not None
        return (0, []) if item in passing[node.lit.ident()] else (1, [node.lit])
    parts = [_cost(k, item, passing) for k in node.kids]
    if node.op == "and":
        failed: list[Lit] = []
        for _, lits in parts:
            failed.extend(x for x in lits if x not in failed)
        return len(failed), failed
    return min(parts, key=lambda p: p[0])


# --- probing the engine ----------------------------------------------------------------------

_ANY_ITEM = Test(subject="field", name="kind", op="exists", value=True)


def closest_misses(pack: RulePack, crit: Criterion, loaded: LoadedEvidence,
                   clauses: list[CountClause | PairClause]) -> dict[str, list[SideMisses]]:
    """For each clause (by key), the in-scope items nearest to matching its condition(s)."""
    probes: list[CountClause] = []
    # key, label, scope, tree, probe key per literal (by Lit.ident()), scope probe
    plan: list[tuple[str, str, str, _Node, dict[str, str], str]] = []
    for c in clauses:
        sides = [("", c.where)] if isinstance(c, CountClause) else [("first", c.first), ("second", c.second)]
        scope_key = f"closest|{c.key}|scope"
        probes.append(CountClause(key=scope_key, form="some", n=1, where=_ANY_ITEM, scope=c.scope))
        for label, cond in sides:
            tree = _nnf(cond)
            lit_keys: dict[str, str] = {}
            for i, lit in enumerate(_leaves(tree)):
                key = f"closest|{c.key}|{label}|{i}"
                where: Cond = NotOf(item=lit.test) if lit.negated else lit.test
                probes.append(CountClause(key=key, form="some", n=1, where=where, scope=c.scope))
                lit_keys[lit.ident()] = key
            whole = f"closest|{c.key}|{label}|whole"
            probes.append(CountClause(key=whole, form="some", n=1, where=cond, scope=c.scope))
            plan.append((c.key, label, c.scope, tree, lit_keys, scope_key))
    if not probes:
        return {}
    probe_crit = Criterion(
        id=crit.id, pillar=crit.pillar, title=crit.title, standard=crit.standard, significant=crit.significant,
        rules=[Rule(id="closest-miss", outcome=crit.rules[0].outcome, when=ClauseAll(items=probes),
                    because="Closest miss probes.")],
    )
    probe_pack = RulePack(
        manifest=pack.manifest.model_copy(update={"uplifts": [], "shared_concerns": [], "context_notes": []}),
        facts=pack.facts, criteria=[probe_crit],
    )
    compiled = compile_pack(probe_pack)
    facts = [(item.id, engine_fact(item, compiled.needles)) for item in loaded.evidence.items if item.verified]
    with Matcher(compiled.probes) as matcher:
        found = matcher.match(facts)

    def ids(key: str) -> set[str]:
        return {m[0] for m in found.get(f"{crit.id}|{key}", [])}

    out: dict[str, list[SideMisses]] = {}
    for clause_key, label, scope, tree, lit_keys, scope_key in plan:
        in_scope = ids(scope_key)
        passing = {ident: ids(key) for ident, key in lit_keys.items()}
        matched = sorted(ids(f"closest|{clause_key}|{label}|whole"))
        costs = sorted(((n, item, failed) for item in in_scope if item not in matched
                        for n, failed in [_cost(tree, item, passing)] if n > 0), key=lambda x: (x[0], x[1]))
        best = [Miss(item, failed) for n, item, failed in costs if n == costs[0][0]][:MAX_SHOWN] if costs else []
        out.setdefault(clause_key, []).append(SideMisses(label, scope, len(in_scope), matched, best))
    return out


def value_words(item: EvidenceItem, lit: Lit) -> str:
    """What the item actually has for the subject of ``lit``, e.g. ``its mcu_dedicated_analyst is no``."""
    t = lit.test
    if t.subject == "fact":
        if t.name not in item.facts:
            return f"it has no {t.name}"
        return f"its {t.name} is {_show(item.facts[t.name])}"
    if t.subject == "field":
        if t.name == "kind":
            return f"it is a {item.kind.replace('-', ' ')}"
        if t.name in ("tags", "criteria"):
            values = getattr(item, t.name)
            return f"its {t.name}: {', '.join(values) if values else 'none'}"
        if t.name == "statement":
            return "its statement does not say so" if not lit.negated else "its statement says so"
        value: Any = item
        for part in t.name.split("."):
            value = getattr(value, part, None) if value is not None else None
        return f"its {t.name} is {_show(value)}" if value is not None else f"it has no {t.name}"
    if item.indicator is None:
        return "it is not an indicator"
    latest, comparator = item.indicator.latest_number(), item.indicator.comparator_number()
    if latest is None or comparator is None:
        return "it has no figure or no comparator"
    figure = latest / comparator if t.name == "ratio" and comparator else latest - comparator
    return f"its {t.name} is {figure:.3g}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"'{value}'" if isinstance(value, str) else str(value)
