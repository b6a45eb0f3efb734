"""docs/judgement.md runs as written: judge, explain, gate, sign off twice (four eyes), go stale."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("rule_tutorial", ROOT / "tests" / "authoring" / "test_tutorial.py")
assert _spec is not None and _spec.loader is not None
tutorial = importlib.util.module_from_spec(_spec)
sys.modules["rule_tutorial"] = tutorial  # its dataclasses look their module up
_spec.loader.exec_module(tutorial)


def test_the_judgement_page_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = tutorial.run_page(ROOT / "docs" / "judgement.md", tmp_path, monkeypatch)
    gate = [code for command, code in ran if command.endswith("--require-signoff")]
    assert gate == [1, 1, 0, 1], "the page shows the gate closed, closed (one signer), open, closed (stale)"
    assert sum(command.startswith("grader signoff") for command, _ in ran) == 2
