"""A year-on-year diff in the terminal: what changed, criterion by criterion, and why."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from grader.analysis.diff import Change, ResultDiff
from grader.render.layout import Column, fitted_table, stacked
from grader.render.terminal import plain, visible


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

    _print_pillars(diff, console)
    _print_criteria(diff, console)
    # a judgement that changed a criterion's finding is among that criterion's reasons already
    stated = {c.criterion for c in diff.criteria if c.judgement_changed}
    stated |= {g.id for g in (*diff.pillars, diff.overall) if g is not None and g.judgement_changed}
    for j in diff.judgements:
        if j.target not in stated:
            console.print(plain(j.why))
    _print_items(diff, console)


def _lines(*groups: list[str]) -> list[Text]:
    """One Text per line of a cell, so the stacked layout can wrap each with its indent."""
    return [plain(line) for group in groups for line in group]


def _print_pillars(diff: ResultDiff, console: Console) -> None:
    """Pillars that changed: a table, or each pillar's line with its reasons under it."""
    if not diff.pillars:
        console.print(plain("pillars: unchanged"))
        return
    whys = [[f"- {w}" for w in p.why] for p in diff.pillars]
    rows = [[plain(p.title), plain(_arrow(p.grade)), plain("\n".join(why))] for p, why in zip(diff.pillars, whys)]
    table = fitted_table(console, [Column("Pillar"), Column("Grade"), Column("Why", grow=1, readable=30)], rows,
                         title="Pillars that changed")
    if table is not None:
        console.print(table)
        return
    console.print(Text("Pillars that changed", style="bold"))
    for p, why in zip(diff.pillars, whys):
        console.print(stacked(console, Text.assemble((visible(p.title), "bold"), visible(f": {_arrow(p.grade)}")),
                              _lines(why)))


def _print_criteria(diff: ResultDiff, console: Console) -> None:
    """Criteria that changed: a table, or a line per criterion (id, status, outcome) with its
    title and reasons under it."""
    if not diff.criteria:
        console.print(plain("criteria: unchanged"))
        return
    whys: list[list[str]] = []
    for c in diff.criteria:
        why = list(c.why)
        # an item added or removed is already a reason above (with whether it is cited): each
        # change once; the JSON keeps the full citation lists
        cited_added = [i for i in c.cited_added if i not in c.evidence_added]
        cited_removed = [i for i in c.cited_removed if i not in c.evidence_removed]
        if cited_added:
            why.append(f"now cites {', '.join(cited_added)}")
        if cited_removed:
            why.append(f"no longer cites {', '.join(cited_removed)}")
        whys.append([c.title, *(f"- {w}" for w in why)])
    rows = [[plain(c.criterion), plain(c.status), plain(_arrow(c.outcome)), plain("\n".join(why))]
            for c, why in zip(diff.criteria, whys)]
    table = fitted_table(console, [Column("Criterion"), Column("Change"), Column("Outcome"),
                                   Column("Why", grow=1, readable=30)], rows,
                         title="Criteria that changed", show_lines=True)
    if table is not None:
        console.print(table)
        return
    console.print(Text("Criteria that changed", style="bold"))
    for c, why in zip(diff.criteria, whys):
        head = Text.assemble((visible(c.criterion), "bold"), visible(f" {c.status}: {_arrow(c.outcome)}"))
        console.print(stacked(console, head, _lines(why)))


def _print_items(diff: ResultDiff, console: Console) -> None:
    """Evidence that changed and is not already a reason of a criterion above: a table, or a line
    per item with the fields that changed under it."""
    stated = {i for c in diff.criteria for i in (*c.evidence_added, *c.evidence_removed, *c.evidence_changed)}
    items = [it for it in diff.items if it.id not in stated]
    if not items:
        return
    title = "Evidence that changed no finding" if stated else "Evidence that changed"
    fields = [[f"{f.field}: {f.was!r} -> {f.now!r}" if f.field != "statement" else "statement reworded"
               for f in it.fields] or ["-"] for it in items]
    rows = [[plain(f"{it.id}\n({it.kind})"), plain(it.change), plain(", ".join(it.criteria) or "-"),
             plain("\n".join(lines))] for it, lines in zip(items, fields)]
    table = fitted_table(console, [Column("Item"), Column("Change"), Column("Criteria", grow=1),
                                   Column("Fields", grow=2, readable=24)], rows, title=title)
    if table is not None:
        console.print(table)
        return
    console.print(Text(title, style="bold"))
    for it, lines in zip(items, fields):
        head = Text.assemble((visible(it.id), "bold"),
                             visible(f" ({it.kind}) {it.change}; criteria: {', '.join(it.criteria) or '-'}"))
        console.print(stacked(console, head, _lines(lines)))
