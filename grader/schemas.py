"""JSON Schema for the files grader reads and writes, generated from the pydantic models.

``rules`` is the schema of a criterion file *as an inspector writes it* (``criteria/<ID>.yaml``:
``some:``/``at_least:`` clauses, ``{fact: NAME, equals: VALUE}`` tests), not of the syntax tree
the loader builds from it. Its top level comes from pydantic models of the authoring shapes;
the clause and condition shapes are assembled here from the rule language's own tables in
:mod:`grader.loading.conditions` (operators, fields, kinds, clause forms, scopes), so the
schema an editor checks against cannot drift from what the loader accepts. The loader stays
the authority: it also checks what a schema cannot (declared facts, value types per fact,
names used in ``because``).
"""

from __future__ import annotations

import datetime as dt

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from grader.loading.conditions import (
    CLAUSE_FORMS,
    COMPARES,
    FIELDS,
    KINDS,
    OPERATORS,
    ORDERED_OPS,
    SCOPES,
)
from grader.models.common import CRITERION_ID, RULE_ID, SLUG, SNAKE
from grader.models.evidence import EvidenceItem, EvidenceSetManifest, ItemDefaults
from grader.models.judgement import JudgementPolicy, JudgementsFile, SignOffsFile
from grader.models.pack import CriterionSource, FactSpec, KindSpec, MitigationBasis, Pillar, ScaleGrade
from grader.models.result import GradingResult

#: Every schema ``grader schema`` prints, by the name given on the command line.
SCHEMA_NAMES = ("rules", "pack", "facts", "evidence", "evidence-set", "result", "judgements", "signoffs")
#: Where the schemas of the files people write are kept, so that the ``yaml-language-server``
#: line at the top of a pack or evidence file can point at them (scripts/schemas.py writes them;
#: a test keeps them current). Shipped inside the package, beside this module.
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_FILES = {
    "rules": "criterion.schema.json",
    "pack": "rule-pack.schema.json",
    "facts": "facts.schema.json",
    "evidence": "evidence-items.schema.json",
    "evidence-set": "evidence-set.schema.json",
    "judgements": "judgements.schema.json",
    "signoffs": "signoffs.schema.json",
}


class EvidenceItemFile(BaseModel):
    """An evidence item file: optional defaults and a list of items."""

    model_config = ConfigDict(extra="forbid", title="grader evidence item file")
    defaults: ItemDefaults | None = None
    items: list[EvidenceItem] = Field(default_factory=list)


# --- the criterion file, as written -----------------------------------------------------------

