"""docs/rule-language.md tells the truth: its facts exist, and its test-case examples pass.

The page's criterion and manifest examples abbreviate (``when: ...``), so they are checked for
the facts they name; its test-case examples are complete, so they are run as a pack's tests.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from grader.authoring.testing import collect_cases, run_case
from grader.grading.run import Grader
from grader.loading.pack import load_pack

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rule-language.md"
FENCE = re.compile(r"^```yaml\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _blocks() -> list[str]:
    return [m["body"] for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def _facts_named(data: object) -> set[str]:
    """Every fact a YAML example names: in tests (``fact: X``), item facts and a catalogue."""
    out: set[str] = set()
    if isinstance(data, dict):
        if isinstance(data.get("fact"), str):
            out.add(data["fact"])
        for key, value in data.items():
            if key == "facts" and isinstance(value, dict):
                out.update(value)
            out |= _facts_named(value)
    elif isinstance(data, list):
        for value in data:
            out |= _facts_named(value)
    return out


def test_every_fact_the_page_names_is_in_the_bundled_pack(pack_dir: Path) -> None:
    catalogue = set(load_pack(pack_dir).pack.facts)
    named: set[str] = set()
    for body in _blocks():
        named |= _facts_named(yaml.safe_load(body))
    assert named, "the page's examples name no fact: the extraction is broken"
    assert sorted(named - catalogue) == []


def test_the_test_case_examples_pass(tmp_path: Path, pack_dir: Path, evidence_dir: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = [b for b in _blocks() if b.lstrip().startswith(("criterion:", "cases:"))]
    assert len(blocks) == 2, "expected a criterion's test file and a pack-level one"
    pack = tmp_path / "rules" / "pack"
    shutil.copytree(pack_dir, pack)
    shutil.copytree(evidence_dir, tmp_path / "evidence" / evidence_dir.name)
    for old in (pack / "tests").glob("*.yaml"):
        old.unlink()
    (pack / "tests" / "ENF-01.yaml").write_text(blocks[0], encoding="utf-8")
    (pack / "tests" / "pack.yaml").write_text(blocks[1], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    loaded = load_pack(pack)
    cases = collect_cases(pack, loaded.pack.manifest.name)
    assert len(cases) == 3
    with Grader(loaded) as grader:
        failures = {c.name: r.failures for c in cases if (r := run_case(grader, c)).failures}
    assert failures == {}
