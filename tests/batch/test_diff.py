"""`grader diff`: what changed between two results of a force, and why (checked against the engine)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from setkit import copy_set, grade_to_file, remove_item, replace_in_item
from typer.testing import CliRunner

from grader.analysis.diff import diff_results
from grader.analysis.results import load_result
from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, EXIT_TEST_FAILED, InputError
from grader.models.result import GradingResult

runner = CliRunner()


def _without(tmp_path: Path, item_id: str) -> tuple[Path, GradingResult]:
    copy = copy_set(default_evidence(), tmp_path / "set")
    remove_item(copy, item_id)
    out = tmp_path / "new.json"
    return out, grade_to_file(copy, out)


def test_same_result_is_no_change(derbyshire_json: Path) -> None:
    res = runner.invoke(app, ["diff", str(derbyshire_json), str(derbyshire_json), "--exit-code"])
    assert res.exit_code == 0, res.output
    assert "no change" in res.output


def test_same_inputs_in_another_folder_is_no_change(derbyshire_json: Path, tmp_path: Path) -> None:
    copy = copy_set(default_evidence(), tmp_path / "elsewhere")
    grade_to_file(copy, tmp_path / "again.json")
    d = diff_results(load_result(derbyshire_json), load_result(tmp_path / "again.json"))
    assert d.same_inputs and d.no_change
    assert not d.criteria and not d.pillars and d.overall is None and not d.items


def test_a_removed_strength_that_decided_its_criterion_is_named(derbyshire_json: Path, tmp_path: Path) -> None:
    old = load_result(derbyshire_json)
    new_file, new = _without(tmp_path, "ENF-01-S4")
    # The engine says so: without its only vetting strength, ENF-01 is no longer met.
    assert old.criterion("ENF-01").outcome == "meets"
    assert new.criterion("ENF-01").outcome != "meets"
    d = diff_results(old, new)
    assert [i.id for i in d.items] == ["ENF-01-S4"] and d.items[0].change == "removed"
    assert [c.criterion for c in d.criteria] == ["ENF-01"]
    c = d.criteria[0]
    assert c.status == "outcome"
    assert (c.outcome.was, c.outcome.now) == ("meets", new.criterion("ENF-01").outcome)
    assert c.evidence_removed == ["ENF-01-S4"] and "ENF-01-S4" in c.cited_removed
    assert any("ENF-01-S4 (strength) removed; it was cited" == w for w in c.why)
    assert any(w.startswith("decided by rules/effective-governance before") for w in c.why)
    res = runner.invoke(app, ["diff", str(derbyshire_json), str(new_file)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "ENF-01-S4" in res.output and "ENF-01" in res.output
    assert "meets -> insufficient-evidence" in res.output


def test_a_removed_strength_that_was_one_of_several_changes_only_citations(derbyshire_json: Path,
                                                                            tmp_path: Path) -> None:
    old = load_result(derbyshire_json)
    _, new = _without(tmp_path, "ENF-01-S2")
    assert new.criterion("ENF-01").outcome == old.criterion("ENF-01").outcome == "meets"
    assert new.criterion("ENF-01").evidence != old.criterion("ENF-01").evidence
    d = diff_results(old, new)
    (c,) = d.criteria
    assert (c.criterion, c.status) == ("ENF-01", "citations")
    assert c.cited_removed == ["ENF-01-S2"] and c.cited_added == []
    assert not c.outcome.changed
    assert d.overall is None and d.pillars == []


def test_a_lapsed_mitigation_is_named_with_its_evidence(derbyshire_json: Path, tmp_path: Path) -> None:
    old = load_result(derbyshire_json)
    _, new = _without(tmp_path, "ENF-02-S1")
    assert old.criterion("ENF-02").mitigation is not None
    assert new.criterion("ENF-02").mitigation is None
    d = diff_results(old, new)
    c = next(c for c in d.criteria if c.criterion == "ENF-02")
    assert c.mitigation.was == old.criterion("ENF-02").mitigation.rule and c.mitigation.now is None
    lapsed = [w for w in c.why if w.startswith("mitigation lapsed")]
    assert lapsed and "ENF-02-S1" in lapsed[0]


def test_a_changed_fact_is_named_with_old_and_new_values(derbyshire_json: Path, tmp_path: Path) -> None:
    copy = copy_set(default_evidence(), tmp_path / "set")
    replace_in_item(copy, "ENF-01-S4", "pa_members_vetted: true", "pa_members_vetted: false")
    new = grade_to_file(copy, tmp_path / "new.json")
    d = diff_results(load_result(derbyshire_json), new)
    (item,) = d.items
    assert item.change == "changed" and [f.field for f in item.fields] == ["facts.pa_members_vetted"]
    c = next(c for c in d.criteria if c.criterion == "ENF-01")
    assert "ENF-01-S4 (strength) changed: facts.pa_members_vetted true -> false" in c.why
    assert c.outcome.now == new.criterion("ENF-01").outcome


def test_a_changed_rule_and_pack_version_are_named(derbyshire_json: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_pack(), pack)
    manifest = pack / "pack.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.1.0", 1),
                        encoding="utf-8")
    crit = pack / "criteria" / "ENF-01.yaml"
    text = crit.read_text(encoding="utf-8")
    assert "at_least: 2" in text
    crit.write_text(text.replace("at_least: 2", "at_least: 5", 1), encoding="utf-8")  # 4 items show scrutiny
    new = grade_to_file(default_evidence(), tmp_path / "new.json", pack)
    assert new.criterion("ENF-01").outcome != "meets"
    d = diff_results(load_result(derbyshire_json), new)
    assert {f.path for f in d.pack_files} == {"pack.yaml", "criteria/ENF-01.yaml"}
    assert d.items == [] and d.evidence_files == []
    c = next(c for c in d.criteria if c.criterion == "ENF-01")
    assert c.rule_changed and "its rules changed (criteria/ENF-01.yaml)" in c.why
    assert "pack acpo-major-crime-2008 1.0.0 -> acpo-major-crime-2008 1.1.0" in c.why
    assert any("different packs" in n for n in d.notes)


def test_pillar_and_overall_changes_name_the_criteria_below(derbyshire_json: Path, tmp_path: Path) -> None:
    copy = copy_set(default_evidence(), tmp_path / "set")
    for item in ("ENF-01-S4", "ENF-03-S1"):
        remove_item(copy, item)
    new = grade_to_file(copy, tmp_path / "new.json")
    old = load_result(derbyshire_json)
    assert new.pillar("enforcement").grade != old.pillar("enforcement").grade
    d = diff_results(old, new)
    (p,) = d.pillars
    assert p.id == "enforcement"
    assert f"grade {old.pillar('enforcement').grade} -> {new.pillar('enforcement').grade}" in p.why
    for cid in ("ENF-01", "ENF-03"):
        assert any(w.startswith(f"{cid} meets -> ") for w in p.why), p.why
    # A failing pillar fails the force (the pack's overall policy), and the diff says which pillar.
    assert (old.overall.grade, new.overall.grade) == ("meets", "fails")
    assert d.overall is not None
    assert f"Enforcement {old.pillar('enforcement').grade} -> fails" in d.overall.why


def test_json_format_and_exit_code(derbyshire_json: Path, tmp_path: Path) -> None:
    new_file, _ = _without(tmp_path, "ENF-01-S4")
    res = runner.invoke(app, ["diff", str(derbyshire_json), str(new_file), "--format", "json", "--exit-code"])
    assert res.exit_code == EXIT_TEST_FAILED
    data = json.loads(res.stdout)
    assert data["no_change"] is False
    assert data["criteria"][0]["criterion"] == "ENF-01"
    assert data["items"][0] == {"id": "ENF-01-S4", "change": "removed", "kind": "strength",
                                "criteria": ["ENF-01"], "fields": []}


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ('{"meta": {\n  "x": 1,,\n}', "RES-002", 2),
        ('[1, 2, 3]\n', "RES-003", 1),
        ("", "RES-002", 1),
    ],
)
def test_a_file_that_is_not_a_result_is_a_located_input_error(tmp_path: Path, derbyshire_json: Path, text: str,
                                                               code: str, line: int) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["diff", str(derbyshire_json), str(bad)])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert f"bad.json:{line}:" in res.output and code in res.output
    assert "Traceback" not in res.output


def test_a_wrong_field_in_a_result_is_located_at_its_line(tmp_path: Path, derbyshire_json: Path) -> None:
    text = derbyshire_json.read_text(encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(text.replace('"significant": true', '"significant": "maybe"', 1), encoding="utf-8")
    expected = text[: text.index('"significant": true')].count("\n") + 1
    with pytest.raises(InputError) as exc:
        load_result(bad)
    p = exc.value.problems[0]
    assert (p.code, p.line) == ("RES-003", expected)
    assert p.field is not None and p.field.endswith("significant")


def test_a_missing_result_file(tmp_path: Path, derbyshire_json: Path) -> None:
    res = runner.invoke(app, ["diff", str(derbyshire_json), str(tmp_path / "nope.json")])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "nope.json: RES-001 result file not found" in res.output
