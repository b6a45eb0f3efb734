"""``grader rules check``: every problem with a pack, errors and warnings, located."""

from __future__ import annotations

from pathlib import Path

from grader.errors import InputError, Problem
from grader.loading.pack import load_pack


def check_pack(pack_dir: Path) -> list[Problem]:
    """Load the pack and return its problems (empty when it is clean)."""
    try:
        load_pack(Path(pack_dir))
    except InputError as exc:
        return exc.problems
    return []
