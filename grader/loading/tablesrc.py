"""Evidence items written as table rows (CSV files and spreadsheet sheets): one row per item.

Inspectors collect evidence in spreadsheets, so a row must load into exactly the same
:class:`~grader.models.evidence.EvidenceItem` a YAML item does, and every mistake must point at
the cell that holds it: ``items.csv:7 [marking (column I)]`` for CSV,
``capture.xlsx:Intelligence!I7`` for a workbook. This module knows the columns, turns cells into
item fields, and maps pydantic's field paths back to cells; :mod:`grader.loading.csvsrc` and
:mod:`grader.loading.xlsxsrc` only read the files.

Columns (header names are matched without regard to case, spaces, ``_`` or ``-``):

``id``, ``pillar``, ``kind``, ``criterion``, ``other criteria``, ``statement``, ``verified``,
``marking``, ``collected``, ``document``, ``section``, ``list``, ``item``, ``page``, ``tags``,
``fact:NAME`` (one column per fact), and for indicator rows ``measure``, ``label``, ``unit``,
``period N`` / ``value N`` (N = 1, 2, ...), ``comparator``, ``comparator value``,
``published change``. A blank cell means "not given".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from grader.errors import Problem, Severity
from grader.loading.conditions import suggest
from grader.loading.validate import validation_problems
from grader.loading.yamlsrc import PathKey, YamlDocument, dotted

M = TypeVar("M", bound=BaseModel)

#: How a column's cells become field values.
#: text, list, bool, date, int, fact, value (an indicator figure), period
CellKind = str


@dataclass(frozen=True)
class Column:
    """One known column: its header, where its value goes in an item, and what it means."""

    name: str
    kind: CellKind
    help: str
    path: PathKey = ()


#: The columns of an item row, in the order a capture sheet shows them.
ITEM_COLUMNS: tuple[Column, ...] = (
    Column("id", "text", "Unique id of the item, e.g. INT-01-S1 (letters, digits, - . _).", ("id",)),
    Column("pillar", "text", "Pillar of the rule pack; blank = the pillar of this sheet.", ("pillar",)),
    Column("kind", "text", "strength, work-in-progress, area-for-improvement, indicator, document, "
                           "observation, interview, or a kind the rule pack adds.", ("kind",)),
    Column("criterion", "criterion", "The criterion this item falls under (blank: none)."),
    Column("other criteria", "criteria", "Further criteria it informs, separated by ';'."),
    Column("statement", "text", "What was found, in the inspector's own words.", ("statement",)),
    Column("verified", "bool", "TRUE once verified; only verified items count for a grade.", ("verified",)),
    Column("marking", "text", "OFFICIAL, OFFICIAL-SENSITIVE or SECRET.", ("marking",)),
    Column("collected", "date", "Date the evidence was collected (YYYY-MM-DD).", ("collected",)),
    Column("document", "text", "Key of the source document (see the Documents sheet).", ("source", "document")),
    Column("section", "text", "Section of the document, e.g. 'Intelligence, summary 1'.", ("source", "section")),
    Column("list", "text", "strengths, work-in-progress, areas-for-improvement, table or text.", ("source", "list")),
    Column("item", "int", "1-based bullet (or table row) number within that list.", ("source", "item")),
    Column("page", "int", "Page of the document (optional).", ("source", "page")),
    Column("tags", "list", "Topic labels separated by ';' (optional).", ("tags",)),
)
#: Extra columns of an indicator row (``period N`` / ``value N`` may repeat for N = 1, 2, ...).
INDICATOR_COLUMNS: tuple[Column, ...] = (
    Column("measure", "text", "snake_case key of the statistic, e.g. murders_per_10k.", ("indicator", "measure")),
    Column("label", "text", "The statistic as the source names it.", ("indicator", "label")),
    Column("unit", "text", "per-1k-population, per-10k-population, percent or count.", ("indicator", "unit")),
    Column("comparator", "text", "What the latest value is judged against, e.g. 'MSF group mean'.",
           ("indicator", "comparator", "label")),
    Column("comparator value", "value", "The comparator's figure (or 'not applicable').",
           ("indicator", "comparator", "value")),
    Column("published change", "text", "The change as printed in the source, e.g. '-14.08%'.",
           ("indicator", "published_change")),
)
FACT_PREFIX = "fact:"
_PERIOD = re.compile(r"^(period|value) ?([1-9][0-9]?)$")
#: Ids of other items an item cites, e.g. a cause of concern's recommendations. A capture sheet
#: shows it only for a pack whose kinds need it (``must_cite``); any sheet or CSV may carry it.
CITES_COLUMN = Column("cites", "list", "Ids of other items this one cites, separated by ';' (a cause of concern "
                                       "cites its recommendations).", ("cites",))
_KNOWN = {c.name: c for c in (*ITEM_COLUMNS, *INDICATOR_COLUMNS, CITES_COLUMN)}
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"^[-+]?\d+$")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_SPLIT = re.compile(r"[;,\s]+")
NOT_APPLICABLE = "not applicable"


def norm_header(text: str) -> str:
    """``Other_Criteria`` -> ``other criteria``: how headers are compared."""
    return re.sub(r"\s+", " ", re.sub(r"[_-]", " ", text.strip().lower()))


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA: how spreadsheet users name columns."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def sheet_ref(sheet: str) -> str:
    """A sheet name as a spreadsheet formula writes it (quoted when it holds spaces or punctuation)."""
    return sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet) else "'" + sheet.replace("'", "''") + "'"


# --- locations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell: a spreadsheet cell (``sheet`` set) or a CSV field (``sheet`` None, ``row`` = line)."""

    display: str
    sheet: str | None
    row: int
    col: int | None = None
    header: str | None = None

    def problem(self, code: str, message: str, severity: Severity = "error") -> Problem:
        """A problem at this cell: ``book.xlsx:Sheet!C7`` or ``items.csv:7 [header (column C)]``."""
        if self.sheet is not None:
            ref = f"{column_letter(self.col)}{self.row}" if self.col else f"{self.row}:{self.row}"
            return Problem(file=f"{self.display}:{sheet_ref(self.sheet)}!{ref}", code=code, message=message,
                           field=self.header, severity=severity)
        where = None
        if self.col:
            where = f"{self.header} (column {column_letter(self.col)})" if self.header else f"column {column_letter(self.col)}"
        return Problem(file=self.display, line=self.row, code=code, message=message, field=where, severity=severity)

    def text(self) -> str:
        """Where this cell is, for "first at ..." messages."""
        if self.sheet is not None:
            return f"{self.display}:{sheet_ref(self.sheet)}!{column_letter(self.col or 1)}{self.row}"
        return f"{self.display}:{self.row}"


