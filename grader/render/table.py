"""The result in the terminal: overall grade, pillar grades, and a table of criterion findings."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from grader.models.judgement import AppliedJudgement
from grader.models.result import AreaFinding, CriterionFinding, GradeFinding, GradingResult
from grader.render.layout import Column, fitted_table, stacked
from grader.render.terminal import plain, visible

#: Colour per position on the scale (best first); the words are always shown too.
_STYLES = ["bold green", "green", "yellow", "dark_orange", "bold red"]
_SPECIAL = {"insufficient-evidence": "bold magenta", "not-applicable": "dim"}


def _style(result: GradingResult, state: str) -> str:
    ids = [g.id for g in result.framework.scale]
    if state in ids:
        i = ids.index(state)
        # spread the scale over the palette: first = best colour, last = worst
        pos = 0 if len(ids) == 1 else round(i * (len(_STYLES) - 1) / (len(ids) - 1))
        return _STYLES[pos]
    return _SPECIAL.get(state, "")


def _ids(ids: list[str], limit: int = 6) -> str:
    if len(ids) <= limit:
        return ", ".join(ids) or "-"
    return ", ".join(ids[:limit]) + f" (+{len(ids) - limit})"


def _judgement_line(j: AppliedJudgement) -> str:
    """``* Judged fails by A. Inspector (Lead inspector), 2008-07-20: reason``: the mark and whose it is."""
    return f"* Judged {j.outcome} by {j.by} ({j.role}), {j.date}: {j.reason}"


def _outcome(result: GradingResult, f: CriterionFinding, sep: str = "\n") -> Text:
    """The outcome as a word, the areas for improvement weighed against it, then (after ``sep``)
    a judgement's mark or the outcome as assessed when it differs."""
    outcome = plain(f.outcome, _style(result, f.outcome))
    if f.areas_for_improvement:
        n = len(f.areas_for_improvement)
        outcome.append(f", with {n} area{'s' if n != 1 else ''} for improvement")
    if f.judgement is not None:
        outcome.append(visible(f"{sep}* judged (rules: {f.rule_outcome})"), style="bold")
    elif f.assessed_outcome != f.outcome:
        outcome.append(visible(f"{sep}(assessed {f.assessed_outcome})"), style="dim")
    return outcome


def _reasons(f: CriterionFinding) -> list[Text]:
    """A judgement, the reason, then any mitigation, uplift and concern, then what was looked for."""
    parts = [plain(f.rationale)]
    if f.judgement is not None:
        parts.insert(0, plain(_judgement_line(f.judgement), style="bold"))
    if f.mitigation:
        parts.append(plain(f"Mitigated ({f.mitigation.basis}): {f.mitigation.rationale}", style="italic"))
    if f.uplift:
        parts.append(plain(f"Uplift: {f.uplift.rationale}", style="italic"))
    for c in f.concerns:
        parts.append(plain(f"Concern ({c.concern}): {c.rationale}", style="italic"))
    for need in f.would_satisfy:  # in the catalogue's words; 'grader explain' gives the rules as written
        parts.append(plain(f"Would give {need.outcome}: {need.evidence}.", style="dim"))
    return parts


def _evidence(f: CriterionFinding) -> str:
    """The ids the finding (and its mitigation) cite, the first few of them."""
    return _ids(sorted(set(f.evidence + (f.mitigation.evidence if f.mitigation else []))))


def _pillar_grade(result: GradingResult, p: GradeFinding, sep: str = "\n") -> Text:
    grade = plain(p.label, _style(result, p.grade))
    if p.judgement is not None:
        grade.append(visible(f"{sep}* judged (policy: {p.rule_outcome})"), style="bold")
    return grade


def _pillar_why(p: GradeFinding) -> Text:
    return plain(p.rationale if p.judgement is None else f"{p.rationale}\n{_judgement_line(p.judgement)}")


