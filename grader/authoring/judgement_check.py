"""``grader evidence check`` on a set's judgements and sign-offs: their mistakes before grading.

A judgement is input like any evidence: a wrong field, an unknown target or an outcome the
target cannot have stops grading, so an inspector preparing a set should see it with the set's
other mistakes (located by file and line, or by sheet, row and column for a workbook). A
judgement that is stale or expired is valid but will not be applied: a warning, as grading
reports it. ``signoffs.yaml`` is checked too, since a damaged one stops ``grade``.

Deciding whether a judgement is stale needs what the rules give, i.e. the criteria and the
roll-up; it is worked out once, from one match of the evidence, and only when the set has
judgements (a result is not built).
"""

from __future__ import annotations

from pathlib import Path

from grader.errors import InputError, Problem
from grader.grading.run import Grader
from grader.loading.evidence import LoadedEvidence
from grader.loading.judgements import load_judgements
from grader.loading.pack import LoadedPack


def check_judgements(evidence: Path, loaded: LoadedEvidence | None, loaded_pack: LoadedPack) -> list[Problem]:
    """Problems with the judgements and sign-offs of the set at ``evidence``.

    ``loaded`` is the set as loaded, or None when it has errors: the judgements' own shape is
    still checked, but whether they fit the pack and still hold needs valid evidence.
    """
    try:
        records = load_judgements(Path(evidence))
    except InputError as exc:
        return list(exc.problems)
    if loaded is None or not records.judgements:
        return []
    try:
        with Grader(loaded_pack) as grader:
            judge = grader.judge(loaded, records)
    except InputError as exc:
        return list(exc.problems)
    return judge.problems() if judge is not None else []
