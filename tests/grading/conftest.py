"""The grading tests build packs with the same helpers as the engine tests (tests/engine/packkit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
