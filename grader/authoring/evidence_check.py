"""``grader evidence check``: every mistake in an evidence set, before it is graded.

Grading stops at the first set of input errors and says nothing about evidence that is valid
but useless. An inspector preparing a set needs more: every error located (file and line, or
sheet, row and column), the criteria that cannot be met because no item records a fact their
rules need, the items that are not verified, the items no rule of the pack can use, and a count
per pillar and kind to see at a glance whether anything is missing.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from grader.authoring.weighing import unweighed_items, unweighed_message
from grader.errors import InputError, Problem
from grader.authoring.judgement_check import check_judgements
from grader.grading.run import Grader
from grader.loading.crosscheck import check_against_pack, check_items, check_rejected
from grader.loading.evidence import BrokenEvidence, LoadedEvidence, load_evidence
from grader.loading.factuse import clause_needs, criterion_rules
from grader.loading.pack import LoadedPack, load_pack, pack_path
from grader.models.evidence import EvidenceItem
from grader.models.pack import Clause, Criterion

#: Columns of the summary table, in order; other kinds are counted under "other".
SUMMARY_KINDS = ("strength", "work-in-progress", "area-for-improvement", "indicator")


@dataclass
class PillarCount:
    """One row of the summary: a pillar's items by kind, verified, and criteria informed."""

    pillar: str
    kinds: dict[str, int]
    items: int
    verified: int
    criteria_informed: int
    criteria_total: int


@dataclass
class EvidenceReport:
    """What ``evidence check`` found. ``loaded`` is None when the set could not be read."""

    problems: list[Problem]
    loaded: LoadedEvidence | None = None
    summary: list[PillarCount] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "note"]


def check_evidence(evidence: Path, pack_dir: Path) -> EvidenceReport:
    """Check the evidence set at ``evidence`` against the pack at ``pack_dir``.

    A broken pack raises :class:`InputError` (there is nothing to check against); a broken
    evidence set is reported, every problem located.
    """
    loaded_pack = load_pack(Path(pack_dir))
    try:
        loaded = load_evidence(Path(evidence), loaded_pack.pack.kind_ids)
    except BrokenEvidence as exc:
        # Nothing can be graded, but what did load can still be checked against the pack: an
        # unknown criterion should not wait until a wrong date two columns away is fixed.
        found = list(exc.problems) + check_rejected(exc.rejected, loaded_pack.pack)
        found += check_items(exc.items, exc.docs, loaded_pack.pack)
        return EvidenceReport(problems=_in_order(found + check_judgements(Path(evidence), None, loaded_pack)))
    except InputError as exc:
        return EvidenceReport(problems=exc.problems)
    problems = [_relocate(p, loaded) for p in check_against_pack(loaded, loaded_pack.pack)]
    items = loaded.evidence.items
    for item in items:
        if not item.verified:
            problems.append(loaded.problem(item.id, ("verified",), "EVID-030",
                                           "not verified: listed in the result, never relied on for a grade",
                                           severity="warning"))
    problems += _unmet_facts(loaded, loaded_pack)
    if not any(p.severity == "error" for p in problems):
        problems += _unusable(loaded, loaded_pack)
    valid = not any(p.severity == "error" for p in problems)
    problems += check_judgements(Path(evidence), loaded if valid else None, loaded_pack)
    return EvidenceReport(problems=_in_order(problems), loaded=loaded, summary=_summary(loaded, loaded_pack))


def _in_order(problems: list[Problem]) -> list[Problem]:
    """Mistakes first, then warnings, then notes; each group by place. Evidence that is merely
    absent (a warning) must never bury a mistake the inspector has to fix."""
    rank = {"error": 0, "warning": 1, "note": 2}
    return sorted(problems, key=lambda p: (rank[p.severity], *p.sort_key()))


def _relocate(p: Problem, loaded: LoadedEvidence) -> Problem:
    """The framework warning names the manifest wherever this format keeps it."""
    if p.code == "EVID-020":
        return loaded.manifest_problem(("framework",), p.code, p.message, severity=p.severity)
    return p


def _in_scope(items: list[EvidenceItem], crit: Criterion, scope: str) -> list[EvidenceItem]:
    if scope == "all":
        return items
    if scope == "pillar":
        return [i for i in items if i.pillar == crit.pillar]
    return [i for i in items if crit.id in i.criteria]


