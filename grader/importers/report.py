"""Import a published inspection report (in the layout of HMIC's 2008 reports) as an evidence set.

The inspectorate holds years of reports written the same way: a heading per pillar, then for
each grading criterion a bold "Summary –" statement followed by Strengths, Work in progress and
Areas for improvement lists, plus a contextual-factors table of statistics. This module reads
that layout as it really occurs, not as it should:

- list headings marked up as ``### Strengths``, ``### **Strengths**`` or ``**Strengths**``, in
  singular or plural ("Area for improvement");
- sub-bullets and carried-over paragraphs belong to the bullet above them, including text
  continued after a page footer ("July 2008") that interrupts a bullet;
- "None identified." means an empty list, not an item;
- curly quotes and en or em dashes ("Summary –The force’s ...") are matched like plain ones;
- table cells "Not applicable", percentages and percentage-point changes ("+13.9pp*").

Each bullet becomes one item: its pillar, kind, the criterion it falls under (found by pillar
and summary number through the criteria's ``source.section``, e.g. "Intelligence, summary 3"),
and its place in the report (section, list, bullet). A summary no criterion claims is reported,
and its items are still written, with no criteria. Prose cannot give the typed facts rules test,
so items are written without facts and the facts each criterion's rules test are listed for the
inspector to fill in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from grader.errors import InputError, Problem, raise_if_errors
from grader.loading.evidence import MANIFEST, load_evidence
from grader.loading.factuse import facts_by_criterion, pack_level_facts, pack_rules, criterion_rules, clause_facts
from grader.loading.files import display_path, read_text
from grader.loading.pack import load_pack
from grader.loading.tablesrc import figure
from grader.models.evidence import EvidenceItem, EvidenceSetManifest
from grader.models.pack import RulePack

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_FOOTER = re.compile(r"^(?:(?:%s)\s+\d{4}|(?:page\s+)?\d{1,4})$" % "|".join(_MONTHS), re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^([ \t]*)(?:[-*•●▪◦‣]|\d{1,2}[.)])[ \t]+(.*\S)\s*$")
_SUMMARY = re.compile(r"^summary\s*[-:]\s*(.*)$", re.IGNORECASE)
_NONE = re.compile(r"^none(\s+identified)?\.?$", re.IGNORECASE)
_SECTION = re.compile(r"^(.*\S),\s*summary\s+(\d+)$", re.IGNORECASE)
_LISTS = {
    "strength": "strengths", "strengths": "strengths",
    "work in progress": "work-in-progress", "works in progress": "work-in-progress",
    "area for improvement": "areas-for-improvement", "areas for improvement": "areas-for-improvement",
}
#: The item kind and id letter of each report list.
_KINDS = {"strengths": ("strength", "S"), "work-in-progress": ("work-in-progress", "W"),
          "areas-for-improvement": ("area-for-improvement", "A")}
_LIST_ORDER = ("strengths", "work-in-progress", "areas-for-improvement")
DOCUMENT_KEY = "inspection-report"
TODO_FILE = "TODO-facts.md"


# --- text clean-up ---------------------------------------------------------------------------------


def _unify(text: str) -> str:
    """Curly quotes and dashes as plain ones, for recognising headings (never for statements)."""
    return (text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
            .replace("–", "-").replace("—", "-").replace("‑", "-").replace("\u00a0", " "))


def _strip_markup(text: str) -> str:
    """Remove markdown emphasis, HTML tags and backslash escapes; keep the words as printed."""
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"__(.+?)__", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\\([*_#`\\])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _plain(line: str) -> str:
    """A line's words without heading marks, emphasis or surrounding bold, dashes unified."""
    m = _HEADING.match(line.strip())
    text = m.group(2) if m else line
    text = _strip_markup(text).strip("*_ ")
    return _unify(text)


def _key(text: str) -> str:
    """How names are compared: lower case, '&' as 'and', punctuation and spacing ignored."""
    text = _unify(text).lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


