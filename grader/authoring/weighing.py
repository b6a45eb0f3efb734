"""Which verified qualitative items the rules of their own criterion can never weigh.

A strength, a piece of work in progress or an area for improvement is recorded against a
criterion because the inspector judged it bears on that criterion. If no rule, mitigation,
uplift or concern of that criterion (nor a pack-wide concern or uplift, which every criterion
carries) matches it, grading can never cite it: the finding is silent about it and a shortfall
goes unweighed. ``rules check`` (LINT-081, on the sets its tests draw on) and ``evidence check``
(EVID-032) both ask this one question, so they can never disagree.
"""

from __future__ import annotations

from grader.loading.evidence import LoadedEvidence
from grader.models.evidence import QUALITATIVE_KINDS, EvidenceItem
from grader.models.pack import RulePack


def unweighed_items(pack: RulePack, loaded: LoadedEvidence,
                    matches: dict[str, list[tuple[str, ...]]]) -> list[tuple[EvidenceItem, list[str]]]:
    """Each verified qualitative item tied to a criterion of the pack, with the criteria (in its
    order) whose clauses match it nowhere; items every criterion of theirs can weigh are left out.

    ``matches`` are the engine's own (:meth:`Grader.match`), not a reading of the conditions, so
    what is reported is exactly what grading would see. A criterion the pack does not know is the
    evidence check's own error (EVID-022), not a rule the pack lacks: it is skipped here.
    """
    weighed: dict[str, set[str]] = {}
    for key, rows in matches.items():
        criterion = key.split("|", 1)[0]  # probe keys are "CRITERION|clause" ("*" for context notes)
        for row in rows:
            for item_id in row:
                weighed.setdefault(item_id, set()).add(criterion)
    known = {c.id for c in pack.criteria}
    out = []
    for item in loaded.evidence.items:
        if not item.verified or item.kind not in QUALITATIVE_KINDS:
            continue
        missing = [c for c in item.criteria if c in known and c not in weighed.get(item.id, set())]
        if missing:
            out.append((item, missing))
    return out


def unweighed_message(item: EvidenceItem, criteria: list[str], files: dict[str, str]) -> str:
    """What is wrong and the two ways to fix it, in an inspector's words (``files``: criterion ->
    the pack file that holds its rules, named so the author knows where to write)."""
    kind = item.kind.replace("-", " ")
    names = ", ".join(criteria)
    where = ", ".join(files.get(c, c) for c in criteria)
    facts = ", ".join(sorted(item.facts)) or "none"
    return (f"no rule weighs this {kind}: no rule, mitigation, uplift or concern of {names} (nor a pack-wide "
            f"one) matches it (its facts: {facts}), so its finding can never cite it; label it with a fact "
            f"those rules test (an area for improvement with one of the pack's shortfall facts), or write the "
            f"rule that weighs it in {where}")
