"""Shared paths and fixtures. Shared test data is read from ../shared, as in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.bundled import default_evidence, default_pack

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_ee7c48a17ce9bcf1.txt"
YAML_ERRORS = SHARED / "testdata" / "yaml-test-suite-errors"


@pytest.fixture(scope="session")
def pack_dir() -> Path:
    return default_pack()


@pytest.fixture(scope="session")
def evidence_dir() -> Path:
    return default_evidence()


@pytest.fixture(scope="session")
def derbyshire(pack_dir: Path, evidence_dir: Path):
    """The bundled Derbyshire result, graded once per session."""
    from grader.grading.run import grade_paths

    return grade_paths(evidence_dir, pack_dir)
