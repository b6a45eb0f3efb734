"""Write evidence sets in every format, as an inspector (or a spreadsheet program) would.

Written with openpyxl, csv and PyYAML directly, never through grader's own writers, so a test
that writes a set here and loads it with grader checks the documented layout and the loaders
independently. Workbooks are filled by the column names of their header rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from grader.models.evidence import EvidenceItem, EvidenceSet

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "000_ee7c48a17ce9bcf1.txt"


def _header(ws: Any) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[1] if c.value is not None}


def _column(ws: Any, header: dict[str, int], name: str) -> int:
    if name not in header:
        col = max(header.values()) + 1
        ws.cell(row=1, column=col, value=name)
        header[name] = col
    return header[name]


def set_rows(wb: Any) -> dict[str, int]:
    """Set sheet: field name -> row."""
    ws = wb["Set"]
    return {str(ws.cell(row=r, column=1).value): r for r in range(1, ws.max_row + 1)
            if ws.cell(row=r, column=1).value is not None}


def fill_workbook(template: Path, evidence: EvidenceSet, out: Path) -> Path:
    """Write every item of ``evidence`` into a copy of the capture ``template``."""
    wb = openpyxl.load_workbook(template)
    rows = set_rows(wb)
    ws = wb["Set"]
    m = evidence.manifest
    for name, value in (("id", m.id), ("force", m.force), ("framework", m.framework), ("title", m.title),
                        ("inspected", m.inspected)):
        ws.cell(row=rows[name], column=2, value=value)
    r = ws.max_row + 1
    for name, value in m.force_context.items():
        ws.cell(row=r, column=1, value=f"context:{name}")
        ws.cell(row=r, column=2, value=value)
        r += 1
    sheet_of = {ws.cell(row=row, column=2).value: key.split(":", 1)[1]
                for key, row in rows.items() if key.startswith("sheet:") and key != "sheet:Indicators"}
    docs = wb["Documents"]
    head = _header(docs)
    for i, (key, doc) in enumerate(m.documents.items(), start=2):
        docs.cell(row=i, column=head["key"], value=key)
        for f in ("title", "publisher", "published", "reference"):
            if getattr(doc, f) is not None:
                docs.cell(row=i, column=head[f], value=getattr(doc, f))
    next_row: dict[str, int] = {}
    for item in evidence.items:
        sheet = "Indicators" if item.kind == "indicator" else sheet_of[item.pillar]
        ws = wb[sheet]
        head = _header(ws)
        row = next_row.get(sheet, 2)
        next_row[sheet] = row + 1

        def put(name: str, value: Any) -> None:
            if value is None or value == "" or value == []:
                return
            ws.cell(row=row, column=_column(ws, head, name), value=value)

        put("id", item.id)
        put("pillar", item.pillar)
        if item.kind != "indicator":
            put("kind", item.kind)
        put("criterion", item.criteria[0] if item.criteria else None)
        put("other criteria", "; ".join(item.criteria[1:]))
        put("statement", item.statement)
        put("verified", item.verified)
        put("marking", item.marking)
        put("collected", item.collected)
        put("document", item.source.document)
        put("section", item.source.section)
        put("list", item.source.list)
        put("item", item.source.item)
        put("page", item.source.page)
        put("tags", "; ".join(item.tags))
        for name, value in item.facts.items():
            put(f"fact:{name}", value)
        ind = item.indicator
        if ind is not None:
            put("measure", ind.measure)
            put("label", ind.label)
            put("unit", ind.unit)
            for n, pv in enumerate(ind.values, start=1):
                put(f"period {n}", pv.period)
                put(f"value {n}", pv.value)
            if ind.comparator is not None:
                put("comparator", ind.comparator.label)
                put("comparator value", ind.comparator.value)
            put("published change", ind.published_change)
    wb.save(out)
    return out


def result_json(evidence: Path, pack: Path) -> dict[str, Any]:
    """The graded result as JSON data, without ``meta.inputs`` (file names and hashes differ by format)."""
    from grader.grading.run import grade_paths
    from grader.render.json import render_json

    data = json.loads(render_json(grade_paths(evidence, pack)))
    data["meta"].pop("inputs")
    return data


def manifest_yaml(evidence: EvidenceSet) -> str:
    return yaml.safe_dump(evidence.manifest.model_dump(mode="python", exclude_none=True), sort_keys=False,
                          allow_unicode=True)


def item_data(item: EvidenceItem) -> dict[str, Any]:
    return item.model_dump(mode="python", exclude_none=True, by_alias=True)


def write_one_file(evidence: EvidenceSet, path: Path) -> Path:
    """The whole set in one YAML file: the manifest's fields, then ``items:``."""
    data = evidence.manifest.model_dump(mode="python", exclude_none=True)
    data["items"] = [item_data(i) for i in evidence.items]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def csv_rows(items: list[EvidenceItem]) -> tuple[list[str], list[list[str]]]:
    """The documented CSV columns for ``items`` and one row per item."""
    facts = sorted({f for i in items for f in i.facts})
    periods = max((len(i.indicator.values) for i in items if i.indicator), default=0)
    header = ["id", "pillar", "kind", "criterion", "other criteria", "statement", "verified", "marking",
              "collected", "document", "section", "list", "item", "page", "tags", *(f"fact:{f}" for f in facts)]
    if periods:
        header += ["measure", "label", "unit", *(f"{w} {n}" for n in range(1, periods + 1)
                                                  for w in ("period", "value")),
                   "comparator", "comparator value", "published change"]
    rows = []
    for i in items:
        cells = {"id": i.id, "pillar": i.pillar, "kind": i.kind,
                 "criterion": i.criteria[0] if i.criteria else "", "other criteria": "; ".join(i.criteria[1:]),
                 "statement": i.statement, "verified": i.verified, "marking": i.marking, "collected": i.collected,
                 "document": i.source.document, "section": i.source.section, "list": i.source.list or "",
                 "item": i.source.item or "", "page": i.source.page or "", "tags": "; ".join(i.tags)}
        for f, v in i.facts.items():
            # text that would read as another type is written with a leading apostrophe
            looks_typed = isinstance(v, str) and re.fullmatch(r"true|false|[-+]?[\d.]+(e[-+]?\d+)?|\d{4}-\d\d-\d\d",
                                                              v.lower()) is not None
            cells[f"fact:{f}"] = f"'{v}" if looks_typed else v
        if i.indicator is not None:
            ind = i.indicator
            cells.update({"measure": ind.measure, "label": ind.label, "unit": ind.unit,
                          "published change": ind.published_change or ""})
            for n, pv in enumerate(ind.values, start=1):
                cells[f"period {n}"], cells[f"value {n}"] = pv.period, pv.value
            if ind.comparator is not None:
                cells["comparator"], cells["comparator value"] = ind.comparator.label, ind.comparator.value
        rows.append([_cell_text(cells.get(h, "")) for h in header])
    return header, rows


def write_csv(items: list[EvidenceItem], path: Path, *, delimiter: str = ",") -> Path:
    header, rows = csv_rows(items)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path
