"""The evidence summary of ``grader evidence check``: items per pillar and kind, in the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.render.terminal import plain

_HEADS = {"strength": "S", "work-in-progress": "W", "area-for-improvement": "A", "indicator": "I", "other": "other"}
_LEGEND = "S strengths, W work in progress, A areas for improvement, I indicators"


class PillarRow(Protocol):
    """One pillar's counts (see ``grader.authoring.evidence_check.PillarCount``)."""

    pillar: str
    kinds: dict[str, int]
    items: int
    verified: int
    criteria_informed: int
    criteria_total: int


def render_evidence_summary(rows: Sequence[PillarRow], console: Console) -> None:
    """A table: a row per pillar, a column per kind, then verified items and criteria informed."""
    table = Table(title="Evidence by pillar and kind", title_justify="left", caption=_LEGEND,
                  caption_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("pillar", no_wrap=True)
    kinds = list(rows[0].kinds) if rows else list(_HEADS)
    kinds = [k for k in kinds if k != "other" or any(r.kinds.get(k) for r in rows)]  # "other" only if any
    for head in [*(_HEADS.get(k, k) for k in kinds), "items", "verified", "criteria"]:
        table.add_column(head, justify="right", no_wrap=True, min_width=len(head))
    totals = dict.fromkeys(kinds, 0)
    for r in rows:
        for k in kinds:
            totals[k] += r.kinds.get(k, 0)
        gap = r.criteria_informed < r.criteria_total
        # the pillar id comes from input: Text, never markup (render/terminal.py)
        table.add_row(plain(r.pillar), *(str(r.kinds.get(k, 0)) for k in kinds), str(r.items),
                      Text(str(r.verified), style="yellow" if r.verified < r.items else ""),
                      Text(f"{r.criteria_informed}/{r.criteria_total}", style="yellow" if gap else ""))
    table.add_row(Text("all", style="bold"), *(str(totals[k]) for k in kinds), str(sum(r.items for r in rows)),
                  str(sum(r.verified for r in rows)),
                  f"{sum(r.criteria_informed for r in rows)}/{sum(r.criteria_total for r in rows)}")
    console.print(table)
