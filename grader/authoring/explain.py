"""``grader explain``: how a criterion, a pillar or the overall grade was decided, for an inspector.

For a criterion: every rule in order with every clause, what each matched, and for a clause
that found too little, the closest miss (the item that failed the fewest of its tests, and
which). For a pillar or the overall grade: each roll-up rule in order, what each count
counted, which rule gave the grade and which cap limited it. The grades shown are the
result's (computed by grader.grading); this module only explains them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.audience import (
    Visibility,
    banner,
    highest_marking,
    people_for_audience,
    redact_value,
    result_banner,
    withheld_words,
)
from grader.authoring.closest import SideMisses, closest_misses, value_words
from grader.errors import InputError, Problem
from grader.grading.rollup import Unit, holds as roll_holds
from grader.grading.run import Grader
from grader.grading.text import describe_clause, describe_roll
from grader.loading.conditions import suggest
from grader.loading.evidence import LoadedEvidence, load_evidence
from grader.loading.judgements import load_judgements
from grader.loading.pack import load_pack
from grader.models.pack import (
    NOT_APPLICABLE,
    Clause,
    ClauseAll,
    ClauseAny,
    ClauseNot,
    CountClause,
    Criterion,
    Level,
    OutcomeCount,
    PairClause,
    RollAll,
    RollAny,
    RollClause,
    RollNot,
    RulePack,
)
from grader.models.result import CriterionFinding, GradeFinding, GradingResult, RuleTrace


def _graded(evidence_dir: Path, pack_dir: Path,
            judgements: Path | None = None) -> tuple[RulePack, LoadedEvidence, GradingResult]:
    loaded_pack = load_pack(Path(pack_dir))
    loaded = load_evidence(Path(evidence_dir), loaded_pack.pack.kind_ids)
    records = load_judgements(Path(evidence_dir), judgements)
    with Grader(loaded_pack) as grader:
        result = grader.grade(loaded, records)
    return loaded_pack.pack, loaded, result


def _judgement_lines(result: GradingResult, target: str) -> list[str]:
    """The inspectors' judgement on ``target``: applied (and what the rules gave), or why not."""
    lines = []
    for j in result.judgements:
        if j.target != target:
            continue
        who = f"{j.by} ({j.role}), {j.date}"
        if j.state == "applied":
            lines += [f"Judged: {j.outcome} by {who}; the rules gave {j.rules_now}.", f"Judgement: {j.reason}"]
        elif j.state == "stale":
            lines.append(f"Not applied (stale): the judgement by {who} ({j.at}) was made when the rules gave "
                         f"{j.rule_outcome}; they now give {j.rules_now}.")
        else:
            lines.append(f"Not applied (expired {j.expires}): the judgement by {who} ({j.at}).")
    return lines


def _unknown(what: str, value: str, known: list[str], where: Path) -> InputError:
    return InputError([Problem(file=str(where), code="CLI-001",
                               message=f"no {what} {value!r}{suggest(value, known)}; known: {', '.join(known)}")])


# --- a criterion ------------------------------------------------------------------------------


@dataclass
class _Criterion:
    """What both accounts of a criterion (text and data) are built from."""

    pack: RulePack
    result: GradingResult
    crit: Criterion
    finding: CriterionFinding
    statements: dict  # type: ignore[type-arg]
    traces: dict[str, RuleTrace]
    vis: Visibility
    sections: list[tuple[str, str, list, str]]  # type: ignore[type-arg]
    misses: dict[str, list[SideMisses]]

    @property
    def cited(self) -> list[str]:
        f = self.finding
        return sorted(set(f.evidence) | set(f.mitigation.evidence if f.mitigation else []))

    def shown(self, section: str, entries: list) -> list[tuple[int, Any, RuleTrace]]:  # type: ignore[type-arg]
        """(number, entry, trace) of each entry of a section that was tried."""
        return [(n, e, self.traces[f"{section}/{e.id}"]) for n, e in enumerate(entries, 1)
                if f"{section}/{e.id}" in self.traces]


