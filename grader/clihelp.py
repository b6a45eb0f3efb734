"""``--help`` that reads cleanly at any width and when piped (issue 11).

Why grader renders its own help: typer (0.29) lays help out in rich panels with a type column
that no setting hides for arguments, flags or ``--help`` (``<bool>``, ``<path>``,
``<list[Path]>``); when the table is narrow it folds a choice list inside a word
(``inspectorat e``); its command list keeps the hard line breaks of a multi-line docstring; and
its usage line writes a required argument as ``{name}``. typer's documented hook for changing
this is the command class (``cls=``), so :class:`GraderGroup` and :class:`GraderCommand` render
help themselves, and :class:`GraderTyper` makes every command of the app use them.

The renderer reads only click's long-standing parameter attributes (``opts``,
``secondary_opts``, ``metavar``, ``is_flag``, ``nargs``, ``required``, ``help``, ``default``,
``hidden``), never typer's display code, so a typer upgrade cannot bring the type names back;
``tests/test_cli_help.py`` renders every command's help at 60, 80 and 120 columns to hold it.

The layout is the classic one (as git's or click's plain help): a usage line, the description
reflowed as paragraphs, then ``Arguments``, ``Options`` and ``Commands`` as two columns; a
term too long for the first column (``-a, --audience public|force|inspectorate``) stands on
its own line with its help under it. Words are never split: text wraps between words only.
"""

from __future__ import annotations

import inspect
import textwrap
from enum import Enum
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

#: Help is laid out for the console's width, but never wider than this (long lines read badly).
MAX_WIDTH = 100
#: The first column (option names and metavar) is at most this wide; longer terms get a line of their own.
MAX_TERM = 30


def _width() -> int:
    """The width help is laid out for: the terminal's, ``COLUMNS`` when piped, else 80 (as rich)."""
    from grader.render.terminal import console

    return max(40, min(console().width, MAX_WIDTH))


def paragraphs(text: str | None) -> list[str]:
    """A docstring or help text as paragraphs, each on one line (hard line breaks dropped)."""
    text = inspect.cleandoc(text or "").partition("\f")[0]
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def _fill(text: str, width: int, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent if first is None else first,
                         subsequent_indent=indent, break_long_words=False, break_on_hyphens=False) or [""]


def _choices(param: Any) -> list[str] | None:
    """The values a choice parameter accepts (from click's ``type`` or typer's type descriptor)."""
    for holder in (getattr(param, "type", None), getattr(param, "type_descriptor", None)):
        choices = getattr(holder, "choices", None)
        if choices:
            return [c.value if isinstance(c, Enum) else str(c) for c in choices]
    return None


def _is_argument(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "argument"


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False) or getattr(param, "count", False))


def argument_name(param: Any) -> str:
    """An argument as usage and help show it: its metavar, or its name in capitals."""
    name = param.metavar or param.name.upper()
    return f"{name}..." if param.nargs != 1 else name


def option_metavar(param: Any) -> str:
    """What follows an option that takes a value: its metavar, its choices, or its name in capitals."""
    if param.metavar:
        return str(param.metavar)
    choices = _choices(param)
    if choices:
        return "|".join(choices)
    return param.name.upper().replace("_", "-")


def _term(param: Any) -> str:
    if _is_argument(param):
        return argument_name(param)
    short = [o for o in param.opts if not o.startswith("--")]
    long = [o for o in param.opts if o.startswith("--")]
    term = ", ".join([*short, *long, *param.secondary_opts])
    return term if _is_flag(param) else f"{term} {option_metavar(param)}"


def _param_help(param: Any) -> str:
    text = " ".join(paragraphs(getattr(param, "help", None)))
    extra = []
    default = getattr(param, "default", None)
    if isinstance(default, Enum) and getattr(param, "show_default", True) is not False:
        extra.append(f"[default: {default.value}]")
    if param.required and not _is_argument(param):
        extra.append("[required]")
    return " ".join([text, *extra]).strip()


def _definitions(rows: list[tuple[str, str]], width: int) -> list[str]:
    """Two columns, term and help, each wrapped between words; a long term gets a line of its own."""
    fitting = [len(t) for t, _ in rows if len(t) <= MAX_TERM]
    col = 2 + (max(fitting) if fitting else MAX_TERM) + 2
    hang = " " * col
    out: list[str] = []
    for term, text in rows:
        head = f"  {term}"
        if not text:
            out.append(head)
        elif len(head) + 2 <= col:
            out.extend(_fill(text, width, hang, first=head.ljust(col)))
        else:
            out.append(head)
            out.extend(_fill(text, width, hang))
    return out


def usage_pieces(command: Any, ctx: Any) -> list[str]:
    """``[OPTIONS]`` and each argument: ``NAME`` if required, ``[NAME]`` if not."""
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if _is_argument(param):
            name = param.metavar or param.name.upper()
            name = name if param.required else f"[{name}]"
            pieces.append(f"{name}..." if param.nargs != 1 else name)
    return pieces


def render_help(command: Any, ctx: Any, width: int | None = None) -> str:
    """The help of ``command`` (a command or a group) as plain text for ``width`` columns."""
    width = width or _width()
    path = ctx.command_path
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines = _fill(f"{path} {usage}", width, " " * (len("Usage: ") + len(path) + 1), first="Usage: ")
    for para in paragraphs(command.help):
        lines += ["", *_fill(para, width, "  ")]
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    for title, chosen in (("Arguments", [p for p in params if _is_argument(p)]),
                          ("Options", [p for p in params if not _is_argument(p)])):
        if chosen:
            lines += ["", f"{title}:", *_definitions([(_term(p), _param_help(p)) for p in chosen], width)]
    if isinstance(command, TyperGroup):
        rows = []
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                rows.append((name, (paragraphs(sub.short_help or sub.help) or [""])[0]))
        if rows:
            lines += ["", "Commands:", *_definitions(rows, width)]
    if command.epilog:
        for para in paragraphs(command.epilog):
            lines += ["", *_fill(para, width)]
    return "\n".join(line.rstrip() for line in lines) + "\n"


class _CleanHelp:
    """What :class:`GraderCommand` and :class:`GraderGroup` share: usage and help as above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in getattr(self, "params", []):
            if _is_argument(param) and not param.metavar:
                param.metavar = param.name.upper()  # so that errors name it as help does: 'CRITERION'

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = usage_pieces(self, ctx)
        if isinstance(self, TyperGroup):
            pieces.append(self.subcommand_metavar)
        return pieces

    def format_help(self, ctx: Any, formatter: Any) -> None:
        formatter.write(render_help(self, ctx))


class GraderCommand(_CleanHelp, TyperCommand):
    """A typer command whose ``--help`` is :func:`render_help`."""


class GraderGroup(_CleanHelp, TyperGroup):
    """A typer group whose ``--help`` is :func:`render_help`."""


class GraderTyper(typer.Typer):
    """``typer.Typer`` whose groups and commands render help with :func:`render_help`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", GraderGroup)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("cls", GraderCommand)
        return super().command(*args, **kwargs)
