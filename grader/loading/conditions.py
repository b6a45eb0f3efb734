"""Parse the rule language's conditions and clauses into the syntax tree of grader.models.pack.

Hand-written rather than left to a pydantic union, because an inspector who types ``gt_eq``
deserves "unknown operator 'gt_eq'; did you mean 'gte'?" at the right line, not a page of union
branches. Every check that prevents a durable-rules trap lives here: one operator per test (the
engine silently tests only the first key of a multi-key condition), declared facts only, values
of the fact's type (the engine would coerce ``"5"`` to ``5``), no regular expressions.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from grader.errors import Problem
from grader.loading.yamlsrc import PathKey, YamlDocument
from grader.models.evidence import QUALITATIVE_KINDS
from grader.models.pack import (
    AllOf,
    AnyOf,
    Clause,
    ClauseAll,
    ClauseAny,
    ClauseNot,
    Cond,
    CountClause,
    FactSpec,
    NotOf,
    OutcomeCount,
    PairClause,
    RollAll,
    RollAny,
    RollClause,
    RollNot,
    SourceRef,
    Test,
    counting_clauses,
)

OPERATORS = (
    "equals", "not_equals", "one_of", "lt", "lte", "gt", "gte", "between", "contains", "exists", "absent"
)
ORDERED_OPS = ("lt", "lte", "gt", "gte", "between")
KINDS = (*QUALITATIVE_KINDS, "indicator", "document", "observation", "interview")
MARKINGS = ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET")

#: Item fields a rule may test, with their type. ``list`` fields take ``contains`` only;
#: ``statement`` takes ``contains`` only (text search is done in Python, never as a regex).
FIELDS: dict[str, str] = {
    "kind": "text",
    "pillar": "text",
    "marking": "text",
    "criteria": "list",
    "tags": "list",
    "statement": "statement",
    "source.document": "text",
    "source.section": "text",
    "source.list": "text",
    "indicator.measure": "text",
    "indicator.unit": "text",
    "indicator.value": "number",
    "indicator.comparator": "number",
}
COMPARES = ("ratio", "difference")
CLAUSE_FORMS = ("some", "none", "at_least", "at_most", "exactly")
SCOPES = ("criterion", "pillar", "all")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Most tests in one clause's condition, as written (a ``one_of`` list is one). It keeps clauses
#: readable and below the matcher's 60-test rulesets; the engine's own limits (511 children,
#: error 303, alternatives) are measured on the compiled ruleset by grader.engine.limits.
MAX_TESTS_PER_CLAUSE = 40


def _id_key(word: str) -> str:
    """``INT-01``, ``int_1`` and ``INT-O1`` all become ``INT1``: how people mistype ids."""
    flat = re.sub(r"[-_\s]", "", word.upper())
    return re.sub(r"[0-9O]*[0-9][0-9O]*", lambda m: str(int(m.group(0).replace("O", "0"))), flat)


def suggest(word: str, choices: Iterable[str]) -> str:
    """``; did you mean 'x'?`` when a close known name exists, else an empty string.

    A name equal but for case, separators, leading zeros or O-for-0 wins over mere similarity
    (difflib alone suggests INT-10 for INT-1). The same mistake is often made thousands of times
    (one unknown ``fact:`` column of a 100,000-row CSV), so each catalogue is indexed once and each
    answer remembered: the cost is per distinct name, not per problem.
    """
    return _suggest(str(word), tuple(sorted(set(choices))))


@functools.lru_cache(maxsize=4096)
def _suggest(word: str, options: tuple[str, ...]) -> str:
    same = [c for c in _by_id_key(options).get(_id_key(word), ()) if c != word]
    close = same or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def one_of(word: str, choices: Iterable[str], what: str) -> str:
    """``suggest`` plus the valid choices, for a closed list an author should not have to look up:
    ``; did you mean 'equals'? (operators: equals, not_equals, ...)`` or
    ``; use one of the operators: equals, not_equals, ...``. Choices keep their given order."""
    options = list(dict.fromkeys(choices))
    listed = ", ".join(options)
    hint = suggest(word, options)
    return f"{hint} ({what}: {listed})" if hint else f"; use one of the {what}: {listed}"


@functools.lru_cache(maxsize=64)
def _by_id_key(options: tuple[str, ...]) -> dict[str, list[str]]:
    """A catalogue's names by :func:`_id_key`, in sorted order: worked out once per catalogue."""
    out: dict[str, list[str]] = {}
    for c in options:
        out.setdefault(_id_key(c), []).append(c)
    return out


