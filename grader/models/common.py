"""Shared types and the strict base model."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: ``snake_case`` names for facts, clause names and measures.
SNAKE = r"^[a-z][a-z0-9_]*$"
#: ``kebab-case`` slugs for pack names, pillars, outcomes and evidence-set ids.
SLUG = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
#: Criterion ids: upper-case words and digits joined by ``-`` (``INT-01``). No path separators.
CRITERION_ID = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"
#: Evidence ids: letters, digits, ``-``, ``_`` and ``.``, starting with a letter or digit.
EVIDENCE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
#: Rule ids inside a criterion or pack section.
RULE_ID = r"^[a-z0-9][a-z0-9-]{0,63}$"

Snake = Annotated[str, StringConstraints(pattern=SNAKE, max_length=64)]
Slug = Annotated[str, StringConstraints(pattern=SLUG, max_length=64)]
CriterionId = Annotated[str, StringConstraints(pattern=CRITERION_ID, max_length=32)]
EvidenceId = Annotated[str, StringConstraints(pattern=EVIDENCE_ID)]
RuleId = Annotated[str, StringConstraints(pattern=RULE_ID)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]

#: A typed fact value. Dates are ``datetime.date``; text is ``str``. Order matters for pydantic's
#: union: booleans are never read as numbers.
FactValue = bool | int | float | dt.date | str

#: Protective markings, least sensitive first; a public report shows only the first.
Marking = Literal["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"]
MARKINGS: tuple[Marking, ...] = ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET")


class Strict(BaseModel):
    """Base of every input model: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class InputFile(BaseModel):
    """One file a result rests on. ``path`` is relative to its set or pack folder, prefixed by
    the folder's name, so the same inputs give the same result wherever they are installed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    sha256: str
    marking: Marking = Field(default="SECRET",
                             description="the highest protective marking of what the file holds: of its "
                                         "evidence items, or OFFICIAL for a file that holds none (a rule "
                                         "pack's file, a set's manifest); a report names the file only to "
                                         "readers cleared to see it. Unknown (a result written before it was "
                                         "recorded) counts as SECRET: never shown to anyone not cleared for all")
