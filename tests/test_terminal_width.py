"""Every terminal output is readable at any width and when piped (issue 11).

Each command is run as a user runs it into a pipe (``grader ... | cat``: not a terminal), at 60,
80, 120 and 200 columns (``COLUMNS``), and with no ``COLUMNS`` at all (rich then lays out for 80).
At every width: no line is wider than the width, nothing is cut short with an ellipsis, and every
word of every reason (and title, name, problem, explanation) is in the output whole, as often as
it is in the text: a word split across a column (``Intelli│gence``) or a column at zero width
loses it.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from grader.bundled import default_evidence, default_pack
from grader.cli import app

sys.path.insert(0, str(Path(__file__).parent / "batch"))
from setkit import copy_set, duplicate_item, grade_to_file, remove_item  # noqa: E402

runner = CliRunner()
WIDTHS = [60, 80, 120, 200]
#: Box-drawing characters of rich's tables: borders, never part of a word.
BOX = re.compile("[\u2500-\u257f]")


def _run(args: list[str], width: int | None) -> str:
    res = runner.invoke(app, args, env={"COLUMNS": None if width is None else str(width), "NO_COLOR": None})
    assert res.exit_code in (0, 65), res.output
    assert "Traceback" not in res.output
    return res.stdout


#: A word: letters, digits and the characters inside ids and rule names (``ENF-02-S1``, ``rules/x``).
WORD = re.compile(r"[\w'/-]+")


def _words(text: str) -> Counter[str]:
    """The words of ``text`` and how often each occurs, punctuation and table borders aside."""
    return Counter(WORD.findall(BOX.sub(" ", text)))


def _assert_readable(output: str, texts: list[str], width: int | None) -> None:
    """No line wider than ``width`` (80 when piped with no COLUMNS), no ellipsis, and every word
    of ``texts`` in ``output``, whole, at least as often as in the texts together."""
    limit = width or 80
    wide = [line for line in output.splitlines() if cell_len(line) > limit]
    assert not wide, wide[:3]
    assert "\u2026" not in output, [line for line in output.splitlines() if "\u2026" in line][:3]
    missing = _words("\n".join(texts)) - _words(output)
    assert not missing, dict(list(missing.items())[:10])


@pytest.fixture(scope="module")
def result() -> dict:
    res = runner.invoke(app, ["grade", "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _reasons(finding: dict) -> list[str]:
    """The texts the table shows for a finding: title, reason, mitigation, uplift, concerns."""
    texts = [finding["title"], finding["rationale"]]
    if finding.get("mitigation"):
        texts.append(finding["mitigation"]["rationale"])
    if finding.get("uplift"):
        texts.append(finding["uplift"]["rationale"])
    texts += [c["rationale"] for c in finding.get("concerns", [])]
    return texts


@pytest.mark.parametrize("width", [*WIDTHS, None])
def test_grade_shows_every_word_of_every_reason_and_every_outcome_whole(result: dict, width: int | None) -> None:
    out = _run(["grade"], width)
    texts = [t for f in result["criteria"] for t in _reasons(f)]
    texts += [t for p in result["pillars"] for t in (p["title"], p["rationale"])]
    _assert_readable(out, texts, width)
    lines = out.splitlines()
    for f in result["criteria"]:
        # the criterion's id and its outcome, never truncated, on one line
        assert any({f["criterion"], f["outcome"]} <= set(WORD.findall(line)) for line in lines), f["criterion"]
        if f["assessed_outcome"] != f["outcome"]:
            assert f"(assessed {f['assessed_outcome']})" in out


def test_grade_is_a_table_when_it_fits_and_stacked_when_it_does_not() -> None:
    """At 120 and wider the criteria are a table; at 80 (and piped with no COLUMNS) each
    criterion is a line with its reason and evidence ids under it."""
    assert "┃ Criterion" in _run(["grade"], 120) and "┃ Reason" in _run(["grade"], 200)
    for width in (80, None):
        out = _run(["grade"], width)
        assert "┃ Criterion" not in out
        assert "ENF-02 meets (assessed fails): Command training in linked and series crime" in out
        assert "    Evidence: ENF-02-S1, ENF-02-W1" in out.splitlines()


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two forces, one with a long name, and a third set with a mistake (not graded)."""
    root = tmp_path_factory.mktemp("programme")
    copy_set(default_evidence(), root / "a")
    copy_set(default_evidence(), root / "b", "notts-2008", "Nottinghamshire Police and Intelligence")
    broken = copy_set(default_evidence(), root / "c", "broken-2008", "Broken")
    items = broken / "items" / "intelligence.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace("    kind: strength\n", "    kind: strenth\n", 1),
                     encoding="utf-8")
    return root


@pytest.mark.parametrize("width", [*WIDTHS, None])
def test_batch_keeps_force_names_pillars_and_problems_whole(programme: Path, width: int | None) -> None:
    out = _run(["grade", str(programme / "a"), str(programme / "b"), str(programme / "c")], width)
    pack_titles = ["Intelligence", "Prevention", "Enforcement", "Performance management and resilience"]
    texts = ["derbyshire-2008 Derbyshire Constabulary", "notts-2008 Nottinghamshire Police and Intelligence",
             *pack_titles, "meets " * 10, "EVID-014 Input should be 'strength', 'work-in-progress'"]
    _assert_readable(out, texts, width)


