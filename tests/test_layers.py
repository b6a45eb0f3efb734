"""The one-way flow load -> engine -> grading -> render/cli, checked on the source's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "grader"

#: For each layer, the grader layers it must never import.
FORBIDDEN = {
    "models": {"loading", "engine", "grading", "render", "authoring", "cli"},
    "loading": {"engine", "grading", "render", "authoring", "cli"},
    "engine": {"loading", "grading", "render", "authoring", "cli"},
    "grading": {"render", "authoring", "cli"},
    "render": {"loading", "engine", "grading", "authoring", "cli"},
    "authoring": {"render", "cli"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


SOURCES = sorted(PKG.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PKG)) for p in SOURCES])
def test_layering(path: Path) -> None:
    rel = path.relative_to(PKG)
    layer = rel.parts[0] if len(rel.parts) > 1 else None
    imported = _imports(path)
    for name in imported:
        if name.split(".")[0] in ("durable", "durable_rules_engine"):
            assert rel.as_posix() == "engine/matcher.py", f"{rel} imports durable-rules; only engine/matcher.py may"
        if layer in FORBIDDEN and name.startswith("grader."):
            target = name.split(".")[1]
            assert target not in FORBIDDEN[layer], f"{rel} ({layer}) must not import grader.{target}"
