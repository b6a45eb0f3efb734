"""Fixtures for the engine tests: build packs and evidence sets in tmp_path (see packkit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import packkit  # noqa: E402


@pytest.fixture
def kit() -> object:
    """The packkit module: write_pack, write_evidence, item, indicator, criterion, rule, grade."""
    return packkit
