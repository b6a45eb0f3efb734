"""``grader evidence template --xlsx FILE``: a capture workbook an inspector fills in the field.

Inspectors collect evidence in spreadsheets. A workbook made from the rule pack lets them type
into the right columns with drop-downs for the values the pack allows (pillar, kind, criterion,
marking, verified, source list, indicator unit), a column per fact the pillar's rules test
(with its meaning on the header) and a Judgements sheet for the inspectors' judgements (targets
and outcomes from the pack); it loads with ``grader grade FILE.xlsx`` through
:mod:`grader.loading.xlsxsrc` exactly as a YAML set does.

The file is built with openpyxl and then made byte-for-byte reproducible (fixed timestamps in
the zip and the document properties): the same pack always gives the same workbook.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from grader.outputs import write_atomic
from grader.importers.report import indicator_pillar
from grader.loading.factuse import facts_by_criterion, pack_level_facts
from grader.loading.pack import load_pack
from grader.loading.tablesrc import CITES_COLUMN, INDICATOR_COLUMNS, ITEM_COLUMNS, Column, column_letter
from grader.loading.xlsxsrc import (
    DEFAULT_FIELDS,
    DOCUMENT_COLUMNS,
    DOCUMENTS_SHEET,
    INDICATORS_SHEET,
    INSTRUCTIONS_SHEET,
    JUDGEMENT_COLUMNS,
    JUDGEMENTS_SHEET,
    LISTS_SHEET,
    MANIFEST_FIELDS,
    NOT_ITEMS,
    SET_SHEET,
)
from grader.models.evidence import MARKINGS, EvidenceKind
from grader.models.pack import RulePack

#: Rows that carry drop-downs (a capture sheet rarely holds more than a few hundred items).
ROWS = 2000
#: A fixed timestamp for the zip entries and document properties: reproducible bytes.
_FIXED = dt.datetime(2000, 1, 1)
_KINDS: tuple[EvidenceKind, ...] = ("strength", "work-in-progress", "area-for-improvement", "document",
                                    "observation", "interview")
_SOURCE_LISTS = ("strengths", "work-in-progress", "areas-for-improvement", "table", "text")
_UNITS = ("per-1k-population", "per-10k-population", "percent", "count")
_WIDTHS = {"id": 16, "pillar": 18, "kind": 22, "criterion": 12, "other criteria": 16, "statement": 70,
           "verified": 10, "marking": 20, "collected": 12, "document": 26, "section": 28, "list": 22, "item": 7,
           "page": 7, "tags": 20, "measure": 30, "label": 40, "unit": 20, "comparator": 18,
           "comparator value": 12, "published change": 12, "target": 16, "outcome": 22, "rule_outcome": 22,
           "reason": 70, "by": 20, "role": 22, "date": 12, "expires": 12}
#: The Judgements sheet's header comments (docs/judgement.md says more).
_JUDGEMENT_HELP = {
    "target": "A criterion id (INT-06), a pillar id, or overall.",
    "outcome": "The outcome the inspectors decided.",
    "rule_outcome": "What the rules gave when you decided (grader explain shows it); if the rules give "
                    "something else later, the judgement is stale and not applied.",
    "reason": "Why, in plain words; name the evidence ids it rests on (e.g. INT-06-S1).",
    "by": "Who made the judgement.",
    "role": "Their role, e.g. Lead inspector.",
    "date": "When the judgement was made (YYYY-MM-DD).",
    "expires": "Optional: not applied to an inspection after this date (YYYY-MM-DD).",
}
_MANIFEST_HELP = {
    "id": "Short id of this evidence set: a-z, 0-9 and '-', e.g. derbyshire-2008.",
    "force": "The force inspected, e.g. Derbyshire Constabulary.",
    "framework": "The rule pack this evidence is collected for.",
    "title": "A title for the set, e.g. HMIC Major Crime inspection, July 2008.",
    "inspected": "Date of the inspection (YYYY-MM-DD).",
    "default document": "Document key used where an item's 'document' cell is blank.",
    "default marking": "Protective marking used where an item's 'marking' cell is blank.",
    "default verified": "TRUE or FALSE, used where an item's 'verified' cell is blank.",
    "default collected": "Date used where an item's 'collected' cell is blank (YYYY-MM-DD).",
}


def sheet_names(pack: RulePack) -> dict[str, str]:
    """Pillar id -> its sheet's name: the pillar's title if a sheet may carry it, else its id."""
    out: dict[str, str] = {}
    taken = {n.lower() for n in NOT_ITEMS} | {INDICATORS_SHEET.lower()}
    for p in pack.manifest.pillars:
        name = p.title if len(p.title) <= 31 and not re.search(r"[\[\]:*?/\\']", p.title) else p.id[:31]
        if name.lower() in taken:
            name = p.id[:31]
        taken.add(name.lower())
        out[p.id] = name
    return out


def pillar_facts(pack: RulePack) -> dict[str, list[str]]:
    """Pillar id -> facts its criteria's rules test, then the pack-level ones, first use first."""
    by_crit = facts_by_criterion(pack)
    shared = pack_level_facts(pack)
    out: dict[str, list[str]] = {p.id: [] for p in pack.manifest.pillars}
    for c in pack.criteria:
        for f in by_crit[c.id]:
            if f not in out[c.pillar]:
                out[c.pillar].append(f)
    for facts in out.values():
        facts.extend(f for f in shared if f not in facts)
    return out


