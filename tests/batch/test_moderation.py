"""`grader moderate`: like evidence graded alike, and outcomes resting on thin evidence."""

from __future__ import annotations

import json
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


def _force(root: Path, set_id: str, remove: tuple[str, ...] = (), duplicates: int = 0) -> Path:
    s = copy_set(default_evidence(), root / set_id, set_id, f"Force {set_id[-1].upper()}")
    for item in remove:
        remove_item(s, item)
    for n in range(duplicates):
        duplicate_item(s, "ENF-01-S2", f"ENF-01-S2-{n}")
    return s


@pytest.fixture(scope="module")
def split_bullets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Force B recorded the police authority's business plans as two bullets, force C as one;
    neither has the budget or briefing strengths (nor the
    authority's requests for briefings). Force A is the bundled set."""
    root = tmp_path_factory.mktemp("split")
    out = root / "results"
    out.mkdir()
    for set_id, remove, dup in (("force-a", (), 0),
                                ("force-b", ("ENF-01-S3", "ENF-01-S5", "ENF-01-S6"), 1),
                                ("force-c", ("ENF-01-S3", "ENF-01-S5", "ENF-01-S6"), 0)):
        grade_to_file(_force(root, set_id, remove, dup), out / f"{set_id}.json")
    return out


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
    assert "1 disparities, 0 thin outcomes" in res.output
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
