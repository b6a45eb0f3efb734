"""``grader explain``: how a criterion, a pillar or the overall grade was decided, for an inspector.

For a criterion: every rule in order with every clause, what each matched, and for a clause
that found too little, the closest miss (the item that failed the fewest of its tests, and
which). For a pillar or the overall grade: each roll-up rule in order, what each count
counted, which rule gave the grade and which cap limited it. The grades shown are the
result's (computed by grader.grading); this module only explains them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from grader.audience import Visibility, banner, highest_marking, result_banner, withheld_words
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


def explain_criterion(criterion_id: str, evidence_dir: Path, pack_dir: Path, judgements: Path | None = None,
                      audience: str | None = None) -> str:
    """A plain-text account: the standard, each rule and clause, what matched, closest misses,
    the outcome, the evidence relied on and how it rolls up.

    With ``audience``, items that audience may not see are withheld: never named, quoted or
    described (a closest miss among them is left out), and counted where they were cited.
    """
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
        shown = [(n, e, traces[f"{section}/{e.id}"]) for n, e in enumerate(entries, 1)
                 if f"{section}/{e.id}" in traces]
        if not shown:
            continue
        lines += ["", heading]
        for i, (n, entry, t) in enumerate(shown):
            label = {"rules": lambda e: f"-> {e.outcome}",
                     "uplifts": lambda e: f"lifts {e.from_} to {e.to}",
                     "mitigations": lambda e: f"counts as {e.treat_as or policy.mitigated_as} ({e.basis})",
                     "concerns": lambda e: f"raises {e.concern}"}[section](entry)
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
    cited = sorted(set(finding.evidence) | set(finding.mitigation.evidence if finding.mitigation else []))
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


def _miss_lines(side: SideMisses, statements: dict, crit_id: str,  # type: ignore[type-arg]
                pillar: str, withheld: frozenset[str] = frozenset()) -> list[str]:
    prefix = f"{side.label} item: " if side.label else ""
    if side.label and side.matched:
        return [f"       {prefix}matched by {', '.join(side.matched)}"]
    if not side.misses:
        if side.in_scope:
            why = "every item in scope matched, and the clause needs more"
        else:
            why = {"criterion": f"no verified item informs {crit_id} (names it in its 'criteria'); "
                                "'scope: pillar' on the clause would look at every item of the pillar",
                   "pillar": f"no verified item belongs to the pillar {pillar}",
                   "all": "the evidence set has no verified item"}[side.scope]
        return [f"       {prefix}closest miss: none: {why}"]
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


def _level_lines(level: Level, units: list[Unit], finding_grade: str, what: str, scale: list[str]) -> list[str]:
    lines = [f"Roll-up rules, in order; the first that holds gives the {what} grade:"]
    grade: str | None = None
    for n, rule in enumerate(level.rules, 1):
        if rule.when is None:
            lines.append(f"  {n}. {rule.grade} otherwise: {'gives the grade' if grade is None else 'not reached'}")
            grade = grade or rule.grade
            continue
        holds = roll_holds(rule.when, units, {})
        if holds and grade is None:
            state, grade = "holds and gives the grade", rule.grade
        else:
            state = "holds, but an earlier rule gave the grade" if holds else "does not hold"
        lines.append(f"  {n}. {rule.grade} when {describe_roll(rule.when)}: {state}")
        lines.extend(_count_lines(rule.when, units))
    for n, cap in enumerate(level.caps, 1):
        holds = roll_holds(cap.when, units, {})
        if not holds:
            state = "does not apply"
        elif grade is not None and scale.index(grade) < scale.index(cap.at_most):
            state, grade = f"applies: {grade} is lowered to {cap.at_most}", cap.at_most
        else:
            state = f"holds, but {grade} is not above {cap.at_most}"
        lines.append(f"  cap {n}: at most {cap.at_most} when {describe_roll(cap.when)}: {state}")
        lines.extend(_count_lines(cap.when, units))
    lines.append(f"  -> {what} grade: {finding_grade}")
    return lines


def _count_lines(clause: RollClause, units: list[Unit]) -> list[str]:
    out = []
    for leaf in _leaves(clause):
        counted, eligible = _counted(leaf, units)
        label = f"{leaf.name or 'count'}: "
        out.append(f"       {label}counted {len(counted)} of {len(eligible)}: {', '.join(counted) or 'none'}")
    return out


def explain_pillar(pillar_id: str, evidence_dir: Path, pack_dir: Path, judgements: Path | None = None,
                   audience: str | None = None) -> str:
    """How a pillar's grade rolled up from its criteria: each policy rule, what it counted, caps
    (with ``audience``: as :func:`explain_criterion`)."""
    manifest = load_pack(Path(pack_dir)).pack.manifest
    known = [p.id for p in manifest.pillars]
    if pillar_id not in known:
        raise _unknown("pillar", pillar_id, known, pack_dir)
    if not next(p for p in manifest.pillars if p.id == pillar_id).graded:
        raise InputError([Problem(file=str(pack_dir), code="CLI-002", message=(
            f"pillar {pillar_id!r} is reported but never graded (graded: false in pack.yaml), so it has no "
            "roll-up to explain; explain one of its criteria instead (grader explain CRITERION)"))])
    pack, _, result = _graded(evidence_dir, pack_dir, judgements)
    pillar = result.pillar(pillar_id)
    mine = [f for f in result.criteria if f.pillar == pillar_id]
    after = [Unit(f.criterion, f.outcome, f.significant, f.mitigated) for f in mine]
    before = [Unit(f.criterion, f.assessed_outcome, f.significant, False) for f in mine]
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


def explain_overall(evidence_dir: Path, pack_dir: Path, judgements: Path | None = None,
                    audience: str | None = None) -> str:
    """How the overall grade rolled up from the pillar grades (with ``audience``: as
    :func:`explain_criterion`)."""
    pack, _, result = _graded(evidence_dir, pack_dir, judgements)
    if result.overall is None or pack.manifest.policy.overall is None:
        raise InputError([Problem(file=str(pack_dir), code="CLI-003", message=(
            f"pack {pack.manifest.name!r} gives no overall grade: it grades each pillar on its own, so there "
            "is no overall roll-up to explain; use grader explain --pillar PILLAR"))])
    overall: GradeFinding = result.overall
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
    return "\n".join([banner(shown, audience, len(vis.withheld)), "", *(vis.redact(line) for line in lines)])

