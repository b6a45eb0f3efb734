"""One way text reaches the terminal (grader/render/terminal.py): text from input that looks like
rich markup prints literally, and control and bidirectional characters are shown as escapes,
from every command, in Problem lines, and in the Markdown and HTML report."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, Problem
from grader.render.terminal import json_visible, visible

runner = CliRunner()
WIDE = {"COLUMNS": "400"}

#: Looks like rich markup; must print as written.
MARKUP = "[/bold]Derby[red]shire[/red] [see annex 2] :warning:"
#: A window title, a clear screen, an OSC 8 link, a right-to-left override, a C1 control (CSI).
ESCAPES = "\x1b]0;pwned\x07 \x1b[2J \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ \u202eexe.txt \x9b31m"
#: Raw terminal controls and bidi characters that must never reach the output.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (escapes for every control character)."""
    return json.dumps(text)  # JSON strings are YAML double-quoted scalars


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled set and pack with markup and escapes in the force name, the set's title, an
    item's statement, a pillar's title and a criterion's title."""
    root = tmp_path_factory.mktemp("hostile")
    ev, pack = root / "set", root / "pack"
    shutil.copytree(default_evidence(), ev)
    shutil.copytree(default_pack(), pack)
    manifest = ev / "evidence-set.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("force: Derbyshire Constabulary", f"force: {_yaml_quoted(MARKUP + ' ' + ESCAPES)}", 1)
    text = text.replace("title: HMIC Major Crime inspection, July 2008",
                        f"title: {_yaml_quoted('[bold]Inspection ' + ESCAPES)}", 1)
    manifest.write_text(text, encoding="utf-8")
    items = ev / "items" / "intelligence.yaml"
    text = items.read_text(encoding="utf-8")
    old = re.search(r"    statement: >-\n      An intelligence analyst is assigned solely.*?needed\.\n", text, re.S)
    assert old is not None
    items.write_text(text.replace(old.group(0), f"    statement: {_yaml_quoted('[/] ' + ESCAPES)}\n", 1),
                     encoding="utf-8")
    crit = pack / "criteria" / "INT-01.yaml"
    crit.write_text(crit.read_text(encoding="utf-8").replace(
        "title: Dedicated analytical capacity for major crime",
        f"title: {_yaml_quoted('[/bold] analysts [red]x[/red] ' + ESCAPES)}", 1), encoding="utf-8")
    pack_yaml = pack / "pack.yaml"
    pack_yaml.write_text(pack_yaml.read_text(encoding="utf-8").replace(
        "    title: Intelligence\n", f"    title: {_yaml_quoted('[/] Intelligence ' + ESCAPES)}\n", 1), encoding="utf-8")
    return ev, pack


def _assert_safe(output: str) -> None:
    assert "Traceback" not in output and "MarkupError" not in output, output[-2000:]
    assert not RAW.search(output), repr(RAW.search(output))


def test_the_hostile_set_loads_with_its_text(hostile: tuple[Path, Path]) -> None:
    """The guard for every test below: the hostile text really is in the result."""
    ev, pack = hostile
    res = runner.invoke(app, ["grade", str(ev), "--rules", str(pack), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["meta"]["evidence_set"]["force"] == f"{MARKUP} {ESCAPES}"
    assert any(i["statement"] == f"[/] {ESCAPES}" for i in data["evidence"])
    assert any(c["title"].startswith("[/bold] analysts [red]x[/red] \x1b]0;") for c in data["framework"]["criteria"])


def test_grade_table_prints_markup_literally_and_escapes_controls(hostile: tuple[Path, Path]) -> None:
    ev, pack = hostile
    res = runner.invoke(app, ["grade", str(ev), "--rules", str(pack)], env=WIDE)
    assert res.exit_code == 0, res.output
    _assert_safe(res.output)
    assert MARKUP in res.output  # printed as written, [see annex 2] included
    assert "[/bold] analysts [red]x[/red]" in res.output
    assert r"\x1b]0;pwned\x07 \x1b[2J" in res.output and r"\u202eexe.txt \x9b31m" in res.output


def test_grade_json_to_stdout_escapes_c1_and_bidi_and_means_the_same(hostile: tuple[Path, Path]) -> None:
    ev, pack = hostile
    res = runner.invoke(app, ["grade", str(ev), "--rules", str(pack), "--format", "json"])
    _assert_safe(res.stdout)
    assert r"\u202e" in res.stdout and r"\u009b" in res.stdout
    assert json.loads(res.stdout)["meta"]["evidence_set"]["force"] == f"{MARKUP} {ESCAPES}"


def test_explain_shows_statements_and_titles_with_escapes(hostile: tuple[Path, Path]) -> None:
    ev, pack = hostile
    res = runner.invoke(app, ["explain", "INT-01", str(ev), "--rules", str(pack)])
    assert res.exit_code == 0, res.output
    _assert_safe(res.output)
    assert r"[/] \x1b]0;pwned" in res.output


def test_report_to_stdout_carries_no_raw_control_character(hostile: tuple[Path, Path]) -> None:
    ev, pack = hostile
    for fmt in ("md", "html"):
        res = runner.invoke(app, ["report", str(ev), "--rules", str(pack), "--format", fmt])
        assert res.exit_code == 0, res.output
        _assert_safe(res.stdout)
        assert "pwned" in res.stdout and "u202eexe.txt" in res.stdout


def test_batch_diff_and_moderate_print_markup_literally(hostile: tuple[Path, Path], tmp_path: Path) -> None:
    ev, pack = hostile
    other = tmp_path / "other"
    shutil.copytree(ev, other)
    manifest = other / "evidence-set.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("id: derbyshire-2008", "id: other-2008", 1),
                        encoding="utf-8")
    out = tmp_path / "results"
    res = runner.invoke(app, ["grade", str(ev), str(other), "--rules", str(pack), "--out", str(out)], env=WIDE)
    assert res.exit_code == 0, res.output
    _assert_safe(res.output)
    assert "[/bold]Derby[red]shire[/red]" in res.output
    a, b = out / "derbyshire-2008.json", out / "other-2008.json"
    plain = out.parent / "plain.json"
    assert runner.invoke(app, ["grade", "--out", str(plain)]).exit_code == 0
    res = runner.invoke(app, ["diff", str(plain), str(a)], env=WIDE)
    assert res.exit_code == 0, res.output
    _assert_safe(res.output)
    assert "new: [/bold]Derby[red]shire[/red] [see annex 2] :warning: \\x1b]0;pwned" in res.output
    res = runner.invoke(app, ["moderate", str(a), str(b)], env=WIDE)
    assert res.exit_code == 0, res.output
    _assert_safe(res.output)


def test_an_echoed_bad_value_with_markup_and_escapes_is_one_safe_line(tmp_path: Path) -> None:
    ev = tmp_path / "set"
    shutil.copytree(default_evidence(), ev)
    items = ev / "items" / "intelligence.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace(
        "    kind: strength\n", f"    kind: {_yaml_quoted('[/bold]str[red]ength ' + ESCAPES)}\n", 1), encoding="utf-8")
    res = runner.invoke(app, ["grade", str(ev)])
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    _assert_safe(res.output)
    lines = [line for line in res.output.splitlines() if "intelligence.yaml:" in line]
    assert lines and all(line.count("\n") == 0 for line in lines)
    assert any("[/bold]str[red]ength" in line for line in lines), res.output


