"""Fixtures for the batch, diff and moderation tests (helpers in setkit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from setkit import grade_to_file  # noqa: E402

from grader.bundled import default_evidence  # noqa: E402


@pytest.fixture(scope="session")
def derbyshire_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Derbyshire result as a JSON file, as `grader grade --out` writes it."""
    out = tmp_path_factory.mktemp("derbyshire") / "derbyshire-2008.json"
    grade_to_file(default_evidence(), out)
    return out