def _criterion(criterion_id: str, evidence_dir: Path, pack_dir: Path, judgements: Path | None,
               audience: str | None) -> _Criterion:
    pack_ids = [c.id for c in load_pack(Path(pack_dir)).pack.criteria]
    if criterion_id not in pack_ids:
        raise _unknown("criterion", criterion_id, pack_ids, pack_dir)
    pack, loaded, result = _graded(evidence_dir, pack_dir, judgements)
    crit = pack.criterion(criterion_id)
    finding = result.criterion(criterion_id)
    statements = loaded.evidence.by_id()
    traces = {t.rule: t for t in finding.trace}
    vis = Visibility.of(result, audience or "inspectorate")

    sections = [
        ("rule", "rules", crit.rules, "Rules, tried in order; the first that holds decides:"),
        ("uplift", "uplifts", [*crit.uplifts, *pack.manifest.uplifts],
         "Uplifts, looked at when a rule gave the grade they lift:"),
        ("mitigation", "mitigations", crit.mitigations,
         "Mitigations, looked at when the outcome is adverse (" + ", ".join(pack.manifest.policy.adverse) + "):"),
        ("concern", "concerns", [*crit.concerns, *pack.manifest.shared_concerns],
         "Concerns, noted beside the outcome; they never change it:"),
    ]
    # Closest misses where they answer a question: why a rule did not hold, why an uplift or
    # a mitigation that was looked at did not apply.
    wanted: list[CountClause | PairClause] = []
    for _, section, entries, _ in sections:
        for entry in entries:
            t = traces.get(f"{section}/{entry.id}")
            if t is None or t.holds:
                continue
            looked_at = (section == "rules"
                         or section == "uplifts" and finding.decided_by != "otherwise"
                         and getattr(entry, "from_", None) == _rule_outcome(crit, finding.decided_by)
                         or section == "mitigations" and finding.assessed_outcome in pack.manifest.policy.adverse)
            if looked_at:
                wanted.extend(c for c in _short(entry.when, t) if c not in wanted)
    misses = closest_misses(pack, crit, loaded, wanted) if wanted else {}
    return _Criterion(pack, result, crit, finding, statements, traces, vis, sections, misses)


def explain_criterion(criterion_id: str, evidence_dir: Path, pack_dir: Path, judgements: Path | None = None,
                      audience: str | None = None) -> str:
    """A plain-text account: the standard, each rule and clause, what matched, closest misses,
    the outcome, the evidence relied on and how it rolls up.

    With ``audience``, items that audience may not see are withheld: never named, quoted or
    described (a closest miss among them is left out), and counted where they were cited.
    """
    c = _criterion(criterion_id, evidence_dir, pack_dir, judgements, audience)
    pack, result, crit, finding, statements, vis, sections, misses = (
        c.pack, c.result, c.crit, c.finding, c.statements, c.vis, c.sections, c.misses)
    lines = [f"{crit.id} {crit.title} ({crit.pillar}{', significant' if crit.significant else ''})",
             f"Standard: {crit.standard}", ""]
    outcome = f"Outcome: {finding.outcome} (as assessed: {finding.assessed_outcome}; decided by {finding.decided_by})"
    lines += [outcome, *_judgement_lines(result, criterion_id), f"Because: {finding.rationale}"]
    if finding.uplift:
        lines.append(f"Uplifted ({finding.uplift.rule}): {finding.uplift.rationale}")
    if finding.mitigation:
        lines.append(f"Mitigated ({finding.mitigation.basis}): {finding.mitigation.rationale}")
    for c in finding.concerns:
        lines.append(f"Concern ({c.concern}): {c.rationale}")
    policy = pack.manifest.policy
    for word, section, entries, heading in sections:
        shown = c.shown(section, entries)
        if not shown:
            continue
        lines += ["", heading]
        for i, (n, entry, t) in enumerate(shown):
            label = _label(section, entry, policy.mitigated_as)
            state = "HOLDS" if t.holds else "does not hold"
            if section == "rules" and finding.decided_by == f"rules/{entry.id}":
                state += " and decides"
            if i:
                lines.append("")
            lines.append(f"{n}. {word} {entry.id} {label}: {state}")
            lines.append(f"   needs: {describe_clause(entry.when)}")
            lines.extend(_clause_lines(entry.when, t, misses, statements, crit.id, crit.pillar, vis.withheld))
    if finding.decided_by == "otherwise":
        lines += ["", f"No rule held, so 'otherwise' applies: {finding.outcome}."]
    cited = c.cited
    lines += ["", "Evidence relied on:"]
    for eid in vis.keep(cited):
        item = statements[eid]
        lines.append(f"  {eid} [{item.kind}, {item.marking}] {item.statement}")
    if vis.count(cited):
        lines.append(f"  and {withheld_words(vis.count(cited))}")
    if not cited:
        lines.append("  none: no rule that held cites any item")
    graded = {p.id: p for p in result.pillars}
    if crit.pillar in graded:
        pillar = graded[crit.pillar]
        lines += ["", f"Rolls up into {pillar.title}: {pillar.label}. {pillar.rationale}",
                  f"(see: grader explain --pillar {crit.pillar})"]
    else:
        lines += ["", f"Reported under {crit.pillar}, an area the framework does not grade: it rolls up into no grade."]
    return _for_reader(lines, result, audience)


