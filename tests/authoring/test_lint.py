"""``rules check``'s semantic lint: one small pack per kind of finding, each finding located.

Every pack is written to tmp_path with tests/engine/packkit.py and checked through
``check_pack``, the function behind ``grader rules check``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import packkit as kit
import pytest

from grader.authoring.check import check_pack
from grader.errors import Problem

FLAG_T = {"fact": "flag", "equals": True}
FLAG_F = {"fact": "flag", "equals": False}


def some(cond: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    return {"some": cond, **({"name": name} if name else {})}


def meets_rule(rid: str = "evidenced", cond: dict[str, Any] | None = None) -> dict[str, Any]:
    return kit.rule(rid, "meets", some(cond or {"fact": "other_flag", "equals": True}))


def only(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


def line_of(path: Path, text: str, nth: int = 0) -> int:
    lines = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if text in line]
    return lines[nth]


SOUND = [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()]


def check(tmp_path: Path, rules: list[dict[str, Any]], **pack: Any) -> tuple[Path, list[Problem]]:
    """Check a one-pillar pack: T-01 with ``rules`` beside a sound T-02 (the ACPO-like policy
    needs two significant criteria for a pillar to be able to fail)."""
    pack.setdefault("uplifts", [kit.UPLIFT3])
    pack.setdefault("pillars", ("alpha",))
    crits = [kit.criterion("T-01", rules), kit.criterion("T-02", SOUND)]
    root = kit.write_pack(tmp_path, crits, **pack)
    return root, check_pack(root)


def test_a_sound_pack_has_no_errors_and_no_rule_findings(tmp_path: Path) -> None:
    root, problems = check(tmp_path, [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()])
    assert [p for p in problems if p.severity == "error"] == []
    assert {p.code for p in problems} <= {"LINT-080"}, problems


# --- contradictions -------------------------------------------------------------------------


def test_a_contradictory_condition_makes_the_rule_unreachable(tmp_path: Path) -> None:
    root, problems = check(tmp_path, [kit.rule("gap", "fails", some({"all": [FLAG_T, FLAG_F]})), meets_rule()])
    [p] = only(problems, "LINT-020")
    assert p.severity == "error"
    assert "rule 'gap' (-> fails) can never hold" in p.message
    assert "fact flag is yes and fact flag is no" in p.message
    crit = root / "criteria" / "T-01.yaml"
    assert p.file.endswith("T-01.yaml") and p.line == line_of(crit, "- id: gap")


def test_contradictory_numbers_and_kinds(tmp_path: Path) -> None:
    cond = {"all": [{"fact": "score", "lt": 3}, {"fact": "score", "gt": 5}]}
    kinds = {"all": [{"kind": "strength"}, {"kind": "area-for-improvement"}]}
    _, problems = check(tmp_path, [kit.rule("low-high", "fails", some(cond)),
                                   kit.rule("two-kinds", "fails", some(kinds)), meets_rule()])
    found = only(problems, "LINT-020")
    assert len(found) == 2
    assert "fact score is below 3 and fact score is above 5" in found[0].message
    assert "is a strength and is a area for improvement" in found[1].message


def test_a_scope_can_contradict_a_test(tmp_path: Path) -> None:
    cond = {"all": [{"field": "pillar", "equals": "alpha"}, FLAG_T]}
    rules = [kit.rule("elsewhere", "fails", {"scope": "pillar", "some": {"field": "pillar", "equals": "alpha"}}),
             meets_rule("evidenced", cond)]
    root = kit.write_pack(tmp_path, [kit.criterion("T-01", rules)], pillars=("alpha", "beta"))
    crit = kit.criterion("T-02", [kit.rule("beta-in-alpha", "fails",
                                           {"scope": "pillar", "some": {"field": "pillar", "equals": "beta"}}),
                                  meets_rule()])
    kit.dump(root / "criteria" / "T-02.yaml", crit)
    problems = check_pack(root)
    [p] = only(problems, "LINT-020")
    assert p.file.endswith("T-02.yaml") and "beta-in-alpha" in p.message


def test_a_clause_that_never_matches_inside_an_any_is_a_warning(tmp_path: Path) -> None:
    when = {"any": [some({"all": [FLAG_T, FLAG_F]}), some({"fact": "count", "gte": 1})]}
    root, problems = check(tmp_path, [kit.rule("gap", "fails", when), meets_rule()])
    assert only(problems, "LINT-020") == []
    [p] = only(problems, "LINT-021")
    assert p.severity == "warning" and "never holds" in p.message
    assert p.field == "rules[0].when.any[0].some"
    assert p.line == line_of(root / "criteria" / "T-01.yaml", "- some:") + 1


def test_a_dead_branch_of_an_any(tmp_path: Path) -> None:
    cond = {"all": [FLAG_T, {"any": [FLAG_F, {"fact": "count", "gte": 2}]}]}
    root, problems = check(tmp_path, [kit.rule("gap", "fails", some(cond)), meets_rule()])
    [p] = only(problems, "LINT-022")
    assert "'fact flag is no'" in p.message and p.severity == "warning"
    assert p.field == "rules[0].when.some.all[1].any[0]"


# --- first hit: rules below a wider one -----------------------------------------------------


def test_a_rule_below_a_weaker_one_can_never_decide(tmp_path: Path) -> None:
    narrow = {"all": [{"kind": "strength"}, {"fact": "other_flag", "equals": True}, {"fact": "count", "gte": 3}]}
    wide = {"fact": "other_flag", "equals": True}
    root, problems = check(tmp_path, [kit.rule("gap", "fails", some(FLAG_F)),
                                      kit.rule("some-evidence", "meets", some(wide)),
                                      kit.rule("lots-of-evidence", "exceeds", some(narrow))])
    [p] = only(problems, "LINT-030")
    assert p.severity == "error"
    assert "rule 'lots-of-evidence' (-> exceeds) can never decide" in p.message
    assert "rule 'some-evidence' above it (-> meets)" in p.message
    assert p.line == line_of(root / "criteria" / "T-01.yaml", "- id: lots-of-evidence")


def test_counts_and_scopes_in_the_shadow_check(tmp_path: Path) -> None:
    # at_least 3 implies at_least 1 (shadowed); at_least 1 does not imply at_least 3 (fine)
    # a criterion-scope count implies the same count over the whole set (shadowed)
    rules = [kit.rule("gap", "fails", some(FLAG_F)),
             kit.rule("three", "meets", {"at_least": 3, "where": FLAG_T}),
             kit.rule("one", "exceeds", {"at_least": 1, "where": FLAG_T}),
             kit.rule("anywhere", "exceeds", {"scope": "all", "some": {"fact": "score", "gte": 1}}),
             kit.rule("here", "meets", {"some": {"fact": "score", "gte": 2}})]
    _, problems = check(tmp_path, rules)
    assert [p.message.split("'")[1] for p in only(problems, "LINT-030")] == ["here"]


def test_the_same_condition_with_the_same_outcome_is_a_redundant_rule(tmp_path: Path) -> None:
    _, problems = check(tmp_path, [kit.rule("gap", "fails", some(FLAG_F)), meets_rule("first"),
                                   meets_rule("second")])
    [p] = only(problems, "LINT-031")
    assert p.severity == "warning" and "'second' never decides" in p.message


def test_rules_that_together_always_hold_hide_the_rest(tmp_path: Path) -> None:
    rules = [kit.rule("gap", "fails", some(FLAG_F, "gap")),
             kit.rule("no-gap", "meets", {"none": FLAG_F}),
             kit.rule("exceeding", "exceeds", some(FLAG_T))]
    root, problems = check(tmp_path, rules)
    [p] = only(problems, "LINT-032")
    assert "'exceeding'" in p.message and "('gap', 'no-gap')" in p.message
    assert only(problems, "LINT-033"), "otherwise can never apply"
    [absent] = only(problems, "LINT-040")
    assert absent.severity == "error" and "rule 'no-gap' holds on no evidence" in absent.message
    assert absent.line == line_of(root / "criteria" / "T-01.yaml", "- id: no-gap")


def test_absence_of_evidence_must_never_pass(tmp_path: Path) -> None:
    rules = [kit.rule("no-gap", "meets", {"at_most": 1, "where": FLAG_F})]
    _, problems = check(tmp_path, rules)
    [p] = only(problems, "LINT-040")
    assert "with no evidence at all, T-01 would be 'meets'" in p.message


def test_a_mitigation_that_holds_on_no_evidence(tmp_path: Path) -> None:
    mitigation = {"id": "always", "basis": "risk-managed", "when": {"none": {"fact": "gap", "equals": True}},
                  "because": "No gap."}
    root = kit.write_pack(tmp_path, [kit.criterion("T-01", [meets_rule()], mitigations=[mitigation])],
                          pillars=("alpha",))
    [p] = only(check_pack(root), "LINT-040")
    assert "mitigation 'always' holds on no evidence" in p.message


# --- outcomes the pillar needs, and the roll-up -----------------------------------------------


def test_a_criterion_with_no_rule_for_the_passing_grade(tmp_path: Path) -> None:
    _, problems = check(tmp_path, [kit.rule("gap", "fails", some(FLAG_F))])
    [p] = only(problems, "LINT-050")
    assert p.severity == "error"
    assert "no rule of T-01 can give 'exceeds' or 'meets'" in p.message


def test_a_pillar_that_can_never_exceed_because_of_its_criteria(tmp_path: Path) -> None:
    # The policy needs half the significant criteria to exceed; with no uplift no rule gives it.
    rules = [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()]
    root = kit.write_pack(tmp_path, [kit.criterion("T-01", rules), kit.criterion("T-02", rules)],
                          pillars=("alpha",))
    problems = only(check_pack(root), "LINT-051")
    assert any("pillar 'alpha' can never be graded 'exceeds'" in p.message and "T-01, T-02" in p.message
               for p in problems), problems
    with_uplift = kit.write_pack(tmp_path, [kit.criterion("T-01", rules), kit.criterion("T-02", rules)],
                                 pillars=("alpha",), uplifts=[kit.UPLIFT3])
    assert only(check_pack(with_uplift), "LINT-051") == []


def test_a_roll_up_that_can_never_give_a_grade(tmp_path: Path) -> None:
    policy = copy.deepcopy(kit.POLICY3)
    exceeds = policy["pillar"]["rules"][1]
    exceeds["when"] = {"all": [{"count": {"outcome": ["exceeds"]}, "at_least": 1},
                               {"count": {"outcome": ["exceeds"]}, "at_most": 0}]}
    exceeds["because"] = "Never."
    root, problems = check(tmp_path, [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()],
                           policy=policy, uplifts=[kit.UPLIFT3])
    [p] = [p for p in only(problems, "LINT-060") if "pillar" in p.message]
    assert p.severity == "error" and "can never give 'exceeds'" in p.message
    assert p.file.endswith("pack.yaml") and p.field == "policy.pillar.rules[1]"


def test_a_grade_out_of_reach_for_a_small_pillar_only(tmp_path: Path) -> None:
    policy = copy.deepcopy(kit.POLICY3)
    policy["pillar"]["rules"][1]["when"] = {"count": {"outcome": ["exceeds"], "significant": True}, "at_least": 3}
    policy["pillar"]["rules"][1]["because"] = "Three exceed."
    rules = [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()]
    crits = [kit.criterion(f"A-0{i}", rules) for i in range(1, 3)]
    crits += [kit.criterion(f"B-0{i}", rules, pillar="beta") for i in range(1, 4)]
    root = kit.write_pack(tmp_path, crits, policy=policy, uplifts=[kit.UPLIFT3])
    problems = check_pack(root)
    assert only(problems, "LINT-060") == []
    [p] = only(problems, "LINT-061")
    assert "pillar 'alpha' (2 significant criteria) can never be graded 'exceeds'" in p.message


def test_the_overall_roll_up_is_enumerated_too(tmp_path: Path) -> None:
    policy = copy.deepcopy(kit.POLICY3)
    policy["overall"]["rules"][1]["when"] = {"count": {"grade": ["exceeds"]}, "at_least": 3}
    policy["overall"]["rules"][1]["because"] = "Three pillars exceed."
    rules = [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()]
    crits = [kit.criterion(cid, rules, pillar=p) for cid, p in
             (("A-01", "alpha"), ("A-02", "alpha"), ("B-01", "beta"), ("B-02", "beta"))]
    root = kit.write_pack(tmp_path, crits, policy=policy, uplifts=[kit.UPLIFT3])
    [p] = only(check_pack(root), "LINT-060")
    assert "the overall roll-up can never give 'exceeds'" in p.message and "2 pillars" in p.message


# --- numeric bands --------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high", "gap"), [
    ({"lt": 3}, {"gt": 3}, "fact score 3 is covered by no rule"),
    ({"lt": 3}, {"gte": 5}, "fact score from 3 below 5 is covered by no rule"),
    ({"between": [0, 2.5]}, {"between": [3, 10]}, "fact score above 2.5 below 3 is covered by no rule"),
])
def test_a_gap_between_numeric_bands(tmp_path: Path, low: dict[str, Any], high: dict[str, Any], gap: str) -> None:
    root, problems = check(tmp_path, [kit.rule("low", "fails", some({"fact": "score", **low})),
                                      kit.rule("high", "meets", some({"fact": "score", **high}))])
    [p] = only(problems, "LINT-070")
    assert p.severity == "warning" and gap in p.message
    assert "would fall to 'insufficient-evidence'" in p.message
    assert p.line == line_of(root / "criteria" / "T-01.yaml", "- id: high")


def test_a_count_has_no_gap_between_whole_numbers(tmp_path: Path) -> None:
    _, problems = check(tmp_path, [kit.rule("none", "fails", some({"fact": "count", "equals": 0})),
                                   kit.rule("some", "meets", some({"fact": "count", "gte": 1}))])
    assert only(problems, "LINT-070") == []
    _, problems = check(tmp_path, [kit.rule("none", "fails", some({"fact": "count", "lte": 1})),
                                   kit.rule("some", "meets", some({"fact": "count", "gte": 3}))])
    [p] = only(problems, "LINT-070")
    assert "fact count above 1 below 3 is covered by no rule" in p.message


def test_bands_that_meet_have_no_gap_and_bands_that_overlap_are_reported(tmp_path: Path) -> None:
    _, problems = check(tmp_path, [kit.rule("low", "fails", some({"fact": "score", "lt": 3})),
                                   kit.rule("high", "meets", some({"fact": "score", "gte": 3}))])
    assert only(problems, "LINT-070") == [] and only(problems, "LINT-071") == []
    _, problems = check(tmp_path, [kit.rule("low", "fails", some({"fact": "score", "lte": 3})),
                                   kit.rule("high", "meets", some({"fact": "score", "gte": 3}))])
    [p] = only(problems, "LINT-071")
    assert "fact score 3 is in the bands of both rule 'low' (-> fails) and rule 'high' (-> meets)" in p.message


def test_bands_on_dates_and_within_other_tests(tmp_path: Path) -> None:
    old = {"all": [{"kind": "strength"}, {"fact": "seen", "lt": "2007-01-01"}]}
    new = {"all": [{"kind": "strength"}, {"fact": "seen", "gt": "2007-01-01"}]}
    root = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("old", "fails", some(old)),
                                                            kit.rule("new", "meets", some(new))])],
                          pillars=("alpha",))
    crit = root / "criteria" / "T-01.yaml"
    crit.write_text(crit.read_text(encoding="utf-8").replace("'2007-01-01'", "2007-01-01"), encoding="utf-8")
    [p] = only(check_pack(root), "LINT-070")
    assert "fact seen 2007-01-01 is covered by no rule" in p.message
    # the day after 2006-12-31 is 2007-01-01: no day falls between lte 2006-12-31 and gte 2007-01-01
    crit.write_text(crit.read_text(encoding="utf-8").replace("lt: 2007-01-01", "lte: 2006-12-31")
                    .replace("gt: 2007-01-01", "gte: 2007-01-01"), encoding="utf-8")
    assert only(check_pack(root), "LINT-070") == []


# --- names and ids --------------------------------------------------------------------------


def test_facts_no_rule_tests(tmp_path: Path) -> None:
    root, problems = check(tmp_path, [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()])
    unused = {p.field for p in only(problems, "LINT-080")}
    assert "facts.costly" in unused and "facts.flag" not in unused and "facts.other_flag" not in unused
    p = next(p for p in problems if p.field == "facts.costly")
    # a fact no rule tests fails `rules check --strict` (issue 16): a warning, not a note
    assert p.severity == "warning" and p.line == line_of(root / "facts" / "x.yaml", "costly:")


def test_a_pair_same_field_counts_as_testing_the_fact(tmp_path: Path) -> None:
    pair = {"pair": {"first": FLAG_F, "second": {"kind": "work-in-progress"}, "same": ["facts.topic"]}}
    _, problems = check(tmp_path, [kit.rule("gap", "fails", some(FLAG_F)), kit.rule("in-hand", "meets", pair)])
    assert "facts.topic" not in {p.field for p in only(problems, "LINT-080")}


def test_a_criterion_concern_with_the_id_of_a_shared_one(tmp_path: Path) -> None:
    concern = {"id": "vfm", "concern": "value-for-money", "when": some({"fact": "costly", "equals": True}),
               "because": "Costly."}
    root = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()],
                                                   concerns=[concern])],
                          pillars=("alpha",), shared_concerns=[concern])
    [p] = only(check_pack(root), "LINT-001")
    assert p.severity == "error" and p.field == "concerns[0].id"


def test_two_criteria_with_one_title(tmp_path: Path) -> None:
    rules = [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()]
    a, b = kit.criterion("T-01", rules), kit.criterion("T-02", rules)
    b["title"] = a["title"].upper()
    root = kit.write_pack(tmp_path, [a, b], pillars=("alpha",))
    [p] = only(check_pack(root), "LINT-003")
    assert p.file.endswith("T-02.yaml") and "T-01" in p.message


def test_a_criterion_a_condition_names_that_does_not_exist(tmp_path: Path) -> None:
    cond = {"all": [{"field": "criteria", "contains": "T-1"}, {"fact": "other_flag", "equals": True}]}
    _, problems = check(tmp_path, [kit.rule("gap", "fails", some(FLAG_F)),
                                   kit.rule("cross", "meets", {"scope": "all", "some": cond})])
    [p] = only(problems, "LINT-012")
    assert "no criterion 'T-1'" in p.message and "did you mean 'T-01'?" in p.message


# --- test cases -----------------------------------------------------------------------------


def test_test_cases_that_name_what_the_pack_lacks(tmp_path: Path) -> None:
    root = kit.write_pack(tmp_path, [kit.criterion("T-01", [kit.rule("gap", "fails", some(FLAG_F)), meets_rule()])],
                          pillars=("alpha",))
    item = {"id": "E1", "kind": "strength", "pillar": "alpha", "criteria": ["T-01"], "facts": {"other_flag": True}}
    kit.dump(root / "tests" / "T-01.yaml", {"cases": [
        {"name": "meets", "evidence": [item], "expect": {"outcome": "meets", "rule": "evidnced"}},
        {"name": "meets", "evidence": [item], "expect": {"outcome": "meet", "cites": ["E2"]}},
    ]})
    kit.dump(root / "tests" / "T-1.yaml", {"cases": [{"name": "x", "evidence": [], "expect": {"outcome": "fails"}}]})
    kit.dump(root / "tests" / "pack.yaml", {"cases": [
        {"name": "pillars", "evidence": [item], "expect": {"pillars": {"alhpa": "meets"}, "overall": "meet"}}]})
    problems = check_pack(root)
    messages = [p.message for p in only(problems, "LINT-011")]
    assert any("expects rule 'evidnced'" in m and "did you mean 'evidenced'?" in m for m in messages)
    assert any("expects outcome 'meet'" in m and "did you mean 'meets'?" in m for m in messages)
    assert any("expects 'E2' to be cited" in m for m in messages)
    assert any("pillar 'alhpa'" in m and "did you mean 'alpha'?" in m for m in messages)
    assert any("expects overall 'meet'" in m for m in messages)
    [dup] = only(problems, "LINT-002")
    assert dup.severity == "warning" and dup.file.endswith("T-01.yaml")
    [unknown] = only(problems, "LINT-010")
    assert unknown.file.endswith("T-1.yaml") and "did you mean 'T-01'?" in unknown.message


def test_the_bundled_pack_has_no_errors(pack_dir: Path) -> None:
    problems = check_pack(pack_dir)
    assert [p for p in problems if p.severity == "error"] == []
    # Every fact of the catalogue is tested by some rule, or it was removed (issue 16).
    assert problems == []


def test_an_empty_pillar_counts_with_the_grade_the_policy_gives_it(tmp_path: Path) -> None:
    # beta has no criteria: the ACPO-like policy grades it 'meets' (not the worst grade), so
    # every overall grade stays within reach: alpha exceeding is half the pillars
    root, problems = check(tmp_path, SOUND, pillars=("alpha", "beta"))
    assert only(problems, "LINT-062")
    assert [p.message for p in only(problems, "LINT-051") if "overall" in p.message] == []
    assert only(problems, "LINT-060") == []


def test_too_many_combinations_claim_nothing() -> None:
    from grader.authoring.lint import reachable_grades
    from grader.models.pack import Level

    level = Level.model_validate({"rules": [{"grade": "meets", "because": "Always."}]})
    states = frozenset((o, False) for o in ("exceeds", "meets", "fails", "insufficient-evidence", "not-applicable"))
    assert reachable_grades(level, {(True, states): 70}, ["exceeds", "meets", "fails"]) is None
    assert reachable_grades(level, {(True, states): 3}, ["exceeds", "meets", "fails"]) == {"meets"}
