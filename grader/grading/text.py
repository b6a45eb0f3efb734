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


# --- what evidence would satisfy a rule, in the fact catalogue's words -------------------------


_FALSE_WHEN = re.compile(r"\s*\(false when [^)]*\)")
#: "... good performance (true), or shows it does not (false)": what each value means. A need is
#: the statement itself; the note, quoted, would say the opposite satisfies it too.
_TRUE_OR_FALSE = re.compile(r"\s*\(true\)(?:,?\s*or\b[^()]*\(false\))?")


def _meaning(description: str) -> str:
    """A catalogue description as a clause to follow "that": no final full stop, and lower-case
    unless it opens with an abbreviation ("IAGs are ...", "SIO ...")."""
    text = description.strip().rstrip(".")
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (first[1:2].isupper() or any(c.isdigit() for c in first)):
        return text
    return text[:1].lower() + text[1:]


def _plain_test(t: Test, facts: dict[str, str], negate: bool) -> str:
    if t.subject == "fact" and t.name in facts:
        meaning = _meaning(facts[t.name])
        if isinstance(t.value, bool) and t.op in ("equals", "not_equals"):
            # "(false when it does not)", "(true), or ... (false)": said by the test itself
            meaning = _TRUE_OR_FALSE.sub("", _FALSE_WHEN.sub("", meaning))
            holds = (t.value is True) == (t.op == "equals")
            return meaning if holds != negate else f"it is not so that {meaning}"
        if t.op == "exists":
            return f"it is recorded whether {meaning}" if not negate else f"nothing is recorded on: {meaning}"
        if t.op == "absent":
            return f"nothing is recorded on: {meaning}" if not negate else f"it is recorded whether {meaning}"
        words = f"{_OP_WORDS[t.op]} {_show(t.value)}"
        if meaning.startswith("number of "):
            return f"{'it is not so that ' if negate else ''}the {meaning} {words}"
        return f"{meaning} ({'not: ' if negate else ''}{words.removeprefix('is ')})"
    return describe_test(t, negate)


def _split_kind(cond: Cond) -> tuple[str | None, Cond | None]:
    """The kinds a condition asks for (``is a strength``) and the rest of it."""
    def kinds_of(t: Cond) -> list[str] | None:
        if isinstance(t, Test) and t.subject == "field" and t.name == "kind" and t.op in ("equals", "one_of"):
            return t.value if isinstance(t.value, list) else [t.value]
        return None

    if (k := kinds_of(cond)) is not None:
        return " or ".join(x.replace("-", " ") for x in k), None
    if isinstance(cond, AllOf):
        for i, part in enumerate(cond.items):
            if (k := kinds_of(part)) is not None:
                rest = [p for j, p in enumerate(cond.items) if j != i]
                return (" or ".join(x.replace("-", " ") for x in k),
                        rest[0] if len(rest) == 1 else AllOf(items=rest))
    return None, cond


def _plain_cond(cond: Cond, facts: dict[str, str], negate: bool = False) -> str:
    if isinstance(cond, Test):
        return _plain_test(cond, facts, negate)
    if isinstance(cond, NotOf):
        return _plain_cond(cond.item, facts, not negate)
    parts = [_plain_cond(c, facts) for c in cond.items]
    if len(parts) == 1:
        text = parts[0]
    elif isinstance(cond, AnyOf):
        text = "either " + ", or ".join(parts)
    else:
        text = ", and ".join(parts)
    return f"it is not so that {text}" if negate else text


_PLURALS = {"strength": "strengths", "work in progress": "items of work in progress",
            "area for improvement": "areas for improvement", "indicator": "indicators", "item": "items"}


def _noun(kinds: str, n: int) -> str:
    """``strength or work in progress`` as a count of items: "a strength or work in progress",
    "2 strengths"; a kind the table does not know is said as "item of kind X"."""
    words = kinds.split(" or ")
    if n == 1:
        first = words[0] if words[0] in _PLURALS else f"item of kind {words[0]}"
        rest = [w if w in _PLURALS else f"item of kind {w}" for w in words[1:]]
        return f"{'an' if first[:1] in 'aeiou' else 'a'} {' or '.join([first, *rest])}"
    return " or ".join(_PLURALS.get(w, f"items of kind {w}") for w in words)


def describe_need(clause: Clause, facts: dict[str, str]) -> str:
    """What evidence would satisfy ``clause``, in the words of the fact catalogue's meanings
    (``facts``: fact name -> description), e.g. "a strength showing that the major crime unit
    has an intelligence analyst dedicated to it". For readers who do not read rule syntax: an
    insufficient-evidence finding says with it what evidence would have met the standard."""
    if isinstance(clause, CountClause):
        kind, rest = _split_kind(clause.where)
        kinds = kind or "item"
        if clause.form == "some":
            head = _noun(kinds, 1)
        elif clause.form == "none":
            head = "no " + _noun(kinds, 1).split(" ", 1)[1]
        else:
            n = clause.n or 0
            bound = {"at_least": "at least", "at_most": "at most", "exactly": "exactly"}[clause.form]
            head = f"{bound} {_noun(kinds, 1) if n == 1 else f'{n} ' + _noun(kinds, n)}"
        head += _scope_words(clause.scope)
        if rest is None:
            return head
        verb = "showing" if clause.form != "none" else "shows"
        return f"{head} {verb} that {_plain_cond(rest, facts)}"
    if isinstance(clause, PairClause):
        return describe_clause(clause)
    if isinstance(clause, ClauseNot):
        return f"it must not be so: {describe_need(clause.item, facts)}"
    parts = [describe_need(c, facts) for c in clause.items]
    if len(parts) == 1:
        return parts[0]
    return ("; and " if isinstance(clause, ClauseAll) else "; or ").join(parts)
