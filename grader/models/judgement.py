"""Inspectors' judgements and sign-offs: the records that make a professional decision checkable.

A rule pack decides every outcome it can; an inspection grade is still a professional
judgement. When inspectors decide differently from the rules they record it, as XCCDF records
an ``override``: the target, the outcome they decided, the outcome the rules gave when they
decided (``rule_outcome``, so that a later change of evidence or rules shows the judgement up as
stale instead of silently carrying it), the reason in plain words, who, in what role, when, and
optionally until when. A sign-off records who approved the grades of exactly which inputs (a
digest over every input file and the resulting grades), so that any later edit is visible.

Input models (``judgements.yaml``, ``signoffs.yaml``) are strict like every input; the result
models say what was done with each judgement and whether the set is signed off.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from grader.models.common import ShortText, Slug, Strict, Text

#: What a judgement may target: a criterion id (``INT-06``), a pillar id or ``overall``.
TARGET = r"^(overall|[A-Z][A-Z0-9]*(-[A-Z0-9]+)*|[a-z][a-z0-9]*(-[a-z0-9]+)*)$"
Target = Annotated[str, StringConstraints(pattern=TARGET, max_length=64)]
TargetKind = Literal["criterion", "pillar", "overall"]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


# --- the pack's limits (policy.judgements in pack.yaml) -----------------------------------------


class JudgementPolicy(Strict):
    """What a pack lets inspectors judge, and what a sign-off needs."""

    targets: list[TargetKind] = Field(
        default_factory=lambda: ["criterion", "pillar", "overall"],
        description="what may be judged: criterion, pillar, overall (an empty list: nothing)")
    cite_evidence: bool = Field(default=False, description="a judgement's reason must name at least one "
                                                           "evidence item it rests on, by id")
    signers: int = Field(default=1, ge=1, le=9, description="distinct people who must sign off a set")
    public_names: bool = Field(default=False, description="the public report names who judged and signed "
                                                          "(otherwise it gives their role only)")


# --- judgements.yaml ----------------------------------------------------------------------------


class Judgement(Strict):
    """One recorded decision to differ from the rules."""

    target: Target = Field(description="a criterion id, a pillar id, or overall")
    outcome: Slug = Field(description="the outcome the inspectors decided (a grade of the scale; for a "
                                      "criterion also insufficient-evidence or not-applicable)")
    rule_outcome: Slug = Field(description="what the rules gave when the judgement was made; if the rules "
                                           "give something else now, the judgement is stale and not applied")
    reason: Text = Field(description="why, in plain words; name the evidence ids it rests on")
    by: ShortText = Field(description="who made the judgement")
    role: ShortText = Field(description="their role, e.g. Lead inspector")
    date: dt.date = Field(description="when the judgement was made (YYYY-MM-DD)")
    expires: dt.date | None = Field(default=None, description="after this date (compared with the set's "
                                                              "inspection date) it is not applied")

    @model_validator(mode="after")
    def _expires_after_made(self) -> Judgement:
        if self.expires is not None and self.expires < self.date:
            raise ValueError(f"expires ({self.expires}) is before the judgement's date ({self.date})")
        return self


class JudgementsFile(Strict):
    """judgements.yaml: the inspectors' judgements on one evidence set."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, title="grader judgements file")
    judgements: list[Judgement] = Field(default_factory=list)


# --- signoffs.yaml ------------------------------------------------------------------------------


class SignedFile(Strict):
    """An input file as it was signed off: its path inside its pack or set folder, and its SHA-256."""

    path: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    sha256: Sha256


class SignOff(Strict):
    """One sign-off record, appended by ``grader signoff``; never edited by hand."""

    by: ShortText
    role: ShortText
    date: dt.date
    note: Text | None = None
    grader_version: ShortText
    pack: ShortText = Field(description="the pack's name and version")
    evidence_set: ShortText
    grades: dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], Slug] = Field(
        description="the overall grade and each pillar's grade signed off (for readers; the digest covers them)")
    digest: Sha256 = Field(description="SHA-256 over every input file and every resulting outcome and grade")
    files: list[SignedFile] = Field(description="every input file signed off")


class SignOffsFile(Strict):
    """signoffs.yaml: every sign-off of one evidence set, oldest first."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, title="grader sign-off file")
    signoffs: list[SignOff] = Field(default_factory=list)


# --- in the result ------------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


JudgementState = Literal["applied", "stale", "expired"]


class AppliedJudgement(_Out):
    """A judgement as the result carries it, on the finding it changed and in the result's ledger."""

    target: str
    outcome: str
    rule_outcome: str = Field(description="what the judgement says the rules gave")
    rules_now: str = Field(description="what the rules give now (differs from rule_outcome when stale)")
    state: JudgementState
    reason: str
    evidence: list[str] = Field(default_factory=list, description="evidence ids the reason names")
    by: str
    role: str
    date: dt.date
    expires: dt.date | None = None
    at: str = Field(description="where it was written: file:line")


class Signer(_Out):
    by: str
    role: str
    date: dt.date
    note: str | None = None


SignOffState = Literal["signed", "incomplete", "stale", "none"]


class SignOffStatus(_Out):
    """Whether the grades of exactly these inputs are signed off, and by whom."""

    status: SignOffState = Field(description="signed: enough valid sign-offs; incomplete: valid but too few "
                                             "signers, or a judgement signed by its author only; stale: "
                                             "signed, but inputs or grades changed since; none: never signed")
    signers: list[Signer] = Field(default_factory=list, description="sign-offs that match these inputs")
    needed: int = Field(default=1, description="distinct signers the pack requires")
    changed: list[str] = Field(default_factory=list,
                               description="stale: input files added, removed or changed since the last sign-off")
    last: Signer | None = Field(default=None, description="stale: the last sign-off, which these inputs or grades "
                                                          "no longer match")
    message: str
