"""Year on year: what changed between two results of a force, and why.

A re-inspection asks two questions of every criterion, pillar and the overall grade: did it
change, and what made it change? The answer is built only from the two results: their input
hashes (a different pack version, a changed rule file), their evidence lists (items added,
removed or changed, with ids), and their traces (the deciding rule, a mitigation that appeared
or lapsed). Nothing is re-graded, so the explanation is of what was actually concluded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.audience import highest_marking
from grader.analysis.judgements import JudgementChange, judgement_changes
from grader.models.common import InputFile
from grader.models.judgement import AppliedJudgement
from grader.models.result import CriterionFinding, GradeFinding, GradingResult

PACK_MANIFEST = "pack.yaml"
SET_MANIFEST = "evidence-set.yaml"


class _Out(BaseModel):
    # Built when `grader diff` first uses them, not when `grade` imports split_inputs below
    # (about 8 ms of every grading run; docs/performance.md).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Change(_Out):
    """A value before and after; ``None`` where it did not exist."""

    was: str | None
    now: str | None

    @property
    def changed(self) -> bool:
        return self.was != self.now


class FileChange(_Out):
    """An input file added, removed or changed (path relative to its pack or evidence folder)."""

    path: str
    change: Literal["added", "removed", "changed"]


class FieldChange(_Out):
    field: str
    was: Any = None
    now: Any = None


class ItemChange(_Out):
    """An evidence item added, removed or changed between the two results."""

    id: str
    change: Literal["added", "removed", "changed"]
    kind: str
    criteria: list[str] = Field(description="criteria the item informs, before and after")
    fields: list[FieldChange] = Field(default_factory=list)


CriterionStatus = Literal["outcome", "reasoning", "citations", "wording", "added", "removed"]


class CriterionChange(_Out):
    """How one criterion's finding changed, and the causes found for it."""

    criterion: str
    title: str
    pillar: str
    status: CriterionStatus = Field(description=(
        "outcome: the outcome changed; reasoning: same outcome, but the outcome as assessed, the deciding "
        "rule, a mitigation, an uplift or a concern changed; citations: only the evidence cited changed; "
        "wording: only the reason's text changed; added/removed: the criterion is new or gone"))
    outcome: Change
    assessed_outcome: Change
    decided_by: Change
    mitigation: Change
    uplift: Change
    concerns_raised: list[str] = Field(default_factory=list)
    concerns_cleared: list[str] = Field(default_factory=list)
    cited_added: list[str] = Field(default_factory=list)
    cited_removed: list[str] = Field(default_factory=list)
    evidence_added: list[str] = Field(default_factory=list, description="items of this criterion added")
    evidence_removed: list[str] = Field(default_factory=list, description="items of this criterion removed")
    evidence_changed: list[str] = Field(default_factory=list, description="items of this criterion changed")
    rule_changed: bool = Field(description="the criterion's rule file changed")
    judgement_changed: bool = Field(default=False, description=(
        "an inspectors' judgement on it was added, removed or changed: stated among its reasons (the "
        "text output does not repeat it among the judgements; the diff's `judgements` has it in full)"))
    why: list[str]


class GradeChange(_Out):
    """How a pillar's (or the overall) grade changed, and what below it changed."""

    id: str
    title: str
    grade: Change
    assessed_grade: Change
    capped_by: Change
    rationale_changed: bool
    judgement_changed: bool = Field(default=False, description=(
        "an inspectors' judgement on it was added, removed or changed: stated among its reasons"))
    follows_from: list[str] = Field(default_factory=list, description=(
        "the changes below it rests on, each stated once in its own entry: ids of criteria whose outcome "
        "changed (for a pillar), of pillars whose grade changed (for the overall grade)"))
    why: list[str] = Field(description=(
        "what else moved it, each stated once: a grade as assessed that moved otherwise than the grade, a cap, "
        "the changes below (by name, not restated), a pack setting or roll-up policy"))


class ResultRef(_Out):
    evidence_set: str
    force: str
    pack: str
    grader_version: str


