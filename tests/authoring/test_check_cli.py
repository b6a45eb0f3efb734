"""``grader rules check`` on broken packs: each kind of mistake gives located lines, no traceback,
and the documented exit code. Driven in-process with typer's runner."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import packkit as kit
import pytest
from typer.testing import CliRunner

from grader.bundled import default_evidence
from grader.cli import app
from grader.errors import EXIT_TEST_FAILED

runner = CliRunner()
LOCATED = re.compile(r"^(?P<file>[^:]+\.yaml):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+-\d+) (?P<msg>.*)$")


def pack_copy(tmp_path: Path, pack_dir: Path) -> Path:
    """A copy of the bundled pack beside a copy of the evidence its tests refer to."""
    dst = tmp_path / "rules" / "my-pack"
    shutil.copytree(pack_dir, dst)
    shutil.copytree(default_evidence(), tmp_path / "evidence" / default_evidence().name)
    return dst


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` by ``new``; return the line where ``new`` ends."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    at = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return (text[:at] + new).count("\n") + 1


def run_check(*args: str) -> tuple[int, list[re.Match[str]], str]:
    res = runner.invoke(app, ["rules", "check", *args])
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    located = [m for m in map(LOCATED.match, res.output.splitlines()) if m]
    return res.exit_code, located, res.output


# (file to edit, text, replacement, code expected, words expected in the message)
MISTAKES = {
    "bad YAML: an unclosed bracket": (
        "criteria/INT-03.yaml", "pillar: intelligence", "pillar: [intelligence", "YAML", ""),
    "bad YAML: a tab for indentation": (
        "criteria/INT-03.yaml", "\nrules:\n", "\nrules:\n\t", "YAML", ""),
    "bad YAML: a key written twice": (
        "criteria/INT-03.yaml", "significant: true", "significant: true\nsignificant: false", "YAML", "duplicate key"),
    "wrong type: significant as text": (
        "criteria/INT-03.yaml", "significant: true", "significant: 'yes'", "CRIT-003", "boolean"),
    "wrong type: a yes/no fact compared with text": (
        "criteria/INT-01.yaml", "{fact: mcu_dedicated_analyst, equals: false}",
        "{fact: mcu_dedicated_analyst, equals: 'false'}", "RULE-118", "bool"),
    "wrong type: a count that is not a number": (
        "pack.yaml", "significant_gaps_for_fail: 2", "significant_gaps_for_fail: two", "PACK-003", ""),
    "unknown name: a misspelt fact": (
        "criteria/INT-01.yaml", "{fact: mcu_dedicated_analyst, equals: false}",
        "{fact: mcu_dedicated_analysts, equals: false}", "RULE-108", "did you mean 'mcu_dedicated_analyst'?"),
    "unknown name: a misspelt pillar": (
        "criteria/INT-03.yaml", "pillar: intelligence", "pillar: inteligence", "CRIT-005",
        "did you mean 'intelligence'?"),
    "unknown name: a misspelt kind": (
        "criteria/INT-01.yaml", "{kind: [strength, work-in-progress]}", "{kind: [strength, work-in-progres]}",
        "RULE-110", "did you mean 'work-in-progress'?"),
    "unknown name: a misspelt operator": (
        "criteria/INT-01.yaml", "{fact: mcu_dedicated_analyst, equals: false}",
        "{fact: mcu_dedicated_analyst, equal: false}", "RULE-105", "did you mean 'equals'?"),
    "unknown name: a misspelt outcome": (
        "criteria/INT-01.yaml", "outcome: meets", "outcome: meet", "CRIT-006", "did you mean 'meets'?"),
    "unknown name: a misspelt setting in the policy": (
        "pack.yaml", "at_least: significant_gaps_for_fail", "at_least: significant_gap_for_fail", "POL-108",
        "did you mean 'significant_gaps_for_fail'?"),
    "unknown name: a clause the 'because' names": (
        "criteria/INT-01.yaml", "({analyst})", "({analysts})", "RULE-150", "did you mean 'analyst'?"),
    "unknown name: a test expects a rule the criterion lacks": (
        "tests/INT-01.yaml", "rule: dedicated-capacity", "rule: dedicated-capacities", "LINT-011",
        "did you mean 'dedicated-capacity'?"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_kind_of_mistake_is_located(tmp_path: Path, pack_dir: Path, mistake: str) -> None:
    rel, old, new, code, words = MISTAKES[mistake]
    pack = pack_copy(tmp_path, pack_dir)
    edited = edit(pack / rel, old, new)
    exit_code, located, output = run_check(str(pack))
    assert exit_code == EXIT_TEST_FAILED, output
    hits = [m for m in located if m["code"].startswith(code) and m["file"].endswith(rel)]
    assert hits, output
    assert words in hits[0]["msg"]
    # the line named is the line edited, or the line of the key it belongs to
    assert edited - 3 <= int(hits[0]["line"]) <= edited + 1, (edited, hits[0].group(0))


def test_a_band_gap_is_a_warning_unless_strict(tmp_path: Path) -> None:
    rules = [kit.rule("too-few", "fails", {"name": "few", "some": {"fact": "count", "lt": 3}}, "Few ({few})."),
             kit.rule("enough", "meets", {"name": "many", "some": {"fact": "count", "gt": 3}}, "Many ({many})."),
             ]
    ok = [kit.rule("gap", "fails", {"some": {"fact": "flag", "equals": False}}),
          kit.rule("fine", "meets", {"some": {"fact": "flag", "equals": True}})]
    root = kit.write_pack(tmp_path, [kit.criterion("T-01", rules), kit.criterion("T-02", ok)], pillars=("alpha",),
                          uplifts=[kit.UPLIFT3])
    exit_code, located, output = run_check(str(root))
    assert exit_code == 0, output
    [gap] = [m for m in located if m["code"] == "LINT-070"]
    assert gap["file"].endswith("criteria/T-01.yaml")
    assert "fact count 3 is covered by no rule of T-01" in gap["msg"] and gap["msg"].endswith("(warning)")
    assert "0 errors" in output
    strict_code, _, _ = run_check(str(root), "--strict")
    assert strict_code == EXIT_TEST_FAILED


def test_json_output_for_ci(tmp_path: Path, pack_dir: Path) -> None:
    pack = pack_copy(tmp_path, pack_dir)
    edit(pack / "criteria" / "INT-01.yaml", "outcome: meets", "outcome: meet")
    res = runner.invoke(app, ["rules", "check", str(pack), "--format", "json"])
    assert res.exit_code == EXIT_TEST_FAILED
    problems = json.loads(res.output)
    [p] = [p for p in problems if p["code"] == "CRIT-006"]
    assert p["file"].endswith("INT-01.yaml") and p["line"] and p["column"] and p["severity"] == "error"
    assert p["field"] == "rules[2].outcome"


def test_a_missing_pack_folder(tmp_path: Path) -> None:
    res = runner.invoke(app, ["rules", "check", str(tmp_path / "nope")])
    assert res.exit_code == EXIT_TEST_FAILED
    assert "PACK-001 rule pack folder not found" in res.output and "Traceback" not in res.output


def test_the_bundled_pack_passes(pack_dir: Path) -> None:
    exit_code, located, output = run_check(str(pack_dir))
    assert exit_code == 0
    # every fact of its catalogue is tested by some rule (issue 16): nothing to list
    assert located == []
    assert output.rstrip().splitlines()[-1] == "0 errors, 0 warnings"
    assert run_check(str(pack_dir), "--strict", "--notes")[0] == 0


def test_a_fact_no_rule_tests_fails_the_strict_check(tmp_path: Path, pack_dir: Path) -> None:
    pack = pack_copy(tmp_path, pack_dir)
    edit(pack / "facts" / "common.yaml", "facts:\n",
         "facts:\n  decoration:\n    type: bool\n    description: Recorded, weighed by no rule.\n")
    line = (pack / "facts" / "common.yaml").read_text(encoding="utf-8").splitlines().index("  decoration:") + 1
    exit_code, located, output = run_check(str(pack))
    assert exit_code == 0
    assert [(m["code"], int(m["line"])) for m in located] == [("LINT-080", line)]
    assert "fact 'decoration' is declared but no rule tests it" in located[0]["msg"]
    assert located[0]["msg"].endswith("(warning)")
    assert output.rstrip().splitlines()[-1] == "0 errors, 1 warnings"
    assert run_check(str(pack), "--strict")[0] == EXIT_TEST_FAILED
    problems = json.loads(runner.invoke(app, ["rules", "check", str(pack), "--format", "json"]).output)
    assert [(p["code"], p["severity"]) for p in problems] == [("LINT-080", "warning")]