def _label(section: str, entry: Any, mitigated_as: str) -> str:
    """What an entry gives: ``-> meets``, ``lifts meets to exceeds``, ``counts as ...``, ``raises ...``."""
    if section == "rules":
        return f"-> {entry.outcome}"
    if section == "uplifts":
        return f"lifts {entry.from_} to {entry.to}"
    if section == "mitigations":
        return f"counts as {entry.treat_as or mitigated_as} ({entry.basis})"
    return f"raises {entry.concern}"


def _rule_outcome(crit: Criterion, decided_by: str) -> str | None:
    return next((r.outcome for r in crit.rules if f"rules/{r.id}" == decided_by), None)


def _walk(clause: Clause, positive: bool = True) -> Iterator[tuple[CountClause | PairClause, bool]]:
    """Counting clauses with their polarity (False under an odd number of 'not's)."""
    if isinstance(clause, CountClause | PairClause):
        yield clause, positive
    elif isinstance(clause, ClauseNot):
        yield from _walk(clause.item, not positive)
    else:
        assert isinstance(clause, ClauseAll | ClauseAny)
        for c in clause.items:
            yield from _walk(c, positive)


def _short(when: Clause, trace: RuleTrace) -> list[CountClause | PairClause]:
    """Clauses that did not hold because too few items matched (where a closest miss helps)."""
    by_key = {c.key: c for c in trace.clauses}
    out: list[CountClause | PairClause] = []
    for clause, positive in _walk(when):
        t = by_key.get(clause.key)
        if t is None:
            continue
        if positive and not t.holds and (isinstance(clause, PairClause) or clause.form in ("some", "at_least")
                                          or (clause.form == "exactly" and len(t.matched) < clause.n)):
            out.append(clause)
        if not positive and t.holds and isinstance(clause, CountClause) and clause.form in ("none", "at_most"):
            out.append(clause)  # 'not none X': X needed at least one item
    return out


def _clause_lines(when: Clause, trace: RuleTrace, misses: dict[str, list[SideMisses]],
                  statements: dict, crit_id: str, pillar: str,  # type: ignore[type-arg]
                  withheld: frozenset[str]) -> list[str]:
    by_key = {c.key: c for c in trace.clauses}
    lines: list[str] = []
    for clause, positive in _walk(when):
        t = by_key.get(clause.key)
        matched = t.matched if t else []
        holds = bool(t and t.holds)
        name = clause.name or "clause"
        negated = "" if positive else " (under 'not')"
        lines.append(f"   - {name}{negated}: {'holds' if holds else 'fails'}: {describe_clause(clause)}")
        lines.append(f"       matched: {', '.join(matched) if matched else 'nothing'}")
        if isinstance(clause, CountClause) and not holds and positive and clause.form in ("none", "at_most"):
            lines.append(f"       too many: {len(matched)} item{'s' if len(matched) != 1 else ''} matched"
                         + (f", at most {clause.n} may" if clause.form == "at_most" else ", none may"))
        for side in misses.get(clause.key, []):
            lines.extend(_miss_lines(side, statements, crit_id, pillar, withheld))
    return lines


