"""The grade rationale report: a result read as an inspector would write it, in Markdown or HTML.

The report reads a :class:`~grader.models.result.GradingResult` and decides nothing. Every grade,
outcome, sentence of reasoning and "what would change the grade" comes from the result; this
module only chooses what an audience may see, puts it in order and formats numbers.

Two steps keep the report honest:

1. :func:`report_view` builds a *view*: plain data holding only what the audience may see. An
   item marked above the audience's ceiling (``OFFICIAL`` for the public) never enters the
   view: not its statement, source, facts or id. Sentences that cite it have the id replaced by
   a count ("1 withheld item"), and each finding says how many withheld items supported it.
2. Jinja2 templates (``templates/report.md.j2`` and ``templates/report.html.j2``) lay the view
   out, section for section in the same order (the view's ``toc`` names the sections; the HTML
   adds pictures and a table of contents; tests/report/test_report_shape.py checks that both
   have the same headings and evidence ids). HTML is autoescaped; Markdown text goes through
   :func:`md_escape`.

Output is deterministic: no timestamps, stable order, the same bytes for the same result.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import jinja2
import markupsafe

from grader.audience import AUDIENCE_WORDS, Visibility, highest_marking, result_for_names, signoff_for
from grader.models.common import MARKINGS, FactValue
from grader.models.evidence import EvidenceItem
from grader.models.result import (
    Counterfactual,
    CriterionFinding,
    GradeFinding,
    GradingResult,
    IndicatorRow,
    PolicyLine,
)
from grader.render import svg
from grader.render.terminal import visible
from grader.render.judgement_view import judgement_view, shows_names, signoff_view

ReportFormat = Literal["md", "html"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_KIND_HEADINGS = (
    ("strength", "Strengths"),
    ("work-in-progress", "Work in progress"),
    ("area-for-improvement", "Areas for improvement"),
)
_SPECIAL_LABELS = {"insufficient-evidence": "Insufficient evidence", "not-applicable": "Not applicable"}



# --------------------------------------------------------------------------------------------
# Formatting helpers (no judgement: words for values the result already holds)


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 item`` / ``2 items``: counts in a report read as words an inspector would write."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def fact_text(value: FactValue) -> str:
    """A fact value as shown to a reader: yes/no, ISO dates, numbers without trailing zeros."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _humanise(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ")


def _fact_name(key: str, abbrs: dict[str, str]) -> str:
    """``police_officers`` -> ``Police officers``; ``pcsos`` -> ``PCSOs`` (abbreviations from the glossary).

    A unit word in the key (``square_miles``, ``percent``) is put in brackets after the name and a
    bound (``_over``, ``_under``) is left to :func:`_fact_row`, so the label reads as a label:
    ``area_square_miles_over`` -> ``Area (square miles)``.
    """
    key = re.sub(r"_(over|under)$", "", key)
    unit = next((u for u in ("square_miles", "percent") if key.endswith("_" + u)), None)
    if unit:
        key = key[: -len(unit) - 1]
    words = []
    for w in key.split("_"):
        if w.upper() in abbrs:
            w = abbrs[w.upper()]
        elif w.endswith("s") and w[:-1].upper() in abbrs:
            w = abbrs[w[:-1].upper()] + "s"
        words.append(w)
    text = " ".join(words)
    text = text[:1].upper() + text[1:]
    return f"{text} ({_humanise(unit)})" if unit == "square_miles" else text  # a percent shows its own %


def _fact_row(key: str, value: FactValue, abbrs: dict[str, str]) -> tuple[str, str]:
    """A force fact as a table row a reader can take in: label and value with thousands
    separators, a bound in words ("over 1,000") and a percent sign where the key says percent."""
    text = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else fact_text(value)
    if re.search(r"_percent(_over|_under)?$", key):
        text += "%"
    bound = re.search(r"_(over|under)$", key)
    if bound:
        text = f"{'more than' if bound.group(1) == 'over' else 'less than'} {text}"
    return _fact_name(key, abbrs), text


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "not applicable"
    if unit == "percent":
        return f"{value:.2f}%"
    if unit == "count":
        return f"{value:g}"
    return f"{value:.3f}"


def _change(row: IndicatorRow) -> str:
    if row.change is None:
        return "not applicable"
    if row.change_unit == "pp":
        return f"{row.change:+.2f} pp"
    return f"{row.change:+.2f}%"


def _versus(row: IndicatorRow) -> str:
    """Distance from the comparator: points for percentages, relative % for rates."""
    if row.unit == "percent":
        return "not applicable" if row.difference_to_comparator is None else f"{row.difference_to_comparator:+.2f} pp"
    if row.ratio_to_comparator is not None:
        return f"{(row.ratio_to_comparator - 1) * 100:+.1f}%"
    if row.difference_to_comparator is not None:
        return f"{row.difference_to_comparator:+.3f}"
    return "not applicable"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START = re.compile(r"^(\s*)([#+*>-]|\d+[.)])(?=\s|$)")
