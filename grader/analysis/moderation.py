"""The moderation meeting, made explicit: are like forces graded alike?

Two checks, criterion by criterion, over the results of a programme:

- **same evidence, different outcome**: forces whose *evidence pattern* for the criterion is the
  same but whose outcomes differ. The pattern is the set of distinct (kind, fact values) of the
  verified items the criterion looked at, reading only the facts its rules test. When patterns
  are the same and outcomes differ, the outcome turned on something inspectors may record
  differently from force to force: how many items a finding was split into, tags, wording,
  scope, or which criteria an item was tagged to. That is what moderation should look at.
- **thin evidence**: forces whose outcome rests on markedly fewer cited items than the forces
  given the same outcome (below :data:`THIN_SHARE` of their median).

Forces are counted by force (the force named in each result's meta, spaces and case aside), not
by result file: a programme may hold a force's results of several years. Moderation compares
forces with one another, never a force with itself: a disparity needs two *different* forces
with the same pattern and different outcomes (one force graded differently over the years is a
question for ``grader diff``), and the thin check's peers are forces, each counted once (the
median of its results for that outcome). A check that was given fewer forces than it needs says
so (:class:`CheckRun`) rather than reporting "none".

Which facts a criterion's rules test is read from the results themselves: the facts carried by
the items any of its clauses matched, in any force (a result holds its trace and its evidence,
not the pack). That can include a fact an item carries beside a tested one; patterns are then
finer than strictly needed, which can hide a disparity but never invent one.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.audience import highest_marking
from grader.analysis.judgements import ForceJudgement, judgements_across
from grader.errors import InputError, Problem
from grader.models.evidence import EvidenceItem
from grader.models.result import CriterionFinding, GradingResult

#: A force's citations are "thin" below this share of the median of its peers'.
THIN_SHARE = 0.5
#: Fewest forces with one outcome for their median to mean anything.
MIN_PEERS = 3
#: Fewest forces for "same evidence pattern, different outcomes" to compare anything.
MIN_FORCES = 2

FactJson = bool | int | float | str
Signature = tuple[str, tuple[tuple[str, FactJson], ...]]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ForceRef(_Out):
    """One result compared (a force may have several, e.g. one a year)."""

    evidence_set: str
    force: str
    file: str
    pack: str


class PatternEntry(_Out):
    """One distinct kind of evidence: its kind and the tested facts it carries."""

    kind: str
    facts: dict[str, FactJson] = Field(default_factory=dict)

    def text(self) -> str:
        if not self.facts:
            return self.kind
        inner = ", ".join(f"{k}={_show(v)}" for k, v in self.facts.items())
        return f"{self.kind} ({inner})"


class ForceOutcome(_Out):
    """How one force fared on the criterion, and how many items carry each part of the pattern."""

    evidence_set: str
    force: str
    outcome: str
    decided_by: str
    cited: int
    items: list[int] = Field(description="items per pattern entry, in the pattern's order")


class Disparity(_Out):
    """Forces with the same evidence pattern for a criterion but different outcomes."""

    criterion: str
    title: str
    pattern: list[PatternEntry]
    outcomes: list[str]
    forces: list[ForceOutcome]
    note: str


class ThinEvidence(_Out):
    """A force whose outcome rests on far fewer items than other forces with that outcome."""

    criterion: str
    title: str
    evidence_set: str
    force: str
    outcome: str
    cited: int
    peer_median: float
    peers: int = Field(description="forces (not results) given the same outcome, this one included")


class CheckRun(_Out):
    """What one check could compare, so that "none found" is never said of a check that could not run."""

    check: Literal["same-pattern-different-outcome", "thin-evidence"]
    needs: int = Field(description="fewest forces (not results) the check compares: for the thin check, "
                                   "forces given the same outcome for a criterion")
    forces: int = Field(description="different forces given")
    results: int = Field(description="results given")
    ran: bool = Field(description="false: fewer forces than it needs; nothing was compared")
    compared: int = Field(description=(
        "what was compared: criteria assessed in at least two forces (same pattern); criterion outcomes "
        "given to at least `needs` forces (thin evidence)"))
    found: int


class ModerationReport(_Out):
    pack: str
    forces: list[ForceRef] = Field(description="one entry per result compared, in evidence set order")
    force_count: int = Field(description="different forces among the results (by force name, spaces and case aside)")
    checks: list[CheckRun] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    thin_share: float = THIN_SHARE
    tested_facts: dict[str, list[str]] = Field(default_factory=dict,
                                               description="per criterion, the facts its patterns read")
    disparities: list[Disparity] = Field(default_factory=list)
    thin: list[ThinEvidence] = Field(default_factory=list)
    marking: str = Field(description="the highest protective marking of the results compared: handle this "
                                     "output at that marking")
    audience: str | None = Field(default=None, description="who the results were filtered for (--audience); "
                                                           "absent: unfiltered")
    judgements: list[ForceJudgement] = Field(default_factory=list, description=(
        "every inspectors' judgement that applied, by target then force: where people overrode the rules"))


def _show(v: FactJson) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _json(v: object) -> FactJson:
    return v.isoformat() if isinstance(v, dt.date) else v  # type: ignore[return-value]


def _outcome_clauses(f: CriterionFinding) -> list[list[str]]:
    """The matched ids of every clause that can move the outcome (rules, uplifts, mitigations)."""
    return [c.matched for rt in f.trace if not rt.rule.startswith("concerns/") for c in rt.clauses]


def _cited(f: CriterionFinding) -> set[str]:
    ids = set(f.evidence)
    for part in (f.mitigation, f.uplift):
        if part is not None:
            ids.update(part.evidence)
    return ids


def _looked_at(result: GradingResult, f: CriterionFinding, by_id: dict[str, EvidenceItem]) -> list[EvidenceItem]:
    """Verified items of the criterion, and any other item its clauses matched (wider scopes)."""
    ids = {i.id for i in result.evidence if i.verified and f.criterion in i.criteria}
    for matched in _outcome_clauses(f):
        ids.update(matched)
    return [by_id[i] for i in sorted(ids) if i in by_id]


def _check(results: Sequence[tuple[str, GradingResult]]) -> list[str]:
    if len(results) < 2:
        where = results[0][0] if results else "(no results)"
        raise InputError([Problem(file=where, code="MOD-003", message="moderation compares at least two results")])
    problems: list[Problem] = []
    first_name, first = results[0]
    seen: dict[str, str] = {}
    for name, r in results:
        if r.meta.pack.name != first.meta.pack.name:
            problems.append(Problem(file=name, code="MOD-001",
                                    message=f"graded against pack {r.meta.pack.name!r}, but {first_name} against "
                                            f"{first.meta.pack.name!r}; moderate results of one framework"))
        es = r.meta.evidence_set.id
        if es in seen:
            problems.append(Problem(file=name, code="MOD-002",
                                    message=f"evidence set {es!r} is also the set of {seen[es]}; give each "
                                            "evidence set once (a force's other years have sets of their own)"))
        seen.setdefault(es, name)
    if problems:
        raise InputError(problems)
    notes: list[str] = []
    versions = sorted({r.meta.pack.version for _, r in results})
    if len(versions) > 1:
        notes.append(f"results were graded against different versions of {first.meta.pack.name}: "
                     f"{', '.join(versions)}; a disparity may come from the rules, not the evidence")
    by_force: dict[str, list[GradingResult]] = defaultdict(list)
    for _, r in sorted(results, key=lambda nr: nr[1].meta.evidence_set.id):
        by_force[force_key(r)].append(r)
    for rs in by_force.values():
        if len(rs) > 1:
            notes.append(f"{rs[0].meta.evidence_set.force} has {len(rs)} results "
                         f"({', '.join(r.meta.evidence_set.id for r in rs)}): counted as one force, and compared "
                         "with other forces, never with itself (grader diff compares a force's years)")
    return notes


def force_key(r: GradingResult) -> str:
    """A force's identity: the force its result names, spaces and case aside."""
    return same_force(r.meta.evidence_set.force)


