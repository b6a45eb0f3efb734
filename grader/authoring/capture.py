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


# --- ``grader evidence template --csv FOLDER``: the same capture as CSV files ---------------------

#: The first line of a CSV template's manifest: how ``--force`` knows the folder is one it wrote.
CSV_MARK = "# Written by `grader evidence template --csv` for the rule pack "
CSV_README = "README.md"
INDICATORS_FILE = "indicators.csv"
#: Where a column means something else in a CSV file than on a workbook sheet.
_CSV_HELP = {
    "pillar": "Pillar of the rule pack, e.g. the file's own (a CSV file has no sheet to default it from).",
    "kind": "strength, work-in-progress, area-for-improvement, indicator (in indicators.csv), document, "
            "observation, interview, or a kind the rule pack adds.",
    "document": "Key of the source document, as named under `documents` in evidence-set.yaml.",
}
#: The document key the manifest declares and the example rows cite.
_EXAMPLE_DOCUMENT = "report"


def _csv_line(values: list[str]) -> str:
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def _item_header(pack: RulePack, facts: list[str]) -> list[str]:
    heads = [c.name for c in ITEM_COLUMNS]
    if any(k.must_cite for k in pack.manifest.kinds):
        heads.append(CITES_COLUMN.name)
    return heads + [f"fact:{f}" for f in facts]


def _indicator_header() -> list[str]:
    item_cols = [c.name for c in ITEM_COLUMNS]
    head = [n for n in item_cols if n in ("id", "pillar", "kind", "criterion", "other criteria", "statement")]
    head += [c.name for c in INDICATOR_COLUMNS if c.name in ("measure", "label", "unit")]
    head += [f"{w} {n}" for n in (1, 2, 3) for w in ("period", "value")]
    head += [c.name for c in INDICATOR_COLUMNS if c.name in ("comparator", "comparator value", "published change")]
    return head + [n for n in item_cols if n in ("verified", "marking", "collected", "document", "section", "list",
                                                  "item", "page", "tags")]


def csv_example_rows(pack: RulePack) -> dict[str, dict[str, str]]:
    """File name -> an example row (header -> cell) that loads as written: a verified strength of
    the pillar's first criterion, or an indicator. The README shows them; the CSV files start
    empty, so no example can be graded as evidence by mistake."""
    out: dict[str, dict[str, str]] = {}
    common = {"verified": "TRUE", "marking": "OFFICIAL", "collected": "2008-07-01", "document": _EXAMPLE_DOCUMENT}
    for p in pack.manifest.pillars:
        first = next((c.id for c in pack.criteria if c.pillar == p.id), "")
        out[f"{p.id}.csv"] = {"id": f"{first or p.id.upper()}-S1", "pillar": p.id, "kind": "strength",
                              "criterion": first,
                              "statement": f"What was found about {first or p.title}, in the inspector's own words.",
                              **common, "section": f"{p.title}, summary 1", "list": "strengths", "item": "1"}
    ind = indicator_pillar(pack)
    out[INDICATORS_FILE] = {"id": "IND-1", "pillar": ind, "kind": "indicator",
                            "statement": "Homicides per 10,000 population.", "measure": "homicides_per_10k",
                            "label": "Homicides per 10,000 population", "unit": "per-10k-population",
                            "period 1": "2007", "value 1": "0.12", "period 2": "2008", "value 2": "0.10",
                            "comparator": "MSF group mean", "comparator value": "0.11", **common,
                            "section": "Contextual factors", "list": "table", "item": "1"}
    return out