_MD_RULE = re.compile(r"^\s*[=-]+\s*$")


def md_escape(text: object) -> str:
    """Inspector text made inert in Markdown: no emphasis, links, HTML, tables or headings.

    Whitespace (including newlines) becomes single spaces, so a statement can never start a
    heading or a list, and a ``|`` can never break a table. Control and bidirectional characters
    become visible escapes (``\\x1b``, ``\\u202e``; render/terminal.py), so the report printed
    to a terminal cannot act on it.
    """
    s = visible(re.sub(r"\s+", " ", str(text)), one_line=True)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = _MD_ENTITY.sub(r"\\&", s)
    if _MD_RULE.match(s):
        return s.replace("-", "\\-").replace("=", "\\=")
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), s)


_SHA256 = re.compile(r"[0-9a-f]{64}")


def md_code(text: object) -> str:
    """A digest as a Markdown code span; anything that is not one is escaped text instead
    (a code span shows backslash escapes literally, so it can only hold what needs none)."""
    s = str(text)
    return f"`{s}`" if _SHA256.fullmatch(s) else md_escape(s)


def _finalize(value: object) -> object:
    """Every ``{{ }}`` value of either template, before HTML autoescaping: control and
    bidirectional characters shown as escapes, whatever the template forgot."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(visible(value))  # escapes add no HTML-special character
    return visible(value) if isinstance(value, str) else value


# --------------------------------------------------------------------------------------------
# The view


def _label(result: GradingResult, state: str) -> str:
    for g in result.framework.scale:
        if g.id == state:
            return g.label
    return _SPECIAL_LABELS.get(state, _humanise(state).capitalize())


def _source_text(item: EvidenceItem, several_documents: bool, documents: dict[str, str]) -> str:
    s = item.source
    parts = []
    if several_documents:
        parts.append(documents.get(s.document, s.document))
    parts.append(s.section)
    if s.list:
        parts.append(f"{_humanise(s.list)} item {s.item}" if s.item else _humanise(s.list))
    elif s.item:
        parts.append(f"item {s.item}")
    if s.page:
        parts.append(f"page {s.page}")
    return "; ".join(parts)


def _policy_line(lines: Sequence[PolicyLine], grade: str) -> str | None:
    """The pack's roll-up rule that gives ``grade``, in words."""
    return next((line.text for line in lines if line.grade == grade), None)


_COUNT = re.compile(r"^(?P<bound>at least|at most) (?P<n>\d+) (?P<noun>.*?(?:criteria|pillars)) (?P<states>.+)$")
_SHARE = re.compile(r"^at least (?P<pct>\d+%) of (?P<noun>.*?(?:criteria|pillars)) are (?P<states>.+)$")


def _plain_clause(clause: str, result: GradingResult) -> str:
    """One condition of a roll-up rule (as grading words it) in plain English for the public:
    "at least 2 significant criteria fails or insufficient-evidence" -> "2 or more significant
    criteria are rated fails to meet the standard or insufficient evidence". A condition this
    does not recognise is returned as it is (it is still words, never a rule id)."""
    m = _SHARE.match(clause) or _COUNT.match(clause)
    if m is None:
        if clause.startswith("not [") and clause.endswith("]"):
            return f"it is not the case that {_plain_clause(clause[5:-1], result)}"
        return clause
    states = " or ".join(_label(result, st).lower() for st in m["states"].split(" or "))
    noun = m["noun"]
    one = noun.replace("criteria", "criterion").replace("pillars", "pillar")
    if "pct" in m.groupdict():
        return f"at least {m['pct']} of the {noun} are rated {states}"
    n = int(m["n"])
    if m["bound"] == "at most":
        return f"no {one} is rated {states}" if n == 0 else f"no more than {n} {noun} are rated {states}"
    return f"at least one {one} is rated {states}" if n == 1 else f"{n} or more {noun} are rated {states}"


def _plain_when(when: str | None, result: GradingResult) -> str:
    """A whole condition (clauses joined by "; and" / "; or") in plain English."""
    if when is None:
        return "when no rule for another grade applies"
    for joiner, words in (("; and ", ", and "), ("; or ", ", or ")):
        if joiner in when:
            return "when " + words.join(_plain_clause(c, result) for c in when.split(joiner))
    return "when " + _plain_clause(when, result)


def _plain_line(line: PolicyLine, result: GradingResult) -> str:
    """"fails when ..." in words: "Fails to meet the standard when 2 or more ... are rated ..."."""
    return f"{_label(result, line.grade)} {_plain_when(line.when, result)}"


_CAP = re.compile(r"^at most (?P<grade>\S+) when (?P<when>.+)$")


