"""``grader rules check``: every problem with a pack, errors and warnings, located.

Three passes, each only when the one before succeeded: load (schema, names, types: the loader's
located errors), compile (the matching engine's limits, located at the clause), then the
semantic lint of :mod:`grader.authoring.lint` over the pack and its test cases.
"""

from __future__ import annotations

from pathlib import Path

from grader.authoring.lint import lint_pack
from grader.authoring.testing import TestCase, check_case_evidence, collect_cases
from grader.engine.compiler import compile_pack
from grader.errors import InputError, Problem
from grader.loading.pack import load_pack


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
    return sorted(set(problems), key=Problem.sort_key)
