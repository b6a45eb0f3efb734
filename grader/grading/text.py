"""The words of a finding: ``because`` sentences filled in, and conditions said in plain English.

``fill`` substitutes only the placeholders the loader allowed (``{name}``, ``{name.count}``,
``{matched}``); it is not a template engine and cannot run anything. ``describe_*`` turns a
condition back into a sentence an inspector can check against the standard ("at least 2 items
that are strengths and whose fact trained_flos is at least 10").
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from grader.models.pack import (
    AllOf,
    AnyOf,
    Clause,
    ClauseAll,
    ClauseNot,
    Cond,
    CountClause,
    NotOf,
    OutcomeCount,
    PairClause,
    RollAll,
    RollAny,
    RollClause,
    RollNot,
    Test,
)

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(\.count)?\}")


def id_list(ids: list[str]) -> str:
    return ", ".join(ids) if ids else "none"


def fill(template: str, names: dict[str, list[str]], matched: list[str]) -> str:
    """Replace ``{name}``, ``{name.count}`` and ``{matched}`` in a ``because`` sentence."""

    def sub(m: re.Match[str]) -> str:
        name, count = m.group(1), m.group(2)
        ids = matched if name == "matched" else names.get(name, [])
        return str(len(ids)) if count else id_list(ids)

    return " ".join(_PLACEHOLDER.sub(sub, template).split())


_OP_WORDS = {
    "equals": "is",
    "not_equals": "is not",
    "one_of": "is one of",
    "lt": "is below",
    "lte": "is at most",
    "gt": "is above",
    "gte": "is at least",
    "between": "is between",
    "contains": "contains",
}


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return " and ".join(_show(v) for v in value) if len(value) == 2 and not isinstance(value[0], str) \
            else ", ".join(_show(v) for v in value)
    if isinstance(value, str):
        return f"'{value}'"
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_test(t: Test, negate: bool = False) -> str:
    if t.subject == "field" and t.name == "kind":
        kinds = t.value if isinstance(t.value, list) else [t.value]
        words = " or ".join(k.replace("-", " ") for k in kinds)
        return f"is not a {words}" if negate else f"is a {words}"
    if t.subject == "field" and t.name == "tags":
        return f"{'is not' if negate else 'is'} tagged '{t.value}'"
    if t.subject == "field" and t.name == "criteria":
        return f"{'does not inform' if negate else 'informs'} {t.value}"
    if t.subject == "field" and t.name == "statement":
        return f"statement {'does not mention' if negate else 'mentions'} '{t.value}'"
    if t.subject == "compare":
        what = "value / comparator" if t.name == "ratio" else "value - comparator"
        subject = f"the indicator's {what}"
    elif t.subject == "fact":
        subject = f"fact {t.name}"
    else:
        subject = t.name
    if t.op == "exists":
        return f"{'lacks' if negate else 'has'} {subject}"
    if t.op == "absent":
        return f"{'has' if negate else 'lacks'} {subject}"
    text = f"{subject} {_OP_WORDS[t.op]} {_show(t.value)}"
    return f"not ({text})" if negate else text


def describe_cond(cond: Cond, negate: bool = False) -> str:
    if isinstance(cond, Test):
        return describe_test(cond, negate)
    if isinstance(cond, NotOf):
        return describe_cond(cond.item, not negate)
    parts = [describe_cond(c) for c in cond.items]
    joiner = " and " if isinstance(cond, AllOf) else " or "
    text = joiner.join(parts) if len(parts) > 1 else parts[0]
    if negate:
        return f"not ({text})"
    return f"({text})" if len(parts) > 1 and isinstance(cond, AnyOf) else text


def _scope_words(scope: str) -> str:
    return {"criterion": "", "pillar": " in this pillar", "all": " anywhere in the evidence"}[scope]


def describe_clause(clause: Clause) -> str:
    """A clause in plain words, e.g. "at least 2 items that are strengths and fact x is yes"."""
    if isinstance(clause, CountClause):
        quantity = {
            "some": "at least one item",
            "none": "no item",
            "at_least": f"at least {clause.n} item{'s' if clause.n != 1 else ''}",
            "at_most": f"at most {clause.n} item{'s' if clause.n != 1 else ''}",
            "exactly": f"exactly {clause.n} item{'s' if clause.n != 1 else ''}",
        }[clause.form]
        return f"{quantity}{_scope_words(clause.scope)} that {describe_cond(clause.where)}"
    if isinstance(clause, PairClause):
        same = ", ".join(s.removeprefix("facts.") for s in clause.same)
        return (f"two items{_scope_words(clause.scope)} with the same {same}, one that "
                f"{describe_cond(clause.first)} and another that {describe_cond(clause.second)}")
    if isinstance(clause, ClauseNot):
        return f"not [{describe_clause(clause.item)}]"
    parts = [describe_clause(c) for c in clause.items]
    if len(parts) == 1:
        return parts[0]
    joiner = "; and " if isinstance(clause, ClauseAll) else "; or "
    return joiner.join(parts)


def describe_roll(clause: RollClause) -> str:
    if isinstance(clause, OutcomeCount):
        sel = clause.outcome or clause.grade or []
        what = "criteria" if clause.outcome is not None else "pillars"
        quals = []
        if clause.significant is not None:
            quals.append("significant" if clause.significant else "non-significant")
        if clause.mitigated is not None:
            quals.append("mitigated" if clause.mitigated else "unmitigated")
        noun = " ".join([*quals, what])
        states = " or ".join(sel) if sel else "any outcome"
        if clause.at_least_fraction is not None:
            return f"at least {clause.at_least_fraction:.0%} of {noun} are {states}"
        bound = f"at least {clause.at_least}" if clause.at_least is not None else f"at most {clause.at_most}"
        return f"{bound} {noun} {states}"
    if isinstance(clause, RollNot):
        return f"not [{describe_roll(clause.item)}]"
    assert isinstance(clause, RollAll | RollAny)
    joiner = "; and " if isinstance(clause, RollAll) else "; or "
    return joiner.join(describe_roll(c) for c in clause.items)