def _plain_cap(cap: str, result: GradingResult) -> str:
    """A cap in words: "no better than Meets the standard when at least one ... is rated ..."."""
    m = _CAP.match(cap)
    return cap if m is None else f"no better than {_label(result, m['grade'])} {_plain_when(m['when'], result)}"


def _plain_rule(lines: Sequence[PolicyLine], grade: str, result: GradingResult) -> str | None:
    """The pack's roll-up rule that gives ``grade``, in plain English (None: the pack has none)."""
    line = next((x for x in lines if x.grade == grade), None)
    return None if line is None else _plain_line(line, result)


def _tally(states: Sequence[str], result: GradingResult) -> str:
    """"10 meets the standard, 1 exceeds the standard": how many of each, in the scale's words."""
    counts = Counter(states)
    return ", ".join(f"{counts[s]} {_label(result, s).lower()}"
                     for s in sorted(counts, key=lambda s: (-counts[s], s))) or "none"


def _change_view(result: GradingResult, cf: Counterfactual | None, titles: dict[str, str],
                 show_id: bool, group: str) -> dict[str, Any] | None:
    """A rise or fall in words: "any 5 of the 10 Intelligence criteria now at meets reaching
    exceeds" where any k of n would do, and the criteria (or pillars) by name only where they are
    the ones that matter. ``group`` names what the ids are ("Intelligence criteria", "pillars")."""
    if cf is None:
        return None

    def name(i: str) -> str:
        return f"{i} {titles.get(i, i)}" if show_id else titles.get(i, i)

    lines = []
    for a in cf.any_of:
        now = " or ".join(_label(result, w) for w in a.was)
        how_many = f"all {a.n}" if a.k == a.n else "any one" if a.k == 1 else f"any {a.k}"
        lines.append(f"{how_many} of the {a.n} {group} now at {now} reaching {_label(result, a.becomes)}")
    lines += [f"{name(c.id)}: from {_label(result, c.was)} to {_label(result, c.becomes)}" for c in cf.specific]
    return {
        "grade": cf.grade,
        "label": _label(result, cf.grade),
        "count": len(cf.changes),
        "lines": lines,
    }


def _why(result: GradingResult, finding: GradeFinding, policy: Sequence[PolicyLine], caps: Sequence[str],
         units: str, tally: str, titles: dict[str, str]) -> dict[str, Any]:
    """'Why this grade' and 'what would change it' for a pillar or the overall grade."""
    group = f"{finding.title} criteria" if units == "criteria" else "pillars"
    scale = [g.id for g in result.framework.scale]
    sens = {s.id: s for s in result.sensitivity}.get(finding.id)
    here = scale.index(finding.grade) if finding.grade in scale else None
    above = scale[here - 1] if here is not None and here > 0 else None
    below = scale[here + 1] if here is not None and here < len(scale) - 1 else None
    return {
        "grade": finding.grade,
        "label": _label(result, finding.grade),
        "rule": _policy_line(policy, finding.grade),
        "rule_plain": _plain_rule(policy, finding.grade, result),
        "caps": list(caps),
        "caps_plain": [_plain_cap(c, result) for c in caps],
        "capped_by": finding.capped_by,
        "tally": tally,
        "units": units,
        "above": None if above is None else {"grade": above, "label": _label(result, above),
                                              "rule": _policy_line(policy, above),
                                              "rule_plain": _plain_rule(policy, above, result)},
        "below": None if below is None else {"grade": below, "label": _label(result, below),
                                              "rule": _policy_line(policy, below),
                                              "rule_plain": _plain_rule(policy, below, result)},
        "rise": _change_view(result, sens.rise if sens else None, titles, units == "criteria", group),
        "fall": _change_view(result, sens.fall if sens else None, titles, units == "criteria", group),
    }


def _item_view(item: EvidenceItem, relied: dict[str, list[str]], source: str) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "kind_words": _humanise(item.kind),
        "statement": item.statement,
        "source": source,
        "marking": item.marking,
        "verified": item.verified,
        "criteria": list(item.criteria),
        "pillar": item.pillar,
        "facts": [(k, fact_text(v)) for k, v in sorted(item.facts.items())],
        "relied_on_by": relied.get(item.id, []),
    }


# How a criterion's item list names the role the finding gave an item (grader/grading decides it).
ROLE_WORDS = {"supports": "relied on", "against": "weighed against the outcome", "context": "noted as context"}
# ... and for an item the finding weighed but the report lists by id only (a further strength the
# pack's shared concern recorded is "supports" but is not what the finding's sentence rests on)
BRIEF_WORDS = {"supports": "recorded in support", "against": "weighed against the outcome",
               "context": "noted as context", None: "not weighed by this finding"}
# the role an item under each heading has unless the report says otherwise (public and force)
_USUAL_ROLE = {"strength": "supports", "work-in-progress": "supports", "area-for-improvement": "against"}
_ROLE_ORDER = ("supports", "against", "context")


