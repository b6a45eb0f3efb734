"""Judgements on a capture workbook's Judgements sheet, and `evidence check` on a set's judgements.

A workbook is a whole evidence set in one file, so its judgements live on a sheet of it: written
by `grader evidence template` with drop-downs of the pack's targets and outcomes, read exactly as
`judgements.yaml` is (the same validation, mistakes located at the cell), and graded the same.
"""

from __future__ import annotations

import copy
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from judgekit import ENF01_STALE, INT06_FAILS, copy_set, grade_json, grader, write_judgements

from grader.bundled import default_evidence, default_pack
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evidence"))
import evkit  # noqa: E402

#: INT06_FAILS as a row of the Judgements sheet.
INT06_ROW = {"target": "INT-06", "outcome": "fails", "rule_outcome": "meets",
             "reason": "The register exists (INT-06-S1) but on interview two major crime risks on it had no "
                       "current action plan, so the standard is not met.",
             "by": "A. Inspector", "role": "Lead inspector", "date": dt.date(2008, 7, 20)}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "capture.xlsx"
    code, _, err = grader("evidence", "template", "--xlsx", path)
    assert code == 0, err
    return path


@pytest.fixture(scope="module")
def derbyshire_book(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Derbyshire set filled into the capture workbook, no judgements yet."""
    evidence = load_evidence(default_evidence()).evidence
    filled = evkit.fill_workbook(template, evidence, tmp_path_factory.mktemp("book") / "derbyshire.xlsx")
    # sheets in the order the folder's files are read, so that the results list items alike
    wb = openpyxl.load_workbook(filled)
    for name in ["Enforcement", "Indicators", "Intelligence", "performance-and-resilience", "Prevention"]:
        wb.move_sheet(name, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(name))
    wb.save(filled)
    return filled


def judged_book(book: Path, out: Path, *rows: dict[str, Any], header: list[str] | None = None) -> Path:
    """A copy of ``book`` with ``rows`` written on its Judgements sheet (by header name)."""
    wb = openpyxl.load_workbook(book)
    ws = wb["Judgements"]
    if header is not None:
        for c, name in enumerate(header, start=1):
            ws.cell(row=1, column=c, value=name)
    cols = {str(c.value): c.column for c in ws[1] if c.value is not None}
    for r, row in enumerate(rows, start=2):
        for name, value in row.items():
            ws.cell(row=r, column=cols[name], value=value)
    wb.save(out)
    return out


def _options(wb: Any, ws: Any, column: str) -> list[Any]:
    """The values a column's drop-down offers."""
    letter = next(c.column_letter for c in ws[1] if c.value == column)
    dv = next(d for d in ws.data_validations.dataValidation if str(d.sqref).startswith(f"{letter}2:"))
    sheet, ref = dv.formula1.split("!")
    col = ref.split("$")[1]
    lists = wb[sheet]
    return [lists[f"{col}{r}"].value for r in range(2, lists.max_row + 1) if lists[f"{col}{r}"].value is not None]


def test_the_template_has_a_judgements_sheet_with_the_packs_targets_and_outcomes(template: Path) -> None:
    pack = load_pack(default_pack()).pack
    wb = openpyxl.load_workbook(template)
    ws = wb["Judgements"]
    assert [c.value for c in ws[1]] == ["target", "outcome", "rule_outcome", "reason", "by", "role", "date",
                                        "expires"]
    assert _options(wb, ws, "target") == [*(c.id for c in pack.criteria), *(p.id for p in pack.manifest.pillars),
                                          "overall"]
    assert _options(wb, ws, "outcome") == _options(wb, ws, "rule_outcome") == pack.outcomes
    assert "insufficient-evidence" in pack.outcomes


def _without_places(result: dict[str, Any]) -> dict[str, Any]:
    """A result without what names the files (their names and hashes differ by format)."""
    result = copy.deepcopy(result)
    result["meta"] = {k: v for k, v in result["meta"].items() if k != "inputs"}
    result["judgements"] = [{k: v for k, v in j.items() if k != "at"} for j in result["judgements"]]
    for c in result["criteria"]:
        if c.get("judgement"):
            c["judgement"] = {k: v for k, v in c["judgement"].items() if k != "at"}
    return result


def test_a_workbook_with_judgements_grades_exactly_as_the_set_with_judgements_yaml(
        derbyshire_book: Path, tmp_path: Path) -> None:
    folder = copy_set(tmp_path)
    write_judgements(folder, INT06_FAILS)
    book = judged_book(derbyshire_book, tmp_path / "judged.xlsx", INT06_ROW)
    from_yaml, from_book = grade_json(folder), grade_json(book)
    int06 = next(c for c in from_book["criteria"] if c["criterion"] == "INT-06")
    assert (int06["outcome"], int06["rule_outcome"]) == ("fails", "meets")
    assert from_book["judgements"][0]["at"].endswith("judged.xlsx:Judgements!A2")
    assert _without_places(from_book) == _without_places(from_yaml)
    assert grade_json(book) == from_book  # the same bytes every time


def test_a_workbook_without_judgements_grades_by_the_rules(derbyshire_book: Path) -> None:
    result = grade_json(derbyshire_book)
    assert result["judgements"] == []
    assert next(c for c in result["criteria"] if c["criterion"] == "INT-06")["outcome"] == "meets"


def test_mistakes_on_the_sheet_are_located_at_their_cell(derbyshire_book: Path, tmp_path: Path) -> None:
    book = judged_book(derbyshire_book, tmp_path / "bad.xlsx", {**INT06_ROW, "target": "INT-6"},
                       {**INT06_ROW, "target": "ENF-01", "date": "20 July 2008"})
    code, _, err = grader("grade", book)
    assert code == 65
    assert "bad.xlsx:Judgements!G3: JUDGE-002" in err and "YYYY-MM-DD" in err
    book = judged_book(derbyshire_book, tmp_path / "target.xlsx", {**INT06_ROW, "target": "INT-6"})
    code, _, err = grader("grade", book)
    assert code == 65
    assert "target.xlsx:Judgements!A2: JUDGE-010 no criterion or pillar 'INT-6'" in err
    assert "did you mean 'INT-06'" in err and "Traceback" not in err


def test_a_missing_field_and_an_unknown_column_are_located(derbyshire_book: Path, tmp_path: Path) -> None:
    row = {k: v for k, v in INT06_ROW.items() if k != "reason"}
    code, _, err = grader("grade", judged_book(derbyshire_book, tmp_path / "missing.xlsx", row))
    assert code == 65
    assert "missing.xlsx:Judgements!D2: JUDGE-002 missing required field 'reason'" in err
    header = ["target", "outcome", "rule outcome", "reasons", "by", "role", "date", "expires"]
    code, _, err = grader("grade", judged_book(derbyshire_book, tmp_path / "head.xlsx", header=header))
    assert code == 65
    assert "head.xlsx:Judgements!D1: XLSX-017 unknown column 'reasons'" in err and "did you mean 'reason'" in err
    assert "Judgements!C1" not in err  # 'rule outcome' is how a reader may write rule_outcome


def test_judgements_on_the_sheet_and_beside_the_workbook_are_refused(derbyshire_book: Path, tmp_path: Path) -> None:
    book = judged_book(derbyshire_book, tmp_path / "both.xlsx", INT06_ROW)
    write_judgements(tmp_path, INT06_FAILS, name="both.judgements.yaml")
    code, _, err = grader("grade", book)
    assert code == 65
    assert "both.judgements.yaml: JUDGE-003" in err
    # a workbook with an empty sheet still takes the file beside it
    plain = judged_book(derbyshire_book, tmp_path / "plain.xlsx")
    write_judgements(tmp_path, INT06_FAILS, name="plain.judgements.yaml")
    result = grade_json(plain)
    assert [j["state"] for j in result["judgements"]] == ["applied"]


# --- evidence check ---------------------------------------------------------------------------------


def test_evidence_check_warns_of_stale_and_expired_judgements(tmp_path: Path) -> None:
    folder = copy_set(tmp_path)
    expired = INT06_FAILS.replace("date: 2008-07-20", "date: 2007-07-20\n    expires: 2008-01-01")
    write_judgements(folder, expired, ENF01_STALE)
    code, out, err = grader("evidence", "check", folder)
    text = out + err
    assert code == 0, text
    path = folder / "judgements.yaml"
    assert f"{path}:11:14: JUDGE-021 the judgement on INT-06 expired on 2008-01-01" in text
    assert f"{path}:14:19: JUDGE-020 the judgement on ENF-01 is stale" in text


def test_evidence_check_locates_a_wrong_judgement_and_a_damaged_signoffs_file(tmp_path: Path) -> None:
    folder = copy_set(tmp_path)
    write_judgements(folder, INT06_FAILS.replace("target: INT-06", "target: INT-6"))
    code, out, err = grader("evidence", "check", folder)
    assert code == 1
    assert f"{folder / 'judgements.yaml'}:2:13: JUDGE-010 no criterion or pillar 'INT-6'" in out + err
    write_judgements(folder, INT06_FAILS)
    (folder / "signoffs.yaml").write_text("signoffs:\n  - by: [A. Inspector\n", encoding="utf-8")
    code, out, err = grader("evidence", "check", folder)
    assert code == 1
    assert f"{folder / 'signoffs.yaml'}:" in out + err and "restore it from version control" in out + err


def test_evidence_check_reads_the_judgements_sheet(derbyshire_book: Path, tmp_path: Path) -> None:
    stale = {**INT06_ROW, "target": "ENF-01", "outcome": "meets", "rule_outcome": "fails"}
    book = judged_book(derbyshire_book, tmp_path / "stale.xlsx", stale)
    code, out, err = grader("evidence", "check", book)
    assert code == 0, out + err
    assert "stale.xlsx:Judgements!C2: JUDGE-020 the judgement on ENF-01 is stale" in out + err
    book = judged_book(derbyshire_book, tmp_path / "wrong.xlsx", {**INT06_ROW, "outcome": "fail"})
    code, out, err = grader("evidence", "check", book)
    assert code == 1
    assert "wrong.xlsx:Judgements!B2: JUDGE-011 'fail' is not an outcome a criterion can have" in out + err
