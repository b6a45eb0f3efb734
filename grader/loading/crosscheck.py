"""Check an evidence set against the rule pack it will be graded with.

Each file is valid on its own by now; this finds what only the pair can show: a pillar or
criterion the pack does not know (with "did you mean"), a fact the pack never declared, or a
fact whose value has the wrong type (the engine would otherwise coerce ``"5"`` to ``5`` or
silently never match). Items that failed to load are checked too, as far as their fields are
well formed, so one run reports every mistake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from grader.errors import Problem
from grader.loading.conditions import suggest
from grader.loading.evidence import LoadedEvidence
from grader.loading.yamlsrc import PathKey
from grader.models.common import CriterionId, FactValue, Slug, Snake
from grader.models.evidence import EvidenceItem
from grader.models.pack import RulePack

_TYPE_NAMES = {"bool": "true or false", "number": "a number", "text": "text", "date": "a date written YYYY-MM-DD (e.g. 2008-07-01)"}


def _type_ok(value: object, ftype: str) -> bool:
    if ftype == "bool":
        return isinstance(value, bool)
    if ftype == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if ftype == "date":
        return isinstance(value, dt.date)
    return isinstance(value, str)


def check_against_pack(loaded: LoadedEvidence, pack: RulePack) -> list[Problem]:
    """Every mismatch between the evidence set and the pack, located at the item's field."""
    problems: list[Problem] = []
    manifest = loaded.evidence.manifest
    if manifest.framework != pack.manifest.name:
        problems.append(loaded.manifest_problem(
            ("framework",), "EVID-020", f"evidence was collected for framework {manifest.framework!r} but is "
            f"graded with pack {pack.manifest.name!r}", severity="warning"))
    kinds = pack.kind_ids
    must_cite = {k.id: k.must_cite for k in pack.manifest.kinds if k.must_cite}
    by_id = loaded.evidence.by_id()
    for item in loaded.evidence.items:
        if item.kind not in kinds:
            problems.append(loaded.problem(item.id, ("kind",), "EVID-025",
                                           f"unknown kind {item.kind!r}{suggest(item.kind, kinds)}; the kinds "
                                           f"for pack {pack.manifest.name!r} are {', '.join(kinds)}"))
        for i, ref in enumerate(item.cites):
            if ref not in by_id:
                problems.append(loaded.problem(item.id, ("cites", i), "EVID-026",
                                               f"cites {ref!r}, which is not an item of this set"
                                               f"{suggest(ref, by_id.keys())}"))
        wanted = must_cite.get(item.kind)
        if wanted is not None and not any(by_id[r].kind == wanted for r in item.cites if r in by_id):
            problems.append(loaded.problem(item.id, ("kind",), "EVID-027",
                                           f"an item of kind {item.kind!r} must cite at least one item of kind "
                                           f"{wanted!r}: add its id under 'cites' (e.g. cites: [ID-OF-THE-{wanted.upper()}])"))
    return problems + check_items(loaded.evidence.items, loaded.item_docs, pack)


def check_items(items: list[EvidenceItem], docs: dict[str, tuple[Any, PathKey]], pack: RulePack) -> list[Problem]:
    """Each loaded item's pillar, criteria and facts against the pack (``docs``: where each was written)."""
    problems: list[Problem] = []
    for item in items:
        doc, where = docs[item.id]
        problems += check_item_fields(item.pillar, list(item.criteria), item.facts, _at(doc, where), pack)
    return problems


def check_rejected(rejected: list[tuple[Any, Any, PathKey]], pack: RulePack) -> list[Problem]:
    """The same checks on items that failed to load, for the fields that are well formed.

    An item with a badly written date may also name a criterion the pack does not know; the
    inspector should learn both in one run. Fields that are themselves malformed were already
    reported by the loader and are skipped here, so nothing is reported twice.
    """
    problems: list[Problem] = []
    for data, doc, where in rejected:
        if not isinstance(data, dict):
            continue
        pillar = data.get("pillar")
        pillar = pillar if _fits(_SLUG, pillar) else None
        raw_criteria = data.get("criteria")
        criteria = ([c if _fits(_CRITERION, c) else None for c in raw_criteria]
                    if isinstance(raw_criteria, list) else [])
        raw_facts = data.get("facts")
        facts = ({k: v for k, v in raw_facts.items() if _fits(_SNAKE, k) and _fits(_FACT, v)}
                 if isinstance(raw_facts, dict) else {})
        problems += check_item_fields(pillar, criteria, facts, _at(doc, where), pack)
    return problems


def check_item_fields(pillar: str | None, criteria: list[str | None], facts: dict[str, Any],
                      at: At, pack: RulePack) -> list[Problem]:
    """An item's pillar, criteria and facts against the pack (``None`` entries are skipped)."""
    problems: list[Problem] = []
    pillars = [p.id for p in pack.manifest.pillars]
    known = {c.id for c in pack.criteria}
    if pillar is not None and pillar not in pillars:
        problems.append(at(("pillar",), "EVID-021", f"unknown pillar {pillar!r}{suggest(pillar, pillars)}"))
    for i, cid in enumerate(criteria):
        if cid is not None and cid not in known:
            problems.append(at(("criteria", i), "EVID-022",
                               f"the pack has no criterion {cid!r}{suggest(cid, sorted(known))}"))
    for name, value in facts.items():
        spec = pack.facts.get(name)
        if spec is None:
            problems.append(at(("facts", name), "EVID-023", f"fact {name!r} is not in the pack's fact catalogue"
                                                            f"{suggest(name, pack.facts.keys())}", True))
        elif not _type_ok(value, spec.type):
            problems.append(at(("facts", name), "EVID-024",
                               f"fact {name!r} must be {_TYPE_NAMES[spec.type]}, not {value!r}"))
    return problems


#: Builds a problem at a field of one item: (field path, code, message, at the key?) -> Problem.
At = Callable[[PathKey, str, str, bool], Problem]


def _at(doc: Any, where: PathKey) -> At:
    def at(sub: PathKey, code: str, message: str, key: bool = False) -> Problem:
        return doc.problem((*where, *sub), code, message, key=key)
    return at


_SLUG: TypeAdapter[Any] = TypeAdapter(Slug)
_CRITERION: TypeAdapter[Any] = TypeAdapter(CriterionId)
_SNAKE: TypeAdapter[Any] = TypeAdapter(Snake)
_FACT: TypeAdapter[Any] = TypeAdapter(FactValue, config={"strict": True})


def _fits(adapter: TypeAdapter[Any], value: object) -> bool:
    try:
        adapter.validate_python(value, strict=True)
    except ValidationError:
        return False
    return True