def capture_workbook(pack: RulePack) -> bytes:
    """The capture workbook for ``pack``, as reproducible .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.properties.creator = "grader"
    wb.properties.created = _FIXED
    wb.properties.modified = _FIXED
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    names = sheet_names(pack)
    by_crit = facts_by_criterion(pack)

    # Lists: the values drop-downs offer (hidden; not read back)
    lists = wb.create_sheet(LISTS_SHEET)
    list_cols: dict[str, str] = {}

    def add_list(title: str, values: list[Any]) -> str:
        col = column_letter(len(list_cols) + 1)
        lists[f"{col}1"] = title
        for i, v in enumerate(values, start=2):
            lists[f"{col}{i}"] = v
        ref = f"{LISTS_SHEET}!${col}$2:${col}${len(values) + 1}"  # OOXML formulas carry no "="
        list_cols[title] = ref
        return ref

    pillars_ref = add_list("pillars", [p.id for p in pack.manifest.pillars])
    kinds_ref = add_list("kinds", [*_KINDS, *(k.id for k in pack.manifest.kinds)])
    markings_ref = add_list("markings", list(MARKINGS))
    bools_ref = add_list("verified", [True, False])
    source_lists_ref = add_list("lists", list(_SOURCE_LISTS))
    units_ref = add_list("units", list(_UNITS))
    criteria_refs: dict[str, str] = {}
    for p in pack.manifest.pillars:
        own = [c.id for c in pack.criteria if c.pillar == p.id]
        criteria_refs[p.id] = add_list(f"criteria {p.id}", own + [c.id for c in pack.criteria if c.id not in own])
    all_criteria_ref = add_list("criteria", [c.id for c in pack.criteria])
    targets_ref = add_list("targets", [*(c.id for c in pack.criteria), *(p.id for p in pack.manifest.pillars),
                                       "overall"])
    outcomes_ref = add_list("outcomes", list(pack.outcomes))
    lists.sheet_state = "hidden"
    refs = {"pillar": pillars_ref, "kind": kinds_ref, "marking": markings_ref, "verified": bools_ref,
            "list": source_lists_ref}

    def validation(ws: Any, ref: str, col: int, prompt: str) -> None:
        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True)
        dv.error = f"Choose a value from the list ({prompt})."
        dv.errorTitle = "Not in the list"
        ws.add_data_validation(dv)
        dv.add(f"{column_letter(col)}2:{column_letter(col)}{ROWS}")

    def table(ws: Any, columns: list[tuple[str, str]], widths: dict[str, int]) -> dict[str, int]:
        at: dict[str, int] = {}
        for i, (name, help_text) in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=i, value=name)
            cell.font, cell.fill = bold, fill
            if help_text:
                cell.comment = Comment(help_text, "grader", width=300, height=120)
            ws.column_dimensions[column_letter(i)].width = widths.get(name, 14)
            at[name] = i
        ws.freeze_panes = "B2"
        return at

    # Instructions
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 110
    for r, line in enumerate(_instructions(pack, names), start=1):
        ws.cell(row=r, column=1, value=line).alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=14)

    # Set
    ws = wb.create_sheet(SET_SHEET)
    table(ws, [("field", ""), ("value", ""), ("what it means", "")], {"field": 28, "value": 40, "what it means": 80})
    rows: list[tuple[str, Any, str]] = [(f, pack.manifest.name if f == "framework" else None, _MANIFEST_HELP[f])
                                        for f in MANIFEST_FIELDS]
    rows += [(f"default {d}", None, _MANIFEST_HELP[f"default {d}"]) for d in DEFAULT_FIELDS]
    rows += [(f"sheet:{names[p.id]}", p.id, f"Pillar of rows on sheet {names[p.id]} whose pillar cell is blank.")
             for p in pack.manifest.pillars]
    rows.append((f"sheet:{INDICATORS_SHEET}", indicator_pillar(pack),
                 "Pillar of indicator rows whose pillar cell is blank."))
    for r, (f, v, h) in enumerate(rows, start=2):
        ws.cell(row=r, column=1, value=f).font = bold
        ws.cell(row=r, column=2, value=v)
        ws.cell(row=r, column=3, value=h)
        if f == "default marking":
            _one_cell_validation(ws, DataValidation, markings_ref, f"B{r}")
        elif f == "default verified":
            _one_cell_validation(ws, DataValidation, bools_ref, f"B{r}")
        elif f.startswith("sheet:"):
            _one_cell_validation(ws, DataValidation, pillars_ref, f"B{r}")
    ws.cell(row=len(rows) + 2, column=3,
            value="Add rows 'context:NAME' below (e.g. context:population) for facts about the force.")

    # Documents
    ws = wb.create_sheet(DOCUMENTS_SHEET)
    table(ws, [(c, "") for c in DOCUMENT_COLUMNS], {"key": 34, "title": 60, "publisher": 40, "published": 12,
                                                     "reference": 26})

    # one sheet per pillar
    facts_of = pillar_facts(pack)
    for p in pack.manifest.pillars:
        ws = wb.create_sheet(names[p.id])
        cols = [(c.name, c.help) for c in ITEM_COLUMNS]
        if any(k.must_cite for k in pack.manifest.kinds):
            cols.append((CITES_COLUMN.name, CITES_COLUMN.help))
        tested = {f: [c.id for c in pack.criteria if f in by_crit[c.id]] for f in facts_of[p.id]}
        for f in facts_of[p.id]:
            spec = pack.facts[f]
            where = f"Tested by {', '.join(tested[f])}." if tested[f] else "Tested by the pack's uplifts and concerns."
            cols.append((f"fact:{f}", f"{spec.type}: {spec.description} {where}"))
        at = table(ws, cols, _WIDTHS)
        _item_validations(validation, ws, at, {**refs, "criterion": criteria_refs[p.id]})
        for f in facts_of[p.id]:
            if pack.facts[f].type == "bool":
                validation(ws, bools_ref, at[f"fact:{f}"], "TRUE or FALSE")
        ws.column_dimensions[column_letter(at["statement"])].width = _WIDTHS["statement"]

    # Indicators
    ws = wb.create_sheet(INDICATORS_SHEET)
    item_cols = {c.name: c for c in ITEM_COLUMNS}
    ind: list[Column] = [item_cols[n] for n in ("id", "pillar", "criterion", "other criteria", "statement")]
    ind += [c for c in INDICATOR_COLUMNS if c.name in ("measure", "label", "unit")]
    pairs = [(f"{w} {n}", "Period, e.g. 2007." if w == "period" else "The figure for that period, or 'not applicable'.")
             for n in (1, 2, 3) for w in ("period", "value")]
    tail = [c for c in INDICATOR_COLUMNS if c.name in ("comparator", "comparator value", "published change")]
    tail += [item_cols[n] for n in ("verified", "marking", "collected", "document", "section", "list", "item",
                                    "page", "tags")]
    at = table(ws, [*((c.name, c.help) for c in ind), *pairs, *((c.name, c.help) for c in tail)], _WIDTHS)
    _item_validations(validation, ws, at, {**refs, "criterion": all_criteria_ref})
    validation(ws, units_ref, at["unit"], "a unit")

    # Judgements: the inspectors' decisions to differ from the rules (read like judgements.yaml)
    ws = wb.create_sheet(JUDGEMENTS_SHEET)
    at = table(ws, [(c, _JUDGEMENT_HELP[c]) for c in JUDGEMENT_COLUMNS], _WIDTHS)
    validation(ws, targets_ref, at["target"], "a criterion, a pillar or overall")
    for name in ("outcome", "rule_outcome"):
        validation(ws, outcomes_ref, at[name], "an outcome of the pack")

    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return _reproducible(buf.getvalue())


def _one_cell_validation(ws: Any, dv_class: Any, ref: str, cell: str) -> None:
    dv = dv_class(type="list", formula1=ref, allow_blank=True, showErrorMessage=True)
    ws.add_data_validation(dv)
    dv.add(cell)


def _item_validations(validation: Any, ws: Any, at: dict[str, int], refs: dict[str, str]) -> None:
    """Drop-downs on an item sheet's pillar, kind, criterion, marking, verified and list columns."""
    for name, what in (("pillar", "a pillar of the pack"), ("kind", "a kind of evidence"),
                       ("criterion", "a criterion of the pack"), ("marking", "a marking"),
                       ("verified", "TRUE or FALSE"), ("list", "a list of the source")):
        if name in at:
            validation(ws, refs[name], at[name], what)