@dataclass
class TableLocator:
    """Where each field of one record (an item row, or a workbook's manifest) was written.

    Quacks like :class:`~grader.loading.yamlsrc.YamlDocument` for
    :meth:`~grader.loading.evidence.LoadedEvidence.problem`: ``problem(path, code, message)``.
    """

    display: str
    row: Cell
    cells: dict[str, Cell] = field(default_factory=dict)

    def cell(self, path: PathKey | str) -> Cell:
        """The cell holding field ``path``, else the nearest cell that holds part of it, else the row."""
        name = path if isinstance(path, str) else dotted(path)
        while True:
            if name in self.cells:
                return self.cells[name]
            inner = sorted((self.cells[k].col or 0, k) for k in self.cells
                           if k.startswith(name + ".") or k.startswith(name + "["))
            if name and inner:
                return self.cells[inner[0][1]]
            if not name:
                return self.row
            name = _parent(name)

    def problem(self, path: PathKey, code: str, message: str, *, key: bool = False,
                severity: Severity = "error") -> Problem:
        return self.cell(path).problem(code, message, severity)

    def where(self, path: PathKey) -> str:
        return self.cell(path).text()


def _parent(name: str) -> str:
    cut = max(name.rfind("."), name.rfind("["))
    return name[:cut] if cut > 0 else ""


