"""``--help`` of every command reads cleanly at 60, 80 and 120 columns and when piped (issue 11).

No type names (``<bool>``, ``<path>``, ``list[Path]``), no ``{name}`` in usage, a flag shows no
metavar and a value option a plain one (``PACK``, ``FILE``, ``table|json``); every word of every
help text is in the output whole and in order, and paragraphs are reflowed: no line is broken
before it had to be.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
import typer
from typer.testing import CliRunner

from grader.cli import app
from grader.clihelp import MAX_WIDTH, paragraphs

runner = CliRunner()
WIDTHS = [60, 80, 120]
WORD = re.compile(r"\S+")


def _commands() -> list[tuple[list[str], object]]:
    """Every command and group of the app, as (the words that name it, the click command)."""
    root = typer.main.get_command(app)
    found: list[tuple[list[str], object]] = []

    def walk(path: list[str], cmd: object) -> None:
        found.append((path, cmd))
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk([*path, name], sub)

    walk([], root)
    return found


COMMANDS = _commands()


def _help(path: list[str], width: int) -> str:
    res = runner.invoke(app, [*path, "--help"], env={"COLUMNS": str(width), "NO_COLOR": None})
    assert res.exit_code == 0, res.output
    return res.stdout


def _texts(cmd: object) -> list[str]:
    """The prose the help of ``cmd`` must show: its description, each parameter's help, and for a
    group, the first paragraph of each command's."""
    texts = paragraphs(cmd.help)  # type: ignore[attr-defined]
    texts += [" ".join(paragraphs(p.help)) for p in cmd.params if getattr(p, "help", None)]  # type: ignore[attr-defined]
    for sub in getattr(cmd, "commands", {}).values():
        texts += paragraphs(sub.help)[:1]
    return texts


def _words(text: str) -> Counter[str]:
    return Counter(WORD.findall(text))


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"grade", "explain", "report", "rules check", "rules new", "evidence check", "evidence template",
            "evidence import-report", "export oscal", "export oscal-catalog", "schema", "signoff"} <= names


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[" ".join(p) or "grader" for p, _ in COMMANDS])
def test_help_is_clean(path: list[str], cmd: object, width: int) -> None:
    out = _help(path, width)
    for leak in ("<bool>", "<str>", "<path>", "<int>", "list[", "{", "}", "\u2026", "\x1b"):
        assert leak not in out, (leak, [line for line in out.splitlines() if leak in line][:3])
    assert not [line for line in out.splitlines() if len(line) > min(width, MAX_WIDTH)], "too wide a line"
    assert not [line for line in out.splitlines() if line != line.rstrip()], "trailing blanks"
    # Every word of every help text is in the output whole (a word split across lines is lost) ...
    missing = _words("\n".join(_texts(cmd))) - _words(out)
    assert not missing, dict(list(missing.items())[:10])
    # ... and in order, each text as one run of words (no hard line break kept inside a paragraph).
    flat = " ".join(out.split())
    for text in _texts(cmd):
        assert " ".join(text.split()) in flat, text


def _blocks(out: str) -> list[tuple[bool, list[str]]]:
    """The wrapped blocks of a help page: the usage line, each description paragraph, and each row
    of a two-column list (term and help), each with whether its first line is a bare term."""
    blocks: list[tuple[bool, list[str]]] = []
    in_list = False
    for line in out.splitlines():
        if line.startswith("Usage: "):
            blocks.append((False, [line]))
        elif not line.startswith("  "):  # a blank line or a heading ends a block
            in_list = line in ("Arguments:", "Options:", "Commands:")
            blocks.append((False, []))
        elif in_list and line[2] != " ":
            blocks.append((not re.search(r"\S {2,}\S", line), [line]))
        else:
            blocks[-1][1].append(line)
    return blocks


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[" ".join(p) or "grader" for p, _ in COMMANDS])
def test_paragraphs_fill_each_line(path: list[str], cmd: object, width: int) -> None:
    """No line of a wrapped block ends while the next line's first word would still have fitted:
    typer kept a docstring's hard breaks ('... the evidence each matched, the' / 'closest miss ...')."""
    early = []
    for bare_term, lines in _blocks(_help(path, width)):
        for n, (first, second) in enumerate(zip(lines, lines[1:])):
            if n == 0 and bare_term:
                continue  # a term on a line of its own: its help starts on the next line
            if len(first) + 1 + len(second.split()[0]) <= min(width, MAX_WIDTH):
                early.append((first, second))
    assert not early, early[:3]


def test_flags_show_no_metavar_and_value_options_a_plain_one() -> None:
    out = _help(["grade"], 120)
    assert re.search(r"^  --force {2,}Several sets", out, re.M)
    assert re.search(r"^  --require-signoff {2,}Exit 1", out, re.M)
    assert re.search(r"^  -r, --rules PACK {2,}Rule pack folder", out, re.M)
    assert re.search(r"^  -f, --format table\|json {2,}table or json\. \[default: table\]", out, re.M)
    assert "-a, --audience public|force|inspectorate" in out
    assert out.startswith("Usage: ") and "grade [OPTIONS] [EVIDENCE]...\n" in out
    signoff = _help(["signoff"], 80)
    assert "signoff [OPTIONS] EVIDENCE\n" in signoff  # a required argument: no braces, no brackets
    assert re.search(r"^  --by NAME {2,}Your name, as the record should show it\. \[required\]", signoff, re.M)
    assert "schema [OPTIONS] KIND\n" in _help(["schema"], 80)
    template = _help(["evidence", "template"], 80)
    assert re.search(r"^  --xlsx FILE {2,}Write the capture workbook", template, re.M)  # not the name again
    assert re.search(r"^  --csv FOLDER {2,}Write a CSV capture folder", template, re.M)


@pytest.mark.parametrize("width", [60, 80])
def test_a_long_term_stands_on_its_own_line(width: int) -> None:
    out = _help(["report"], width).splitlines()
    at = out.index("  -a, --audience public|force|inspectorate")
    assert out[at + 1].lstrip().startswith("public (OFFICIAL only)")


def test_usage_errors_name_arguments_as_help_does() -> None:
    res = runner.invoke(app, ["rules", "new"], env={"COLUMNS": "80"})
    assert res.exit_code == 2
    assert "Missing argument 'CRITERION'" in res.output
    assert "rules new [OPTIONS] CRITERION" in res.output
