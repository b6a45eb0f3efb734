"""Rule packs: the grade scale, pillars, fact catalogue, criteria with their rules, and policy.

Conditions are parsed by :mod:`grader.loading.conditions` (so that every mistake gets a precise,
located message) into the small syntax tree defined here; the tree is what the compiler turns
into durable-rules rulesets and what ``explain`` describes to an inspector.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import Field

from grader.models.evidence import BUILTIN_KINDS
from grader.models.common import (
    CriterionId,
    RuleId,
    ShortText,
    Slug,
    Snake,
    Strict,
    Text,
)
from grader.models.judgement import JudgementPolicy

FactType = Literal["bool", "number", "text", "date"]
#: Criterion outcomes that are not grades of the scale.
INSUFFICIENT = "insufficient-evidence"
NOT_APPLICABLE = "not-applicable"
SPECIAL_OUTCOMES: tuple[str, ...] = (INSUFFICIENT, NOT_APPLICABLE)

Op = Literal[
    "equals", "not_equals", "one_of", "lt", "lte", "gt", "gte", "between", "contains", "exists", "absent"
]
Scope = Literal["criterion", "pillar", "all"]
MitigationBasis = Literal["risk-managed", "prompt-remedy", "collaboration"]


# --- item conditions (one evidence item at a time; compiled to durable-rules) -----------------


class Test(Strict):
    """One test on one item: ``subject`` ``name`` ``op`` ``value``.

    ``subject`` is ``field`` (an item field such as ``kind``), ``fact`` (a catalogued fact) or
    ``compare`` (``ratio`` or ``difference`` of an indicator's latest value to its comparator).
    """

    node: Literal["test"] = "test"
    subject: Literal["field", "fact", "compare"]
    name: str
    op: Op
    value: Any = None


class AllOf(Strict):
    node: Literal["all"] = "all"
    items: list[Cond]


class AnyOf(Strict):
    node: Literal["any"] = "any"
    items: list[Cond]


class NotOf(Strict):
    node: Literal["not"] = "not"
    item: Cond


Cond = Annotated[Union[Test, AllOf, AnyOf, NotOf], Field(discriminator="node")]


# --- clauses (over the set of items; counted from the engine's matches) ------------------------


class SourceRef(Strict):
    """Where a clause was written, so that limits found when compiling can be located."""

    file: str
    line: int | None = None
    column: int | None = None


class CountClause(Strict):
    """How many in-scope items match ``where``: ``some``, ``none``, ``at_least N``, ``at_most N``."""

    node: Literal["count"] = "count"
    key: str = Field(description="unique key of this clause in the pack (assigned when loading)")
    name: Snake | None = None
    scope: Scope = "criterion"
    form: Literal["some", "none", "at_least", "at_most", "exactly"]
    n: int = Field(ge=0)
    where: Cond
    at: SourceRef | None = None


class PairClause(Strict):
    """Some two different in-scope items match ``first`` and ``second`` and agree on ``same``."""

    node: Literal["pair"] = "pair"
    key: str
    name: Snake | None = None
    scope: Scope = "criterion"
    first: Cond
    second: Cond
    same: list[str] = Field(min_length=1)
    at: SourceRef | None = None


class ClauseAll(Strict):
    node: Literal["all"] = "all"
    items: list[Clause]


class ClauseAny(Strict):
    node: Literal["any"] = "any"
    items: list[Clause]


class ClauseNot(Strict):
    node: Literal["not"] = "not"
    item: Clause


Clause = Annotated[
    Union[CountClause, PairClause, ClauseAll, ClauseAny, ClauseNot], Field(discriminator="node")
]


def counting_clauses(clause: Clause) -> list[CountClause | PairClause]:
    """Every counting (or pair) clause in ``clause``, depth first: the units the engine matches."""
    if isinstance(clause, CountClause | PairClause):
        return [clause]
    if isinstance(clause, ClauseNot):
        return counting_clauses(clause.item)
    return [c for child in clause.items for c in counting_clauses(child)]


# --- criteria ---------------------------------------------------------------------------------


class Rule(Strict):
    """If ``when`` holds, the criterion takes ``outcome`` and ``because`` is its reason."""

    id: RuleId
    outcome: Slug
    when: Clause
    because: Text


class Mitigation(Strict):
    """Relieves an adverse outcome: the gap is risk assessed and managed, or promptly remedied."""

    id: RuleId
    basis: MitigationBasis
    when: Clause
    because: Text
    treat_as: Slug | None = None


CitedRole = Literal["against", "context", "supports"]


class Concern(Strict):
    """Noted beside the outcome (e.g. value for money); never changes it.

    ``role`` says how the finding cites what the concern matched: ``against`` (a shortfall that
    did not change the outcome; reported as a concern), ``context`` (work in progress, noted) or
    ``supports`` (further evidence for the outcome). Every item must be weighed in one of these
    roles, so packs use concerns to cite what their deciding rules did not need.
    """

    id: RuleId
    concern: Slug
    role: CitedRole = "against"
    when: Clause
    because: Text


class Uplift(Strict):
    """Lifts an outcome (``meets`` -> ``exceeds``) when ``when`` holds."""

    id: RuleId
    from_: Slug = Field(alias="from")
    to: Slug
    when: Clause
    because: Text


class ContextNote(Strict):
    """A cited statement about the force's context (e.g. statistics); never changes a grade."""

    id: RuleId
    when: Clause
    because: Text


class Otherwise(Strict):
    outcome: Slug = INSUFFICIENT
    because: Text | None = None


class CriterionSource(Strict):
    section: ShortText
    document: ShortText | None = None


class Criterion(Strict):
    id: CriterionId
    pillar: Slug
    title: ShortText
    standard: Text
    significant: bool
    source: CriterionSource | None = None
    rules: list[Rule] = Field(min_length=1)
    mitigations: list[Mitigation] = Field(default_factory=list)
    concerns: list[Concern] = Field(default_factory=list)
    uplifts: list[Uplift] = Field(default_factory=list)
    otherwise: Otherwise = Otherwise()


# --- roll-up policy ---------------------------------------------------------------------------


class OutcomeCount(Strict):
    """Count criteria (by ``outcome``) or pillars (by ``grade``) and compare with a threshold.

    Thresholds may be numbers or the name of a pack setting; the loader resolves names.
    """

    node: Literal["count"] = "count"
    name: Snake | None = None
    outcome: list[Slug] | None = None
    grade: list[Slug] | None = None
    significant: bool | None = None
    mitigated: bool | None = None
    at_least: int | None = None
    at_most: int | None = None
    at_least_fraction: float | None = None


class RollAll(Strict):
    node: Literal["all"] = "all"
    items: list[RollClause]


class RollAny(Strict):
    node: Literal["any"] = "any"
    items: list[RollClause]


class RollNot(Strict):
    node: Literal["not"] = "not"
    item: RollClause


RollClause = Annotated[Union[OutcomeCount, RollAll, RollAny, RollNot], Field(discriminator="node")]


class GradeRule(Strict):
    grade: Slug
    when: RollClause | None = None
    because: Text


class Cap(Strict):
    at_most: Slug
    when: RollClause
    because: Text


class Level(Strict):
    """First grade rule that holds gives the grade (the last has no ``when``); caps then limit it."""

    rules: list[GradeRule] = Field(min_length=1)
    caps: list[Cap] = Field(default_factory=list)


class Policy(Strict):
    adverse: list[Slug]
    mitigated_as: Slug
    pillar: Level
    overall: Level | None = Field(default=None, description="how pillar grades roll up to one overall grade; "
                                                            "leave it out for a framework with no overall grade")
    judgements: JudgementPolicy = Field(default_factory=JudgementPolicy)


class ScaleGrade(Strict):
    id: Slug
    label: ShortText
    meaning: Text | None = None


class Pillar(Strict):
    id: Slug
    title: ShortText
    aim: Text
    graded: bool = Field(default=True, description="false for an area the framework reports on but never "
                                                   "grades: its criteria are found, it gets no grade and no "
                                                   "roll-up counts it")


class KindSpec(Strict):
    """An evidence kind the framework adds to the built-in ones (e.g. a cause of concern).

    ``must_cite`` names another kind: every item of this kind must cite (``cites``) at least one
    item of that kind, as a cause of concern always comes with a recommendation.
    """

    id: Slug
    label: ShortText
    meaning: Text | None = None
    must_cite: Slug | None = None


class FactSpec(Strict):
    type: FactType
    description: Text


class GlossaryTerm(Strict):
    abbr: Annotated[str, Field(min_length=1, max_length=20)]
    meaning: ShortText


class PackManifest(Strict):
    name: Slug
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    title: ShortText
    framework: Text | None = None
    source: Text | None = None
    published: dt.date | None = Field(default=None, description="when this version of the pack was published "
                                                                "(an OSCAL catalog of the pack carries it)")
    scale: list[ScaleGrade] = Field(min_length=2)
    pillars: list[Pillar] = Field(min_length=1)
    kinds: list[KindSpec] = Field(default_factory=list, description="evidence kinds this framework adds")
    settings: dict[Snake, int | float] = Field(default_factory=dict)
    policy: Policy
    uplifts: list[Uplift] = Field(default_factory=list)
    shared_concerns: list[Concern] = Field(default_factory=list)
    context_notes: list[ContextNote] = Field(default_factory=list)


class RulePack(Strict):
    """A loaded, validated, cross-checked rule pack."""

    manifest: PackManifest
    facts: dict[Snake, FactSpec]
    criteria: list[Criterion]
    glossary: list[GlossaryTerm] = Field(default_factory=list)

    @property
    def scale_ids(self) -> list[str]:
        return [g.id for g in self.manifest.scale]

    @property
    def graded_pillars(self) -> list[Pillar]:
        """The pillars that get a grade (an ungraded area is reported, never graded nor counted)."""
        return [p for p in self.manifest.pillars if p.graded]

    @property
    def kind_ids(self) -> list[str]:
        """Every evidence kind an item of this pack may have: the built-in ones, then the pack's."""
        return [*BUILTIN_KINDS, *(k.id for k in self.manifest.kinds)]

    @property
    def outcomes(self) -> list[str]:
        """Every outcome a criterion may take: the scale, then the special outcomes."""
        return [*self.scale_ids, *SPECIAL_OUTCOMES]

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)


for _m in (AllOf, AnyOf, NotOf, ClauseAll, ClauseAny, ClauseNot, RollAll, RollAny, RollNot, Criterion):
    _m.model_rebuild()
