"""Read an evidence set from a capture workbook (``.xlsx``), as ``grader evidence template`` writes it.

Layout (sheet names are matched without regard to case):

- **Set**: two columns, ``field`` and ``value``: ``id``, ``force``, ``framework``, ``title``,
  ``inspected``; ``default document`` / ``default marking`` / ``default verified`` /
  ``default collected`` (used where an item's cell is blank); ``context:NAME`` rows for the
  force's context facts; ``sheet:SHEET`` rows giving the pillar of an item sheet's rows.
- **Documents**: ``key``, ``title``, ``publisher``, ``published``, ``reference``.
- **Indicators**: indicator rows (``kind`` may be left out).
- **Judgements**: the inspectors' judgements on the set, one a row (the columns of
  :data:`JUDGEMENT_COLUMNS`), read by :func:`read_judgement_rows` as ``judgements.yaml`` would be
  (see :mod:`grader.loading.judgements`); the evidence read skips it but counts its cells.
- **Instructions** and **Lists** (the drop-down values) are not read.
- Every other sheet holds item rows: the columns of :mod:`grader.loading.tablesrc`.

The workbook is read with openpyxl (which parses its XML through defusedxml) after checking
that it is a zip of sane size, so a hostile file cannot exhaust memory. A cell holding a formula
is read by its saved result; a formula that was never calculated is an error, never a blank.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import InputError, Problem
from grader.loading.conditions import suggest
from grader.loading.tablesrc import (
    Cell,
    RowDefaults,
    TableLocator,
    _date,
    _fact,
    _text,
    blank_row,
    norm_header,
    read_header,
    row_to_item,
)
from grader.loading.files import read_bytes

#: Largest total of a workbook's unpacked parts (a 20 MB zip of repeated XML can unpack to GBs).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 10_000
#: Most a part may unpack beyond its stored size (a spreadsheet's sheet XML packs about 2-40
#: times; 325 KB of stored empty rows unpacking to 190 MB is 600 times) ...
MAX_RATIO = 100
#: ... once it unpacks to more than this (tiny parts compress any way they like).
RATIO_FLOOR_BYTES = 1024 * 1024
#: Most rows a sheet may write after its header row, blank ones included: a sheet at the cap
#: grades in about 20 s and 0.4 GB (docs/performance.md). A capture workbook holds hundreds of
#: items; more than this belong in CSV files, which read ten times faster.
MAX_ROWS = 20_000
#: Most cells all sheets of a workbook may write, blank formatted ones included: 20,000 rows of
#: 25 columns. openpyxl parses about 20,000 cells a second, so this bounds a read to ~30 s.
MAX_CELLS = 500_000

SET_SHEET = "Set"
DOCUMENTS_SHEET = "Documents"
INDICATORS_SHEET = "Indicators"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
JUDGEMENTS_SHEET = "Judgements"
#: Sheets that hold no item rows.
NOT_ITEMS = {n.lower() for n in (SET_SHEET, DOCUMENTS_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET, JUDGEMENTS_SHEET)}
#: The Judgements sheet's columns: the fields of a judgement (grader.models.judgement.Judgement).
JUDGEMENT_COLUMNS = ("target", "outcome", "rule_outcome", "reason", "by", "role", "date", "expires")
_JUDGEMENT_DATES = ("date", "expires")

MANIFEST_FIELDS = ("id", "force", "framework", "title", "inspected")
DEFAULT_FIELDS = ("document", "marking", "verified", "collected")
DOCUMENT_COLUMNS = ("key", "title", "publisher", "published", "reference")
CONTEXT_PREFIX = "context:"
_ERROR_VALUES = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"}
SHEET_PREFIX = "sheet:"


@dataclass
class Workbook:
    """What a workbook holds, before validation: manifest data and item rows, each with its cells."""

    manifest: dict[str, Any]
    manifest_cells: TableLocator
    items: list[tuple[dict[str, Any], TableLocator]] = field(default_factory=list)
    sha256: str = ""


def _check_zip(path: Path, display: str, raw: bytes) -> None:
    """Refuse a zip that would unpack out of proportion before openpyxl reads a byte of it.

    The sizes checked are those the zip declares; Python's zipfile never unpacks a part past its
    declared size (and checks its CRC), so a part cannot lie its way past these caps.
    """
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise InputError([Problem(file=display, code="XLSX-001",
                                  message="not an .xlsx workbook (not a zip file); save it as 'Excel Workbook (.xlsx)'")])
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            raise InputError([Problem(file=display, code="XLSX-002",
                                      message=f"workbook unpacks to more than {MAX_UNPACKED_BYTES:,} bytes "
                                              f"or {MAX_MEMBERS:,} parts; grader refuses it")])
        for info in infos:
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise InputError([Problem(
                    file=display, code="XLSX-002",
                    message=f"part {info.filename!r} unpacks {info.file_size // max(info.compress_size, 1):,} times "
                            f"larger than it is stored (grader reads at most {MAX_RATIO} times): a sheet of "
                            "millions of empty or repeated rows. Delete the empty rows below your data "
                            "(select them, Delete) and save again")])


def _sheet_rows(ws: Any, data_only: bool) -> Iterator[tuple[int, dict[int, Any]]]:
    """The rows a sheet's XML holds, each as ``{column: value}`` of the cells written in it.

    Never what the file *claims*: openpyxl's own ``iter_rows`` pads every row to the
    ``<dimension>`` the sheet declares and yields each missing row, so a 35 KB file claiming
    A1:XFD1048576 costs 17 billion empty cells. Here a missing row costs nothing and a row costs
    only the cells it holds. (openpyxl's read-only worksheets parse with this same parser.)
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    wb = ws.parent
    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=data_only, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for r, cells in parser.parse():
            yield r, {cell["column"]: cell["value"] for cell in cells}


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_CHUNK = 1024 * 1024


def _written(ws: Any) -> tuple[int, int]:
    """How many rows and cells a sheet's XML writes, blank ones included: counted at C speed on
    the unpacked bytes, before a single row is parsed."""
    rows = cells = 0
    carry = b""
    with ws._get_source() as src:
        while True:
            data = src.read(_CHUNK)
            chunk = carry + data
            # count up to the last "<": a tag never holds one, so no tag is cut in two; a chunk
            # with none (a long text) holds no tag and is dropped, so the carry never grows
            end = chunk.rfind(b"<") if data else len(chunk)
            if end < 0:
                carry = b""
                continue
            rows += len(_ROW_TAG.findall(chunk, 0, end))
            cells += len(_CELL_TAG.findall(chunk, 0, end))
            if not data:
                return rows, cells
            carry = chunk[end:]


@dataclass
class _Budget:
    """Cells written in the sheets read so far (see MAX_CELLS)."""

    cells: int = 0


def _count(ws: Any, display: str, sheet: str, problems: list[Problem], budget: _Budget) -> bool:
    """Count a sheet's written rows and cells against the caps (see :func:`_rows`); False, with a
    located problem, when the sheet is too large to parse."""
    rows, cells_written = _written(ws)
    where = Cell(display, sheet, 1)
    if rows > MAX_ROWS + 1:
        problems.append(where.problem(
            "XLSX-020", f"the sheet writes {rows:,} rows (blank rows a spreadsheet saved count too); grader reads "
                        f"at most {MAX_ROWS + 1:,}: a header and {MAX_ROWS:,} items. Delete the empty rows below "
                        "your data, or split the items over several sheets or workbooks"))
        return False
    budget.cells += cells_written
    if budget.cells > MAX_CELLS:
        problems.append(where.problem(
            "XLSX-021", f"with this sheet the workbook writes {budget.cells:,} cells (blank formatted cells count "
                        f"too); grader reads at most {MAX_CELLS:,}. Delete the empty rows and columns beside "
                        "your data, or split it into several workbooks"))
        return False
    return True


def _rows(ws: Any, display: str, sheet: str, problems: list[Problem],
          budget: _Budget) -> list[tuple[int, dict[int, Any]]]:
    """Non-blank rows of a sheet: (row number, {column: value}); formulas read by saved result.

    A sheet writing more than MAX_ROWS rows after its header, or taking the workbook past
    MAX_CELLS cells, is one located problem and is not parsed at all: rows and cells are counted
    on its XML first, so a million blank rows cost a scan of bytes, not a million parsed rows.
    """
    if not _count(ws, display, sheet, problems, budget):
        return []
    written = list(_sheet_rows(ws, False))  # formulas as written ("=SUM(A1:A3)"), other cells by value
    if any(isinstance(v, str) and v.startswith("=") for _, row in written for v in row.values()):
        saved = list(_sheet_rows(ws, True))  # a second parse, only for a sheet with formulas
    else:
        saved = written
    out: list[tuple[int, dict[int, Any]]] = []
    for (r, values), (_, formulas) in zip(saved, written, strict=True):
        cells: dict[int, Any] = {}
        for c, value in values.items():
            f = formulas.get(c)
            if value is None and isinstance(f, str) and f.startswith("="):
                problems.append(Cell(display, sheet, r, c).problem(
                    "XLSX-003", f"formula {f!r} has no saved result (the file was not saved by a spreadsheet "
                                "program); open and save it, or type the value"))
                continue
            if isinstance(value, str) and value in _ERROR_VALUES:
                problems.append(Cell(display, sheet, r, c).problem("XLSX-004", f"the cell shows the error {value}"))
                continue
            cells[c] = value
        if not blank_row(cells.values()):
            out.append((r, cells))
    return out


def _open(path: Path, display: str) -> tuple[Any, str]:
    """The workbook at ``path``, opened read-only (sheets are parsed only when read), and its SHA-256."""
    raw, digest = read_bytes(path, display)
    _check_zip(path, display, raw)
    import openpyxl  # imported here: only workbook users pay for it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not keep
            return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True), digest
    except Exception as exc:  # openpyxl raises many types for a damaged file; none is the user's bug
        root: BaseException = exc
        while root.__cause__ is not None or root.__context__ is not None:  # name what really went wrong
            root = root.__cause__ or root.__context__  # type: ignore[assignment]
        raise InputError([Problem(file=display, code="XLSX-001",
                                  message=f"cannot read the workbook: {type(root).__name__}: {root}")]) from None