@dataclass
class ParseContext:
    """What a parser needs to know about the pack to check a condition."""

    doc: YamlDocument
    facts: dict[str, FactSpec]
    pillars: list[str]
    criteria: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    settings: dict[str, int | float] = field(default_factory=dict)
    grades: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    kinds: tuple[str, ...] = KINDS  # the built-in kinds and those the pack adds

    def error(self, path: PathKey, code: str, message: str, *, key: bool = False) -> None:
        self.problems.append(self.doc.problem(path, code, message, key=key))


# --- item conditions --------------------------------------------------------------------------


def parse_cond(raw: Any, path: PathKey, ctx: ParseContext) -> Cond | None:
    """Parse one item condition; append problems to ``ctx`` and return ``None`` on error."""
    if not isinstance(raw, dict) or not raw:
        ctx.error(path, "RULE-101", "a condition must be a mapping such as {fact: NAME, equals: VALUE}")
        return None
    for combinator in ("all", "any"):
        if combinator in raw:
            if len(raw) != 1:
                ctx.error(path, "RULE-102", f"'{combinator}' must stand alone in its mapping; "
                          f"put the other tests inside the list")
                return None
            items = raw[combinator]
            if not isinstance(items, list) or not items:
                ctx.error((*path, combinator), "RULE-103", f"'{combinator}' takes a non-empty list of conditions")
                return None
            parsed = [parse_cond(x, (*path, combinator, i), ctx) for i, x in enumerate(items)]
            if any(p is None for p in parsed):
                return None
            return AllOf(items=parsed) if combinator == "all" else AnyOf(items=parsed)  # type: ignore[arg-type]
    if "not" in raw:
        if len(raw) != 1:
            ctx.error(path, "RULE-102", "'not' must stand alone in its mapping")
            return None
        inner = parse_cond(raw["not"], (*path, "not"), ctx)
        return None if inner is None else NotOf(item=inner)
    return _parse_test(raw, path, ctx)


