"""Recorded judgements: applied where the rules still give what they answered, otherwise reported.

Every expectation about a grade is worked out from the rules (an ungraded copy of the same set)
and the pack's own roll-up policy, never written in by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from judgekit import (
    ENF01_STALE,
    INT06_FAILS,
    copy_pack,
    copy_set,
    finding,
    grade_json,
    grader,
    pillar,
    write_judgements,
)

from grader.bundled import default_pack
from grader.grading.rollup import Unit, decide
from grader.loading.pack import load_pack
from grader.loading.result import read_result
from grader.loading.yamlsrc import load_yaml
from grader.schemas import schema_for


@pytest.fixture(scope="module")
def by_rules(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The Derbyshire result with no judgements: what the rules give."""
    return grade_json(copy_set(tmp_path_factory.mktemp("rules")))


def expected_pillar(by_rules: dict, pillar_id: str, judged: dict[str, str]) -> str:
    """The grade the pack's roll-up policy gives a pillar when ``judged`` replaces some outcomes."""
    pack = load_pack(default_pack()).pack
    units = [Unit(c["criterion"], judged.get(c["criterion"], c["outcome"]), c["significant"],
                  c["mitigation"] is not None and c["criterion"] not in judged)
             for c in by_rules["criteria"] if c["pillar"] == pillar_id]
    return decide(pack.manifest.policy.pillar, units, pack.scale_ids)[0]


def test_a_judgement_replaces_the_outcome_and_rolls_up(tmp_path: Path, by_rules: dict) -> None:
    assert finding(by_rules, "INT-06")["outcome"] == "meets"  # the premise: the rules say meets
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS)
    result = grade_json(ev)
    int06 = finding(result, "INT-06")
    assert (int06["outcome"], int06["rule_outcome"]) == ("fails", "meets")
    assert int06["judgement"]["reason"].startswith("The register exists (INT-06-S1) but on interview")
    assert int06["judgement"]["evidence"] == ["INT-06-S1"]
    assert (int06["judgement"]["by"], int06["judgement"]["role"]) == ("A. Inspector", "Lead inspector")
    # the pillar takes what the policy gives for one significant gap, and says what the rules gave
    intel = pillar(result, "intelligence")
    assert intel["grade"] == expected_pillar(by_rules, "intelligence", {"INT-06": "fails"})
    assert intel["rule_outcome"] == intel["grade"] and intel["judgement"] is None
    assert [j["state"] for j in result["judgements"]] == ["applied"]
    # every other criterion is as the rules gave it, and says so
    for c in result["criteria"]:
        if c["criterion"] != "INT-06":
            assert c["outcome"] == c["rule_outcome"] == finding(by_rules, c["criterion"])["outcome"]
    assert any(f["path"] == "derbyshire-2008/judgements.yaml" for f in result["meta"]["inputs"])


def test_two_judged_gaps_fail_the_pillar_as_the_policy_says(tmp_path: Path, by_rules: dict) -> None:
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS, INT06_FAILS.replace("INT-06", "INT-01").replace("INT-01-S1", "INT-01-S1"))
    result = grade_json(ev)
    judged = {"INT-06": "fails", "INT-01": "fails"}
    assert finding(by_rules, "INT-01")["outcome"] == "meets"
    assert pillar(result, "intelligence")["grade"] == expected_pillar(by_rules, "intelligence", judged)
    assert pillar(result, "intelligence")["grade"] == "fails"  # two significant gaps: the policy fails it
    assert result["overall"]["grade"] == "fails"
    assert result["overall"]["rule_outcome"] == "fails"  # the policy gave it from the judged pillars


def test_a_stale_judgement_is_not_applied_and_is_warned(tmp_path: Path, by_rules: dict) -> None:
    assert finding(by_rules, "ENF-01")["outcome"] == "meets"
    ev = copy_set(tmp_path)
    write_judgements(ev, ENF01_STALE)
    result = grade_json(ev)
    enf01 = finding(result, "ENF-01")
    assert (enf01["outcome"], enf01["rule_outcome"], enf01["judgement"]) == ("meets", "meets", None)
    [state] = result["judgements"]
    assert (state["state"], state["rule_outcome"], state["rules_now"]) == ("stale", "fails", "meets")
    [warning] = [w for w in result["warnings"] if "JUDGE-020" in w]
    assert "derbyshire-2008/judgements.yaml:4:19: JUDGE-020" in warning  # at its rule_outcome
    assert "ENF-01" in warning and "stale" in warning
    assert "gave fails" in warning and "now give meets" in warning
    assert result == {**grade_json(copy_set(tmp_path / "b")), "warnings": result["warnings"],
                      "judgements": result["judgements"], "meta": result["meta"]}, "a stale judgement changes nothing"


def test_an_expired_judgement_is_not_applied(tmp_path: Path) -> None:
    """Expiry is measured against the set's inspection date (2008-07-01), never today's."""
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS.replace("date: 2008-07-20", "date: 2007-06-01\n    expires: 2008-06-30"))
    result = grade_json(ev)
    assert finding(result, "INT-06")["outcome"] == "meets"
    assert result["judgements"][0]["state"] == "expired"
    [warning] = [w for w in result["warnings"] if "JUDGE-021" in w]
    assert "expired on 2008-06-30" in warning and "2008-07-01" in warning


