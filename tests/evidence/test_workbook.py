"""Capture workbooks: the template, filling it in, grading it, and every mistake located by
sheet, row and column."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import evkit
import openpyxl
import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, InputError
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack
from grader.models.evidence import EvidenceSet

runner = CliRunner()
PILLAR_SHEETS = ["Intelligence", "Prevention", "Enforcement", "performance-and-resilience"]


def test_template_has_a_sheet_per_pillar_drop_downs_indicators_and_instructions(template: Path,
                                                                                pack_dir: Path) -> None:
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == ["Instructions", "Set", "Documents", *PILLAR_SHEETS, "Indicators", "Judgements", "Lists"]
    assert wb["Lists"].sheet_state == "hidden"
    assert "grader grade FILE.xlsx" in " ".join(str(c.value) for c in wb["Instructions"]["A"])
    pack = load_pack(pack_dir).pack
    lists = wb["Lists"]

    def options(ws: Any, header: str) -> list[Any]:
        col = next(c.column_letter for c in ws[1] if c.value == header)
        (dv,) = [dv for dv in ws.data_validations.dataValidation if f"{col}2:{col}2000" in str(dv.sqref)]
        assert dv.type == "list" and dv.showErrorMessage
        rng = dv.formula1.split("!", 1)[1].replace("$", "")
        return [c.value for row in lists[rng] for c in row]

    ws = wb["Intelligence"]
    assert options(ws, "pillar") == [p.id for p in pack.manifest.pillars]
    assert options(ws, "kind") == ["strength", "work-in-progress", "area-for-improvement", "document",
                                   "observation", "interview"]
    assert options(ws, "marking") == ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"]
    assert options(ws, "verified") == [True, False]
    crit = options(ws, "criterion")
    assert crit[:10] == [f"INT-{n:02d}" for n in range(1, 11)] and len(crit) == 22
    assert options(wb["Prevention"], "criterion")[:7] == [f"PRE-{n:02d}" for n in range(1, 8)]
    assert options(wb["Indicators"], "unit") == ["per-1k-population", "per-10k-population", "percent", "count"]
    # a column per fact the pillar's rules test, its meaning on the header
    heads = {c.value: c for c in ws[1]}
    assert "fact:mcu_dedicated_analyst" in heads and "fact:beyond_standard" in heads
    assert "dedicated to it" in heads["fact:mcu_dedicated_analyst"].comment.text
    assert options(ws, "fact:mcu_dedicated_analyst") == [True, False]


def test_template_bytes_are_reproducible(template: Path, tmp_path: Path, pack_dir: Path) -> None:
    again = tmp_path / "again.xlsx"
    res = runner.invoke(app, ["evidence", "template", "--xlsx", str(again), "--rules", str(pack_dir)])
    assert res.exit_code == 0
    assert again.read_bytes() == template.read_bytes()
    with zipfile.ZipFile(again) as zf:
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())


def test_template_never_overwrites_without_force(tmp_path: Path) -> None:
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"an inspector's own work")
    res = runner.invoke(app, ["evidence", "template", "--xlsx", str(path)])
    assert res.exit_code == EXIT_INPUT_ERROR and "OUT-001" in res.output
    assert path.read_bytes() == b"an inspector's own work"
    res = runner.invoke(app, ["evidence", "template", "--xlsx", str(path), "--force"])
    assert res.exit_code == 0 and zipfile.is_zipfile(path)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.xlsx"], "no temporary file left behind"


def test_filled_template_grades_exactly_as_the_yaml_set(template: Path, tmp_path: Path, curated: EvidenceSet,
                                                        curated_json: dict, pack_dir: Path) -> None:
    """Acceptance: the workbook from `evidence template`, filled with every Derbyshire item."""
    filled = evkit.fill_workbook(template, curated, tmp_path / "derbyshire.xlsx")
    # The result lists items in the order they were read. The YAML folder is read file by file
    # in name order (enforcement, indicators, intelligence, ...), a workbook sheet by sheet:
    # put the sheets in that order so that the two results can be compared byte for byte.
    wb = openpyxl.load_workbook(filled)
    for name in ["Enforcement", "Indicators", "Intelligence", "performance-and-resilience", "Prevention"]:
        wb.move_sheet(name, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(name))
    wb.save(filled)
    loaded = load_evidence(filled)
    assert loaded.evidence == curated
    assert [f.path for f in loaded.files] == ["derbyshire.xlsx"]
    assert evkit.result_json(filled, pack_dir) == curated_json
    res = runner.invoke(app, ["grade", str(filled), "--rules", str(pack_dir)])
    assert res.exit_code == 0, res.output
    assert "Meets the standard" in res.output


def test_items_read_in_sheet_order_grade_the_same(template: Path, tmp_path: Path, curated: EvidenceSet,
                                                  curated_json: dict, pack_dir: Path) -> None:
    """Left in the template's sheet order, only the order of the result's item list differs."""
    filled = evkit.fill_workbook(template, curated, tmp_path / "derbyshire.xlsx")
    mine = evkit.result_json(filled, pack_dir)
    assert sorted(mine.pop("evidence"), key=lambda i: i["id"]) == sorted(dict(curated_json)["evidence"],
                                                                          key=lambda i: i["id"])
    assert mine == {k: v for k, v in curated_json.items() if k != "evidence"}


# --- mistakes, each located at its cell ----------------------------------------------------------


@pytest.fixture
def small(template: Path, tmp_path: Path, curated: EvidenceSet, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The template filled with three intelligence items and one indicator (in the working folder,
    so that problems name it as a user would see it: capture.xlsx)."""
    monkeypatch.chdir(tmp_path)
    items = [i for i in curated.items if i.id in ("INT-01-S1", "INT-01-S2", "INT-01-W1")]
    items += [i for i in curated.items if i.kind == "indicator"][:1]
    small_set = EvidenceSet(manifest=curated.manifest, items=items)
    return evkit.fill_workbook(template, small_set, tmp_path / "capture.xlsx")