@pytest.fixture(scope="module")
def year_on_year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled result, and one where three intelligence strengths became areas for improvement."""
    root = tmp_path_factory.mktemp("diff")
    new = copy_set(default_evidence(), root / "new")
    items = new / "items" / "intelligence.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace("kind: strength", "kind: area-for-improvement", 3),
                     encoding="utf-8")
    grade_to_file(default_evidence(), root / "old.json")
    grade_to_file(new, root / "new.json")
    return root / "old.json", root / "new.json"


@pytest.mark.parametrize("width", [*WIDTHS, None])
def test_diff_keeps_every_reason_and_rule_id_whole(year_on_year: tuple[Path, Path], width: int | None) -> None:
    old, new = year_on_year
    data = json.loads(_run(["diff", str(old), str(new), "--format", "json"], None))
    texts = [t for c in data["criteria"] for t in (c["criterion"], c["title"], *c["why"], *c["cited_removed"])]
    texts += [it["id"] for it in data["items"]]
    assert any("rules/dedicated-capacity" in t for t in texts)  # a rule id, which must not be cut
    _assert_readable(_run(["diff", str(old), str(new)], width), texts, width)


@pytest.fixture(scope="module")
def moderation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Force B recorded a strength as two bullets, force C as one: one disparity (as in
    tests/batch/test_moderation.py)."""
    root = tmp_path_factory.mktemp("moderation")
    out = root / "results"
    out.mkdir()
    for set_id, remove, dup in (("force-a", (), 0), ("force-b", ("ENF-01-S3", "ENF-01-S5", "ENF-01-S6"), 1),
                                ("force-c", ("ENF-01-S3", "ENF-01-S5", "ENF-01-S6"), 0)):
        s = copy_set(default_evidence(), root / set_id, set_id, f"Force {set_id[-1].upper()}")
        for item in remove:
            remove_item(s, item)
        for n in range(dup):
            duplicate_item(s, "ENF-01-S2", f"ENF-01-S2-{n}")
        grade_to_file(s, out / f"{set_id}.json")
    return out


@pytest.mark.parametrize("width", [*WIDTHS, None])
def test_moderate_keeps_patterns_forces_and_notes_whole(moderation: Path, width: int | None) -> None:
    data = json.loads(_run(["moderate", str(moderation), "--format", "json"], None))
    (d,) = data["disparities"]
    texts = [d["criterion"], d["title"], d["note"], *(f["force"] + ": " + f["outcome"] for f in d["forces"])]
    _assert_readable(_run(["moderate", str(moderation)], width), texts, width)


@pytest.mark.parametrize("width", [*WIDTHS, None])
def test_explain_wraps_between_words(width: int | None) -> None:
    from grader.authoring.explain import explain_criterion

    text = explain_criterion("ENF-02", default_evidence(), default_pack(), None)
    out = _run(["explain", "ENF-02"], width)
    _assert_readable(out, [text], width)
    # a wrapped clause continues under its list marker
    narrow = _run(["explain", "ENF-02"], 60).split("\n")
    starts = [i for i, line in enumerate(narrow) if line.startswith("   - ") and ": holds: at least one item" in line]
    # a clause too long for the line continues under its first word, never at the margin
    wrapped = [i for i in starts if not narrow[i + 1].lstrip().startswith(("matched", "closest", "too many"))]
    assert wrapped and all(narrow[i + 1].startswith("     ") and not narrow[i + 1].startswith("      ")
                           for i in wrapped), narrow


@pytest.mark.parametrize("width", [*WIDTHS, None])
def test_evidence_check_summary_fits(tmp_path: Path, width: int | None) -> None:
    out = _run(["evidence", "check", str(default_evidence())], width)
    texts = ["intelligence prevention enforcement performance-and-resilience all",
             "S strengths, W work in progress, A areas for improvement, I indicators", "189 189 22/22"]
    _assert_readable(out, texts, width)


def test_the_same_inputs_give_the_same_bytes_at_each_width() -> None:
    for width in (60, 200):
        assert _run(["grade"], width) == _run(["grade"], width)


def test_a_table_never_gets_a_column_narrower_than_its_longest_word() -> None:
    """The layout rule itself: a column holding a 30-letter word gets 30 cells, or no table."""
    from rich.console import Console
    from rich.text import Text

    from grader.render.layout import Column, fitted_table

    word = "x" * 30
    rows = [[Text("id"), Text(f"a {word} b")]]
    columns = [Column("Id"), Column("Reason", grow=1)]
    assert fitted_table(Console(width=38), columns, rows) is None  # 2 + 30 + 3 borders + 4 padding = 39
    table = fitted_table(Console(width=39), columns, rows)
    assert table is not None and [c.width for c in table.columns] == [2, 30]


def test_no_color_removes_every_style_bold_and_italic_too() -> None:
    """NO_COLOR (no-color.org): no escape sequence at all, even on a terminal (FORCE_COLOR)."""
    styled = runner.invoke(app, ["grade"], env={"FORCE_COLOR": "1", "NO_COLOR": None, "COLUMNS": "200"}).stdout
    assert "\x1b[1m" in styled  # the guard: on a terminal, grader does style (bold banner, colours)
    for value in ("1", "true"):
        res = runner.invoke(app, ["grade"], env={"FORCE_COLOR": "1", "NO_COLOR": value, "COLUMNS": "200"})
        assert res.exit_code == 0 and "\x1b[" not in res.stdout, repr(res.stdout[:200])
        assert res.stdout == runner.invoke(app, ["grade"], env={"COLUMNS": "200", "NO_COLOR": None}).stdout
