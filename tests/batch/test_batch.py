"""`grader grade` with many evidence sets: one compiled pack, one result per force, failures skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from setkit import copy_set, synthetic_force
from typer.testing import CliRunner

import grader.grading.run as run_module
from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.errors import EXIT_ENGINE_ERROR, EXIT_INPUT_ERROR, EngineError, InputError
from grader.grading.batch import expand_inputs, grade_batch, is_batch
from grader.grading.run import grade_paths
from grader.render.json import render_json

runner = CliRunner()


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """43 synthetic forces in one folder; force-17's enforcement file has a typo in a kind."""
    root = tmp_path_factory.mktemp("programme") / "forces"
    root.mkdir()
    for n in range(43):
        synthetic_force(root / f"set-{n:02d}", n, seed=n)
    broken = root / "set-17" / "items" / "enforcement.yaml"
    text = broken.read_text(encoding="utf-8")
    assert "kind: strength" in text
    broken.write_text(text.replace("kind: strength", "kind: strenght", 1), encoding="utf-8")
    return root


def test_43_forces_one_broken_gives_42_results_and_one_located_error(programme: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    res = runner.invoke(app, ["grade", str(programme), "--out", str(out)], env={"COLUMNS": "200"})
    assert res.exit_code == EXIT_INPUT_ERROR, res.output
    assert "Traceback" not in res.output
    files = sorted(p.name for p in out.glob("*.json"))
    assert len(files) == 42
    assert "force-17.json" not in files
    # The error is one located line naming the file, line, column and the bad value.
    lines = [ln for ln in res.output.splitlines() if "strenght" in ln and "EVID-014" in ln]
    assert len(lines) == 1, res.output
    assert "set-17/items/enforcement.yaml:" in lines[0]
    assert "42 graded, 1 not graded" in res.output
    # Every result written is the same JSON `grader grade` writes for that set alone.
    alone = render_json(grade_paths(programme / "set-05", default_pack()))
    assert (out / "force-05.json").read_text(encoding="utf-8") == alone
    # No temporary files left behind by the atomic writes.
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_the_summary_table_shows_force_by_pillar_by_overall(programme: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["grade", str(programme / "set-01"), str(programme / "set-02"), "--out",
                              str(tmp_path / "r")], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for pillar in ("Intelligence", "Prevention", "Enforcement", "Performance management and resilience", "Overall"):
        assert pillar in res.output
    for n in ("01", "02"):
        result = json.loads((tmp_path / "r" / f"force-{n}.json").read_text(encoding="utf-8"))
        row = next(ln for ln in res.output.splitlines() if f"force-{n}" in ln and "Synthetic" in ln)
        cells = [c.strip() for c in row.split("│") if c.strip()]
        grades = [p["grade"] + ("*" if p["grade"] != p["assessed_grade"] else "") for p in result["pillars"]]
        overall = result["overall"]["grade"] + ("*" if result["overall"]["grade"] != result["overall"]["assessed_grade"] else "")
        assert cells[-5:] == [*grades, overall]


def test_json_summary(programme: Path) -> None:
    res = runner.invoke(app, ["grade", str(programme / "set-01"), str(programme / "set-17"), "--format", "json"])
    assert res.exit_code == EXIT_INPUT_ERROR
    start = res.stdout.index("{")
    data = json.loads(res.stdout[start:])
    assert [g["evidence_set"] for g in data["graded"]] == ["force-01"]
    assert data["graded"][0]["output"] is None
    assert data["failed"][0]["input"].endswith("set-17")
    assert data["failed"][0]["problems"][0]["code"] == "EVID-014"


def test_an_existing_result_is_not_replaced_without_force(tmp_path: Path) -> None:
    a = copy_set(default_evidence(), tmp_path / "a", "force-a")
    b = copy_set(default_evidence(), tmp_path / "b", "force-b")
    out = tmp_path / "results"
    out.mkdir()
    (out / "force-a.json").write_text("earlier result\n", encoding="utf-8")
    res = runner.invoke(app, ["grade", str(a), str(b), "--out", str(out)])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "OUT-001" in res.output and "use --force" in res.output
    assert (out / "force-a.json").read_text(encoding="utf-8") == "earlier result\n"
    assert (out / "force-b.json").is_file()
    res = runner.invoke(app, ["grade", str(a), str(b), "--out", str(out), "--force"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "force-a.json").read_text(encoding="utf-8"))["meta"]["evidence_set"]["id"] == "force-a"


def test_two_sets_with_one_id_would_share_a_file_so_the_second_is_refused(tmp_path: Path) -> None:
    a = copy_set(default_evidence(), tmp_path / "a")
    b = copy_set(default_evidence(), tmp_path / "b")
    res = runner.invoke(app, ["grade", str(a), str(b), "--out", str(tmp_path / "r")])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "BATCH-002" in res.output and "derbyshire-2008" in res.output
    assert [p.name for p in (tmp_path / "r").iterdir()] == ["derbyshire-2008.json"]


def test_out_must_be_a_folder_and_nothing_is_graded_otherwise(tmp_path: Path) -> None:
    a = copy_set(default_evidence(), tmp_path / "a", "force-a")
    b = copy_set(default_evidence(), tmp_path / "b", "force-b")
    target = tmp_path / "file.json"
    target.write_text("x", encoding="utf-8")
    res = runner.invoke(app, ["grade", str(a), str(b), "--out", str(target)])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "OUT-002" in res.output
    assert target.read_text(encoding="utf-8") == "x"


def test_a_missing_folder_among_several_is_reported_and_the_rest_graded(tmp_path: Path) -> None:
    a = copy_set(default_evidence(), tmp_path / "a", "force-a")
    res = runner.invoke(app, ["grade", str(a), str(tmp_path / "nope"), "--out", str(tmp_path / "r")])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "evidence set folder not found" in res.output
    assert (tmp_path / "r" / "force-a.json").is_file()


def test_a_folder_of_sets_expands_and_other_files_are_named(tmp_path: Path) -> None:
    root = tmp_path / "forces"
    root.mkdir()
    copy_set(default_evidence(), root / "a", "force-a")
    (root / "notes.txt").write_text("not evidence", encoding="utf-8")
    (root / "empty").mkdir()
    assert is_batch([root]) and not is_batch([root / "a"])
    inputs, ignored = expand_inputs([root])
    assert [p.name for p in inputs] == ["a", "empty"]
    assert [p.name for p in ignored] == ["notes.txt"]
    res = runner.invoke(app, ["grade", str(root)])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "notes.txt: BATCH-001" in res.output
    assert "empty: EVID-001 no evidence-set.yaml" in res.output


def test_one_file_sets_in_a_folder_of_sets_are_graded_and_csv_manifests_are_not_sets(tmp_path: Path) -> None:
    root = tmp_path / "forces"
    root.mkdir()
    copy_set(default_evidence(), root / "a", "force-a")
    # A one-file set: the manifest's fields, then defaults and items, in one YAML document.
    manifest = (default_evidence() / "evidence-set.yaml").read_text(encoding="utf-8")
    items = (default_evidence() / "items" / "enforcement.yaml").read_text(encoding="utf-8")
    (root / "force-b.yaml").write_text(manifest.replace("id: derbyshire-2008", "id: force-b", 1) + items,
                                       encoding="utf-8")
    (root / "force-c.csv").write_text("id\n", encoding="utf-8")
    (root / "force-c.evidence-set.yaml").write_text(manifest, encoding="utf-8")
    inputs, ignored = expand_inputs([root])
    assert [p.name for p in inputs] == ["a", "force-b.yaml", "force-c.csv"]
    assert ignored == []
    report = grade_batch([root / "a", root / "force-b.yaml"], default_pack(), tmp_path / "r", render_json)
    assert [s.evidence_set for s in report.graded] == ["force-a", "force-b"]
    result = json.loads((tmp_path / "r" / "force-b.json").read_text(encoding="utf-8"))
    assert {i["id"][:3] for i in result["evidence"]} == {"ENF"}


def test_the_pack_is_compiled_once_and_progress_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sets = [copy_set(default_evidence(), tmp_path / f"s{i}", f"force-{i}") for i in range(3)]
    calls: list[int] = []
    real = run_module.compile_pack
    monkeypatch.setattr(run_module, "compile_pack", lambda pack: calls.append(1) or real(pack))
    seen: list[tuple[int, int, str]] = []
    report = grade_batch(sets, default_pack(), None, render_json, progress=lambda d, t, n: seen.append((d, t, n)))
    assert len(calls) == 1
    assert [s.evidence_set for s in report.graded] == ["force-0", "force-1", "force-2"]
    assert [(d, t) for d, t, _ in seen] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert report.exit_code == 0


def test_a_broken_pack_stops_the_batch_before_any_force(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        grade_batch([default_evidence()], tmp_path / "no-pack", tmp_path / "r", render_json)
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").iterdir())


def test_an_engine_failure_on_one_force_is_exit_70_and_the_rest_are_graded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = copy_set(default_evidence(), tmp_path / "a", "force-a")
    b = copy_set(default_evidence(), tmp_path / "b", "force-b")
    real = run_module.Grader.grade

    def flaky(self: run_module.Grader, loaded, *records):  # type: ignore[no-untyped-def]
        if loaded.evidence.manifest.id == "force-a":
            raise EngineError("simulated")
        return real(self, loaded, *records)

    monkeypatch.setattr(run_module.Grader, "grade", flaky)
    report = grade_batch([a, b], default_pack(), tmp_path / "r", render_json)
    assert report.exit_code == EXIT_ENGINE_ERROR
    assert [s.evidence_set for s in report.graded] == ["force-b"]
    assert report.failed[0].engine and "simulated" in report.failed[0].problems[0].message
