"""Roll-up: criterion outcomes -> pillar grades -> overall grade, as the pack's policy says.

Each criterion's outcome is set by the evidence: an item with the text fact ``verdict`` equal to
an outcome makes a rule with that outcome hold; an item with ``gap_managed: true`` is a
mitigation. So a test states an outcome profile and checks the grades the policy gives it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

import packkit as kit
from grader.grading.run import Grader
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack
from grader.models.result import GradingResult

MITIGATION = {"id": "managed", "basis": "risk-managed",
              "when": {"name": "managed", "some": {"fact": "gap_managed", "equals": True}},
              "because": "The gap is risk assessed and managed ({managed})."}

# criterion -> (pillar, significant)
ACPO_LIKE = {"A-01": ("alpha", True), "A-02": ("alpha", True), "A-03": ("alpha", True), "A-04": ("alpha", False),
             "B-01": ("beta", True), "B-02": ("beta", True)}


def verdict_criterion(cid: str, pillar: str, significant: bool, outcomes: list[str]) -> dict[str, Any]:
    rules = [kit.rule(o, o, {"name": "v", "some": {"fact": "verdict", "equals": o}}, f"Verdict {o} ({{v}}).")
             for o in outcomes]
    return kit.criterion(cid, rules, pillar=pillar, significant=significant, mitigations=[MITIGATION])


def verdict_pack(tmp: Path, criteria: dict[str, tuple[str, bool]], outcomes: list[str], **pack: Any) -> Path:
    crits = [verdict_criterion(cid, p, sig, outcomes) for cid, (p, sig) in criteria.items()]
    return kit.write_pack(tmp, crits, facts={"verdict": "text"}, **pack)


def profile_evidence(tmp: Path, criteria: dict[str, tuple[str, bool]], outcomes: dict[str, str | None],
                     managed: set[str] = frozenset()) -> Path:
    """One item per criterion giving its verdict (None: no item, so insufficient evidence)."""
    items = []
    for cid, verdict in outcomes.items():
        pillar = criteria[cid][0]
        if verdict is not None:
            items.append(kit.item(f"{cid}-V", criteria=[cid], pillar=pillar, facts={"verdict": verdict}))
        if cid in managed:
            items.append(kit.item(f"{cid}-M", criteria=[cid], pillar=pillar, facts={"gap_managed": True}))
    return kit.write_evidence(tmp, items)


OUTCOMES3 = ["exceeds", "meets", "fails", "not-applicable"]


def grade3(tmp: Path, outcomes: dict[str, str | None], managed: set[str] = frozenset(), **pack: Any) -> GradingResult:
    full = {cid: "meets" for cid in ACPO_LIKE}
    full.update(outcomes)
    pack_dir = verdict_pack(tmp, ACPO_LIKE, OUTCOMES3, **pack)
    return kit.grade(pack_dir, profile_evidence(tmp, ACPO_LIKE, full, managed))


def grades(result: GradingResult) -> dict[str, tuple[str, str]]:
    """{pillar or 'overall': (grade after mitigation, grade as assessed)}."""
    out = {p.id: (p.grade, p.assessed_grade) for p in result.pillars}
    out["overall"] = (result.overall.grade, result.overall.assessed_grade)
    return out


# --- the ACPO-like policy ---------------------------------------------------------------------------

def test_all_meet(tmp_path) -> None:
    result = grade3(tmp_path, {})
    assert grades(result) == {"alpha": ("meets", "meets"), "beta": ("meets", "meets"), "overall": ("meets", "meets")}
    alpha = result.pillar("alpha")
    assert alpha.rests_on == ["A-01", "A-02", "A-03", "A-04"]
    assert alpha.label == "Meets the standard"
    assert alpha.evidence == ["A-01-V", "A-02-V", "A-03-V", "A-04-V"]
    assert result.overall.rests_on == ["alpha", "beta"]


@pytest.mark.parametrize(("outcomes", "alpha"), [
    ({"A-01": "fails"}, "meets"),                                         # one significant gap
    ({"A-01": "fails", "A-02": "fails"}, "fails"),                        # two: a number of them
    ({"A-01": "fails", "A-02": None}, "fails"),                           # insufficient evidence is a gap
    ({"A-01": None, "A-02": None, "A-03": None}, "fails"),
    ({"A-01": "fails", "A-04": "fails"}, "meets"),                        # A-04 is not significant
    ({"A-04": None}, "meets"),
    ({"A-01": "not-applicable", "A-02": "fails"}, "meets"),               # not applicable is not a gap
])
def test_fail_threshold(tmp_path, outcomes, alpha) -> None:
    result = grade3(tmp_path, outcomes)
    assert result.pillar("alpha").grade == alpha
    assert result.pillar("beta").grade == "meets"
    assert result.overall.grade == ("fails" if alpha == "fails" else "meets")


def test_fail_rationale_names_the_gaps(tmp_path) -> None:
    result = grade3(tmp_path, {"A-01": "fails", "A-03": None})
    assert result.pillar("alpha").rationale == "2 significant criteria are not evidenced (A-01, A-03)."
    assert result.criterion("A-03").outcome == "insufficient-evidence"
    assert result.overall.rationale == "Pillars failing: alpha."


@pytest.mark.parametrize(("outcomes", "alpha"), [
    ({"A-01": "exceeds"}, "meets"),                                        # 1 of 3 significant
    ({"A-01": "exceeds", "A-02": "exceeds"}, "exceeds"),                   # 2 of 3
    ({"A-01": "exceeds", "A-02": "exceeds", "A-03": "exceeds"}, "exceeds"),
    ({"A-04": "exceeds"}, "meets"),                                        # not significant: not counted
    ({"A-01": "exceeds", "A-03": "not-applicable"}, "exceeds"),            # 1 of 2: n/a is left out
    ({"A-01": "exceeds", "A-02": "not-applicable", "A-03": "not-applicable"}, "exceeds"),  # 1 of 1
    ({"A-01": "not-applicable", "A-02": "not-applicable", "A-03": "not-applicable"}, "meets"),  # 0 of 0
])
def test_exceeds_share_and_not_applicable(tmp_path, outcomes, alpha) -> None:
    assert grade3(tmp_path, outcomes).pillar("alpha").grade == alpha


def test_exceeds_rationale_counts_significant_criteria_only(tmp_path) -> None:
    result = grade3(tmp_path, {"A-01": "exceeds", "A-03": "not-applicable", "A-04": "exceeds"})
    assert result.pillar("alpha").rationale == "Beyond the standard in 1 significant criteria (A-01)."


def test_a_significant_gap_stops_a_pillar_exceeding(tmp_path) -> None:
    result = grade3(tmp_path, {"A-01": "exceeds", "A-02": "exceeds", "A-03": "fails"})
    alpha = result.pillar("alpha")
    assert (alpha.grade, alpha.capped_by) == ("meets", None)  # the exceeds rule itself needs no gap


def _policy_without_gap_guard() -> dict[str, Any]:
    policy = copy.deepcopy(kit.POLICY3)
    exceeds = policy["pillar"]["rules"][1]
    exceeds["when"] = exceeds["when"]["all"][0]  # the share alone
    return policy


def test_cap_limits_a_pillar_with_an_unmitigated_significant_gap(tmp_path) -> None:
    result = grade3(tmp_path, {"A-01": "exceeds", "A-02": "exceeds", "A-03": "fails"},
                    policy=_policy_without_gap_guard())
    alpha = result.pillar("alpha")
    assert alpha.grade == "meets"
    assert alpha.capped_by == "An unevidenced significant criterion (A-03) stops the pillar exceeding."
    assert alpha.rationale.endswith(alpha.capped_by)
    assert alpha.rationale.startswith("Beyond the standard in 2 significant criteria (A-01, A-02).")


def test_cap_does_not_apply_when_the_gap_is_mitigated(tmp_path) -> None:
    result = grade3(tmp_path, {"A-01": "exceeds", "A-02": "exceeds", "A-03": "fails"}, managed={"A-03"},
                    policy=_policy_without_gap_guard())
    alpha = result.pillar("alpha")
    assert (alpha.grade, alpha.capped_by) == ("exceeds", None)
    assert alpha.assessed_grade == "meets"  # as assessed the gap is there, and the cap applies


def test_cap_never_raises_a_grade(tmp_path) -> None:
    result = grade3(tmp_path, {"A-01": "fails", "A-02": "fails"}, policy=_policy_without_gap_guard())
    alpha = result.pillar("alpha")
    assert (alpha.grade, alpha.capped_by) == ("fails", None)


def test_mitigated_criterion_counts_as_mitigated_as(tmp_path) -> None:
    result = grade3(tmp_path, {"A-01": "fails", "A-02": "fails"}, managed={"A-01"})
    a1 = result.criterion("A-01")
    assert (a1.outcome, a1.assessed_outcome, a1.mitigated) == ("meets", "fails", True)
    assert a1.mitigation is not None and a1.mitigation.evidence == ["A-01-M"]
    alpha = result.pillar("alpha")
    # after mitigation one significant gap: meets; as assessed two: fails
    assert (alpha.grade, alpha.assessed_grade) == ("meets", "fails")
    assert alpha.assessed_rationale == "2 significant criteria are not evidenced (A-01, A-02)."
    assert alpha.rationale == "The significant criteria of this pillar are evidenced."
    assert "A-01-M" in alpha.evidence
    assert (result.overall.grade, result.overall.assessed_grade) == ("meets", "fails")


def test_mitigation_of_insufficient_evidence(tmp_path) -> None:
    result = grade3(tmp_path, {"B-01": None, "B-02": None}, managed={"B-01", "B-02"})
    assert [c.outcome for c in result.criteria if c.pillar == "beta"] == ["meets", "meets"]
    assert grades(result)["beta"] == ("meets", "fails")


def test_mitigation_is_ignored_when_nothing_is_adverse(tmp_path) -> None:
    result = grade3(tmp_path, {"A-01": "exceeds", "A-02": "exceeds"}, managed={"A-01", "A-02"})
    assert [result.criterion(c).mitigated for c in ("A-01", "A-02")] == [False, False]
    assert grades(result)["alpha"] == ("exceeds", "exceeds")


def test_mitigated_selector_in_a_policy(tmp_path) -> None:
    """A policy may count mitigated criteria: here a pillar resting on a mitigation cannot exceed."""
    policy = _policy_without_gap_guard()
    policy["pillar"]["caps"].append({"at_most": "meets",
                                     "when": {"name": "relied", "count": {"mitigated": True}, "at_least": 1},
                                     "because": "It relies on mitigated criteria ({relied})."})
    result = grade3(tmp_path, {"A-01": "exceeds", "A-02": "exceeds", "A-03": "fails"}, managed={"A-03"},
                    policy=policy)
    alpha = result.pillar("alpha")
    assert (alpha.grade, alpha.capped_by) == ("meets", "It relies on mitigated criteria (A-03).")


@pytest.mark.parametrize(("outcomes", "overall"), [
    ({"B-01": "fails", "B-02": "fails", "A-01": "exceeds", "A-02": "exceeds"}, "fails"),  # a failing pillar
    ({"A-01": "exceeds", "A-02": "exceeds"}, "exceeds"),                                # 1 of 2 pillars
    ({"A-01": "exceeds", "A-02": "exceeds", "B-01": "exceeds", "B-02": "exceeds"}, "exceeds"),
    ({"A-01": "exceeds"}, "meets"),
    ({"A-01": "exceeds", "A-02": "exceeds", "B-01": "fails"}, "exceeds"),                # B still meets
])
def test_overall(tmp_path, outcomes, overall) -> None:
    result = grade3(tmp_path, outcomes)
    assert result.overall.grade == overall
    if overall == "fails":
        assert result.pillar("beta").grade == "fails"
        assert result.overall.rationale == "Pillars failing: beta."


def test_overall_evidence_is_every_pillars_evidence(tmp_path) -> None:
    result = grade3(tmp_path, {"A-01": "fails"}, managed={"A-01"})
    assert result.overall.evidence == sorted({e for p in result.pillars for e in p.evidence})
    assert "A-01-M" in result.overall.evidence


# --- a five-level scale with its own policy, on the same engine ------------------------------------

SCALE5 = [
    {"id": "outstanding", "label": "Outstanding"},
    {"id": "good", "label": "Good"},
    {"id": "adequate", "label": "Adequate"},
    {"id": "requires-improvement", "label": "Requires improvement"},
    {"id": "inadequate", "label": "Inadequate"},
]
SETTINGS5 = {"inadequate_gaps": 2, "outstanding_share": 0.5, "good_share": 0.5}
GAPS5 = ["inadequate", "requires-improvement", "insufficient-evidence"]
POLICY5: dict[str, Any] = {
    "adverse": GAPS5,
    "mitigated_as": "adequate",
    "pillar": {
        "rules": [
            {"grade": "inadequate",
             "when": {"name": "serious", "count": {"outcome": ["inadequate", "insufficient-evidence"],
                                                   "significant": True}, "at_least": "inadequate_gaps"},
             "because": "Serious gaps: {serious}."},
            {"grade": "requires-improvement",
             "when": {"name": "weak", "count": {"outcome": GAPS5, "significant": True}, "at_least": 1},
             "because": "Weaknesses: {weak}."},
            {"grade": "outstanding",
             "when": {"all": [
                 {"name": "top", "count": {"outcome": ["outstanding"], "significant": True},
                  "at_least_fraction": "outstanding_share"},
                 {"count": {"outcome": ["outstanding", "good"], "significant": True}, "at_least_fraction": 1.0},
             ]},
             "because": "Outstanding in {top.count} significant criteria ({top})."},
            {"grade": "good",
             "when": {"name": "strong", "count": {"outcome": ["outstanding", "good"], "significant": True},
                      "at_least_fraction": "good_share"},
             "because": "Good or better in {strong}."},
            {"grade": "adequate", "because": "The significant criteria are at least adequate."},
        ],
        "caps": [
            {"at_most": "good",
             "when": {"name": "minor", "count": {"outcome": ["requires-improvement", "inadequate"],
                                                 "significant": False}, "at_least": 1},
             "because": "A weakness elsewhere ({minor}) stops it being outstanding."},
        ],
    },
    "overall": {
        "rules": [
            {"grade": "inadequate", "when": {"name": "bad", "count": {"grade": ["inadequate"]}, "at_least": 1},
             "because": "Inadequate: {bad}."},
            {"grade": "requires-improvement",
             "when": {"name": "ri", "count": {"grade": ["requires-improvement"]}, "at_least": 1},
             "because": "Requires improvement: {ri}."},
            {"grade": "outstanding",
             "when": {"all": [
                 {"name": "top", "count": {"grade": ["outstanding"]}, "at_least_fraction": "outstanding_share"},
                 {"count": {"grade": ["outstanding", "good"]}, "at_least_fraction": 1.0},
             ]},
             "because": "Outstanding: {top}."},
            {"grade": "good", "when": {"count": {"grade": ["outstanding", "good"]}, "at_least_fraction": "good_share"},
             "because": "Good or better in most pillars."},
            {"grade": "adequate", "because": "Every pillar is at least adequate."},
        ],
    },
}
# criterion -> (pillar, significant)
FIVE = {"S-01": ("safe", True), "S-02": ("safe", True), "S-03": ("safe", False),
        "E-01": ("effective", True), "E-02": ("effective", True)}


def score_criterion(cid: str, pillar: str, significant: bool) -> dict[str, Any]:
    def r(rid: str, outcome: str, cond: dict[str, Any]) -> dict[str, Any]:
        return kit.rule(rid, outcome, {"name": "s", "some": cond}, f"Scored {{s}}: {outcome}.")
    rules = [r("very-low", "inadequate", {"fact": "score", "lt": 30}),
             r("low", "requires-improvement", {"fact": "score", "lt": 50}),
             r("top", "outstanding", {"fact": "score", "gte": 90}),
             r("high", "good", {"fact": "score", "gte": 70}),
             r("fair", "adequate", {"fact": "score", "gte": 50})]
    return kit.criterion(cid, rules, pillar=pillar, significant=significant, mitigations=[MITIGATION])


@pytest.fixture(scope="module")
def five_pack(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("five")
    crits = [score_criterion(cid, p, sig) for cid, (p, sig) in FIVE.items()]
    return kit.write_pack(tmp, crits, pillars=("safe", "effective"), scale=SCALE5, policy=POLICY5,
                          settings=SETTINGS5, name="five-level")


def score_evidence(tmp: Path, scores: dict[str, float | None], managed: set[str] = frozenset()) -> Path:
    items = []
    for cid, score in scores.items():
        pillar = FIVE[cid][0]
        if score is not None:
            items.append(kit.item(f"{cid}-V", criteria=[cid], pillar=pillar, facts={"score": score}))
        if cid in managed:
            items.append(kit.item(f"{cid}-M", criteria=[cid], pillar=pillar, facts={"gap_managed": True}))
    return kit.write_evidence(tmp, items, pillar="safe", framework="five-level")


FIVE_CASES: list[tuple[str, dict[str, float | None], set[str], dict[str, tuple[str, str]], dict[str, str]]] = [
    ("all outstanding",
     {"S-01": 95, "S-02": 91, "S-03": 99, "E-01": 90, "E-02": 100}, set(),
     {"safe": ("outstanding", "outstanding"), "effective": ("outstanding", "outstanding"),
      "overall": ("outstanding", "outstanding")},
     {"S-01": "outstanding", "E-01": "outstanding"}),
    ("mixed: safe outstanding, effective adequate",
     {"S-01": 95, "S-02": 75, "S-03": 60, "E-01": 55, "E-02": 60}, set(),
     {"safe": ("outstanding", "outstanding"), "effective": ("adequate", "adequate"),
      "overall": ("good", "good")},
     {"S-02": "good", "S-03": "adequate", "E-01": "adequate"}),
    ("a non-significant weakness caps at good",
     {"S-01": 95, "S-02": 95, "S-03": 40, "E-01": 75, "E-02": 72}, set(),
     {"safe": ("good", "good"), "effective": ("good", "good"), "overall": ("good", "good")},
     {"S-03": "requires-improvement", "E-02": "good"}),
    ("two serious gaps: inadequate",
     {"S-01": 20, "S-02": None, "S-03": 80, "E-01": 95, "E-02": 95}, set(),
     {"safe": ("inadequate", "inadequate"), "effective": ("outstanding", "outstanding"),
      "overall": ("inadequate", "inadequate")},
     {"S-01": "inadequate", "S-02": "insufficient-evidence"}),
    ("a mitigated weakness: as assessed requires improvement",
     {"S-01": 45, "S-02": 95, "S-03": 80, "E-01": 75, "E-02": 75}, {"S-01"},
     {"safe": ("good", "requires-improvement"), "effective": ("good", "good"),
      "overall": ("good", "requires-improvement")},
     {"S-01": "adequate"}),
    ("boundaries: 30, 50, 70, 90 are in the higher band",
     {"S-01": 30, "S-02": 50, "S-03": 70, "E-01": 90, "E-02": 29.5}, set(),
     {"safe": ("requires-improvement", "requires-improvement"),
      "effective": ("requires-improvement", "requires-improvement"),
      "overall": ("requires-improvement", "requires-improvement")},
     {"S-01": "requires-improvement", "S-02": "adequate", "S-03": "good", "E-01": "outstanding",
      "E-02": "inadequate"}),
]


def test_five_level_pack_grades_on_the_same_engine(tmp_path, five_pack) -> None:
    loaded = load_pack(five_pack)
    assert loaded.pack.scale_ids == [g["id"] for g in SCALE5]
    evidence = [score_evidence(tmp_path, scores, managed) for _, scores, managed, _, _ in FIVE_CASES]
    with Grader(loaded) as grader:  # one compiled pack, several evidence sets
        results = [grader.grade(load_evidence(e)) for e in evidence]
    for (name, _, _, expected, criteria), result in zip(FIVE_CASES, results, strict=True):
        assert grades(result) == expected, name
        for cid, outcome in criteria.items():
            assert result.criterion(cid).outcome == outcome, (name, cid)
        assert [(g.id, g.label) for g in result.framework.scale] == [(g["id"], g["label"]) for g in SCALE5]
        assert result.overall.label == {g["id"]: g["label"] for g in SCALE5}[result.overall.grade]


def test_five_level_mitigation_and_rationales(tmp_path, five_pack) -> None:
    result = kit.grade(five_pack, score_evidence(tmp_path, {"S-01": 45, "S-02": 95, "S-03": 80, "E-01": 75,
                                                            "E-02": 75}, {"S-01"}))
    s1 = result.criterion("S-01")
    assert (s1.outcome, s1.assessed_outcome, s1.decided_by) == ("adequate", "requires-improvement", "rules/low")
    assert s1.rationale == "Scored S-01-V: requires-improvement."
    safe = result.pillar("safe")
    assert safe.assessed_rationale == "Weaknesses: S-01."
    assert safe.rationale == "Good or better in S-02."
    assert result.overall.assessed_rationale == "Requires improvement: safe."


def test_five_level_cap_is_reported(tmp_path, five_pack) -> None:
    result = kit.grade(five_pack, score_evidence(tmp_path, {"S-01": 95, "S-02": 95, "S-03": 40, "E-01": 75,
                                                            "E-02": 72}))
    assert result.pillar("safe").capped_by == "A weakness elsewhere (S-03) stops it being outstanding."
    assert result.pillar("effective").capped_by is None
