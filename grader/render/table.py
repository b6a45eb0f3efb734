"""The result in the terminal: overall grade, pillar grades, and a table of criterion findings."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.models.judgement import AppliedJudgement
from grader.models.result import GradingResult
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


def render_table(result: GradingResult, console: Console) -> None:
    """Print the result; every grade is shown as a word, colour is only a second cue."""
    meta = result.meta
    o = result.overall
    # Every string here comes from the result, so from input: Text, never markup (render/terminal.py).
    head = Text.assemble(
        (visible(meta.evidence_set.force), "bold"), visible(f" - {meta.evidence_set.title}\n"),
        visible(f"Framework: {meta.pack.title} ({meta.pack.name} {meta.pack.version})\n"),
        "Overall: ", (visible(o.label), _style(result, o.grade)),
    )
    if o.judgement is not None:
        head.append(visible(f"  (judged; the policy gave {o.rule_outcome})"))
    elif o.assessed_grade != o.grade:
        head.append(visible(f"  (as assessed, before mitigation: {o.assessed_grade})"))
    head.append(visible(f"\n{o.rationale}"))
    console.print(Panel(head, title="grader", expand=False))

    pillars = Table(title="Pillars", show_lines=False)
    pillars.add_column("Pillar")
    pillars.add_column("Grade")
    pillars.add_column("As assessed")
    pillars.add_column("Why")
    for p in result.pillars:
        grade = plain(p.label, _style(result, p.grade))
        if p.judgement is not None:
            grade.append(visible(f"\n* judged\n(policy: {p.rule_outcome})"), style="bold")
        pillars.add_row(plain(p.title), grade, plain(p.assessed_grade, _style(result, p.assessed_grade)),
                        plain(p.rationale if p.judgement is None else f"{p.rationale}\n{_judgement_line(p.judgement)}"))
    console.print(pillars)

    crit = Table(title="Criteria", show_lines=True)
    crit.add_column("Criterion", no_wrap=True)
    crit.add_column("Outcome", no_wrap=True)
    crit.add_column("Reason")
    crit.add_column("Evidence")
    for f in result.criteria:
        outcome = plain(f.outcome, _style(result, f.outcome))
        if f.areas_for_improvement:
            n = len(f.areas_for_improvement)
            outcome.append(f", with {n}\narea{'s' if n != 1 else ''} for\nimprovement")
        if f.judgement is not None:
            outcome.append(visible(f"\n* judged\n(rules: {f.rule_outcome})"), style="bold")
        elif f.assessed_outcome != f.outcome:
            outcome.append(visible(f"\n(assessed {f.assessed_outcome})"), style="dim")
        reason_parts = [plain(f.rationale)]
        if f.judgement is not None:
            reason_parts.insert(0, plain(_judgement_line(f.judgement), style="bold"))
        if f.mitigation:
            reason_parts.append(plain(f"Mitigated ({f.mitigation.basis}): {f.mitigation.rationale}", style="italic"))
        if f.uplift:
            reason_parts.append(plain(f"Uplift: {f.uplift.rationale}", style="italic"))
        for c in f.concerns:
            reason_parts.append(plain(f"Concern ({c.concern}): {c.rationale}", style="italic"))
        for need in f.looked_for:
            reason_parts.append(plain(f"Looked for {need}", style="dim"))
        evidence = f.evidence + (f.mitigation.evidence if f.mitigation else [])
        crit.add_row(plain(f"{f.criterion}\n{f.title}"), outcome, Group(*reason_parts),
                     plain(_ids(sorted(set(evidence)))))
    console.print(crit)
    for c in result.context:
        console.print(Text.assemble(("Context", "bold"), visible(f" ({c.note}): {c.rationale}")))
    if o.judgement is not None:
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
