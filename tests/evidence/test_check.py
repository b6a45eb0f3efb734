"""`grader evidence check`: located errors, warnings, and the count per pillar and kind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.authoring.evidence_check import check_evidence
from grader.cli import app
from grader.errors import EXIT_TEST_FAILED

runner = CliRunner()


@pytest.fixture
def copy(tmp_path: Path, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(evidence_dir, tmp_path / "set")
    return Path("set")


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_the_bundled_set_has_no_errors_and_a_full_summary(evidence_dir: Path, pack_dir: Path) -> None:
    report = check_evidence(evidence_dir, pack_dir)
    assert report.errors == []
    summary = {row.pillar: row for row in report.summary}
    assert list(summary) == ["intelligence", "prevention", "enforcement", "performance-and-resilience"]
    assert summary["intelligence"].kinds == {"strength": 49, "work-in-progress": 15, "area-for-improvement": 8,
                                             "indicator": 0, "other": 0}
    assert summary["performance-and-resilience"].kinds["indicator"] == 15
    assert sum(r.items for r in report.summary) == 189 == sum(r.verified for r in report.summary)
    assert all(r.criteria_informed == r.criteria_total for r in report.summary)
    # items no clause of any rule matches are named, as notes: true, but not mistakes
    assert report.warnings == []
    unused = [p for p in report.notes if p.code == "EVID-032"]
    assert len(unused) == 6 and all("derbyshire-2008" in p.file for p in unused)
    assert sum("contextual statistic" in p.message for p in unused) == 6


def test_cli_counts_notes_and_lists_them_when_asked(evidence_dir: Path) -> None:
    quiet = runner.invoke(app, ["evidence", "check", str(evidence_dir)])
    assert quiet.exit_code == 0, quiet.output
    assert "EVID-032" not in quiet.output.replace("(EVID-032", "")
    assert quiet.output.rstrip().endswith("0 errors, 0 warnings, 6 notes (EVID-032; --notes lists them)")
    loud = runner.invoke(app, ["evidence", "check", str(evidence_dir), "--notes"])
    assert loud.exit_code == 0, loud.output
    assert sum(line.endswith("(note)") and " EVID-032 " in line for line in loud.output.splitlines()) == 6


def test_cli_prints_the_table_and_exits_0(evidence_dir: Path) -> None:
    res = runner.invoke(app, ["evidence", "check", str(evidence_dir)])
    assert res.exit_code == 0, res.output
    assert "Evidence by pillar and kind" in res.output and "performance-and-resilience" in res.output
    assert "0 errors" in res.output


def test_located_errors_and_did_you_mean(copy: Path, pack_dir: Path) -> None:
    intel = copy / "items" / "intelligence.yaml"
    _replace(intel, "criteria: [INT-01]\n    kind: strength", "criteria: [INT-1O]\n    kind: strength")
    _replace(intel, "    facts:\n      mcu_dedicated_analyst: true", "    facts:\n      mcu_dedicated_analist: true")
    _replace(intel, "analyst_surge_capacity: true", 'analyst_surge_capacity: "true"')
    _replace(copy / "items" / "prevention.yaml", "pillar: prevention", "pillar: prevension")
    report = check_evidence(copy, pack_dir)
    text = "\n".join(p.line_text() for p in report.errors)
    assert "set/items/intelligence.yaml:17:16: EVID-022 the pack has no criterion 'INT-1O'; did you mean 'INT-10'?" in text
    assert "EVID-023 fact 'mcu_dedicated_analist' is not in the pack's fact catalogue; did you mean " \
           "'mcu_dedicated_analyst'?" in text
    assert "EVID-024 fact 'analyst_surge_capacity' must be true or false, not 'true'" in text
    assert "set/items/prevention.yaml:" in text and "EVID-021 unknown pillar 'prevension'; did you mean 'prevention'?" in text
    res = runner.invoke(app, ["evidence", "check", str(copy)])
    assert res.exit_code == EXIT_TEST_FAILED
    assert "EVID-022" in res.output and "errors" in res.output


def test_duplicate_ids_unknown_kind_and_marking_are_reported_together(copy: Path, pack_dir: Path) -> None:
    enf = copy / "items" / "enforcement.yaml"
    _replace(enf, "- id: ENF-01-S2", "- id: ENF-01-S1")
    _replace(enf, "kind: work-in-progress", "kind: in-progress")
    _replace(enf, "- id: ENF-01-S3\n", "- id: ENF-01-S3\n    marking: RESTRICTED\n")
    report = check_evidence(copy, pack_dir)
    assert report.loaded is None and report.summary == []
    codes = [(p.code, p.message.split(" (")[0]) for p in report.errors]
    assert ("EVID-004", "duplicate evidence id 'ENF-01-S1'") in codes
    assert any(p.code == "EVID-014" and "(found 'in-progress')" in p.message for p in report.errors)
    assert any("RESTRICTED" in p.message for p in report.errors)
    assert all(p.file == "set/items/enforcement.yaml" and p.line for p in report.errors)


def test_a_fact_no_item_provides_is_a_warning_at_the_rule(copy: Path, pack_dir: Path) -> None:
    """Without any item recording specialist_analytical_products, INT-01 cannot be met: a warning
    (the evidence is absent, not wrong); the misspelling behind it is the error."""
    intel = copy / "items" / "intelligence.yaml"
    text = intel.read_text(encoding="utf-8")
    assert text.count("specialist_analytical_products: true") == 1
    _replace(intel, "specialist_analytical_products: true", "specialist_analytical_product: true")
    report = check_evidence(copy, pack_dir)
    unmet = [p for p in report.warnings if p.code == "EVID-031"]
    assert [p.message.split(":")[0] for p in unmet] == ["INT-01 cannot be met"]
    (p,) = unmet
    assert p.file.endswith("criteria/INT-01.yaml") and p.line
    assert "rule 'dedicated-capacity' needs fact 'specialist_analytical_products'" in p.message
    # the misspelt fact is also caught by the catalogue check, with its did-you-mean
    assert any(e.code == "EVID-023" and "did you mean 'specialist_analytical_products'" in e.message
               for e in report.errors)


def test_unverified_items_are_warnings_and_do_not_count(copy: Path, pack_dir: Path) -> None:
    _replace(copy / "items" / "enforcement.yaml", "  verified: true", "  verified: false")
    report = check_evidence(copy, pack_dir)
    unverified = [p for p in report.warnings if p.code == "EVID-030"]
    assert len(unverified) == 21 and unverified[0].file == "set/items/enforcement.yaml"
    # with nothing verified for enforcement, its criteria cannot be met
    unmet = [p for p in report.warnings if p.code == "EVID-031"]
    assert {p.message.split(" ")[0] for p in unmet} == {"ENF-01", "ENF-02", "ENF-03"}
    assert report.errors == [] and "would count once verified" in unmet[0].message
    row = next(r for r in report.summary if r.pillar == "enforcement")
    assert (row.items, row.verified) == (21, 0)


def test_an_item_tied_to_no_criterion_is_a_warning(copy: Path, pack_dir: Path) -> None:
    with open(copy / "items" / "enforcement.yaml", "a", encoding="utf-8") as fh:
        fh.write("  - id: ENF-X1\n    kind: observation\n    statement: The canteen was clean.\n"
                 "    source: {section: Notes}\n")
    report = check_evidence(copy, pack_dir)
    lines = (copy / "items" / "enforcement.yaml").read_text(encoding="utf-8").splitlines()
    (p,) = [p for p in report.warnings
            if p.file == "set/items/enforcement.yaml" and p.line and "ENF-X1" in lines[p.line - 1]]
    assert p.code == "EVID-032" and "it informs no criterion" in p.message
    row = next(r for r in report.summary if r.pillar == "enforcement")
    assert row.kinds["other"] == 1


def test_framework_mismatch_warning_names_the_manifest(copy: Path, pack_dir: Path) -> None:
    _replace(copy / "evidence-set.yaml", "framework: acpo-major-crime-2008", "framework: acpo-major-crime-2009")
    report = check_evidence(copy, pack_dir)
    (p,) = [p for p in report.warnings if p.code == "EVID-020"]
    assert p.file == "set/evidence-set.yaml" and p.line == 4