def same_force(name: str) -> str:
    """The key under which two spellings of one force's name are one force."""
    return " ".join(name.split()).casefold()


def moderate(results: Sequence[tuple[str, GradingResult]], *, thin_share: float = THIN_SHARE) -> ModerationReport:
    """Compare the results of a programme criterion by criterion (see the module docstring).

    ``results`` pairs each result with the name of its file, for messages.
    """
    notes = _check(results)
    ordered = sorted(results, key=lambda nr: nr[1].meta.evidence_set.id)
    first = ordered[0][1]
    criteria = [c.id for c in first.framework.criteria]
    for _, r in ordered[1:]:
        for c in r.framework.criteria:
            if c.id not in criteria:
                criteria.append(c.id)
    titles = {c.id: c.title for _, r in ordered for c in r.framework.criteria}
    by_ids = [{i.id: i for i in r.evidence} for _, r in ordered]

    report_tested: dict[str, list[str]] = {}
    disparities: list[Disparity] = []
    thin: list[ThinEvidence] = []
    force_count = len({force_key(r) for _, r in ordered})
    compared_patterns = compared_outcomes = 0
    for cid in criteria:
        present: list[tuple[GradingResult, CriterionFinding, list[EvidenceItem]]] = []
        tested: set[str] = set()
        for (_, r), by_id in zip(ordered, by_ids, strict=True):
            try:
                f = r.criterion(cid)
            except KeyError:
                continue
            present.append((r, f, _looked_at(r, f, by_id)))
            for matched in _outcome_clauses(f):
                for eid in matched:
                    if eid in by_id:
                        tested.update(by_id[eid].facts)
        report_tested[cid] = sorted(tested)
        if len({force_key(r) for r, _, _ in present}) >= MIN_FORCES:
            compared_patterns += 1
            disparities.extend(_disparities(cid, titles[cid], present, tested))
        found, compared = _thin(cid, titles[cid], present, thin_share)
        thin.extend(found)
        compared_outcomes += compared

    checks = [
        CheckRun(check="same-pattern-different-outcome", needs=MIN_FORCES, forces=force_count, results=len(ordered),
                 ran=force_count >= MIN_FORCES, compared=compared_patterns, found=len(disparities)),
        CheckRun(check="thin-evidence", needs=MIN_PEERS, forces=force_count, results=len(ordered),
                 ran=force_count >= MIN_PEERS, compared=compared_outcomes, found=len(thin)),
    ]
    audiences = {r.meta.audience for _, r in ordered}
    return ModerationReport(
        marking=highest_marking(r.meta.marking for _, r in ordered),
        audience=audiences.pop() if len(audiences) == 1 else None,
        pack=f"{first.meta.pack.name} {first.meta.pack.version}",
        forces=[ForceRef(evidence_set=r.meta.evidence_set.id, force=r.meta.evidence_set.force, file=name,
                         pack=f"{r.meta.pack.name} {r.meta.pack.version}") for name, r in ordered],
        force_count=force_count, checks=checks, notes=notes, thin_share=thin_share, tested_facts=report_tested,
        disparities=disparities, thin=thin,
        judgements=judgements_across(ordered),
    )