class ResultDiff(_Out):
    """Everything that differs between two results, criterion by criterion, with reasons."""

    old: ResultRef
    new: ResultRef
    same_inputs: bool = Field(description="every input file (pack and evidence) has the same content")
    no_change: bool = Field(description="same inputs and the same conclusions")
    notes: list[str] = Field(default_factory=list)
    pack_files: list[FileChange] = Field(default_factory=list)
    evidence_files: list[FileChange] = Field(default_factory=list)
    settings: list[FieldChange] = Field(default_factory=list)
    items: list[ItemChange] = Field(default_factory=list)
    overall: GradeChange | None = None
    pillars: list[GradeChange] = Field(default_factory=list)
    criteria: list[CriterionChange] = Field(default_factory=list)
    marking: str = Field(description="the highest protective marking of the results compared: handle this "
                                     "output at that marking")
    audience: str | None = Field(default=None, description="who the results were filtered for (--audience); "
                                                           "absent: unfiltered")
    judgements: list[JudgementChange] = Field(default_factory=list, description=(
        "inspectors' judgements added, removed, changed, gone stale or expired; judgements.yaml is "
        "reported here, not among the evidence files"))


# --- inputs ----------------------------------------------------------------------------------


def _prefix_of(inputs: list[InputFile], manifest: str) -> str | None:
    for f in inputs:
        head, _, tail = f.path.partition("/")
        if tail == manifest:
            return head
    return None


def split_inputs(result: GradingResult, value: Callable[[InputFile], str] = attrgetter("sha256")
                 ) -> tuple[dict[str, str], dict[str, str]]:
    """Pack files and evidence files, each ``{path inside its folder: sha256}`` (or another
    ``value`` of the file: its marking, say).

    Paths drop the folder's own name, so the same set copied to another folder compares equal.
    """
    inputs = result.meta.inputs
    pack_prefix = _prefix_of(inputs, PACK_MANIFEST)
    set_prefix = _prefix_of(inputs, SET_MANIFEST)
    pack: dict[str, str] = {}
    evidence: dict[str, str] = {}
    for f in inputs:
        head, _, tail = f.path.partition("/")
        if pack_prefix is not None and head == pack_prefix and tail:
            pack[tail] = value(f)
        elif set_prefix is not None and head == set_prefix and tail:
            evidence[tail] = value(f)
        else:
            evidence[f.path] = value(f)
    return pack, evidence


def _file_changes(old: dict[str, str], new: dict[str, str]) -> list[FileChange]:
    out = []
    for path in sorted(set(old) | set(new)):
        if path not in new:
            out.append(FileChange(path=path, change="removed"))
        elif path not in old:
            out.append(FileChange(path=path, change="added"))
        elif old[path] != new[path]:
            out.append(FileChange(path=path, change="changed"))
    return out


# --- evidence --------------------------------------------------------------------------------


