"""The moderation report in the terminal: disparities and thin evidence, criterion by criterion."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from grader.analysis.moderation import ModerationReport
from grader.render.layout import Column, fitted_table, stacked
from grader.render.terminal import plain, visible


def render_moderation_json(report: ModerationReport) -> str:
    """The complete report as JSON (stable field order; a trailing newline)."""
    return report.model_dump_json(indent=2) + "\n"


def render_moderation(report: ModerationReport, console: Console) -> None:
    """Print both checks; each row names the forces and the numbers it rests on."""
    # Names and titles come from the results, so from input: Text, never markup (render/terminal.py).
    console.print(plain(f"{len(report.forces)} forces graded against {report.pack}"))
    for note in report.notes:
        console.print(plain(f"note: {note}"))
    _print_disparities(report, console)
    _print_thin(report, console)
    _print_judgements(report, console)
    console.print(plain(f"{len(report.disparities)} disparities, {len(report.thin)} thin outcomes, "
                        f"{len(report.judgements)} judgements"))


def _print_judgements(report: ModerationReport, console: Console) -> None:
    """Where inspectors overrode the rules: a table, or a line per judgement with its reason under it."""
    if not report.judgements:
        console.print(plain("judgements: none applied"))
        return
    title = "Where inspectors overrode the rules (applied judgements)"
    rows = [[plain(j.target), plain(j.force), plain(j.outcome), plain(j.rule_outcome), plain(f"{j.by} ({j.role})"),
             plain(j.reason)] for j in report.judgements]
    table = fitted_table(console, [Column("Target"), Column("Force", grow=1), Column("Judged"), Column("Rules gave"),
                                   Column("By", grow=1), Column("Reason", grow=2, readable=24)], rows,
                         title=title, show_lines=True)
    if table is not None:
        console.print(table)
        return
    console.print(Text(title, style="bold"))
    for j in report.judgements:
        head = Text.assemble((visible(j.target), "bold"), visible(f" {j.force}: {j.outcome} (rules: {j.rule_outcome})"))
        console.print(stacked(console, head, [plain(f"by {j.by} ({j.role})"), plain(j.reason)]))


def _print_disparities(report: ModerationReport, console: Console) -> None:
    """Same pattern, different outcomes: a table, or per criterion its pattern and forces stacked."""
    title = "Same evidence pattern, different outcomes"
    if not report.disparities:
        console.print(plain("same evidence pattern, different outcomes: none"))
        return
    patterns = [[f"{i + 1}. {p.text()}" for i, p in enumerate(d.pattern)] or ["(no items)"] for d in report.disparities]
    forces = [[f"{f.force}: {f.outcome} ({'/'.join(map(str, f.items)) or '-'}; {f.cited} cited)" for f in d.forces]
              for d in report.disparities]
    rows = [[plain(f"{d.criterion}\n{d.title}"), plain("\n".join(pattern)), plain("\n".join(force)), plain(d.note)]
            for d, pattern, force in zip(report.disparities, patterns, forces)]
    table = fitted_table(console, [Column("Criterion", grow=1, readable=12),
                                   Column("Evidence pattern (kind and tested facts)", grow=3, readable=24),
                                   Column("Forces: outcome (items per pattern entry; items cited)", grow=2, readable=20),
                                   Column("Note", grow=2, readable=20)], rows, title=title, show_lines=True)
    if table is not None:
        console.print(table)
        return
    console.print(Text(title, style="bold"))
    for d, pattern, force in zip(report.disparities, patterns, forces):
        head = Text.assemble((visible(d.criterion), "bold"), visible(f": {d.title}"))
        console.print(stacked(console, head, [
            Text("Evidence pattern (kind and tested facts):", style="dim"), *map(plain, pattern),
            Text("Forces: outcome (items per pattern entry; items cited):", style="dim"), *map(plain, force),
            plain(d.note)]))


def _print_thin(report: ModerationReport, console: Console) -> None:
    """Outcomes on thin evidence: a table, or a line per outcome with its numbers."""
    share = f"{report.thin_share:.0%}"
    if not report.thin:
        console.print(plain(f"thin evidence (below {share} of peers' median): none"))
        return
    title = f"Outcomes resting on fewer than {share} of the items their peers cite"
    rows = [[plain(t.criterion), plain(t.force), plain(t.outcome), Text(str(t.cited)), Text(f"{t.peer_median:g}"),
             Text(str(t.peers))] for t in report.thin]
    table = fitted_table(console, [Column("Criterion"), Column("Force", grow=1), Column("Outcome"),
                                   Column("Items cited", justify="right"), Column("Peers' median", justify="right"),
                                   Column("Peers", justify="right")], rows, title=title)
    if table is not None:
        console.print(table)
        return
    console.print(Text(title, style="bold"))
    for t in report.thin:
        head = Text.assemble((visible(t.criterion), "bold"), visible(f" {t.force}: {t.outcome}"))
        console.print(stacked(console, head, [plain(f"{t.cited} items cited; peers' median {t.peer_median:g} "
                                                    f"over {t.peers} peers")]))
