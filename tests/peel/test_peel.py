"""The second framework: PEEL's five grades, no overall grade and an ungraded area, on the same
engine, through every command an inspector uses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from peelkit import EXAMPLESHIRE, PEEL_PACK
from typer.testing import CliRunner

from grader.bundled import default_pack
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR
from grader.models.result import GradingResult
from grader.render.report import render_report

runner = CliRunner(env={"COLUMNS": "400"})  # sentences are looked for whole: no wrapping (tests/test_terminal_width.py tests it)
LABELS = ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"]


def test_every_graded_area_gets_one_of_the_five_labels_and_at_least_three_differ(exampleshire: GradingResult) -> None:
    assert [g.label for g in exampleshire.framework.scale] == LABELS
    labels = [p.label for p in exampleshire.pillars]
    assert labels and all(label in LABELS for label in labels)
    assert len(set(labels)) >= 3
    assert exampleshire.pillar("investigating-crime").label == "Inadequate"  # the cause of concern


def test_the_victim_service_area_is_reported_and_never_graded(exampleshire: GradingResult) -> None:
    assert "victim-service" not in [p.id for p in exampleshire.pillars]
    [area] = exampleshire.ungraded
    assert area.id == "victim-service" and area.rests_on == ["VSV-01", "VSV-02"]
    assert {f.criterion for f in exampleshire.criteria if f.pillar == "victim-service"} == {"VSV-01", "VSV-02"}
    assert all(s.id != "victim-service" for s in exampleshire.sensitivity)


def test_there_is_no_overall_grade(exampleshire: GradingResult) -> None:
    assert exampleshire.overall is None
    assert "overall" not in [s.id for s in exampleshire.sensitivity]
    assert exampleshire.meta.evidence_set.force == "Exampleshire Police (illustrative)"


def test_grade_json_round_trips_without_an_overall_grade(tmp_path: Path) -> None:
    res = runner.invoke(app, ["grade", str(EXAMPLESHIRE), "--rules", str(PEEL_PACK), "--format", "json"])
    assert res.exit_code == 0, res.output
    text = res.stdout[res.stdout.index("{"):]
    data = json.loads(text)
    assert data["overall"] is None and data["ungraded"][0]["id"] == "victim-service"
    assert GradingResult.model_validate_json(text).ungraded[0].id == "victim-service"


def test_the_terminal_table_says_there_is_no_overall_grade() -> None:
    res = runner.invoke(app, ["grade", str(EXAMPLESHIRE), "--rules", str(PEEL_PACK)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Overall: none" in res.stdout and "Exampleshire Police (illustrative)" in res.stdout
    assert "not graded" in res.stdout and "Requires improvement" in res.stdout


def test_the_report_shows_the_areas_the_ungraded_area_the_cause_of_concern_and_its_recommendation(
        exampleshire: GradingResult) -> None:
    md = render_report(exampleshire, "md", "public")
    assert "No overall grade" in md and "Overall grade:" not in md
    assert "## Providing a service to victims of crime" in md and "**Grade: Not graded**" in md
    assert "## Causes of concern" in md and "Cites: INV-02-R1." in md
    assert "## Recommendations" in md
    for label in ("Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"):
        assert f"**Grade: {label}**" in md
    html = render_report(exampleshire, "html", "public")
    assert 'id="overall"' not in html and 'id="kind-cause-of-concern"' in html


@pytest.mark.parametrize("pack", [PEEL_PACK, default_pack()], ids=["peel", "acpo"])
def test_rules_check_strict_and_rules_test_pass(pack: Path) -> None:
    check = runner.invoke(app, ["rules", "check", str(pack), "--strict"])
    assert check.exit_code == 0, check.output
    tests = runner.invoke(app, ["rules", "test", str(pack)])
    assert tests.exit_code == 0, tests.output
    assert " 0 failed" in tests.stdout


def test_explain_overall_says_the_pack_has_no_overall_grade() -> None:
    res = runner.invoke(app, ["explain", "--overall", str(EXAMPLESHIRE), "--rules", str(PEEL_PACK)])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "gives no overall grade" in res.output and "Traceback" not in res.output


def test_explain_a_pillar_and_an_ungraded_criterion() -> None:
    res = runner.invoke(app, ["explain", "--pillar", "investigating-crime", str(EXAMPLESHIRE), "--rules", str(PEEL_PACK)])
    assert res.exit_code == 0, res.output
    assert "Grade: Inadequate" in res.stdout and "overall" not in res.stdout.lower()
    ungraded = runner.invoke(app, ["explain", "--pillar", "victim-service", str(EXAMPLESHIRE), "--rules", str(PEEL_PACK)])
    assert ungraded.exit_code == EXIT_INPUT_ERROR and "never graded" in ungraded.output
    crit = runner.invoke(app, ["explain", "VSV-01", str(EXAMPLESHIRE), "--rules", str(PEEL_PACK)])
    assert crit.exit_code == 0 and "rolls up into no grade" in crit.stdout


def _copy(tmp_path: Path) -> Path:
    """A copy of the Exampleshire set under another set id (a second force, for moderation)."""
    dst = tmp_path / "exampleshire-peel"
    shutil.copytree(EXAMPLESHIRE, dst)
    manifest = dst / "evidence-set.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("id: exampleshire-peel", "id: exampleshire-b"),
                        encoding="utf-8")
    return dst


def test_a_cause_of_concern_without_a_recommendation_is_one_located_error(tmp_path: Path) -> None:
    dst = _copy(tmp_path)
    items = dst / "items" / "findings.yaml"
    text = items.read_text(encoding="utf-8")
    items.write_text(text.replace("    cites: [INV-02-R1]\n", ""), encoding="utf-8")
    out = tmp_path / "result.json"
    res = runner.invoke(app, ["grade", str(dst), "--rules", str(PEEL_PACK), "--format", "json", "--out", str(out)])
    assert res.exit_code == EXIT_INPUT_ERROR
    lines = [line for line in res.output.splitlines() if "EVID-027" in line]
    assert len(lines) == 1 and "findings.yaml:" in lines[0] and "must cite at least one item of kind 'recommendation'" in lines[0]
    assert not out.exists()


def test_a_misspelt_pack_kind_is_a_located_error_naming_the_packs_kinds(tmp_path: Path) -> None:
    dst = _copy(tmp_path)
    items = dst / "items" / "findings.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace("kind: cause-of-concern", "kind: cause-of-concen"),
                     encoding="utf-8")
    res = runner.invoke(app, ["grade", str(dst), "--rules", str(PEEL_PACK)])
    assert res.exit_code == EXIT_INPUT_ERROR
    [line] = [ln for ln in res.output.splitlines() if "EVID-014" in ln]
    assert "findings.yaml:" in line and "'cause-of-concern' or 'recommendation' (found 'cause-of-concen')" in line
    # the same kind is unknown to the ACPO pack: pack kinds belong to their pack
    acpo = runner.invoke(app, ["grade", str(EXAMPLESHIRE)])
    assert acpo.exit_code == EXIT_INPUT_ERROR and "(found 'cause-of-concern')" in acpo.output


def test_the_capture_workbook_offers_the_packs_kinds(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = tmp_path / "peel.xlsx"
    res = runner.invoke(app, ["evidence", "template", "--xlsx", str(book), "--rules", str(PEEL_PACK)])
    assert res.exit_code == 0, res.output
    wb = load_workbook(book)
    lists = wb["Lists"] if "Lists" in wb.sheetnames else wb[[n for n in wb.sheetnames if "list" in n.lower()][0]]
    kinds = [c.value for c in next(col for col in lists.iter_cols() if col[0].value == "kinds")[1:] if c.value]
    assert "cause-of-concern" in kinds and "recommendation" in kinds
    sheet = wb["Investigating crime"]
    assert "cites" in [c.value for c in sheet[1]]


def test_diff_and_moderate_and_batch_work_without_an_overall_grade(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    res = runner.invoke(app, ["grade", str(EXAMPLESHIRE), "--rules", str(PEEL_PACK), "--format", "json", "--out", str(a)])
    assert res.exit_code == 0, res.output
    dst = _copy(tmp_path)
    items = dst / "items" / "findings.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace("    cites: [INV-02-R1]\n", "    cites: [INV-02-R1]\n    verified: false\n", 1), encoding="utf-8")
    b = tmp_path / "b.json"
    res = runner.invoke(app, ["grade", str(dst), "--rules", str(PEEL_PACK), "--format", "json", "--out", str(b)])
    assert res.exit_code == 0, res.output
    diff = runner.invoke(app, ["diff", str(a), str(b)], env={"COLUMNS": "200"})
    assert diff.exit_code == 0, diff.output
    assert "inadequate -> adequate" in diff.stdout
    mod = runner.invoke(app, ["moderate", str(a), str(b)], env={"COLUMNS": "200"})
    assert mod.exit_code == 0, mod.output
    batch = runner.invoke(app, ["grade", str(EXAMPLESHIRE), str(dst), "--rules", str(PEEL_PACK), "--out", str(tmp_path / "out")],
                          env={"COLUMNS": "250"})
    assert batch.exit_code == 0, batch.output
    assert "outstanding" in batch.stdout and "none" in batch.stdout
