"""The moderation report in the terminal: disparities and thin evidence, criterion by criterion."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from grader.analysis.moderation import CheckRun, ModerationReport, same_force
from grader.render.layout import Column, fitted_table, stacked
from grader.render.terminal import plain, visible


def render_moderation_json(report: ModerationReport) -> str:
    """The complete report as JSON (stable field order; a trailing newline)."""
    return report.model_dump_json(indent=2) + "\n"


def render_moderation(report: ModerationReport, console: Console) -> None:
    """Print both checks; each row names the forces and the numbers it rests on."""
    # Names and titles come from the results, so from input: Text, never markup (render/terminal.py).
    results, forces = len(report.forces), report.force_count
    head = (f"{_count(forces, 'force')}" if results == forces
            else f"{_count(results, 'result')} of {_count(forces, 'force')}")
    console.print(plain(f"{head} graded against {report.pack}"))
    for note in report.notes:
        console.print(plain(f"note: {note}"))
    labels = _labels(report)
    _print_disparities(report, console, labels)
    _print_thin(report, console, labels)
    _print_judgements(report, console, labels)
    console.print(plain(", ".join([*(_tally(c) for c in report.checks), _count(len(report.judgements), "judgement")])))


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


_NOUNS = {"same-pattern-different-outcome": ("disparity", "disparities"),
          "thin-evidence": ("thin outcome", "thin outcomes")}
_TITLES = {"same-pattern-different-outcome": "same evidence pattern, different outcomes",
           "thin-evidence": "thin evidence"}


def _tally(check: CheckRun) -> str:
    noun, plural = _NOUNS[check.check]
    return _count(check.found, noun, plural) if check.ran else f"{plural}: not checked"


def _not_run(check: CheckRun) -> str | None:
    """What a check needed and was not given, in words; None if it ran."""
    if check.ran:
        return None
    return (f"needs at least {check.needs} results of different forces; given "
            f"{_count(check.results, 'result')} of {_count(check.forces, 'force')}")


def _labels(report: ModerationReport) -> dict[str, str]:
    """Each result's label, by evidence set: the force's name, with the set's id where the force
    has several results (its years would otherwise read as one)."""
    names = [same_force(f.force) for f in report.forces]
    return {f.evidence_set: f.force if names.count(same_force(f.force)) == 1 else f"{f.force} ({f.evidence_set})"
            for f in report.forces}


def _check(report: ModerationReport, name: str) -> CheckRun:
    return next(c for c in report.checks if c.check == name)


def _print_judgements(report: ModerationReport, console: Console, labels: dict[str, str]) -> None:
    """Where inspectors overrode the rules: a table, or a line per judgement with its reason under it."""
    if not report.judgements:
        console.print(plain("judgements: none applied"))
        return
    title = "Where inspectors overrode the rules (applied judgements)"
    rows = [[plain(j.target), plain(labels[j.evidence_set]), plain(j.outcome), plain(j.rule_outcome),
             plain(_who(j.by, j.role)),
             plain(j.reason)] for j in report.judgements]
    table = fitted_table(console, [Column("Target"), Column("Force", grow=1), Column("Judged"), Column("Rules gave"),
                                   Column("By", grow=1), Column("Reason", grow=2, readable=24)], rows,
                         title=title, show_lines=True)
    if table is not None:
        console.print(table)
        return
    console.print(Text(title, style="bold"))
    for j in report.judgements:
        head = Text.assemble((visible(j.target), "bold"),
                             visible(f" {labels[j.evidence_set]}: {j.outcome} (rules: {j.rule_outcome})"))
        console.print(stacked(console, head, [plain(f"by {_who(j.by, j.role)}"), plain(j.reason)]))


def _print_disparities(report: ModerationReport, console: Console, labels: dict[str, str]) -> None:
    """Same pattern, different outcomes: a table, or per criterion its pattern and forces stacked."""
    title = "Same evidence pattern, different outcomes"
    check = _check(report, "same-pattern-different-outcome")
    if not report.disparities:
        said = _not_run(check) or (f"none among {_count(check.compared, 'criterion', 'criteria')} assessed in "
                                   f"at least {check.needs} forces")
        console.print(plain(f"{_TITLES[check.check]}: {said}"))
        return
    patterns = [[f"{i + 1}. {p.text()}" for i, p in enumerate(d.pattern)] or ["(no items)"] for d in report.disparities]
    forces = [[f"{labels[f.evidence_set]}: {f.outcome} ({'/'.join(map(str, f.items)) or '-'}; {f.cited} cited)"
               for f in d.forces]
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


def _print_thin(report: ModerationReport, console: Console, labels: dict[str, str]) -> None:
    """Outcomes on thin evidence: a table, or a line per outcome with its numbers."""
    share = f"{report.thin_share:.0%}"
    check = _check(report, "thin-evidence")
    if not report.thin:
        if not check.ran:
            said = _not_run(check)
        elif not check.compared:
            said = f"no criterion's outcome was given to {check.needs} or more forces; nothing to compare"
        else:
            said = (f"none among {_count(check.compared, 'outcome')} of a criterion given to {check.needs} "
                    "or more forces")
        console.print(plain(f"{_TITLES[check.check]} (below {share} of peers' median): {said}"))
        return
    title = f"Outcomes resting on fewer than {share} of the items their peers cite"
    rows = [[plain(t.criterion), plain(labels[t.evidence_set]), plain(t.outcome), Text(str(t.cited)),
             Text(f"{t.peer_median:g}"),
             Text(str(t.peers))] for t in report.thin]
    table = fitted_table(console, [Column("Criterion"), Column("Force", grow=1), Column("Outcome"),
                                   Column("Items cited", justify="right"), Column("Peers' median", justify="right"),
                                   Column("Peer forces", justify="right")], rows, title=title)
    if table is not None:
        console.print(table)
        return
    console.print(Text(title, style="bold"))
    for t in report.thin:
        head = Text.assemble((visible(t.criterion), "bold"), visible(f" {labels[t.evidence_set]}: {t.outcome}"))
        console.print(stacked(console, head, [plain(f"{t.cited} items cited; peers' median {t.peer_median:g} "
                                                    f"over {t.peers} forces")]))


def _who(by: str, role: str) -> str:
    """``Name (role)``; the role once when a filtered result already shows it for the name."""
    return role if by == role else f"{by} ({role})"
