"""The graded result: every conclusion with its outcome, its reason and the evidence it cites.

A result is complete in itself: renderers (terminal, JSON, Markdown, HTML) read it and decide
nothing. Lists are in a stable order (pack order for criteria and pillars, id order for
evidence) so the same inputs always give the same bytes.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from grader.models.common import MARKINGS, FactValue, InputFile, Marking
from grader.models.evidence import Document, EvidenceItem
from grader.models.judgement import AppliedJudgement, JudgementPolicy, SignOffStatus


class Out(BaseModel):
    """Base of result models: immutable, no unknown fields when read back."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ClauseTrace(Out):
    """How one counting clause fared: what it matched and whether it held."""

    key: str
    name: str | None = None
    holds: bool
    matched: list[str] = Field(default_factory=list, description="evidence ids the clause matched")


class RuleTrace(Out):
    """One rule (or mitigation, concern, uplift) of a criterion, as evaluated."""

    rule: str = Field(description="'rules/<id>', 'mitigations/<id>', 'concerns/<id>' or 'uplifts/<id>'")
    outcome: str | None = None
    holds: bool
    cites: list[str] = Field(default_factory=list)
    clauses: list[ClauseTrace] = Field(default_factory=list)


class Reason(Out):
    """A rule that held, with its sentence and the evidence behind it."""

    rule: str
    rationale: str
    evidence: list[str]


class NeededEvidence(Out):
    """What evidence would satisfy one rule, said in the words of the pack's fact catalogue."""

    rule: str
    outcome: str = Field(description="the outcome the rule gives")
    evidence: str = Field(description="the evidence it needs, in plain words (no rule syntax, no fact names)")


class MitigationFinding(Reason):
    basis: str


class ConcernFinding(Reason):
    concern: str


class CitedItem(Out):
    """One verified item a finding weighed, and the part it played.

    ``supports``: the outcome rests on it. ``against``: a shortfall that did not change the
    outcome, with the reason it did not. ``context``: work in progress, noted.
    """

    id: str
    role: Literal["supports", "against", "context"]
    rule: str = Field(description="what cited the item in this role: 'rules/<id>' (or 'otherwise'), "
                                  "'mitigations/<id>', 'uplifts/<id>' or 'concerns/<id>'; its sentence is the "
                                  "finding's rationale, mitigation, uplift or concern (named, not copied: a "
                                  "sentence citing thousands of items is written once, not once per item)")


class _Judgeable(Out):
    """A finding an inspectors' judgement may change: it keeps what the rules gave (``rule_outcome``)."""

    _FINAL: ClassVar[str]  # the field holding the final outcome or grade

    @model_validator(mode="before")
    @classmethod
    def _rule_outcome_default(cls, data: object) -> object:
        """A result written before judgements existed has no ``rule_outcome``: the rules decided."""
        if isinstance(data, dict) and "rule_outcome" not in data and cls._FINAL in data:
            return {**data, "rule_outcome": data[cls._FINAL]}
        return data


class CriterionFinding(_Judgeable):
    """The finding for one criterion."""

    criterion: str
    pillar: str
    title: str
    significant: bool
    outcome: str = Field(description="outcome after mitigation; this is what rolls up")
    assessed_outcome: str = Field(description="outcome as assessed, before any mitigation")
    decided_by: str = Field(description="the rule that decided, or 'otherwise' when none held")
    rationale: str
    evidence: list[str] = Field(description="ids of the evidence the outcome rests on")
    looked_for: list[str] = Field(default_factory=list, description="what each rule needed, when none held")
    would_satisfy: list[NeededEvidence] = Field(
        default_factory=list, description="when no rule held: the evidence each rule giving an outcome the pack "
                                          "does not count as adverse would need, in the fact catalogue's words")
    mitigation: MitigationFinding | None = None
    uplift: Reason | None = None
    concerns: list[ConcernFinding] = Field(default_factory=list)
    cited: list[CitedItem] = Field(default_factory=list,
                                   description="every item the finding weighed, in id order, with its role")
    areas_for_improvement: list[str] = Field(
        default_factory=list, description="ids of the cited areas for improvement, for 'meets, with N areas ...'")
    trace: list[RuleTrace] = Field(default_factory=list)
    rule_outcome: str = Field(description="what the rules gave (after mitigation and uplift); differs from "
                                          "outcome only where an inspectors' judgement applied")
    judgement: AppliedJudgement | None = None
    _FINAL: ClassVar[str] = "outcome"

    @property
    def mitigated(self) -> bool:
        """A judged outcome is the inspectors', not a mitigation's, whatever the rules found."""
        return self.mitigation is not None and self.judgement is None