def _no_miss(side: SideMisses, crit_id: str, pillar: str) -> str:
    """Why a clause has no closest miss to show."""
    if side.in_scope:
        return "every item in scope matched, and the clause needs more"
    return {"criterion": f"no verified item informs {crit_id} (names it in its 'criteria'); "
                         "'scope: pillar' on the clause would look at every item of the pillar",
            "pillar": f"no verified item belongs to the pillar {pillar}",
            "all": "the evidence set has no verified item"}[side.scope]


def _miss_lines(side: SideMisses, statements: dict, crit_id: str,  # type: ignore[type-arg]
                pillar: str, withheld: frozenset[str] = frozenset()) -> list[str]:
    prefix = f"{side.label} item: " if side.label else ""
    if side.label and side.matched:
        return [f"       {prefix}matched by {', '.join(side.matched)}"]
    if not side.misses:
        return [f"       {prefix}closest miss: none: {_no_miss(side, crit_id, pillar)}"]
    out = []
    hidden = sum(1 for miss in side.misses if miss.item in withheld)
    if hidden:
        out.append(f"       {prefix}closest miss: {withheld_words(hidden)} not described")
    for miss in side.misses:
        if miss.item in withheld:
            continue
        item = statements[miss.item]
        n = len(miss.failed)
        out.append(f"       {prefix}closest miss: {miss.item} [{item.kind}] fails {n} test{'s' if n != 1 else ''}:")
        for lit in miss.failed:
            out.append(f"         - {lit.words()} ({value_words(item, lit)})")
    return out


# --- a pillar, and the overall grade ----------------------------------------------------------


def _leaves(clause: RollClause) -> Iterator[OutcomeCount]:
    if isinstance(clause, OutcomeCount):
        yield clause
    elif isinstance(clause, RollNot):
        yield from _leaves(clause.item)
    else:
        assert isinstance(clause, RollAll | RollAny)
        for c in clause.items:
            yield from _leaves(c)


def _counted(leaf: OutcomeCount, units: list[Unit]) -> tuple[list[str], list[str]]:
    """(units the count counted, units eligible for it) with the roll-up's own counting."""
    counted: dict[str, list[str]] = {}
    roll_holds(leaf.model_copy(update={"name": "counted"}), units, counted)
    eligible: dict[str, list[str]] = {}
    roll_holds(leaf.model_copy(update={"name": "eligible", "outcome": None, "grade": None}), units, eligible)
    return counted["counted"], eligible["eligible"]


def _level_steps(level: Level, units: list[Unit], scale: list[str]) -> list[dict[str, Any]]:
    """Each roll-up rule and cap in order: what it needs, whether it holds, whether it gave (or
    lowered) the grade, and what each of its counts counted."""
    steps: list[dict[str, Any]] = []
    grade: str | None = None
    for n, rule in enumerate(level.rules, 1):
        if rule.when is None:
            steps.append({"step": "rule", "n": n, "grade": rule.grade, "when": None, "holds": True,
                          "gives": grade is None, "counts": []})
            grade = grade or rule.grade
            continue
        holds = roll_holds(rule.when, units, {})
        gives = holds and grade is None
        grade = rule.grade if gives else grade
        steps.append({"step": "rule", "n": n, "grade": rule.grade, "when": describe_roll(rule.when), "holds": holds,
                      "gives": gives, "counts": _count_data(rule.when, units)})
    for n, cap in enumerate(level.caps, 1):
        holds = roll_holds(cap.when, units, {})
        lowers = holds and grade is not None and scale.index(grade) < scale.index(cap.at_most)
        steps.append({"step": "cap", "n": n, "at_most": cap.at_most, "when": describe_roll(cap.when), "holds": holds,
                      "lowers": lowers, "grade_before": grade, "counts": _count_data(cap.when, units)})
        grade = cap.at_most if lowers else grade
    return steps