#: Marks a ``when`` in the generated schema; replaced by a reference to the Clause shape below
#: (pydantic resolves a "$ref" it is given, and Clause is not one of its models).
_CLAUSE_MARK = "x-grader-clause"
When = Annotated[Any, WithJsonSchema({_CLAUSE_MARK: True})]
RuleIdText = Annotated[str, Field(pattern=RULE_ID)]
SlugText = Annotated[str, Field(pattern=SLUG)]
Words = Annotated[str, Field(min_length=1, max_length=4000)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleEntry(_Entry):
    """If its condition (when) holds, the criterion takes its outcome; the first rule that holds decides."""

    id: RuleIdText
    outcome: SlugText = Field(description="a grade of the pack's scale, insufficient-evidence or not-applicable")
    when: When
    because: Words = Field(description="the reason given; may name {clause}, {clause.count} and {matched}")


class MitigationEntry(_Entry):
    """Relieves an adverse outcome when its condition holds."""

    id: RuleIdText
    basis: MitigationBasis
    when: When
    because: Words
    treat_as: SlugText | None = None


class ConcernEntry(_Entry):
    """Noted beside the outcome; never changes it."""

    id: RuleIdText
    concern: SlugText
    role: Literal["against", "context", "supports"] = Field(
        "against", description="how the finding cites what it matched: against (a shortfall that did not change "
                               "the outcome), context (work in progress, noted) or supports (evidence for the outcome)")
    when: When
    because: Words


class UpliftEntry(_Entry):
    """Lifts an outcome (e.g. meets -> exceeds) when its condition holds."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: RuleIdText
    from_: SlugText = Field(alias="from")
    to: SlugText
    when: When
    because: Words


class OtherwiseEntry(_Entry):
    outcome: SlugText = "insufficient-evidence"
    because: Words | None = None


class CriterionFile(_Entry):
    """One criterion of a rule pack: criteria/<ID>.yaml (the file name is the id)."""

    model_config = ConfigDict(extra="forbid", title="grader criterion file")
    id: Annotated[str, Field(pattern=CRITERION_ID, max_length=32)]
    pillar: SlugText
    title: Annotated[str, Field(min_length=1, max_length=200)]
    standard: Words
    significant: bool
    source: CriterionSource | None = None
    rules: list[RuleEntry] = Field(min_length=1)
    mitigations: list[MitigationEntry] = Field(default_factory=list)
    concerns: list[ConcernEntry] = Field(default_factory=list)
    uplifts: list[UpliftEntry] = Field(default_factory=list)
    otherwise: OtherwiseEntry | None = None


# --- pack.yaml and the fact catalogue, as written --------------------------------------------

#: A roll-up ``when`` (counts of criterion outcomes or pillar grades), replaced like ``When``.
_ROLL_MARK = "x-grader-roll"
RollWhen = Annotated[Any, WithJsonSchema({_ROLL_MARK: True})]


class ContextNoteEntry(_Entry):
    """A cited statement about the force's context; never changes a grade."""

    id: RuleIdText
    when: When
    because: Words


class GradeRuleEntry(_Entry):
    """The first roll-up rule that holds gives the grade; the last has no condition."""

    grade: SlugText
    when: RollWhen | None = None
    because: Words


class CapEntry(_Entry):
    """Limits the grade to at most ``at_most`` when its condition holds."""

    at_most: SlugText
    when: RollWhen
    because: Words


class LevelEntry(_Entry):
    rules: list[GradeRuleEntry] = Field(min_length=1)
    caps: list[CapEntry] = Field(default_factory=list)


class PolicyEntry(_Entry):
    """How criterion outcomes roll up to pillar grades, and pillar grades to the overall grade."""

    adverse: list[SlugText]
    mitigated_as: SlugText
    pillar: LevelEntry
    overall: LevelEntry | None = None
    judgements: JudgementPolicy | None = None


class PackFile(_Entry):
    """A rule pack's manifest: pack.yaml."""

    model_config = ConfigDict(extra="forbid", title="grader rule pack manifest", populate_by_name=True)
    name: SlugText
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    framework: Words | None = None
    source: Words | None = None
    published: dt.date | None = Field(default=None, description="when this version of the pack was published "
                                                                "(an OSCAL catalog of the pack carries it)")
    scale: list[ScaleGrade] = Field(min_length=2)
    pillars: list[Pillar] = Field(min_length=1)
    kinds: list[KindSpec] = Field(default_factory=list)
    settings: dict[Annotated[str, Field(pattern=SNAKE)], int | float] = Field(default_factory=dict)
    policy: PolicyEntry
    uplifts: list[UpliftEntry] = Field(default_factory=list)
    shared_concerns: list[ConcernEntry] = Field(default_factory=list)
    context_notes: list[ContextNoteEntry] = Field(default_factory=list)


class FactsFile(_Entry):
    """A file of the fact catalogue: facts/*.yaml."""

    model_config = ConfigDict(extra="forbid", title="grader fact catalogue file")
    facts: dict[Annotated[str, Field(pattern=SNAKE)], FactSpec] = Field(default_factory=dict)


def _roll_defs() -> dict[str, Any]:
    """Roll-up clauses: count criteria by outcome (pillar) or pillars by grade (overall)."""
    names = {"anyOf": [{"type": "string", "pattern": SLUG},
                       {"type": "array", "items": {"type": "string", "pattern": SLUG}, "minItems": 1}]}
    threshold = {"anyOf": [{"type": "integer", "minimum": 0},
                           {"type": "string", "pattern": SNAKE, "description": "the name of a pack setting"}]}
    return {
        "RollClause": {"description": "a roll-up clause: a count, or all / any / not of roll-up clauses",
                       "anyOf": [_ref(n) for n in ("RollAll", "RollAny", "RollNot", "RollCount")]},
        "RollAll": _object({"all": {"type": "array", "items": _ref("RollClause"), "minItems": 1}}, ["all"],
                           "every clause holds"),
        "RollAny": _object({"any": {"type": "array", "items": _ref("RollClause"), "minItems": 1}}, ["any"],
                           "at least one clause holds"),
        "RollNot": _object({"not": _ref("RollClause")}, ["not"], "the clause does not hold"),
        "RollCount": {
            "description": "how many criteria (pillar level) or pillars (overall) are in the states named",
            "type": "object",
            "properties": {
                "name": {"type": "string", "pattern": SNAKE},
                "count": _object({"outcome": names, "grade": names, "significant": {"type": "boolean"},
                                  "mitigated": {"type": "boolean"}}, [],
                                 "outcome: [...] (pillar level) or grade: [...] (overall)"),
                "at_least": threshold,
                "at_most": threshold,
                "at_least_fraction": {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                                                {"type": "string", "pattern": SNAKE}]},
            },
            "required": ["count"],
            "additionalProperties": False,
            "oneOf": [{"required": [k]} for k in ("at_least", "at_most", "at_least_fraction")],
        },
    }


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _object(props: dict[str, Any], required: list[str], description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "description": description, "properties": props, "required": required,
            "additionalProperties": False, **extra}