_NOWHERE = YamlDocument(path=Path(""), display="", data=None)


def validate_located(model: type[M], data: Any, locator: TableLocator, problems: list[Problem], code: str,
                     root_field: str | None = None, missing_hint: str = " (no column holds it)") -> M | None:
    """``model.model_validate(data)``; each failure is located at the cell of its field.

    ``root_field`` names the cell for whole-record errors (e.g. "an indicator item needs its
    figures" is shown at the ``kind`` cell); ``missing_hint`` is added to "missing required
    field" when no cell was meant for that field.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for p in validation_problems(exc, data, _NOWHERE, (), code, model):
            name = p.field or root_field or ""
            cell = locator.cell(name)
            message = p.message
            if p.field and p.field not in locator.cells and message.startswith("missing required field"):
                message += missing_hint
            problems.append(cell.problem(code, message))
        return None


# --- headers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """A table's header row understood: column number -> what the column holds."""

    columns: dict[int, tuple[str, Column]]  # col -> (header as written, column)

    def has(self, name: str) -> bool:
        return any(c.name == name for _, c in self.columns.values())


def read_header(cells: list[tuple[int, Any]], at: Callable[[int], Cell], problems: list[Problem],
                *, allow_kind: bool = True) -> Header:
    """Understand a header row; unknown and repeated headers are located errors ("did you mean")."""
    out: dict[int, tuple[str, Column]] = {}
    seen: dict[str, int] = {}
    known_names = sorted({*_KNOWN, "period 1", "value 1", "fact:NAME"})
    for col, raw in cells:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        written = str(raw).strip()
        key = norm_header(written)
        column: Column | None
        if key.startswith(FACT_PREFIX):
            name = written.split(":", 1)[1].strip()
            if not _SNAKE.match(name):
                problems.append(at(col).problem("TABLE-002", f"fact column {written!r}: the fact name must be "
                                                             "snake_case, e.g. 'fact:dedicated_analyst'"))
                continue
            column = Column(f"fact:{name}", "fact", "", ("facts", name))
            key = column.name
        elif (m := _PERIOD.match(key)) is not None:
            n = int(m.group(2))
            if m.group(1) == "period":
                column = Column(f"period {n}", "period", "", ("indicator", "values", n - 1, "period"))
            else:
                column = Column(f"value {n}", "figure", "", ("indicator", "values", n - 1, "value"))
            key = column.name
        else:
            column = _KNOWN.get(key)
            if column is None:
                problems.append(at(col).problem("TABLE-001", f"unknown column {written!r}{suggest(key, known_names)}"))
                continue
        if key in seen:
            problems.append(at(col).problem("TABLE-003", f"column {written!r} appears twice (first in column "
                                                         f"{column_letter(seen[key])})"))
            continue
        seen[key] = col
        out[col] = (written, column)
    if not any(c.name == "id" for _, c in out.values()):
        problems.append(at(1).problem("TABLE-004", "no 'id' column: the first row must name the columns "
                                                   "(id, pillar, kind, criterion, statement, ...)"))
    return Header(out)


# --- cells -> item fields --------------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value  # a bool or date where text belongs: pydantic reports it


def _bool(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0, 0) else value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


def _int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.match(value.strip()):
        return int(value.strip())
    return value


def fact_from_text(text: str) -> Any:
    """A fact typed as text (a CSV cell): ``true``/``false``, numbers and ISO dates are typed,
    anything else is text. A leading apostrophe keeps the rest as text (``'5`` is the text "5")."""
    s = text.strip()
    if s.startswith("'"):
        return s[1:]
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if _INT.match(s):
        return int(s)
    if _NUMBER.match(s):
        return float(s)
    return _date(s)


def _fact(value: Any) -> Any:
    if isinstance(value, str):
        return fact_from_text(value)
    if isinstance(value, dt.datetime):
        return _date(value)
    return value


