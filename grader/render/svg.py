"""Geometry for the report's pictures: the outcome grid and the indicator chart.

This module only measures and places (positions, widths, which colour and pattern a state
gets); the SVG markup itself is written by Jinja2 templates (``templates/_grid.svg.j2`` and
``templates/_indicators.svg.j2``), autoescaped like the rest of the HTML. Colour is never the
only cue: every cell carries its outcome in words and a pattern, so the pictures read in
greyscale print and for colour-blind readers (the palette is Okabe-Ito based).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grader.models.result import IndicatorRow

#: Fill and pattern by position on the scale, best first (spread over 5 positions like the
#: terminal table does, so a 3-level and a 5-level scale both use the ends and the middle).
_SCALE_STYLES: list[tuple[str, str | None]] = [
    ("#56B4E9", "dots"),      # best: sky blue, dotted
    ("#A9D8F3", "dots-sparse"),
    ("#E6E6E6", None),        # middle: grey, plain
    ("#F3C77A", "hatch"),
    ("#E69F00", "crosshatch"),  # worst: orange, cross-hatched
]
_SPECIAL_STYLES: dict[str, tuple[str, str | None]] = {
    "insufficient-evidence": ("#F0E442", "vertical"),
    "not-applicable": ("#FFFFFF", None),
}
_SHORT = {"insufficient-evidence": "no evidence", "not-applicable": "n/a"}

GRID_LABEL_W = 210
CELL_W, CELL_H, GAP = 64, 50, 4
ROW_H = CELL_H + 10


def state_style(state: str, scale: Sequence[str]) -> dict[str, Any]:
    """Fill colour, pattern name and short words for an outcome or grade."""
    if state in scale:
        i = scale.index(state)
        pos = 0 if len(scale) == 1 else round(i * (len(_SCALE_STYLES) - 1) / (len(scale) - 1))
        fill, pattern = _SCALE_STYLES[pos]
    else:
        fill, pattern = _SPECIAL_STYLES.get(state, ("#FFFFFF", None))
    return {"fill": fill, "pattern": pattern, "words": _wrap(_SHORT.get(state, state.replace("-", " ")), 11)}


def _wrap(text: str, width: int) -> list[str]:
    """Words split into lines of at most ``width`` characters (a long word keeps its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def grid_layout(grid: Sequence[dict[str, Any]], scale: Sequence[str]) -> dict[str, Any]:
    """Pillars as rows, their criteria as cells coloured, patterned and labelled by outcome."""
    most = max((len(p["cells"]) for p in grid), default=0)
    rows = []
    y = 8
    for p in grid:
        cells = []
        for n, c in enumerate(p["cells"]):
            x = GRID_LABEL_W + n * (CELL_W + GAP)
            cells.append({**c, **state_style(c["outcome"], scale), "x": x, "y": y,
                          "cx": x + CELL_W / 2})
        rows.append({"title_lines": _wrap(p["title"], 24), "label": p["label"], "y": y, "cells": cells})
        y += ROW_H
    present = {c["outcome"] for p in grid for c in p["cells"]}
    legend_states = [s for s in scale] + [s for s in ("insufficient-evidence", "not-applicable") if s in present]
    legend = []
    lx = 0
    ly = y + 6
    for s in legend_states:
        style = state_style(s, scale)
        legend.append({"state": s, **style, "x": lx, "y": ly, "text": " ".join(style["words"])})
        lx += 130
    mitigated_x = lx
    width = max(GRID_LABEL_W + most * (CELL_W + GAP), lx + 160)
    return {"rows": rows, "legend": legend, "mitigated_x": mitigated_x, "legend_y": ly,
            "width": width, "height": ly + 30, "cell_w": CELL_W, "cell_h": CELL_H,
            "any_mitigated": any(c["mitigated"] for p in grid for c in p["cells"])}


IND_LABEL_W = 300
IND_BAR_W = 260
IND_ROW_H = 34


def indicator_layout(rows: Sequence[IndicatorRow], values: Sequence[tuple[str, str]],
                     flags: Sequence[list[str]]) -> dict[str, Any]:
    """Each indicator's latest value against its comparator, each row drawn to its own scale.

    ``values`` holds the already formatted (latest, comparator) text for each row and ``flags``
    the contextual notes, so the picture says in words what the bars show.
    """
    out = []
    y = 34
    for row, (latest_text, comp_text), row_flags in zip(rows, values, flags, strict=True):
        latest = row.values[-1] if row.values else None
        comp = row.comparator
        top = max(v for v in (latest, comp, 0.0) if v is not None)
        def length(v: float | None, top: float = top) -> float | None:
            if v is None:
                return None
            return 0.0 if top <= 0 else round(v / top * IND_BAR_W, 1)
        out.append({
            "id": row.id, "label_lines": _wrap(row.label, 50)[:2], "y": y,
            "latest": length(latest), "comparator": length(comp),
            "latest_text": latest_text, "comparator_text": comp_text,
            "flags": row_flags,
        })
        y += IND_ROW_H
    period = rows[0].periods[-1] if rows and rows[0].periods else ""
    comparator = next((r.comparator_label for r in rows if r.comparator_label), "comparator")
    return {"rows": out, "x0": IND_LABEL_W + 10, "bar_w": IND_BAR_W, "height": y + 6,
            "width": IND_LABEL_W + 10 + IND_BAR_W + 70 + 200, "period": period, "comparator": comparator}