def shortfalls_note(areas: int) -> str:
    """', with 2 areas for improvement', said after the outcome of a finding that weighed them."""
    return f", with {areas} area{'s' if areas != 1 else ''} for improvement" if areas else ""


def _cited(f: CriterionFinding) -> list[str]:
    ids = [*f.evidence, *(f.mitigation.evidence if f.mitigation else []),
           *(f.uplift.evidence if f.uplift else [])]
    for c in f.concerns:
        ids.extend(c.evidence)
    return sorted(set(ids))


def report_view(result: GradingResult, audience: str = "public") -> dict[str, Any]:
    """Everything the templates show, already filtered for ``audience``.

    Nothing withheld from the audience is put in the view, so no template can leak it; people
    the audience may not know by name are named by role, in every sentence too.
    """
    result = result_for_names(result, audience)
    vis = Visibility.of(result, audience)
    fw = result.framework
    abbrs = {t.abbr.upper(): t.abbr for t in fw.glossary}
    meta = result.meta
    items = {e.id: e for e in result.evidence}
    crit_titles = {c.id: c.title for c in fw.criteria}
    pillar_titles = {p.id: p.title for p in fw.pillars}
    standards = {c.id: c for c in fw.criteria}
    names = shows_names(result, audience)
    every_statement = audience == "inspectorate"  # the inspectorate's edition prints every statement
    adverse = {*fw.policy.adverse, "insufficient-evidence"}

    # who relies on each item: criteria (outcome, mitigation, uplift, concerns) and context notes
    relied: dict[str, list[str]] = {}
    for f in result.criteria:
        for i in _cited(f):
            relied.setdefault(i, []).append(f.criterion)
    for note in result.context:
        for i in note.evidence:
            relied.setdefault(i, []).append(f"context: {_humanise(note.note)}")

    shown_items = [items[i] for i in sorted(vis.shown)]
    doc_keys = sorted({e.source.document for e in shown_items})
    documents = [{"key": k, "title": result.documents[k].title if k in result.documents else k,
                  "publisher": result.documents[k].publisher if k in result.documents else None,
                  "published": (result.documents[k].published.isoformat()
                                if k in result.documents and result.documents[k].published else None),
                  "reference": result.documents[k].reference if k in result.documents else None}
                 for k in doc_keys]
    doc_titles = {d["key"]: d["title"] for d in documents}
    several = len(doc_keys) > 1
    source_of = {e.id: _source_text(e, several, doc_titles) for e in shown_items}
    # each statement is printed once, at its home: the section of its own kind (a pack's own
    # kinds), else its first criterion, else the appendix; everywhere else it is cited by id
    own_kind_ids = {k.id for k in fw.kinds}
    # (of its criteria, preferably one whose finding cites it, so no cited statement is left out)
    citing = {f.criterion: set(_cited(f)) for f in result.criteria}
    home = {e.id: (f"kind:{e.kind}" if e.kind in own_kind_ids
                   else next((c for c in e.criteria if e.id in citing.get(c, ())), e.criteria[0]) if e.criteria
                   else None)
            for e in shown_items}
    kind_labels = {k.id: k.label for k in fw.kinds}
    item_views = {e.id: {**_item_view(e, relied, source_of[e.id]), "cites": vis.keep(e.cites),
                         "home": home[e.id],
                         "home_words": (kind_labels.get(home[e.id][5:], home[e.id]) if home[e.id]
                                        and home[e.id].startswith("kind:") else home[e.id])}
                  for e in shown_items}

    # criteria, grouped under their pillars
    findings_by_pillar: dict[str, list[CriterionFinding]] = {}
    for f in result.criteria:
        findings_by_pillar.setdefault(f.pillar, []).append(f)

    def criterion_view(f: CriterionFinding) -> dict[str, Any]:
        informing = [e for e in result.evidence if f.criterion in e.criteria]
        cited = _cited(f)
        role_of = {c.id: c.role for c in f.cited}

        def entry(e: EvidenceItem) -> dict[str, Any]:
            """An item under this criterion: printed in full here, or a line pointing to its home,
            with the role the finding gave it (for the public and force only where it is not the
            usual one for its heading, which the report says once)."""
            iv = item_views[e.id]
            role = role_of.get(e.id) or ("supports" if e.id in cited else None)
            here = iv["home"] == f.criterion
            full = every_statement or not here or e.id in cited or e.kind == "area-for-improvement"
            notes = []
            if not here:  # a pointer to where it is printed: always say what it is to this finding
                notes.append(ROLE_WORDS["supports"] if e.id in cited else BRIEF_WORDS[role])
            elif every_statement or role != _USUAL_ROLE.get(e.kind):
                notes.append(ROLE_WORDS[role] if role else BRIEF_WORDS[None])
            if not e.verified:
                notes.append("unverified: not relied on")
            return {**iv, "here": here, "full": full, "role": role, "note": ", ".join(notes)}

        lists = []
        brief: dict[str | None, list[str]] = {}
        for kind, heading in [*_KIND_HEADINGS, *((k.id, k.label) for k in fw.kinds)]:
            entries = [entry(e) for e in informing if e.kind == kind and e.id in vis.shown]
            for x in entries:
                if not x["full"]:
                    brief.setdefault(x["role"], []).append(x["id"])
            entries = [x for x in entries if x["full"]]
            if entries:  # a heading only where something is printed under it
                lists.append({"kind": kind, "heading": heading, "items": entries})
        listed = {k for k, _ in _KIND_HEADINGS} | {k.id for k in fw.kinds}
        other = [entry(e) for e in informing if e.kind not in listed and e.id in vis.shown]
        elsewhere = vis.keep(i for i in cited if f.criterion not in items[i].criteria) if cited else []
        spec = standards.get(f.criterion)
        return {
            "id": f.criterion,
            "title": f.title,
            "standard": spec.standard if spec else None,
            # the public's and the force's editions quote the standard where the criterion falls
            # short of it as assessed (the inspectorate's quotes every one)
            "show_standard": bool(spec and spec.standard) and (every_statement or f.assessed_outcome in adverse),
            "section": spec.section if spec else None,
            "significant": f.significant,
            "outcome": f.outcome,
            "outcome_label": _label(result, f.outcome),
            "shortfalls_note": shortfalls_note(len(vis.keep(f.areas_for_improvement))),
            "roles": {c.id: ROLE_WORDS[c.role] for c in f.cited},
            "assessed": f.assessed_outcome,
            "assessed_label": _label(result, f.assessed_outcome),
            "decided_by": f.decided_by,
            "rationale": vis.segments(f.rationale),
            # rule syntax for the inspectorate only; every reader gets the evidence in plain words
            "looked_for": list(f.looked_for) if every_statement else [],
            "would_satisfy": [{"label": _label(result, n.outcome), "evidence": n.evidence} for n in f.would_satisfy],
            "mitigation": None if f.mitigation is None else {
                "basis": _humanise(f.mitigation.basis), "rule": f.mitigation.rule,
                "rationale": vis.segments(f.mitigation.rationale)},
            "uplift": None if f.uplift is None else {"rule": f.uplift.rule,
                                                     "rationale": vis.segments(f.uplift.rationale)},
            "concerns": [{"concern": _humanise(c.concern), "rule": c.rule, "rationale": vis.segments(c.rationale)}
                         for c in f.concerns],
            "lists": lists,
            "brief": [{"role": r, "words": BRIEF_WORDS[r], "ids": brief[r]}
                      for r in (*_ROLE_ORDER, None) if r in brief],
            "other": other,
            "elsewhere": elsewhere,
            "withheld_cited": vis.count(cited),
            "withheld_listed": vis.count(e.id for e in informing),
            "cited": set(cited),
            "judgement": judgement_view(result, f.judgement, vis, names),
        }

    pillars = []
    for p in result.pillars:
        mine = findings_by_pillar.get(p.id, [])
        crits = [criterion_view(f) for f in mine]
        sig = [f.outcome for f in mine if f.significant]
        other = [f.outcome for f in mine if not f.significant]
        tally = f"significant criteria after mitigation: {_tally(sig, result)}"
        if other:
            tally += f"; other criteria: {_tally(other, result)}"
        spec = next((s for s in fw.pillars if s.id == p.id), None)
        pillars.append({
            "id": p.id,
            "title": p.title,
            "aim": spec.aim if spec else None,
            "grade": p.grade,
            "label": p.label,
            "assessed": p.assessed_grade,
            "assessed_label": _label(result, p.assessed_grade),
            "rationale": vis.segments(p.rationale),
            "assessed_rationale": vis.segments(p.assessed_rationale),
            "criteria": crits,
            "withheld": vis.count(p.evidence),
            "why": _why(result, p, fw.policy.pillar, fw.policy.pillar_caps, "criteria", tally, crit_titles),
            "judgement": judgement_view(result, p.judgement, vis, names),
            "graded": True,
        })
    pillars.extend(_ungraded_views(result, findings_by_pillar, criterion_view, vis))

    o = result.overall
    overall = None if o is None else {
        "grade": o.grade,
        "label": o.label,
        "assessed": o.assessed_grade,
        "assessed_label": _label(result, o.assessed_grade),
        "rationale": vis.segments(o.rationale),
        "assessed_rationale": vis.segments(o.assessed_rationale),
        "withheld": vis.count(o.evidence),
        "why": _why(result, o, fw.policy.overall, fw.policy.overall_caps, "pillars",
                    f"pillar grades: {_tally([p.grade for p in result.pillars], result)}", pillar_titles),
        "judgement": judgement_view(result, o.judgement, vis, names),
    }

    # contextual factors
    notes_by_id = {n.note: n for n in result.context}
    rows = []
    for r in result.indicators:
        if r.id not in vis.shown:
            continue
        rows.append({
            "id": r.id, "label": r.label, "unit": r.unit,
            "values": [_number(v, r.unit) for v in r.values],
            "change": _change(r),
            "comparator": _number(r.comparator, r.unit) if r.comparator_label else "none",
            "versus": _versus(r),
            "flags": [_humanise(n) for n in r.notes],
            "raw": r,
        })
    periods: list[str] = []
    for r in rows:
        if len(r["raw"].periods) > len(periods):
            periods = list(r["raw"].periods)
    comparators = sorted({r["raw"].comparator_label for r in rows if r["raw"].comparator_label})
    over_100 = any(r["raw"].unit == "percent" and any(v is not None and v > 100 for v in r["raw"].values)
                   for r in rows)
    context_notes = [{"note": _humanise(n.note), "rationale": vis.segments(n.rationale),
                      "withheld": vis.count(n.evidence)} for n in notes_by_id.values()]

    # collated sections
    afis = []
    for f in result.criteria:
        entries = [item_views[e.id] for e in result.evidence
                   if e.kind == "area-for-improvement" and f.criterion in e.criteria and e.id in vis.shown]
        if entries:
            afis.append({"criterion": f.criterion, "title": f.title, "items": entries})
    afi_other = [item_views[e.id] for e in result.evidence
                 if e.kind == "area-for-improvement" and not e.criteria and e.id in vis.shown]
    afi_withheld = vis.count(e.id for e in result.evidence if e.kind == "area-for-improvement")
    concerns = []
    mitigated = []
    unevidenced = []
    for c in (cv for p in pillars for cv in p["criteria"]):
        for con in c["concerns"]:
            concerns.append({"criterion": c["id"], "title": c["title"], **con})
        if c["mitigation"] is not None and c["judgement"] is None:
            mitigated.append(c)
        if c["outcome"] == "insufficient-evidence":
            unevidenced.append(c)

    appendix = [item_views[e.id] for e in sorted(shown_items, key=lambda e: e.id)]
    criterion_rank = {c["id"]: n for n, c in enumerate(cv for p in pillars for cv in p["criteria"])}
    appendix_groups = _appendix_groups(shown_items, item_views, criterion_rank, several, doc_titles,
                                       lowest=MARKINGS[0])
    # what the report says about how many items the grades rest on: all considered, some cited
    counts = _weighing_counts(result)
    marking = highest_marking(items[i].marking for i in vis.shown)

    scale = [{"id": g.id, "label": g.label, "meaning": g.meaning} for g in fw.scale]
    grid = [{"id": p["id"], "title": p["title"], "label": p["label"],
             "cells": [{"id": c["id"], "title": c["title"], "outcome": c["outcome"],
                        "label": c["outcome_label"], "mitigated": c["mitigation"] is not None and c["judgement"] is None,
                        "significant": c["significant"], "judged": c["judgement"] is not None}
                       for c in p["criteria"]]}
            for p in pillars]
    scale_ids = [g.id for g in fw.scale]
    order = [*scale_ids, "insufficient-evidence", "not-applicable"]
    for row in grid:  # the criteria of a pillar grouped by outcome, best first, for the Markdown table
        outcomes = sorted({c["outcome"] for c in row["cells"]}, key=lambda o: order.index(o) if o in order else 99)
        row["by_outcome"] = [{"label": _label(result, o),
                              "cells": [c for c in row["cells"] if c["outcome"] == o]} for o in outcomes]
    own_kinds = [{"id": k.id, "label": k.label, "meaning": k.meaning,
                  "items": [item_views[e.id] for e in result.evidence if e.kind == k.id and e.id in vis.shown],
                  "withheld": vis.count(e.id for e in result.evidence if e.kind == k.id)} for k in fw.kinds]

    toc = [("summary", "Summary"), ("glance", "Outcomes at a glance"), ("how", "How grades are decided"),
           ("context", "Force overview and contextual factors"),
           *((f"pillar-{p['id']}", p["title"]) for p in pillars),
           *([("overall", "The overall grade")] if overall else []),
           ("afi", "Areas for improvement"),
           *((f"kind-{k['id']}", k["label"]) for k in own_kinds),
           ("vfm", "Value for money and mitigated gaps"), ("appendix", "Evidence appendix"),
           ("glossary", "Glossary"), ("judgements", "Judgements and sign-off"), ("provenance", "Provenance")]

    # the items whose statement the report prints in full, each at one place (an HTML anchor)
    statement_ids = sorted({e["id"] for p in pillars for c in p["criteria"]
                            for e in [*(x for lst in c["lists"] for x in lst["items"]), *c["other"]] if e["here"]}
                           | {e["id"] for k in own_kinds for e in k["items"]} | {e["id"] for e in afi_other})

    return {
        "toc": [{"anchor": a, "title": t} for a, t in toc],
        "statement_ids": statement_ids,
        "audience": audience,
        "audience_words": AUDIENCE_WORDS[audience],
        "ceiling": vis.ceiling,
        "marking": marking,
        "meta": {
            "force": meta.evidence_set.force,
            "title": meta.evidence_set.title,
            "inspected": meta.evidence_set.inspected,
            "set_id": meta.evidence_set.id,
            "items": meta.evidence_set.items,
            "verified": meta.evidence_set.verified,
            "grader_version": meta.grader_version,
            "pack": meta.pack,
            "inputs": [f for f in meta.inputs if MARKINGS.index(f.marking) <= MARKINGS.index(vis.ceiling)],
            "inputs_withheld": sum(1 for f in meta.inputs if MARKINGS.index(f.marking) > MARKINGS.index(vis.ceiling)),
        },
        "framework": {"title": fw.title, "name": fw.name, "version": fw.version,
                      "description": fw.description, "source": fw.source},
        "scale": scale,
        "policy": fw.policy,
        "rule_syntax": audience == "inspectorate",
        "policy_plain": {
            "adverse": " or ".join(_label(result, a).lower() for a in fw.policy.adverse),
            "mitigated_as": _label(result, fw.policy.mitigated_as),
            "pillar": [_plain_line(x, result) for x in fw.policy.pillar],
            "pillar_caps": [_plain_cap(x, result) for x in fw.policy.pillar_caps],
            "overall": [_plain_line(x, result) for x in fw.policy.overall],
            "overall_caps": [_plain_cap(x, result) for x in fw.policy.overall_caps],
        },
        "counts": counts,
        "appendix_groups": appendix_groups,
        "lowest_marking": MARKINGS[0],
        "settings": sorted(fw.settings.items()),
        "documents": documents,
        "force_context": [_fact_row(k, v, abbrs) for k, v in result.force_context.items()],
        "overall": overall,
        "pillars": pillars,
        "grid": grid,
        "state_styles": [{"state": st, **svg.state_style(st, scale_ids)}
                         for st in [*scale_ids, "insufficient-evidence", "not-applicable"]],
        "grid_layout": svg.grid_layout(grid, scale_ids),
        "indicator_layout": svg.indicator_layout([r["raw"] for r in rows],
                                                 [(r["values"][-1], r["comparator"]) for r in rows],
                                                 [r["flags"] for r in rows]),
        "periods": periods,
        "comparators": comparators,
        "indicators": rows,
        "any_pp": any(r["raw"].change_unit == "pp" for r in rows),
        "over_100": over_100,
        "context_notes": context_notes,
        "withheld_total": len(vis.withheld),
        "withheld_indicators": vis.count(r.id for r in result.indicators),
        "afis": afis,
        "afi_other": afi_other,
        "afi_withheld": afi_withheld,
        "concerns": concerns,
        "own_kinds": own_kinds,
        "mitigated": mitigated,
        "unevidenced": unevidenced,
        "appendix": appendix,
        "unused": [{"id": u.id, "reason": u.reason} for u in result.unused if u.id in vis.shown],
        "unused_withheld": vis.count(u.id for u in result.unused),
        "unverified": vis.keep(result.unverified),
        "unverified_withheld": vis.count(result.unverified),
        "glossary": [{"abbr": t.abbr, "meaning": t.meaning} for t in fw.glossary],
        "judged": [{"id": x["id"], "title": x["title"], **x["judgement"]}
                   for x in [*(c for p in pillars for c in p["criteria"]), *pillars,
                             *([{"id": "overall", "title": "The overall grade", **overall}] if overall else [])]
                   if x.get("judgement") is not None],
        "signoff": signoff_view(signoff_for(result, audience), names),
    }