def test_a_judgement_expiring_after_the_inspection_applies(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS.replace("date: 2008-07-20", "date: 2008-06-01\n    expires: 2008-07-01"))
    assert finding(grade_json(ev), "INT-06")["outcome"] == "fails"


def test_a_pillar_judgement_feeds_the_overall_grade(tmp_path: Path, by_rules: dict) -> None:
    ev = copy_set(tmp_path)
    rule_grade = pillar(by_rules, "enforcement")["grade"]
    write_judgements(ev, f"""
  - target: enforcement
    outcome: fails
    rule_outcome: {rule_grade}
    reason: The panel found the enforcement evidence as a whole weaker than its parts.
    by: A. Inspector
    role: Lead inspector
    date: 2008-07-20
""")
    result = grade_json(ev)
    enf = pillar(result, "enforcement")
    assert (enf["grade"], enf["rule_outcome"], enf["label"]) == ("fails", rule_grade, "Fails to meet the standard")
    assert result["overall"]["grade"] == "fails"  # the policy: any failing pillar fails the standard


def problems(code: int, err: str) -> list[str]:
    assert code == 65, err
    assert "Traceback" not in err
    return err.strip().splitlines()


def test_two_judgements_on_one_target_are_an_error(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS, INT06_FAILS)
    code, out, err = grader("grade", ev)
    [line] = problems(code, err)
    assert "derbyshire-2008/judgements.yaml:11:13: JUDGE-013" in line  # the second, at its target
    assert "(the first is on line 2)" in line and "[judgements[1].target]" in line
    assert out == ""


def test_an_unknown_target_suggests_the_nearest(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS.replace("target: INT-06", "target: INT-6"))
    [line] = problems(*grader("grade", ev)[::2])
    assert "JUDGE-010" in line and "did you mean 'INT-06'" in line and "judgements.yaml:2:13" in line


def test_an_unknown_outcome_and_a_missing_reason_are_located(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS.replace("outcome: fails", "outcome: failed"))
    [line] = problems(*grader("grade", ev)[::2])
    assert "JUDGE-011" in line and "'failed'" in line and "did you mean 'fails'" in line
    write_judgements(ev, INT06_FAILS.replace("    reason: >-\n", "    because: >-\n"))
    lines = problems(*grader("grade", ev)[::2])
    assert any("JUDGE-002" in x and "unknown field 'because'" in x for x in lines)
    assert any("missing required field 'reason'" in x for x in lines)


def test_the_pack_limits_what_may_be_judged(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path, "targets: [criterion]\ncite_evidence: true\n")
    ev = copy_set(tmp_path)
    write_judgements(ev, """
  - target: intelligence
    outcome: fails
    rule_outcome: meets
    reason: The panel decided so.
    by: A. Inspector
    role: Lead inspector
    date: 2008-07-20
""", ENF01_STALE)
    lines = problems(*grader("grade", ev, "--rules", pack)[::2])
    assert any("JUDGE-014" in x and "judge a pillar" in x and "allows: criterion" in x for x in lines)
    # two judgements, neither reason names an item: both reported
    assert sum("JUDGE-015" in x for x in lines) == 2
    write_judgements(ev, INT06_FAILS)  # names INT-06-S1: allowed
    assert finding(grade_json(ev, "--rules", pack), "INT-06")["outcome"] == "fails"


def test_a_judgements_file_named_on_the_command_line(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    elsewhere = write_judgements(tmp_path, INT06_FAILS, name="panel.yaml")
    assert finding(grade_json(ev, "--judgements", elsewhere), "INT-06")["outcome"] == "fails"
    assert finding(grade_json(ev), "INT-06")["outcome"] == "meets"
    code, _, err = grader("grade", ev, "--judgements", tmp_path / "nothing.yaml")
    assert code == 65 and "JUDGE-001" in err


def test_results_are_byte_identical_across_reruns(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS, ENF01_STALE)
    runs = [grader("grade", ev, "--format", "json")[1] for _ in range(2)]
    assert runs[0] == runs[1] and '"judgement"' in runs[0]


def test_a_result_written_before_judgements_still_reads(tmp_path: Path, by_rules: dict) -> None:
    old = json.loads(json.dumps(by_rules))
    for part in [*old["criteria"], *old["pillars"], old["overall"]]:
        part.pop("rule_outcome")
        part.pop("judgement")
    for key in ("judgements", "signoff"):
        old.pop(key)
    old["framework"].pop("judgement_policy")
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    result = read_result(path)
    assert all(c.rule_outcome == c.outcome for c in result.criteria)
    assert result.overall.rule_outcome == result.overall.grade


def test_the_judgements_schema_accepts_the_file_and_refuses_mistakes(tmp_path: Path) -> None:
    validator = jsonschema.Draft202012Validator(schema_for("judgements"))
    path = write_judgements(tmp_path, INT06_FAILS, ENF01_STALE)
    data = json.loads(json.dumps(load_yaml(path).data, default=str))
    assert list(validator.iter_errors(data)) == []
    data["judgements"][0]["because"] = "x"
    assert list(validator.iter_errors(data))
