"""Messages, second round (issue 11): every mistake in one run, in words an inspector can act on."""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.authoring.evidence_check import check_evidence
from grader.cli import app
from grader.loading.evidence import load_evidence

sys.path.insert(0, str(Path(__file__).parent / "evidence"))

import evkit  # noqa: E402

runner = CliRunner()


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.fixture
def set_copy(tmp_path: Path, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(evidence_dir, tmp_path / "set")
    return Path("set")


@pytest.fixture
def csv_set(tmp_path: Path, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four intelligence items as items.csv, the manifest beside it."""
    monkeypatch.chdir(tmp_path)
    curated = load_evidence(evidence_dir).evidence
    (tmp_path / "evidence-set.yaml").write_text(evkit.manifest_yaml(curated), encoding="utf-8")
    items = [i for i in curated.items if i.id.startswith("INT-01-")][:4]
    return evkit.write_csv(items, tmp_path / "items.csv")


def _set_cell(path: Path, line: int, column: str, value: str) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[line - 1][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


# --- evidence check: every layer in one run ------------------------------------------------------


@pytest.mark.parametrize("criterion_line", [2, 3], ids=["same row", "another row"])
def test_a_wrong_date_and_an_unknown_criterion_are_both_reported(csv_set: Path, pack_dir: Path,
                                                                 criterion_line: int) -> None:
    _set_cell(csv_set, 2, "collected", "01/07/2008")
    _set_cell(csv_set, criterion_line, "criterion", "INT-1O")
    errors = [p.line_text() for p in check_evidence(csv_set, pack_dir).errors]
    assert ("items.csv:2: EVID-014 Input should be a valid date (found '01/07/2008'): write dates as "
            "YYYY-MM-DD, e.g. 2008-07-01 [collected (column I)]") in errors, errors
    assert any(e.startswith(f"items.csv:{criterion_line}: EVID-022 the pack has no criterion 'INT-1O'; "
                            "did you mean 'INT-10'?") for e in errors), errors


def test_the_cli_prints_both_in_one_run(csv_set: Path) -> None:
    _set_cell(csv_set, 2, "collected", "1 July 2008")
    _set_cell(csv_set, 3, "criterion", "INT-99")
    res = runner.invoke(app, ["evidence", "check", str(csv_set)])
    assert res.exit_code == 1, res.output
    assert "EVID-014" in res.output and "EVID-022 the pack has no criterion 'INT-99'" in res.output


def test_a_rejected_yaml_item_still_has_its_facts_checked(set_copy: Path, pack_dir: Path) -> None:
    intel = set_copy / "items" / "intelligence.yaml"
    _replace(intel, "    facts:\n      mcu_dedicated_analyst: true",
             "    marking: RESTRICTED\n    facts:\n      mcu_dedicated_analist: true")
    report = check_evidence(set_copy, pack_dir)
    codes = sorted({p.code for p in report.errors})
    assert codes == ["EVID-014", "EVID-023"], [p.line_text() for p in report.errors]
    (fact,) = [p for p in report.errors if p.code == "EVID-023"]
    assert "did you mean 'mcu_dedicated_analyst'?" in fact.message
    lines = intel.read_text(encoding="utf-8").splitlines()
    assert "mcu_dedicated_analist" in lines[fact.line - 1]


def test_a_malformed_field_is_reported_once_not_again_by_the_pack_check(csv_set: Path, pack_dir: Path) -> None:
    _set_cell(csv_set, 2, "pillar", "Intelligence")  # breaks the id pattern: the loader says so
    report = check_evidence(csv_set, pack_dir)
    assert [p.code for p in report.errors] == ["EVID-014"], [p.line_text() for p in report.errors]


# --- evidence check: absent evidence is a warning, after the mistakes ----------------------------


def test_absent_evidence_is_a_warning_and_the_set_still_passes(set_copy: Path, pack_dir: Path) -> None:
    """With no enforcement item verified, ENF-01..03 cannot be met: the set still grades, so
    `evidence check` warns and exits 0."""
    _replace(set_copy / "items" / "enforcement.yaml", "  verified: true", "  verified: false", count=-1)
    report = check_evidence(set_copy, pack_dir)
    assert report.errors == []
    unmet = [p for p in report.warnings if p.code == "EVID-031"]
    assert {p.message.split(" ")[0] for p in unmet} == {"ENF-01", "ENF-02", "ENF-03"}
    res = runner.invoke(app, ["evidence", "check", str(set_copy)])
    assert res.exit_code == 0, res.output
    assert "EVID-031" in res.output


def test_mistakes_are_listed_before_warnings(set_copy: Path, pack_dir: Path) -> None:
    _replace(set_copy / "items" / "enforcement.yaml", "  verified: true", "  verified: false", count=-1)
    _replace(set_copy / "items" / "prevention.yaml", "pillar: prevention", "pillar: prevension")
    report = check_evidence(set_copy, pack_dir)
    severities = [p.severity for p in report.problems]
    assert severities.index("warning") > max(i for i, s in enumerate(severities) if s == "error")
    res = runner.invoke(app, ["evidence", "check", str(set_copy)])
    lines = [line for line in res.output.splitlines() if " EVID-0" in line]
    kinds = ["warning" if line.endswith("(warning)") else "error" for line in lines]
    assert "EVID-021" in lines[0] and kinds == sorted(kinds), lines


def test_the_installed_pack_is_named_from_its_own_folder(tmp_path: Path, pack_dir: Path, set_copy: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack installed inside grader (a wheel's site-packages) is never shown by that path."""
    import grader.loading.pack as pack_module

    installed = tmp_path / "site-packages" / "grader" / "_bundled"
    shutil.copytree(pack_dir, installed / "rules" / pack_dir.name)
    monkeypatch.setattr(pack_module, "_INSTALLED", installed.resolve())
    monkeypatch.chdir(tmp_path / "set")  # the installed pack is outside the working folder
    _replace(Path("items/intelligence.yaml"), "specialist_analytical_products: true",
             "specialist_analytical_product: true")
    report = check_evidence(Path("."), installed / "rules" / pack_dir.name)
    (unmet,) = [p for p in report.warnings if p.code == "EVID-031"]
    assert unmet.file == f"{pack_dir.name}/criteria/INT-01.yaml"
    assert all("site-packages" not in p.line_text() for p in report.problems)


# --- authoring messages ---------------------------------------------------------------------------


@pytest.fixture
def pack_copy(tmp_path: Path, pack_dir: Path, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled pack beside a copy of the bundled set (its tests name the set by a
    relative path), the working folder at the pack."""
    shutil.copytree(pack_dir, tmp_path / "rules" / "pack")
    shutil.copytree(evidence_dir, tmp_path / "evidence" / evidence_dir.name)
    monkeypatch.chdir(tmp_path / "rules")
    return Path("pack")


def _check(pack: Path) -> list[str]:
    from grader.authoring.check import check_pack

    return [p.line_text() for p in check_pack(pack) if p.severity != "note"]


OPERATORS = "equals, not_equals, one_of, lt, lte, gt, gte, between, contains, exists, absent"
OUTCOMES = "exceeds, meets, fails, insufficient-evidence, not-applicable"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("{fact: gold_groups_convened, equals: false}", "{fact: gold_groups_convened, is: false}",
     f"pack/criteria/ENF-01.yaml:19:42: RULE-105 unknown operator 'is'; use one of the operators: {OPERATORS} "),
    ("{fact: gold_groups_convened, equals: false}", "{fact: gold_groups_convened, eqals: false}",
     f"RULE-105 unknown operator 'eqals'; did you mean 'equals'? (operators: {OPERATORS})"),
    ("outcome: fails", "outcome: failed",
     f"pack/criteria/ENF-01.yaml:14:14: CRIT-006 unknown outcome 'failed'; did you mean 'fails'? (outcomes: {OUTCOMES})"),
    ("outcome: fails", "outcome: bad",
     f"CRIT-006 unknown outcome 'bad'; use one of the outcomes: {OUTCOMES}"),
    ("outcome: meets", "outcome: Meets",
     "CRIT-003 outcome 'Meets' is not an outcome: outcomes are lower-case ids; "
     f"did you mean 'meets'? (outcomes: {OUTCOMES}) [rules["),
    ("- {kind: strength}", "- {kind: strenght}",
     "RULE-110 unknown kind 'strenght'; did you mean 'strength'? (kinds: strength, work-in-progress, "),
], ids=["operator", "operator-typo", "outcome-typo", "outcome", "outcome-case", "kind"])
def test_unknown_names_list_the_valid_ones(pack_copy: Path, old: str, new: str, expected: str) -> None:
    _replace(pack_copy / "criteria" / "ENF-01.yaml", old, new)
    lines = _check(pack_copy)
    assert len(lines) == 1 and expected in lines[0], lines
    assert "^[a-z]" not in lines[0]  # never a regular expression


ENF01_CASE = "    expect: {outcome: fails, rule: governance-missing}\n"


@pytest.mark.parametrize(("new", "expected"), [
    ("", "pack/tests/ENF-01.yaml:27:5: TEST-004 this case has no 'expect': add 'expect:' saying what grading "
         "should give, e.g. 'expect: {outcome: meets}' [cases[2]]"),
    ("    expct: {outcome: fails}\n", "TEST-004 unknown key 'expct' in a case; did you mean 'expect'? "
                                    "(keys of a case: name, evidence, expect)"),
    ("    expect: {}\n", "pack/tests/ENF-01.yaml:30:13: TEST-005 'expect' is empty: say what grading should give, "
                       "e.g. 'expect: {outcome: meets}' (keys: outcome, assessed, rule, cites, mitigated, concerns)"),
    ("    expect: {outcom: fails}\n", "TEST-006 unknown expectation 'outcom'; did you mean 'outcome'? "
                                    "(expectations: outcome, assessed, rule, cites, mitigated, concerns)"),
], ids=["missing", "misspelt", "empty", "unknown-expectation"])
def test_case_errors_name_the_key(pack_copy: Path, new: str, expected: str) -> None:
    _replace(pack_copy / "tests" / "ENF-01.yaml", ENF01_CASE, new)
    lines = _check(pack_copy)
    assert any(expected in line for line in lines), lines
    assert not any("not a mapping" in line or "is a mapping of expectations" in line for line in lines), lines


def test_a_pack_case_missing_expect_suggests_a_pack_expectation(pack_copy: Path) -> None:
    path = pack_copy / "tests" / "pack.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("    expect:")
    end = text.index("\n  - name:", first) if "\n  - name:" in text[first:] else len(text)
    path.write_text(text[:first] + "    expect: {}" + text[end:], encoding="utf-8")
    lines = _check(pack_copy)
    assert any("TEST-005 'expect' is empty" in line and "'expect: {overall: meets}'" in line
               and "(keys: overall, assessed_overall, pillars, criteria)" in line for line in lines), lines


def test_rules_check_finds_a_misspelt_fact_in_test_evidence(pack_copy: Path) -> None:
    _replace(pack_copy / "tests" / "ENF-01.yaml", "facts: {pa_members_vetted: false}", "facts: {pa_members_veted: false}")
    res = runner.invoke(app, ["rules", "check", str(pack_copy)])
    assert res.exit_code == 1, res.output
    assert ("pack/tests/ENF-01.yaml:29:54: EVID-023 fact 'pa_members_veted' is not in the pack's fact catalogue; "
            "did you mean 'pa_members_vetted'?") in res.output


@pytest.mark.parametrize(("old", "new", "at", "words"), [
    # a key indented one space too far: blamed at its own line, with the column it should start at
    ("    outcome: fails\n", "     outcome: fails\n", "pack/criteria/ENF-01.yaml:14:6:",
     "wrong indentation: 'outcome:' starts at column 6, further right than 'id:' on line 13 (column 5)"),
    # a value written level with its key: PyYAML fails on the next line; the message names this one
    ("    expect:\n      outcome: fails\n", "    expect:\n    outcome: fails\n", "pack/tests/ENF-01.yaml:24:5:",
     "wrong indentation: 'outcome:' is level with 'expect:' on line 23, which ends with ':'"),
    # a key that lines up with nothing
    ("cases:\n", "cases:\n", None, None),
], ids=["over-indented", "under-indented-value", "unchanged"])
def test_indentation_mistakes_are_named_at_their_line(pack_copy: Path, old: str, new: str, at: str | None,
                                                      words: str | None) -> None:
    target = pack_copy / ("criteria" if "criteria" in (at or "") else "tests") / "ENF-01.yaml"
    _replace(target, old, new)
    lines = _check(pack_copy)
    if at is None:
        assert lines == []
        return
    assert len(lines) == 1 and lines[0].startswith(f"{at} YAML-001 invalid YAML: {words}"), lines
    assert "indent" in lines[0]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("items:\n  - id: x\n    kind: strength\n   - id: y\n", 4, "'- id:' starts at column 4, which lines up with nothing"),
    ("a: 1\nb\nc: 2\n", 2, "'b' has no ':' after its key"),
    ("items:\n\t- id: x\n", 2, "indent with spaces, not tabs"),
])
def test_yaml_syntax_errors_say_what_to_do(tmp_path: Path, text: str, line: int, words: str) -> None:
    from grader.errors import InputError
    from grader.loading.yamlsrc import load_yaml

    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_yaml(path, "f.yaml")
    (p,) = exc.value.problems
    assert p.line == line and words in p.message, p.line_text()