def _level_lines(level: Level, units: list[Unit], finding_grade: str, what: str, scale: list[str]) -> list[str]:
    lines = [f"Roll-up rules, in order; the first that holds gives the {what} grade:"]
    for step in _level_steps(level, units, scale):
        n = step["n"]
        if step["step"] == "rule" and step["when"] is None:
            lines.append(f"  {n}. {step['grade']} otherwise: {'gives the grade' if step['gives'] else 'not reached'}")
            continue
        if step["step"] == "rule":
            state = ("holds and gives the grade" if step["gives"] else
                     "holds, but an earlier rule gave the grade" if step["holds"] else "does not hold")
            lines.append(f"  {n}. {step['grade']} when {step['when']}: {state}")
        else:
            state = ("does not apply" if not step["holds"] else
                     f"applies: {step['grade_before']} is lowered to {step['at_most']}" if step["lowers"] else
                     f"holds, but {step['grade_before']} is not above {step['at_most']}")
            lines.append(f"  cap {n}: at most {step['at_most']} when {step['when']}: {state}")
        for count in step["counts"]:
            lines.append(f"       {count['name']}: counted {len(count['counted'])} of {count['eligible']}: "
                         f"{', '.join(count['counted']) or 'none'}")
    lines.append(f"  -> {what} grade: {finding_grade}")
    return lines


def _count_data(clause: RollClause, units: list[Unit]) -> list[dict[str, Any]]:
    out = []
    for leaf in _leaves(clause):
        counted, eligible = _counted(leaf, units)
        out.append({"name": leaf.name or "count", "counted": counted, "eligible": len(eligible)})
    return out


def _pillar(pillar_id: str, evidence_dir: Path, pack_dir: Path,
            judgements: Path | None) -> tuple[RulePack, GradingResult]:
    """The pack and the result, once ``pillar_id`` is known to be a graded pillar of the pack."""
    manifest = load_pack(Path(pack_dir)).pack.manifest
    known = [p.id for p in manifest.pillars]
    if pillar_id not in known:
        raise _unknown("pillar", pillar_id, known, pack_dir)
    if not next(p for p in manifest.pillars if p.id == pillar_id).graded:
        raise InputError([Problem(file=str(pack_dir), code="CLI-002", message=(
            f"pillar {pillar_id!r} is reported but never graded (graded: false in pack.yaml), so it has no "
            "roll-up to explain; explain one of its criteria instead (grader explain CRITERION)"))])
    pack, _, result = _graded(evidence_dir, pack_dir, judgements)
    return pack, result


def _units(result: GradingResult, pillar_id: str) -> tuple[list[CriterionFinding], list[Unit], list[Unit]]:
    """A pillar's findings, and its units after and before mitigation."""
    mine = [f for f in result.criteria if f.pillar == pillar_id]
    after = [Unit(f.criterion, f.outcome, f.significant, f.mitigated) for f in mine]
    before = [Unit(f.criterion, f.assessed_outcome, f.significant, False) for f in mine]
    return mine, after, before


def explain_pillar(pillar_id: str, evidence_dir: Path, pack_dir: Path, judgements: Path | None = None,
                   audience: str | None = None) -> str:
    """How a pillar's grade rolled up from its criteria: each policy rule, what it counted, caps
    (with ``audience``: as :func:`explain_criterion`)."""
    pack, result = _pillar(pillar_id, evidence_dir, pack_dir, judgements)
    pillar = result.pillar(pillar_id)
    mine, after, before = _units(result, pillar_id)
    lines = [f"Pillar {pillar.id}: {pillar.title}", f"Grade: {pillar.label} ({pillar.grade})",
             *_judgement_lines(result, pillar_id)]
    if pillar.assessed_grade != pillar.grade and pillar.judgement is None:
        lines.append(f"As assessed, before mitigation: {pillar.assessed_grade}")
    lines += [f"Because: {pillar.rationale}", "", "Criteria (outcome after mitigation; as assessed):"]
    lines.extend(_criterion_row(f) for f in mine)
    lines.append("")
    lines.extend(_level_lines(pack.manifest.policy.pillar, after, pillar.rule_outcome, "pillar", pack.scale_ids))
    if pillar.judgement is not None:
        lines.append(f"  -> judged by the inspectors: {pillar.grade}")
    elif pillar.assessed_grade != pillar.grade:
        lines += ["", "As assessed (before mitigation):"]
        lines.extend(_level_lines(pack.manifest.policy.pillar, before, pillar.assessed_grade, "pillar", pack.scale_ids))
    if result.overall is not None:
        lines += ["", f"Rolls up into the overall grade: {result.overall.label}. (see: grader explain --overall)"]
    return _for_reader(lines, result, audience)


