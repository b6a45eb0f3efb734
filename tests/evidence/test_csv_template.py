"""``grader evidence template --csv FOLDER``: a CSV capture folder for the pack that is refused,
naming each TODO placeholder, until its manifest is written; loads with one example row filled in;
and never replaces evidence or a folder it did not make."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.authoring.capture import csv_template_files, write_csv_template
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, InputError
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
PILLARS = ["intelligence", "prevention", "enforcement", "performance-and-resilience"]


def _examples(readme: str) -> dict[str, list[str]]:
    """File name -> the example row README.md shows under that file's heading."""
    out: dict[str, list[str]] = {}
    for m in re.finditer(r"^## `items/(?P<file>[^`]+)`.*?^```csv\n(?P<head>.*?)\n(?P<row>.*?)\n```",
                         readme, re.MULTILINE | re.DOTALL):
        out[m["file"]] = next(csv.reader(io.StringIO(m["row"])))
    return out


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def _write_manifest(out: Path) -> None:
    """Write in what the template's manifest leaves as TODO, as the inspector would."""
    manifest = out / "evidence-set.yaml"
    text = manifest.read_text(encoding="utf-8")
    for placeholder, written in [
        ("TODO the force inspected", "Derbyshire Constabulary"),
        ("TODO a title for the set, e.g. HMIC Major Crime inspection, July 2008", "Major crime, July 2008"),
        ("TODO the date of the inspection, YYYY-MM-DD", "2008-07-01"),
        ("TODO the title of the document the items come from", "Inspection report"),
    ]:
        assert placeholder in text
        text = text.replace(placeholder, written)
    manifest.write_text(text, encoding="utf-8")


def _invoke(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["evidence", "template", *args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def test_the_folder_holds_a_manifest_a_csv_per_pillar_with_its_facts_and_a_readme(tmp_path: Path) -> None:
    out = tmp_path / "capture"
    code, text = _invoke("--csv", str(out))
    assert code == 0, text
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == sorted(
        ["README.md", "evidence-set.yaml", "items/indicators.csv", *(f"items/{p}.csv" for p in PILLARS)])
    head = _header(out / "items" / "intelligence.csv")
    assert head[:6] == ["id", "pillar", "kind", "criterion", "other criteria", "statement"]
    assert "fact:mcu_dedicated_analyst" in head and "fact:beyond_standard" in head  # the pillar's, then pack-wide
    assert "fact:mcu_dedicated_analyst" not in _header(out / "items" / "prevention.csv")
    assert {"measure", "unit", "period 1", "value 1", "comparator value"} <= set(_header(out / "items" /
                                                                                         "indicators.csv"))
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "| `fact:mcu_dedicated_analyst` | bool | The major crime unit has an intelligence analyst" in readme
    assert set(_examples(readme)) == {"indicators.csv", *(f"{p}.csv" for p in PILLARS)}
    # as written, every placeholder is named and nothing grades (never the force "TODO")
    with pytest.raises(InputError) as exc:
        load_evidence(out)
    assert sorted((p.code, p.field) for p in exc.value.problems) == [
        ("EVID-002", "documents.report.title"), ("EVID-002", "force"), ("EVID-002", "inspected"),
        ("EVID-002", "title")]
    assert "still holds the capture template's placeholder" in exc.value.problems[0].message
    # once written in, it is an (empty) set: no example is ever graded as evidence by mistake
    _write_manifest(out)
    assert load_evidence(out).evidence.items == []
    assert "read" in text and "README.md" in text


def test_filled_with_one_example_row_it_passes_evidence_check(tmp_path: Path) -> None:
    out = tmp_path / "capture"
    write_csv_template(ROOT / "rules" / "acpo-major-crime-2008", out)
    _write_manifest(out)
    examples = _examples((out / "README.md").read_text(encoding="utf-8"))
    with open(out / "items" / "intelligence.csv", "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(examples["intelligence.csv"])
    res = runner.invoke(app, ["evidence", "check", str(out)], env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    assert "0 errors" in res.output
    [item] = load_evidence(out).evidence.items
    assert (item.id, item.pillar, item.kind, item.criteria, item.verified) == (
        "INT-01-S1", "intelligence", "strength", ["INT-01"], True)


@pytest.mark.parametrize("pack", ["acpo-major-crime-2008", "peel-2023"])
def test_every_example_row_loads_for_both_packs(tmp_path: Path, pack: str) -> None:
    out = tmp_path / "capture"
    pack_dir = ROOT / "rules" / pack
    write_csv_template(pack_dir, out)
    _write_manifest(out)
    examples = _examples((out / "README.md").read_text(encoding="utf-8"))
    for name, row in examples.items():
        with open(out / "items" / name, "a", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerow(row)
    loaded = load_evidence(out, load_pack(pack_dir).pack.kind_ids)
    pillars = [p.id for p in load_pack(pack_dir).pack.manifest.pillars]
    assert len(loaded.evidence.items) == len(pillars) + 1
    assert {i.pillar for i in loaded.evidence.items if i.kind != "indicator"} == set(pillars)
    assert [i.indicator.measure for i in loaded.evidence.items if i.indicator] == ["homicides_per_10k"]


def test_the_same_pack_gives_the_same_bytes(pack_dir: Path) -> None:
    pack = load_pack(pack_dir).pack
    assert csv_template_files(pack) == csv_template_files(pack)


def test_it_never_replaces_evidence_or_a_folder_it_did_not_make(tmp_path: Path) -> None:
    out = tmp_path / "capture"
    assert _invoke("--csv", str(out))[0] == 0
    code, text = _invoke("--csv", str(out))
    assert code == EXIT_INPUT_ERROR and "OUT-001 folder exists; use --force to replace it" in text
    assert _invoke("--csv", str(out), "--force")[0] == 0  # untouched: replaced (e.g. after the pack changed)
    sheet = out / "items" / "prevention.csv"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "PRE-01-S1,prevention,strength\n", encoding="utf-8")
    before = sheet.read_bytes()
    code, text = _invoke("--csv", str(out), "--force")
    assert code == EXIT_INPUT_ERROR
    assert "OUT-005" in text and "items/prevention.csv holds evidence (1 row under its header)" in text
    assert sheet.read_bytes() == before
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    code, text = _invoke("--csv", str(mine), "--force")
    assert code == EXIT_INPUT_ERROR and "OUT-005" in text and (mine / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


def test_a_manifest_filled_in_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "capture"
    write_csv_template(ROOT / "rules" / "acpo-major-crime-2008", out)
    manifest = out / "evidence-set.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("TODO the force inspected", "Derbyshire"),
                        encoding="utf-8")
    with pytest.raises(InputError) as exc:
        write_csv_template(ROOT / "rules" / "acpo-major-crime-2008", out, force=True)
    assert "evidence-set.yaml has been filled in" in exc.value.problems[0].message
    assert "Derbyshire" in manifest.read_text(encoding="utf-8")


def test_a_file_name_or_no_target_is_refused(tmp_path: Path) -> None:
    code, text = _invoke("--csv", str(tmp_path / "items.csv"))
    assert code == EXIT_INPUT_ERROR and "OUT-006" in text and "give a folder name, e.g. items" in text
    assert not (tmp_path / "items.csv").exists()
    code, text = _invoke()
    assert code == 2 and "give --xlsx FILE (a workbook) or --csv FOLDER" in text
    code, text = _invoke("--csv", str(tmp_path / "a"), "--xlsx", str(tmp_path / "b.xlsx"))
    assert code == 2 and list(tmp_path.iterdir()) == []