def read_judgement_rows(path: Path, display: str) -> tuple[list[tuple[dict[str, Any], TableLocator]], list[Problem]]:
    """The Judgements sheet of the workbook at ``path``: each row as judgement data (as
    ``judgements.yaml`` would give it) with the cells it came from, and the problems found.

    Only that sheet is parsed (a set's judgements are read apart from its evidence, like
    ``judgements.yaml``), under the same row and cell caps as every sheet. A workbook without the
    sheet has no judgements.
    """
    values_wb, _ = _open(path, display)
    problems: list[Problem] = []
    out: list[tuple[dict[str, Any], TableLocator]] = []
    try:
        sheets = {name.lower(): name for name in values_wb.sheetnames}
        name = sheets.get(JUDGEMENTS_SHEET.lower())
        rows = _rows(values_wb[name], display, name, problems, _Budget()) if name is not None else []
        if not rows:
            return out, problems
        head_row, head = rows[0]
        cols: dict[int, str] = {}
        for c, raw in sorted(head.items()):
            column = norm_header(str(raw)).replace(" ", "_")
            if column not in JUDGEMENT_COLUMNS:
                problems.append(Cell(display, name, head_row, c).problem(
                    "XLSX-017", f"unknown column {raw!r}{suggest(column, list(JUDGEMENT_COLUMNS))}; the "
                                f"Judgements sheet's columns are: {', '.join(JUDGEMENT_COLUMNS)}"))
            elif column in cols.values():
                problems.append(Cell(display, name, head_row, c).problem("XLSX-017", f"column {raw!r} appears twice"))
            else:
                cols[c] = column
        if problems:
            return out, problems
        for r, cells in rows[1:]:
            locator = TableLocator(display, Cell(display, name, r))
            data: dict[str, Any] = {}
            for c, column in cols.items():
                locator.cells[column] = Cell(display, name, r, c, column)  # "missing field" points at the blank cell
                value = cells.get(c)
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                data[column] = _date(value) if column in _JUDGEMENT_DATES else _text(value)
            out.append((data, locator))
    finally:
        values_wb.close()
    return out, problems