def _criterion_row(f: CriterionFinding) -> str:
    sig = "significant" if f.significant else "not significant"
    extra = f"; as assessed {f.assessed_outcome}" if f.assessed_outcome != f.outcome else ""
    if f.judgement is not None:
        extra = f"; judged (the rules gave {f.rule_outcome})"
    mitigated = ", mitigated" if f.mitigated else ""
    na = " (not counted)" if f.outcome == NOT_APPLICABLE else ""
    return f"  {f.criterion} ({sig}): {f.outcome}{mitigated}{extra}{na}; {', '.join(f.evidence) or 'no evidence cited'}"


def _overall(evidence_dir: Path, pack_dir: Path, judgements: Path | None) -> tuple[RulePack, GradingResult]:
    """The pack and the result, once the pack is known to give an overall grade."""
    pack, _, result = _graded(evidence_dir, pack_dir, judgements)
    if result.overall is None or pack.manifest.policy.overall is None:
        raise InputError([Problem(file=str(pack_dir), code="CLI-003", message=(
            f"pack {pack.manifest.name!r} gives no overall grade: it grades each pillar on its own, so there "
            "is no overall roll-up to explain; use grader explain --pillar PILLAR"))])
    return pack, result


def explain_overall(evidence_dir: Path, pack_dir: Path, judgements: Path | None = None,
                    audience: str | None = None) -> str:
    """How the overall grade rolled up from the pillar grades (with ``audience``: as
    :func:`explain_criterion`)."""
    pack, result = _overall(evidence_dir, pack_dir, judgements)
    overall: GradeFinding = result.overall  # type: ignore[assignment]
    after = [Unit(p.id, p.grade) for p in result.pillars]
    before = [Unit(p.id, p.assessed_grade) for p in result.pillars]
    lines = [f"Overall: {overall.title}", f"Grade: {overall.label} ({overall.grade})",
             *_judgement_lines(result, "overall")]
    if overall.assessed_grade != overall.grade and overall.judgement is None:
        lines.append(f"As assessed, before mitigation: {overall.assessed_grade}")
    lines += [f"Because: {overall.rationale}", "", "Pillars (grade after mitigation; as assessed):"]
    for p in result.pillars:
        extra = f"; as assessed {p.assessed_grade}" if p.assessed_grade != p.grade else ""
        capped = f"; capped: {p.capped_by}" if p.capped_by else ""
        lines.append(f"  {p.id}: {p.grade}{extra}{capped}")
    lines.append("")
    lines.extend(_level_lines(pack.manifest.policy.overall, after, overall.rule_outcome, "overall", pack.scale_ids))
    if overall.judgement is not None:
        lines.append(f"  -> judged by the inspectors: {overall.grade}")
    elif overall.assessed_grade != overall.grade:
        lines += ["", "As assessed (before mitigation):"]
        lines.extend(_level_lines(pack.manifest.policy.overall, before, overall.assessed_grade, "overall",
                                  pack.scale_ids))
    lines += ["", "Each pillar: grader explain --pillar PILLAR; each criterion: grader explain CRITERION"]
    return _for_reader(lines, result, audience)


def _for_reader(lines: list[str], result: GradingResult, audience: str | None) -> str:
    """The account under its marking banner; with ``audience``, every withheld id replaced by a count."""
    if audience is None:
        return "\n".join([result_banner(result), "", *lines])
    vis = Visibility.of(result, audience)
    shown = highest_marking(e.marking for e in result.evidence if e.id in vis.shown)
    lines = people_for_audience([vis.redact(line) for line in lines], result, audience)
    return "\n".join([banner(shown, audience, len(vis.withheld)), "", *lines])



# --- the same accounts as data (explain --format json) ----------------------------------------


