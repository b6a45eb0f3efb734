"""``grader explain --format json``: the decision trace of the text view as data, filtered for
``--audience`` exactly as the text is (issue 11)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from grader.authoring.explain import (
    explain_criterion,
    explain_criterion_data,
    explain_overall,
    explain_overall_data,
    explain_pillar,
    explain_pillar_data,
)
from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.loading.pack import load_pack

runner = CliRunner()
PACK = load_pack(default_pack()).pack
CRITERIA = [c.id for c in PACK.criteria]
PILLARS = [p.id for p in PACK.manifest.pillars]
RUN = re.compile(r"[A-Za-z0-9._-]+")


def _ids(text: str, known: set[str]) -> set[str]:
    """The evidence ids ``text`` names (a run of id characters, less a sentence's full stop)."""
    found = set()
    for run in RUN.findall(text):
        while run and run not in known and run[-1] in ".-":
            run = run[:-1]
        if run in known:
            found.add(run)
    return found


@pytest.fixture(scope="module")
def ids(derbyshire) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    every = {e.id for e in derbyshire.evidence}
    public = {e.id for e in derbyshire.evidence if e.marking == "OFFICIAL"}
    return {"all": every, "public": public, "withheld": every - public}


def test_cli_json_is_the_library_account(derbyshire) -> None:  # type: ignore[no-untyped-def]
    res = runner.invoke(app, ["explain", "ENF-02", "--format", "json", "--audience", "public"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data == explain_criterion_data("ENF-02", default_evidence(), default_pack(), None, "public")
    finding = derbyshire.criterion("ENF-02")
    assert (data["outcome"], data["assessed_outcome"], data["decided_by"]) == (
        finding.outcome, finding.assessed_outcome, finding.decided_by)
    assert data["mitigation"]["basis"] == finding.mitigation.basis
    pillar = json.loads(runner.invoke(app, ["explain", "--pillar", "enforcement", "-f", "json"]).stdout)
    assert pillar["pillar"]["grade"] == derbyshire.pillar("enforcement").grade
    overall = json.loads(runner.invoke(app, ["explain", "--overall", "-f", "json"]).stdout)
    assert overall["overall"]["grade"] == derbyshire.overall.grade
    assert overall["roll_up"]["grade"] == derbyshire.overall.rule_outcome


@pytest.mark.parametrize("criterion", CRITERIA)
def test_a_criterion_as_data_says_what_the_text_says(criterion: str, ids: dict[str, set[str]]) -> None:
    for audience in (None, "public"):
        text = explain_criterion(criterion, default_evidence(), default_pack(), None, audience)
        data = explain_criterion_data(criterion, default_evidence(), default_pack(), None, audience)
        assert text.splitlines()[0] == data["banner"]
        flat = " ".join(text.split())
        assert f"Outcome: {data['outcome']} (as assessed: {data['assessed_outcome']}; " \
               f"decided by {data['decided_by']})" in flat
        assert f"Because: {data['rationale']}" in flat
        for section in data["sections"]:
            assert section["heading"] in text
            for e in section["entries"]:
                state = ("HOLDS" if e["holds"] else "does not hold") + (" and decides" if e["decides"] else "")
                assert f"{e['n']}. {e['kind']} {e['id']} {e['gives']}: {state}" in flat
                for c in e["clauses"]:
                    assert f"- {c['name'] or 'clause'}{'' if not c['negated'] else ' (under ' + chr(39) + 'not' + chr(39) + ')'}: " \
                           f"{'holds' if c['holds'] else 'fails'}: {c['needs']}" in flat
                    for miss in (m for side in c["closest_misses"] for m in side["misses"]):
                        assert f"closest miss: {miss['item']} [{miss['kind']}] fails {len(miss['failed'])} test" in flat
        for item in data["evidence"]:
            assert f"{item['id']} [{item['kind']}, {item['marking']}] {' '.join(item['statement'].split())}" in flat
        # The same evidence is named, no more and no less; nothing withheld is named in either.
        dumped = json.dumps(data)
        assert _ids(dumped, ids["all"]) == _ids(text, ids["all"])
        if audience == "public":
            assert not _ids(dumped, ids["withheld"])
            assert data["withheld"] == len(ids["withheld"])


@pytest.mark.parametrize("target", [*PILLARS, "overall"])
def test_a_roll_up_as_data_says_what_the_text_says(target: str, ids: dict[str, set[str]]) -> None:
    for audience in (None, "public"):
        if target == "overall":
            text = explain_overall(default_evidence(), default_pack(), None, audience)
            data = explain_overall_data(default_evidence(), default_pack(), None, audience)
            grade = data["overall"]
        else:
            text = explain_pillar(target, default_evidence(), default_pack(), None, audience)
            data = explain_pillar_data(target, default_evidence(), default_pack(), None, audience)
            grade = data["pillar"]
        flat = " ".join(text.split())
        assert f"Grade: {grade['label']} ({grade['grade']})" in flat
        for step in data["roll_up"]["steps"]:
            if step["step"] == "rule" and step["when"] is not None:
                assert f"{step['n']}. {step['grade']} when {step['when']}: " in flat
            elif step["step"] == "cap":
                assert f"cap {step['n']}: at most {step['at_most']} when {step['when']}: " in flat
            for count in step["counts"]:
                assert f"{count['name']}: counted {len(count['counted'])} of {count['eligible']}: " \
                       f"{', '.join(count['counted']) or 'none'}" in flat
        given = [s["grade"] for s in data["roll_up"]["steps"] if s["step"] == "rule" and s["gives"]]
        assert len(given) == 1
        assert f"-> {data['explains']} grade: {data['roll_up']['grade']}" in flat
        dumped = json.dumps(data)
        assert _ids(dumped, ids["all"]) == _ids(text, ids["all"])
        if audience == "public":
            assert not _ids(dumped, ids["withheld"])


def test_a_closest_miss_among_withheld_items_is_counted_not_described(ids: dict[str, set[str]]) -> None:
    """PMR-01's first rule: a closest miss is a SECRET or sensitive item for the public."""
    full = explain_criterion_data("PMR-01", default_evidence(), default_pack(), None, None)
    public = explain_criterion_data("PMR-01", default_evidence(), default_pack(), None, "public")

    def sides(data: dict) -> list[dict]:  # type: ignore[type-arg]
        return [side for s in data["sections"] for e in s["entries"] for c in e["clauses"]
                for side in c["closest_misses"]]

    hidden = [(a, b) for a, b in zip(sides(full), sides(public), strict=True) if b["withheld"]]
    assert hidden
    for a, b in hidden:
        assert {m["item"] for m in a["misses"]} - {m["item"] for m in b["misses"]} <= ids["withheld"]
        assert len(a["misses"]) == len(b["misses"]) + b["withheld"]



def test_a_side_matched_by_withheld_items_keeps_their_count() -> None:
    """A pair whose one side matched (the closest miss is on the other): the public sees the
    items it may see and how many more matched, as the text says "1 withheld item"."""
    from grader.authoring.closest import SideMisses
    from grader.authoring.explain import _miss_data

    side = SideMisses(label="first", scope="criterion", in_scope=3, matched=["PRE-06-S1", "PRE-06-S2"], misses=[])
    shown = _miss_data(side, {}, "PRE-06", "prevention", frozenset({"PRE-06-S2"}))
    assert (shown["matched_by"], shown["withheld"]) == (["PRE-06-S1"], 1)
    hidden = _miss_data(side, {}, "PRE-06", "prevention", frozenset({"PRE-06-S1", "PRE-06-S2"}))
    assert (hidden["matched_by"], hidden["withheld"]) == ([], 2)
