"""Authoring tests build small packs with the engine tests' helpers (tests/engine/packkit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
