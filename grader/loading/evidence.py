"""Load an evidence set, in any of its formats, into one validated :class:`EvidenceSet`.

Inspectors keep evidence in whatever suits the job: a folder of YAML files, one YAML file, a CSV
export, or a capture workbook. :func:`load_evidence` is the one entry point; it dispatches on
what it is given and every format ends in the same models, so grading never knows the format:

- a **folder**: ``evidence-set.yaml`` (the manifest) and ``items/*.yaml`` (or ``.yml``) /
  ``items/*.csv`` (one file per pillar or per criterion, or one in all); any other file in
  ``items/`` is reported, never passed over;
- a **.yaml** file: the manifest's fields plus ``defaults:`` and ``items:`` in one file;
- a **.csv** file: one item per row; the manifest is ``evidence-set.yaml`` beside it;
- an **.xlsx** workbook: a Set sheet, a Documents sheet, item sheets and an Indicators sheet.

Every item is validated on its own, so one bad item is reported where it was written (file and
line, or sheet, row and column) and the rest are still checked; nothing is dropped silently:
if any item is wrong, nothing is graded.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from grader.errors import InputError, Problem, Severity
from grader.gcpause import gc_paused
from grader.loading.conditions import suggest
from grader.loading.files import YAML_SUFFIXES, InputFile, display_path, folder_inputs, input_file, present
from grader.loading.provenance import mark_files
from grader.loading.tablesrc import TableLocator, validate_located
from grader.loading.validate import validate_model
from grader.loading.yamlsrc import PathKey, YamlDocument, load_yaml
from grader.models.evidence import BUILTIN_KINDS, EvidenceItem, EvidenceSet, EvidenceSetManifest, ItemDefaults

MANIFEST = "evidence-set.yaml"
#: File suffixes :func:`load_evidence` reads, besides a folder.
FORMATS = (".yaml", ".yml", ".csv", ".xlsx")
#: Suffixes of the item files a set folder's ``items/`` holds (any case: ``.YML`` is read too).
ITEM_SUFFIXES = (*YAML_SUFFIXES, ".csv")


class Locator(Protocol):
    """Where an item (or the manifest) was written: a YAML document or a table row."""

    display: str

    def problem(self, path: PathKey, code: str, message: str, *, key: bool = False,
                severity: Severity = "error") -> Problem: ...


@dataclass
class LoadedEvidence:
    """An evidence set plus where each item was written (for located cross-checks)."""

    evidence: EvidenceSet
    root: Path
    files: list[InputFile]
    item_docs: dict[str, tuple[Any, tuple[str | int, ...]]] = field(default_factory=dict)
    manifest_doc: Any = None

    def problem(self, item_id: str, sub: tuple[str | int, ...], code: str, message: str, *, key: bool = False,
                severity: str = "error") -> Problem:
        """A problem located at field ``sub`` of item ``item_id``."""
        doc, path = self.item_docs[item_id]
        return doc.problem((*path, *sub), code, message, key=key, severity=severity)

    def manifest_problem(self, sub: tuple[str | int, ...], code: str, message: str, *,
                         severity: Severity = "error") -> Problem:
        """A problem located at field ``sub`` of the manifest (wherever the format keeps it)."""
        if self.manifest_doc is None:
            return Problem(file=display_path(self.root), code=code, message=message, severity=severity)
        return self.manifest_doc.problem(sub, code, message, severity=severity)


#: The item kinds the load in progress accepts: the built-in ones, plus a pack's own when the
#: caller grades with a pack that adds some (``kinds`` in pack.yaml).
_ACCEPTED_KINDS: ContextVar[tuple[str, ...]] = ContextVar("accepted_kinds", default=BUILTIN_KINDS)


@gc_paused()
def load_evidence(root: Path, kinds: Sequence[str] | None = None) -> LoadedEvidence:
    """Load the evidence set at ``root`` (a folder, .yaml, .csv or .xlsx); raise
    :class:`InputError` listing every problem. ``kinds`` are the item kinds to accept (a pack's
    ``kind_ids``); without it only the built-in kinds, so a misspelt kind is found with every
    other mistake of the set."""
    token = _ACCEPTED_KINDS.set(tuple(kinds) if kinds is not None else BUILTIN_KINDS)
    try:
        return _load_any(Path(root))
    finally:
        _ACCEPTED_KINDS.reset(token)


def _load_any(path: Path) -> LoadedEvidence:
    shown = display_path(path)
    if path.is_dir():
        return _load_folder(path)
    suffix = path.suffix.lower()
    if not path.exists():
        what = "file" if suffix in FORMATS else "folder"
        raise InputError([Problem(file=shown, code="EVID-001", message=f"evidence set {what} not found (an evidence "
                                                                        "set is a folder, or a .yaml, .csv or .xlsx file)")])
    if suffix in (".yaml", ".yml"):
        return _load_yaml_file(path)
    if suffix == ".csv":
        return _load_csv_file(path)
    if suffix == ".xlsx":
        return _load_workbook(path)
    hint = {".xls": "save it as 'Excel Workbook (.xlsx)'", ".xlsm": "save it without macros as .xlsx",
            ".ods": "save it as .xlsx", ".tsv": "name it .csv (tabs are recognised)"}.get(suffix, "")
    raise InputError([Problem(file=shown, code="EVID-001",
                              message=f"cannot read {suffix or 'a file without a suffix'} as an evidence set: use a "
                                      f"folder, .yaml, .csv or .xlsx{'; ' + hint if hint else ''}")])


class BrokenEvidence(InputError):
    """The set has errors, so nothing may be graded; but ``evidence check`` may still check what
    did load (``items``, with ``docs`` saying where each was written) and the well-formed fields
    of the items that did not (``rejected``: raw data, locator, path), and so report every
    mistake in one run."""

    def __init__(self, problems: list[Problem], collected: _Items) -> None:
        super().__init__(problems)
        self.items = collected.items
        self.docs = collected.docs
        self.rejected = collected.rejected


class _Items:
    """Collects validated items, refusing duplicate ids wherever they were written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.items: list[EvidenceItem] = []
        self.docs: dict[str, tuple[Any, PathKey]] = {}
        self.rejected: list[tuple[Any, Any, PathKey]] = []

    def add(self, item: EvidenceItem, doc: Any, where: PathKey) -> None:
        kinds = _ACCEPTED_KINDS.get()
        if item.kind not in kinds:
            choices = ", ".join(repr(k) for k in kinds[:-1]) + f" or {kinds[-1]!r}"
            self.problems.append(doc.problem((*where, "kind"), "EVID-014",
                                             f"Input should be {choices} (found {item.kind!r})"))
            return
        if item.id in self.docs:
            other, opath = self.docs[item.id]
            self.problems.append(doc.problem((*where, "id"), "EVID-004",
                                             f"duplicate evidence id {item.id!r} (first at {_where(other, opath)})"))
            return
        self.docs[item.id] = (doc, where)
        self.items.append(item)