def _weighing_counts(result: GradingResult) -> dict[str, int]:
    """How many items (shown or withheld) play each part, each item counted once: the evidence a
    finding's reasoning cites, the statistics a contextual note cites, then (for the rest) the
    strongest role any finding gave it, then neither. The parts add up to every item."""
    rests = {i for f in result.criteria for i in _cited(f)}
    notes = {i for n in result.context for i in n.evidence} - rests
    roles: dict[str, set[str]] = {}
    for f in result.criteria:
        for c in f.cited:
            roles.setdefault(c.id, set()).add(c.role)
    out = {"items": len(result.evidence), "rests": len(rests), "notes": len(notes),
           "supports": 0, "against": 0, "context": 0, "unused": 0}
    for e in result.evidence:
        if e.id in rests or e.id in notes:
            continue
        role = next((r for r in _ROLE_ORDER if r in roles.get(e.id, ())), None)
        out[role or "unused"] += 1
    return out


def _appendix_groups(shown: Sequence[EvidenceItem], views: dict[str, dict[str, Any]], rank: dict[str, int],
                     several: bool, doc_titles: dict[str, str], lowest: str) -> list[dict[str, Any]]:
    """The evidence appendix for the public and force: one line per place an item is shown (its
    criterion, a kind's section, the indicator table) and per section of the source document,
    each list of that section with its items by number. An item shown nowhere else keeps its
    statement here. A marking is named only where it is above the lowest."""
    def home_key(e: EvidenceItem) -> tuple[int, str]:
        h = views[e.id]["home"]
        if h is None:
            return (3 if e.kind != "indicator" else 2, "")
        return (0, f"{rank.get(h, 999):04d}") if not h.startswith("kind:") else (1, h)

    def place(e: EvidenceItem) -> str:
        section = e.source.section
        return f"{doc_titles.get(e.source.document, e.source.document)}; {section}" if several else section

    kind_rank = {k: n for n, (k, _) in enumerate(_KIND_HEADINGS)}
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for e in sorted(shown, key=lambda e: (home_key(e), place(e), kind_rank.get(e.kind, 9), e.source.list or "",
                                          e.source.item or 0, e.id)):
        v = views[e.id]
        where = "Indicator table" if v["home"] is None and e.kind == "indicator" else v["home_words"]
        key = (home_key(e), where, place(e))
        g = groups.setdefault(key, {"where": where, "place": place(e), "lists": {}, "alone": []})
        tags = []
        if e.source.page:
            tags.append(f"page {e.source.page}")
        if e.marking != lowest:
            tags.append(e.marking)
        if not e.verified:
            tags.append("unverified")
        entry = {"id": e.id, "item": e.source.item, "tags": ", ".join(tags),
                 "statement": v["statement"] if where is None else None}
        if where is None:
            g["alone"].append(entry)
        else:
            g["lists"].setdefault(_humanise(e.source.list) if e.source.list else "", []).append(entry)
    return [{**g, "lists": [{"name": k, "numbers": _ranges([x["item"] for x in v]), "items": v}
                            for k, v in g["lists"].items()]} for g in groups.values()]


