"""A year-on-year diff in the terminal: what changed, criterion by criterion, and why."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from grader.analysis.diff import Change, ResultDiff


def _arrow(c: Change) -> str:
    if not c.changed:
        return c.now or "-"
    return f"{c.was or 'absent'} -> {c.now or 'absent'}"


def render_diff_json(diff: ResultDiff) -> str:
    """The complete diff as JSON (stable field order; a trailing newline)."""
    return diff.model_dump_json(indent=2) + "\n"


def render_diff(diff: ResultDiff, console: Console) -> None:
    """Print the diff; nothing is printed in colour only."""
    o, n = diff.old, diff.new
    console.print(f"old: {o.force} ({o.evidence_set}), {o.pack}, grader {o.grader_version}", markup=False)
    console.print(f"new: {n.force} ({n.evidence_set}), {n.pack}, grader {n.grader_version}", markup=False)
    for note in diff.notes:
        console.print(f"note: {note}", markup=False)
    if diff.no_change:
        console.print("no change: the same inputs gave the same grades, reasons and evidence", markup=False)
        return
    for label, files in (("pack", diff.pack_files), ("evidence", diff.evidence_files)):
        for f in files:
            console.print(f"{label} file {f.change}: {f.path}", markup=False)
    for s in diff.settings:
        console.print(f"setting {s.field}: {s.was} -> {s.now}", markup=False)

    if diff.overall is None:
        console.print("overall: unchanged", markup=False)
    else:
        console.print(f"overall: {_arrow(diff.overall.grade)}", markup=False)
        for why in diff.overall.why:
            console.print(f"  - {why}", markup=False)

    if diff.pillars:
        table = Table(title="Pillars that changed")
        table.add_column("Pillar")
        table.add_column("Grade")
        table.add_column("Why", ratio=1)
        for p in diff.pillars:
            table.add_row(p.title, _arrow(p.grade), "\n".join(f"- {w}" for w in p.why) or "its reason's wording changed")
        console.print(table)
    else:
        console.print("pillars: unchanged", markup=False)

    if diff.criteria:
        table = Table(title="Criteria that changed", show_lines=True)
        table.add_column("Criterion", no_wrap=True)
        table.add_column("Change", no_wrap=True)
        table.add_column("Outcome")
        table.add_column("Why", ratio=1)
        for c in diff.criteria:
            why = list(c.why)
            if c.cited_added:
                why.append(f"now cites {', '.join(c.cited_added)}")
            if c.cited_removed:
                why.append(f"no longer cites {', '.join(c.cited_removed)}")
            table.add_row(c.criterion, c.status, _arrow(c.outcome), "\n".join([c.title, *(f"- {w}" for w in why)]))
        console.print(table)
    else:
        console.print("criteria: unchanged", markup=False)

    for j in diff.judgements:
        console.print(f"judgement {j.change}: {j.why}", markup=False)

    if diff.items:
        table = Table(title="Evidence that changed")
        table.add_column("Item", no_wrap=True)
        table.add_column("Change", no_wrap=True)
        table.add_column("Criteria")
        table.add_column("Fields", ratio=1)
        for it in diff.items:
            table.add_row(f"{it.id}\n({it.kind})", it.change, ", ".join(it.criteria) or "-",
                          "\n".join(f"{f.field}: {f.was!r} -> {f.now!r}" if f.field != "statement"
                                    else "statement reworded" for f in it.fields) or "-")
        console.print(table)
