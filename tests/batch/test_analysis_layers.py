"""grader.analysis reads finished results only: it never grades, matches or renders.

tests/test_layers.py checks the layers it knows; this adds the analysis package, which render and
the CLI read from and grading.batch summarises with.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ANALYSIS = Path(__file__).resolve().parents[2] / "grader" / "analysis"
FORBIDDEN = {"engine", "grading", "render", "authoring", "cli"}
SOURCES = sorted(ANALYSIS.glob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_analysis_imports_no_layer_that_decides_or_presents(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
        for name in names:
            assert not name.startswith("durable"), f"{path.name} imports {name}"
            if name.startswith("grader."):
                assert name.split(".")[1] not in FORBIDDEN, f"{path.name} imports {name}"


def test_there_is_something_to_check() -> None:
    assert {p.name for p in SOURCES} >= {"diff.py", "moderation.py", "results.py", "summary.py"}