# --- the parsed report ------------------------------------------------------------------------------


@dataclass
class Bullet:
    line: int
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return _strip_markup(" ".join(self.parts))


@dataclass
class ReportList:
    name: str  # strengths | work-in-progress | areas-for-improvement
    line: int
    bullets: list[Bullet] = field(default_factory=list)
    none_identified: bool = False


@dataclass
class Summary:
    ordinal: int
    line: int
    parts: list[str]
    lists: dict[str, ReportList] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return _strip_markup(" ".join(self.parts))


@dataclass
class PillarSection:
    heading: str
    line: int
    summaries: list[Summary] = field(default_factory=list)


@dataclass
class TableRow:
    line: int
    label: str
    values: list[str]
    change: str | None
    comparator: str | None


@dataclass
class ContextTable:
    line: int
    periods: list[str]
    comparator_label: str | None
    rows: list[TableRow] = field(default_factory=list)


@dataclass
class ParsedReport:
    """What a report says, with the line of everything, before it is matched to a pack."""

    display: str
    pillars: list[PillarSection] = field(default_factory=list)
    table: ContextTable | None = None
    force: str | None = None
    title: str | None = None
    published: dt.date | None = None
    publisher: str | None = None
    reference: str | None = None
    notes: list[Problem] = field(default_factory=list)  # warnings: text that is not a bullet, ...

    def note(self, line: int, code: str, message: str) -> None:
        self.notes.append(Problem(file=self.display, line=line, code=code, message=message, severity="warning"))


def pillar_names(pack: RulePack) -> dict[str, str]:
    """Every way a report may head a pillar -> the pillar id (titles, ids, criteria sections)."""
    names: dict[str, str] = {}
    for p in pack.manifest.pillars:
        names[_key(p.title)] = p.id
        names[_key(p.id)] = p.id
    for c in pack.criteria:
        if c.source is not None and (m := _SECTION.match(c.source.section)):
            names.setdefault(_key(m.group(1)), c.pillar)
    return names