def read_workbook(path: Path, display: str) -> tuple[Workbook, list[Problem]]:
    """Read ``path``; return what it holds and the problems found (raises only if it is unreadable)."""
    values_wb, digest = _open(path, display)
    problems: list[Problem] = []
    try:
        sheets = {name.lower(): name for name in values_wb.sheetnames}
        book = Workbook(manifest={}, manifest_cells=TableLocator(display, Cell(display, SET_SHEET, 1)),
                        sha256=digest)

        budget = _Budget()

        def rows_of(name: str) -> list[tuple[int, dict[int, Any]]]:
            return _rows(values_wb[name], display, name, problems, budget)

        if SET_SHEET.lower() not in sheets:
            problems.append(Problem(file=display, code="XLSX-010",
                                    message=f"no '{SET_SHEET}' sheet: a capture workbook names its evidence set "
                                            f"(id, force, framework, title, inspected) on a sheet called {SET_SHEET}; "
                                            "`grader evidence template --xlsx FILE` writes one"))
            return book, problems
        set_name = sheets[SET_SHEET.lower()]
        book.manifest_cells = TableLocator(display, Cell(display, set_name, 1))
        defaults, sheet_pillars = _read_set(rows_of(set_name), display, set_name, book, problems)
        if DOCUMENTS_SHEET.lower() in sheets:
            doc_name = sheets[DOCUMENTS_SHEET.lower()]
            _read_documents(rows_of(doc_name), display, doc_name, book, problems)
        if JUDGEMENTS_SHEET.lower() in sheets:  # read by read_judgement_rows; its cells count here too
            _count(values_wb[sheets[JUDGEMENTS_SHEET.lower()]], display, sheets[JUDGEMENTS_SHEET.lower()],
                   problems, budget)
        for name in values_wb.sheetnames:
            if name.lower() in NOT_ITEMS:
                continue
            rows = rows_of(name)
            if not rows:
                continue
            head_row, head = rows[0]
            head_problems: list[Problem] = []
            header = read_header(sorted(head.items()),
                                 lambda col: Cell(display, name, head_row, col, _text(head.get(col))), head_problems)
            if head_problems:
                problems.extend(head_problems)
                continue
            sheet_defaults = RowDefaults(dict(defaults.values))
            if name.lower() in sheet_pillars:
                sheet_defaults.values["pillar"] = sheet_pillars[name.lower()]
            kind = "indicator" if name.lower() == INDICATORS_SHEET.lower() else None
            for r, cells in rows[1:]:
                locator = TableLocator(display, Cell(display, name, r))
                data = row_to_item(header, cells, locator, sheet_defaults, problems, default_kind=kind)
                book.items.append((data, locator))
        unknown = sorted(set(sheet_pillars) - set(sheets))
        for sheet in unknown:
            _, cell = sheet_pillars[sheet]
            problems.append(cell.problem("XLSX-013", f"there is no sheet called {sheet!r}"
                                                     f"{suggest(sheet, list(sheets))}"))
    finally:
        values_wb.close()
    return book, problems


