"""Load an evidence set folder (manifest + item files) into a validated :class:`EvidenceSet`.

Every item is validated on its own, so one bad item is reported at its line and the rest are
still checked; nothing is dropped silently: if any item is wrong, nothing is graded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import InputError, Problem, raise_if_errors
from grader.loading.conditions import suggest
from grader.loading.files import InputFile, display_path, input_file
from grader.loading.validate import validate_model
from grader.loading.yamlsrc import YamlDocument, load_yaml
from grader.models.evidence import EvidenceItem, EvidenceSet, EvidenceSetManifest, ItemDefaults

MANIFEST = "evidence-set.yaml"


@dataclass
class LoadedEvidence:
    """An evidence set plus where each item was written (for located cross-checks)."""

    evidence: EvidenceSet
    root: Path
    files: list[InputFile]
    item_docs: dict[str, tuple[YamlDocument, tuple[str | int, ...]]] = field(default_factory=dict)

    def problem(self, item_id: str, sub: tuple[str | int, ...], code: str, message: str, *, key: bool = False,
                severity: str = "error") -> Problem:
        """A problem located at field ``sub`` of item ``item_id``."""
        doc, path = self.item_docs[item_id]
        return doc.problem((*path, *sub), code, message, key=key, severity=severity)


def load_evidence(root: Path) -> LoadedEvidence:
    """Load the evidence set in folder ``root``; raise :class:`InputError` listing every problem."""
    root = Path(root)
    shown = display_path(root)
    if not root.is_dir():
        raise InputError([Problem(file=shown, code="EVID-001", message="evidence set folder not found")])
    mpath = root / MANIFEST
    if not mpath.is_file():
        raise InputError([Problem(file=shown, code="EVID-001", message=f"no {MANIFEST} in this folder; is it an evidence set?")])
    problems: list[Problem] = []
    files: list[InputFile] = []

    def read(path: Path) -> YamlDocument | None:
        try:
            doc = load_yaml(path, display_path(path))
        except InputError as exc:
            problems.extend(exc.problems)
            return None
        files.append(input_file(path, root, doc.sha256))
        return doc

    mdoc = read(mpath)
    manifest = None
    if mdoc is not None:
        manifest = validate_model(EvidenceSetManifest, mdoc.data if mdoc.data is not None else {}, mdoc, (), problems, "EVID-002")

    items: list[EvidenceItem] = []
    item_docs: dict[str, tuple[YamlDocument, tuple[str | int, ...]]] = {}
    item_paths = sorted((root / "items").glob("*.yaml")) if (root / "items").is_dir() else []
    if not item_paths:
        problems.append(Problem(file=shown, code="EVID-003", message="no items/*.yaml files: the set holds no evidence"))
    for path in item_paths:
        doc = read(path)
        if doc is None:
            continue
        for item, where in _items_of(doc, problems):
            if item.id in item_docs:
                other, opath = item_docs[item.id]
                line, _ = other.position(opath)
                problems.append(doc.problem((*where, "id"), "EVID-004",
                                            f"duplicate evidence id {item.id!r} (first at {other.display}:{line})"))
                continue
            item_docs[item.id] = (doc, where)
            items.append(item)
    if manifest is not None:
        for item in items:
            if item.source.document not in manifest.documents:
                doc, where = item_docs[item.id]
                problems.append(doc.problem((*where, "source", "document"), "EVID-005",
                                            f"unknown document {item.source.document!r}"
                                            f"{suggest(item.source.document, manifest.documents.keys())}; "
                                            f"list it under 'documents' in {MANIFEST}"))
    raise_if_errors(problems)
    assert manifest is not None
    files.sort(key=lambda f: f.path)
    return LoadedEvidence(evidence=EvidenceSet(manifest=manifest, items=items), root=root, files=files,
                          item_docs=item_docs)


def _items_of(doc: YamlDocument, problems: list[Problem]) -> list[tuple[EvidenceItem, tuple[str | int, ...]]]:
    raw = doc.data
    if not isinstance(raw, dict) or "items" not in raw:
        problems.append(doc.problem((), "EVID-010", "an item file is a mapping with an 'items:' list (and optional 'defaults:')"))
        return []
    extra = [k for k in raw if k not in ("items", "defaults")]
    if extra:
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
    return out


def apply_defaults(entry: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Item fields win over defaults; ``source`` is merged key by key."""
    merged = {**defaults, **entry}
    if isinstance(defaults.get("source"), dict) and isinstance(entry.get("source"), dict):
        merged["source"] = {**defaults["source"], **entry["source"]}
    return merged