def parse_report(text: str, display: str, pillar_headings: dict[str, str]) -> ParsedReport:
    """Read a report's text. ``pillar_headings`` maps :func:`_key` of a pillar heading to its pillar."""
    report = ParsedReport(display=display)
    lines = text.splitlines()
    _front_matter(lines, report)
    section: PillarSection | None = None  # the pillar (or candidate) section we are in
    candidate: PillarSection | None = None  # a top-level section that is a pillar if it has summaries
    summary: Summary | None = None
    current: ReportList | None = None
    bullet: Bullet | None = None
    in_table = False
    i = 0
    while i < len(lines):
        raw = lines[i]
        n = i + 1
        i += 1
        stripped = raw.strip()
        if not stripped:
            continue
        plain = _plain(raw)
        heading = _HEADING.match(stripped)
        bold_only = bool(re.fullmatch(r"\*\*.+\*\*|__.+__", stripped))
        if _FOOTER.match(plain) and not heading:
            continue  # a page footer or page number: the bullet it interrupts goes on after it
        if (heading or bold_only) and _key(plain) in pillar_headings and not _SUMMARY.match(plain):
            section = PillarSection(plain, n)
            report.pillars.append(section)
            candidate, summary, current, bullet, in_table = None, None, None, None, False
            continue
        if heading and len(heading.group(1)) <= 2:
            # any other top-level heading ends the pillar; it becomes one if summaries follow
            candidate = PillarSection(plain, n)
            section, summary, current, bullet = None, None, None, None
            in_table = _key(plain) == "contextual factors"
            continue
        if heading and _key(plain) == "contextual factors":
            in_table, section, summary, current, bullet = True, None, None, None, None
            continue
        m = _SUMMARY.match(plain)
        if m:
            parts = [m.group(1)]
            if stripped.startswith("**") and not stripped.endswith("**"):
                while i < len(lines) and i - n < 10:  # a bold summary wrapped over several lines
                    more = lines[i].strip()
                    i += 1
                    parts.append(more)
                    if more.endswith("**"):
                        break
            if section is None:
                if candidate is None:
                    report.note(n, "IMPORT-001", "a 'Summary' statement outside any pillar section; it is not imported")
                    continue
                section = candidate
                report.pillars.append(section)
                candidate = None
            summary = Summary(len(section.summaries) + 1, n, [_strip_markup(p) for p in parts])
            section.summaries.append(summary)
            current, bullet, in_table = None, None, False
            continue
        list_name = _LISTS.get(_key(plain).rstrip(":")) if len(plain) < 40 else None
        if list_name is not None and (heading or bold_only or not _BULLET.match(raw)):
            bullet = None
            if summary is None:
                if section is not None:
                    report.note(n, "IMPORT-002", f"a {plain!r} list before the pillar's first 'Summary'; its bullets are not imported")
                current = None
                continue
            if list_name in summary.lists:
                report.note(n, "IMPORT-003", f"a second {plain!r} list under the same summary; its bullets are numbered on")
                current = summary.lists[list_name]
            else:
                current = ReportList(list_name, n)
                summary.lists[list_name] = current
            continue
        if heading:
            if section is not None:
                report.note(n, "IMPORT-004", f"heading {plain!r} inside a pillar section is not a list heading; "
                                             "what follows it is not imported until the next list heading")
            current, bullet = None, None
            if in_table and len(heading.group(1)) > 2:
                in_table = False
            continue
        if in_table:
            _table_line(raw, n, report)
            continue
        if section is None:
            continue  # narrative outside the pillars is not evidence
        b = _BULLET.match(raw)
        if current is None:
            if summary is not None:
                report.note(n, "IMPORT-005", f"text outside any Strengths / Work in progress / Areas for improvement "
                                             f"list is not imported: {_clip(plain)!r}")
            continue
        if b:
            text = b.group(2)
            indent = len(b.group(1).expandtabs(4))
            if indent >= 2 and bullet is not None:
                bullet.parts.append(text)  # a sub-bullet belongs to its parent
                continue
            if _NONE.match(_plain(text)):
                if current.bullets:
                    report.note(n, "IMPORT-006", f"'None identified' after {len(current.bullets)} bullet(s) of this list")
                current.none_identified = True
                bullet = None
                continue
            bullet = Bullet(n, [text])
            current.bullets.append(bullet)
            continue
        if _NONE.match(plain) and not current.bullets:
            current.none_identified = True
            continue
        if bullet is None:
            report.note(n, "IMPORT-005", f"text in a list but not in a bullet is not imported: {_clip(plain)!r}")
            continue
        bullet.parts.append(stripped)  # a paragraph carried on from the bullet above
    return report