def _read_set(rows: list[tuple[int, dict[int, Any]]], display: str, sheet: str, book: Workbook,
              problems: list[Problem]) -> tuple[RowDefaults, dict[str, tuple[str, Cell]]]:
    defaults = RowDefaults()
    sheet_pillars: dict[str, tuple[str, Cell]] = {}
    seen: dict[str, Cell] = {}
    known = [*MANIFEST_FIELDS, *(f"default {d}" for d in DEFAULT_FIELDS), "context:NAME", "sheet:NAME"]
    loc = book.manifest_cells
    for r, cells in rows:
        key_raw, value = cells.get(1), cells.get(2)  # further columns are notes
        if key_raw is None and (value is None or (isinstance(value, str) and not value.strip())):
            continue
        if key_raw is None:
            problems.append(Cell(display, sheet, r, 1, "field").problem("XLSX-011", "a value without a field name"))
            continue
        key_text = str(key_raw).strip()
        key = norm_header(key_text)
        if key in ("field",) and r == rows[0][0]:
            continue  # the header row
        key_cell = Cell(display, sheet, r, 1, "field")
        value_cell = Cell(display, sheet, r, 2, key_text)
        if key in seen:
            problems.append(key_cell.problem("XLSX-012", f"field {key_text!r} is given twice (first at {seen[key].text()})"))
            continue
        seen[key] = key_cell
        blank = value is None or (isinstance(value, str) and not value.strip())
        known_key = key in MANIFEST_FIELDS or key.startswith((CONTEXT_PREFIX, SHEET_PREFIX)) or \
            (key.startswith("default ") and key[8:] in DEFAULT_FIELDS)
        if not known_key:
            problems.append(key_cell.problem("XLSX-011", f"unknown field {key_text!r}{suggest(key, known)}"))
            continue
        if blank:
            continue  # a blank value is "not given"; required fields are reported by validation
        if key in MANIFEST_FIELDS:
            book.manifest[key] = _date(value) if key == "inspected" else _text(value)
            loc.cells[key] = value_cell
        elif key.startswith("default ") and key[8:] in DEFAULT_FIELDS:
            defaults.values[key[8:]] = (value, value_cell)
        elif key.startswith(CONTEXT_PREFIX):
            name = key_text.split(":", 1)[1].strip()
            book.manifest.setdefault("force_context", {})[name] = _fact(value)
            loc.cells[f"force_context.{name}"] = value_cell
        elif key.startswith(SHEET_PREFIX):
            sheet_name = key_text.split(":", 1)[1].strip()
            sheet_pillars[sheet_name.lower()] = (_text(value), value_cell)
    return defaults, sheet_pillars


