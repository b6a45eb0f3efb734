"""A programme at a glance: one row per force (pillar grades and overall), then the forces skipped."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from grader.analysis.summary import ForceSummary, GradeCell
from grader.errors import Problem
from grader.render.layout import Column, fitted_table, stacked
from grader.render.terminal import plain, visible


def _cell(c: GradeCell | None) -> Text:
    # Grade ids, not colours: the summary does not know the pack's scale, and words print anywhere.
    # None: the pack gives no overall grade.
    return plain("none") if c is None else plain(c.grade + ("*" if c.mitigated else ""))


def _print_graded(graded: Sequence[ForceSummary], console: Console) -> None:
    """The force x pillar x overall table or, when it does not fit, a force line (set, force,
    overall) with its pillar grades under it."""
    pillars = [(p.id, p.title) for p in graded[0].pillars]
    # names come from input: Text objects, never markup (render/terminal.py)
    title = plain(f"{len(graded)} force{'s' if len(graded) != 1 else ''} graded against {graded[0].pack}")
    mitigated = any(c is not None and c.mitigated for s in graded for c in (s.overall, *s.pillars))
    caption = "* after mitigation (as assessed it was lower)" if mitigated else None
    cells = [{p.id: p for p in s.pillars} for s in graded]
    rows = [[plain(s.evidence_set), plain(s.force),
             *[_cell(by[pid]) if pid in by else Text("-") for pid, _ in pillars], _cell(s.overall)]
            for s, by in zip(graded, cells)]
    table = fitted_table(console, [Column("Evidence set"), Column("Force", grow=1),
                                   *(Column(visible(t), grow=1) for _, t in pillars), Column("Overall")],
                         rows, title=title, caption=caption)
    if table is not None:
        console.print(table)
    else:
        console.print(title, style="bold")
        for s, by in zip(graded, cells):
            head = Text.assemble((visible(s.evidence_set), "bold"), visible(f" {s.force}: overall "), _cell(s.overall))
            grades = Text("; ").join(Text.assemble(visible(f"{t}: "), _cell(by[pid]) if pid in by else "-")
                                     for pid, t in pillars)
            console.print(stacked(console, head, [grades]))
        if caption:
            console.print(caption, style="dim")
    written = [s.output for s in graded if s.output]
    if written:
        console.print(plain(f"{len(written)} result files written: {', '.join(written)}"))


def _print_failed(failed: Sequence[tuple[str, Sequence[Problem]]], console: Console) -> None:
    """Every set not graded, with its number of problems and the first of them."""
    title = Text(f"{len(failed)} evidence set{'s' if len(failed) != 1 else ''} not graded", style="bold red")
    rows = [[plain(name), Text(str(len(problems))), plain(problems[0].line_text() if problems else "")]
            for name, problems in failed]
    table = fitted_table(console, [Column("Evidence set"), Column("Problems", justify="right"),
                                   Column("First problem", grow=1, readable=30)], rows, title=title)
    if table is not None:
        console.print(table)
        return
    console.print(title)
    for (name, problems), row in zip(failed, rows):
        count = f": {len(problems)} problem{'s' if len(problems) != 1 else ''}, the first:"
        console.print(stacked(console, Text.assemble((visible(name), "bold"), count), [row[2]]))


def render_batch(graded: Sequence[ForceSummary], failed: Sequence[tuple[str, Sequence[Problem]]],
                 console: Console) -> None:
    """Print the force x pillar x overall table, then every evidence set that was not graded."""
    if graded:
        _print_graded(graded, console)
    if failed:
        _print_failed(failed, console)
    console.print(f"{len(graded)} graded, {len(failed)} not graded", markup=False)


def render_batch_json(graded: Sequence[ForceSummary], failed: Sequence[tuple[str, Sequence[Problem]]]) -> str:
    """The same summary as JSON: the graded forces and, per skipped set, its problems."""
    data = {
        "graded": [s.model_dump(mode="json") for s in graded],
        "failed": [{"input": name, "problems": [p.model_dump(mode="json") for p in problems]}
                   for name, problems in failed],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
