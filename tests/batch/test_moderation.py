"""`grader moderate`: like evidence graded alike, and outcomes resting on thin evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from setkit import copy_set, duplicate_item, grade_to_file, remove_item
from typer.testing import CliRunner

from grader.analysis.moderation import moderate
from grader.analysis.results import load_results
from grader.bundled import default_evidence
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, InputError

runner = CliRunner()


#: The budget and briefing strengths (and the authority's requests for briefings).
SPLIT = ("ENF-01-S3", "ENF-01-S5", "ENF-01-S6")


def _force(root: Path, set_id: str, remove: tuple[str, ...] = (), duplicates: int = 0,
           force: str | None = None) -> Path:
    """A copy of the bundled set with its own id, of ``force`` (default: ``Force X`` from the id)."""
    s = copy_set(default_evidence(), root / set_id, set_id, force or f"Force {set_id[-1].upper()}")
    for item in remove:
        remove_item(s, item)
    for n in range(duplicates):
        duplicate_item(s, "ENF-01-S2", f"ENF-01-S2-{n}")
    return s


def _graded(root: Path, *sets: tuple[str, tuple[str, ...], int, str | None]) -> Path:
    """``root/results`` holding one result per (set id, items removed, duplicates, force)."""
    out = root / "results"
    out.mkdir()
    for set_id, remove, dup, force in sets:
        grade_to_file(_force(root, set_id, remove, dup, force), out / f"{set_id}.json")
    return out


@pytest.fixture(scope="module")
def split_bullets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Force B recorded the police authority's business plans as two bullets, force C as one;
    neither has the budget or briefing strengths (nor the
    authority's requests for briefings). Force A is the bundled set."""
    return _graded(tmp_path_factory.mktemp("split"), ("force-a", (), 0, None), ("force-b", SPLIT, 1, None),
                   ("force-c", SPLIT, 0, None))


def test_same_evidence_pattern_with_different_outcomes_is_a_disparity(split_bullets: Path) -> None:
    results = load_results([split_bullets])
    outcomes = {r.meta.evidence_set.id: r.criterion("ENF-01").outcome for _, r in results}
    # The engine graded B and C differently on the same kinds and facts.
    assert outcomes["force-b"] == "meets" and outcomes["force-c"] != "meets"
    report = moderate(results)
    (d,) = report.disparities
    assert d.criterion == "ENF-01"
    assert [f.evidence_set for f in d.forces] == ["force-b", "force-c"]
    assert d.outcomes == sorted({"meets", outcomes["force-c"]})
    entry = next(i for i, p in enumerate(d.pattern) if p.facts == {"pa_receives_business_plans": True})
    assert d.pattern[entry].kind == "strength"
    assert [f.items[entry] for f in d.forces] == [2, 1]
    assert "numbers of items" in d.note
    for fact in ("gold_groups_convened", "pa_members_vetted", "pa_budget_updates"):
        assert fact in report.tested_facts["ENF-01"]
    assert report.thin == []


