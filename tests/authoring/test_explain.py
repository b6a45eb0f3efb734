"""``grader explain``: a criterion's rules with the evidence behind the outcome and the closest
miss of each clause that found too little; a pillar's and the overall roll-up."""

from __future__ import annotations

import copy
from pathlib import Path

import packkit as kit
import pytest
from typer.testing import CliRunner

from grader.authoring.explain import explain_criterion, explain_overall, explain_pillar
from grader.bundled import default_pack
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, EXIT_USAGE
from grader.loading.pack import load_pack

runner = CliRunner()
CRITERIA = [c.id for c in load_pack(default_pack()).pack.criteria]


def clause_block(text: str, start: str) -> list[str]:
    """The lines of one clause in an explanation: its line and the indented lines under it."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(start))
    out = [lines[at]]
    for line in lines[at + 1:]:
        if not line.startswith("       "):
            break
        out.append(line)
    return out


def section(text: str, heading: str) -> str:
    """The lines after ``heading`` up to the next blank line."""
    rest = text.split(heading, 1)[1]
    return rest.split("\n\n", 1)[0]


@pytest.mark.parametrize("criterion", CRITERIA)
def test_explain_names_the_evidence_behind_each_derbyshire_outcome(criterion: str, derbyshire, evidence_dir: Path,
                                                                   pack_dir: Path) -> None:
    finding = derbyshire.criterion(criterion)
    text = explain_criterion(criterion, evidence_dir, pack_dir)
    assert f"Outcome: {finding.outcome} (as assessed: {finding.assessed_outcome}; decided by {finding.decided_by})" \
        in text
    assert f"Because: {finding.rationale}" in text
    behind = set(finding.evidence) | set(finding.mitigation.evidence if finding.mitigation else [])
    assert behind, f"{criterion} rests on no evidence"
    relied = section(text, "Evidence relied on:\n")
    statements = {i.id: i for i in derbyshire_items(evidence_dir)}
    for eid in behind:
        assert f"  {eid} [{statements[eid].kind}, " in relied
        assert statements[eid].statement[:60] in relied
    # the rule that decided is marked, and each of its clauses names what it matched
    rule_id = finding.decided_by.removeprefix("rules/")
    assert f"rule {rule_id} -> {finding.assessed_outcome}: HOLDS and decides" in text
    for trace in finding.trace:
        if trace.rule == finding.decided_by:
            for clause in trace.clauses:
                if clause.matched:
                    assert f"matched: {', '.join(clause.matched)}" in text


def derbyshire_items(evidence_dir: Path):
    from grader.loading.evidence import load_evidence

    return load_evidence(evidence_dir).evidence.items


def test_the_mitigated_derbyshire_criterion_says_why(evidence_dir: Path, pack_dir: Path) -> None:
    text = explain_criterion("ENF-02", evidence_dir, pack_dir)
    assert "Outcome: meets (as assessed: fails; decided by rules/command-not-trained)" in text
    assert "mitigation booked-and-supported counts as meets (prompt-remedy): HOLDS" in text
    # why the rule for meets did not hold: the command officers' training fact is 'no'
    assert "closest miss: ENF-02-W1 [work-in-progress] fails 1 test:" in text
    assert "- fact command_linked_crime_trained is yes (its command_linked_crime_trained is no)" in text


# --- closest miss on a small pack -----------------------------------------------------------


def closest_pack(tmp_path: Path) -> Path:
    meets = {"name": "capacity", "some": {"all": [{"kind": "strength"}, {"fact": "flag", "equals": True},
                                                  {"fact": "count", "gte": 2}]}}
    rules = [kit.rule("gap", "fails", {"name": "gap", "some": {"fact": "gap", "equals": True}}, "Gap ({gap})."),
             kit.rule("capacity", "meets", meets, "Capacity ({capacity}).")]
    return kit.write_pack(tmp_path, [kit.criterion("T-01", rules), kit.criterion("T-02", rules)])


def test_the_closest_miss_is_the_item_failing_fewest_tests(tmp_path: Path) -> None:
    pack = closest_pack(tmp_path)
    evidence = kit.write_evidence(tmp_path, [
        kit.item("NEAR", facts={"flag": True, "count": 1}),                      # fails 1: count
        kit.item("FAR", kind="area-for-improvement", facts={"flag": False}),   # fails 3
        kit.item("MID", facts={"count": 0}),                                   # fails 2: flag, count
        kit.item("ELSEWHERE", criteria=["T-02"], facts={"flag": True, "count": 5}),  # matches, out of scope
        kit.item("UNVERIFIED", facts={"flag": True, "count": 9}, verified=False),
    ])
    text = explain_criterion("T-01", evidence, pack)
    assert "Outcome: insufficient-evidence" in text
    block = clause_block(text, "   - capacity: fails:")
    assert block == [
        "   - capacity: fails: at least one item that is a strength and fact flag is yes and fact count is at least 2",
        "       matched: nothing",
        "       closest miss: NEAR [strength] fails 1 test:",
        "         - fact count is at least 2 (its count is 1)",
    ]


def test_an_any_counts_only_its_cheapest_branch_and_a_negated_test_passes_a_missing_fact(tmp_path: Path) -> None:
    cond = {"all": [{"not": {"fact": "flag", "equals": False}},
                    {"any": [{"fact": "count", "gte": 5}, {"all": [{"kind": "strength"}, {"fact": "score", "gt": 1}]}]},
                    {"fact": "name", "equals": "x"}]}
    rules = [kit.rule("gap", "fails", {"some": {"fact": "gap", "equals": True}}),
             kit.rule("wide", "meets", {"name": "wide", "some": cond}, "Wide ({wide}).")]
    pack = kit.write_pack(tmp_path, [kit.criterion("T-01", rules), kit.criterion("T-02", rules)])
    evidence = kit.write_evidence(tmp_path, [
        # no flag at all (passes the negated test), count 7 (the any holds): fails only the name
        kit.item("A", kind="work-in-progress", facts={"count": 7, "name": "y"}),
        # flag false fails the negated test, and the name
        kit.item("B", facts={"flag": False, "score": 3, "name": "z"}),
    ])
    block = clause_block(explain_criterion("T-01", evidence, pack), "   - wide: fails:")
    assert block[1:] == [
        "       matched: nothing",
        "       closest miss: A [work-in-progress] fails 1 test:",
        "         - fact name is 'x' (its name is 'y')",
    ]


def test_a_pair_clause_names_the_side_nothing_matched(tmp_path: Path) -> None:
    pair = {"name": "in_hand", "pair": {"first": {"fact": "gap", "equals": True},
                                       "second": {"all": [{"kind": "work-in-progress"},
                                                          {"fact": "flag", "equals": True}]},
                                       "same": ["facts.topic"]}}
    rules = [kit.rule("in-hand", "meets", pair, "In hand ({in_hand}).")]
    pack = kit.write_pack(tmp_path, [kit.criterion("T-01", rules), kit.criterion("T-02", rules)])
    evidence = kit.write_evidence(tmp_path, [
        kit.item("GAP", kind="area-for-improvement", facts={"gap": True, "topic": "t"}),
        kit.item("PLAN", kind="strength", facts={"flag": True, "topic": "t"}),
    ])
    text = explain_criterion("T-01", evidence, pack)
    assert "first item: matched by GAP" in text
    assert "second item: closest miss: PLAN [strength] fails 1 test:" in text
    assert "- is a work in progress (it is a strength)" in text


# --- pillar and overall -----------------------------------------------------------------------


def test_explain_pillar_shows_each_rule_what_it_counted_and_the_mitigation(evidence_dir: Path,
                                                                          pack_dir: Path, derbyshire) -> None:
    text = explain_pillar("enforcement", evidence_dir, pack_dir)
    pillar = derbyshire.pillar("enforcement")
    assert f"Grade: {pillar.label} ({pillar.grade})" in text
    assert "  ENF-02 (significant): meets, mitigated; as assessed fails; ENF-02-W1" in text
    assert "  1. fails when at least 2 significant criteria fails or insufficient-evidence: does not hold" in text
    assert "       gaps: counted 0 of 3: none" in text
    assert "  3. meets otherwise: gives the grade" in text
    assert text.count("-> pillar grade: meets") == 1


def capped_pack(tmp_path: Path) -> tuple[Path, Path]:
    policy = copy.deepcopy(kit.POLICY3)
    policy["pillar"]["rules"][1]["when"] = {"name": "beyond", "count": {"outcome": ["exceeds"], "significant": True},
                                            "at_least_fraction": "exceeds_share"}
    rules = [kit.rule("gap", "fails", {"some": {"fact": "gap", "equals": True}}),
             kit.rule("capacity", "meets", {"name": "c", "some": {"fact": "other_flag", "equals": True}}, "C ({c}).")]
    crits = [kit.criterion(c, rules) for c in ("A-01", "A-02", "A-03")]
    pack = kit.write_pack(tmp_path, crits, policy=policy, uplifts=[kit.UPLIFT3], pillars=("alpha",))
    items = []
    for c in ("A-01", "A-02"):
        items += [kit.item(f"{c}-S", criteria=[c], facts={"other_flag": True}),
                  kit.item(f"{c}-B", criteria=[c], facts={"beyond_standard": True, "business_case": True})]
    return pack, kit.write_evidence(tmp_path, items)


def test_explain_pillar_shows_a_cap_lowering_the_grade(tmp_path: Path) -> None:
    pack, evidence = capped_pack(tmp_path)
    text = explain_pillar("alpha", evidence, pack)
    assert "  A-03 (significant): insufficient-evidence; no evidence cited" in text
    assert "  2. exceeds when at least 50% of significant criteria are exceeds: holds and gives the grade" in text
    assert "       beyond: counted 2 of 3: A-01, A-02" in text
    assert "  cap 1: at most meets when at least 1 significant criteria fails or insufficient-evidence: " \
           "applies: exceeds is lowered to meets" in text
    assert "       gap: counted 1 of 3: A-03" in text
    assert "Grade: Meets the standard (meets)" in text


def test_explain_overall(tmp_path: Path, evidence_dir: Path, pack_dir: Path) -> None:
    text = explain_overall(evidence_dir, pack_dir)
    assert "Grade: Meets the standard (meets)" in text
    assert "  1. fails when at least 1 pillars fails: does not hold" in text
    assert "       failed: counted 0 of 4: none" in text
    assert "  3. meets otherwise: gives the grade" in text


# --- the command ------------------------------------------------------------------------------


def test_the_command_explains_a_pillar_and_the_overall_grade(tmp_path: Path) -> None:
    pack, evidence = capped_pack(tmp_path)
    res = runner.invoke(app, ["explain", "--pillar", "alpha", str(evidence), "--rules", str(pack)])
    assert res.exit_code == 0, res.output
    assert "applies: exceeds is lowered to meets" in res.output
    res = runner.invoke(app, ["explain", "--overall", str(evidence), "--rules", str(pack)])
    assert res.exit_code == 0, res.output
    assert "Pillars (grade after mitigation; as assessed):\n  alpha: meets" in res.output


@pytest.mark.parametrize(("args", "code", "words"), [
    (["explain"], EXIT_USAGE, "name a criterion"),
    (["explain", "--pillar", "intelligence", "--overall"], EXIT_USAGE, "not both"),
    (["explain", "--pillar", "inteligence"], EXIT_INPUT_ERROR, "did you mean 'intelligence'?"),
    (["explain", "INT-1"], EXIT_INPUT_ERROR, "no criterion 'INT-1'; did you mean"),
])
def test_command_mistakes(args: list[str], code: int, words: str) -> None:
    res = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert res.exit_code == code
    assert words in res.output and "Traceback" not in res.output