_SCALAR = {"type": ["string", "number", "boolean"]}
_ORDERED = {"type": ["number", "string"], "description": "a number, or a date written YYYY-MM-DD"}
_OP_VALUES: dict[str, dict[str, Any]] = {
    "equals": _SCALAR,
    "not_equals": _SCALAR,
    "one_of": {"type": "array", "items": _SCALAR, "minItems": 1},
    "lt": _ORDERED,
    "lte": _ORDERED,
    "gt": _ORDERED,
    "gte": _ORDERED,
    "between": {"type": "array", "items": _ORDERED, "minItems": 2, "maxItems": 2},
    "contains": {"type": "string", "minLength": 1},
    "exists": {"const": True},
    "absent": {"const": True},
}
assert set(_OP_VALUES) == set(OPERATORS), "every operator of the rule language needs a schema"


def _test(subject: str, subject_schema: dict[str, Any], ops: tuple[str, ...], description: str) -> dict[str, Any]:
    """A single test: the subject and exactly one operator."""
    props = {subject: subject_schema, **{op: _OP_VALUES[op] for op in ops}}
    return _object(props, [subject], description, minProperties=2, maxProperties=2)


def _clause_defs() -> dict[str, Any]:
    """The clause and item-condition shapes of the rule language (docs/rule-language.md)."""
    name = {"type": "string", "pattern": SNAKE, "description": "a name the 'because' can use: {name}"}
    scope = {"enum": list(SCOPES), "description": "which items are counted (default: those that inform the "
             "criterion)"}
    kind = {"enum": list(KINDS)}
    defs: dict[str, Any] = {
        "Condition": {"description": "an item condition: one test, or all / any / not of conditions",
                      "anyOf": [_ref(n) for n in ("ConditionAll", "ConditionAny", "ConditionNot", "KindTest",
                                                  "TagTest", "TextTest", "FactTest", "FieldTest", "CompareTest")]},
        "ConditionAll": _object({"all": {"type": "array", "items": _ref("Condition"), "minItems": 1}}, ["all"],
                                "every condition holds"),
        "ConditionAny": _object({"any": {"type": "array", "items": _ref("Condition"), "minItems": 1}}, ["any"],
                                "at least one condition holds"),
        "ConditionNot": _object({"not": _ref("Condition")}, ["not"], "the condition does not hold"),
        "KindTest": _object({"kind": {"anyOf": [kind, {"type": "array", "items": kind, "minItems": 1}]}}, ["kind"],
                            "the item's kind is this (or one of these)"),
        "TagTest": _object({"tag": {"type": "string", "pattern": r"^[a-z][a-z0-9_-]*$"}}, ["tag"],
                           "the item has this tag"),
        "TextTest": _object({"text": {"type": "string", "minLength": 1}}, ["text"],
                            "the item's statement contains this text (case-insensitive)"),
        "FactTest": _test("fact", {"type": "string", "pattern": SNAKE, "description": "a fact of the catalogue"},
                          OPERATORS, "tests a declared fact with one operator"),
        "FieldTest": _test("field", {"enum": list(FIELDS)}, OPERATORS, "tests an item field with one operator"),
        "CompareTest": _test("compare", {"enum": list(COMPARES)}, ORDERED_OPS,
                             "an indicator's latest value against its comparator"),
        "Clause": {"description": "a clause: counts the items matching a condition, or all / any / not of clauses",
                   "anyOf": [_ref(n) for n in ("ClauseAll", "ClauseAny", "ClauseNot", "Some", "NoneOf", "Counted",
                                               "Pair")]},
        "ClauseAll": _object({"all": {"type": "array", "items": _ref("Clause"), "minItems": 1}}, ["all"],
                             "every clause holds"),
        "ClauseAny": _object({"any": {"type": "array", "items": _ref("Clause"), "minItems": 1}}, ["any"],
                             "at least one clause holds"),
        "ClauseNot": _object({"not": _ref("Clause")}, ["not"], "the clause does not hold"),
        "Some": _object({"name": name, "scope": scope, "some": _ref("Condition")}, ["some"],
                        "at least one item matches"),
        "NoneOf": _object({"name": name, "scope": scope, "none": _ref("Condition")}, ["none"],
                          "no item matches"),
        "Counted": {
            "description": "N or more (at_least), N or fewer (at_most) or exactly N items match 'where'",
            "type": "object",
            "properties": {"name": name, "scope": scope, "where": _ref("Condition"),
                           **{f: {"type": "integer", "minimum": 0} for f in CLAUSE_FORMS
                              if f not in ("some", "none")}},
            "required": ["where"],
            "additionalProperties": False,
            "oneOf": [{"required": [f]} for f in CLAUSE_FORMS if f not in ("some", "none")],
        },
        "Pair": _object({
            "name": name, "scope": scope,
            "pair": _object({"first": _ref("Condition"), "second": _ref("Condition"),
                             "same": {"anyOf": [{"type": "string"},
                                                {"type": "array", "items": {"type": "string"}, "minItems": 1}],
                                      "description": "fields both items agree on, e.g. facts.topic"}},
                            ["first", "second", "same"], "the two conditions and what they share"),
        }, ["pair"], "some two different items match 'first' and 'second' and agree on 'same'"),
    }
    return defs


