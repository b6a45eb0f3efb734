"""The moderation report in the terminal: disparities and thin evidence, criterion by criterion."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from grader.analysis.moderation import ModerationReport
from grader.render.terminal import plain


def render_moderation_json(report: ModerationReport) -> str:
    """The complete report as JSON (stable field order; a trailing newline)."""
    return report.model_dump_json(indent=2) + "\n"


def render_moderation(report: ModerationReport, console: Console) -> None:
    """Print both checks; each row names the forces and the numbers it rests on."""
    # Names and titles come from the results, so from input: Text, never markup (render/terminal.py).
    console.print(plain(f"{len(report.forces)} forces graded against {report.pack}"))
    for note in report.notes:
        console.print(plain(f"note: {note}"))
    if report.disparities:
        table = Table(title="Same evidence pattern, different outcomes", show_lines=True)
        table.add_column("Criterion", max_width=24)
        table.add_column("Evidence pattern (kind and tested facts)", ratio=3, overflow="fold")
        table.add_column("Forces: outcome (items per pattern entry; items cited)", ratio=2, overflow="fold")
        table.add_column("Note", ratio=2)
        for d in report.disparities:
            pattern = "\n".join(f"{i + 1}. {p.text()}" for i, p in enumerate(d.pattern)) or "(no items)"
            forces = "\n".join(f"{f.force}: {f.outcome} ({'/'.join(map(str, f.items)) or '-'}; {f.cited} cited)"
                               for f in d.forces)
            table.add_row(plain(f"{d.criterion}\n{d.title}"), plain(pattern), plain(forces), plain(d.note))
        console.print(table)
    else:
        console.print(plain("same evidence pattern, different outcomes: none"))
    if report.thin:
        share = f"{report.thin_share:.0%}"
        table = Table(title=f"Outcomes resting on fewer than {share} of the items their peers cite")
        table.add_column("Criterion", no_wrap=True)
        table.add_column("Force")
        table.add_column("Outcome", no_wrap=True)
        table.add_column("Items cited", justify="right")
        table.add_column("Peers' median", justify="right")
        table.add_column("Peers", justify="right")
        for t in report.thin:
            table.add_row(plain(t.criterion), plain(t.force), plain(t.outcome), str(t.cited), f"{t.peer_median:g}",
                          str(t.peers))
        console.print(table)
    else:
        console.print(plain(f"thin evidence (below {report.thin_share:.0%} of peers' median): none"))
    if report.judgements:
        table = Table(title="Where inspectors overrode the rules (applied judgements)", show_lines=True)
        table.add_column("Target", no_wrap=True)
        table.add_column("Force")
        table.add_column("Judged", no_wrap=True)
        table.add_column("Rules gave", no_wrap=True)
        table.add_column("By")
        table.add_column("Reason", ratio=2)
        for j in report.judgements:
            table.add_row(plain(j.target), plain(j.force), plain(j.outcome), plain(j.rule_outcome),
                          plain(f"{j.by} ({j.role})"), plain(j.reason))
        console.print(table)
    else:
        console.print(plain("judgements: none applied"))
    console.print(plain(f"{len(report.disparities)} disparities, {len(report.thin)} thin outcomes, "
                        f"{len(report.judgements)} judgements"))