def _clip(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _front_matter(lines: list[str], report: ParsedReport) -> None:
    """Force, title, date, publisher and ISBN from the report's first lines."""
    head = [(_plain(line), line.strip()) for line in lines[:60] if line.strip()]
    headings = [p for p, raw in head if raw.startswith("#")]
    for k, (p, raw) in enumerate(head):
        if report.force is None and (m := re.match(r"^(.+?)\s*-\s*HMIC Inspection Report$", p, re.IGNORECASE)):
            report.force = m.group(1).strip()
        if report.published is None and (m := re.fullmatch(r"(%s)\s+(\d{4})" % "|".join(_MONTHS), p, re.IGNORECASE)):
            report.published = dt.date(int(m.group(2)), _MONTHS.index(m.group(1).lower()) + 1, 1)
        if report.reference is None and (m := re.match(r"^ISBN:?\s*([0-9Xx-]+)$", p)):
            report.reference = f"ISBN {m.group(1)}"
        if report.publisher is None and "inspectorate" in p.lower() and not raw.startswith("#") and k < 5:
            report.publisher = p
    for k, h in enumerate(headings):
        if "inspection report" in h.lower():
            report.title = f"{h}: {headings[k + 1]}" if k + 1 < len(headings) else h
            break


def _cells(raw: str) -> list[str] | None:
    if "\t" in raw:
        return [c.strip() for c in raw.split("\t")]
    s = raw.strip()
    if s.startswith("|") and s.endswith("|"):
        return [c.strip() for c in s[1:-1].split("|")]
    return None


def _table_line(raw: str, n: int, report: ParsedReport) -> None:
    cells = _cells(raw)
    if cells is None or all(re.fullmatch(r":?-*:?", c) for c in cells):
        return  # prose around the table, or a separator row
    if report.table is None:
        if cells[0]:
            return  # not a header row (the header's first cell is empty)
        head = [_unify(_strip_markup(c)).replace("*", "").strip() for c in cells[1:]]
        keys = [_key(h) for h in head]
        if "change" in keys:
            k = keys.index("change")
            periods, rest = head[:k], head[k + 1:]
        else:
            periods = [h for h in head if re.fullmatch(r"\d{4}(/\d{2,4})?", h)]
            rest = [h for h in head if h not in periods]
        report.table = ContextTable(n, periods, rest[0] if rest else None)
        return
    table = report.table
    if not cells[0]:
        return
    want = 1 + len(table.periods) + 1 + (1 if table.comparator_label else 0)
    if len(cells) != want:
        report.note(n, "IMPORT-011", f"table row has {len(cells)} cells, the header {want}; row not imported: "
                                     f"{_clip(cells[0])!r}")
        return
    label = _strip_markup(cells[0])
    values = cells[1:1 + len(table.periods)]
    change = cells[1 + len(table.periods)]
    comparator = cells[2 + len(table.periods)] if table.comparator_label else None
    table.rows.append(TableRow(n, label, values, change, comparator))


# --- matching and building items --------------------------------------------------------------------


@dataclass
class Unmatched:
    """A summary no criterion of the pack claims (its items are written without criteria)."""

    section: str
    line: int
    text: str
    items: int


@dataclass
class ImportResult:
    """What an import produced: the files to write and what the inspector must know."""

    manifest: dict[str, Any]
    items_by_file: dict[str, list[dict[str, Any]]]
    item_lines: dict[str, int]
    criteria_items: dict[str, list[str]]  # criterion -> item ids
    unmatched: list[Unmatched]
    uncovered: list[str]  # criteria of the pack no summary matched
    unknown_pillars: list[tuple[str, int]]
    notes: list[Problem]
    qualitative: int
    indicators: int


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", _unify(text).lower()).strip("_")


def _indicator(row: TableRow, table: ContextTable, number: int, report: ParsedReport,
               problems: list[Problem]) -> dict[str, Any] | None:
    label = row.label
    low = _unify(label).lower()
    if "%" in label or "percent" in low:
        unit = "percent"
    elif re.search(r"per\s+1,?000\b", low):
        unit = "per-1k-population"
    elif re.search(r"per\s+10,?000\b", low):
        unit = "per-10k-population"
    else:
        unit = "count"
    base = re.sub(r"^(number of|%\s*of)\s+", "", low)
    base = re.sub(r"\s+per\s+1,?000\s+population$", " per 1k", base)
    base = re.sub(r"\s+per\s+10,?000\s+population$", " per 10k", base)
    measure = _snake(base) + ("_percent" if unit == "percent" else "")
    if not re.match(r"^[a-z]", measure):
        measure = "m_" + measure
    measure = measure[:64]

    def num(text: str, what: str) -> float | str | None:
        value = figure(text)
        if isinstance(value, float) or value == "not applicable":
            return value
        if _key(text) in ("n a", "na"):
            return "not applicable"
        problems.append(Problem(file=report.display, line=row.line, code="IMPORT-012",
                                message=f"{what} {text!r} of row {label!r} is not a number or 'Not applicable'"))
        return None

    values = []
    for period, text in zip(table.periods, row.values):
        v = num(text, f"the {period} value")
        values.append({"period": period, "value": v})
    comparator = None
    if table.comparator_label is not None and row.comparator is not None:
        comparator = {"label": table.comparator_label, "value": num(row.comparator, "the comparator value")}
    shown = "; ".join(f"{v['period']}: {_show(v['value'])}" for v in values)
    statement = f"{label}: {shown}"
    if comparator is not None:
        statement += f"; {comparator['label']}: {_show(comparator['value'])}"
    ind: dict[str, Any] = {"measure": measure, "label": label, "unit": unit, "values": values}
    if comparator is not None:
        ind["comparator"] = comparator
    if row.change:
        ind["published_change"] = row.change.rstrip("*").strip()
        statement += f" (change as published: {ind['published_change']})"
    return {
        "id": "IND-" + measure.upper().replace("_", "-"),
        "kind": "indicator",
        "statement": statement + ".",
        "indicator": ind,
        "source": {"section": "Contextual factors", "list": "table", "item": number},
    }


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _unify(text).lower()).strip("-") or "report"


