"""The bundled ACPO pack and Derbyshire 2008 evidence: complete, faithful, and graded as HMIC did."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
import yaml

from grader.grading.run import grade_paths
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack
from grader.render.json import render_json
from grader.schemas import schema_for

ROOT = Path(__file__).resolve().parent.parent


def test_pack_has_the_22_summary_criteria(pack_dir: Path) -> None:
    pack = load_pack(pack_dir).pack
    by_pillar = Counter(c.pillar for c in pack.criteria)
    assert len(pack.criteria) == 22
    assert by_pillar == {"intelligence": 10, "prevention": 7, "enforcement": 3, "performance-and-resilience": 2}
    assert all(c.significant for c in pack.criteria)


def test_evidence_has_every_bullet_and_the_indicator_table(evidence_dir: Path) -> None:
    items = load_evidence(evidence_dir).evidence.items
    kinds = Counter(i.kind for i in items)
    assert kinds["strength"] == 128
    assert kinds["work-in-progress"] == 28
    assert kinds["area-for-improvement"] == 18
    assert kinds["indicator"] == 15
    assert len(items) == 174 + 15
    # every qualitative item cites its place in the source: section, list and bullet number
    for item in items:
        assert item.source.document == "hmic-2008-derbyshire-major-crime"
        assert item.source.list is not None and item.source.item is not None, item.id
    places = Counter((i.source.section, i.source.list, i.source.item) for i in items)
    assert max(places.values()) == 1, "two items claim the same bullet"


def test_derbyshire_meets_the_standard(derbyshire) -> None:
    assert derbyshire.overall.grade == "meets"
    assert derbyshire.overall.label == "Meets the standard"
    assert [p.grade for p in derbyshire.pillars] == ["meets"] * 4


def test_every_criterion_agrees_with_the_seed(derbyshire) -> None:
    """tests/calibration/*.yaml records what each summary of the source report says."""
    expected = {}
    for path in sorted((ROOT / "tests" / "calibration").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            expected[entry["criterion"]] = entry
    assert len(expected) == 22
    for f in derbyshire.criteria:
        e = expected[f.criterion]
        assert (f.assessed_outcome, f.outcome) == (e["assessed"], e["expected"]), f.criterion


def test_the_mitigated_gap_is_reported(derbyshire) -> None:
    enf02 = derbyshire.criterion("ENF-02")
    assert enf02.assessed_outcome == "fails"
    assert enf02.outcome == "meets"
    assert enf02.mitigation is not None and enf02.mitigation.evidence


def test_every_conclusion_cites_existing_evidence(derbyshire, evidence_dir: Path) -> None:
    ids = {i.id for i in load_evidence(evidence_dir).evidence.items}
    for f in derbyshire.criteria:
        assert f.rationale
        if f.outcome in ("meets", "exceeds", "fails"):
            assert f.evidence, f"{f.criterion} has a grade with no cited evidence"
        assert set(f.evidence) <= ids
    for p in [*derbyshire.pillars, derbyshire.overall]:
        assert p.rationale and p.evidence and set(p.evidence) <= ids


def test_every_item_is_cited_or_listed_as_unused_with_a_reason(derbyshire, evidence_dir: Path) -> None:
    items = load_evidence(evidence_dir).evidence.items
    cited: set[str] = set()
    for f in derbyshire.criteria:
        cited.update(f.evidence)
        cited.update(c.id for c in f.cited)
        if f.mitigation:
            cited.update(f.mitigation.evidence)
    for c in derbyshire.context:
        cited.update(c.evidence)
    unused = {u.id: u.reason for u in derbyshire.unused}
    for item in items:
        assert (item.id in cited) != (item.id in unused), item.id
        if item.id in unused:
            assert unused[item.id]


def test_indicators_flag_what_the_report_says(derbyshire) -> None:
    notes = {c.note: c.evidence for c in derbyshire.context}
    # "Derbyshire is under threat from rape offences ... significantly higher than the MSF average"
    assert "IND-RAPE-RATE" in notes["rate-markedly-above-peers"]
    # "in particular attempted murder and kidnapping ... worse than the MSF average"
    assert set(notes["detection-markedly-below-peers"]) >= {"IND-ATTEMPTED-MURDER-DETECTION",
                                                          "IND-KIDNAPPING-DETECTION"}


def test_result_is_deterministic_and_valid_against_its_schema(pack_dir: Path, evidence_dir: Path) -> None:
    first = render_json(grade_paths(evidence_dir, pack_dir))
    second = render_json(grade_paths(evidence_dir, pack_dir))
    assert first == second
    jsonschema.validate(json.loads(first), schema_for("result"))


@pytest.mark.parametrize("which", ["evidence", "evidence-set"])
def test_bundled_files_validate_against_the_generated_schemas(which: str, evidence_dir: Path) -> None:
    schema = schema_for(which)
    files = [evidence_dir / "evidence-set.yaml"] if which == "evidence-set" else sorted(
        (evidence_dir / "items").glob("*.yaml"))
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        jsonschema.validate(json.loads(json.dumps(data, default=str)), schema)


def test_calibration_doc_is_current() -> None:
    """docs/calibration.md is generated by scripts/calibration.py; regenerate it when this fails."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("calibration", ROOT / "scripts" / "calibration.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8") == mod.build()


def test_indicator_changes_agree_with_the_published_table(derbyshire) -> None:
    """grader computes each change itself; the seed's printed change is the check."""
    assert len(derbyshire.indicators) == 15
    for row in derbyshire.indicators:
        published = (row.published_change or "").strip()
        if published.lower() == "not applicable":
            assert row.change is None, row.id
            continue
        number = float(published.rstrip("%").removesuffix("pp"))
        assert row.change is not None and round(row.change, 2) == pytest.approx(number, abs=0.006), row.id
        assert row.change_unit == ("pp" if published.endswith("pp") else "%"), row.id


def test_what_would_change_the_grade(derbyshire) -> None:
    by_id = {s.id: s for s in derbyshire.sensitivity}
    # two significant gaps fail a pillar (significant_gaps_for_fail: 2); one pillar failing fails all
    assert [c.id for c in by_id["intelligence"].fall.changes] == ["INT-01", "INT-02"]
    assert by_id["overall"].fall.grade == "fails" and len(by_id["overall"].fall.changes) == 1
    # exceeding needs half the significant criteria to exceed: 5 of 10 in intelligence
    assert len(by_id["intelligence"].rise.changes) == 5
    assert len(by_id["performance-and-resilience"].rise.changes) == 1