def rules_schema() -> dict[str, Any]:
    """JSON Schema of a criterion file in the authoring format."""
    schema = _mark_to_ref(CriterionFile.model_json_schema(mode="validation", by_alias=True))
    schema["$defs"] = {**schema.get("$defs", {}), **_clause_defs()}
    return schema


def _mark_to_ref(node: Any) -> Any:
    if isinstance(node, dict):
        for mark, target in ((_CLAUSE_MARK, "Clause"), (_ROLL_MARK, "RollClause")):
            if mark in node:
                return {"$ref": f"#/$defs/{target}", **({"title": node["title"]} if "title" in node else {})}
        return {k: _mark_to_ref(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_mark_to_ref(v) for v in node]
    return node


def pack_schema() -> dict[str, Any]:
    """JSON Schema of pack.yaml in the authoring format."""
    schema = _mark_to_ref(PackFile.model_json_schema(mode="validation", by_alias=True))
    schema["$defs"] = {**schema.get("$defs", {}), **_clause_defs(), **_roll_defs()}
    return schema


def schema_for(which: str) -> dict[str, Any]:
    """``rules`` (a criterion file), ``pack`` (pack.yaml), ``facts`` (a fact catalogue file),
    ``result``, ``evidence`` (an item file), ``evidence-set``, ``judgements`` or ``signoffs``."""
    if which == "rules":
        schema = rules_schema()
    elif which == "pack":
        schema = pack_schema()
    elif which == "facts":
        schema = FactsFile.model_json_schema(mode="validation")
    else:
        model: type[BaseModel] = {
            "result": GradingResult,
            "evidence": EvidenceItemFile,
            "evidence-set": EvidenceSetManifest,
            "judgements": JudgementsFile,
            "signoffs": SignOffsFile,
        }[which]
        schema = model.model_json_schema(mode="serialization" if which == "result" else "validation")
    if which == "evidence":
        # In a file, an item may leave to `defaults:` whatever ItemDefaults can supply.
        defs = schema["$defs"]
        supplied = set(ItemDefaults.model_fields)
        item = defs["EvidenceItem"]
        item["required"] = [f for f in item.get("required", []) if f not in supplied]
        defs["Source"]["required"] = [f for f in defs["Source"].get("required", []) if f != "document"]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_text(which: str) -> str:
    """The schema as the command prints it and schemas/*.json keeps it: stable bytes."""
    return json.dumps(schema_for(which), indent=2, sort_keys=True) + "\n"