class CountTrace(Out):
    name: str | None = None
    counted: list[str]
    holds: bool


class GradeFinding(_Judgeable):
    """A pillar's or the overall grade, as assessed and after mitigation."""

    id: str
    title: str
    grade: str
    label: str
    assessed_grade: str
    rationale: str
    assessed_rationale: str
    rests_on: list[str] = Field(description="criteria (for a pillar) or pillars (overall) it rolls up")
    evidence: list[str]
    capped_by: str | None = None
    rule_outcome: str = Field(description="the grade the roll-up policy gave; differs from grade only where "
                                          "an inspectors' judgement applied")
    judgement: AppliedJudgement | None = None
    _FINAL: ClassVar[str] = "grade"


class AreaFinding(Out):
    """An area the framework reports on but never grades: what it rests on, and no grade."""

    id: str
    title: str
    rests_on: list[str] = Field(description="the area's criteria, whose findings are reported as usual")
    evidence: list[str]


class ContextFinding(Out):
    note: str
    rationale: str
    evidence: list[str]


class UnusedItem(Out):
    id: str
    reason: str


class PackInfo(Out):
    name: str
    version: str
    title: str


class EvidenceSetInfo(Out):
    id: str
    force: str
    title: str
    inspected: str
    items: int
    verified: int


class ResultMeta(Out):
    grader_version: str
    pack: PackInfo
    evidence_set: EvidenceSetInfo
    inputs: list[InputFile]
    marking: Marking | None = Field(default=None, description="the highest protective marking of any item in "
                                                             "this result: handle the file (and anything shown "
                                                             "from it) at this marking (worked out from the items "
                                                             "when a result written before it was recorded lacks it)")
    audience: Literal["public", "force", "inspectorate"] | None = Field(
        default=None, description="who the result was filtered for (grade --audience); absent: unfiltered")
    withheld: int = Field(default=0, ge=0, description="how many items the audience filter withheld")


class ScaleEntry(Out):
    id: str
    label: str
    meaning: str | None = None


class PillarSpec(Out):
    id: str
    title: str
    aim: str
    graded: bool = Field(default=True, exclude_if=lambda v: v, description="false: reported, never graded")


class KindEntry(Out):
    """An evidence kind the pack adds (e.g. cause of concern), so renderers can name it."""

    id: str
    label: str
    meaning: str | None = None
    must_cite: str | None = None


class CriterionSpec(Out):
    id: str
    pillar: str
    title: str
    standard: str
    significant: bool
    section: str | None = None


class PolicyLine(Out):
    """One roll-up rule: the grade it gives, its condition in words (None: otherwise), as a line."""

    grade: str
    when: str | None = None
    text: str


class PolicyText(Out):
    """The roll-up policy in words, so a report can say how grades are decided."""

    adverse: list[str]
    mitigated_as: str
    pillar: list[PolicyLine]
    pillar_caps: list[str]
    overall: list[PolicyLine]
    overall_caps: list[str]


class Term(Out):
    abbr: str
    meaning: str


class Framework(Out):
    """What the force was graded against: the pack's scale, pillars, criteria and policy."""

    name: str
    version: str
    title: str
    description: str | None = None
    source: str | None = None
    scale: list[ScaleEntry]
    pillars: list[PillarSpec]
    kinds: list[KindEntry] = Field(default_factory=list, exclude_if=lambda v: not v,
                                   description="evidence kinds the pack adds to the built-in ones")
    criteria: list[CriterionSpec]
    settings: dict[str, int | float]
    policy: PolicyText
    glossary: list[Term] = Field(default_factory=list)
    judgement_policy: JudgementPolicy = Field(default_factory=JudgementPolicy)

    def label(self, grade: str) -> str:
        for g in self.scale:
            if g.id == grade:
                return g.label
        return grade

    def kind_label(self, kind: str) -> str | None:
        """The label of a kind the pack adds, or None for a built-in kind."""
        for k in self.kinds:
            if k.id == kind:
                return k.label
        return None


