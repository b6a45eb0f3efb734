"""The PEEL pack and its illustrative Exampleshire evidence, graded once per session."""

from __future__ import annotations

import pytest
from peelkit import EXAMPLESHIRE, PEEL_PACK


@pytest.fixture(scope="session")
def exampleshire():
    from grader.grading.run import grade_paths

    return grade_paths(EXAMPLESHIRE, PEEL_PACK)