def csv_template_files(pack: RulePack) -> dict[str, str]:
    """Relative path -> text of the CSV capture folder for ``pack``: ``evidence-set.yaml``,
    ``items/<pillar>.csv`` (header row only) per pillar, ``items/indicators.csv`` and README.md.

    The same pack always gives the same bytes. Its manifest says TODO where the inspector must
    write (the force, a title, the date, the document's title): ``grader evidence check FOLDER``
    names each of them until it is written, as it names the empty rows of a capture workbook's
    Set sheet; nothing is graded as the force "TODO"."""
    name = pack.manifest.name
    facts_of = pillar_facts(pack)
    files: dict[str, str] = {}
    files["evidence-set.yaml"] = (
        f"{CSV_MARK}{name}.\n"
        "# Replace each TODO; then add one row per item to items/*.csv (README.md says how) and check:\n"
        f"#   grader evidence check FOLDER --rules PACK\n"
        "id: new-evidence-set                # a-z, 0-9 and '-', e.g. derbyshire-2008\n"
        "force: TODO the force inspected\n"
        f"framework: {name}\n"
        "title: TODO a title for the set, e.g. HMIC Major Crime inspection, July 2008\n"
        "inspected: TODO the date of the inspection, YYYY-MM-DD\n"
        "documents:                          # every document an item's 'document' cell names, by key\n"
        f"  {_EXAMPLE_DOCUMENT}:\n"
        "    title: TODO the title of the document the items come from\n"
        "force_context: {}                   # facts about the force (not graded), e.g. population: 987000\n")
    for p in pack.manifest.pillars:
        files[f"items/{p.id}.csv"] = _csv_line(_item_header(pack, facts_of[p.id]))
    files[f"items/{INDICATORS_FILE}"] = _csv_line(_indicator_header())
    files[CSV_README] = _csv_readme(pack, facts_of)
    return files


def _csv_readme(pack: RulePack, facts_of: dict[str, list[str]]) -> str:
    by_crit = facts_by_criterion(pack)
    examples = csv_example_rows(pack)
    lines = [
        f"# Evidence capture: {pack.manifest.title}",
        "",
        f"Written by `grader evidence template --csv` for the rule pack {pack.manifest.name} "
        f"{pack.manifest.version}. This folder is an evidence set: `evidence-set.yaml` (the manifest) and "
        "`items/*.csv`, one file per pillar and one for statistics. Fill it in, then check and grade it:",
        "",
        "```sh",
        "grader evidence check FOLDER --rules PACK",
        "grader grade FOLDER --rules PACK",
        "```",
        "",
        "1. `evidence-set.yaml`: replace each TODO (the force, a title, the date of the inspection) and name "
        "under `documents` every document the items cite.",
        "2. `items/*.csv`: one row per piece of evidence under the header row. Never change the header's "
        "names; a blank cell means 'not given'. Save as CSV UTF-8 (a comma, semicolon or tab between cells "
        "is fine). Every row needs id, pillar, kind, statement, verified, marking, collected, document and "
        "section. Only verified rows (`verified` TRUE) count for a grade.",
        "3. Facts: the `fact:NAME` columns are the facts the pillar's rules test (below). Type TRUE or FALSE, "
        "a number, a date (YYYY-MM-DD) or text; leave blank when the item does not show it. Add a column "
        "`fact:NAME` for any other fact of the pack's catalogue.",
        "4. `items/indicators.csv`: one row per statistic, with up to three periods (add `period 4` and "
        "`value 4` columns for more).",
        "5. Judgements, where the inspectors decide differently from the rules, go in `judgements.yaml` "
        "in this folder (docs/judgement.md).",
        "",
        "Problems are reported by file, line and column, e.g. "
        f"`items/{pack.manifest.pillars[0].id}.csv:7: EVID-014 ... [verified (column G)]`.",
        "",
        "## Columns",
        "",
        "| column | what it holds |",
        "|---|---|",
        *(f"| `{c.name}` | {_CSV_HELP.get(c.name, c.help)} |" for c in ITEM_COLUMNS),
        *(f"| `{c.name}` | {c.help} |" for c in INDICATOR_COLUMNS),
        "| `period N`, `value N` | a statistic's period (e.g. 2007) and its figure, or 'not applicable' |",
    ]
    if any(k.must_cite for k in pack.manifest.kinds):
        lines.append(f"| `{CITES_COLUMN.name}` | {CITES_COLUMN.help} |")
    for p in pack.manifest.pillars:
        file = f"{p.id}.csv"
        lines += ["", f"## `items/{file}`: {p.title}", ""]
        if facts_of[p.id]:
            lines += ["| fact column | type | what it means | tested by |", "|---|---|---|---|"]
            for f in facts_of[p.id]:
                spec = pack.facts[f]
                tested = ", ".join(c.id for c in pack.criteria if f in by_crit[c.id]) or "pack-wide rules"
                lines.append(f"| `fact:{f}` | {spec.type} | {spec.description} | {tested} |")
            lines.append("")
        lines += _example_block(file, _item_header(pack, facts_of[p.id]), examples[file])
    lines += ["", f"## `items/{INDICATORS_FILE}`: statistics", ""]
    lines += _example_block(INDICATORS_FILE, _indicator_header(), examples[INDICATORS_FILE])
    return "\n".join(lines) + "\n"