def _edit(path: Path, sheet: str, cell: str, value: Any) -> None:
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_evidence(path)
    return [p.line_text() for p in exc.value.problems]


def test_small_workbook_loads(small: Path) -> None:
    assert [i.id for i in load_evidence(small).evidence.items] == ["INT-01-S1", "INT-01-S2", "INT-01-W1",
                                                                    "IND-LIFE-THREATENING-GUN-CRIME-RATE"]


@pytest.mark.parametrize("cell, value, expected", [
    ("G3", "yes", "capture.xlsx:Intelligence!G3: EVID-014 Input should be a valid boolean (found 'yes') [verified]"),
    ("C2", "strenght", "capture.xlsx:Intelligence!C2: EVID-014 Input should be 'strength', "),
    ("H4", "RESTRICTED", "capture.xlsx:Intelligence!H4: EVID-014 Input should be 'OFFICIAL', 'OFFICIAL-SENSITIVE' "
                         "or 'SECRET' (found 'RESTRICTED') [marking]"),
    ("I2", "July 2008", "capture.xlsx:Intelligence!I2: EVID-014 Input should be a valid date (found 'July 2008'): "
                        "write dates as YYYY-MM-DD, e.g. 2008-07-01 [collected]"),
    ("M3", "first", "capture.xlsx:Intelligence!M3: EVID-014 Input should be a valid integer (found 'first') [item]"),
    ("F2", None, "capture.xlsx:Intelligence!F2: EVID-014 missing required field 'statement' [statement]"),
    ("A3", "INT-01-S1", "capture.xlsx:Intelligence!A3: EVID-004 duplicate evidence id 'INT-01-S1' (first at "
                        "capture.xlsx:Intelligence!A2)"),
    ("J2", "hmic-report", "capture.xlsx:Intelligence!J2: EVID-005 unknown document 'hmic-report'"),
])
def test_item_mistakes_point_at_sheet_row_and_column(small: Path, cell: str, value: Any, expected: str) -> None:
    _edit(small, "Intelligence", cell, value)
    lines = _problems(small)
    assert any(line.startswith(expected) for line in lines), lines


def test_indicator_mistakes_point_at_their_cells(small: Path) -> None:
    wb = openpyxl.load_workbook(small)
    ws = wb["Indicators"]
    col = {c.value: c.column_letter for c in ws[1]}
    ws[f"{col['value 2']}2"] = "about 0.3"
    ws[f"{col['unit']}2"] = "per-100k-population"
    ws[f"{col['period 3']}2"] = "2008"
    wb.save(small)
    lines = _problems(small)
    assert f"capture.xlsx:Indicators!{col['value 2']}2: EVID-014" in "\n".join(lines)
    assert any(line.startswith(f"capture.xlsx:Indicators!{col['unit']}2: EVID-014") and "per-100k" in line
               for line in lines)
    assert any(line.startswith(f"capture.xlsx:Indicators!{col['period 3']}2: TABLE-005 'period 3' is given but "
                               "'value 3' is blank") for line in lines)


def test_unknown_column_header_with_did_you_mean(small: Path) -> None:
    _edit(small, "Intelligence", "F1", "statment")
    (line,) = _problems(small)
    assert line == "capture.xlsx:Intelligence!F1: TABLE-001 unknown column 'statment'; did you mean 'statement'? [statment]"


def test_wrong_default_on_the_set_sheet_is_reported_once_at_its_cell(small: Path) -> None:
    wb = openpyxl.load_workbook(small)
    rows = evkit.set_rows(wb)
    wb["Set"].cell(row=rows["default marking"], column=2, value="PROTECT")
    for ws in [wb["Intelligence"]]:
        col = next(c.column for c in ws[1] if c.value == "marking")
        for r in range(2, 5):
            ws.cell(row=r, column=col).value = None  # these rows now take the default
    wb.save(small)
    lines = _problems(small)
    r = rows["default marking"]
    assert [line for line in lines if "PROTECT" in line] == [
        f"capture.xlsx:Set!B{r}: EVID-014 Input should be 'OFFICIAL', 'OFFICIAL-SENSITIVE' or 'SECRET' "
        f"(found 'PROTECT') [default marking]"]


