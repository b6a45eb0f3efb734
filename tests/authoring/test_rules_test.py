"""``grader rules test``: failures in full, coverage in an inspector's words, ``-k``, ``--quiet``,
``--verbose`` and a JUnit report that stays valid XML, on copies of the bundled pack."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.authoring.report import NothingSelected, render_test_report, run_pack_tests
from grader.authoring.testing import shorten
from grader.bundled import default_evidence
from grader.cli import app
from grader.errors import EXIT_TEST_FAILED

runner = CliRunner()

#: tests/ENF-01.yaml cut to its one case with no evidence: every rule but `otherwise` goes untried.
ONLY_EMPTY = """criterion: ENF-01
cases:
  - name: no evidence is insufficient evidence
    evidence: []
    expect: {outcome: insufficient-evidence}
"""


@pytest.fixture
def pack(tmp_path: Path, pack_dir: Path) -> Path:
    """A copy of the bundled pack beside the Derbyshire set, as its tests expect (../../../evidence)."""
    dst = tmp_path / "rules" / "my-pack"
    shutil.copytree(pack_dir, dst)
    shutil.copytree(default_evidence(), tmp_path / "evidence" / default_evidence().name)
    return dst


def _invoke(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["rules", "test", *args], env={"COLUMNS": "200"})
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def _break_a_case(pack: Path) -> None:
    """ENF-01's first case now expects `fails` where the rules give `meets`."""
    path = pack / "tests" / "ENF-01.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    expect:\n      outcome: meets", "    expect:\n      outcome: fails", 1),
                    encoding="utf-8")


def test_a_passing_pack_prints_coverage_and_totals_but_no_line_per_case() -> None:
    code, out = _invoke()
    assert code == 0, out
    assert "PASSED" not in out
    assert out.splitlines() == ["coverage: 119/119 rules held in some case, 177/177 clauses matched an item",
                                "290 passed, 0 failed"]


def test_verbose_lists_every_case() -> None:
    code, out = _invoke("--verbose", "-k", "ENF-01")
    assert code == 0, out
    passed = [line for line in out.splitlines() if line.startswith("PASSED ENF-01::")]
    assert len(passed) == 14
    assert "PASSED ENF-01::unvetted police authority members fail" in out


def test_a_failure_says_what_was_expected_what_came_out_and_which_rule(pack: Path) -> None:
    _break_a_case(pack)
    code, out = _invoke(str(pack))
    assert code == EXIT_TEST_FAILED
    lines = out.splitlines()
    head = lines.index("FAILED ENF-01::gold groups with community advice, authority scrutiny and vetted members "
                       "meet the standard")
    assert lines[head + 1].endswith("tests/ENF-01.yaml:6: outcome: expected 'fails', got 'meets'")
    assert "why: decided by rules/effective-governance: Gold groups are convened" in lines[head + 2]
    assert "PASSED" not in out
    assert lines[-1] == "289 passed, 1 failed"


def test_quiet_prints_the_failures_and_one_line(pack: Path) -> None:
    _break_a_case(pack)
    code, out = _invoke(str(pack), "--quiet")
    assert code == EXIT_TEST_FAILED
    lines = out.splitlines()
    assert lines[0].startswith("FAILED ENF-01::gold groups with community advice")
    assert all(line.startswith("    ") for line in lines[1:-1]), "only the failure's own lines between"
    assert not any("never" in line or line.startswith("coverage") for line in lines)
    assert lines[-1] == "289 passed, 1 failed; coverage: 119/119 rules held, 177/177 clauses matched"
    code, out = _invoke("-q")
    assert (code, out) == (0, "290 passed, 0 failed; coverage: 119/119 rules held, 177/177 clauses matched\n")


def test_coverage_names_the_criterion_the_rule_and_the_clause(pack: Path) -> None:
    (pack / "tests" / "ENF-01.yaml").write_text(ONLY_EMPTY, encoding="utf-8")
    code, out = _invoke(str(pack), "-k", "ENF-01")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "coverage of ENF-01 only (-k ENF-01): 0/5 rules held in some case, 0/7 clauses matched an item"
    assert "  ENF-01, rule governance-missing never held" in lines
    assert "  ENF-01, mitigation managed-risk never held" in lines
    assert ("  ENF-01, rule governance-missing, clause 1 'missing' (at least one item that (fact gold_groups_convened "
            "is no ...) never matched an item") in lines
    assert ("  ENF-01, mitigation prompt-remedy, clause 1 'remedy' (at least one item that fact closing_gap is yes and "
            "fact remedy_planned is yes) never matched an item") in lines
    assert not any("|" in line or "@rules[" in line for line in lines), "no internal keys"
    assert lines[-1] == "1 passed, 0 failed"