def _data_for_reader(data: dict[str, Any], result: GradingResult, audience: str | None) -> dict[str, Any]:
    """``data`` under its marking (as :func:`_for_reader`): with ``audience``, every withheld item
    leaves every list and every withheld id in a sentence becomes a count (audience.redact_value)."""
    if audience is None:
        return {"marking": result.meta.marking, "audience": result.meta.audience, "withheld": result.meta.withheld,
                "banner": result_banner(result), **data}
    vis = Visibility.of(result, audience)
    shown = highest_marking(e.marking for e in result.evidence if e.id in vis.shown)
    return {"marking": shown, "audience": audience, "withheld": len(vis.withheld),
            "banner": banner(shown, audience, len(vis.withheld)),
            **people_for_audience(redact_value(data, vis), result, audience)}


def _judgement_data(result: GradingResult, target: str) -> list[dict[str, Any]]:
    return [j.model_dump(mode="json") for j in result.judgements if j.target == target]


def _miss_data(side: SideMisses, statements: dict, crit_id: str, pillar: str,  # type: ignore[type-arg]
               withheld: frozenset[str]) -> dict[str, Any]:
    """A clause's closest miss (or why there is none), as :func:`_miss_lines` words it."""
    out: dict[str, Any] = {"side": side.label or None, "matched_by": None, "none": None, "withheld": 0, "misses": []}
    if side.label and side.matched:  # the items shown, and how many this audience may not see
        out["matched_by"] = [i for i in side.matched if i not in withheld]
        out["withheld"] = sum(1 for i in side.matched if i in withheld)
    elif not side.misses:
        out["none"] = _no_miss(side, crit_id, pillar)
    else:
        out["withheld"] = sum(1 for miss in side.misses if miss.item in withheld)
        out["misses"] = [{"item": miss.item, "kind": statements[miss.item].kind,
                          "failed": [{"test": lit.words(), "value": value_words(statements[miss.item], lit)}
                                     for lit in miss.failed]}
                         for miss in side.misses if miss.item not in withheld]
    return out


def _clause_data(when: Clause, trace: RuleTrace, c: _Criterion) -> list[dict[str, Any]]:
    """Each counting clause of a rule: what it needs, whether it holds, what it matched, closest misses."""
    by_key = {t.key: t for t in trace.clauses}
    out = []
    for clause, positive in _walk(when):
        t = by_key.get(clause.key)
        matched = list(t.matched) if t else []
        holds = bool(t and t.holds)
        too_many = None
        if isinstance(clause, CountClause) and not holds and positive and clause.form in ("none", "at_most"):
            too_many = {"matched": len(matched), "at_most": clause.n if clause.form == "at_most" else 0}
        out.append({"name": clause.name, "negated": not positive, "holds": holds, "needs": describe_clause(clause),
                    "matched": matched, "matched_withheld": c.vis.count(matched), "too_many": too_many,
                    "closest_misses": [_miss_data(side, c.statements, c.crit.id, c.crit.pillar, c.vis.withheld)
                                       for side in c.misses.get(clause.key, [])]})
    return out


def explain_criterion_data(criterion_id: str, evidence_dir: Path, pack_dir: Path, judgements: Path | None = None,
                           audience: str | None = None) -> dict[str, Any]:
    """:func:`explain_criterion` as data: the criterion, its outcome and why, every rule, uplift,
    mitigation and concern tried with each clause (what it matched, the closest miss), the
    evidence relied on and the pillar it rolls up into; filtered for ``audience`` alike."""
    c = _criterion(criterion_id, evidence_dir, pack_dir, judgements, audience)
    crit, finding, vis = c.crit, c.finding, c.vis
    sections = []
    for word, section, entries, heading in c.sections:
        shown = c.shown(section, entries)
        if shown:
            sections.append({"section": section, "heading": heading, "entries": [
                {"n": n, "kind": word, "id": entry.id, "gives": _label(section, entry, c.pack.manifest.policy.mitigated_as),
                 "holds": t.holds, "decides": section == "rules" and finding.decided_by == f"rules/{entry.id}",
                 "needs": describe_clause(entry.when), "clauses": _clause_data(entry.when, t, c)}
                for n, entry, t in shown]})
    cited = c.cited
    pillar = next((p for p in c.result.pillars if p.id == crit.pillar), None)
    data = {
        "explains": "criterion",
        "criterion": {"id": crit.id, "title": crit.title, "pillar": crit.pillar, "significant": crit.significant,
                      "standard": crit.standard},
        "outcome": finding.outcome, "assessed_outcome": finding.assessed_outcome, "decided_by": finding.decided_by,
        "rationale": finding.rationale,
        "judgements": _judgement_data(c.result, crit.id),
        "uplift": {"rule": finding.uplift.rule, "rationale": finding.uplift.rationale} if finding.uplift else None,
        "mitigation": ({"basis": finding.mitigation.basis, "rationale": finding.mitigation.rationale}
                       if finding.mitigation else None),
        "concerns": [{"concern": x.concern, "rationale": x.rationale} for x in finding.concerns],
        "sections": sections,
        "evidence": [{"id": eid, "kind": c.statements[eid].kind, "marking": c.statements[eid].marking,
                      "statement": c.statements[eid].statement} for eid in vis.keep(cited)],
        "evidence_withheld": vis.count(cited),
        "rolls_up_into": ({"pillar": pillar.id, "title": pillar.title, "grade": pillar.grade, "label": pillar.label,
                           "rationale": pillar.rationale} if pillar is not None else None),
    }
    return _data_for_reader(data, c.result, audience)


