"""``grader rules check``: every problem with a pack, errors and warnings, located.

Three passes, each only when the one before succeeded: load (schema, names, types: the loader's
located errors), compile (the matching engine's limits, located at the clause), then the
semantic lint of :mod:`grader.authoring.lint` over the pack and its test cases, and a look at
the evidence sets those cases draw on (``from:``): a verified strength, work in progress or area
for improvement that no rule of its criterion can weigh is a gap in the pack (LINT-081).
"""

from __future__ import annotations

from pathlib import Path

from grader.authoring.lint import lint_pack
from grader.authoring.testing import TestCase, check_case_evidence, collect_cases
from grader.authoring.weighing import unweighed_items, unweighed_message
from grader.engine.compiler import compile_pack
from grader.errors import InputError, Problem
from grader.grading.run import Grader
from grader.loading.pack import LoadedPack, load_pack


def check_pack(pack_dir: Path) -> list[Problem]:
    """Load the pack and return its problems, errors and warnings (empty when it is clean)."""
    try:
        loaded = load_pack(Path(pack_dir))
        compile_pack(loaded.pack)  # limits of the matching engine, located at the clause
    except InputError as exc:
        return exc.problems
    problems: list[Problem] = []
    cases: list[TestCase] | None = None
    try:
        cases = collect_cases(Path(pack_dir), loaded.pack.manifest.name, loaded.pack.kind_ids)
        problems.extend(check_case_evidence(cases, loaded.pack))
    except InputError as exc:
        problems.extend(exc.problems)
    problems.extend(lint_pack(loaded, cases))
    if cases and not any(p.severity == "error" for p in problems):
        problems.extend(_unweighed(loaded, cases))
    return sorted(set(problems), key=Problem.sort_key)


def _unweighed(loaded: LoadedPack, cases: list[TestCase]) -> list[Problem]:
    """LINT-081 for each qualitative item of a set the tests draw on that its criterion's rules
    cannot weigh: the tests pass, yet grading that set would leave the item out of its finding.
    Located at the item, since that is what the author reads to decide which fix is right."""
    sources = list({id(c.source): c.source for c in cases if c.source is not None}.values())
    if not sources:
        return []
    out = []
    with Grader(loaded) as grader:
        for source in sources:
            for item, criteria in unweighed_items(loaded.pack, source, grader.match(source, checked=True)):
                out.append(source.problem(item.id, ("id",), "LINT-081",
                                          unweighed_message(item, criteria, loaded.criterion_files),
                                          severity="warning"))
    return out
