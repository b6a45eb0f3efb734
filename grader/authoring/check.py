"""``grader rules check``: every problem with a pack, errors and warnings, located."""

from __future__ import annotations

from pathlib import Path

from grader.engine.compiler import compile_pack
from grader.errors import InputError, Problem
from grader.loading.pack import load_pack


def check_pack(pack_dir: Path) -> list[Problem]:
    """Load the pack and return its problems (empty when it is clean)."""
    try:
        loaded = load_pack(Path(pack_dir))
        compile_pack(loaded.pack)  # limits of the matching engine, located at the clause
    except InputError as exc:
        return exc.problems
    return []
