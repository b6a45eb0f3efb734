"""The CLI, driven in-process with typer's runner (a subprocess only where an installed copy is faked)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import grader
from grader import __version__
from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR

runner = CliRunner()


def test_version() -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    first, pack, evidence, how = res.output.strip().splitlines()
    assert first == f"grader {__version__}"
    from grader.bundled import default_evidence, default_pack

    assert (pack, evidence) == (f"bundled pack: {default_pack()}", f"bundled evidence: {default_evidence()}")
    assert how == "(the source checkout's: edits there take effect)"  # the tests run from a checkout


def test_version_says_an_installed_pack_is_a_copy(tmp_path: Path) -> None:
    """After ``pip install .`` editing rules/ in the checkout changes nothing: --version says so."""
    import subprocess
    import sys

    shutil.copytree(Path(grader.__file__).parent, tmp_path / "grader",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "grader" / "_bundled" / "rules").mkdir(parents=True)
    out = subprocess.run([sys.executable, "-m", "grader", "--version"], cwd=tmp_path, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)}, check=True).stdout
    assert f"bundled pack: {tmp_path / 'grader' / '_bundled' / 'rules' / 'acpo-major-crime-2008'}" in out
    assert "installed with grader: to change the pack, copy it and pass the copy with --rules" in out


def test_grade_default_prints_the_derbyshire_grades() -> None:
    res = runner.invoke(app, ["grade"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "Derbyshire Constabulary" in res.output
    assert "Overall: Meets the standard" in res.output
    for pillar in ("Intelligence", "Prevention", "Enforcement", "Performance management and resilience"):
        assert pillar in res.output
    assert "ENF-02" in res.output and "assessed fails" in res.output


def test_grade_json_and_out_file_are_identical(tmp_path: Path) -> None:
    res = runner.invoke(app, ["grade", "--format", "json"])
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["overall"]["grade"] == "meets"
    out = tmp_path / "result.json"
    res2 = runner.invoke(app, ["grade", "--format", "json", "--out", str(out)])
    assert res2.exit_code == 0
    assert out.read_text(encoding="utf-8") == res.output


def _broken_copy(tmp_path: Path, evidence_dir: Path, old: str, new: str) -> Path:
    dst = tmp_path / "set"
    shutil.copytree(evidence_dir, dst)
    path = dst / "items" / "enforcement.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return dst


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("kind: strength", "kind: strenght", "Input should be"),
        ("verified: true", "verified: yes", "valid boolean"),
        ("criteria: [ENF-01]", "criteria: [ENF-10]", "did you mean 'ENF-0"),
    ],
)
def test_bad_evidence_gives_a_located_line_and_the_input_exit_code(
    tmp_path: Path, evidence_dir: Path, old: str, new: str, expected: str
) -> None:
    broken = _broken_copy(tmp_path, evidence_dir, old, new)
    out = tmp_path / "result.json"
    res = runner.invoke(app, ["grade", str(broken), "--out", str(out)])
    assert res.exit_code == EXIT_INPUT_ERROR
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert lines, "no error printed"
    first = lines[0]
    assert first.startswith(str(broken / "items" / "enforcement.yaml").lstrip("/")) or "enforcement.yaml:" in first
    assert expected in res.output
    assert "Traceback" not in res.output
    assert not out.exists(), "a failed run must not write a result"


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    res = runner.invoke(app, ["grade", str(tmp_path / "nope")])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "evidence set folder not found" in res.output


def test_rules_check_and_test_pass_on_the_bundled_pack(tmp_path: Path) -> None:
    res = runner.invoke(app, ["rules", "check"])
    assert res.exit_code == 0, res.output
    assert "0 errors" in res.output
    junit = tmp_path / "junit.xml"
    res = runner.invoke(app, ["rules", "test", "--junit", str(junit)])
    assert res.exit_code == 0, res.output
    assert " 0 failed" in res.output
    assert "<testsuite" in junit.read_text(encoding="utf-8")


def test_rules_check_reports_a_broken_pack(tmp_path: Path, pack_dir: Path) -> None:
    dst = tmp_path / "pack"
    shutil.copytree(pack_dir, dst)
    crit = dst / "criteria" / "INT-01.yaml"
    crit.write_text(crit.read_text(encoding="utf-8").replace("outcome: meets", "outcome: meet", 1), encoding="utf-8")
    res = runner.invoke(app, ["rules", "check", str(dst)])
    assert res.exit_code == EXIT_INPUT_ERROR or res.exit_code == 1
    assert "INT-01.yaml:" in res.output and "unknown outcome 'meet'" in res.output
    assert "did you mean 'meets'" in res.output


@pytest.mark.parametrize("criterion", ["INT-01", "PRE-05", "ENF-02", "PMR-01"])
def test_explain_names_the_evidence_behind_the_outcome(criterion: str, derbyshire) -> None:
    res = runner.invoke(app, ["explain", criterion])
    assert res.exit_code == 0, res.output
    finding = derbyshire.criterion(criterion)
    assert f"Outcome: {finding.outcome}" in res.output
    for eid in finding.evidence:
        assert eid in res.output


def test_explain_unknown_criterion_suggests() -> None:
    res = runner.invoke(app, ["explain", "INT-1"])
    assert res.exit_code == EXIT_INPUT_ERROR
    assert "did you mean" in res.output


def test_schema_result_is_json_schema() -> None:
    res = runner.invoke(app, ["schema", "result"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert schema["title"] == "GradingResult"


def test_output_files_get_the_usual_permissions(tmp_path: Path) -> None:
    import os

    from grader.outputs import write_atomic

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "out.json", "{}\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left behind


def test_a_framework_mismatch_is_graded_with_a_warning(tmp_path: Path, evidence_dir: Path) -> None:
    dst = tmp_path / "set"
    shutil.copytree(evidence_dir, dst)
    manifest = dst / "evidence-set.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "framework: acpo-major-crime-2008", "framework: acpo-major-crime-2009"), encoding="utf-8")
    res = runner.invoke(app, ["grade", str(dst)], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "EVID-020" in res.output and "acpo-major-crime-2009" in res.output
    data = json.loads(runner.invoke(app, ["grade", str(dst), "--format", "json"]).output)
    assert any("EVID-020" in w for w in data["warnings"])


def test_evidence_check_defaults_to_the_bundled_set_like_every_reading_command() -> None:
    res = runner.invoke(app, ["evidence", "check", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["counts"]["error"] == 0 and sum(row["items"] for row in data["summary"]) == 189