def _parse_test(raw: dict[str, Any], path: PathKey, ctx: ParseContext) -> Test | None:
    shorthands = {"kind", "tag", "text"}
    subjects = [k for k in ("field", "fact", "compare") if k in raw]
    if not subjects and len(raw) == 1 and next(iter(raw)) in shorthands:
        key, value = next(iter(raw.items()))
        if key == "kind":
            values = value if isinstance(value, list) else [value]
            for i, v in enumerate(values):
                if v not in ctx.kinds:
                    where = (*path, key, i) if isinstance(value, list) else (*path, key)
                    ctx.error(where, "RULE-110", f"unknown kind {v!r}{one_of(str(v), ctx.kinds, 'kinds')}")
                    return None
            if isinstance(value, list):
                return Test(subject="field", name="kind", op="one_of", value=list(value))
            return Test(subject="field", name="kind", op="equals", value=value)
        if not isinstance(value, str) or not value.strip():
            ctx.error((*path, key), "RULE-111", f"'{key}' takes a text value")
            return None
        if key == "tag":
            return Test(subject="field", name="tags", op="contains", value=value)
        return Test(subject="field", name="statement", op="contains", value=value)
    if len(subjects) != 1:
        unknown = [k for k in raw if k not in OPERATORS]
        hint = suggest(unknown[0], (*shorthands, "field", "fact", "compare")) if unknown else ""
        ctx.error(
            path,
            "RULE-104",
            "a test names exactly one of 'fact', 'field' or 'compare' (or is a shorthand "
            f"'kind', 'tag' or 'text'){hint}",
        )
        return None
    subject = subjects[0]
    ops = [k for k in raw if k != subject]
    unknown = [k for k in ops if k not in OPERATORS]
    if unknown:
        ctx.error((*path, unknown[0]), "RULE-105", f"unknown operator {unknown[0]!r}{one_of(unknown[0], OPERATORS, 'operators')}",
                  key=True)
        return None
    if len(ops) != 1:
        ctx.error(path, "RULE-106", "a test has exactly one operator; combine several with 'all' "
                  f"(found {', '.join(ops) or 'none'})")
        return None
    op = ops[0]
    name = raw[subject]
    value = raw[op]
    vpath = (*path, op)
    if not isinstance(name, str):
        ctx.error((*path, subject), "RULE-107", f"'{subject}' takes a name")
        return None
    if subject == "fact":
        spec = ctx.facts.get(name)
        if spec is None:
            ctx.error((*path, subject), "RULE-108",
                      f"unknown fact {name!r}{suggest(name, ctx.facts.keys())}; declare it under facts/")
            return None
        ftype = spec.type
    elif subject == "field":
        if name not in FIELDS:
            ctx.error((*path, subject), "RULE-109", f"unknown field {name!r}{one_of(name, FIELDS.keys(), 'item fields')}")
            return None
        ftype = FIELDS[name]
    else:
        if name not in COMPARES:
            ctx.error((*path, subject), "RULE-109", f"'compare' is 'ratio' or 'difference', not {name!r}")
            return None
        ftype = "number"
        if op not in ORDERED_OPS:
            ctx.error((*path, op), "RULE-112", "'compare' takes lt, lte, gt, gte or between", key=True)
            return None
    value = _check_value(op, value, ftype, name, subject, vpath, ctx)
    if value is _INVALID:
        return None
    return Test(subject=subject, name=name, op=op, value=value)  # type: ignore[arg-type]


_INVALID = object()


def _type_ok(value: Any, ftype: str) -> bool:
    if ftype == "bool":
        return isinstance(value, bool)
    if ftype == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if ftype == "date":
        return isinstance(value, dt.date)
    return isinstance(value, str)


def _check_value(op: str, value: Any, ftype: str, name: str, subject: str, path: PathKey, ctx: ParseContext) -> Any:
    label = f"{subject} {name!r} ({ftype})"
    if ftype in ("statement", "list") and op in ("exists", "absent"):
        what = "every item has a statement" if ftype == "statement" else f"test members of {name} with 'contains'"
        ctx.error(path, "RULE-114", f"'{op}' does not apply to {name}: {what}", key=True)
        return _INVALID
    if op in ("exists", "absent"):
        if value is not True:
            ctx.error(path, "RULE-113", f"'{op}' takes the value true")
            return _INVALID
        return True
    if ftype == "statement" and op != "contains":
        ctx.error(path, "RULE-114", "the statement can only be searched with 'contains' (or the 'text' shorthand)",
                  key=True)
        return _INVALID
    if ftype == "list":
        if op != "contains":
            ctx.error(path, "RULE-114", f"{label} is a list; test it with 'contains'", key=True)
            return _INVALID
        if not isinstance(value, str):
            ctx.error(path, "RULE-115", f"'contains' on {label} takes one text value")
            return _INVALID
        return value
    if op == "contains":
        if ftype not in ("text", "statement") or not isinstance(value, str) or not value.strip():
            ctx.error(path, "RULE-115", f"'contains' takes text and works on text values; {label} is not text")
            return _INVALID
        return value
    if op in ORDERED_OPS and ftype not in ("number", "date"):
        ctx.error(path, "RULE-116", f"'{op}' compares numbers or dates; {label} is neither", key=True)
        return _INVALID
    if op == "one_of":
        if not isinstance(value, list) or not value:
            ctx.error(path, "RULE-117", "'one_of' takes a non-empty list")
            return _INVALID
        for i, v in enumerate(value):
            if not _type_ok(v, ftype):
                ctx.error((*path, i), "RULE-118", f"{v!r} is not a {ftype} value, as {label} needs")
                return _INVALID
        return [_enum_check(v, name, subject, (*path, i), ctx) for v in value]
    if op == "between":
        if not isinstance(value, list) or len(value) != 2 or not all(_type_ok(v, ftype) for v in value):
            ctx.error(path, "RULE-119", f"'between' takes [low, high], two {ftype} values")
            return _INVALID
        if value[0] > value[1]:
            ctx.error(path, "RULE-120", f"'between' low {value[0]!r} is above high {value[1]!r}: no value can match")
            return _INVALID
        return list(value)
    if not _type_ok(value, ftype):
        ctx.error(path, "RULE-118", f"{value!r} is not a {ftype} value, as {label} needs "
                  "(write true/false unquoted for yes/no facts)")
        return _INVALID
    return _enum_check(value, name, subject, path, ctx)


