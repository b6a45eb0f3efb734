"""docs/rule-language.md tells the truth: its test-case examples pass as a pack's tests.

Its other examples abbreviate (``when: ...``); they are checked, with every YAML example of the
docs, for parsing and for the facts they name by tests/authoring/test_docs_yaml.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from grader.authoring.testing import collect_cases, run_case
from grader.grading.run import Grader
from grader.loading.pack import load_pack

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rule-language.md"
FENCE = re.compile(r"^```yaml\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def _blocks() -> list[str]:
    return [m["body"] for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


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
