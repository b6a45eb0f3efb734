"""Console-safe text: the one way text from input reaches a terminal.

Force names, titles, statements, file names and echoed bad values come from files that anyone
may have written. Printed raw, they can do more than show words:

- an escape sequence (``ESC ]0;`` retitles the window, ``ESC [2J`` clears the screen, OSC 8 makes
  a link that hides where it goes) or any other control character acts on the terminal;
- a bidirectional control (U+202E RIGHT-TO-LEFT OVERRIDE, ...) reorders what is shown, so
  ``report<U+202E>txt.exe`` reads as ``reportexe.txt``;
- rich console markup (``[red]x[/red]``, ``[/bold]``, ``[see annex 2]``) is applied, vanishes
  or stops the command with a traceback.

:func:`visible` turns every such character into a visible escape, written as Python writes it
(``\\x1b``, ``\\u202e``): an inspector sees that something odd is there and what it is. Newline
and tab are kept where text may span lines. :func:`console` gives a rich console that never
reads markup or emoji codes and passes everything it prints through :func:`visible`, so a
renderer that forgets still cannot let a control character through; :func:`echo` is the same
for plain text. Renderers wrap input text in :func:`plain` so that tables are laid out with the
visible width.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

#: Bidirectional controls and other invisible characters that change how the text around them
#: is shown: the embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the marks
#: (U+200E, U+200F, U+061C) and the line and paragraph separators (U+2028, U+2029).
_FORMAT = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
#: C0 controls but tab and newline, DEL, C1 controls, and the characters above.
_UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}]")
#: The same, newline and tab included: for text that must stay on one line.
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}]")
#: For JSON text: C0 controls are always escaped by the JSON encoder; the rest may be raw.
_UNSAFE_JSON = re.compile(f"[\x7f-\x9f{_FORMAT}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, one_line: bool = False) -> str:
    """``text`` with every control and bidirectional character shown as an escape (``\\x1b``).

    Newline and tab are kept unless ``one_line``. Text that holds none is returned unchanged.
    """
    s = str(text)
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE_MULTILINE).sub(_escape, s)


def json_visible(text: str) -> str:
    """JSON text with DEL, C1 and bidirectional characters written as ``\\uXXXX`` escapes.

    The JSON means exactly the same (those characters can only occur inside strings, where the
    escape is the same character), but no terminal acts on it.
    """
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def plain(text: object, style: str | Style = "") -> Text:
    """Input text as a rich :class:`Text`: never read as markup, with :func:`visible` escapes."""
    return Text(visible(text), style=style)


class _SafeConsole(Console):
    """A rich console for text that came from input: no markup, no emoji codes, no control
    characters except those rich itself writes for colour and layout."""

    def render_str(self, text: str, **kwargs: object) -> Text:  # type: ignore[override]
        """Every string printed, and every string cell or title of a table, comes through here."""
        kwargs["markup"] = False
        kwargs["emoji"] = False
        return super().render_str(visible(text), **kwargs)  # type: ignore[arg-type]

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        """The last guard: the text of every segment, from :class:`Text` objects too."""
        for seg in super().render(renderable, options):
            if seg.control or not _UNSAFE_MULTILINE.search(seg.text):
                yield seg
            else:
                yield Segment(visible(seg.text), seg.style, seg.control)


def console(*, stderr: bool = False, soft_wrap: bool | None = None) -> Console:
    """The console every command prints through (stdout, or stderr for problems and progress).

    Tables are laid out for the terminal's width on stdout (render/layout.py); stderr lines wrap
    softly by default. ``NO_COLOR`` turns off every style, bold and italic too.
    """
    wrap = stderr if soft_wrap is None else soft_wrap
    # NO_COLOR (https://no-color.org) set to anything: no styling at all. rich's own reading of it
    # drops colours but keeps bold, italic and dim; with no colour system it writes no escape.
    plain_only = {"color_system": None} if os.environ.get("NO_COLOR") else {}
    return _SafeConsole(stderr=stderr, highlight=False, markup=False, emoji=False, soft_wrap=wrap,
                        **plain_only)  # type: ignore[arg-type]


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Write plain text (not a table) to stdout or stderr, with :func:`visible` escapes."""
    stream: TextIO = sys.stderr if err else sys.stdout
    stream.write(visible(text) + ("\n" if nl else ""))
    stream.flush()


def write_json(text: str) -> None:
    """Write JSON text to stdout with :func:`json_visible` escapes."""
    sys.stdout.write(json_visible(text))
    sys.stdout.flush()
