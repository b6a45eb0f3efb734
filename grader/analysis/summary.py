"""One line per force: the overall and pillar grades of a result, for a programme's summary table.

A batch keeps these small summaries, not whole results, so grading 43 forces (or 4,300) holds
one result in memory at a time.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from grader.models.result import GradeFinding, GradingResult


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GradeCell(_Out):
    """One grade in the table: the pillar (or ``overall``), the grade id and its label."""

    id: str
    title: str
    grade: str
    label: str
    mitigated: bool = False


class ForceSummary(_Out):
    """What one force was graded, where its evidence came from and where its result went."""

    input: str
    evidence_set: str
    force: str
    pack: str
    items: int
    verified: int
    overall: GradeCell | None = Field(description="absent when the pack gives no overall grade")
    pillars: list[GradeCell]
    output: str | None = None
    marking: str = Field(description="the highest protective marking in the force's result (as written)")
    withheld: int = Field(default=0, description="items the audience filter withheld from the result")


def summarise(result: GradingResult, input_name: str, output: str | None = None) -> ForceSummary:
    """The summary row of ``result``; a grade that differs as assessed is marked as mitigated."""
    es = result.meta.evidence_set

    def cell(g: GradeFinding) -> GradeCell:
        return GradeCell(id=g.id, title=g.title, grade=g.grade, label=g.label, mitigated=g.grade != g.assessed_grade)

    return ForceSummary(
        input=input_name,
        evidence_set=es.id,
        force=es.force,
        pack=f"{result.meta.pack.name} {result.meta.pack.version}",
        items=es.items,
        verified=es.verified,
        overall=cell(result.overall) if result.overall is not None else None,
        pillars=[cell(p) for p in result.pillars],
        output=output,
        marking=result.meta.marking,
        withheld=result.meta.withheld,
    )