def indicator_pillar(pack: RulePack) -> str:
    """Statistics belong with performance where the pack has such a pillar, else the last pillar."""
    for p in pack.manifest.pillars:
        if "performance" in p.id or "performance" in p.title.lower():
            return p.id
    return pack.manifest.pillars[-1].id


def build_import(report: ParsedReport, pack: RulePack, *, set_id: str | None = None, force_name: str | None = None,
                 verified: bool = False, source_name: str = "") -> ImportResult:
    """Match the parsed report to ``pack`` and build the items; raise InputError if it cannot."""
    problems: list[Problem] = []
    force = force_name or report.force
    if not force:
        problems.append(Problem(file=report.display, code="IMPORT-020",
                                message="cannot find the force's name (a line 'FORCE – HMIC Inspection Report'); "
                                        "give it with --force-name"))
    published = report.published
    if published is None:
        problems.append(Problem(file=report.display, code="IMPORT-021",
                                message="cannot find the report's date (a line such as 'July 2008' near the top)"))
    if not report.pillars:
        problems.append(Problem(file=report.display, code="IMPORT-022",
                                message="no pillar section with 'Summary –' statements found; is this a report in "
                                        "the HMIC 2008 layout?"))
    raise_if_errors(problems)
    assert force and published
    names = pillar_names(pack)
    by_place: dict[tuple[str, int], str] = {}
    for c in pack.criteria:
        if c.source is not None and (m := _SECTION.match(c.source.section)):
            by_place.setdefault((c.pillar, int(m.group(2))), c.id)
    manifest: dict[str, Any] = {
        "id": set_id or f"{_slug(force)}-{published.year}",
        "force": force,
        "framework": pack.manifest.name,
        "title": report.title or f"Inspection report: {force}",
        "inspected": published,
        "documents": {DOCUMENT_KEY: {k: v for k, v in (
            ("title", report.title or f"Inspection report: {force}"), ("publisher", report.publisher),
            ("published", published), ("reference", report.reference)) if v is not None}},
    }
    files: dict[str, list[dict[str, Any]]] = {}
    lines: dict[str, int] = {}
    criteria_items: dict[str, list[str]] = {c.id: [] for c in pack.criteria}
    unmatched: list[Unmatched] = []
    unknown_pillars: list[tuple[str, int]] = []
    qualitative = 0
    matched: set[str] = set()
    for section in report.pillars:
        pillar = names.get(_key(section.heading))
        if pillar is None:
            pillar = _slug(section.heading)
            unknown_pillars.append((section.heading, section.line))
        for summary in section.summaries:
            cid = by_place.get((pillar, summary.ordinal))
            if cid:
                matched.add(cid)
            place = f"{section.heading}, summary {summary.ordinal}"
            prefix = cid or f"{pillar}-{summary.ordinal}"
            count = 0
            for list_name in _LIST_ORDER:
                lst = summary.lists.get(list_name)
                if lst is None:
                    continue
                kind, letter = _KINDS[list_name]
                for k, b in enumerate(lst.bullets, start=1):
                    item_id = f"{prefix}-{letter}{k}"
                    item = {"id": item_id, "criteria": [cid] if cid else [], "kind": kind, "statement": b.text,
                            "source": {"section": place, "list": list_name, "item": k}}
                    files.setdefault(pillar, []).append(item)
                    lines[item_id] = b.line
                    count += 1
                    if cid:
                        criteria_items[cid].append(item_id)
            missing = [name for name in _LIST_ORDER if name not in summary.lists]
            if missing:
                report.note(summary.line, "IMPORT-007", f"{place} has no {', '.join(missing)} list")
            qualitative += count
            if cid is None:
                unmatched.append(Unmatched(place, summary.line, summary.text, count))
    indicators = 0
    if report.table is not None:
        for number, row in enumerate(report.table.rows, start=1):
            item = _indicator(row, report.table, number, report, problems)
            if item is None:
                continue
            base, k = item["id"], 1
            while item["id"] in lines:  # two rows with the same label
                k += 1
                item["id"] = f"{base}-{k}"
            files.setdefault("indicators", []).append(item)
            lines[item["id"]] = row.line
            indicators += 1
    else:
        report.note(1, "IMPORT-010", "no contextual-factors table found; no indicator items written")
    raise_if_errors(problems)
    result = ImportResult(
        manifest=manifest, items_by_file=files, item_lines=lines, criteria_items=criteria_items,
        unmatched=unmatched, uncovered=[c.id for c in pack.criteria if c.id not in matched],
        unknown_pillars=unknown_pillars, notes=report.notes, qualitative=qualitative, indicators=indicators,
    )
    _validate(result, pack, report, verified)
    return result


