"""Turn evidence items into the flat dicts the engine matches (see compiler.FIELD_KEYS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from grader.engine.compiler import FACT_PREFIX, FIELD_KEYS, LIST_PREFIX, TextNeedles
from grader.models.evidence import EvidenceItem


def engine_fact(item: EvidenceItem, needles: TextNeedles) -> dict[str, Any]:
    """The engine's view of one item: only what rules can test, under collision-free keys."""
    fact: dict[str, Any] = {
        FIELD_KEYS["kind"]: item.kind,
        FIELD_KEYS["pillar"]: item.pillar,
        FIELD_KEYS["marking"]: item.marking,
        FIELD_KEYS["source.document"]: item.source.document,
        FIELD_KEYS["source.section"]: item.source.section,
    }
    if item.source.list is not None:
        fact[FIELD_KEYS["source.list"]] = item.source.list
    for c in item.criteria:
        fact[LIST_PREFIX["criteria"] + c] = True
    for t in item.tags:
        fact[LIST_PREFIX["tags"] + t] = True
    for name, value in item.facts.items():
        fact[FACT_PREFIX + name] = value.isoformat() if isinstance(value, dt.date) else value
    if item.indicator is not None:
        ind = item.indicator
        fact[FIELD_KEYS["indicator.measure"]] = ind.measure
        fact[FIELD_KEYS["indicator.unit"]] = ind.unit
        latest, comparator = ind.latest_number(), ind.comparator_number()
        if latest is not None:
            fact[FIELD_KEYS["indicator.value"]] = latest
        if comparator is not None:
            fact[FIELD_KEYS["indicator.comparator"]] = comparator
    for (subject, name, needle), key in needles.keys.items():
        if subject == "fact":
            text = item.facts.get(name)
        elif name == "statement":
            text = item.statement
        else:
            text = fact.get(FIELD_KEYS[name])
        fact[key] = isinstance(text, str) and needle in text.casefold()
    return fact
