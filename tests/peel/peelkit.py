"""Where the PEEL pack and its illustrative Exampleshire evidence live, for the PEEL tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PEEL_PACK = ROOT / "rules" / "peel-2023"
EXAMPLESHIRE = ROOT / "evidence" / "exampleshire-peel"
