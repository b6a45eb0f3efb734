"""A grading as an OSCAL 1.2.1 ``assessment-results`` document (``grader export oscal``).

The mapping, field by field, is in docs/oscal.md. In short:

- one ``result`` for the grading, its ``props`` holding the overall and pillar grades;
- one ``observation`` per evidence item the audience may see: the statement, how it was
  gathered (``methods``), when (``collected``) and where it is written (``relevant-evidence``
  pointing at the source document in ``back-matter``);
- one ``finding`` per criterion, targeting the criterion's statement in the pack's catalog
  (``grader export oscal-catalog``), with OSCAL's two-state status (``satisfied`` unless the
  pack counts the outcome as adverse) and the pack's own outcome, the outcome as assessed, a
  mitigation or uplift kept as ``props`` in grader's namespace; it links the observations it
  cites;
- the pack, its version and the SHA-256 of every input file the audience may see, as a
  ``back-matter`` resource that ``import-ap`` points at.

The document is built from a result already filtered for the audience
(:func:`grader.audience.redact_result`), so nothing withheld can reach it. It decides nothing:
every grade and outcome is the result's.
"""

from __future__ import annotations

import json
from typing import Any

from grader.models.evidence import EvidenceItem
from grader.models.judgement import AppliedJudgement
from grader.models.result import CriterionFinding, GradingResult
from grader.oscalspec import NS, OSCAL_VERSION, control_id, statement_id, timestamp, uuid_for

#: How each kind of evidence was gathered, in OSCAL's words (observation ``methods``).
_METHODS = {
    "interview": "INTERVIEW",
    "indicator": "TEST",
}


def _prop(name: str, value: object, *, cls: str | None = None, remarks: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "ns": NS, "value": str(value)}
    if cls is not None:
        out["class"] = cls
    if remarks:
        out["remarks"] = remarks
    return out