class IndicatorRow(Out):
    """One statistic with its change over the periods and its distance from the comparator."""

    id: str
    label: str
    unit: str
    periods: list[str]
    values: list[float | None] = Field(description="None where the source says 'not applicable'")
    comparator_label: str | None = None
    comparator: float | None = None
    change: float | None = Field(default=None, description="first to last period: % for rates, points for percentages")
    change_unit: str | None = Field(default=None, description="'%' or 'pp'")
    published_change: str | None = None
    ratio_to_comparator: float | None = None
    difference_to_comparator: float | None = None
    notes: list[str] = Field(default_factory=list, description="contextual notes that cite this row")


class OutcomeChange(Out):
    """A criterion (or pillar) whose outcome ``was`` one thing and, hypothetically, ``becomes`` another."""

    id: str
    was: str
    becomes: str


class AnyOf(Out):
    """Any ``k`` of the ``n`` criteria (or pillars) ``ids`` would do: they count alike for the
    roll-up, so which of them change does not matter, only how many."""

    k: int
    n: int
    ids: list[str]
    was: list[str] = Field(description="the outcomes (or grades) they have now, each once, in scale order")
    becomes: str


class Counterfactual(Out):
    """The smallest set of changes found that would move a grade one step, to ``grade``.

    ``changes`` is one such set, in full. Where some of them could be any of a larger group,
    ``any_of`` says so (``any 5 of the 10 ...``); the changes whose ids are in no ``any_of``
    entry are the specific ones that matter.
    """

    grade: str
    changes: list[OutcomeChange]
    any_of: list[AnyOf] = Field(default_factory=list)

    @property
    def specific(self) -> list[OutcomeChange]:
        """The changes that must be these: those not covered by an ``any_of`` choice."""
        chosen = {i for a in self.any_of for i in a.ids}
        return [c for c in self.changes if c.id not in chosen]


class Sensitivity(Out):
    """What would change a pillar's (or the overall) grade, up and down."""

    id: str
    rise: Counterfactual | None = None
    fall: Counterfactual | None = None


class GradingResult(Out):
    """Everything grader concluded for one force against one pack."""

    meta: ResultMeta
    framework: Framework
    overall: GradeFinding | None = Field(description="absent (null) when the pack declares no overall grade")
    pillars: list[GradeFinding]
    ungraded: list[AreaFinding] = Field(default_factory=list, exclude_if=lambda v: not v,
                                        description="areas reported but never graded")
    criteria: list[CriterionFinding]
    context: list[ContextFinding] = Field(default_factory=list)
    indicators: list[IndicatorRow] = Field(default_factory=list)
    sensitivity: list[Sensitivity] = Field(default_factory=list)
    unverified: list[str] = Field(default_factory=list, description="items listed but never relied on")
    unused: list[UnusedItem] = Field(default_factory=list)
    documents: dict[str, Document] = Field(default_factory=dict)
    force_context: dict[str, FactValue] = Field(default_factory=dict)
    evidence: list[EvidenceItem] = Field(default_factory=list, description="every item, as loaded")
    warnings: list[str] = Field(default_factory=list, description="located warnings about the inputs")
    judgements: list[AppliedJudgement] = Field(default_factory=list, description="every recorded judgement, "
                                               "in file order, with what became of it: applied, stale or expired")
    signoff: SignOffStatus | None = None

    @model_validator(mode="after")
    def _marking_covers_evidence(self) -> GradingResult:
        """A result whose banner marking is below an item it holds would mislead whoever handles
        it (an edited file, or one from a buggy writer): refuse it. A result written before
        markings were recorded has none: it gets the highest marking of the items it holds."""
        if self.meta.marking is None:
            top = max((e.marking for e in self.evidence), key=MARKINGS.index, default="OFFICIAL")
            return self.model_copy(update={"meta": self.meta.model_copy(update={"marking": top})})
        top = MARKINGS.index(self.meta.marking)
        for item in self.evidence:
            if MARKINGS.index(item.marking) > top:
                raise ValueError(f"meta.marking is {self.meta.marking} but item {item.id} is marked {item.marking}")
        return self

    def criterion(self, criterion_id: str) -> CriterionFinding:
        for c in self.criteria:
            if c.criterion == criterion_id:
                return c
        raise KeyError(criterion_id)

    def pillar(self, pillar_id: str) -> GradeFinding:
        for p in self.pillars:
            if p.id == pillar_id:
                return p
        raise KeyError(pillar_id)
