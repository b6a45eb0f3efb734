"""Tables that fit the console or step aside for a stacked layout.

rich shrinks a table that is too wide by narrowing its widest columns, with no floor: at 80
columns a reason column could reach zero width and a word could be cut in two (``Intelli│gence``).
:func:`fitted_table` decides the widths itself instead: every column is at least as wide as its
longest word (so rich wraps between words, never inside one) and at least as wide as it needs to
be read (``readable``); the spare width goes to the columns that ``grow``. When even those
floors do not fit in the console's width it returns ``None``, and the renderer prints a stacked
layout (:func:`stacked`): a head line, then its details indented below, wrapped at the width.

Widths depend only on the text and ``console.width``, so the same inputs give the same bytes.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

#: Left and right padding of every cell (rich's default ``padding=(0, 1)``).
_PAD = 2
#: How far a stacked layout indents the lines under their head line.
INDENT = 4


@dataclass(frozen=True)
class Column:
    """A column of a fitted table: its header, how it takes spare width, and when it is too narrow.

    ``grow`` is its share of the width left once every column has its floor (0: never wider than
    its longest line); ``readable`` is the narrowest width worth reading (a reason squeezed to 12
    characters is no use: the stacked layout is better); it never exceeds the column's longest line.
    """

    header: str
    grow: int = 0
    readable: int = 0
    justify: str = "left"


def _measure(console: Console, cells: Sequence[RenderableType]) -> tuple[int, int]:
    """The longest word and the longest line over ``cells``, in terminal cells."""
    sizes = [Measurement.get(console, console.options, cell) for cell in cells]
    return max((s.minimum for s in sizes), default=1), max((s.maximum for s in sizes), default=1)


def _widths(floors: list[int], ceilings: list[int], grows: list[int], spare: int) -> list[int]:
    """Share ``spare`` out: first every column that does not grow up to its longest line, then
    the growing ones by their shares (each capped at its longest line)."""
    widths = list(floors)
    for i, grow in enumerate(grows):
        if not grow:
            extra = min(spare, ceilings[i] - widths[i])
            widths[i] += extra
            spare -= extra
    while spare > 0:
        open_ = [i for i, grow in enumerate(grows) if grow and widths[i] < ceilings[i]]
        if not open_:
            break
        total = sum(grows[i] for i in open_)
        given = 0
        for i in open_:
            share = min(max(1, spare * grows[i] // total), ceilings[i] - widths[i], spare - given)
            widths[i] += share
            given += share
        spare -= given
    return widths


def fitted_table(console: Console, columns: Sequence[Column], rows: Sequence[Sequence[RenderableType]],
                 **table_options: Any) -> Table | None:
    """``rows`` as a table no wider than the console with no word cut, or ``None`` if it cannot be.

    ``table_options`` go to :class:`rich.table.Table` (title, box, show_lines, pad_edge, ...);
    cells keep rich's padding of one space each side.
    """
    table = Table(**table_options)
    heads = [Text(c.header) for c in columns]
    floors: list[int] = []
    ceilings: list[int] = []
    for i, col in enumerate(columns):
        word, line = _measure(console, [heads[i], *(row[i] for row in rows)])
        floors.append(max(word, min(col.readable, line)))
        ceilings.append(max(word, line))
    borders = (2 if table.box and table.show_edge else 0) + (len(columns) - 1 if table.box else 0)
    padding = _PAD * len(columns) - (0 if table.pad_edge else _PAD)  # no outer padding without pad_edge
    room = console.width - borders - padding
    if sum(floors) > room:
        return None
    widths = _widths(floors, ceilings, [c.grow for c in columns], room - sum(floors))
    for col, head, width in zip(columns, heads, widths):
        table.add_column(head, width=width, justify=col.justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*row)
    return table


def _wrapped(console: Console, text: Text, width: int, indent: int) -> list[Text]:
    """``text`` wrapped between words to ``width`` cells, each line indented and with no trailing
    blanks; the lines of a ``- `` bullet continue under its first word."""
    bullet = text.plain.startswith("- ")
    body = text[2:] if bullet else text
    hang = 2 if bullet else 0
    lines = body.wrap(console, max(1, width - indent - hang), overflow="fold")
    out = []
    for n, line in enumerate(lines):
        line.rstrip()
        lead = " " * indent + ("- " if n == 0 else "  ") if bullet else " " * indent
        out.append(Text(lead) + line if lead else line)
    return out


def stacked(console: Console, head: Text, details: Sequence[Text]) -> Group:
    """One entry of a stacked layout: ``head`` on its own line(s), ``details`` indented under it.

    Text wraps between words at the console's width; a word longer than a whole line (a long id)
    is folded onto the next line rather than cut short. No line ends in blanks, so piped output
    is clean to read and to compare.
    """
    lines = _wrapped(console, head, console.width, 0)
    for detail in details:
        lines.extend(_wrapped(console, detail, console.width, INDENT))
    return Group(*lines)


#: A line's indent and list marker (``- `` or ``12. ``), which its wrapped lines continue under.
_LEAD = re.compile(r"^( *)((?:-|\d+\.) )?")


def wrap_lines(text: str, width: int) -> str:
    """Plain text with every line longer than ``width`` wrapped between words.

    A wrapped line continues under its own indent and list marker, so nesting stays visible; a
    word longer than the width stays whole on a line of its own (an id is never cut).
    """
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        match = _LEAD.match(line)
        hang = " " * (match.end() if match else 0)
        out.append(textwrap.fill(line, width, subsequent_indent=hang, break_long_words=False,
                                 break_on_hyphens=False, drop_whitespace=True))
    return "\n".join(out)
