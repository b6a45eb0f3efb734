"""Every YAML test case of the bundled pack runs in the project's test suite."""

from __future__ import annotations

import pytest

from grader.authoring.testing import collect_cases, coverage_of, run_case
from grader.bundled import default_pack
from grader.grading.run import Grader
from grader.loading.pack import load_pack

_LOADED = load_pack(default_pack())
_CASES = collect_cases(default_pack(), _LOADED.pack.manifest.name)


@pytest.fixture(scope="module")
def grader():
    with Grader(_LOADED) as g:
        yield g


@pytest.mark.parametrize("case", _CASES, ids=[f"{c.file.rsplit('/', 1)[-1]}::{c.name}" for c in _CASES])
def test_pack_case(grader: Grader, case) -> None:
    result = run_case(grader, case)
    assert result.passed, "\n".join(result.failures)


def test_every_criterion_has_a_test_file() -> None:
    tested = {c.criterion for c in _CASES if c.criterion}
    assert tested == {c.id for c in _LOADED.pack.criteria}


def test_full_rule_coverage(grader: Grader) -> None:
    results = [run_case(grader, c) for c in _CASES]
    cov = coverage_of(grader, results)
    assert cov.rules_missed == []
    assert cov.clauses_missed == []
