"""Check an evidence set against the rule pack it will be graded with.

Each file is valid on its own by now; this finds what only the pair can show: a pillar or
criterion the pack does not know (with "did you mean"), a fact the pack never declared, or a
fact whose value has the wrong type (the engine would otherwise coerce ``"5"`` to ``5`` or
silently never match).
"""

from __future__ import annotations

import datetime as dt

from grader.errors import Problem
from grader.loading.conditions import suggest
from grader.loading.evidence import LoadedEvidence
from grader.models.pack import RulePack

_TYPE_NAMES = {"bool": "true or false", "number": "a number", "text": "text", "date": "a date (YYYY-MM-DD)"}


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
    pillars = [p.id for p in pack.manifest.pillars]
    criteria = {c.id: c for c in pack.criteria}
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
        if item.pillar not in pillars:
            problems.append(loaded.problem(item.id, ("pillar",), "EVID-021",
                                           f"unknown pillar {item.pillar!r}{suggest(item.pillar, pillars)}"))
        for i, cid in enumerate(item.criteria):
            if cid not in criteria:
                problems.append(loaded.problem(item.id, ("criteria", i), "EVID-022",
                                               f"the pack has no criterion {cid!r}{suggest(cid, criteria.keys())}"))
        for name, value in item.facts.items():
            spec = pack.facts.get(name)
            if spec is None:
                problems.append(loaded.problem(item.id, ("facts", name), "EVID-023",
                                               f"fact {name!r} is not in the pack's fact catalogue"
                                               f"{suggest(name, pack.facts.keys())}", key=True))
            elif not _type_ok(value, spec.type):
                problems.append(loaded.problem(item.id, ("facts", name), "EVID-024",
                                               f"fact {name!r} must be {_TYPE_NAMES[spec.type]}, not {value!r}"))
    return problems
