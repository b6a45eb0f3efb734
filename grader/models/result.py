"""The graded result: every conclusion with its outcome, its reason and the evidence it cites.

A result is complete in itself: renderers (terminal, JSON, Markdown, HTML) read it and decide
nothing. Lists are in a stable order (pack order for criteria and pillars, id order for
evidence) so the same inputs always give the same bytes.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from grader.models.common import InputFile


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


class MitigationFinding(Reason):
    basis: str


class ConcernFinding(Reason):
    concern: str


class CriterionFinding(Out):
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
    mitigation: MitigationFinding | None = None
    uplift: Reason | None = None
    concerns: list[ConcernFinding] = Field(default_factory=list)
    trace: list[RuleTrace] = Field(default_factory=list)

    @property
    def mitigated(self) -> bool:
        return self.mitigation is not None


class CountTrace(Out):
    name: str | None = None
    counted: list[str]
    holds: bool


class GradeFinding(Out):
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


class GradingResult(Out):
    """Everything grader concluded for one force against one pack."""

    meta: ResultMeta
    scale: list[tuple[str, str]] = Field(description="(grade id, label), best first, from the pack")
    overall: GradeFinding
    pillars: list[GradeFinding]
    criteria: list[CriterionFinding]
    context: list[ContextFinding] = Field(default_factory=list)
    unverified: list[str] = Field(default_factory=list, description="items listed but never relied on")
    unused: list[UnusedItem] = Field(default_factory=list)

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
