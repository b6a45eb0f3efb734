"""The evidence summary of ``grader evidence check``: items per pillar and kind, in the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich import box
from rich.console import Console
from rich.text import Text

from grader.render.layout import Column, fitted_table, stacked
from grader.render.terminal import plain

_HEADS = {"strength": "S", "work-in-progress": "W", "area-for-improvement": "A", "indicator": "I", "other": "other"}
_TITLE = "Evidence by pillar and kind"
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
    kinds = list(rows[0].kinds) if rows else list(_HEADS)
    kinds = [k for k in kinds if k != "other" or any(r.kinds.get(k) for r in rows)]  # "other" only if any
    totals = dict.fromkeys(kinds, 0)
    for r in rows:
        for k in kinds:
            totals[k] += r.kinds.get(k, 0)
    # the pillar id comes from input: Text, never markup (render/terminal.py)
    cells = [[plain(r.pillar), *(Text(str(r.kinds.get(k, 0))) for k in kinds), Text(str(r.items)),
              Text(str(r.verified), style="yellow" if r.verified < r.items else ""),
              Text(f"{r.criteria_informed}/{r.criteria_total}",
                   style="yellow" if r.criteria_informed < r.criteria_total else "")] for r in rows]
    cells.append([Text("all", style="bold"), *(Text(str(totals[k])) for k in kinds),
                  Text(str(sum(r.items for r in rows))), Text(str(sum(r.verified for r in rows))),
                  Text(f"{sum(r.criteria_informed for r in rows)}/{sum(r.criteria_total for r in rows)}")])
    heads = [*(_HEADS.get(k, k) for k in kinds), "items", "verified", "criteria"]
    table = fitted_table(console, [Column("pillar"), *(Column(h, justify="right") for h in heads)], cells,
                         title=_TITLE, title_justify="left", caption=_LEGEND, caption_justify="left",
                         box=box.SIMPLE_HEAD, pad_edge=False)
    if table is not None:
        console.print(table)
        return
    console.print(Text(_TITLE, style="bold"))
    for row in cells:
        counts = Text(", ").join(Text.assemble(f"{head} ", cell) for head, cell in zip(heads, row[1:]))
        console.print(stacked(console, Text.assemble(row[0], ":"), [counts]))
    console.print(Text(_LEGEND, style="dim"))


class _Problem(Protocol):
    severity: str

    def model_dump(self) -> dict[str, object]: ...


def evidence_check_json(problems: Sequence[_Problem], summary: Sequence[PillarRow] | None) -> str:
    """``evidence check --format json``: every problem (as ``rules check --format json`` lists
    them), a count per severity, and the count per pillar and kind (``null`` when the set could
    not be loaded)."""
    import json

    counts = {s: sum(1 for p in problems if p.severity == s) for s in ("error", "warning", "note")}
    rows = None if summary is None else [
        {"pillar": r.pillar, "kinds": dict(r.kinds), "items": r.items, "verified": r.verified,
         "criteria_informed": r.criteria_informed, "criteria_total": r.criteria_total} for r in summary]
    return json.dumps({"problems": [p.model_dump() for p in problems], "counts": counts, "summary": rows},
                      indent=2) + "\n"