def _defaults(pillar: str, verified: bool, published: dt.date) -> dict[str, Any]:
    return {"pillar": pillar, "verified": verified, "marking": "OFFICIAL", "collected": published,
            "source": {"document": DOCUMENT_KEY}}


def _validate(result: ImportResult, pack: RulePack, report: ParsedReport, verified: bool) -> None:
    """Every item must be valid before anything is written; problems point at the report's line."""
    problems: list[Problem] = []
    from pydantic import ValidationError

    try:
        EvidenceSetManifest.model_validate(result.manifest)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            problems.append(Problem(file=report.display, code="IMPORT-030",
                                    message=f"the evidence set's {'.'.join(map(str, err['loc']))}: {err['msg']}; "
                                            "give --set-id / --force-name"))
    published = result.manifest["inspected"]
    for file_key, items in result.items_by_file.items():
        pillar = indicator_pillar(pack) if file_key == "indicators" else file_key
        for raw in items:
            merged = {**_defaults(pillar, verified, published), **raw,
                      "source": {"document": DOCUMENT_KEY, **raw["source"]}}
            try:
                EvidenceItem.model_validate(merged)
            except ValidationError as exc:
                for err in exc.errors(include_url=False):
                    problems.append(Problem(file=report.display, line=result.item_lines.get(raw["id"]),
                                            code="IMPORT-031",
                                            message=f"item {raw['id']}: {'.'.join(map(str, err['loc']))}: {err['msg']}"))
    raise_if_errors(problems)


# --- writing ----------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors or aliases (the same date twice is written twice)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any) -> str:
    # default_flow_style=None: lists and mappings of scalars on one line ({section: ..., item: 1})
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=None)


