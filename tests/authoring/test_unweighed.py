"""Issue 16: a strength, work in progress or area for improvement that no rule of its criterion
can weigh fails `rules check --strict` (LINT-081, on the sets the pack's tests draw on) and
`evidence check --strict` (EVID-032), located at the item; the bundled pack and set stay clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.errors import EXIT_TEST_FAILED

runner = CliRunner()

#: An area for improvement of ENF-03 that records no fact: no rule of ENF-03 can match it.
UNWEIGHED = ("  - id: ENF-03-A9\n    criteria: [ENF-03]\n    kind: area-for-improvement\n"
             "    statement: The force does not yet review its overtime rota.\n"
             "    source: {section: \"Enforcement, summary 3\", list: areas-for-improvement, item: 9}\n")


@pytest.fixture
def copies(tmp_path: Path, pack_dir: Path, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled pack and set, laid out as in the repository so the pack tests' `from:` finds
    the copied set; the enforcement file gains one item no rule can use."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(pack_dir, tmp_path / "rules" / pack_dir.name)
    shutil.copytree(evidence_dir, tmp_path / "evidence" / evidence_dir.name)
    with open(tmp_path / "evidence" / evidence_dir.name / "items" / "enforcement.yaml", "a", encoding="utf-8") as fh:
        fh.write(UNWEIGHED)
    return tmp_path


def _item_line(copies: Path, evidence_dir: Path) -> int:
    lines = (copies / "evidence" / evidence_dir.name / "items" / "enforcement.yaml").read_text(encoding="utf-8")
    return lines.splitlines().index("  - id: ENF-03-A9") + 1


def test_the_bundled_pack_and_set_are_clean_under_strict(pack_dir: Path, evidence_dir: Path) -> None:
    checked = runner.invoke(app, ["rules", "check", str(pack_dir), "--strict"])
    assert checked.exit_code == 0, checked.output
    assert "LINT-081" not in checked.output
    evidence = runner.invoke(app, ["evidence", "check", str(evidence_dir), "--strict"])
    assert evidence.exit_code == 0, evidence.output
    assert evidence.output.rstrip().endswith("0 errors, 0 warnings, 6 notes (EVID-032; --notes lists them)")


def test_rules_check_strict_fails_on_an_item_no_rule_weighs(copies: Path, pack_dir: Path,
                                                            evidence_dir: Path) -> None:
    pack = f"rules/{pack_dir.name}"
    res = runner.invoke(app, ["rules", "check", pack, "--strict"])
    assert res.exit_code == EXIT_TEST_FAILED, res.output
    (line,) = [x for x in res.output.splitlines() if " LINT-081 " in x]
    where = f"evidence/{evidence_dir.name}/items/enforcement.yaml:{_item_line(copies, evidence_dir)}:"
    assert line.startswith(where), line
    assert "no rule weighs this area for improvement" in line and "of ENF-03" in line
    assert f"write the rule that weighs it in {pack}/criteria/ENF-03.yaml" in line
    assert line.endswith("(warning)")
    assert res.output.rstrip().endswith("0 errors, 1 warnings")
    # without --strict a warning is shown but does not fail
    assert runner.invoke(app, ["rules", "check", pack]).exit_code == 0


def test_evidence_check_strict_fails_on_the_same_item(copies: Path, pack_dir: Path, evidence_dir: Path) -> None:
    args = ["evidence", "check", f"evidence/{evidence_dir.name}", "--rules", f"rules/{pack_dir.name}"]
    res = runner.invoke(app, [*args, "--strict"])
    assert res.exit_code == EXIT_TEST_FAILED, res.output
    (line,) = [x for x in res.output.splitlines() if " EVID-032 " in x]
    assert line.startswith(f"evidence/{evidence_dir.name}/items/enforcement.yaml:{_item_line(copies, evidence_dir)}:")
    assert "no rule weighs this area for improvement" in line and line.endswith("(warning)")
    assert runner.invoke(app, args).exit_code == 0


def test_evidence_check_prints_at_most_100_problems_then_counts_the_rest(copies: Path, pack_dir: Path,
                                                                         evidence_dir: Path) -> None:
    items = copies / "evidence" / evidence_dir.name / "items" / "enforcement.yaml"
    with open(items, "a", encoding="utf-8") as fh:
        for n in range(10, 130):
            fh.write(UNWEIGHED.replace("ENF-03-A9", f"ENF-03-A{n}"))
    res = runner.invoke(app, ["evidence", "check", f"evidence/{evidence_dir.name}", "--rules",
                              f"rules/{pack_dir.name}", "--strict"])
    assert res.exit_code == EXIT_TEST_FAILED
    lines = res.output.splitlines()
    assert sum(" EVID-032 " in x for x in lines) == 100
    (more,) = [x for x in lines if " LOAD-010 " in x]
    assert "and 21 more problems of the same kinds in this file (EVID-032 x 21)" in more
    assert res.output.rstrip().endswith("0 errors, 121 warnings, 6 notes (EVID-032; --notes lists them)")