def test_k_selects_by_criterion_any_case_and_repeats(pack_dir: Path) -> None:
    summary = run_pack_tests(pack_dir, ["enf-0", "PMR-01"])
    files = {Path(r.file).stem for r in summary.results}
    assert files == {"ENF-01", "ENF-02", "ENF-03", "PMR-01"}
    assert summary.coverage.criteria == ["ENF-01", "ENF-02", "ENF-03", "PMR-01"]
    text = render_test_report(summary)
    assert text.splitlines()[0].startswith("coverage of ENF-01, ENF-02, ENF-03, PMR-01 only (-k enf-0 -k PMR-01): ")
    whole = run_pack_tests(pack_dir, ["pack"])
    assert {Path(r.file).stem for r in whole.results} == {"pack"}
    assert len(whole.coverage.criteria) == 22  # every criterion of the pack
    assert render_test_report(whole).splitlines()[0].startswith(
        "coverage of every criterion, from the cases -k pack selects: ")


def test_k_matching_nothing_is_a_usage_error_listing_the_test_files(pack_dir: Path) -> None:
    with pytest.raises(NothingSelected) as exc:
        run_pack_tests(pack_dir, ["ENF-04"])
    assert "'ENF-04' matches no test file of the pack" in str(exc.value)
    assert "ENF-01, ENF-02, ENF-03, INT-01" in str(exc.value) and str(exc.value).endswith("pack")
    code, out = _invoke("-k", "ENF-04")
    assert code == 2 and "matches no test file" in out
    # a misspelt -k beside good ones is named, never quietly dropped
    with pytest.raises(NothingSelected) as exc:
        run_pack_tests(pack_dir, ["ENF-01", "ENF-O2", "XYZ"])
    assert str(exc.value).startswith("'ENF-O2', 'XYZ' match no test file of the pack")


def test_verbose_and_quiet_together_are_refused() -> None:
    code, out = _invoke("-v", "-q")
    assert code == 2 and "choose one" in out


def test_junit_is_valid_xml_for_the_cases_run(pack: Path, tmp_path: Path) -> None:
    _break_a_case(pack)
    junit = tmp_path / "junit.xml"
    code, _ = _invoke(str(pack), "-k", "ENF", "--junit", str(junit))
    assert code == EXIT_TEST_FAILED
    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite"
    cases = suite.findall("testcase")
    ran = run_pack_tests(pack, ["ENF"]).results
    assert {Path(r.file).stem for r in ran} == {"ENF-01", "ENF-02", "ENF-03"}
    assert len(cases) == int(suite.get("tests", "")) == len(ran)
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("classname") for c in failed] == ["ENF-01"] and suite.get("failures") == "1"
    assert "expected 'fails', got 'meets'" in failed[0].find("failure").get("message", "")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["selected"] == "ENF" and props["coverage"].endswith("clauses matched an item")


def test_wrapped_lines_hang_under_their_own_line(pack: Path) -> None:
    (pack / "tests" / "ENF-01.yaml").write_text(ONLY_EMPTY, encoding="utf-8")
    text = render_test_report(run_pack_tests(pack, ["ENF-01"]), width=80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    # a line is a new line of the report, or continues the one above under a deeper indent
    entries = [line for line in lines if line.startswith("  ") and not line.startswith("   ")]
    assert entries and all(line.startswith(("  ENF-01, ", "  (add")) for line in entries), entries
    tops = [line for line in lines if not line.startswith(" ")]
    assert [t.split(" ")[0] for t in tops] == ["coverage", "1"], tops
    assert any(line.startswith("      ") for line in lines), "a long entry wraps under itself"


def test_shorten_ends_on_a_word_that_says_something() -> None:
    assert shorten("short", 72) == "short"
    assert shorten("at least one item that fact a is yes and fact b is no", 30) == "at least one item ..."
    assert len(shorten("x " * 100, 72)) <= 72


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_k_is_refused_not_read_as_every_case(pack_dir: Path, blank: str) -> None:
    """A blank -k (an unset shell variable: -k "$CRIT") would contain-match every file and run
    the whole pack under a heading that names an empty selection; it is a usage error instead."""
    with pytest.raises(NothingSelected) as exc:
        run_pack_tests(pack_dir, ["ENF-01", blank])
    assert "a blank selects nothing in particular; give a criterion id" in str(exc.value)
    code, out = _invoke("-k", blank)
    assert code == 2 and "a blank selects nothing in particular" in " ".join(out.split())