def render_files(result: ImportResult, pack: RulePack, *, verified: bool, source_name: str) -> dict[str, str]:
    """The evidence set folder's files (relative path -> text), TODO-facts.md included."""
    origin = f"# Imported from {source_name} by `grader evidence import-report` against rule pack " \
             f"{pack.manifest.name} {pack.manifest.version}.\n"
    files = {MANIFEST: origin + _dump(result.manifest)}
    order = [p.id for p in pack.manifest.pillars]
    published = result.manifest["inspected"]
    for key in sorted(result.items_by_file, key=lambda k: (k == "indicators", order.index(k) if k in order else 99, k)):
        pillar = indicator_pillar(pack) if key == "indicators" else key
        what = "the contextual-factors table: one item per row" if key == "indicators" else \
            f"pillar {pillar}: one item per bullet; facts to fill in are listed in {TODO_FILE}"
        note = origin + f"# Items of {what}.\n"
        if not verified:
            note += "# Set 'verified: true' below once the items have been checked against the report.\n"
        files[f"items/{key}.yaml"] = note + _dump({"defaults": _defaults(pillar, verified, published),
                                                   "items": result.items_by_file[key]})
    files[TODO_FILE] = todo_markdown(result, pack, source_name=source_name, verified=verified)
    return files


_TYPE_WORDS = {"bool": "true/false", "number": "number", "text": "text", "date": "date"}


def todo_markdown(result: ImportResult, pack: RulePack, *, source_name: str, verified: bool) -> str:
    """Per criterion, the facts its rules test, for the inspector to record on its items."""
    out = [f"# Facts to fill in: {result.manifest['title']}", "",
           f"Imported from {source_name} against rule pack {pack.manifest.name} {pack.manifest.version}: "
           f"{result.qualitative} items from the report's lists in "
           f"{sum(1 for ids in result.criteria_items.values() if ids)} criteria, and {result.indicators} indicator rows.",
           "",
           "A report's prose cannot give the typed facts the rules test, so every item was written without",
           "facts. For each criterion below, add to its items the facts that the item shows (under `facts:`),",
           "then run `grader evidence check FOLDER --rules PACK`."]
    if not verified:
        out += ["Items are written `verified: false`: only verified items count for a grade, so set",
                "`verified: true` in each file's `defaults:` once you have checked the items against the report."]
    out.append("")
    by_crit = facts_by_criterion(pack)
    for crit in pack.criteria:
        ids = result.criteria_items.get(crit.id, [])
        out.append(f"## {crit.id} {crit.title}")
        out.append("")
        section = crit.source.section if crit.source else "no source section"
        out.append(f"Summary: {section}. Items: {_id_range(ids)}.")
        out.append("")
        out += _fact_table(pack, by_crit[crit.id], _tested_by(crit.id, pack))
        out.append("")
    shared = pack_level_facts(pack)
    if shared:
        out += ["## Every criterion", "", "The pack's own uplifts and shared concerns test these on every criterion's items.", ""]
        out += _fact_table(pack, shared, {f: [r.label for r in pack_rules(pack) if f in clause_facts(r.clause)]
                                          for f in shared})
        out.append("")
    if result.unmatched or result.unknown_pillars or result.uncovered:
        out += ["## Not matched", ""]
        for heading, line in result.unknown_pillars:
            out.append(f"- Line {line}: pillar heading {heading!r} is not a pillar of the pack; its items were "
                       f"written with pillar {_slug(heading)!r}.")
        for u in result.unmatched:
            out.append(f"- Line {u.line}: {u.section} (\"{_clip(u.text, 90)}\") matches no criterion of the pack "
                       f"(no criterion has source section {u.section!r}); its {u.items} items were written with no criteria.")
        for cid in result.uncovered:
            out.append(f"- Criterion {cid}: no summary of the report matched it.")
        out.append("")
    if result.notes:
        out += ["## Import notes", ""]
        out += [f"- {p.line_text()}" for p in result.notes]
        out.append("")
    return "\n".join(out)