def _example_block(file: str, header: list[str], row: dict[str, str]) -> list[str]:
    return ["An example row, as it would follow the header row (it cites the document key "
            f"`{_EXAMPLE_DOCUMENT}` of the manifest):", "", "```csv",
            _csv_line(header).rstrip("\n"), _csv_line([row.get(h, "") for h in header]).rstrip("\n"), "```"]


def made_by_csv_template(folder: Path) -> str | None:
    """``None`` if ``folder`` is a template ``--csv`` wrote and nobody has filled in yet (so
    ``--force`` may replace it, e.g. after the pack changed), else why not: its manifest starts
    with :data:`CSV_MARK` and still says TODO for the force, it holds nothing but the manifest,
    README.md and ``items/*.csv``, and no CSV file has a row under its header. Evidence typed in,
    or any file of the inspector's, is never deleted, even with ``--force``."""
    try:
        with open(folder / "evidence-set.yaml", "rb") as fh:
            manifest = fh.read(4096)
    except OSError:
        return "it has no evidence-set.yaml written by evidence template --csv"
    if not manifest.startswith(CSV_MARK.encode()):
        return "its evidence-set.yaml was not written by evidence template --csv"
    if b"\nforce: TODO " not in manifest:
        return "its evidence-set.yaml has been filled in"
    for entry in sorted(folder.rglob("*")):
        rel = entry.relative_to(folder).as_posix()
        expected = (rel in ("evidence-set.yaml", CSV_README) and entry.is_file()) or \
            (rel == "items" and entry.is_dir()) or \
            (rel.startswith("items/") and rel.count("/") == 1 and rel.endswith(".csv") and entry.is_file())
        if entry.is_symlink() or not expected:
            return f"it holds {rel}, which evidence template --csv does not write"
        if rel.endswith(".csv"):
            with open(entry, "rb") as fh:
                rows = [line for line in fh.read(1 << 20).splitlines()[1:] if line.strip(b" ,;\t\r")]
            if rows:
                return f"{rel} holds evidence ({len(rows)} row{'s' if len(rows) != 1 else ''} under its header)"
    return None


#: The manifest fields the CSV template leaves as TODO placeholders (refused until written).
_PLACEHOLDERS = frozenset({"force", "title", "inspected", f"documents.{_EXAMPLE_DOCUMENT}.title"})


def write_csv_template(pack_dir: Path, folder: Path, *, force: bool = False) -> dict[str, str]:
    """Write the CSV capture folder for the pack at ``pack_dir``, all or nothing, and return its
    files. An existing ``folder`` is replaced only with ``force`` and only if this command made
    it (``OUT-005`` otherwise); before it is moved into place the folder is loaded back, so what
    is written always loads once its TODO placeholders are written in."""
    from grader.errors import InputError, Problem
    from grader.loading.evidence import load_evidence
    from grader.loading.files import display_path
    from grader.outputs import write_tree_atomic

    folder = Path(folder)
    if folder.suffix.lower() in (".csv", ".xlsx", ".yaml", ".yml"):
        raise InputError([Problem(file=display_path(folder), code="OUT-006",
                                  message=f"--csv names the folder to create (a manifest and one CSV file per "
                                          f"pillar), not a {folder.suffix} file: give a folder name, e.g. "
                                          f"{folder.with_suffix('').name or 'capture'}")])
    pack = load_pack(Path(pack_dir)).pack
    files = csv_template_files(pack)

    def check(tmp: Path) -> None:
        """What was written loads, but for the placeholders the inspector must write in."""
        try:
            load_evidence(tmp, pack.kind_ids)
        except InputError as exc:
            left = [p for p in exc.problems if not (p.code == "EVID-002" and p.field in _PLACEHOLDERS)]
            if left:
                raise InputError(left) from None

    write_tree_atomic(folder, files, force=force, check=check, replaceable=made_by_csv_template)
    return files
