"""``grader rules new``: a scaffold that loads, whose own tests run and pass, that never
overwrites a file without --force, and that tells the inspector what is left to write."""

from __future__ import annotations

import shutil
from pathlib import Path

import packkit as kit
import pytest
from typer.testing import CliRunner

from grader.authoring.check import check_pack
from grader.authoring.report import run_pack_tests
from grader.authoring.scaffold import new_criterion
from grader.bundled import default_evidence
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, InputError
from grader.loading.pack import load_pack

runner = CliRunner()


def bundled_copy(tmp_path: Path, pack_dir: Path) -> Path:
    dst = tmp_path / "rules" / "my-pack"
    shutil.copytree(pack_dir, dst)
    shutil.copytree(default_evidence(), tmp_path / "evidence" / default_evidence().name)
    return dst


def test_the_scaffold_loads_and_its_tests_pass_in_the_bundled_pack(tmp_path: Path, pack_dir: Path) -> None:
    pack = bundled_copy(tmp_path, pack_dir)
    made = new_criterion(pack, "PRE-08", "prevention")
    assert made.criterion_file == pack / "criteria" / "PRE-08.yaml"
    assert made.test_file == pack / "tests" / "PRE-08.yaml"
    crit = load_pack(pack).pack.criterion("PRE-08")
    assert crit.pillar == "prevention" and [r.outcome for r in crit.rules] == ["fails", "meets"]
    summary = run_pack_tests(pack)
    mine = [r for r in summary.results if r.file.endswith("PRE-08.yaml")]
    assert len(mine) == 3 and all(r.passed for r in mine), [r.failures for r in mine]
    assert summary.failed == 0
    assert summary.coverage.rules_missed == []
    problems = check_pack(pack)
    assert [p for p in problems if p.severity == "error"] == []
    todo = [p for p in problems if p.code in ("LINT-090", "LINT-091")]
    assert {p.field for p in todo} == {"title", "standard", "source.section", "rules[0].when.some.all[1]",
                                       "rules[1].when.some.all[1]"}
    assert all(p.file.endswith("PRE-08.yaml") for p in todo)
    assert not list(pack.rglob("*.tmp")), "atomic writes leave no temporary files"