def _print_pillars(result: GradingResult, console: Console) -> None:
    """The pillars as a table, or stacked (a pillar line, then why) when the table does not fit."""
    rows = [[plain(p.title), _pillar_grade(result, p), plain(p.assessed_grade, _style(result, p.assessed_grade)),
             _pillar_why(p)] for p in result.pillars]
    rows += [[plain(a.title), Text("not graded", "dim"), Text("-", "dim"), _ungraded_why(a)] for a in result.ungraded]
    table = fitted_table(console, [Column("Pillar", grow=1), Column("Grade"), Column("As assessed"),
                                   Column("Why", grow=3, readable=24)], rows, title="Pillars")
    if table is not None:
        console.print(table)
        return
    console.print(Text("Pillars", style="bold"))
    for p in result.pillars:
        head = Text.assemble((visible(p.title), "bold"), ": ", _pillar_grade(result, p, " "))
        if p.assessed_grade != p.grade:
            head.append(visible(f" (as assessed: {p.assessed_grade})"), style="dim")
        console.print(stacked(console, head, [_pillar_why(p)]))
    for a in result.ungraded:
        console.print(stacked(console, Text.assemble((visible(a.title), "bold"), ": not graded"), [_ungraded_why(a)]))


def _ungraded_why(a: AreaFinding) -> Text:
    return plain(f"Reported, never graded: see its criteria ({_ids(a.rests_on)}).")


def _print_criteria(result: GradingResult, console: Console) -> None:
    """The criteria as a table, or stacked when the table does not fit: a criterion line (id,
    outcome, title), then its wrapped reason, then the ids of its evidence."""
    rows = [[plain(f"{f.criterion}\n{f.title}"), _outcome(result, f), Group(*_reasons(f)), plain(_evidence(f))]
            for f in result.criteria]
    table = fitted_table(console, [Column("Criterion", grow=1, readable=16), Column("Outcome"),
                                   Column("Reason", grow=3, readable=32), Column("Evidence", grow=1)],
                         rows, title="Criteria", show_lines=True)
    if table is not None:
        console.print(table)
        return
    console.print(Text("Criteria", style="bold"))
    for f in result.criteria:
        head = Text.assemble((visible(f.criterion), "bold"), " ", _outcome(result, f, " "))
        head.append(visible(f": {f.title}"))
        console.print(stacked(console, head, [*_reasons(f), plain(f"Evidence: {_evidence(f)}", style="dim")]))


def render_table(result: GradingResult, console: Console) -> None:
    """Print the result; every grade is shown as a word, colour is only a second cue."""
    meta = result.meta
    o = result.overall
    # Every string here comes from the result, so from input: Text, never markup (render/terminal.py).
    head = Text.assemble(
        (visible(meta.evidence_set.force), "bold"), visible(f" - {meta.evidence_set.title}\n"),
        visible(f"Framework: {meta.pack.title} ({meta.pack.name} {meta.pack.version})\n"),
    )
    if o is None:
        head.append("Overall: none (this framework grades each pillar on its own)")
    else:
        head.append_text(Text.assemble("Overall: ", (visible(o.label), _style(result, o.grade))))
        if o.judgement is not None:
            head.append(visible(f"  (judged; the policy gave {o.rule_outcome})"))
        elif o.assessed_grade != o.grade:
            head.append(visible(f"  (as assessed, before mitigation: {o.assessed_grade})"))
        head.append(visible(f"\n{o.rationale}"))
    console.print(Panel(head, title="grader", expand=False))

    _print_pillars(result, console)
    _print_criteria(result, console)
    for c in result.context:
        console.print(Text.assemble(("Context", "bold"), visible(f" ({c.note}): {c.rationale}")))
    if o is not None and o.judgement is not None:
        console.print(plain(_judgement_line(o.judgement)))
    for warning in result.warnings:
        console.print(plain(f"warning: {warning}", style="yellow"))
    if result.signoff is not None:
        console.print(plain(f"Sign-off: {result.signoff.message}",
                            style="green" if result.signoff.status == "signed" else "yellow"))
    tail = f"{meta.evidence_set.verified} verified items of {meta.evidence_set.items}"
    if result.unverified:
        tail += f"; {len(result.unverified)} unverified, not relied on: {_ids(result.unverified)}"
    if result.unused:
        tail += f"; {len(result.unused)} verified items not cited by any finding (see --format json)"
    console.print(plain(tail, style="dim"))