def test_a_file_name_with_a_right_to_left_override_is_shown_escaped(tmp_path: Path) -> None:
    name = tmp_path / "report\u202etxt.exe\x1b[2J"
    name.mkdir()
    res = runner.invoke(app, ["grade", "--out", str(name)])
    assert res.exit_code == EXIT_INPUT_ERROR
    _assert_safe(res.output)
    assert r"report\u202etxt.exe\x1b[2J" in res.output


def test_problem_line_text_escapes_and_stays_on_one_line() -> None:
    p = Problem(file="a\u2066.yaml", line=3, column=1, code="X-001", message="bad [red]\x1b[31mvalue\n\x85",
                field="items[0].\u202ekind")
    assert p.line_text() == r"a\u2066.yaml:3:1: X-001 bad [red]\x1b[31mvalue \x85 [items[0].\u202ekind]"


def test_visible_keeps_ordinary_text_and_json_visible_keeps_the_meaning() -> None:
    text = "Derbyshire – café, 72.7%\n\tnext line"
    assert visible(text) == text
    assert visible("a\tb\nc", one_line=True) == r"a\x09b\x0ac"
    doc = json.dumps({"s": "x\u202ey\x85z\x1b"}, ensure_ascii=False)
    assert not RAW.search(json_visible(doc)) and json.loads(json_visible(doc)) == json.loads(doc)


# ------------------------------------------------------------------------------------------
# A hostile result JSON rendered to Markdown and HTML


def test_a_hostile_result_json_gives_a_report_without_script_or_control_characters(tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    assert runner.invoke(app, ["grade", "--out", str(result)]).exit_code == 0
    data = json.loads(result.read_text(encoding="utf-8"))
    evil = "<script>alert(1)</script>\x1b]0;pwned\x07\u202e"
    meta = data["meta"]
    meta["evidence_set"]["inspected"] = evil
    meta["evidence_set"]["id"] = evil
    meta["pack"]["name"] = evil
    meta["grader_version"] = evil
    for f in meta["inputs"]:
        f["sha256"] = evil
        f["path"] = evil
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(data), encoding="utf-8")
    for fmt in ("md", "html"):
        res = runner.invoke(app, ["report", "--from-result", str(hostile), "--format", fmt])
        assert res.exit_code == 0, res.output
        assert "<script>" not in res.stdout, [line for line in res.stdout.splitlines() if "<script>" in line]
        _assert_safe(res.stdout)
    res = runner.invoke(app, ["report", "--from-result", str(hostile)])
    # shown as text, inert: Markdown for <script>alert(1)</script>\x1b]0;pwned\x07\u202e
    assert r"Inspected \<script\>alert(1)\</script\>\\x1b\]0;pwned\\x07\\u202e." in res.stdout
    clean = runner.invoke(app, ["report", "--from-result", str(result)]).stdout
    assert re.search(r": `[0-9a-f]{64}`$", clean, flags=re.M)  # real digests are still code spans
