"""One strict reader for result JSON (grader.loading.result), used by report, diff and moderate.

Issue 17: a result with ``marking`` given twice took the last value (an OFFICIAL-SENSITIVE item
could become OFFICIAL and reach a public report); 100,000-deep nesting was a RecursionError, a
5,000-digit number a ValueError, a cited id missing from ``evidence`` a KeyError; NaN and
infinity were accepted; and a 70 MB result grader wrote itself was refused by the 20 MB input
cap. Each hostile file is made from a real result (the bundled set graded) by one edit, and run
through all three commands: exit 65, one located line naming file, line and field, no traceback,
no output file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR
from grader.render.json import render_json
from grader.render.report import render_report

runner = CliRunner()
LOCATED = re.compile(r"^(?P<file>[^:\n]+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+-\d{3}) (?P<msg>.*?)"
                     r"(?: \[(?P<field>[^ ]*)\])?$")


@pytest.fixture(scope="module")
def result_text(derbyshire) -> str:  # type: ignore[no-untyped-def]
    return render_json(derbyshire)


def _first_marking(text: str) -> int:
    """Offset of the first item's ``"marking"`` key (the evidence list's first item)."""
    return text.index('"marking": ', text.index('"evidence": [\n'))


def _sensitive_then_official(text: str) -> str:
    """The first item's marking given twice: OFFICIAL-SENSITIVE, then OFFICIAL."""
    i = _first_marking(text)
    end = text.index("\n", i)
    assert text[i:end] == '"marking": "OFFICIAL",'
    return text[:i] + '"marking": "OFFICIAL-SENSITIVE",\n      "marking": "OFFICIAL",' + text[end:]