def _ranges(numbers: Sequence[int | None]) -> str:
    """``[1, 2, 3, 5]`` -> ``items 1-3, 5`` (an en dash), the numbers of a list's items in the order
    their ids follow; empty when an item has no number."""
    if not numbers or any(n is None for n in numbers):
        return ""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in runs]
    return ("item " if len(numbers) == 1 else "items ") + ", ".join(parts)


def _ungraded_views(result: GradingResult, findings_by_pillar: dict[str, list[CriterionFinding]],
                    criterion_view: Any, vis: Visibility) -> list[dict[str, Any]]:
    """Areas the framework reports but never grades: their criteria, and no grade or roll-up."""
    aims = {s.id: s.aim for s in result.framework.pillars}
    return [{
        "id": a.id, "title": a.title, "aim": aims.get(a.id), "grade": None, "label": "Not graded",
        "assessed": None, "assessed_label": "Not graded",
        "rationale": [("text", "The framework reports on this area but does not grade it; "
                               "its findings count towards no grade.")],
        "assessed_rationale": [], "criteria": [criterion_view(f) for f in findings_by_pillar.get(a.id, [])],
        "withheld": vis.count(a.evidence), "why": None, "graded": False, "judgement": None,
    } for a in result.ungraded]


# --------------------------------------------------------------------------------------------
# Rendering


