"""Read evidence items from a CSV file: a header row naming the columns, then one item per row.

The columns are those of :mod:`grader.loading.tablesrc`. Files are UTF-8 (a BOM, as Excel
writes, is fine); the delimiter is a comma, or a semicolon or tab when the header row uses one
(as European spreadsheet programs export). Problems are located by the line a record starts on,
and the column's header and letter.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from grader.errors import InputError, Problem
from grader.loading.tablesrc import Cell, RowDefaults, TableLocator, blank_row, read_header, row_to_item
from grader.loading.yamlsrc import read_text

#: Longest cell grader reads (a statement is at most 4,000 characters).
MAX_FIELD = 100_000


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def read_csv_items(path: Path, display: str,
                   problems: list[Problem]) -> tuple[list[tuple[dict[str, Any], TableLocator]], str]:
    """Every non-blank row of ``path`` as item data with its locator, and the file's SHA-256.

    Problems in rows are appended to ``problems`` (every row is still read); a file that cannot
    be read as CSV, or whose header row is wrong, raises :class:`InputError` at once, since its
    rows could only give misleading errors.
    """
    text, digest = read_text(path, display)
    if "\x00" in text:
        raise InputError([Problem(file=display, code="LOAD-003", message="file contains NUL bytes; not a text file")])
    head_problems: list[Problem] = []
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    old_limit = csv.field_size_limit(MAX_FIELD)
    rows: list[tuple[int, list[str]]] = []
    try:
        start = 1
        for record in reader:
            rows.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError([Problem(file=display, line=reader.line_num or 1, code="CSV-001",
                                  message=f"not valid CSV: {exc}")]) from None
    finally:
        csv.field_size_limit(old_limit)
    rows = [(line, rec) for line, rec in rows if not blank_row(rec)]
    if not rows:
        raise InputError([Problem(file=display, code="CSV-002", message="the file is empty: expected a header row "
                                                                         "(id, pillar, kind, criterion, statement, ...) "
                                                                         "and one row per item")])
    head_line, head = rows[0]
    header = read_header(list(enumerate(head, start=1)),
                         lambda col: Cell(display, None, head_line, col, head[col - 1].strip() if col <= len(head) else None),
                         head_problems)
    if head_problems:
        raise InputError(head_problems)
    out: list[tuple[dict[str, Any], TableLocator]] = []
    width = len(head)
    for line, record in rows[1:]:
        if len(record) > width and not blank_row(record[width:]):
            problems.append(Cell(display, None, line, width + 1).problem(
                "CSV-003", f"this row has {len(record)} fields but the header names {width} columns"))
            continue
        locator = TableLocator(display, Cell(display, None, line))
        data = row_to_item(header, dict(enumerate(record, start=1)), locator, RowDefaults(), problems)
        out.append((data, locator))
    return out, digest