def _signature(item: EvidenceItem, tested: set[str]) -> Signature:
    return (item.kind, tuple(sorted((k, _json(v)) for k, v in item.facts.items() if k in tested)))


def _disparities(cid: str, title: str, present: list[tuple[GradingResult, CriterionFinding, list[EvidenceItem]]],
                 tested: set[str]) -> list[Disparity]:
    groups: dict[frozenset[Signature], list[tuple[GradingResult, CriterionFinding, Counter[Signature]]]] = defaultdict(list)
    for r, f, items in present:
        counts = Counter(_signature(i, tested) for i in items)
        groups[frozenset(counts)].append((r, f, counts))
    out: list[Disparity] = []
    for pattern, members in groups.items():
        outcomes = sorted({f.outcome for _, f, _ in members})
        # across forces: two different forces with different outcomes (one force's years apart)
        if not any(force_key(r1) != force_key(r2) and f1.outcome != f2.outcome
                   for r1, f1, _ in members for r2, f2, _ in members):
            continue
        order = sorted(pattern, key=lambda s: (s[0], [(k, str(v)) for k, v in s[1]]))
        forces = [ForceOutcome(evidence_set=r.meta.evidence_set.id, force=r.meta.evidence_set.force,
                               outcome=f.outcome, decided_by=f.decided_by, cited=len(_cited(f)),
                               items=[counts[s] for s in order]) for r, f, counts in members]
        same_counts = len({tuple(fo.items) for fo in forces}) == 1
        if same_counts:
            note = ("same kinds, facts and numbers of items, yet different outcomes: the outcome turned on "
                    "something else (tags, wording, sources, verification of other items, or the rules)")
        else:
            note = ("same kinds and facts, different numbers of items: the outcome turned on how many items "
                    "the evidence was recorded as")
        out.append(Disparity(criterion=cid, title=title,
                             pattern=[PatternEntry(kind=k, facts=dict(fs)) for k, fs in order],
                             outcomes=outcomes, forces=forces, note=note))
    out.sort(key=lambda d: [fo.evidence_set for fo in d.forces])
    return out


def _thin(cid: str, title: str, present: list[tuple[GradingResult, CriterionFinding, list[EvidenceItem]]],
          thin_share: float) -> tuple[list[ThinEvidence], int]:
    """Thin outcomes of one criterion, and how many of its outcomes had enough forces to compare.

    Peers are forces, each counted once: a force with several results given the outcome counts
    with the median of their citations, so that one force's years neither make up the numbers
    nor pull the median towards themselves.
    """
    by_outcome: dict[str, list[tuple[GradingResult, int]]] = defaultdict(list)
    for r, f, _ in present:
        by_outcome[f.outcome].append((r, len(_cited(f))))
    out: list[ThinEvidence] = []
    compared = 0
    for outcome in sorted(by_outcome):
        peers = by_outcome[outcome]
        per_force: dict[str, list[int]] = defaultdict(list)
        for r, n in peers:
            per_force[force_key(r)].append(n)
        if len(per_force) < MIN_PEERS:
            continue
        compared += 1
        median = float(statistics.median(statistics.median(ns) for ns in per_force.values()))
        for r, n in peers:
            if n < median * thin_share:
                out.append(ThinEvidence(criterion=cid, title=title, evidence_set=r.meta.evidence_set.id,
                                        force=r.meta.evidence_set.force, outcome=outcome, cited=n,
                                        peer_median=median, peers=len(per_force)))
    return out, compared