def _environment(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=fmt == "html",
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.add_extension("jinja2.ext.do")
    env.filters["md"] = md_escape
    env.filters["md_code"] = md_code
    env.filters["plural"] = plural
    env.filters["anchor"] = lambda s: re.sub(r"[^A-Za-z0-9_-]", "-", str(s))
    return env


def _uses_term(text: str, abbr: str) -> bool:
    """Whether ``abbr`` (or its plural) stands as a word in ``text``: "PCSOs" uses PCSO, "SIOs'"
    uses SIO, "ASIO" does not."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(abbr)}(?:e?s)?(?![A-Za-z0-9])", text) is not None


def render_report(result: GradingResult, fmt: str = "md", audience: str = "public") -> str:
    """The report as Markdown (``md``) or a single self-contained HTML file (``html``)."""
    if fmt not in ("md", "html"):
        raise ValueError(f"unknown report format {fmt!r}; expected md or html")
    view = report_view(result, audience)
    # the glossary explains the abbreviations the report uses, and only those: found in the
    # Markdown drawn without it (the same list for both formats)
    glossary = view["glossary"]
    draft = _environment("md").get_template("report.md.j2").render(**{**view, "glossary": []})
    view["glossary"] = [t for t in glossary if _uses_term(re.sub(r"\\(.)", r"\1", draft), t["abbr"])]
    text = _environment(fmt).get_template(f"report.{fmt}.j2").render(**view)
    # one trailing newline, no trailing spaces, no runs of blank lines: stable, diff-friendly bytes
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