def _enum_check(value: Any, name: str, subject: str, path: PathKey, ctx: ParseContext) -> Any:
    """Catch a misspelt kind, pillar or marking: it would silently never match."""
    if subject != "field":
        return value
    choices: tuple[str, ...] | list[str] | None = {
        "kind": ctx.kinds, "marking": MARKINGS, "pillar": ctx.pillars,
        "source.list": ("strengths", "work-in-progress", "areas-for-improvement", "table", "text"),
        "indicator.unit": ("per-1k-population", "per-10k-population", "percent", "count"),
    }.get(name)
    if choices is not None and value not in choices:
        ctx.error(path, "RULE-110", f"{value!r} is not a known {name}{one_of(str(value), choices, name + ' values')}")
    return value


#: Most times the engine may report one item for one clause. durable-rules fires a rule once per
#: combination of true branches of the "$or"s inside an "$and": all of [any of 3] x 5 reports a
#: matching item 243 times. Results are de-duplicated, but the cost grows as the product.
MAX_REPORTS_PER_ITEM = 64


def report_multiplicity(cond: Cond, negate: bool = False) -> int:
    """Upper bound on how many times the engine reports one item matching ``cond``.

    A single test compiles to mutually exclusive alternatives (e.g. "missing or different"),
    so it counts once; ``all`` multiplies, ``any`` adds (De Morgan under ``not``).
    """
    if isinstance(cond, Test):
        return 1
    if isinstance(cond, NotOf):
        return report_multiplicity(cond.item, not negate)
    parts = [report_multiplicity(c, negate) for c in cond.items]
    if isinstance(cond, AllOf) != negate:
        product = 1
        for p in parts:
            product *= p
        return product
    return sum(parts)


def count_tests(cond: Cond) -> int:
    """How many single tests a condition holds (the unit of the engine's limits)."""
    if isinstance(cond, Test):
        return 1
    if isinstance(cond, NotOf):
        return count_tests(cond.item)
    return sum(count_tests(c) for c in cond.items)


# --- clauses ----------------------------------------------------------------------------------