def _where(doc: Any, path: PathKey) -> str:
    if isinstance(doc, TableLocator):
        return doc.where(path)
    line, _ = doc.position(path)
    return f"{doc.display}:{line}" if line else doc.display


def _finish(manifest: EvidenceSetManifest | None, collected: _Items, problems: list[Problem], root: Path,
            files: list[InputFile], manifest_doc: Any) -> LoadedEvidence:
    """Cross-check documents, raise if anything is wrong, else build the result."""
    if manifest is not None:
        for item in collected.items:
            if item.source.document not in manifest.documents:
                doc, where = collected.docs[item.id]
                problems.append(doc.problem((*where, "source", "document"), "EVID-005",
                                            f"unknown document {item.source.document!r}"
                                            f"{suggest(item.source.document, manifest.documents.keys())}; "
                                            f"list it under 'documents' in the set's manifest"))
    problems = _unique(problems)
    if any(p.severity == "error" for p in problems):
        raise BrokenEvidence(problems, collected)
    assert manifest is not None
    files = sorted(mark_files(files, collected.items, collected.docs, root), key=lambda f: f.path)
    return LoadedEvidence(evidence=EvidenceSet(manifest=manifest, items=collected.items), root=root, files=files,
                          item_docs=collected.docs, manifest_doc=manifest_doc)


