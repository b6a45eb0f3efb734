"""``--out -`` writes to standard output; a file ``--out`` confirms on stderr in one line;
``--quiet`` silences confirmations, progress, warnings and notes, never errors or exit codes;
``evidence check --format json`` (issue 11)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app

runner = CliRunner()


def _run(args: list[str], code: int = 0):  # type: ignore[no-untyped-def]
    res = runner.invoke(app, args, env={"COLUMNS": "80", "NO_COLOR": None})
    assert res.exit_code == code, (res.exit_code, res.output)
    assert "Traceback" not in res.output
    return res


@pytest.fixture()
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so that a file named '-' would be seen."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("args", [["report"], ["report", "--format", "html"], ["grade"],
                                  ["export", "oscal"], ["export", "oscal-catalog"]])
def test_out_dash_is_standard_output(args: list[str], cwd: Path) -> None:
    piped = _run([*args, "--out", "-"])
    assert not (cwd / "-").exists() and list(cwd.iterdir()) == []
    assert piped.stderr == ""
    written = _run([*args, "--out", "x.out"])
    assert piped.stdout == (cwd / "x.out").read_text(encoding="utf-8")
    if args == ["report"]:
        assert piped.stdout == _run(["report"]).stdout  # as without --out
    if args == ["grade"]:
        assert piped.stdout == _run(["grade", "--format", "json"]).stdout  # the JSON result, never the table
        json.loads(piped.stdout)
    assert written.stdout == ("" if args[0] != "grade" else written.stdout)


@pytest.mark.parametrize(("args", "line"), [
    (["report"], "Wrote x.out (the report in Markdown, for the public)"),
    (["report", "-f", "html", "-a", "force"], "Wrote x.out (the report in HTML, for the force and its police authority)"),
    (["grade", "--format", "json"], "Wrote x.out (the JSON result)"),
    (["grade", "--audience", "public"], "Wrote x.out (the JSON result, for the public)"),
    (["export", "oscal"], "Wrote x.out (OSCAL assessment results, for the public)"),
    (["export", "oscal-catalog"], "Wrote x.out (an OSCAL catalog)"),
])
def test_a_file_out_confirms_in_one_line_on_stderr(args: list[str], line: str, cwd: Path) -> None:
    res = _run([*args, "--out", "x.out"])
    assert res.stderr == line + "\n"
    assert (cwd / "x.out").stat().st_size > 0
    if args[0] != "grade" or "json" in args:
        assert res.stdout == ""  # stdout stays clean for pipes
    quiet = _run([*args, "--out", "x.out", "--quiet"])
    assert quiet.stderr == "" and quiet.stdout == res.stdout
    assert [p.name for p in cwd.iterdir()] == ["x.out"]  # atomic: no temporary left


def test_rules_test_junit_confirms_and_refuses_dash(cwd: Path) -> None:
    res = _run(["rules", "test", "--junit", "j.xml"])
    assert res.stderr == "Wrote j.xml (a JUnit report)\n"
    assert _run(["rules", "test", "--junit", "j.xml", "-q"]).stderr == ""


@pytest.mark.parametrize(("args", "option"), [
    (["rules", "test", "--junit", "-"], "--junit"),
    (["evidence", "template", "--xlsx", "-"], "--xlsx"),
    (["evidence", "import-report", "report.txt", "--out", "-"], "--out"),
    (["grade", "a", "b", "--out", "-"], "--out"),
])
def test_dash_is_refused_where_a_folder_or_workbook_is_written(args: list[str], option: str, cwd: Path) -> None:
    (cwd / "report.txt").write_text("Derbyshire Constabulary\n", encoding="utf-8")
    for name in ("a", "b"):
        shutil.copytree(Path(__file__).parent.parent / "evidence" / "derbyshire-2008", cwd / name)
    res = _run(args, code=2)
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and f"{option} - (standard output) cannot be used here" in lines[0], res.stderr
    assert not (cwd / "-").exists()


def test_evidence_template_confirms(cwd: Path) -> None:
    assert _run(["evidence", "template", "--xlsx", "c.xlsx"]).stderr == "Wrote c.xlsx (a capture workbook)\n"
    assert _run(["evidence", "template", "--xlsx", "d.xlsx", "-q"]).stderr == ""


def _unverified_copy(tmp_path: Path, evidence_dir: Path, broken: bool = False) -> Path:
    dst = tmp_path / "set"
    shutil.copytree(evidence_dir, dst)
    path = dst / "items" / "enforcement.yaml"
    text = path.read_text(encoding="utf-8").replace("verified: true", "verified: false", 1)
    if broken:
        text = text.replace("kind: strength", "kind: strenght", 1)
    path.write_text(text, encoding="utf-8")
    return dst


def test_quiet_checks_print_only_what_fails(tmp_path: Path, evidence_dir: Path) -> None:
    # The bundled set has notes only; the pack is clean: quiet prints nothing, exit 0.
    assert _run(["evidence", "check", str(evidence_dir), "-q"]).output == ""
    assert _run(["rules", "check", "-q"]).output == ""
    # One unverified item is a warning: shown without --quiet, silent with it unless --strict.
    warned = _unverified_copy(tmp_path, evidence_dir)
    loud = _run(["evidence", "check", str(warned)])
    warnings = [line for line in loud.stdout.splitlines() if line.endswith("(warning)")]
    assert "EVID-030" in loud.stdout and f"0 errors, {len(warnings)} warnings" in loud.stdout
    assert _run(["evidence", "check", str(warned), "--quiet"]).output == ""
    strict = _run(["evidence", "check", str(warned), "--quiet", "--strict"], code=1)
    assert strict.stdout.splitlines() == warnings and strict.stderr == ""
    # An error always prints, with the same exit code.
    shutil.rmtree(warned)
    broken = _unverified_copy(tmp_path, evidence_dir, broken=True)
    loud_code = runner.invoke(app, ["evidence", "check", str(broken)]).exit_code
    quiet = runner.invoke(app, ["evidence", "check", str(broken), "-q"])
    assert quiet.exit_code == loud_code != 0
    assert "strenght" in quiet.output and "EVID-030" not in quiet.output and "errors" not in quiet.output


def test_quiet_signoff_and_batch(tmp_path: Path, evidence_dir: Path) -> None:
    dst = tmp_path / "forces" / "derbyshire"
    shutil.copytree(evidence_dir, dst)
    res = _run(["signoff", str(dst), "--by", "A. Inspector", "--role", "Lead", "--date", "2008-07-30", "-q"])
    assert res.output == ""
    assert "A. Inspector" in (dst / "signoffs.yaml").read_text(encoding="utf-8")
    (tmp_path / "forces" / "notes.txt").write_text("not a set\n", encoding="utf-8")
    loud = _run(["grade", str(tmp_path / "forces")])
    assert "BATCH-001" in loud.stderr
    quiet = _run(["grade", str(tmp_path / "forces"), "-q"])
    assert quiet.stderr == "" and quiet.stdout == loud.stdout


def test_evidence_check_json(tmp_path: Path, evidence_dir: Path) -> None:
    data = json.loads(_run(["evidence", "check", str(evidence_dir), "--format", "json"]).stdout)
    text = _run(["evidence", "check", str(evidence_dir), "--notes"]).stdout
    assert data["counts"] == {"error": 0, "warning": 0, "note": 6}
    assert [p["code"] for p in data["problems"]] == ["EVID-032"] * 6
    for p in data["problems"]:
        assert f"{p['file']}:{p['line']}:{p['column']}: {p['code']} {p['message']}" in " ".join(text.split())
    assert [r["pillar"] for r in data["summary"]] == ["intelligence", "prevention", "enforcement",
                                                    "performance-and-resilience"]
    assert sum(r["items"] for r in data["summary"]) == sum(
        1 for f in (evidence_dir / "items").glob("*.yaml") for line in f.read_text(encoding="utf-8").splitlines()
        if line.startswith("  - id: "))
    broken = _unverified_copy(tmp_path, evidence_dir, broken=True)
    res = runner.invoke(app, ["evidence", "check", str(broken), "--format", "json"])
    assert res.exit_code != 0
    bad = json.loads(res.stdout)
    assert bad["counts"]["error"] >= 1 and bad["summary"] is None
    assert any("strenght" in p["message"] for p in bad["problems"])
