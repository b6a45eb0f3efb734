"""`grader evidence import-report`: a published report in the seed's layout becomes an evidence set."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import evkit
import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, InputError
from grader.importers.report import import_report
from grader.loading.evidence import load_evidence
from grader.models.evidence import EvidenceSet

runner = CliRunner()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, pack_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("import") / "derbyshire"
    import_report(evkit.SEED, pack_dir, out)
    return out


def test_seed_gives_174_items_in_22_criteria_and_15_indicator_rows(imported: Path) -> None:
    items = load_evidence(imported).evidence.items
    qualitative = [i for i in items if i.kind != "indicator"]
    assert len(qualitative) == 174
    assert Counter(i.kind for i in qualitative) == {"strength": 128, "work-in-progress": 28,
                                                    "area-for-improvement": 18}
    assert len({c for i in qualitative for c in i.criteria}) == 22
    assert all(len(i.criteria) == 1 for i in qualitative)
    assert len([i for i in items if i.kind == "indicator"]) == 15
    assert all(not i.facts and not i.verified for i in items)


def test_every_bullet_falls_under_the_same_criterion_as_in_the_curated_set(imported: Path,
                                                                            curated: EvidenceSet) -> None:
    def place(items: list) -> dict:
        return {(i.source.section, i.source.list, i.source.item): (i.criteria[0], i.kind, i.pillar)
                for i in items if i.kind != "indicator"}

    mine, theirs = place(load_evidence(imported).evidence.items), place(curated.items)
    assert len(mine) == len(theirs) == 174
    assert mine == theirs


def test_indicator_rows_carry_the_published_figures(imported: Path, curated: EvidenceSet) -> None:
    mine = {i.source.item: i.indicator for i in load_evidence(imported).evidence.items if i.kind == "indicator"}
    theirs = {i.source.item: i.indicator for i in curated.items if i.kind == "indicator"}
    assert sorted(mine) == sorted(theirs) == list(range(1, 16))
    for row, ind in theirs.items():
        got = mine[row]
        assert (got.unit, got.values, got.comparator, got.published_change) == \
               (ind.unit, ind.values, ind.comparator, ind.published_change), row
    assert mine[3].values[0].value == "not applicable"  # abductions detected: "Not applicable"
    assert mine[11].values[1].value == 200.0  # manslaughter detections above 100%, kept as published


def test_statements_fold_sub_bullets_and_text_carried_over_a_page_footer(imported: Path) -> None:
    items = load_evidence(imported).evidence.by_id()
    forums = items["INT-02-S3"].statement
    assert forums.startswith("Other intelligence-sharing forums include: Derby City partnership management group;")
    assert forums.endswith("LSP board and a safer neighbourhood implementation group.")
    carried = items["INT-01-A1"].statement
    assert carried.endswith("This is now being actioned by the public protection board.")
    assert "July 2008" not in carried
    golden = items["PMR-01-S10"].statement  # continued after an italic "*July 2008*" footer
    assert "2005 practice advice on core investigative doctrine" in golden


def test_todo_lists_per_criterion_the_facts_its_rules_test(imported: Path) -> None:
    todo = (imported / "TODO-facts.md").read_text(encoding="utf-8")
    assert todo.count("\n## ") >= 22
    int01 = todo.split("## INT-01 ", 1)[1].split("\n## ", 1)[0]
    assert "Items: INT-01-S1 to INT-01-A2 (8)" in int01
    for fact in ("mcu_dedicated_analyst", "analytical_capability_sufficient", "intelligence_cover_24_7",
                 "specialist_analytical_products"):
        assert f"| `{fact}` |" in int01
    assert "`beyond_standard`" in todo.split("## Every criterion", 1)[1]
    assert "verified: true" in todo


def test_the_imported_set_checks_with_the_missing_facts_as_warnings(imported: Path, pack_dir: Path) -> None:
    """Facts not filled in yet are absent evidence, not mistakes: warnings, and no error."""
    from grader.authoring.evidence_check import check_evidence

    report = check_evidence(imported, pack_dir)
    assert report.errors == []
    assert len([p for p in report.warnings if p.code == "EVID-031"]) == 22
    assert len([p for p in report.warnings if p.code == "EVID-030"]) == 189


def test_import_is_reproducible_and_never_overwrites(tmp_path: Path, pack_dir: Path, imported: Path) -> None:
    out = tmp_path / "again"
    import_report(evkit.SEED, pack_dir, out)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["TODO-facts.md", "evidence-set.yaml", "items/enforcement.yaml", "items/indicators.yaml",
                     "items/intelligence.yaml", "items/performance-and-resilience.yaml", "items/prevention.yaml"]
    for rel in files:
        assert (out / rel).read_bytes() == (imported / rel).read_bytes(), rel
    (out / "items" / "intelligence.yaml").write_text("# the inspector's edits\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_report(evkit.SEED, pack_dir, out)
    assert exc.value.problems[0].code == "OUT-001"
    assert (out / "items" / "intelligence.yaml").read_text(encoding="utf-8") == "# the inspector's edits\n"
    import_report(evkit.SEED, pack_dir, out, force=True)
    assert (out / "items" / "intelligence.yaml").read_bytes() == (imported / "items" / "intelligence.yaml").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["again"], "no temporary or set-aside folders left"


def test_cli_prints_the_todo_list_and_a_summary(tmp_path: Path, pack_dir: Path) -> None:
    out = tmp_path / "set"
    res = runner.invoke(app, ["evidence", "import-report", str(evkit.SEED), "--rules", str(pack_dir),
                              "--out", str(out), "--verified", "--set-id", "derbyshire-2008-imported"])
    assert res.exit_code == 0, res.output
    assert "## INT-01 Dedicated analytical capacity for major crime" in res.output
    assert "imported 174 items in 22 criteria and 15 indicator rows" in res.output
    loaded = load_evidence(out).evidence
    assert loaded.manifest.id == "derbyshire-2008-imported" and loaded.manifest.force == "Derbyshire Constabulary"
    assert all(i.verified for i in loaded.items)
    res = runner.invoke(app, ["evidence", "import-report", str(evkit.SEED), "--out", str(out)])
    assert res.exit_code == EXIT_INPUT_ERROR and "OUT-001 folder exists; use --force" in res.output


# --- what real reports contain ----------------------------------------------------------------------

REPORT = """Her Majesty's Inspectorate of Constabulary

