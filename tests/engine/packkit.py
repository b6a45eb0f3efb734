"""Build small rule packs and evidence sets on disk for tests, then load and grade them.

Everything goes through the real loaders (``load_pack`` / ``load_evidence``) and the real
``Grader``, so the tests exercise the same path as ``grader grade``. Used by
tests/engine/conftest.py and tests/grading/conftest.py (loaded there by file path).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import yaml

from grader.grading.run import Grader
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack
from grader.models.result import GradingResult

DOC = "doc-1"
COLLECTED = dt.date(2008, 7, 1)

#: A three-level scale and the ACPO roll-up policy (see rules/acpo-major-crime-2008/pack.yaml).
SCALE3 = [
    {"id": "exceeds", "label": "Exceeds the standard"},
    {"id": "meets", "label": "Meets the standard"},
    {"id": "fails", "label": "Fails to meet the standard"},
]
SETTINGS3 = {"significant_gaps_for_fail": 2, "exceeds_share": 0.5}
POLICY3: dict[str, Any] = {
    "adverse": ["fails", "insufficient-evidence"],
    "mitigated_as": "meets",
    "pillar": {
        "rules": [
            {"grade": "fails",
             "when": {"name": "gaps", "count": {"outcome": ["fails", "insufficient-evidence"], "significant": True},
                      "at_least": "significant_gaps_for_fail"},
             "because": "{gaps.count} significant criteria are not evidenced ({gaps})."},
            {"grade": "exceeds",
             "when": {"all": [
                 {"name": "beyond", "count": {"outcome": ["exceeds"], "significant": True},
                  "at_least_fraction": "exceeds_share"},
                 {"count": {"outcome": ["fails", "insufficient-evidence"], "significant": True}, "at_most": 0},
             ]},
             "because": "Beyond the standard in {beyond.count} significant criteria ({beyond})."},
            {"grade": "meets", "because": "The significant criteria of this pillar are evidenced."},
        ],
        "caps": [
            {"at_most": "meets",
             "when": {"name": "gap", "count": {"outcome": ["fails", "insufficient-evidence"], "significant": True},
                      "at_least": 1},
             "because": "An unevidenced significant criterion ({gap}) stops the pillar exceeding."},
        ],
    },
    "overall": {
        "rules": [
            {"grade": "fails", "when": {"name": "failed", "count": {"grade": ["fails"]}, "at_least": 1},
             "because": "Pillars failing: {failed}."},
            {"grade": "exceeds",
             "when": {"all": [
                 {"name": "beyond", "count": {"grade": ["exceeds"]}, "at_least_fraction": "exceeds_share"},
                 {"count": {"grade": ["fails"]}, "at_most": 0},
             ]},
             "because": "Pillars exceeding: {beyond}."},
            {"grade": "meets", "because": "Every pillar meets the standard or better."},
        ],
    },
}
UPLIFT3 = {
    "id": "beyond-with-case",
    "from": "meets",
    "to": "exceeds",
    "when": {"all": [
        {"name": "capacity", "some": {"fact": "beyond_standard", "equals": True}},
        {"name": "case", "some": {"fact": "business_case", "equals": True}},
    ]},
    "because": "Capacity beyond the standard ({capacity}) with a business case ({case}).",
}

#: Facts every test pack declares (tests may add more).
BASE_FACTS = {
    "flag": "bool",
    "other_flag": "bool",
    "count": "number",
    "score": "number",
    "name": "text",
    "topic": "text",
    "seen": "date",
    "gap": "bool",
    "gap_managed": "bool",
    "beyond_standard": "bool",
    "business_case": "bool",
    "costly": "bool",
}

_COUNTER = itertools.count()


def dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def criterion(cid: str, rules: list[dict[str, Any]], *, pillar: str = "alpha", significant: bool = True,
              **extra: Any) -> dict[str, Any]:
    return {"id": cid, "pillar": pillar, "title": f"Criterion {cid}", "standard": f"The standard of {cid}.",
            "significant": significant, "rules": rules, **extra}


def rule(rid: str, outcome: str, when: dict[str, Any], because: str = "Because.") -> dict[str, Any]:
    return {"id": rid, "outcome": outcome, "when": when, "because": because}


def write_pack(root: Path, criteria: list[dict[str, Any]], *, facts: dict[str, str] | None = None,
               pillars: tuple[str, ...] = ("alpha", "beta"), scale: list[dict[str, Any]] | None = None,
               policy: dict[str, Any] | None = None, settings: dict[str, Any] | None = None,
               uplifts: list[dict[str, Any]] | None = None, shared_concerns: list[dict[str, Any]] | None = None,
               context_notes: list[dict[str, Any]] | None = None, name: str = "test-pack") -> Path:
    """Write a pack folder under ``root`` and return it."""
    root = Path(root) / f"pack-{next(_COUNTER)}"
    manifest: dict[str, Any] = {
        "name": name,
        "version": "1.0.0",
        "title": "Test pack",
        "scale": copy.deepcopy(scale if scale is not None else SCALE3),
        "pillars": [{"id": p, "title": p.title(), "aim": f"The aim of {p}."} for p in pillars],
        "settings": dict(settings if settings is not None else SETTINGS3),
        "policy": copy.deepcopy(policy if policy is not None else POLICY3),
    }
    if uplifts:
        manifest["uplifts"] = uplifts
    if shared_concerns:
        manifest["shared_concerns"] = shared_concerns
    if context_notes:
        manifest["context_notes"] = context_notes
    dump(root / "pack.yaml", manifest)
    catalogue = {**BASE_FACTS, **(facts or {})}
    dump(root / "facts" / "x.yaml",
         {"facts": {k: {"type": t, "description": f"The fact {k}."} for k, t in catalogue.items()}})
    for c in criteria:
        dump(root / "criteria" / f"{c['id']}.yaml", c)
    return root


def item(iid: str, *, criteria: list[str] | None = None, kind: str = "strength", facts: dict[str, Any] | None = None,
         statement: str | None = None, **extra: Any) -> dict[str, Any]:
    """One evidence item (file defaults fill pillar, source, verified, marking, collected)."""
    out: dict[str, Any] = {"id": iid, "criteria": ["T-01"] if criteria is None else criteria, "kind": kind,
                           "statement": statement or f"Statement of {iid}."}
    if facts:
        out["facts"] = facts
    out.update(extra)
    return out


def indicator(iid: str, value: float | str, comparator: float | str | None, *, unit: str = "per-1k-population",
              measure: str = "rate", criteria: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"measure": measure, "label": "A rate", "unit": unit,
                             "values": [{"period": "2006", "value": 1.0}, {"period": "2007", "value": value}]}
    if comparator is not None:
        block["comparator"] = {"label": "MSF group mean", "value": comparator}
    return item(iid, kind="indicator", criteria=criteria, indicator=block, **extra)


def write_evidence(root: Path, items: list[dict[str, Any]], *, pillar: str = "alpha",
                   framework: str = "test-pack") -> Path:
    """Write an evidence set folder under ``root`` and return it."""
    root = Path(root) / f"evidence-{next(_COUNTER)}"
    dump(root / "evidence-set.yaml", {
        "id": "test-set",
        "force": "Test Constabulary",
        "framework": framework,
        "title": "Test inspection",
        "inspected": COLLECTED,
        "documents": {DOC: {"title": "Test report"}},
    })
    dump(root / "items" / "x.yaml", {
        "defaults": {"pillar": pillar, "verified": True, "marking": "OFFICIAL", "collected": COLLECTED,
                     "source": {"document": DOC, "section": "Summary 1"}},
        "items": items,
    })
    return root


def grade(pack_dir: Path, evidence_dir: Path) -> GradingResult:
    with Grader(load_pack(pack_dir)) as g:
        return g.grade(load_evidence(evidence_dir))


def grade_many(pack_dir: Path, evidence_dirs: list[Path]) -> list[GradingResult]:
    with Grader(load_pack(pack_dir)) as g:
        return [g.grade(load_evidence(e)) for e in evidence_dirs]
