"""The result in the terminal: overall grade, pillar grades, and a table of criterion findings."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.models.result import GradingResult

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


def render_table(result: GradingResult, console: Console) -> None:
    """Print the result; every grade is shown as a word, colour is only a second cue."""
    meta = result.meta
    o = result.overall
    head = Text.assemble(
        (f"{meta.evidence_set.force}", "bold"), f" - {meta.evidence_set.title}\n",
        f"Framework: {meta.pack.title} ({meta.pack.name} {meta.pack.version})\n",
    )
    if o is None:
        head.append("Overall: none (this framework grades each pillar on its own)")
    else:
        head.append_text(Text.assemble("Overall: ", (o.label, _style(result, o.grade))))
        if o.assessed_grade != o.grade:
            head.append(f"  (as assessed, before mitigation: {o.assessed_grade})")
        head.append(f"\n{o.rationale}")
    console.print(Panel(head, title="grader", expand=False))

    pillars = Table(title="Pillars", show_lines=False)
    pillars.add_column("Pillar")
    pillars.add_column("Grade")
    pillars.add_column("As assessed")
    pillars.add_column("Why")
    for p in result.pillars:
        pillars.add_row(p.title, Text(p.label, _style(result, p.grade)),
                        Text(p.assessed_grade, _style(result, p.assessed_grade)), p.rationale)
    for a in result.ungraded:
        pillars.add_row(a.title, Text("not graded", "dim"), Text("-", "dim"),
                        f"Reported, never graded: see its criteria ({_ids(a.rests_on)}).")
    console.print(pillars)

    crit = Table(title="Criteria", show_lines=True)
    crit.add_column("Criterion", no_wrap=True)
    crit.add_column("Outcome", no_wrap=True)
    crit.add_column("Reason")
    crit.add_column("Evidence")
    for f in result.criteria:
        outcome = Text(f.outcome, _style(result, f.outcome))
        if f.assessed_outcome != f.outcome:
            outcome.append(f"\n(assessed {f.assessed_outcome})", style="dim")
        reason_parts = [Text(f.rationale)]
        if f.mitigation:
            reason_parts.append(Text(f"Mitigated ({f.mitigation.basis}): {f.mitigation.rationale}", style="italic"))
        if f.uplift:
            reason_parts.append(Text(f"Uplift: {f.uplift.rationale}", style="italic"))
        for c in f.concerns:
            reason_parts.append(Text(f"Concern ({c.concern}): {c.rationale}", style="italic"))
        for need in f.looked_for:
            reason_parts.append(Text(f"Looked for {need}", style="dim"))
        evidence = f.evidence + (f.mitigation.evidence if f.mitigation else [])
        crit.add_row(f"{f.criterion}\n{f.title}", outcome, Group(*reason_parts), _ids(sorted(set(evidence))))
    console.print(crit)
    if result.context:
        for c in result.context:
            console.print(f"[bold]Context[/bold] ({c.note}): {c.rationale}")
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
    tail = f"{meta.evidence_set.verified} verified items of {meta.evidence_set.items}"
    if result.unverified:
        tail += f"; {len(result.unverified)} unverified, not relied on: {_ids(result.unverified)}"
    if result.unused:
        tail += f"; {len(result.unused)} verified items not cited by any finding (see --format json)"
    console.print(tail, style="dim")
