"""A rule pack as an OSCAL 1.2.1 ``catalog`` (``grader export oscal-catalog``).

Pillars become groups, criteria become controls, and each control's parts say what the
criterion requires (its ``statement``, which an assessment's findings target) and what each
of its rules, mitigations, uplifts and concerns looks for (``guidance``), in the plain words
``grader explain`` uses. So a finding in ``grader export oscal`` points at a real control id of a
catalog anyone can read. The mapping is in docs/oscal.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.errors import InputError, Problem
from grader.grading.text import describe_clause
from grader.loading.files import display_path
from grader.models.pack import Criterion, RulePack
from grader.oscalspec import NS, OSCAL_VERSION, control_id, statement_id, timestamp, uuid_for


def _guidance(crit: Criterion, cid: str) -> list[dict[str, Any]]:
    """One part per rule, mitigation, uplift and concern, and ``otherwise``: what each looks for."""
    entries: list[tuple[str, str, str, str]] = []  # (section, id, title, prose)
    entries += [("rules", r.id, f"Rule {r.id}: {r.outcome}", f"Gives '{r.outcome}' when it finds "
                 f"{describe_clause(r.when)}.") for r in crit.rules]
    entries += [("mitigations", m.id, f"Mitigation {m.id}: {m.basis.replace('-', ' ')}",
                 f"Mitigates an adverse outcome when it finds {describe_clause(m.when)}.") for m in crit.mitigations]
    entries += [("uplifts", u.id, f"Uplift {u.id}: {u.from_} to {u.to}",
                 f"Lifts '{u.from_}' to '{u.to}' when it finds {describe_clause(u.when)}.") for u in crit.uplifts]
    entries += [("concerns", c.id, f"Concern {c.id}: {c.concern.replace('-', ' ')}",
                 f"Raises a concern, beside the outcome, when it finds {describe_clause(c.when)}.")
                for c in crit.concerns]
    items = [{"id": f"{cid}_gdn.{section}.{rid}", "name": "item", "title": title, "prose": prose}
             for section, rid, title, prose in entries]
    otherwise = crit.otherwise.outcome
    items.append({"id": f"{cid}_gdn.otherwise", "name": "item", "title": f"Otherwise: {otherwise}",
                  "prose": f"When no rule holds, the outcome is '{otherwise}'."})
    return items


def catalog(pack: RulePack, pack_dir: Path) -> dict[str, Any]:
    """The OSCAL catalog of ``pack``; its ``published`` date is the catalog's ``last-modified``."""
    m = pack.manifest
    if m.published is None:
        raise InputError([Problem(file=display_path(Path(pack_dir) / "pack.yaml"), code="OSCAL-001",
                                  message="the pack has no 'published' date, and an OSCAL catalog must say when it "
                                          "was last modified: add 'published: YYYY-MM-DD' to pack.yaml")])
    groups = []
    for pillar in m.pillars:
        controls = []
        for crit in (c for c in pack.criteria if c.pillar == pillar.id):
            cid = control_id(crit.id)
            props = [{"name": "label", "value": crit.id},
                     {"name": "significant", "ns": NS, "value": "true" if crit.significant else "false"}]
            if crit.source is not None:
                props.append({"name": "source-section", "ns": NS, "value": crit.source.section})
            controls.append({
                "id": cid,
                "class": "criterion",
                "title": crit.title,
                "props": props,
                "parts": [
                    {"id": statement_id(crit.id), "name": "statement", "prose": crit.standard},
                    {"id": f"{cid}_gdn", "name": "guidance", "prose": "What the pack's rules look for, in order.",
                     "parts": _guidance(crit, cid)},
                ],
            })
        group: dict[str, Any] = {"id": pillar.id, "class": "pillar", "title": pillar.title,
                                 "parts": [{"id": f"{pillar.id}_ovw", "name": "overview", "prose": pillar.aim}]}
        if controls:
            group["controls"] = controls
        groups.append(group)
    metadata: dict[str, Any] = {
        "title": m.title,
        "last-modified": timestamp(m.published),
        "version": m.version,
        "oscal-version": OSCAL_VERSION,
        "props": [{"name": "pack", "ns": NS, "value": m.name}],
    }
    remarks = " ".join(x for x in (m.framework, f"Source: {m.source}" if m.source else None) if x)
    if remarks:
        metadata["remarks"] = remarks
    scale = "; ".join(f"{g.id}: {g.label}" for g in m.scale)
    metadata["props"].append({"name": "scale", "ns": NS, "value": scale})
    return {"catalog": {"uuid": uuid_for(m.name, m.version, "catalog"), "metadata": metadata, "groups": groups}}


def render_catalog(pack: RulePack, pack_dir: Path) -> str:
    """The catalog as JSON text (two-space indent, one trailing newline: stable bytes)."""
    return json.dumps(catalog(pack, pack_dir), indent=2, ensure_ascii=False) + "\n"