class ClauseParser:
    """Parses the clauses of one ``when`` and gives every counting clause a unique key."""

    def __init__(self, ctx: ParseContext, owner: str) -> None:
        self.ctx = ctx
        self.owner = owner
        self.names: dict[str, PathKey] = {}

    def parse(self, raw: Any, path: PathKey) -> Clause | None:
        ctx = self.ctx
        if not isinstance(raw, dict) or not raw:
            ctx.error(path, "RULE-130", "a clause must be a mapping: some / none / at_least / at_most / pair / all / any / not")
            return None
        for combinator in ("all", "any"):
            if combinator in raw:
                if len(raw) != 1:
                    ctx.error(path, "RULE-102", f"'{combinator}' must stand alone in its mapping")
                    return None
                items = raw[combinator]
                if not isinstance(items, list) or not items:
                    ctx.error((*path, combinator), "RULE-103", f"'{combinator}' takes a non-empty list of clauses")
                    return None
                parsed = [self.parse(x, (*path, combinator, i)) for i, x in enumerate(items)]
                if any(p is None for p in parsed):
                    return None
                return ClauseAll(items=parsed) if combinator == "all" else ClauseAny(items=parsed)  # type: ignore[arg-type]
        if "not" in raw:
            if len(raw) != 1:
                ctx.error(path, "RULE-102", "'not' must stand alone in its mapping")
                return None
            inner = self.parse(raw["not"], (*path, "not"))
            return None if inner is None else ClauseNot(item=inner)
        name = raw.get("name")
        if name is not None:
            if not isinstance(name, str) or not NAME_RE.match(name):
                ctx.error((*path, "name"), "RULE-131", "a clause name is snake_case (letters, digits, _)")
                return None
            if name in self.names or name in ("matched",):
                ctx.error((*path, "name"), "RULE-132", f"clause name {name!r} is used twice in this rule")
                return None
            self.names[name] = path
        scope = raw.get("scope", "criterion")
        if scope not in SCOPES:
            ctx.error((*path, "scope"), "RULE-133", f"unknown scope {scope!r}{one_of(str(scope), SCOPES, 'scopes')}")
            return None
        key = f"{self.owner}@{_path_text(path)}"
        if "pair" in raw:
            return self._pair(raw, path, key, name, scope)
        forms = [f for f in CLAUSE_FORMS if f in raw]
        allowed = {"name", "scope", "where", *CLAUSE_FORMS}
        extra = [k for k in raw if k not in allowed]
        if extra:
            ctx.error((*path, extra[0]), "RULE-134",
                      f"unknown clause key {extra[0]!r}{suggest(extra[0], sorted(allowed | {'pair', 'all', 'any', 'not'}))}",
                      key=True)
            return None
        if len(forms) != 1:
            ctx.error(path, "RULE-135", "a clause has exactly one of some, none, at_least, at_most, exactly "
                      f"(found {', '.join(forms) or 'none'})")
            return None
        form = forms[0]
        if form in ("some", "none"):
            if "where" in raw:
                ctx.error((*path, "where"), "RULE-136", f"'{form}' takes its condition directly: {form}: {{...}}",
                          key=True)
                return None
            where = parse_cond(raw[form], (*path, form), ctx)
            n = 1 if form == "some" else 0
        else:
            n = raw[form]
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                ctx.error((*path, form), "RULE-137", f"'{form}' takes a whole number (0 or more)")
                return None
            if "where" not in raw:
                ctx.error(path, "RULE-138", f"'{form}: {n}' needs a 'where' condition")
                return None
            where = parse_cond(raw["where"], (*path, "where"), ctx)
        if where is None:
            return None
        if count_tests(where) > MAX_TESTS_PER_CLAUSE:
            ctx.error(path, "RULE-139", f"this clause has {count_tests(where)} tests; at most "
                      f"{MAX_TESTS_PER_CLAUSE} fit the matching engine; split it into several clauses")
            return None
        repeats = report_multiplicity(where)
        if repeats > MAX_REPORTS_PER_ITEM:
            ctx.error(path, "RULE-143", f"this condition lets the engine report one item up to {repeats} times "
                      f"(each 'any' inside an 'all' multiplies); at most {MAX_REPORTS_PER_ITEM} are allowed. "
                      "Move tests shared by the branches out of 'any', or use fewer, wider 'any' lists")
            return None
        return CountClause(key=key, name=name, scope=scope, form=form, n=n, where=where, at=self._at(path))

    def _pair(self, raw: dict[str, Any], path: PathKey, key: str, name: str | None, scope: str) -> PairClause | None:
        ctx = self.ctx
        extra = [k for k in raw if k not in ("name", "scope", "pair")]
        if extra:
            ctx.error((*path, extra[0]), "RULE-134", f"unknown key {extra[0]!r} beside 'pair'", key=True)
            return None
        body = raw["pair"]
        if not isinstance(body, dict) or set(body) != {"first", "second", "same"}:
            ctx.error((*path, "pair"), "RULE-140", "'pair' takes exactly first, second and same")
            return None
        first = parse_cond(body["first"], (*path, "pair", "first"), ctx)
        second = parse_cond(body["second"], (*path, "pair", "second"), ctx)
        same = body["same"]
        if isinstance(same, str):
            same = [same]
        if not isinstance(same, list) or not same:
            ctx.error((*path, "pair", "same"), "RULE-141", "'same' takes a list of fields such as [facts.topic]")
            return None
        for i, f in enumerate(same):
            if not isinstance(f, str) or not _pairable(f, ctx):
                ctx.error((*path, "pair", "same", i), "RULE-142",
                          f"{f!r} cannot pair items; use facts.NAME (a declared fact) or kind, pillar, "
                          "marking, source.section, indicator.measure")
                return None
        if first is None or second is None:
            return None
        for side, cond in (("first", first), ("second", second)):
            repeats = report_multiplicity(cond)
            if repeats > MAX_REPORTS_PER_ITEM:
                ctx.error((*path, "pair", side), "RULE-143",
                          f"this condition lets the engine report one item up to {repeats} times; "
                          f"at most {MAX_REPORTS_PER_ITEM} are allowed")
                return None
        return PairClause(key=key, name=name, scope=scope, first=first, second=second, same=same,  # type: ignore[arg-type]
                          at=self._at(path))

    def _at(self, path: PathKey) -> SourceRef:
        line, column = self.ctx.doc.position(path)
        return SourceRef(file=self.ctx.doc.display, line=line, column=column)


