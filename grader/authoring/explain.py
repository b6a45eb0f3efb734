"""``grader explain``: how one criterion was decided, in words an inspector can check."""

from __future__ import annotations

from pathlib import Path

from grader.engine.compiler import counting_clauses
from grader.errors import InputError, Problem
from grader.grading.run import Grader
from grader.grading.text import describe_clause, describe_cond
from grader.loading.conditions import suggest
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack
from grader.models.pack import CountClause


def explain_criterion(criterion_id: str, evidence_dir: Path, pack_dir: Path) -> str:
    """A plain-text account: the standard, each rule and clause, what matched, the outcome."""
    loaded_pack = load_pack(Path(pack_dir))
    pack = loaded_pack.pack
    ids = [c.id for c in pack.criteria]
    if criterion_id not in ids:
        raise InputError([Problem(file=str(pack_dir), code="CLI-001",
                                  message=f"no criterion {criterion_id!r}{suggest(criterion_id, ids)}")])
    crit = pack.criterion(criterion_id)
    loaded = load_evidence(Path(evidence_dir))
    with Grader(loaded_pack) as grader:
        result = grader.grade(loaded)
    finding = result.criterion(criterion_id)
    statements = loaded.evidence.by_id()
    traces = {t.rule: t for t in finding.trace}
    lines = [f"{crit.id} {crit.title} ({crit.pillar}{', significant' if crit.significant else ''})",
             f"Standard: {crit.standard}", ""]
    sections = [("rules", crit.rules), ("uplifts", [*crit.uplifts, *pack.manifest.uplifts]),
                ("mitigations", crit.mitigations), ("concerns", [*crit.concerns, *pack.manifest.shared_concerns])]
    for section, rules in sections:
        for rule in rules:
            t = traces.get(f"{section}/{rule.id}")
            if t is None:
                continue
            label = getattr(rule, "outcome", None) or getattr(rule, "to", None) or getattr(rule, "concern", None) \
                or getattr(rule, "basis", "")
            lines.append(f"{section[:-1]} {rule.id} -> {label}: {'HOLDS' if t.holds else 'does not hold'}")
            lines.append(f"  needs: {describe_clause(rule.when)}")
            by_key = {c.key: c for c in t.clauses}
            for clause in counting_clauses(rule.when):
                c = by_key.get(clause.key)
                matched = c.matched if c else []
                what = describe_cond(clause.where) if isinstance(clause, CountClause) else "pair"
                state = "holds" if c and c.holds else "fails"
                lines.append(f"  - {clause.name or 'clause'} ({state}): {what}")
                lines.append(f"      matched: {', '.join(matched) if matched else 'nothing'}")
            lines.append("")
    lines.append(f"Outcome: {finding.outcome} (as assessed: {finding.assessed_outcome}; decided by {finding.decided_by})")
    lines.append(f"Because: {finding.rationale}")
    if finding.mitigation:
        lines.append(f"Mitigated ({finding.mitigation.basis}): {finding.mitigation.rationale}")
    for c in finding.concerns:
        lines.append(f"Concern ({c.concern}): {c.rationale}")
    cited = sorted(set(finding.evidence) | set(finding.mitigation.evidence if finding.mitigation else []))
    lines.append("")
    lines.append("Evidence relied on:")
    for eid in cited:
        item = statements[eid]
        lines.append(f"  {eid} [{item.kind}, {item.marking}] {item.statement}")
    if not cited:
        lines.append("  none")
    pillar = result.pillar(crit.pillar)
    lines.append("")
    lines.append(f"Rolls up into {pillar.title}: {pillar.label}. {pillar.rationale}")
    return "\n".join(lines)