def _field_changes(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """Dotted paths whose values differ (mappings walked, lists and scalars compared whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[FieldChange] = []
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in old:
                out.append(FieldChange(field=sub, was=None, now=new[key]))
            elif key not in new:
                out.append(FieldChange(field=sub, was=old[key], now=None))
            else:
                out.extend(_field_changes(old[key], new[key], sub))
        return out
    if old == new and type(old) is type(new):
        return []
    return [FieldChange(field=path, was=old, now=new)]


def item_changes(old: GradingResult, new: GradingResult) -> list[ItemChange]:
    """Items added, removed or changed, by id (every field compared as it was loaded)."""
    before = {i.id: i for i in old.evidence}
    after = {i.id: i for i in new.evidence}
    out: list[ItemChange] = []
    for iid in sorted(set(before) | set(after)):
        b, a = before.get(iid), after.get(iid)
        if a is None:
            assert b is not None
            out.append(ItemChange(id=iid, change="removed", kind=b.kind, criteria=list(b.criteria)))
        elif b is None:
            out.append(ItemChange(id=iid, change="added", kind=a.kind, criteria=list(a.criteria)))
        else:
            fields = _field_changes(b.model_dump(mode="json"), a.model_dump(mode="json"))
            if fields:
                crits = list(dict.fromkeys([*b.criteria, *a.criteria]))
                out.append(ItemChange(id=iid, change="changed", kind=a.kind, criteria=crits, fields=fields))
    return out


# --- criteria --------------------------------------------------------------------------------


def _ids_behind(f: CriterionFinding | None) -> set[str]:
    """Every evidence id a finding touched: cited, or matched by any clause of its trace."""
    if f is None:
        return set()
    ids = set(f.evidence)
    for part in (f.mitigation, f.uplift, *f.concerns):
        if part is not None:
            ids.update(part.evidence)
    for rt in f.trace:
        ids.update(rt.cites)
        for c in rt.clauses:
            ids.update(c.matched)
    return ids


def _rule(r: object | None) -> str | None:
    return getattr(r, "rule", None) if r is not None else None


def _short(value: Any) -> str:
    text = "absent" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
    return text if len(text) <= 40 else text[:37] + "..."


def describe_item(ch: ItemChange, cited_before: bool, cited_now: bool) -> str:
    """One cause in an inspector's words: ``ENF-01-S4 (strength) removed; it was cited``."""
    head = f"{ch.id} ({ch.kind})"
    if ch.change == "removed":
        return f"{head} removed" + ("; it was cited" if cited_before else "")
    if ch.change == "added":
        return f"{head} added" + ("; it is now cited" if cited_now else "")
    parts = []
    for fc in ch.fields:
        if fc.field == "statement":
            parts.append("statement reworded")
        elif fc.field == "verified":
            parts.append("now verified" if fc.now else "no longer verified")
        else:
            parts.append(f"{fc.field} {_short(fc.was)} -> {_short(fc.now)}")
    return f"{head} changed: {'; '.join(parts)}"


def _status(o: CriterionFinding, n: CriterionFinding) -> CriterionStatus | None:
    if o.outcome != n.outcome:
        return "outcome"
    if (o.assessed_outcome != n.assessed_outcome or o.decided_by != n.decided_by or not _judged_alike(o.judgement, n.judgement)
            or _rule(o.mitigation) != _rule(n.mitigation) or _rule(o.uplift) != _rule(n.uplift)
            or [c.rule for c in o.concerns] != [c.rule for c in n.concerns]):
        return "reasoning"
    if set(o.evidence) != set(n.evidence) or _cited(o) != _cited(n):
        return "citations"
    if o.rationale != n.rationale:
        return "wording"
    return None


def _cited(f: CriterionFinding) -> set[str]:
    ids = set(f.evidence)
    for part in (f.mitigation, f.uplift, *f.concerns):
        if part is not None:
            ids.update(part.evidence)
    return ids


def _criterion_change(cid: str, o: CriterionFinding | None, n: CriterionFinding | None,
                      items: list[ItemChange], ctx: _Context) -> CriterionChange | None:
    if o is not None and n is not None:
        status = _status(o, n)
        if status is None:
            return None
    else:
        status = "added" if o is None else "removed"
    either = n if n is not None else o
    assert either is not None
    touched = _ids_behind(o) | _ids_behind(n)
    mine = [ch for ch in items if cid in ch.criteria or ch.id in touched]
    cited_before, cited_now = (_cited(o) if o else set()), (_cited(n) if n else set())
    why: list[str] = []
    if status == "added":
        why.append("criterion added to the pack")
    elif status == "removed":
        why.append("criterion no longer in the pack")
    # the criterion's own file, whichever suffix it is written with (.yaml, .yml, .YAML)
    rule_file = next((f for f in sorted(ctx.pack_files_changed) if f.startswith("criteria/")
                      and f.rpartition(".")[0] == f"criteria/{cid}"), f"criteria/{cid}.yaml")
    rule_changed = rule_file in ctx.pack_files_changed
    if rule_changed:
        why.append(f"its rules changed ({rule_file})")
    elif ctx.pack_changed:
        # the versions are stated once, in the diff's notes; each criterion refers to them
        why.append("the pack changed (see the note on packs)")
    if ctx.manifest_changed and any(c.key.startswith("pack.") for f in (o, n) if f for rt in f.trace
                                    for c in rt.clauses):
        why.append(f"the pack's shared uplifts or concerns may have changed ({PACK_MANIFEST})")
    for ch in mine:
        why.append(describe_item(ch, ch.id in cited_before, ch.id in cited_now))
    if o is not None and n is not None:
        # the outcome itself is `outcome` (the head of the criterion's line), not a reason
        if o.assessed_outcome != n.assessed_outcome and o.outcome == n.outcome:
            why.append(f"outcome as assessed {o.assessed_outcome} -> {n.assessed_outcome}")
        if o.decided_by != n.decided_by:
            def by(d: str) -> str:
                return "no rule (the criterion's 'otherwise')" if d == "otherwise" else d

            why.append(f"decided by {by(o.decided_by)} before, now by {by(n.decided_by)}")
        why.extend(_mitigation_why(o, n, mine))
        if _rule(o.uplift) != _rule(n.uplift):
            if n.uplift is None:
                why.append(f"uplift {_rule(o.uplift)} no longer applies")
            elif o.uplift is None:
                why.append(f"uplift {_rule(n.uplift)} now applies")
            else:
                why.append(f"uplift {_rule(o.uplift)} replaced by {_rule(n.uplift)}")
        if not _judged_alike(o.judgement, n.judgement):
            why.append(_judgement_why_stated(o.judgement, n.judgement, ctx.judgement_changes.get(cid)))
        elif not mine and not rule_changed and not ctx.pack_changed:
            # a result filtered for an audience has lost its withheld items: one of them may be
            # what changed, so the reader is told only what they can see did not
            why.append("no input shown to this audience changed (items withheld from it may have)"
                       if ctx.withheld else f"no input of this criterion changed{ctx.grader_versions}")
    concerns_old = {c.rule for c in o.concerns} if o else set()
    concerns_new = {c.rule for c in n.concerns} if n else set()
    for r in sorted(concerns_new - concerns_old):
        why.append(f"concern raised: {r}")
    for r in sorted(concerns_old - concerns_new):
        why.append(f"concern cleared: {r}")
    return CriterionChange(
        criterion=cid, title=either.title, pillar=either.pillar, status=status,
        outcome=Change(was=o.outcome if o else None, now=n.outcome if n else None),
        assessed_outcome=Change(was=o.assessed_outcome if o else None, now=n.assessed_outcome if n else None),
        decided_by=Change(was=o.decided_by if o else None, now=n.decided_by if n else None),
        mitigation=Change(was=_rule(o.mitigation) if o else None, now=_rule(n.mitigation) if n else None),
        uplift=Change(was=_rule(o.uplift) if o else None, now=_rule(n.uplift) if n else None),
        concerns_raised=sorted(concerns_new - concerns_old),
        concerns_cleared=sorted(concerns_old - concerns_new),
        cited_added=sorted(cited_now - cited_before),
        cited_removed=sorted(cited_before - cited_now),
        evidence_added=[ch.id for ch in mine if ch.change == "added"],
        evidence_removed=[ch.id for ch in mine if ch.change == "removed"],
        evidence_changed=[ch.id for ch in mine if ch.change == "changed"],
        rule_changed=rule_changed,
        judgement_changed=o is not None and n is not None and not _judged_alike(o.judgement, n.judgement),
        why=why,
    )


def _body(result: GradingResult) -> dict[str, Any]:
    """A result without its meta, and without where each judgement was read (``at``, a path
    like the inputs' in meta), for "did anything but the place change"."""
    body = result.model_dump(exclude={"meta"})
    for record in body.get("judgements", []):
        record.pop("at", None)
    for finding in [*body.get("criteria", []), *body.get("pillars", []), body.get("overall") or {}]:
        if isinstance(finding.get("judgement"), dict):
            finding["judgement"].pop("at", None)
    return body


def _judged_alike(o: AppliedJudgement | None, n: AppliedJudgement | None) -> bool:
    """The same judgement, wherever its file is: ``at`` (folder, file and line) says where it was
    read, as an input's path does, and a set copied to another folder has changed nothing."""
    if o is None or n is None:
        return o is n
    return o.model_dump(exclude={"at"}) == n.model_dump(exclude={"at"})


def _judgement_why(o: AppliedJudgement | None, n: AppliedJudgement | None) -> str:
    """The inspectors' judgement behind a change, in words (details in the diff's ``judgements``)."""
    if n is None:
        assert o is not None
        return f"the inspectors' judgement ({o.outcome}, by {o.by}) no longer applies"
    if o is None:
        return f"the inspectors judged it {n.outcome} (the rules give {n.rules_now}), by {n.by}"
    names = ("outcome", "by", "role", "date", "expires", "rule_outcome", "state", "reason")
    parts = ["reason reworded" if name == "reason"
             else f"{name} {_short(getattr(o, name))} -> {_short(getattr(n, name))}"
             for name in names if getattr(o, name) != getattr(n, name)
             and (name == "reason" or _short(getattr(o, name)) != _short(getattr(n, name)))]  # never "X -> X"
    return f"the inspectors' judgement changed: {'; '.join(parts) or 'where it is written'}"


def _judgement_why_stated(o: AppliedJudgement | None, n: AppliedJudgement | None, jc: JudgementChange | None) -> str:
    """The judgement as a reason of the finding it moved; with why it stopped (or started again)
    applying, since the text output states it there and not again among the judgements."""
    text = _judgement_why(o, n)
    if jc is not None and jc.change in ("stale", "expired", "applies again"):
        text += f": {jc.why}"
    return text


def _mitigation_why(o: CriterionFinding, n: CriterionFinding, mine: list[ItemChange]) -> list[str]:
    if _rule(o.mitigation) == _rule(n.mitigation):
        return []
    if n.mitigation is None:
        assert o.mitigation is not None
        gone = [ch.id for ch in mine if ch.id in o.mitigation.evidence]
        text = f"mitigation lapsed: {o.mitigation.rule} ({o.mitigation.basis}) no longer applies"
        if gone:
            text += f"; its evidence {', '.join(gone)} was removed or changed"
        return [text]
    if o.mitigation is None:
        return [f"mitigation appeared: {n.mitigation.rule} ({n.mitigation.basis}) now applies"]
    return [f"mitigation {o.mitigation.rule} replaced by {n.mitigation.rule}"]


# --- pillars and overall ---------------------------------------------------------------------


def _grade_change(o: GradeFinding | None, n: GradeFinding | None, below: dict[str, str], ctx: _Context,
                  unit: str, below_unit: tuple[str, str]) -> GradeChange | None:
    """``below`` names the changes under this grade (criteria or pillars whose outcome changed),
    by id; they are referred to, never restated (each change is stated once, in its own entry)."""
    either = n if n is not None else o
    assert either is not None
    same = (o is not None and n is not None and o.grade == n.grade and o.assessed_grade == n.assessed_grade
            and o.capped_by == n.capped_by and o.rationale == n.rationale and o.rests_on == n.rests_on)
    if same:
        return None
    why: list[str] = []
    follows: list[str] = []
    if o is None:
        why.append(f"{unit} added to the pack")
    elif n is None:
        why.append(f"{unit} no longer in the pack")
    else:
        # the grade itself is `grade` (the head of the line), not a reason; the grade as assessed
        # is a reason only where it moved otherwise (a cap or a judgement stands between them)
        if (o.assessed_grade, n.assessed_grade) != (o.grade, n.grade) and o.assessed_grade != n.assessed_grade:
            why.append(f"grade as assessed {o.assessed_grade} -> {n.assessed_grade}")
        if o.capped_by != n.capped_by:
            why.append(f"cap {o.capped_by or 'none'} -> {n.capped_by or 'none'}")
        follows = [rid for rid in dict.fromkeys([*o.rests_on, *n.rests_on]) if rid in below]
        if follows:
            noun = below_unit[0] if len(follows) == 1 else below_unit[1]
            why.append(f"follows from the {noun} below: {', '.join(below[rid] for rid in follows)}")
        if ctx.settings_changed:
            why.append("the pack's settings changed (see settings)")
        if ctx.manifest_changed:
            why.append(f"the pack's roll-up policy may have changed ({PACK_MANIFEST})")
        if not _judged_alike(o.judgement, n.judgement):
            why.append(_judgement_why_stated(o.judgement, n.judgement, ctx.judgement_changes.get(either.id)))
        if not why:
            moved = o.grade != n.grade or o.assessed_grade != n.assessed_grade or o.capped_by != n.capped_by
            why.append(f"nothing below it changed{ctx.grader_versions}" if moved else "its reason's wording changed")
    return GradeChange(
        id=either.id, title=either.title,
        grade=Change(was=o.grade if o else None, now=n.grade if n else None),
        assessed_grade=Change(was=o.assessed_grade if o else None, now=n.assessed_grade if n else None),
        capped_by=Change(was=o.capped_by if o else None, now=n.capped_by if n else None),
        rationale_changed=(o.rationale if o else None) != (n.rationale if n else None),
        follows_from=follows, why=why,
        judgement_changed=o is not None and n is not None and not _judged_alike(o.judgement, n.judgement),
    )


class _Context:
    """What changed for the whole result, consulted by every criterion and pillar."""

    def __init__(self, old: GradingResult, new: GradingResult, pack_files: list[FileChange],
                 settings: list[FieldChange]) -> None:
        self.pack_old = f"{old.meta.pack.name} {old.meta.pack.version}"
        self.pack_new = f"{new.meta.pack.name} {new.meta.pack.version}"
        self.pack_changed = self.pack_old != self.pack_new
        self.pack_files_changed = {f.path for f in pack_files}
        self.manifest_changed = PACK_MANIFEST in self.pack_files_changed
        self.grader_old = old.meta.grader_version
        self.grader_new = new.meta.grader_version
        self.settings_changed = bool(settings)
        self.judgement_changes: dict[str, JudgementChange] = {}
        self.withheld = bool(old.meta.withheld or new.meta.withheld)  # filtered: items are missing
        self.grader_versions = (f" (grader {self.grader_old} -> {self.grader_new})"
                                if self.grader_old != self.grader_new else "")


def _by_id(findings: Iterable[Any], attr: str) -> dict[str, Any]:
    return {getattr(f, attr): f for f in findings}


def diff_results(old: GradingResult, new: GradingResult) -> ResultDiff:
    """Compare two results of a force (typically a year apart, or before and after a rule change)."""
    old_pack, old_ev = split_inputs(old)
    new_pack, new_ev = split_inputs(new)
    pack_files = _file_changes(old_pack, new_pack)
    records = [f for f in _file_changes(old_ev, new_ev) if f.path.rpartition("/")[2].endswith("judgements.yaml")]
    evidence_files = [f for f in _file_changes(old_ev, new_ev) if f not in records]
    judgements = judgement_changes(old, new)
    settings = _field_changes(old.framework.settings, new.framework.settings)
    ctx = _Context(old, new, pack_files, settings)
    ctx.judgement_changes = {j.target: j for j in judgements}
    items = item_changes(old, new)

    notes: list[str] = []
    oe, ne = old.meta.evidence_set, new.meta.evidence_set
    if oe.force != ne.force:
        notes.append(f"these are results of different forces: {oe.force} and {ne.force}")
    if ctx.pack_changed:
        notes.append(f"graded against different packs: {ctx.pack_old} and {ctx.pack_new}")
    if ctx.grader_old != ctx.grader_new:
        notes.append(f"graded by different versions of grader: {ctx.grader_old} and {ctx.grader_new}")

    old_c, new_c = _by_id(old.criteria, "criterion"), _by_id(new.criteria, "criterion")
    criteria = []
    for cid in dict.fromkeys([*old_c, *new_c]):
        ch = _criterion_change(cid, old_c.get(cid), new_c.get(cid), items, ctx)
        if ch is not None:
            criteria.append(ch)
    crit_names = {c.criterion: c.criterion for c in criteria if c.outcome.changed}

    old_p, new_p = _by_id(old.pillars, "id"), _by_id(new.pillars, "id")
    pillars = []
    for pid in dict.fromkeys([*old_p, *new_p]):
        ch2 = _grade_change(old_p.get(pid), new_p.get(pid), crit_names, ctx, "pillar", ("criterion", "criteria"))
        if ch2 is not None:
            pillars.append(ch2)
    pillar_names = {p.id: p.title for p in pillars if p.grade.changed}
    overall = (None if old.overall is None and new.overall is None  # a pack with no overall grade
               else _grade_change(old.overall, new.overall, pillar_names, ctx, "overall", ("pillar", "pillars")))

    same_inputs = not pack_files and not evidence_files and not records
    old_body, new_body = _body(old), _body(new)
    no_change = same_inputs and not ctx.pack_changed and old_body == new_body
    if same_inputs and old_body != new_body and not criteria and not pillars and overall is None:
        notes.append("the inputs are the same but the results differ outside the grades "
                     "(indicators, context, what would change each grade)")
    return ResultDiff(
        old=_ref(old), new=_ref(new), same_inputs=same_inputs, no_change=no_change, notes=notes,
        pack_files=pack_files, evidence_files=evidence_files, settings=settings, items=items,
        overall=overall, pillars=pillars, criteria=criteria, judgements=judgements,
        marking=highest_marking([old.meta.marking, new.meta.marking]),
        audience=old.meta.audience if old.meta.audience == new.meta.audience else None,
    )


def _ref(r: GradingResult) -> ResultRef:
    return ResultRef(evidence_set=r.meta.evidence_set.id, force=r.meta.evidence_set.force,
                     pack=f"{r.meta.pack.name} {r.meta.pack.version}", grader_version=r.meta.grader_version)
