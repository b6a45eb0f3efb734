"""CSV evidence: every kind of mistake points at the file, the line and the column."""

from __future__ import annotations

from pathlib import Path

import evkit
import pytest

from grader.errors import InputError
from grader.loading.evidence import load_evidence
from grader.models.evidence import EvidenceSet


@pytest.fixture
def csv_set(tmp_path: Path, curated: EvidenceSet, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four intelligence items and two indicators as items.csv, the manifest beside it."""
    monkeypatch.chdir(tmp_path)
    items = [i for i in curated.items if i.id.startswith("INT-01-")][:4]
    items += [i for i in curated.items if i.kind == "indicator"][:2]
    (tmp_path / "evidence-set.yaml").write_text(evkit.manifest_yaml(curated), encoding="utf-8")
    return evkit.write_csv(items, tmp_path / "items.csv")


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _set(path: Path, line: int, column: str, value: str) -> None:
    """Set the cell of ``column`` on file line ``line`` (the header is line 1)."""
    import csv

    header, rows = _rows(path)
    rows[line - 2][header.index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_evidence(path)
    return [p.line_text() for p in exc.value.problems]


def test_the_fixture_loads(csv_set: Path) -> None:
    assert len(load_evidence(csv_set).evidence.items) == 6


@pytest.mark.parametrize("line, column, value, expected", [
    (3, "verified", "yes", "items.csv:3: EVID-014 Input should be a valid boolean (found 'yes') [verified (column G)]"),
    (2, "kind", "good-practice", "items.csv:2: EVID-014 Input should be 'strength', "),
    (4, "marking", "PROTECT", "items.csv:4: EVID-014 Input should be 'OFFICIAL', 'OFFICIAL-SENSITIVE' or 'SECRET' "
                              "(found 'PROTECT') [marking (column H)]"),
    (2, "collected", "01/07/2008", "items.csv:2: EVID-014 Input should be a valid date (found '01/07/2008'): "
                                   "write dates as YYYY-MM-DD, e.g. 2008-07-01 [collected (column I)]"),
    (5, "item", "two", "items.csv:5: EVID-014 Input should be a valid integer (found 'two') [item (column M)]"),
    (3, "statement", "", "items.csv:3: EVID-014 missing required field 'statement' [statement (column F)]"),
    (3, "id", "INT-01-S1", "items.csv:3: EVID-004 duplicate evidence id 'INT-01-S1' (first at items.csv:2) "
                           "[id (column A)]"),
    (2, "pillar", "Intelligence", "items.csv:2: EVID-014 must be a lower-case id: lower-case letters and digits, "
                                 "words joined by single '-' (e.g. 'meets', 'major-crime') (found 'Intelligence'); "
                                 "did you mean 'intelligence'? [pillar (column B)]"),
    (6, "value 2", "lots", "items.csv:6: EVID-014 "),
    (7, "unit", "per-100k", "items.csv:7: EVID-014 Input should be 'per-1k-population', "),
])
def test_mistakes_point_at_line_and_column(csv_set: Path, line: int, column: str, value: str, expected: str) -> None:
    _set(csv_set, line, column, value)
    lines = _problems(csv_set)
    assert any(x.startswith(expected) for x in lines), lines


def test_wrong_fact_type_is_located_by_the_pack_check(csv_set: Path, pack_dir: Path) -> None:
    from grader.authoring.evidence_check import check_evidence

    header, _ = _rows(csv_set)
    col = header.index("fact:mcu_dedicated_analyst")
    _set(csv_set, 2, "fact:mcu_dedicated_analyst", "yes")
    lines = [p.line_text() for p in check_evidence(csv_set, pack_dir).errors]
    letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[col] if col < 26 else "A" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[col - 26]
    assert (f"items.csv:2: EVID-024 fact 'mcu_dedicated_analyst' must be true or false, not 'yes' "
            f"[fact:mcu_dedicated_analyst (column {letter})]") in lines


def test_header_mistakes_stop_before_the_rows(csv_set: Path) -> None:
    text = csv_set.read_text(encoding="utf-8").replace("other criteria", "other critera", 1)
    text = text.replace(",page,", ",fact:Bad Name,", 1)
    csv_set.write_text(text, encoding="utf-8")
    lines = _problems(csv_set)
    assert lines == [
        "items.csv:1: TABLE-001 unknown column 'other critera'; did you mean 'other criteria'? [other critera (column E)]",
        "items.csv:1: TABLE-002 fact column 'fact:Bad Name': the fact name must be snake_case, e.g. "
        "'fact:dedicated_analyst' [fact:Bad Name (column N)]",
    ]


def test_a_repeated_column_is_an_error(csv_set: Path) -> None:
    text = csv_set.read_text(encoding="utf-8").replace(",tags,", ",Kind,", 1)
    csv_set.write_text(text, encoding="utf-8")
    (line,) = _problems(csv_set)
    assert line == "items.csv:1: TABLE-003 column 'Kind' appears twice (first in column C) [Kind (column O)]"


def test_a_row_wider_than_the_header_and_broken_quoting(csv_set: Path) -> None:
    with open(csv_set, "a", encoding="utf-8") as fh:
        fh.write("X-1,intelligence,strength" + "," * 40 + "extra\n")
    assert any(x.startswith("items.csv:8: CSV-003 this row has") for x in _problems(csv_set))
    csv_set.write_text('id,statement\n"unterminated,x\n', encoding="utf-8")
    (line,) = _problems(csv_set)
    assert "CSV-001 not valid CSV" in line


def test_multi_line_cells_report_the_line_the_row_starts_on(csv_set: Path) -> None:
    _set(csv_set, 2, "statement", "first line\nsecond line")
    _set(csv_set, 3, "marking", "PROTECT")  # now starts on file line 4
    (line,) = _problems(csv_set)
    assert line.startswith("items.csv:4: EVID-014") and "PROTECT" in line


def test_not_utf8_and_empty_files(csv_set: Path) -> None:
    csv_set.write_bytes("id,statement\nX,caf\xe9\n".encode("latin-1"))
    (line,) = _problems(csv_set)
    assert line.startswith("items.csv:2:") and "LOAD-003 not UTF-8" in line
    csv_set.write_text("\n\n", encoding="utf-8")
    (line,) = _problems(csv_set)
    assert "CSV-002 the file is empty" in line


def test_text_facts_keep_a_leading_apostrophe_meaning(tmp_path: Path, csv_set: Path, curated: EvidenceSet) -> None:
    header, rows = _rows(csv_set)
    header.append("fact:topic")
    rows = [r + [""] for r in rows]
    rows[0][-1] = "'42"
    rows[1][-1] = "42"
    import csv

    with open(csv_set, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    items = load_evidence(csv_set).evidence.items
    assert items[0].facts["topic"] == "42" and items[1].facts["topic"] == 42


def test_an_indicator_row_without_a_label_column_points_at_its_indicator_cells(csv_set: Path) -> None:
    header, rows = _rows(csv_set)
    col = header.index("label")
    import csv

    with open(csv_set, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[h for i, h in enumerate(r) if i != col] for r in [header, *rows]])
    lines = _problems(csv_set)
    n = [h for h in header if h != "label"].index("measure")  # the nearest indicator cell: measure
    letter = ("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n // 26 - 1] if n >= 26 else "") + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 26]
    assert lines == [f"items.csv:{line}: EVID-014 missing required field 'label' (no column holds it) "
                     f"[measure (column {letter})]" for line in (6, 7)]