def test_the_schema_line_is_written_for_a_pack_in_the_checkout(tmp_path: Path, pack_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.authoring import scaffold

    outside = bundled_copy(tmp_path / "elsewhere", pack_dir)
    text = new_criterion(outside, "PRE-08", "prevention").criterion_file.read_text(encoding="utf-8")
    assert "yaml-language-server" not in text, "no machine-specific path outside a checkout"
    # a checkout laid out like this repository: <root>/grader/schemas and <root>/rules/<pack>
    schema = tmp_path / "checkout" / "grader" / "schemas" / "criterion.schema.json"
    schema.parent.mkdir(parents=True)
    schema.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(scaffold, "SCHEMA_FILE", schema)
    inside = bundled_copy(tmp_path / "checkout", pack_dir)
    text = new_criterion(inside, "PRE-08", "prevention").criterion_file.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../../grader/schemas/criterion.schema.json"
    bundled_line = (pack_dir / "criteria" / "INT-01.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert text.splitlines()[0] == bundled_line


def test_outcomes_come_from_the_pack_scale(tmp_path: Path) -> None:
    scale = [{"id": g, "label": g.title()} for g in ("outstanding", "good", "adequate", "inadequate")]
    policy = {
        "adverse": ["inadequate", "insufficient-evidence"],
        "mitigated_as": "adequate",
        "pillar": {"rules": [
            {"grade": "inadequate", "when": {"count": {"outcome": ["inadequate", "insufficient-evidence"]},
                                             "at_least": 1}, "because": "A gap."},
            {"grade": "outstanding", "when": {"count": {"outcome": ["outstanding"]}, "at_least_fraction": 1.0},
             "because": "All outstanding."},
            {"grade": "good", "when": {"count": {"outcome": ["outstanding", "good"]}, "at_least_fraction": 0.5},
             "because": "Mostly good."},
            {"grade": "adequate", "because": "Adequate."}]},
        "overall": {"rules": [{"grade": "adequate", "because": "Adequate."}]},
    }
    rules = [kit.rule("gap", "inadequate", {"some": {"fact": "flag", "equals": False}}),
             kit.rule("ok", "good", {"some": {"fact": "flag", "equals": True}})]
    pack = kit.write_pack(tmp_path, [kit.criterion("S-01", rules, pillar="alpha")], scale=scale, policy=policy,
                          settings={}, pillars=("alpha",))
    new_criterion(pack, "S-02", "alpha")
    crit = load_pack(pack).pack.criterion("S-02")
    assert [r.outcome for r in crit.rules] == ["inadequate", "adequate"]
    summary = run_pack_tests(pack)
    assert summary.failed == 0 and len(summary.results) == 3


def test_nothing_is_overwritten_without_force(tmp_path: Path, pack_dir: Path) -> None:
    pack = bundled_copy(tmp_path, pack_dir)
    new_criterion(pack, "PRE-08", "prevention")
    crit_file = pack / "criteria" / "PRE-08.yaml"
    crit_file.write_text(crit_file.read_text(encoding="utf-8").replace("TODO the criterion in a few words",
                                                                       "Osman warnings"), encoding="utf-8")
    mine = crit_file.read_text(encoding="utf-8")
    with pytest.raises(InputError) as exc:
        new_criterion(pack, "PRE-08", "prevention")
    assert [p.code for p in exc.value.problems] == ["OUT-001", "OUT-001"]
    assert crit_file.read_text(encoding="utf-8") == mine
    # only the test file exists: still nothing is written
    (pack / "criteria" / "PRE-09.yaml").unlink(missing_ok=True)
    (pack / "tests" / "PRE-09.yaml").write_text("cases: []\n", encoding="utf-8")
    with pytest.raises(InputError):
        new_criterion(pack, "PRE-09", "prevention")
    assert not (pack / "criteria" / "PRE-09.yaml").exists()
    new_criterion(pack, "PRE-08", "prevention", force=True)
    assert "TODO the criterion in a few words" in crit_file.read_text(encoding="utf-8")


@pytest.mark.parametrize(("cid", "pillar", "code", "words"), [
    ("pre-08", "prevention", "NEW-001", "is not a criterion id"),
    ("PRE/08", "prevention", "NEW-001", "is not a criterion id"),
    ("PRE-08", "prevntion", "NEW-002", "did you mean 'prevention'?"),
])
def test_bad_names_write_nothing(tmp_path: Path, pack_dir: Path, cid: str, pillar: str, code: str,
                                 words: str) -> None:
    pack = bundled_copy(tmp_path, pack_dir)
    before = sorted(p.name for p in pack.rglob("*"))
    with pytest.raises(InputError) as exc:
        new_criterion(pack, cid, pillar)
    [problem] = exc.value.problems
    assert problem.code == code and words in problem.message
    assert sorted(p.name for p in pack.rglob("*")) == before


def test_the_command(tmp_path: Path, pack_dir: Path) -> None:
    pack = bundled_copy(tmp_path, pack_dir)
    res = runner.invoke(app, ["rules", "new", "PRE-08", "--pillar", "prevention", "--pack", str(pack)])
    assert res.exit_code == 0, res.output
    assert "created" in res.output and "PRE-08.yaml" in res.output
    res = runner.invoke(app, ["rules", "new", "PRE-08", "--pillar", "prevention", "--pack", str(pack)])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "OUT-001 file exists; use --force to replace it" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["rules", "new", "PRE-08", "--pillar", "prevention", "--pack", str(pack), "--force"])
    assert res.exit_code == 0
    res = runner.invoke(app, ["rules", "new", "PRE-08", "--pillar", "prevention", "--pack", str(tmp_path)])
    assert res.exit_code == EXIT_INPUT_ERROR and "PACK-001" in res.output


def test_without_pack_outside_a_pack_it_names_pack_and_how_to_copy_the_bundled(
        tmp_path: Path, pack_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    bundled = sorted(str(p) for p in pack_dir.rglob("*"))
    res = runner.invoke(app, ["rules", "new", "PRE-08", "--pillar", "prevention"])
    assert res.exit_code == 2, res.output  # a usage error: the option was needed
    lines = res.output.splitlines()
    assert lines[0] == "grader rules new: the current folder is not a rule pack (it has no pack.yaml)."
    assert "--pack DIR" in lines[1]
    assert f"  cp -r {pack_dir} my-pack" in lines
    assert "  grader rules new PRE-08 --pillar prevention --pack my-pack" in lines
    assert all(len(line) <= 80 for line in lines if "cp -r" not in line)
    assert list(tmp_path.iterdir()) == [] and sorted(str(p) for p in pack_dir.rglob("*")) == bundled


def test_without_pack_inside_a_pack_it_adds_to_that_pack(tmp_path: Path, pack_dir: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.authoring.scaffold import NoPackHere, pack_to_extend

    pack = bundled_copy(tmp_path, pack_dir)
    monkeypatch.chdir(pack)
    res = runner.invoke(app, ["rules", "new", "PRE-08", "--pillar", "prevention"])
    assert res.exit_code == 0, res.output
    assert (pack / "criteria" / "PRE-08.yaml").is_file() and (pack / "tests" / "PRE-08.yaml").is_file()
    assert pack_to_extend(None, "PRE-08", "prevention", cwd=pack) == pack
    assert pack_to_extend(tmp_path / "x", "PRE-08", "prevention", cwd=tmp_path) == tmp_path / "x"
    with pytest.raises(NoPackHere):
        pack_to_extend(None, "PRE-08", "prevention", cwd=pack / "criteria")
