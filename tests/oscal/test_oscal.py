"""``grader export oscal`` and ``oscal-catalog``: valid OSCAL 1.2.1, by the official schema and by trestle.

"Valid" is claimed only where both NIST's published JSON Schema
(../shared/testdata/oscal/oscal_assessment-results_schema_1.2.1.json) and compliance-trestle's
models accept the document: trestle is more lenient in places (a finding without a status),
the schema cannot check that ids point at something. The schema's token patterns use ``\\p{L}``
classes, which Python's ``re`` rejects, so patterns are checked with the ``regex`` package.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import regex
from jsonschema import Draft7Validator, ValidationError, validators
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog
from typer.testing import CliRunner

from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.loading.evidence import load_evidence

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from reportkit import mark_items  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "testdata" / "oscal" / "oscal_assessment-results_schema_1.2.1.json"
runner = CliRunner()


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


OscalValidator = validators.extend(Draft7Validator, {"pattern": _pattern})


@pytest.fixture(scope="module")
def validator() -> Any:
    return OscalValidator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def _errors(validator: Any, doc: dict) -> list[str]:
    return [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(doc)]


def _export(*args: str) -> dict:
    out = runner.invoke(app, ["export", "oscal", *args, "--out", "-"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def _assert_valid(validator: Any, doc: dict) -> AssessmentResults:
    assert _errors(validator, doc) == []
    return AssessmentResults.model_validate(doc["assessment-results"])


@pytest.fixture(scope="module")
def catalog_ids() -> set[str]:
    out = runner.invoke(app, ["export", "oscal-catalog", "--out", "-"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    cat = Catalog.model_validate(doc["catalog"])
    ids = set()
    for g in cat.groups or []:
        for c in g.controls or []:
            ids.update(p.id for p in c.parts or [] if p.name == "statement")
    return ids


def test_the_schema_check_is_real(validator: Any) -> None:
    """The validator rejects what OSCAL rejects: a timestamp without a timezone, an empty list."""
    doc = _export()
    assert _errors(validator, doc) == []
    bad = json.loads(json.dumps(doc))
    bad["assessment-results"]["metadata"]["last-modified"] = "2008-07-01T00:00:00"
    assert _errors(validator, bad)
    bad = json.loads(json.dumps(doc))
    bad["assessment-results"]["results"][0]["findings"] = []
    assert _errors(validator, bad)
    bad = json.loads(json.dumps(doc))
    bad["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "meets"
    assert _errors(validator, bad)


def test_the_bundled_public_export_is_valid_with_22_findings_and_nothing_sensitive(
        validator: Any, catalog_ids: set[str]) -> None:
    doc = _export("--audience", "public")
    ar = _assert_valid(validator, doc)
    result = ar.results[0]
    assert len(result.findings) == 22
    # every finding targets a real statement of the pack's catalog
    assert {f.target.target_id for f in result.findings} <= catalog_ids
    assert all(f.target.status.state.value == "satisfied" for f in result.findings)
    items = load_evidence(default_evidence()).evidence.items
    sensitive = [i for i in items if i.marking != "OFFICIAL"]
    assert sensitive
    text = json.dumps(doc)
    for i in sensitive:
        assert f'"{i.id}' not in text and f"{i.id} " not in text, i.id
        assert i.statement not in text.replace("\\\\", "\\"), i.id
    shown = [i for i in items if i.marking == "OFFICIAL" and i.verified]
    assert len(result.observations) == len(shown)
    # each finding links the observations of the items it cites (and only observations that exist)
    uuids = {o.uuid for o in result.observations}
    linked = [r.observation_uuid for f in result.findings for r in f.related_observations or []]
    assert linked and set(linked) <= uuids
    props = {(p.name, p.class_): p.value for p in result.props}
    assert props[("overall-grade", None)] == "meets"
    assert props[("pillar-grade", "intelligence")] == "meets"


def test_a_rerun_gives_the_same_bytes(tmp_path: Path) -> None:
    outs = []
    for n in (1, 2):
        target = tmp_path / f"ar{n}.json"
        got = runner.invoke(app, ["export", "oscal", "--out", str(target)])
        assert got.exit_code == 0, got.output
        outs.append(target.read_bytes())
    assert outs[0] == outs[1]


def test_from_a_saved_result_gives_the_same_document(tmp_path: Path) -> None:
    saved = tmp_path / "result.json"
    assert runner.invoke(app, ["grade", "--format", "json", "--out", str(saved)]).exit_code == 0
    assert _export("--from-result", str(saved)) == _export()


def test_a_failing_set_is_valid_and_not_satisfied(validator: Any, tmp_path: Path) -> None:
    failing = tmp_path / "failing"
    shutil.copytree(default_evidence(), failing)
    (failing / "items" / "intelligence.yaml").unlink()
    doc = _export(str(failing))
    ar = _assert_valid(validator, doc)
    states = {f.title.split()[0]: f.target.status.state.value for f in ar.results[0].findings}
    assert states["INT-01"] == "not-satisfied"
    props = {(p.name, p.class_): p.value for p in ar.results[0].props}
    assert props[("pillar-grade", "intelligence")] == "fails"
    # the pack's own outcome is kept beside OSCAL's two states
    int01 = next(f for f in ar.results[0].findings if f.title.startswith("INT-01"))
    assert int01.target.status.reason == next(p.value for p in int01.props if p.name == "outcome")


def test_a_mitigated_finding_keeps_its_mitigation(validator: Any) -> None:
    ar = _assert_valid(validator, _export("--audience", "inspectorate"))
    enf02 = next(f for f in ar.results[0].findings if f.title.startswith("ENF-02"))
    props = {p.name: p.value for p in enf02.props}
    assert props["outcome"] == "meets" and props["assessed-outcome"] == "fails"
    assert "mitigation" in props


@pytest.mark.parametrize("audience", ["public", "force"])
def test_a_secret_canary_never_reaches_an_export_for_an_audience_not_cleared(
        validator: Any, tmp_path: Path, audience: str) -> None:
    canary = "INT-06-S1"
    marked = mark_items(default_evidence(), tmp_path / "set", {canary: "SECRET"})
    statement = load_evidence(marked).evidence.by_id()[canary].statement
    doc = _export(str(marked), "--audience", audience)
    _assert_valid(validator, doc)
    text = json.dumps(doc)
    assert canary not in text and statement[:60] not in text
    full = json.dumps(_export(str(marked), "--audience", "inspectorate"))
    assert canary in full


def test_the_catalog_is_valid_and_names_every_criterion(catalog_ids: set[str]) -> None:
    assert len(catalog_ids) == 22
    assert "int-01_smt" in catalog_ids


def test_a_pack_without_a_published_date_cannot_be_a_catalog(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_pack(), pack)
    manifest = pack / "pack.yaml"
    manifest.write_text("\n".join(line for line in manifest.read_text(encoding="utf-8").split("\n")
                                  if not line.startswith("published:")), encoding="utf-8")
    out = runner.invoke(app, ["export", "oscal-catalog", str(pack), "--out", str(tmp_path / "c.json")])
    assert out.exit_code == 65, out.output
    assert "OSCAL-001" in out.output and "published: YYYY-MM-DD" in out.output
    assert not (tmp_path / "c.json").exists()


@pytest.mark.parametrize("audience", ["public", "inspectorate"])
def test_a_set_with_judgements_and_mitigations_is_valid_and_keeps_both(validator: Any, tmp_path: Path,
                                                                      audience: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "judgement"))
    from judgekit import INT06_FAILS, copy_set, write_judgements

    judged = copy_set(tmp_path)
    write_judgements(judged, INT06_FAILS)
    ar = _assert_valid(validator, _export(str(judged), "--audience", audience))
    findings = {f.title.split()[0]: f for f in ar.results[0].findings}
    int06 = {p.name: p for p in findings["INT-06"].props}
    # the judgement decides what OSCAL's state says, and the rules' outcome is kept beside it
    assert findings["INT-06"].target.status.state.value == "not-satisfied"
    assert int06["outcome"].value == "fails" and int06["rule-outcome"].value == "meets"
    assert int06["judged"].value == "fails" and "two major crime risks" in int06["judged"].remarks
    # the public sees the judge's role, not the name (the report's rule)
    assert ("A. Inspector" in int06["judged"].remarks) == (audience == "inspectorate")
    assert "Lead inspector" in int06["judged"].remarks
    enf02 = {p.name: p.value for p in findings["ENF-02"].props}
    assert enf02["assessed-outcome"] == "fails" and "mitigation" in enf02