def _unique(problems: list[Problem]) -> list[Problem]:
    """Drop exact repeats (a wrong default is reported once, not once per row that uses it)."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for p in problems:
        key = (p.file, p.line, p.column, p.field, p.code, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# --- a folder: evidence-set.yaml + items/*.yaml, items/*.csv ----------------------------------------


def _load_folder(root: Path) -> LoadedEvidence:
    shown = display_path(root)
    mpath = root / MANIFEST
    if not present(mpath):
        raise InputError([Problem(file=shown, code="EVID-001", message=f"no {MANIFEST} in this folder; is it an evidence set?")])
    problems: list[Problem] = []
    files: list[InputFile] = []

    def read(path: Path) -> YamlDocument | None:
        try:
            doc = load_yaml(path, display_path(path), within=root)
            files.append(input_file(path, root, doc.sha256))
        except InputError as exc:
            problems.extend(exc.problems)
            return None
        return doc

    mdoc = read(mpath)
    manifest = None
    if mdoc is not None:
        manifest = validate_model(EvidenceSetManifest, mdoc.data if mdoc.data is not None else {}, mdoc, (), problems, "EVID-002")

    collected = _Items(problems)
    items_dir = root / "items"
    item_paths: list[Path] = []
    if items_dir.is_dir():
        item_paths, unread = folder_inputs(items_dir, root, ITEM_SUFFIXES, "evidence items")
        problems.extend(unread)
    if not item_paths:
        problems.append(Problem(file=shown, code="EVID-003", message="no items/*.yaml, items/*.yml or items/*.csv "
                                                                      "files: the set holds no evidence"))
    for path in item_paths:
        if path.suffix.lower() == ".csv":
            _csv_items(path, root, files, collected, problems)
            continue
        doc = read(path)
        if doc is None:
            continue
        for item, where in _items_of(doc, problems, collected.rejected):
            collected.add(item, doc, where)
    return _finish(manifest, collected, problems, root, files, mdoc)


def _csv_items(path: Path, root: Path, files: list[InputFile], collected: _Items, problems: list[Problem]) -> None:
    from grader.loading.csvsrc import read_csv_items

    try:
        rows, digest = read_csv_items(path, display_path(path), problems)
        files.append(input_file(path, root, digest))
    except InputError as exc:
        problems.extend(exc.problems)
        return
    for data, locator in rows:
        item = validate_located(EvidenceItem, data, locator, problems, "EVID-014", root_field="kind")
        if item is not None:
            collected.add(item, locator, ())
        else:
            collected.rejected.append((data, locator, ()))


# --- one file ---------------------------------------------------------------------------------------


def _load_yaml_file(path: Path) -> LoadedEvidence:
    """A one-file set: the manifest's fields plus ``defaults:`` and ``items:``."""
    doc = load_yaml(path, display_path(path))
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict):
        raise InputError([doc.problem((), "EVID-010", "a one-file evidence set is a mapping: the manifest's fields "
                                                      "(id, force, framework, title, inspected, documents) plus "
                                                      "'defaults:' and 'items:'")])
    manifest_raw = {k: v for k, v in data.items() if k not in ("items", "defaults")}
    if not manifest_raw:
        raise InputError([doc.problem((), "EVID-015", "this file has items but no manifest fields (id, force, "
                                                      "framework, title, inspected, documents): it looks like an "
                                                      "item file of a set folder; grade the folder instead")])
    manifest = validate_model(EvidenceSetManifest, manifest_raw, doc, (), problems, "EVID-002")
    collected = _Items(problems)
    for item, where in _items_of(doc, problems, collected.rejected, check_keys=False):
        collected.add(item, doc, where)
    return _finish(manifest, collected, problems, path, [input_file(path, path, doc.sha256)], doc)