def test_defaults_and_sheet_pillars_fill_blank_cells(small: Path) -> None:
    wb = openpyxl.load_workbook(small)
    rows = evkit.set_rows(wb)
    wb["Set"].cell(row=rows["default verified"], column=2, value=False)
    ws = wb["Intelligence"]
    cols = {c.value: c.column for c in ws[1]}
    ws.cell(row=2, column=cols["verified"]).value = None
    ws.cell(row=2, column=cols["pillar"]).value = None
    wb.save(small)
    item = load_evidence(small).evidence.by_id()["INT-01-S1"]
    assert item.verified is False and item.pillar == "intelligence"


def test_manifest_mistakes_point_at_the_set_sheet(small: Path) -> None:
    wb = openpyxl.load_workbook(small)
    rows = evkit.set_rows(wb)
    wb["Set"].cell(row=rows["id"], column=2, value="Derbyshire 2008")
    wb["Set"].cell(row=rows["inspected"], column=2).value = None
    wb["Set"].cell(row=50, column=1, value="forse")
    wb.save(small)
    lines = _problems(small)
    assert any(line.startswith(f"capture.xlsx:Set!B{rows['id']}: EVID-002 must be a lower-case id: ")
               and "(found 'Derbyshire 2008'); did you mean 'derbyshire-2008'?" in line for line in lines), lines
    assert any(line.startswith("capture.xlsx:Set!1:1: EVID-002 missing required field 'inspected'") for line in lines)
    assert any(line.startswith("capture.xlsx:Set!A50: XLSX-011 unknown field 'forse'; did you mean 'force'?")
               for line in lines)


def test_a_formula_without_a_saved_result_is_an_error_not_a_blank(small: Path) -> None:
    _edit(small, "Intelligence", "F3", '=CONCATENATE("a", "b")')  # openpyxl saves no result
    (line,) = _problems(small)
    assert line.startswith("capture.xlsx:Intelligence!F3: XLSX-003 formula '=CONCATENATE(\"a\", \"b\")' has no saved result")


def test_dates_typed_as_text_or_as_dates_both_load(small: Path) -> None:
    _edit(small, "Intelligence", "I2", "2008-07-01")
    _edit(small, "Intelligence", "I3", dt.datetime(2008, 7, 1))
    items = load_evidence(small).evidence.by_id()
    assert items["INT-01-S1"].collected == items["INT-01-S2"].collected == dt.date(2008, 7, 1)


def test_not_a_workbook_and_missing_set_sheet(tmp_path: Path, small: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("id,kind\n", encoding="utf-8")
    (line,) = _problems(bad)
    assert "XLSX-001 not an .xlsx workbook" in line
    wb = openpyxl.load_workbook(small)
    del wb["Set"]
    wb.save(small)
    assert any("XLSX-010 no 'Set' sheet" in line for line in _problems(small))


def test_unknown_criterion_is_located_at_its_cell_with_did_you_mean(small: Path, pack_dir: Path) -> None:
    from grader.authoring.evidence_check import check_evidence

    _edit(small, "Intelligence", "D3", "INT01")
    lines = [p.line_text() for p in check_evidence(small, pack_dir).errors]
    assert "capture.xlsx:Intelligence!D3: EVID-022 the pack has no criterion 'INT01'; did you mean 'INT-01'? " \
           "[criterion]" in lines
    res = runner.invoke(app, ["grade", str(small)])
    assert res.exit_code == EXIT_INPUT_ERROR and "capture.xlsx:Intelligence!D3: EVID-022" in res.output


# --- hostile workbooks ---------------------------------------------------------------------------


def test_a_workbook_that_unpacks_too_large_is_refused(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.loading.xlsxsrc as xlsxsrc

    monkeypatch.setattr(xlsxsrc, "MAX_UNPACKED_BYTES", 10_000)  # the real limit is 200 MB
    (line,) = _problems(small)
    assert line.startswith("capture.xlsx: XLSX-002 workbook unpacks to more than 10,000 bytes")


def test_xml_entities_in_a_workbook_are_refused_not_expanded(small: Path) -> None:
    """A "billion laughs" sheet: defusedxml (installed with grader) refuses its DTD."""
    with zipfile.ZipFile(small) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        body = parts[name]
        parts[name] = bomb + (body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body)
    with zipfile.ZipFile(small, "w") as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    (line,) = _problems(small)
    assert line.startswith("capture.xlsx: XLSX-001 cannot read the workbook:") and "Forbidden" in line, line