def _tested_by(cid: str, pack: RulePack) -> dict[str, list[str]]:
    crit = pack.criterion(cid)
    out: dict[str, list[str]] = {}
    for r in criterion_rules(crit):
        for f in clause_facts(r.clause):
            label = f"{r.section[:-1]} {r.rule}"
            if label not in out.setdefault(f, []):
                out[f].append(label)
    return out


def _fact_table(pack: RulePack, facts: list[str], tested: dict[str, list[str]]) -> list[str]:
    if not facts:
        return ["Its rules test no facts (only item fields such as kind)."]
    rows = ["| fact | type | meaning | tested by |", "|---|---|---|---|"]
    for f in facts:
        spec = pack.facts.get(f)
        kind = _TYPE_WORDS.get(spec.type, spec.type) if spec else "?"
        meaning = spec.description.replace("|", "/") if spec else "(not in the fact catalogue)"
        rows.append(f"| `{f}` | {kind} | {meaning} | {', '.join(tested.get(f, []))} |")
    return rows


def _id_range(ids: list[str]) -> str:
    if not ids:
        return "none"
    return f"{ids[0]} to {ids[-1]} ({len(ids)})" if len(ids) > 2 else ", ".join(ids)


def import_report(report_path: Path, pack_dir: Path, out_dir: Path, *, force: bool = False,
                  set_id: str | None = None, force_name: str | None = None, verified: bool = False) -> ImportResult:
    """Read ``report_path``, match it to the pack, and write the evidence set folder ``out_dir``.

    All or nothing: the folder is built beside ``out_dir``, loaded back and compared item by item
    with what was meant to be written, and only then renamed into place.
    """
    from grader.outputs import write_tree_atomic

    report_path = Path(report_path)
    display = display_path(report_path)
    text, _ = read_text(report_path, display)
    pack = load_pack(Path(pack_dir)).pack
    report = parse_report(text, display, pillar_names(pack))
    result = build_import(report, pack, set_id=set_id, force_name=force_name, verified=verified,
                          source_name=report_path.name)
    files = render_files(result, pack, verified=verified, source_name=report_path.name)

    def check(tmp: Path) -> None:
        loaded = load_evidence(tmp, pack.kind_ids)
        written = {i.id: i for i in loaded.evidence.items}
        meant = [i for items in result.items_by_file.values() for i in items]
        bad = [m["id"] for m in meant if m["id"] not in written or written[m["id"]].statement != m["statement"]
               or written[m["id"]].criteria != m.get("criteria", [])]
        if bad or len(written) != len(meant):
            raise InputError([Problem(file=display, code="IMPORT-040",
                                      message=f"the written set does not read back as imported ({', '.join(bad[:5])}); "
                                              "nothing was written")])

    write_tree_atomic(Path(out_dir), files, force=force, check=check, replaceable=made_by_import)
    return result


def made_by_import(folder: Path) -> str | None:
    """``None`` if ``folder`` is one this command wrote (and may replace with ``--force``), else why not.

    Such a folder holds the manifest with the importer's first line, ``items/*.yaml`` and
    TODO-facts.md, and nothing else: anything more (a file the inspector added, a link) is
    theirs, and ``--force`` must never delete it.
    """
    manifest = folder / MANIFEST
    try:
        with open(manifest, "rb") as fh:
            first = fh.read(200)
    except OSError:
        return f"it has no {MANIFEST} written by import-report"
    if not first.startswith(b"# Imported from ") or b"by `grader evidence import-report`" not in first:
        return f"its {MANIFEST} was not written by import-report"
    for entry in sorted(folder.rglob("*")):
        rel = entry.relative_to(folder).as_posix()
        expected = (rel in (MANIFEST, TODO_FILE) and entry.is_file()) or (rel == "items" and entry.is_dir()) or \
            (rel.startswith("items/") and rel.count("/") == 1 and rel.endswith(".yaml") and entry.is_file())
        if entry.is_symlink() or not expected:
            return f"it holds {rel}, which import-report does not write"
    return None