def test_moderate_cli_table_and_json(split_bullets: Path) -> None:
    res = runner.invoke(app, ["moderate", str(split_bullets)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Same evidence pattern, different outcomes" in res.output
    assert "ENF-01" in res.output and "Force B: meets" in res.output and "Force C:" in res.output
    assert "1 disparity, 0 thin outcomes, 0 judgements" in res.output
    res = runner.invoke(app, ["moderate", *sorted(str(p) for p in split_bullets.glob("*.json")), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [f["evidence_set"] for f in data["forces"]] == ["force-a", "force-b", "force-c"]
    assert data["disparities"][0]["criterion"] == "ENF-01"


def test_an_outcome_on_far_fewer_items_than_its_peers_is_thin(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    grade_to_file(_force(tmp_path, "force-a"), out / "a.json")
    for set_id in ("force-d", "force-e"):
        grade_to_file(_force(tmp_path, set_id, duplicates=7), out / f"{set_id}.json")
    results = load_results([out])
    cited = {r.meta.evidence_set.id: len(r.criterion("ENF-01").evidence) for _, r in results}
    assert cited == {"force-a": 6, "force-d": 13, "force-e": 13}
    report = moderate(results)
    (t,) = report.thin
    assert (t.criterion, t.evidence_set, t.outcome, t.cited, t.peer_median, t.peers) == (
        "ENF-01", "force-a", "meets", 6, 13.0, 3)
    # Duplicated bullets carry the same kinds and facts: same pattern, same outcome, no disparity.
    assert report.disparities == []


@pytest.mark.parametrize("case", ["one", "two-packs", "same-force"])
def test_results_that_cannot_be_moderated_together(case: str, split_bullets: Path, tmp_path: Path) -> None:
    a = split_bullets / "force-a.json"
    other = tmp_path / "other.json"
    data = json.loads(a.read_text(encoding="utf-8"))
    if case == "two-packs":
        data["meta"]["pack"]["name"] = "another-framework"
    other.write_text(json.dumps(data), encoding="utf-8")
    args = [str(a)] if case == "one" else [str(a), str(other)]
    res = runner.invoke(app, ["moderate", *args])
    assert res.exit_code == EXIT_INPUT_ERROR
    code = {"one": "MOD-003", "two-packs": "MOD-001", "same-force": "MOD-002"}[case]
    assert code in res.output and "Traceback" not in res.output
    with pytest.raises(InputError):
        moderate(load_results([Path(p) for p in args]))


def test_different_pack_versions_are_noted(split_bullets: Path, tmp_path: Path) -> None:
    data = json.loads((split_bullets / "force-b.json").read_text(encoding="utf-8"))
    data["meta"]["pack"]["version"] = "2.0.0"
    other = tmp_path / "b2.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    report = moderate(load_results([split_bullets / "force-a.json", other]))
    assert any("1.0.0, 2.0.0" in n for n in report.notes)


@pytest.fixture(scope="module")
def one_force_three_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Derbyshire in 2008 (the bundled set), 2009 (the business plans recorded as two bullets,
    ENF-01 meets) and 2010 (as one bullet, ENF-01 not met): one force, three results."""
    derbyshire = "Derbyshire Constabulary"
    return _graded(tmp_path_factory.mktemp("years"), ("derbyshire-2008", (), 0, derbyshire),
                   ("derbyshire-2009", SPLIT, 1, derbyshire), ("derbyshire-2010", SPLIT, 0, derbyshire))


def test_one_force_over_three_years_is_one_force_and_not_a_disparity(one_force_three_years: Path) -> None:
    results = load_results([one_force_three_years])
    outcomes = {r.meta.evidence_set.id: r.criterion("ENF-01").outcome for _, r in results}
    # the same pattern graded differently, but by one force over time: for `grader diff`, not moderation
    assert outcomes["derbyshire-2009"] == "meets" and outcomes["derbyshire-2010"] != "meets"
    report = moderate(results)
    assert report.force_count == 1 and len(report.forces) == 3
    assert report.disparities == [] and report.thin == []
    checks = {c.check: c for c in report.checks}
    assert [(c.needs, c.forces, c.results, c.ran, c.compared) for c in checks.values()] == [
        (2, 1, 3, False, 0), (3, 1, 3, False, 0)]
    assert any(n.startswith("Derbyshire Constabulary has 3 results (derbyshire-2008, derbyshire-2009, "
                            "derbyshire-2010): counted as one force") for n in report.notes)
    res = runner.invoke(app, ["moderate", str(one_force_three_years)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    flat = " ".join(res.stdout.split())
    assert "3 results of 1 force graded against" in flat
    assert ("same evidence pattern, different outcomes: needs at least 2 results of different forces; "
            "given 3 results of 1 force") in flat
    assert ("thin evidence (below 50% of peers' median): needs at least 3 results of different forces; "
            "given 3 results of 1 force") in flat
    assert "outcomes: none" not in flat and "median): none" not in flat and "0 disparities" not in flat
    assert "disparities: not checked, thin outcomes: not checked, 0 judgements" in flat


def test_a_disparity_across_forces_names_each_year_of_a_force(one_force_three_years: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    shutil.copytree(one_force_three_years, out)
    grade_to_file(_force(tmp_path, "notts-2009", SPLIT, force="Nottinghamshire Police"), out / "notts-2009.json")
    report = moderate(load_results([out]))
    assert report.force_count == 2
    (d,) = report.disparities
    # Nottinghamshire (one bullet) differs from Derbyshire 2009 (two bullets): across forces
    assert d.criterion == "ENF-01"
    assert [(f.evidence_set, f.outcome == "meets") for f in d.forces] == [
        ("derbyshire-2009", True), ("derbyshire-2010", False), ("notts-2009", False)]
    res = runner.invoke(app, ["moderate", str(out)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    flat = " ".join(res.stdout.split())
    assert "4 results of 2 forces graded against" in flat
    assert "Derbyshire Constabulary (derbyshire-2009): meets" in flat
    assert "Nottinghamshire Police: " in flat and "Nottinghamshire Police (" not in flat
    assert "1 disparity, thin outcomes: not checked" in flat


def test_thin_evidence_counts_peers_by_force(tmp_path: Path) -> None:
    """Force A in two years (6 items cited each) and forces D and E (13 each): three forces,
    each counted once, so the median is 13 and both of A's years rest on thin evidence."""
    out = _graded(tmp_path, ("force-a-2008", (), 0, "Force A"), ("force-a-2009", (), 0, "Force A"),
                  ("force-d", (), 7, None), ("force-e", (), 7, None))
    results = load_results([out])
    report = moderate(results)
    assert report.force_count == 3
    assert [(t.evidence_set, t.cited, t.peer_median, t.peers) for t in report.thin if t.criterion == "ENF-01"] == [
        ("force-a-2008", 6, 13.0, 3), ("force-a-2009", 6, 13.0, 3)]
    thin = next(c for c in report.checks if c.check == "thin-evidence")
    assert thin.ran and thin.compared > 0 and thin.found == len(report.thin)
    # Without force E there are two forces: not enough peers, and it says so
    two = moderate([nr for nr in results if nr[1].meta.evidence_set.id != "force-e"])
    thin = next(c for c in two.checks if c.check == "thin-evidence")
    assert two.thin == [] and (thin.ran, thin.forces, thin.results) == (False, 2, 3)


def test_json_and_audience_filtered_text_agree_on_the_counts(one_force_three_years: Path) -> None:
    args = ["moderate", str(one_force_three_years), "--audience", "public"]
    res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["audience"] == "public" and data["force_count"] == 1 and len(data["forces"]) == 3
    assert [(c["check"], c["ran"]) for c in data["checks"]] == [("same-pattern-different-outcome", False),
                                                                ("thin-evidence", False)]
    res = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    flat = " ".join(res.stdout.split())
    assert "3 results of 1 force" in flat and "given 3 results of 1 force" in flat