def _unmet_facts(loaded: LoadedEvidence, loaded_pack: LoadedPack) -> list[Problem]:
    """Criteria none of whose deciding rules can hold, because no item records a fact they need.

    Only rules that give a grade of the scale other than an adverse one count (the rules that
    show the standard is met). Presence is what counts here, not value: an item recording
    ``fact: false`` provides the fact. Only verified items are relied on.

    These are warnings, not errors: the set is not wrong, it just holds nothing that could
    show the standard is met there, and grading will say "insufficient evidence". A misspelt
    fact behind one is an error of its own (EVID-023), listed first.
    """
    pack = loaded_pack.pack
    verified = [i for i in loaded.evidence.items if i.verified]
    unverified = [i for i in loaded.evidence.items if not i.verified]
    positive = [g for g in pack.scale_ids if g not in pack.manifest.policy.adverse]
    out: list[Problem] = []
    for crit in pack.criteria:
        deciding = [r for r in criterion_rules(crit) if r.section == "rules" and r.outcome in positive]
        if not deciding:
            continue
        shortfalls: list[tuple[str, list[str]]] = []
        for ref in deciding:
            missing = _shortfall(ref.clause, crit, verified)
            if missing is None:
                shortfalls = []
                break
            shortfalls.append((ref.rule, missing))
        if not shortfalls:
            continue
        scope_items = [i for i in verified if crit.id in i.criteria]
        facts_named = sorted({f for _, missing in shortfalls for f in missing if f})
        provided = sorted({f for i in scope_items for f in i.facts})
        others = [p for p in provided if p not in facts_named]
        hints = [f"{close[0]!r} for {f!r}" for f in facts_named
                 if (close := difflib.get_close_matches(f, others, n=1, cutoff=0.6))]
        parts = []
        for rule, missing in shortfalls:
            named = [f for f in missing if f]
            need = f"fact{'s' if len(named) > 1 else ''} {_names(named)}" if named else "an item"
            parts.append(f"rule '{rule}' needs {need}")
        only_unverified = [i.id for i in unverified if crit.id in i.criteria]
        where = ("no verified item informs it" if not scope_items else
                 "no verified item informing it records what its rules need")
        message = f"{crit.id} cannot be met: {where} ({'; '.join(parts)})"
        if only_unverified:
            message += f"; unverified items {_names(only_unverified[:5])} would count once verified"
        if hints:
            message += f"; did you write {', '.join(hints)}?"
        first = loaded_pack.rule_positions.get((crit.id, f"rules/{shortfalls[0][0]}"))
        if first is not None:
            out.append(Problem(file=first.file, line=first.line, column=first.column, code="EVID-031",
                               message=message, severity="warning"))
        else:
            out.append(Problem(file=loaded_pack.criterion_files.get(crit.id, pack_path(loaded_pack.root, loaded_pack.root)),
                               code="EVID-031", message=message, severity="warning"))
    return out


def _shortfall(clause: Clause, crit: Criterion, verified: list[EvidenceItem]) -> list[str] | None:
    """None if ``clause`` could hold as far as recorded facts go; else the facts missing from the
    way that comes closest ("" stands for "an item", when the clause's scope has none at all)."""
    best: list[str] | None = None
    for way in clause_needs(clause):
        missing: list[str] = []
        for need in way:
            have = [set(i.facts) for i in _in_scope(verified, crit, need.clause.scope)]
            if any(alt <= facts for alt in need.alternatives for facts in have):
                continue
            smallest = min(need.alternatives, key=lambda a: (len(a), sorted(a)))
            provided = set().union(*have) if have else set()
            missing += [f for f in sorted(smallest - provided) if f not in missing]
            if not have and "" not in missing:
                missing.append("")
        if not missing:
            return None
        if best is None or len(missing) < len(best):
            best = missing
    return best if best is not None else None


def _names(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _unusable(loaded: LoadedEvidence, loaded_pack: LoadedPack) -> list[Problem]:
    """Verified items that no clause of any rule matches: no rule of the pack can use them; and
    qualitative items the rules of their own criterion cannot weigh (a warning: a shortfall the
    finding would be silent about, found by the same question as ``rules check``'s LINT-081)."""
    with Grader(loaded_pack) as grader:
        matches = grader.match(loaded)
    used = {item_id for rows in matches.values() for row in rows for item_id in row}
    unweighed = {item.id: crits for item, crits in unweighed_items(loaded_pack.pack, loaded, matches)}
    out = []
    for item in loaded.evidence.items:
        if item.id in unweighed:
            out.append(loaded.problem(item.id, ("id",), "EVID-032", unweighed_message(
                item, unweighed[item.id], loaded_pack.criterion_files), severity="warning"))
            continue
        if not item.verified or item.id in used:
            continue
        # A statistic or other record the rules do not test is still evidence (the result lists
        # it as unused, as context): a note. An item tied to no criterion at all was probably
        # meant to be: a warning.
        if item.criteria and item.kind == "indicator":
            why, severity = ("a statistic that no rule tests and no contextual note flags: the result "
                             "shows it as context only"), "note"
        elif item.criteria:
            why, severity = (f"no clause of the pack's rules matches it "
                             f"(facts: {', '.join(sorted(item.facts)) or 'none'})"), "note"
        elif item.kind == "indicator":
            why, severity = "a contextual statistic that informs no criterion and no contextual note flags", "note"
        else:
            why, severity = "it informs no criterion", "warning"
        out.append(loaded.problem(item.id, ("id",), "EVID-032", f"no rule can use this item: {why}",
                                  severity=severity))
    return out


def _summary(loaded: LoadedEvidence, loaded_pack: LoadedPack) -> list[PillarCount]:
    pack = loaded_pack.pack
    order = [p.id for p in pack.manifest.pillars]
    items = loaded.evidence.items
    pillars = order + sorted({i.pillar for i in items} - set(order))
    out = []
    for pillar in pillars:
        mine = [i for i in items if i.pillar == pillar]
        kinds = Counter(i.kind if i.kind in SUMMARY_KINDS else "other" for i in mine)
        crits = [c.id for c in pack.criteria if c.pillar == pillar]
        informed = {c for i in items for c in i.criteria if c in crits}
        out.append(PillarCount(pillar, {k: kinds.get(k, 0) for k in (*SUMMARY_KINDS, "other")}, len(mine),
                               sum(1 for i in mine if i.verified), len(informed), len(crits)))
    return out