def _pairable(name: str, ctx: ParseContext) -> bool:
    if name.startswith("facts."):
        return name[len("facts."):] in ctx.facts
    return FIELDS.get(name) in ("text", "number")


def _path_text(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def clause_names(clause: Clause) -> list[str]:
    """Names of the counting clauses in ``clause``, in order."""
    return [c.name for c in counting_clauses(clause) if c.name]


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def check_because(text: Any, names: list[str], path: PathKey, ctx: ParseContext) -> None:
    """A ``because`` may name only ``matched``, its clauses, and ``NAME.count``."""
    if not isinstance(text, str):
        return
    for m in PLACEHOLDER.finditer(text):
        token = m.group(1)
        base, _, attr = token.partition(".")
        if not (base == "matched" and not attr or base in names and attr in ("", "count")):
            known = ["matched", *names, *(f"{n}.count" for n in names)]
            ctx.error(path, "RULE-150", f"'because' names {{{token}}}, which this rule does not match"
                      f"{suggest(token, known)}")
            continue
        if attr != "count" and _glued(text, m.start(), m.end()):
            ctx.error(path, "RULE-152", f"'because' writes {{{token}}} against other characters "
                      f"({text[max(0, m.start() - 6):m.end() + 6].strip()!r}): it is replaced by evidence ids, "
                      "and a report can withhold an id from readers not cleared to see it only when the id "
                      "stands as a word; put a space, comma or bracket on each side, "
                      f"e.g. '... ({{{token}}})'")
    stray = PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        ctx.error(path, "RULE-151", "'because' has an unmatched brace")


#: Characters that may not touch a placeholder that becomes evidence ids: anything that could be
#: read as part of an id (ids are letters, digits, ``-``, ``_`` and ``.``), and another
#: placeholder (``{a}{b}`` would run two id lists together).
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.{}")


def _glued(text: str, start: int, end: int) -> bool:
    """Whether the placeholder at ``text[start:end]`` touches a character that joins it to a word.

    A full stop or hyphen after it is allowed when it ends the sentence or clause (``({a}).``,
    ``{a}.`` at the end, ``{a} - ...``), as in ordinary prose; before it, never.
    """
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before in _ID_CHARS:
        return True
    if after in "-.":
        following = text[end + 1] if end + 1 < len(text) else " "
        return following in _ID_CHARS
    return after in _ID_CHARS


# --- roll-up clauses --------------------------------------------------------------------------


def parse_roll(raw: Any, path: PathKey, ctx: ParseContext, *, level: str, names: dict[str, PathKey]) -> RollClause | None:
    """Parse a roll-up clause; ``level`` is ``pillar`` (counts outcomes) or ``overall`` (grades)."""
    if not isinstance(raw, dict) or not raw:
        ctx.error(path, "POL-101", "a roll-up clause is a mapping: count / all / any / not")
        return None
    for combinator in ("all", "any"):
        if combinator in raw:
            items = raw[combinator]
            if len(raw) != 1 or not isinstance(items, list) or not items:
                ctx.error(path, "POL-102", f"'{combinator}' stands alone and takes a non-empty list")
                return None
            parsed = [parse_roll(x, (*path, combinator, i), ctx, level=level, names=names) for i, x in enumerate(items)]
            if any(p is None for p in parsed):
                return None
            return RollAll(items=parsed) if combinator == "all" else RollAny(items=parsed)  # type: ignore[arg-type]
    if "not" in raw:
        if len(raw) != 1:
            ctx.error(path, "POL-102", "'not' stands alone")
            return None
        inner = parse_roll(raw["not"], (*path, "not"), ctx, level=level, names=names)
        return None if inner is None else RollNot(item=inner)
    allowed = {"name", "count", "at_least", "at_most", "at_least_fraction"}
    extra = [k for k in raw if k not in allowed]
    if extra:
        ctx.error((*path, extra[0]), "POL-103", f"unknown key {extra[0]!r}{suggest(extra[0], allowed)}", key=True)
        return None
    sel = raw.get("count")
    if not isinstance(sel, dict):
        ctx.error(path, "POL-104", "a roll-up clause needs 'count: {outcome: [...]}' (pillar) or 'count: {grade: [...]}' (overall)")
        return None
    what = "outcome" if level == "pillar" else "grade"
    allowed_sel = {what, "significant", "mitigated"} if level == "pillar" else {what}
    bad = [k for k in sel if k not in allowed_sel]
    if bad:
        ctx.error((*path, "count", bad[0]), "POL-105",
                  f"a {level} count selects by {', '.join(sorted(allowed_sel))}; not {bad[0]!r}", key=True)
        return None
    values = sel.get(what)
    choices = ctx.outcomes if level == "pillar" else ctx.grades
    if values is not None:
        if isinstance(values, str):
            values = [values]
        for i, v in enumerate(values):
            if v not in choices:
                ctx.error((*path, "count", what, i), "POL-106", f"unknown {what} {v!r}{one_of(str(v), choices, what + 's')}")
                return None
    thresholds = {k: raw[k] for k in ("at_least", "at_most", "at_least_fraction") if k in raw}
    if len(thresholds) != 1:
        ctx.error(path, "POL-107", "a roll-up clause has exactly one of at_least, at_most, at_least_fraction")
        return None
    (tkey, tval), = thresholds.items()
    if isinstance(tval, str):
        if tval not in ctx.settings:
            ctx.error((*path, tkey), "POL-108", f"unknown setting {tval!r}{suggest(tval, ctx.settings.keys())}")
            return None
        tval = ctx.settings[tval]
    if tkey == "at_least_fraction":
        if not isinstance(tval, int | float) or isinstance(tval, bool) or not 0 < tval <= 1:
            ctx.error((*path, tkey), "POL-109", "'at_least_fraction' is a share above 0 and at most 1")
            return None
        tval = float(tval)
    elif not isinstance(tval, int) or isinstance(tval, bool) or tval < 0:
        ctx.error((*path, tkey), "POL-109", f"'{tkey}' is a whole number, 0 or more")
        return None
    name = raw.get("name")
    if name is not None:
        if not isinstance(name, str) or not NAME_RE.match(name) or name in names:
            ctx.error((*path, "name"), "POL-110", "a clause name is snake_case and unique in its rule")
            return None
        names[name] = path
    extra_sel = {k: sel[k] for k in ("significant", "mitigated") if k in sel}
    for k, v in extra_sel.items():
        if not isinstance(v, bool):
            ctx.error((*path, "count", k), "POL-111", f"'{k}' is true or false")
            return None
    return OutcomeCount(
        name=name,
        outcome=values if level == "pillar" else None,
        grade=values if level == "overall" else None,
        **extra_sel,
        **{tkey: tval},
    )

