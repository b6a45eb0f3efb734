"""`grader diff`: what changed between two results of a force, and why (checked against the engine)."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
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
    assert ("decided by rules/effective-governance before, now by no rule (the criterion's 'otherwise')"
            in c.why)
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


def _pack_at_version_1_1(tmp_path: Path) -> Path:
    """A copy of the bundled pack whose manifest says version 1.1.0."""
    pack = tmp_path / "pack"
    shutil.copytree(default_pack(), pack)
    manifest = pack / "pack.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.1.0", 1),
                        encoding="utf-8")
    return pack


def test_a_changed_rule_and_pack_version_are_named(derbyshire_json: Path, tmp_path: Path) -> None:
    pack = _pack_at_version_1_1(tmp_path)
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
    # The versions are stated once, in the notes; the criterion gives its own rule file instead.
    assert "graded against different packs: acpo-major-crime-2008 1.0.0 and acpo-major-crime-2008 1.1.0" in d.notes
    assert not any("1.1.0" in w for ch in d.criteria for w in ch.why), [ch.why for ch in d.criteria]


def test_a_pack_change_is_referred_to_not_restated_by_each_criterion(derbyshire_json: Path, tmp_path: Path) -> None:
    pack = _pack_at_version_1_1(tmp_path)
    copy = copy_set(default_evidence(), tmp_path / "set")
    for item in ("ENF-01-S4", "ENF-03-S1"):
        remove_item(copy, item)
    new_file = tmp_path / "new.json"
    grade_to_file(copy, new_file, pack)
    d = diff_results(load_result(derbyshire_json), load_result(new_file))
    assert {c.criterion for c in d.criteria} >= {"ENF-01", "ENF-03"}
    for c in d.criteria:
        assert "the pack changed (see the note on packs)" in c.why
    res = runner.invoke(app, ["diff", str(derbyshire_json), str(new_file)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    # the new version is named by the header and the note, and by no criterion
    assert res.output.count("1.1.0") == 2, res.output


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
    assert (p.grade.was, p.grade.now) == (old.pillar("enforcement").grade, new.pillar("enforcement").grade)
    # The pillar follows from the criteria below: referred to by id, their outcomes not restated.
    assert p.follows_from == ["ENF-01", "ENF-03"]
    assert p.why == ["follows from the criteria below: ENF-01, ENF-03"]
    # A failing pillar fails the force (the pack's overall policy), and the diff says which pillar.
    assert (old.overall.grade, new.overall.grade) == ("meets", "fails")
    assert d.overall is not None
    assert d.overall.follows_from == ["enforcement"]
    assert d.overall.why == ["follows from the pillar below: Enforcement"]


@pytest.mark.parametrize("width", ["80", "200"])
def test_the_text_states_each_change_once(derbyshire_json: Path, tmp_path: Path, width: str) -> None:
    """Two strengths removed: two criteria, a pillar and the overall grade change. Each outcome
    change is stated once, on its own line, and each removed item once, under its criterion."""
    copy = copy_set(default_evidence(), tmp_path / "set")
    for item in ("ENF-01-S4", "ENF-03-S1"):
        remove_item(copy, item)
    new_file = tmp_path / "new.json"
    new = grade_to_file(copy, new_file)
    d = diff_results(load_result(derbyshire_json), new)
    assert [c.criterion for c in d.criteria] == ["ENF-01", "ENF-03"] and [p.id for p in d.pillars] == ["enforcement"]
    assert d.overall is not None
    res = runner.invoke(app, ["diff", str(derbyshire_json), str(new_file)], env={"COLUMNS": width})
    assert res.exit_code == 0, res.output
    text = re.sub("[\u2500-\u257f]", " ", res.stdout)  # table borders aside
    # every "was -> now" of a grade or an outcome: one per thing that changed, no more
    changes = Counter(f"{ch.was} -> {ch.now}" for ch in [*(c.outcome for c in d.criteria),
                                                         *(p.grade for p in d.pillars), d.overall.grade])
    assert changes == Counter({"meets -> insufficient-evidence": 2, "meets -> fails": 2})
    stated = Counter(m for m in re.findall(r"[\w-]+ -> [\w-]+", text) if m in changes)
    assert stated == changes, text
    # each removed item in one line (its criterion's reasons): not again as "no longer cites",
    # nor in an evidence table
    for item in ("ENF-01-S4", "ENF-03-S1"):
        assert len(re.findall(rf"\b{item}\b", text)) == 1, text
    assert "Evidence that changed" not in text
    # each criterion id: its own line, and the pillar's reference to it
    for cid in ("ENF-01", "ENF-03"):
        assert len(re.findall(rf"\b{cid}\b(?!-)", text)) == 2, text


def test_evidence_that_changed_no_finding_is_listed_apart(derbyshire_json: Path, tmp_path: Path) -> None:
    copy = copy_set(default_evidence(), tmp_path / "set")
    remove_item(copy, "ENF-01-S4")
    replace_in_item(copy, "ENF-03-S1", "Knowing that long", "Aware that long")
    new_file = tmp_path / "new.json"
    grade_to_file(copy, new_file)
    d = diff_results(load_result(derbyshire_json), load_result(new_file))
    assert [(i.id, i.change) for i in d.items] == [("ENF-01-S4", "removed"), ("ENF-03-S1", "changed")]
    assert [c.criterion for c in d.criteria] == ["ENF-01"]  # the reworded item changed no finding
    res = runner.invoke(app, ["diff", str(derbyshire_json), str(new_file)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "Evidence that changed no finding" in out
    assert out.count("ENF-01-S4") == 1 and out.count("ENF-03-S1") == 1, out
    assert out.index("ENF-01-S4") < out.index("Evidence that changed no finding") < out.index("ENF-03-S1")


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


def test_a_change_to_a_withheld_item_is_not_called_no_change(derbyshire_json: Path, tmp_path: Path) -> None:
    """PMR-02 turns on OFFICIAL-SENSITIVE items: for the public the item that changed is withheld,
    so the diff must not say that no input of the criterion changed (it did); it says that
    nothing the reader may see changed. Unfiltered, the change itself is named."""
    copy = copy_set(default_evidence(), tmp_path / "set")
    replace_in_item(copy, "PMR-02-S4", "own_dedicated_surveillance: true", "own_dedicated_surveillance: false")
    new = tmp_path / "new.json"
    grade_to_file(copy, new)
    res = runner.invoke(app, ["diff", str(derbyshire_json), str(new), "--audience", "public"],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.split())
    assert "PMR-02" in flat and "meets -> fails" in flat
    assert "no input of this criterion changed" not in flat and "PMR-02-S4" not in flat
    assert "no input shown to this audience changed (items withheld from it may have)" in flat
    # the banner counts the items withheld, not the same 24 items once per year
    assert "OFFICIAL: for the public; 24 items marked above OFFICIAL withheld" in flat
    unfiltered = " ".join(runner.invoke(app, ["diff", str(derbyshire_json), str(new)],
                                        env={"COLUMNS": "200"}).output.split())
    assert "PMR-02-S4 (strength) changed: facts.own_dedicated_surveillance true -> false" in unfiltered
