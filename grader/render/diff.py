"""A year-on-year diff in the terminal: what changed, criterion by criterion, and why."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from grader.analysis.diff import Change, ResultDiff
from grader.render.terminal import plain


def _arrow(c: Change) -> str:
    if not c.changed:
        return c.now or "-"
    return f"{c.was or 'absent'} -> {c.now or 'absent'}"


def render_diff_json(diff: ResultDiff) -> str:
    """The complete diff as JSON (stable field order; a trailing newline)."""
    return diff.model_dump_json(indent=2) + "\n"


def render_diff(diff: ResultDiff, console: Console) -> None:
    """Print the diff; nothing is printed in colour only."""
    # Names, titles and values come from the results, so from input: every one is printed as
    # Text, never read as markup (render/terminal.py).
    o, n = diff.old, diff.new
    console.print(plain(f"old: {o.force} ({o.evidence_set}), {o.pack}, grader {o.grader_version}"))
    console.print(plain(f"new: {n.force} ({n.evidence_set}), {n.pack}, grader {n.grader_version}"))
    for note in diff.notes:
        console.print(plain(f"note: {note}"))
    if diff.no_change:
        console.print(plain("no change: the same inputs gave the same grades, reasons and evidence"))
        return
    for label, files in (("pack", diff.pack_files), ("evidence", diff.evidence_files)):
        for f in files:
            console.print(plain(f"{label} file {f.change}: {f.path}"))
    for s in diff.settings:
        console.print(plain(f"setting {s.field}: {s.was} -> {s.now}"))

    if diff.overall is None:
        console.print(plain("overall: unchanged"))
    else:
        console.print(plain(f"overall: {_arrow(diff.overall.grade)}"))
        for why in diff.overall.why:
            console.print(plain(f"  - {why}"))

    if diff.pillars:
        table = Table(title="Pillars that changed")
        table.add_column("Pillar")
        table.add_column("Grade")
        table.add_column("Why", ratio=1)
        for p in diff.pillars:
            table.add_row(plain(p.title), plain(_arrow(p.grade)),
                          plain("\n".join(f"- {w}" for w in p.why) or "its reason's wording changed"))
        console.print(table)
    else:
        console.print(plain("pillars: unchanged"))

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
            table.add_row(plain(c.criterion), plain(c.status), plain(_arrow(c.outcome)),
                          plain("\n".join([c.title, *(f"- {w}" for w in why)])))
        console.print(table)
    else:
        console.print(plain("criteria: unchanged"))

    for j in diff.judgements:
        console.print(f"judgement {j.change}: {j.why}", markup=False)

    if diff.items:
        table = Table(title="Evidence that changed")
        table.add_column("Item", no_wrap=True)
        table.add_column("Change", no_wrap=True)
        table.add_column("Criteria")
        table.add_column("Fields", ratio=1)
        for it in diff.items:
            table.add_row(plain(f"{it.id}\n({it.kind})"), plain(it.change), plain(", ".join(it.criteria) or "-"),
                          plain("\n".join(f"{f.field}: {f.was!r} -> {f.now!r}" if f.field != "statement"
                                          else "statement reworded" for f in it.fields) or "-"))
        console.print(table)