## HMIC Inspection Report

### Testshire Police Major Crime

July 2009

*Testshire Police – HMIC Inspection Report*

## Major Crime

### Contextual factors

| | 2007 | 2008 | Change | MSF group mean |
|---|---|---|---|---|
| Number of murders per 10,000 population | 0.050 | 0.040 | -20.00% | 0.082 |
| % of murders detected/convicted | 90.00% | Not applicable | Not applicable | 91.08% |

## Enforcement

**Summary – Governance is effective.**

#### Strengths

- First strength, which runs on
over a page break

September 2009

and ends here.
- Second strength with sub-points:
  - one;
  - two.

**Work in progress**

None identified.

### **Area for improvement**

- The force’s “only” gap – a curly one.

**Summary –The second summary.**

Strength

- Singular plain heading bullet.

### Works in progress
* Star bullet.

__Areas for improvement__
- None identified

**Summary - Third.**

### Strengths
- Third strength.

**Summary — A fourth summary the pack does not know.**

### Strengths
- Orphan strength.

## Leadership

**Summary – A pillar the pack does not have.**

### Strengths
- Leadership strength.

## Appendix 1: Glossary

- Not a bullet of any list.
"""


@pytest.fixture
def variant(tmp_path: Path, pack_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    Path("report.txt").write_text(REPORT, encoding="utf-8")
    result = import_report(Path("report.txt"), pack_dir, Path("out"))
    return result, {i.id: i for i in load_evidence(Path("out")).evidence.items}


def test_variants_of_headings_bullets_and_lists(variant) -> None:
    _, items = variant
    assert items["ENF-01-S1"].statement == "First strength, which runs on over a page break and ends here."
    assert items["ENF-01-S2"].statement == "Second strength with sub-points: one; two."
    assert items["ENF-01-A1"].statement == "The force’s “only” gap – a curly one."
    assert not any(i.startswith("ENF-01-W") for i in items)  # "None identified." without a bullet
    assert items["ENF-02-S1"].statement == "Singular plain heading bullet."
    assert items["ENF-02-W1"].kind == "work-in-progress" and items["ENF-02-W1"].statement == "Star bullet."
    assert not any(i.startswith("ENF-02-A") for i in items)  # "- None identified" under __bold__ heading
    assert items["ENF-03-S1"].source.section == "Enforcement, summary 3"
    assert (items["ENF-01-A1"].source.list, items["ENF-01-A1"].source.item) == ("areas-for-improvement", 1)


def test_unmatched_summaries_and_pillars_are_reported_not_dropped(variant) -> None:
    result, items = variant
    orphan = items["enforcement-4-S1"]
    assert orphan.criteria == [] and orphan.statement == "Orphan strength." and orphan.pillar == "enforcement"
    assert [(u.section, u.items) for u in result.unmatched] == [("Enforcement, summary 4", 1),
                                                                 ("Leadership, summary 1", 1)]
    assert items["leadership-1-S1"].pillar == "leadership"
    assert result.unknown_pillars == [("Leadership", 66)]
    todo = Path("out/TODO-facts.md").read_text(encoding="utf-8")
    assert "Enforcement, summary 4" in todo and "matches no criterion of the pack" in todo
    assert "pillar heading 'Leadership' is not a pillar of the pack" in todo
    assert "Criterion INT-01: no summary of the report matched it." in todo
    notes = [p.line_text() for p in result.notes]
    assert any("IMPORT-007 Enforcement, summary 3 has no work-in-progress, areas-for-improvement list" in n for n in notes)


def test_variant_table_and_front_matter(variant) -> None:
    result, items = variant
    m = result.manifest
    assert (m["force"], m["id"], str(m["inspected"])) == ("Testshire Police", "testshire-police-2009", "2009-07-01")
    murders = items["IND-MURDERS-PER-10K"].indicator
    assert [(v.period, v.value) for v in murders.values] == [("2007", 0.05), ("2008", 0.04)]
    assert murders.unit == "per-10k-population" and murders.comparator.value == 0.082
    detected = items["IND-MURDERS-DETECTED-CONVICTED-PERCENT"].indicator
    assert detected.values[1].value == "not applicable" and detected.unit == "percent"


def test_a_failed_import_leaves_no_folder(tmp_path: Path, pack_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("report.txt").write_text(REPORT.replace("| 0.040 |", "| about 0.04 |"), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_report(Path("report.txt"), pack_dir, Path("out"))
    (p,) = exc.value.problems
    assert p.line_text() == "report.txt:17: IMPORT-012 the 2008 value 'about 0.04' of row " \
                            "'Number of murders per 10,000 population' is not a number or 'Not applicable'"
    assert sorted(os.listdir(tmp_path)) == ["report.txt"]


def test_a_report_without_summaries_is_refused(tmp_path: Path, pack_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("July 2009\n\nSome notes.\n", encoding="utf-8")
    res = runner.invoke(app, ["evidence", "import-report", "notes.txt", "--out", "out", "--rules", str(pack_dir)])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "notes.txt: IMPORT-020 cannot find the force's name" in res.output
    assert "notes.txt: IMPORT-022 no pillar section with 'Summary –' statements found" in res.output
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]
