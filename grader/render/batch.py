"""A programme at a glance: one row per force (pillar grades and overall), then the forces skipped."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.analysis.summary import ForceSummary, GradeCell
from grader.errors import Problem


def _cell(c: GradeCell | None) -> Text:
    # Grade ids, not colours: the summary does not know the pack's scale, and words print anywhere.
    # None: the pack gives no overall grade.
    return Text("none") if c is None else Text(c.grade + ("*" if c.mitigated else ""))


def render_batch(graded: Sequence[ForceSummary], failed: Sequence[tuple[str, Sequence[Problem]]],
                 console: Console) -> None:
    """Print the force x pillar x overall table, then every evidence set that was not graded."""
    if graded:
        pillars = [(p.id, p.title) for p in graded[0].pillars]
        table = Table(title=f"{len(graded)} force{'s' if len(graded) != 1 else ''} graded against {graded[0].pack}",
                      caption="* after mitigation (as assessed it was lower)" if any(
                          c is not None and c.mitigated for s in graded for c in (s.overall, *s.pillars))
                      else None)
        table.add_column("Evidence set", no_wrap=True)
        table.add_column("Force", overflow="fold", ratio=1)
        for _, title in pillars:
            table.add_column(title, overflow="fold", ratio=1)
        table.add_column("Overall", overflow="fold")
        for s in graded:
            cells = {p.id: p for p in s.pillars}
            table.add_row(s.evidence_set, s.force,
                          *[_cell(cells[pid]) if pid in cells else Text("-") for pid, _ in pillars],
                          _cell(s.overall))
        console.print(table)
        written = [s.output for s in graded if s.output]
        if written:
            console.print(f"{len(written)} result files written: {', '.join(written)}", markup=False)
    if failed:
        skipped = Table(title=f"{len(failed)} evidence set{'s' if len(failed) != 1 else ''} not graded", title_style="bold red")
        skipped.add_column("Evidence set", no_wrap=True)
        skipped.add_column("Problems", justify="right")
        skipped.add_column("First problem", ratio=1)
        for name, problems in failed:
            skipped.add_row(name, str(len(problems)), problems[0].line_text() if problems else "")
        console.print(skipped)
    console.print(f"{len(graded)} graded, {len(failed)} not graded", markup=False)


def render_batch_json(graded: Sequence[ForceSummary], failed: Sequence[tuple[str, Sequence[Problem]]]) -> str:
    """The same summary as JSON: the graded forces and, per skipped set, its problems."""
    data = {
        "graded": [s.model_dump(mode="json") for s in graded],
        "failed": [{"input": name, "problems": [p.model_dump(mode="json") for p in problems]}
                   for name, problems in failed],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