def _edit_json(change: Callable[[dict], None]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        data = json.loads(text)
        change(data)
        return json.dumps(data, indent=2)
    return edit


def _number(token: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        data = json.loads(text)
        row = data["indicators"][0]
        row["ratio_to_comparator"] = "@@"
        return json.dumps(data, indent=2).replace('"@@"', token)
    return edit


#: case -> (edit of a real result, code, field, words the message must hold)
CASES: dict[str, tuple[Callable[[str], str], str, str, str]] = {
    "duplicate-marking": (_sensitive_then_official, "RES-006", "evidence[0].marking", "'marking' is given twice"),
    "deep-nesting": (lambda t: t.replace('"warnings": [', '"warnings": [' + "[" * 100_000 + "]" * 100_000 + ",", 1),
                     "RES-005", "warnings[0]", "deeper than 64 levels"),
    "5000-digit-integer": (lambda t: re.sub(r'"item": \d+', '"item": ' + "9" * 5000, t, count=1),
                           "RES-007", "evidence[0].source.item", "5,000 characters long"),
    "nan": (_number("NaN"), "RES-007", "indicators[0].ratio_to_comparator", "NaN is not a number"),
    "infinity": (_number("Infinity"), "RES-007", "indicators[0].ratio_to_comparator", "Infinity"),
    "minus-infinity": (_number("-Infinity"), "RES-007", "indicators[0].ratio_to_comparator", "-Infinity"),
    "overflowing-float": (_number("1e400"), "RES-007", "indicators[0].ratio_to_comparator", "too large"),
    "cited-id-missing": (_edit_json(lambda d: d["criteria"][0]["evidence"].append("NOT-THERE")),
                         "RES-008", "criteria[0].evidence", "'NOT-THERE'"),
    "traced-id-missing": (_edit_json(lambda d: d["criteria"][0]["trace"][0]["cites"].insert(0, "GONE-1")),
                          "RES-008", "criteria[0].trace[0].cites[0]", "'GONE-1'"),
    "pillar-id-missing": (_edit_json(lambda d: d["pillars"][0]["evidence"].append("GONE-2")),
                          "RES-008", "pillars[0].evidence", "'GONE-2'"),
    "evidence-listed-twice": (_edit_json(lambda d: d["evidence"].append(dict(d["evidence"][0], marking="OFFICIAL"))),
                              "RES-009", "evidence[", "listed twice"),
}


def _run(command: str, bad: Path, good: Path, out: Path) -> list[str]:
    args = {"report": ["report", "--from-result", str(bad), "--out", str(out)],
            "diff": ["diff", str(good), str(bad)],
            "moderate": ["moderate", str(good), str(bad)]}[command]
    res = runner.invoke(app, args)
    assert res.exit_code == EXIT_INPUT_ERROR, res.output[:2000]
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    assert not out.exists()
    return [ln for ln in res.output.splitlines() if ln.strip()]


@pytest.mark.parametrize("command", ["report", "diff", "moderate"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_result_gives_one_located_line(case: str, command: str, result_text: str, tmp_path: Path) -> None:
    edit, code, field, words = CASES[case]
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(result_text, encoding="utf-8")
    text = edit(result_text)
    assert text != result_text
    bad.write_text(text, encoding="utf-8")
    lines = _run(command, bad, good, tmp_path / "report.md")
    assert len(lines) == 1, lines
    m = LOCATED.match(lines[0])
    assert m is not None, lines[0]
    assert m["file"].endswith("bad.json") and m["code"] == code, lines[0]
    assert (m["field"] or "").startswith(field), lines[0]
    assert words in m["msg"], lines[0]
    assert len(lines[0]) < 400
    # the line and column point at the offending text
    offending = text.splitlines()[int(m["line"]) - 1][int(m["col"]) - 1:]
    key = field.rsplit(".", 1)[-1].split("[")[0]
    assert offending.startswith((f'"{key}"', '"', "[", "N", "I", "-", "1", "9")), offending[:40]


def test_a_repeated_marking_is_refused_not_taken_as_its_last_value(result_text: str, tmp_path: Path) -> None:
    """The leak itself: the second ``marking`` would make a sensitive item public."""
    bad = tmp_path / "bad.json"
    text = _sensitive_then_official(result_text)
    assert json.loads(text)["evidence"][0]["marking"] == "OFFICIAL"  # what a plain parser makes of it
    bad.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["report", "--from-result", str(bad), "--audience", "public"])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "RES-006" in res.output and "ENF-01-S1" not in res.stdout


def test_a_valid_result_still_reads_back_to_the_same_report(derbyshire, result_text: str,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(result_text, encoding="utf-8")
    res = runner.invoke(app, ["report", "--from-result", str(path), "--audience", "inspectorate"])
    assert res.exit_code == 0, res.output
    assert res.stdout == render_report(derbyshire, "md", "inspectorate")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_result_that_is_a_named_pipe_is_refused_in_a_folder_too(result_text: str, tmp_path: Path) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "a.json").write_text(result_text, encoding="utf-8")
    os.mkfifo(folder / "b.json")
    proc = subprocess.run([sys.executable, "-m", "grader", "moderate", str(folder)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == EXIT_INPUT_ERROR, proc.stderr
    assert re.search(r"b\.json: LOAD-004 is a named pipe", proc.stderr), proc.stderr


def _limits() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def _grow(result_text: str, megabytes: int) -> str:
    """A real result grown to ``megabytes`` by copies of its items (fresh ids), listed as unused,
    as a force with thousands of items would be."""
    data = json.loads(result_text)
    base = data["evidence"]
    grown, n = list(base), 0
    per_copy = len(json.dumps(base, indent=2))
    while per_copy * (n + 1) < megabytes * 1024 * 1024:
        grown.extend(dict(e, id=f"{e['id']}-C{n}") for e in base)
        n += 1
    data["evidence"] = grown
    data["unused"] = data["unused"] + [{"id": e["id"], "reason": "a copy"} for e in grown[len(base):]]
    return json.dumps(data, indent=2)


def test_grader_reads_back_its_own_70_mb_result(result_text: str, tmp_path: Path) -> None:
    """Bounds, not timing: 2 GB of address space, and a timeout only so a hang fails the test."""
    big = tmp_path / "big.json"
    big.write_text(_grow(result_text, 70), encoding="utf-8")
    assert big.stat().st_size > 70 * 1024 * 1024 > 20 * 1024 * 1024
    out = tmp_path / "report.md"
    proc = subprocess.run([sys.executable, "-m", "grader", "report", "--from-result", str(big), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, preexec_fn=_limits)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.stat().st_size > 1024 * 1024


def test_a_result_over_its_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "huge.json"
    with big.open("wb") as fh:  # sparse: 600 MB on paper, nothing on disk
        fh.truncate(600 * 1024 * 1024)
    res = runner.invoke(app, ["report", "--from-result", str(big)])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "LOAD-002 file is 629,145,600 bytes; grader reads files up to 536,870,912 bytes" in res.output
