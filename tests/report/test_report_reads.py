"""The report reads as a report (issue 11): summary first, each statement once, policy in words,
readable force facts and counts that are true. Every assertion is on the real Derbyshire output."""

from __future__ import annotations

import re

from grader.models.result import GradingResult
from grader.render.report import _cited, md_escape, render_report


def _public(result: GradingResult) -> str:
    return render_report(result, "md", "public")


def test_the_summary_comes_first_and_names_every_pillars_grade(derbyshire: GradingResult) -> None:
    text = _public(derbyshire)
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[0] == "Summary"
    summary = text.split("\n## Summary\n", 1)[1].split("\n## ", 1)[0]
    assert f"**Overall grade: {derbyshire.overall.label}.**" in summary
    for p in derbyshire.pillars:
        assert f"| {md_escape(p.title)} | {p.label} |" in summary
    assert "What would change the overall grade" in summary
    assert "any 2 of the 4 pillars now at Meets the standard reaching Exceeds the standard" in summary
    assert len(summary.split()) <= 600  # one page


def test_each_shown_statement_is_printed_exactly_once(derbyshire: GradingResult) -> None:
    text = _public(derbyshire)
    shown = [e for e in derbyshire.evidence if e.marking == "OFFICIAL" and e.kind != "indicator"]
    printed = 0
    for e in shown:
        n = text.count(md_escape(e.statement))
        assert n <= 1, (e.id, n)
        printed += n
    assert printed > 90
    cited = {i for f in derbyshire.criteria for i in _cited(f)}
    for e in shown:
        if e.id in cited or e.kind == "area-for-improvement":
            assert text.count(md_escape(e.statement)) == 1, e.id  # nothing cited is lost


def test_no_rule_id_fact_name_or_rule_syntax_in_the_public_report(derbyshire: GradingResult) -> None:
    text = _public(derbyshire)
    assert "rules/" not in text and "Decided by" not in text
    facts = {k for e in derbyshire.evidence for k in e.facts} | set(derbyshire.framework.settings)
    for k in sorted(f for f in facts if "_" in f):  # a one-word fact is an ordinary word
        assert md_escape(k) not in text, k
    assert "criteria fails or insufficient-evidence" not in text
    assert "meets otherwise" not in text
    assert "2 or more significant criteria are rated fails to meet the standard or insufficient evidence" in text
    inspectorate = render_report(derbyshire, "md", "inspectorate")
    assert "Decided by rules/" in inspectorate and "fails when at least 2 significant criteria" in inspectorate


def test_force_context_has_readable_labels_and_numbers(derbyshire: GradingResult) -> None:
    text = _public(derbyshire)
    assert "| Area (square miles) | more than 1,000 |" in text
    assert "| Population | 987,000 |" in text
    assert "| BME population | less than 5% |" in text
    assert "square miles over" not in text


def test_the_counts_the_report_states_are_true(derbyshire: GradingResult) -> None:
    """Each item is counted once, in the first part it plays: cited by a finding's reasons, cited by
    a contextual note, else the strongest role a finding gave it, else needed by no finding."""
    text = _public(derbyshire)
    rests = {i for f in derbyshire.criteria for i in _cited(f)}
    notes = {i for n in derbyshire.context for i in n.evidence} - rests
    roles = {}
    for f in derbyshire.criteria:
        for c in f.cited:
            roles.setdefault(c.id, set()).add(c.role)
    others = [next(r for r in ("supports", "against", "context") if r in roles[i])
              for i in (e.id for e in derbyshire.evidence) if i not in rests | notes and i in roles]
    unused = derbyshire.meta.evidence_set.items - len(rests) - len(notes) - len(others)
    assert unused == len(derbyshire.unused)  # the parts add up to every item
    assert {r: others.count(r) for r in set(others)} == {"supports": 36, "against": 18, "context": 22}
    assert (f"The rules weighed all {derbyshire.meta.evidence_set.items} items of evidence ") in text
    assert (f"The findings' reasons cite {len(rests)} as the evidence the outcomes rest on and contextual "
            f"notes cite {len(notes)}; of the others, {others.count('supports')} were recorded in support of "
            f"an outcome, {others.count('against')} weighed against one and {others.count('context')} noted "
            f"as context, and {unused} no finding needed.") in " ".join(text.split())
    # and the criterion sections agree: every item a finding weighed without printing it is
    # listed by id under that criterion with the part it played
    int02 = text.split("\n### INT-02 ", 1)[1].split("\n### ", 1)[0]
    assert ("Also filed here, listed by id: INT-02-S7 (recorded in support); INT-02-W1, INT-02-W2, "
            "INT-02-W3 (noted as context).") in int02


def test_areas_for_improvement_are_printed_once(derbyshire: GradingResult) -> None:
    text = _public(derbyshire)
    afis = [e for e in derbyshire.evidence if e.kind == "area-for-improvement" and e.marking == "OFFICIAL"]
    assert afis
    for e in afis:
        assert text.count(md_escape(e.statement)) == 1, e.id