def _instructions(pack: RulePack, names: dict[str, str]) -> list[str]:
    pillar_sheets = ", ".join(names[p.id] for p in pack.manifest.pillars)
    return [
        f"Evidence capture: {pack.manifest.title}",
        f"Rule pack {pack.manifest.name} {pack.manifest.version}. Grade this workbook with "
        f"`grader grade FILE.xlsx --rules PACK`; check it first with `grader evidence check FILE.xlsx --rules PACK`.",
        "",
        "1. Set: fill in id, force, title and inspected; the defaults save typing the same marking, date, "
        "document or verified value on every row.",
        "2. Documents: one row per document items cite (key, title, publisher, published, reference).",
        f"3. {pillar_sheets}: one row per piece of evidence. Hover over a column's header for its meaning. "
        "Drop-downs offer the values the pack allows; the criterion list starts with the pillar's own criteria.",
        "   A blank cell means 'not given'. Put further criteria in 'other criteria', separated by ';'.",
        "   Facts: the 'fact:NAME' columns are the facts the pillar's rules test. Type TRUE/FALSE, a number, "
        "a date or text; leave blank when the item does not show it. Add a column 'fact:NAME' for any other "
        "fact of the pack's catalogue.",
        "4. Indicators: one row per statistic, with up to three periods (add 'period 4' / 'value 4' columns for "
        "more). Percentages may be typed as 72.73 or 72.73%; write 'not applicable' where the source does.",
        "5. Only verified items count for a grade. Never change the header row's names.",
        "6. Judgements (optional): where the inspectors decide differently from the rules, one row per "
        "decision: target, outcome, what the rules gave (rule_outcome), reason, by, role, date, and an optional "
        "expiry. They are applied and signed off like a set's judgements.yaml.",
        "",
        "Problems are reported by sheet, row and column, e.g. FILE.xlsx:Intelligence!C7.",
    ]


def _reproducible(data: bytes) -> bytes:
    """Rewrite the zip with fixed entry times and fixed document-property dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = _FIXED.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<2>", text)
                body = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, body)
    return out.getvalue()


def write_capture_template(pack_dir: Path, out: Path, *, force: bool = False) -> None:
    """Write the capture workbook for the pack at ``pack_dir`` to ``out`` (never over a file without ``force``)."""
    pack = load_pack(Path(pack_dir)).pack
    write_atomic(Path(out), capture_workbook(pack), force=force, example="capture.xlsx")