def _text(value: str) -> str:
    """OSCAL markup text: grader's plain sentences, with Markdown's special characters made inert."""
    return value.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`") \
        .replace("[", "\\[").replace("]", "\\]").replace("<", "&lt;").replace(">", "&gt;")


class _Ids:
    """The UUIDs of one document, each derived from the set, the pack and what it names."""

    def __init__(self, result: GradingResult) -> None:
        self.scope = (result.meta.evidence_set.id, result.meta.pack.name, result.meta.pack.version,
                      result.meta.audience or "unfiltered")

    def __call__(self, *parts: str) -> str:
        return uuid_for(*self.scope, *parts)


def assessment_results(result: GradingResult) -> dict[str, Any]:
    """The OSCAL document for ``result`` (filter it for its audience first)."""
    ids = _Ids(result)
    es = result.meta.evidence_set
    pack = result.meta.pack
    inspected = timestamp(es.inspected)
    documents = sorted({e.source.document for e in result.evidence})
    doc_uuid = {d: ids("document", d) for d in documents}
    pack_uuid = ids("pack")

    observations = [_observation(e, ids, doc_uuid) for e in sorted(result.evidence, key=lambda e: e.id)
                    if e.verified]
    observed = {e.id for e in result.evidence if e.verified}
    findings = [_finding(f, result, ids, observed) for f in result.criteria]

    props = _overall_props(result)
    if result.overall is not None and result.overall.judgement is not None:
        props += _judgement_props(result.overall.judgement, result.overall.rule_outcome, "overall")
    for p in result.pillars:
        props.append(_prop("pillar-grade", p.grade, cls=p.id, remarks=p.rationale))
        if p.judgement is not None:
            props += _judgement_props(p.judgement, p.rule_outcome, p.id)
        if p.assessed_grade != p.grade:
            props.append(_prop("pillar-assessed-grade", p.assessed_grade, cls=p.id))
    props.append(_prop("marking", result.meta.marking))
    if result.meta.audience is not None:
        props.append(_prop("audience", result.meta.audience))
        props.append(_prop("withheld-items", result.meta.withheld))

    collected = sorted(e.collected for e in result.evidence)
    start = timestamp(collected[0]) if collected and timestamp(collected[0]) <= inspected else inspected
    res: dict[str, Any] = {
        "uuid": ids("result"),
        "title": f"{es.force}: {pack.title}",
        "description": _text(f"{es.title}. Graded by grader against {pack.title} ({pack.name} {pack.version}): "
                             + (f"{result.overall.label}. {result.overall.rationale}" if result.overall is not None
                                else "no overall grade (the framework grades each pillar on its own).")),
        "start": start,
        "end": inspected,
        "props": props,
        "reviewed-controls": {"control-selections": [
            {"include-controls": [{"control-id": control_id(c.criterion)} for c in result.criteria]}]},
    }
    if observations:
        res["observations"] = observations
    if findings:
        res["findings"] = findings

    resources = [_pack_resource(result, pack_uuid)]
    for d in documents:
        info = result.documents.get(d)
        resource: dict[str, Any] = {"uuid": doc_uuid[d], "title": info.title if info else d,
                                    "props": [_prop("document-key", d)]}
        if info is not None:
            citation = ", ".join(x for x in (info.publisher, info.published.isoformat() if info.published else None,
                                             info.reference) if x)
            if citation:
                resource["citation"] = {"text": _text(f"{info.title}. {citation}")}
        resources.append(resource)

    metadata: dict[str, Any] = {
        "title": f"{es.force}: {es.title} ({pack.title})",
        "last-modified": inspected,
        "version": f"{pack.name} {pack.version}",
        "oscal-version": OSCAL_VERSION,
        "props": [_prop("marking", result.meta.marking), _prop("evidence-set", es.id),
                  _prop("grader-version", result.meta.grader_version)],
        "remarks": _text(f"Protective marking: {result.meta.marking}. "
                         + (f"Filtered for the {result.meta.audience} audience: "
                            f"{result.meta.withheld} item(s) withheld." if result.meta.audience
                            else "Not filtered: handle at the marking above.")),
    }
    return {"assessment-results": {
        "uuid": ids("assessment-results"),
        "metadata": metadata,
        "import-ap": {"href": f"#{pack_uuid}",
                      "remarks": _text("grader has no assessment plan document: the plan is the rule pack, "
                                       "described with the digest of each of its files in back-matter.")},
        "results": [res],
        "back-matter": {"resources": resources},
    }}


def _overall_props(result: GradingResult) -> list[dict[str, Any]]:
    """The overall grade as props; none when the pack gives no overall grade (PEEL grades each
    area on its own), so a reader never sees a grade nobody decided."""
    o = result.overall
    if o is None:
        return []
    props = [_prop("overall-grade", o.grade, remarks=o.rationale), _prop("overall-label", o.label)]
    if o.assessed_grade != o.grade:
        props.append(_prop("overall-assessed-grade", o.assessed_grade))
    return props


def _observation(item: EvidenceItem, ids: _Ids, doc_uuid: dict[str, str]) -> dict[str, Any]:
    s = item.source
    where = [s.section]
    if s.list:
        where.append(f"{s.list.replace('-', ' ')} item {s.item}" if s.item else s.list.replace("-", " "))
    elif s.item:
        where.append(f"item {s.item}")
    if s.page:
        where.append(f"page {s.page}")
    props = [_prop("evidence-id", item.id), _prop("kind", item.kind), _prop("pillar", item.pillar),
             _prop("marking", item.marking)]
    props.extend(_prop("criterion", c) for c in item.criteria)
    obs: dict[str, Any] = {
        "uuid": ids("observation", item.id),
        "title": f"{item.id} ({item.kind.replace('-', ' ')})",
        "description": _text(item.statement),
        "props": props,
        "methods": [_METHODS.get(item.kind, "EXAMINE")],
        "collected": timestamp(item.collected),
        "relevant-evidence": [{"href": f"#{doc_uuid[s.document]}", "description": _text("; ".join(where))}],
    }
    return obs


def _finding(f: CriterionFinding, result: GradingResult, ids: _Ids, observed: set[str]) -> dict[str, Any]:
    adverse = set(result.framework.policy.adverse)
    satisfied = f.outcome not in adverse
    status: dict[str, Any] = {"state": "satisfied" if satisfied else "not-satisfied", "reason": f.outcome}
    props = [_prop("outcome", f.outcome, remarks=result.framework.label(f.outcome)),
             _prop("assessed-outcome", f.assessed_outcome), _prop("decided-by", f.decided_by),
             _prop("significant", "true" if f.significant else "false"), _prop("pillar", f.pillar)]
    if f.judgement is not None:
        props += _judgement_props(f.judgement, f.rule_outcome)
    if f.mitigation is not None:
        props.append(_prop("mitigation", f.mitigation.basis, remarks=f.mitigation.rationale))
    if f.uplift is not None:
        props.append(_prop("uplift", f.uplift.rule, remarks=f.uplift.rationale))
    for c in f.concerns:
        props.append(_prop("concern", c.concern, remarks=c.rationale))
    cited = sorted({*f.evidence, *(f.mitigation.evidence if f.mitigation else []),
                    *(f.uplift.evidence if f.uplift else []), *(i for c in f.concerns for i in c.evidence)})
    finding: dict[str, Any] = {
        "uuid": ids("finding", f.criterion),
        "title": f"{f.criterion} {f.title}",
        "description": _text(f.rationale),
        "props": props,
        "target": {
            "type": "statement-id",
            "target-id": statement_id(f.criterion),
            "status": status,
        },
    }
    related = [{"observation-uuid": ids("observation", i)} for i in cited if i in observed]
    if related:
        finding["related-observations"] = related
    return finding


def _judgement_props(j: AppliedJudgement, rule_outcome: str, cls: str | None = None) -> list[dict[str, Any]]:
    """An inspectors' judgement: what the rules gave, and who decided otherwise and why (the
    result was filtered for the audience first, so the public sees a role, not a name)."""
    who = j.by if j.by == j.role else f"{j.by} ({j.role})"
    return [_prop("rule-outcome", rule_outcome, cls=cls),
            _prop("judged", j.outcome, cls=cls, remarks=f"Judged by {who} on {j.date.isoformat()}: {j.reason}")]


def _pack_resource(result: GradingResult, pack_uuid: str) -> dict[str, Any]:
    pack = result.meta.pack
    rlinks = [{"href": f.path, "hashes": [{"algorithm": "SHA-256", "value": f.sha256}]}
              for f in result.meta.inputs]
    resource: dict[str, Any] = {
        "uuid": pack_uuid,
        "title": f"{pack.title} ({pack.name} {pack.version}): the rule pack and the input files graded",
        "description": _text("The rule pack is the assessment plan: its criteria are the controls of the "
                             f"catalog written by 'grader export oscal-catalog' for {pack.name} {pack.version}. "
                             "Each input file (pack and evidence) is listed with its SHA-256."),
        "props": [_prop("pack", pack.name), _prop("pack-version", pack.version)],
    }
    if rlinks:
        resource["rlinks"] = rlinks
    return resource


def render_oscal(result: GradingResult) -> str:
    """The document as JSON text (two-space indent, one trailing newline: stable bytes)."""
    return json.dumps(assessment_results(result), indent=2, ensure_ascii=False) + "\n"