def figure(value: Any) -> Any:
    """An indicator figure: a number (``72.73%`` and ``1,234`` are read as numbers) or 'not applicable'."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        s = value.strip()
        if s.lower() == NOT_APPLICABLE:
            return NOT_APPLICABLE
        num = s.rstrip("%").replace(",", "").strip()
        if _NUMBER.match(num):
            return float(num)
        return s
    return value


def _period(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [p for p in _SPLIT.split(value.strip()) if p]
    return [value]


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "text": _text, "bool": _bool, "date": _date, "int": _int, "fact": _fact, "value": figure, "figure": figure,
    "period": _period, "criterion": _text,
}


def _put(target: dict[str, Any], path: PathKey, value: Any) -> None:
    cur: Any = target
    for part in path[:-1]:
        cur = cur.setdefault(part, {})
    cur[path[-1]] = value


@dataclass
class RowDefaults:
    """Values for blank cells: the sheet's pillar, the workbook's default marking, and so on.

    Each default remembers the cell it was written in, so a wrong default is reported there.
    """

    values: dict[str, tuple[Any, Cell]] = field(default_factory=dict)  # column name -> (value, cell)


def row_to_item(header: Header, cells: dict[int, Any], locator: TableLocator, defaults: RowDefaults,
                problems: list[Problem], *, default_kind: str | None = None) -> dict[str, Any]:
    """Turn one row into item data (as YAML would give it), recording each field's cell in ``locator``."""
    data: dict[str, Any] = {}
    criteria: list[tuple[Any, Cell]] = []
    others: list[tuple[Any, Cell]] = []
    pairs: dict[int, dict[str, tuple[Any, Cell]]] = {}
    given: set[str] = set()
    for col, (written, column) in sorted(header.columns.items()):
        raw = cells.get(col)
        cell = Cell(locator.display, locator.row.sheet, locator.row.row, col, written)
        if _is_blank(raw):
            if column.path and column.kind not in ("period", "figure"):
                locator.cells.setdefault(dotted(column.path), cell)  # "missing field" points at the blank cell
            continue
        given.add(column.name)
        if column.kind == "criterion":
            criteria.append((_text(raw), cell))
        elif column.kind == "criteria":
            others.extend((v, cell) for v in _list(raw))
        elif column.kind == "list":
            _put(data, column.path, _list(raw))
            locator.cells[dotted(column.path)] = cell
        elif column.kind in ("period", "figure"):
            pair = pairs.setdefault(int(column.path[2]), {})
            pair["period" if column.kind == "period" else "value"] = (_CONVERT[column.kind](raw), cell)
        else:
            _put(data, column.path, _CONVERT[column.kind](raw))
            locator.cells[dotted(column.path)] = cell
    for name, (value, cell) in defaults.values.items():
        column = _KNOWN[name]
        if name in given or column.path == ():
            continue
        _put(data, column.path, _CONVERT[column.kind](value))
        locator.cells[dotted(column.path)] = cell
    if default_kind and "kind" not in data:
        data["kind"] = default_kind
    # criteria: the drop-down column first, then the others, each located at its own cell
    ids = [*criteria, *others]
    if ids:
        data["criteria"] = [v for v, _ in ids]
        for i, (_, cell) in enumerate(ids):
            locator.cells[f"criteria[{i}]"] = cell
        locator.cells["criteria"] = ids[0][1]
    for n in sorted(pairs):
        pair = pairs[n]
        if "period" not in pair:
            problems.append(pair["value"][1].problem("TABLE-005", f"'value {n + 1}' is given but 'period {n + 1}' is blank"))
            continue
        if "value" not in pair:
            problems.append(pair["period"][1].problem("TABLE-005", f"'period {n + 1}' is given but 'value {n + 1}' is blank"))
            continue
        values = data.setdefault("indicator", {}).setdefault("values", [])
        i = len(values)
        values.append({"period": pair["period"][0], "value": pair["value"][0]})
        locator.cells[f"indicator.values[{i}].period"] = pair["period"][1]
        locator.cells[f"indicator.values[{i}].value"] = pair["value"][1]
    return data


def blank_row(values: Iterable[Any]) -> bool:
    """True when every cell of a row is blank (such rows are skipped, not errors)."""
    return all(_is_blank(v) for v in values)