def _read_documents(rows: list[tuple[int, dict[int, Any]]], display: str, sheet: str, book: Workbook,
                    problems: list[Problem]) -> None:
    if not rows:
        return
    head_row, head = rows[0]
    cols: dict[int, str] = {}
    for c, raw in sorted(head.items()):
        name = norm_header(str(raw))
        if name not in DOCUMENT_COLUMNS:
            problems.append(Cell(display, sheet, head_row, c).problem(
                "XLSX-014", f"unknown column {raw!r}{suggest(name, list(DOCUMENT_COLUMNS))}"))
            continue
        cols[c] = name
    key_col = next((c for c, n in cols.items() if n == "key"), None)
    if key_col is None:
        problems.append(Cell(display, sheet, head_row, 1).problem("XLSX-014", "the Documents sheet needs a 'key' column"))
        return
    documents = book.manifest.setdefault("documents", {})
    loc = book.manifest_cells
    for r, cells in rows[1:]:
        key = _text(cells.get(key_col))
        key_cell = Cell(display, sheet, r, key_col, "key")
        if key is None:
            problems.append(key_cell.problem("XLSX-015", "a document needs a key (items cite it in their 'document' cell)"))
            continue
        if key in documents:
            problems.append(key_cell.problem("XLSX-016", f"document key {key!r} is given twice"))
            continue
        doc: dict[str, Any] = {}
        loc.cells[f"documents.{key}"] = key_cell
        for c, name in cols.items():
            if name == "key" or cells.get(c) is None:
                continue
            value = cells[c]
            doc[name] = _date(value) if name == "published" else _text(value)
            loc.cells[f"documents.{key}.{name}"] = Cell(display, sheet, r, c, name)
        documents[key] = doc
