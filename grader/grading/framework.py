"""Facts about the framework and the force's statistics that a result carries for its readers.

The pack's scale, pillars, criteria and policy (in words) travel with the result, and each
indicator's change and distance from its comparator are computed here, once, so that renderers
only present them.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.grading.text import describe_roll
from grader.models.evidence import EvidenceItem
from grader.models.pack import GradeRule, RulePack
from grader.models.result import (
    ContextFinding,
    CriterionSpec,
    Framework,
    IndicatorRow,
    KindEntry,
    PillarSpec,
    PolicyLine,
    PolicyText,
    ScaleEntry,
    Term,
)


def framework_of(pack: RulePack) -> Framework:
    """The pack as a reader of the result needs it (no rules, just what they judge)."""
    m = pack.manifest
    pol = m.policy

    def rules_text(level_rules: Sequence[GradeRule]) -> list[PolicyLine]:
        lines = []
        for r in level_rules:
            when = describe_roll(r.when) if r.when is not None else None
            lines.append(PolicyLine(grade=r.grade, when=when,
                                    text=f"{r.grade} when {when}" if when else f"{r.grade} otherwise"))
        return lines

    return Framework(
        name=m.name, version=m.version, title=m.title, description=m.framework, source=m.source,
        scale=[ScaleEntry(id=g.id, label=g.label, meaning=g.meaning) for g in m.scale],
        pillars=[PillarSpec(id=p.id, title=p.title, aim=p.aim, graded=p.graded) for p in m.pillars],
        kinds=[KindEntry(id=k.id, label=k.label, meaning=k.meaning, must_cite=k.must_cite) for k in m.kinds],
        criteria=[CriterionSpec(id=c.id, pillar=c.pillar, title=c.title, standard=c.standard,
                                significant=c.significant, section=c.source.section if c.source else None)
                  for c in pack.criteria],
        settings=dict(m.settings),
        policy=PolicyText(
            adverse=list(pol.adverse), mitigated_as=pol.mitigated_as,
            pillar=rules_text(pol.pillar.rules),
            pillar_caps=[f"at most {c.at_most} when {describe_roll(c.when)}" for c in pol.pillar.caps],
            overall=rules_text(pol.overall.rules) if pol.overall else [],
            overall_caps=[f"at most {c.at_most} when {describe_roll(c.when)}" for c in pol.overall.caps]
            if pol.overall else [],
        ),
        glossary=[Term(abbr=t.abbr, meaning=t.meaning) for t in pack.glossary],
        judgement_policy=pol.judgements,
    )


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def indicator_rows(items: Sequence[EvidenceItem], context: Sequence[ContextFinding]) -> list[IndicatorRow]:
    """Each indicator with its change (relative % for rates, percentage points for percentages)."""
    rows = []
    for item in items:
        ind = item.indicator
        if ind is None:
            continue
        values = [None if isinstance(v.value, str) else v.value for v in ind.values]
        first, last = values[0], values[-1]
        change: float | None = None
        unit = "pp" if ind.unit == "percent" else "%"
        if first is not None and last is not None and len(values) > 1:
            if ind.unit == "percent":
                change = last - first
            elif first != 0:
                change = (last - first) / first * 100
            elif last == 0:
                change = 0.0
        comp = ind.comparator_number()
        rows.append(IndicatorRow(
            id=item.id, label=ind.label, unit=ind.unit, periods=[v.period for v in ind.values], values=values,
            comparator_label=ind.comparator.label if ind.comparator else None, comparator=comp,
            change=_round(change), change_unit=unit if change is not None else None,
            published_change=ind.published_change,
            ratio_to_comparator=_round(last / comp) if last is not None and comp else None,
            difference_to_comparator=_round(last - comp) if last is not None and comp is not None else None,
            notes=[c.note for c in context if item.id in c.evidence],
        ))
    return rows