def _roll_data(level: Level, after: list[Unit], before: list[Unit], finding: GradeFinding,
               scale: list[str]) -> dict[str, Any]:
    """The roll-up (and, when mitigation changed the grade and no judgement did, as assessed)."""
    assessed = None
    if finding.judgement is None and finding.assessed_grade != finding.grade:
        assessed = {"steps": _level_steps(level, before, scale), "grade": finding.assessed_grade}
    return {"roll_up": {"steps": _level_steps(level, after, scale), "grade": finding.rule_outcome},
            "judged": finding.grade if finding.judgement is not None else None, "as_assessed": assessed}


def explain_pillar_data(pillar_id: str, evidence_dir: Path, pack_dir: Path, judgements: Path | None = None,
                        audience: str | None = None) -> dict[str, Any]:
    """:func:`explain_pillar` as data."""
    pack, result = _pillar(pillar_id, evidence_dir, pack_dir, judgements)
    pillar = result.pillar(pillar_id)
    mine, after, before = _units(result, pillar_id)
    data = {
        "explains": "pillar",
        "pillar": {"id": pillar.id, "title": pillar.title, "grade": pillar.grade, "label": pillar.label,
                   "assessed_grade": pillar.assessed_grade, "rationale": pillar.rationale},
        "judgements": _judgement_data(result, pillar_id),
        "criteria": [{"criterion": f.criterion, "significant": f.significant, "outcome": f.outcome,
                      "mitigated": f.mitigated, "assessed_outcome": f.assessed_outcome,
                      "judged": f.judgement is not None, "rule_outcome": f.rule_outcome,
                      "counted": f.outcome != NOT_APPLICABLE, "evidence": list(f.evidence)} for f in mine],
        **_roll_data(pack.manifest.policy.pillar, after, before, pillar, pack.scale_ids),
        "overall": ({"grade": result.overall.grade, "label": result.overall.label}
                    if result.overall is not None else None),
    }
    return _data_for_reader(data, result, audience)


def explain_overall_data(evidence_dir: Path, pack_dir: Path, judgements: Path | None = None,
                         audience: str | None = None) -> dict[str, Any]:
    """:func:`explain_overall` as data."""
    pack, result = _overall(evidence_dir, pack_dir, judgements)
    overall: GradeFinding = result.overall  # type: ignore[assignment]
    level: Level = pack.manifest.policy.overall  # type: ignore[assignment]
    data = {
        "explains": "overall",
        "overall": {"title": overall.title, "grade": overall.grade, "label": overall.label,
                    "assessed_grade": overall.assessed_grade, "rationale": overall.rationale},
        "judgements": _judgement_data(result, "overall"),
        "pillars": [{"id": p.id, "grade": p.grade, "assessed_grade": p.assessed_grade, "capped_by": p.capped_by}
                    for p in result.pillars],
        **_roll_data(level, [Unit(p.id, p.grade) for p in result.pillars],
                     [Unit(p.id, p.assessed_grade) for p in result.pillars], overall, pack.scale_ids),
    }
    return _data_for_reader(data, result, audience)
