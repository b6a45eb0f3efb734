"""Judgements across results: diff names them apart from rule and evidence changes; moderate lists them."""

from __future__ import annotations

import json
from pathlib import Path

from judgekit import INT06_FAILS, copy_set, grader, write_judgements


def result_file(ev: Path, out: Path) -> Path:
    code, _, err = grader("grade", ev, "--format", "json", "--out", out)
    assert code == 0, err
    return out


def diff(old: Path, new: Path) -> dict:
    code, out, err = grader("diff", old, new, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_diff_names_a_judgement_added_changed_stale_and_removed(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    plain = result_file(ev, tmp_path / "plain.json")
    write_judgements(ev, INT06_FAILS)
    judged = result_file(ev, tmp_path / "judged.json")

    d = diff(plain, judged)
    assert [(j["target"], j["change"]) for j in d["judgements"]] == [("INT-06", "added")]
    assert d["evidence_files"] == [] and d["items"] == []  # a judgement is not an evidence change
    assert not d["same_inputs"] and not d["no_change"]
    [int06] = [c for c in d["criteria"] if c["criterion"] == "INT-06"]
    assert int06["status"] == "outcome"
    assert "the inspectors judged it fails (the rules give meets), by A. Inspector" in int06["why"]
    assert not any("no input of this criterion changed" in w for w in int06["why"])

    write_judgements(ev, INT06_FAILS.replace("date: 2008-07-20", "date: 2008-07-21"))
    d = diff(judged, result_file(ev, tmp_path / "redated.json"))
    assert [(j["change"], j["fields"]) for j in d["judgements"]] == [("changed", ["date"])]
    [int06] = d["criteria"]
    assert int06["why"] == ["the inspectors' judgement changed: date 2008-07-20 -> 2008-07-21"]

    write_judgements(ev, INT06_FAILS.replace("rule_outcome: meets", "rule_outcome: exceeds"))
    d = diff(judged, result_file(ev, tmp_path / "stale.json"))
    [stale] = d["judgements"]
    assert stale["change"] == "stale" and "the rules give meets, it answered exceeds" in stale["why"]
    # the criterion says why the judgement stopped applying (stated there, once, in the text)
    [int06] = d["criteria"]
    assert int06["judgement_changed"] and any(w.endswith(stale["why"]) for w in int06["why"])
    code, out, _ = grader("diff", judged, tmp_path / "stale.json")
    assert code == 0 and " ".join(out.split()).count("it answered exceeds") == 1

    d = diff(judged, plain)
    assert [(j["target"], j["change"]) for j in d["judgements"]] == [("INT-06", "removed")]
    code, out, _ = grader("diff", judged, plain)
    # stated once, as INT-06's reason (the JSON above also lists it among the judgements)
    words = " ".join(out.split())
    assert code == 0 and "the inspectors' judgement (fails, by A. Inspector) no longer applies" in words
    assert "judgement removed" not in words

    assert diff(judged, judged)["no_change"]


def test_moderate_lists_where_inspectors_overrode_the_rules(tmp_path: Path) -> None:
    a = copy_set(tmp_path, "force-a")
    b = copy_set(tmp_path, "force-b")
    for ev in (a, b):
        manifest = ev / "evidence-set.yaml"
        manifest.write_text(manifest.read_text(encoding="utf-8").replace("id: derbyshire-2008", f"id: {ev.name}"),
                            encoding="utf-8")
    write_judgements(b, INT06_FAILS)
    results = tmp_path / "results"
    results.mkdir()
    for ev in (a, b):
        result_file(ev, results / f"{ev.name}.json")
    code, out, err = grader("moderate", results, "--format", "json")
    assert code == 0, err
    [j] = json.loads(out)["judgements"]
    assert (j["target"], j["evidence_set"], j["outcome"], j["rule_outcome"], j["by"]) == (
        "INT-06", "force-b", "fails", "meets", "A. Inspector")
    code, out, _ = grader("moderate", results)
    flat = " ".join(out.split())
    assert "Where inspectors overrode the rules" in flat and "1 judgement" in flat and "1 judgements" not in flat
    assert "A. Inspector (Lead inspector)" in flat
    public = " ".join(grader("moderate", results, "--audience", "public")[1].split())
    assert "Lead inspector" in public and "A. Inspector" not in public
    assert "Lead inspector (Lead inspector)" not in public  # the role once, where the name was


def test_diff_states_a_judgement_on_a_pillar_once(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    plain = result_file(ev, tmp_path / "plain.json")
    write_judgements(ev, """
  - target: enforcement
    outcome: fails
    rule_outcome: meets
    reason: The panel found the enforcement evidence as a whole weaker than its parts.
    by: A. Inspector
    role: Lead inspector
    date: 2008-07-20
""")
    judged = result_file(ev, tmp_path / "judged.json")
    d = diff(plain, judged)
    assert [(j["target"], j["change"]) for j in d["judgements"]] == [("enforcement", "added")]
    [enforcement] = d["pillars"]
    assert enforcement["judgement_changed"]
    assert enforcement["why"] == ["the inspectors judged it fails (the rules give meets), by A. Inspector"]
    assert d["overall"]["why"] == ["follows from the pillar below: Enforcement"]
    code, out, _ = grader("diff", plain, judged)
    words = " ".join(out.split())
    # once: as the pillar's reason (not "its reason's wording changed", nor again as a judgement line)
    assert code == 0 and words.count("A. Inspector") == 1, out
    assert "wording" not in words and "judgement added" not in words


def test_a_judged_set_copied_to_another_folder_is_no_change(tmp_path: Path) -> None:
    """A judgement's ``at`` names its folder; moving the set changes no judgement."""
    here = copy_set(tmp_path / "here")
    write_judgements(here, INT06_FAILS)
    there = copy_set(tmp_path / "there")
    write_judgements(there, INT06_FAILS)
    d = diff(result_file(here, tmp_path / "here.json"), result_file(there, tmp_path / "there.json"))
    assert d["no_change"], d
    code, out, _ = grader("diff", tmp_path / "here.json", tmp_path / "there.json")
    assert code == 0 and "where it is written" not in out and "no change" in out
