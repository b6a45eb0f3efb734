"""Evidence: what inspectors found, each item tagged to a pillar and criteria, with provenance."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, Field, PositiveInt, model_validator

from grader.models.common import (
    CriterionId,
    EvidenceId,
    MARKINGS,
    FactValue,
    Marking,
    ShortText,
    Slug,
    Snake,
    Strict,
    Text,
)

EvidenceKind = Literal[
    "strength",
    "work-in-progress",
    "area-for-improvement",
    "indicator",
    "document",
    "observation",
    "interview",
]
#: The kinds every pack knows; a pack may add its own (``kinds`` in pack.yaml, e.g. a cause of
#: concern), so an item's kind is checked against the pack it is graded with.
BUILTIN_KINDS: tuple[str, ...] = get_args(EvidenceKind)
#: Kinds that come straight from an inspection report's three lists.
QUALITATIVE_KINDS: tuple[EvidenceKind, ...] = ("strength", "work-in-progress", "area-for-improvement")

__all__ = ["MARKINGS", "Marking"]  # re-exported: markings are evidence's vocabulary

SourceList = Literal["strengths", "work-in-progress", "areas-for-improvement", "table", "text"]
IndicatorUnit = Literal["per-1k-population", "per-10k-population", "percent", "count"]
NotApplicable = Literal["not applicable"]


def _period_text(value: object) -> object:
    """Accept ``2006`` as well as ``"2006"``: inspectors write years unquoted."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Source(Strict):
    """Where an item comes from: a document of the set, a section, and a place in it."""

    document: Slug
    section: ShortText
    list: SourceList | None = None
    item: PositiveInt | None = Field(default=None, description="1-based bullet or table-row number")
    page: PositiveInt | None = None


class PeriodValue(Strict):
    period: Annotated[ShortText, BeforeValidator(_period_text)]
    value: float | NotApplicable


class Comparator(Strict):
    label: ShortText
    value: float | NotApplicable


class Indicator(Strict):
    """A statistic for some periods, with the comparator it is judged against (e.g. MSF mean)."""

    measure: Snake
    label: ShortText
    unit: IndicatorUnit
    values: list[PeriodValue] = Field(min_length=1)
    comparator: Comparator | None = None
    published_change: ShortText | None = None

    @property
    def latest(self) -> PeriodValue:
        return self.values[-1]

    def latest_number(self) -> float | None:
        v = self.latest.value
        return None if isinstance(v, str) else v

    def comparator_number(self) -> float | None:
        if self.comparator is None or isinstance(self.comparator.value, str):
            return None
        return self.comparator.value


class EvidenceItem(Strict):
    """One piece of evidence. Only verified items are ever relied on for a grade."""

    id: EvidenceId
    pillar: Slug
    criteria: list[CriterionId] = Field(default_factory=list)
    kind: Slug = Field(description="strength, work-in-progress, area-for-improvement, indicator, document, "
                                   "observation, interview, or a kind the pack adds")
    statement: Text
    facts: dict[Snake, FactValue] = Field(default_factory=dict)
    tags: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]] = Field(
        default_factory=list
    )
    source: Source
    verified: bool
    marking: Marking
    collected: dt.date
    indicator: Indicator | None = None
    cites: list[EvidenceId] = Field(default_factory=list, exclude_if=lambda v: not v,
                                    description="other items of the set this one rests on or leads to "
                                                "(a cause of concern cites its recommendations)")

    @model_validator(mode="after")
    def _indicator_matches_kind(self) -> EvidenceItem:
        """An indicator item without figures, or figures on a strength, is a data-entry slip."""
        if self.kind == "indicator" and self.indicator is None:
            raise ValueError("an item of kind 'indicator' needs an 'indicator' block")
        if self.kind != "indicator" and self.indicator is not None:
            raise ValueError("only items of kind 'indicator' may have an 'indicator' block")
        if len(set(self.criteria)) != len(self.criteria):
            raise ValueError("a criterion is listed twice in 'criteria'")
        return self


def _written(text: str) -> str:
    """Refuse a capture template's placeholder left in place ("TODO the force inspected"): a set
    must never be graded, or reported, as the force "TODO"."""
    if text.upper().startswith("TODO"):
        raise ValueError("still holds the capture template's placeholder; write it in (the TODO text says what)")
    return text


#: Text an inspector must write in a manifest: never a template's TODO placeholder.
WrittenText = Annotated[ShortText, AfterValidator(_written)]


class Document(Strict):
    title: WrittenText
    publisher: ShortText | None = None
    published: dt.date | None = None
    reference: ShortText | None = None


class EvidenceSetManifest(Strict):
    """``evidence-set.yaml``: whose evidence this is, for which framework, from which documents."""

    id: Slug
    force: WrittenText
    framework: Slug
    title: WrittenText
    inspected: dt.date
    documents: dict[Slug, Document] = Field(default_factory=dict)
    force_context: dict[Snake, FactValue] = Field(default_factory=dict)


class ItemDefaults(Strict):
    """Values merged into every item of one file, so a file need not repeat them."""

    pillar: Slug | None = None
    criteria: list[CriterionId] | None = None
    kind: Slug | None = None
    verified: bool | None = None
    marking: Marking | None = None
    collected: dt.date | None = None
    tags: list[str] | None = None
    source: dict[str, object] | None = None


class EvidenceSet(Strict):
    """A loaded, validated evidence set: the manifest and every item, in file order."""

    manifest: EvidenceSetManifest
    items: list[EvidenceItem]

    def by_id(self) -> dict[str, EvidenceItem]:
        return {item.id: item for item in self.items}
