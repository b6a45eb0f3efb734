"""One evidence model, several formats: a folder, one YAML file, CSV, and mixtures, all load to
the same items and grade the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import evkit
import pytest

from grader.errors import InputError
from grader.loading.evidence import load_evidence
from grader.models.evidence import EvidenceSet


def _same_items(loaded: EvidenceSet, curated: EvidenceSet) -> None:
    assert loaded.manifest == curated.manifest
    assert [i.id for i in loaded.items] == [i.id for i in curated.items]
    for mine, theirs in zip(loaded.items, curated.items):
        assert mine == theirs, mine.id


def test_one_yaml_file_loads_and_grades_as_the_folder(tmp_path: Path, curated: EvidenceSet, curated_json: dict,
                                                      pack_dir: Path) -> None:
    path = evkit.write_one_file(curated, tmp_path / "derbyshire.yaml")
    loaded = load_evidence(path)
    _same_items(loaded.evidence, curated)
    assert [f.path for f in loaded.files] == ["derbyshire.yaml"]
    assert evkit.result_json(path, pack_dir) == curated_json


def test_csv_loads_and_grades_as_the_folder(tmp_path: Path, curated: EvidenceSet, curated_json: dict,
                                            pack_dir: Path) -> None:
    evkit.write_csv(curated.items, tmp_path / "derbyshire.csv")
    (tmp_path / "derbyshire.evidence-set.yaml").write_text(evkit.manifest_yaml(curated), encoding="utf-8")
    path = tmp_path / "derbyshire.csv"
    loaded = load_evidence(path)
    _same_items(loaded.evidence, curated)
    assert sorted(f.path for f in loaded.files) == ["derbyshire.csv", "derbyshire.evidence-set.yaml"]
    assert evkit.result_json(path, pack_dir) == curated_json


def test_csv_exported_by_european_spreadsheets_semicolons_and_bom(tmp_path: Path, curated: EvidenceSet) -> None:
    path = evkit.write_csv(curated.items[:20], tmp_path / "items.csv", delimiter=";")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # Excel's UTF-8 BOM
    (tmp_path / "evidence-set.yaml").write_text(evkit.manifest_yaml(curated), encoding="utf-8")
    assert load_evidence(path).evidence.items == curated.items[:20]


def test_a_folder_may_mix_yaml_and_csv_item_files(tmp_path: Path, evidence_dir: Path, curated: EvidenceSet,
                                                  curated_json: dict, pack_dir: Path) -> None:
    folder = tmp_path / "derbyshire-2008"
    shutil.copytree(evidence_dir, folder)
    (folder / "items" / "indicators.yaml").unlink()
    evkit.write_csv([i for i in curated.items if i.kind == "indicator"], folder / "items" / "indicators.csv")
    loaded = load_evidence(folder)
    _same_items(loaded.evidence, curated)
    assert "derbyshire-2008/items/indicators.csv" in [f.path for f in loaded.files]
    assert evkit.result_json(folder, pack_dir) == curated_json


def test_csv_without_a_manifest_says_where_to_put_it(tmp_path: Path, curated: EvidenceSet) -> None:
    path = evkit.write_csv(curated.items[:3], tmp_path / "items.csv")
    with pytest.raises(InputError) as exc:
        load_evidence(path)
    (p,) = exc.value.problems
    assert p.code == "EVID-001" and "items.evidence-set.yaml or evidence-set.yaml beside it" in p.message


@pytest.mark.parametrize("name, expected", [
    ("set.xls", "save it as 'Excel Workbook (.xlsx)'"),
    ("set.ods", "save it as .xlsx"),
    ("set.txt", "use a folder, .yaml, .csv or .xlsx"),
])
def test_formats_grader_cannot_read_are_named(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"not evidence")
    with pytest.raises(InputError) as exc:
        load_evidence(path)
    assert exc.value.problems[0].code == "EVID-001" and expected in exc.value.problems[0].message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    for name, word in (("gone.xlsx", "file"), ("gone", "folder")):
        with pytest.raises(InputError) as exc:
            load_evidence(tmp_path / name)
        assert f"evidence set {word} not found" in exc.value.problems[0].message


def test_an_item_file_is_not_a_one_file_set(evidence_dir: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_evidence(evidence_dir / "items" / "enforcement.yaml")
    assert exc.value.problems[0].code == "EVID-015"
    assert "grade the folder instead" in exc.value.problems[0].message


def test_one_file_set_errors_are_located_at_their_line(tmp_path: Path, curated: EvidenceSet) -> None:
    path = evkit.write_one_file(curated, tmp_path / "set.yaml")
    text = path.read_text(encoding="utf-8").replace("marking: OFFICIAL\n", "marking: OFFICAL\n", 1)
    text = text.replace("framework: acpo-major-crime-2008", "framwork: acpo-major-crime-2008")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_evidence(path)
    lines = text.splitlines()
    by_code = {p.code: p for p in exc.value.problems}
    marking = by_code["EVID-014"]
    assert "OFFICAL" in lines[marking.line - 1] and marking.field.endswith(".marking")
    manifest = [p for p in exc.value.problems if p.code == "EVID-002"]
    extra = next(p for p in manifest if p.field == "framwork")
    assert lines[extra.line - 1].startswith("framwork:")
    assert any("missing required field 'framework'" in p.message for p in manifest)