def _load_csv_file(path: Path) -> LoadedEvidence:
    """A CSV of items; its manifest is ``NAME.evidence-set.yaml`` beside ``NAME.csv`` (so a folder
    may hold several sets), else ``evidence-set.yaml`` in the same folder."""
    own = path.with_name(f"{path.stem}.{MANIFEST}")
    mpath = own if present(own) else path.parent / MANIFEST
    if not present(mpath):
        raise InputError([Problem(file=display_path(path), code="EVID-001",
                                  message=f"a CSV file holds items only: put the set's manifest (id, force, framework, "
                                          f"title, inspected, documents) in {own.name} or {MANIFEST} beside it")])
    problems: list[Problem] = []
    files: list[InputFile] = []
    manifest = None
    mdoc = None
    try:
        mdoc = load_yaml(mpath, display_path(mpath), within=path)
        files.append(input_file(mpath, path, mdoc.sha256))
        manifest = validate_model(EvidenceSetManifest, mdoc.data if mdoc.data is not None else {}, mdoc, (),
                                  problems, "EVID-002")
    except InputError as exc:
        problems.extend(exc.problems)
    collected = _Items(problems)
    _csv_items(path, path, files, collected, problems)
    return _finish(manifest, collected, problems, path, files, mdoc)


def _load_workbook(path: Path) -> LoadedEvidence:
    """A capture workbook (see :mod:`grader.loading.xlsxsrc`)."""
    from grader.loading.xlsxsrc import read_workbook

    book, problems = read_workbook(path, display_path(path))
    manifest = validate_located(EvidenceSetManifest, book.manifest, book.manifest_cells, problems, "EVID-002",
                                missing_hint=" (fill in its row on the Set sheet)")
    collected = _Items(problems)
    for data, locator in book.items:
        item = validate_located(EvidenceItem, data, locator, problems, "EVID-014", root_field="kind")
        if item is not None:
            collected.add(item, locator, ())
        else:
            collected.rejected.append((data, locator, ()))
    unreadable = {p.file for p in problems if p.code in ("XLSX-003", "XLSX-004")}
    problems = [p for p in problems  # a cell we could not read is reported as such, not also as blank
                if not (p.file in unreadable and p.message.startswith("missing required field"))]
    return _finish(manifest, collected, problems, path, [input_file(path, path, book.sha256)], book.manifest_cells)


# --- YAML item lists --------------------------------------------------------------------------------


def _items_of(doc: YamlDocument, problems: list[Problem], rejected: list[tuple[Any, Any, PathKey]], *,
              check_keys: bool = True) -> list[tuple[EvidenceItem, tuple[str | int, ...]]]:
    """The valid items of one YAML document; the others go to ``rejected`` (data, doc, path)."""
    raw = doc.data
    if not isinstance(raw, dict) or "items" not in raw:
        problems.append(doc.problem((), "EVID-010", "an item file is a mapping with an 'items:' list (and optional 'defaults:')"))
        return []
    extra = [k for k in raw if k not in ("items", "defaults")]
    if extra and check_keys:
        problems.append(doc.problem((extra[0],), "EVID-011", f"unknown key {extra[0]!r}{suggest(extra[0], ['items', 'defaults'])}", key=True))
    defaults: dict[str, Any] = {}
    if raw.get("defaults") is not None:
        d = validate_model(ItemDefaults, raw["defaults"], doc, ("defaults",), problems, "EVID-012")
        if d is None:
            return []
        defaults = {k: v for k, v in raw["defaults"].items()}
    entries = raw["items"]
    if not isinstance(entries, list):
        problems.append(doc.problem(("items",), "EVID-010", "'items' must be a list"))
        return []
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(doc.problem(("items", i), "EVID-013", "an item is a mapping (id, kind, statement, ...)"))
            continue
        merged = apply_defaults(entry, defaults)
        item = validate_model(EvidenceItem, merged, doc, ("items", i), problems, "EVID-014")
        if item is not None:
            out.append((item, ("items", i)))
        else:
            rejected.append((merged, doc, ("items", i)))
    return out


def apply_defaults(entry: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Item fields win over defaults; ``source`` is merged key by key."""
    merged = {**defaults, **entry}
    if isinstance(defaults.get("source"), dict) and isinstance(entry.get("source"), dict):
        merged["source"] = {**defaults["source"], **entry["source"]}
    return merged
