"""Judgements in what readers see: the report (per audience), the terminal table and explain."""

from __future__ import annotations

from pathlib import Path

import pytest
from judgekit import ENF01_STALE, INT06_FAILS, copy_pack, copy_set, grader, write_judgements

REASON = "The register exists (INT-06-S1) but on interview two major crime risks on it had no current action plan"


@pytest.fixture(scope="module")
def judged_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ev = copy_set(tmp_path_factory.mktemp("judged"))
    write_judgements(ev, INT06_FAILS, ENF01_STALE)
    return ev


def report(ev: Path, *more: str | Path) -> str:
    code, out, err = grader("report", ev, *more)
    assert code == 0, err
    return out


def test_the_public_report_gives_the_reason_and_the_role_only(judged_set: Path) -> None:
    text = report(judged_set)
    assert ("**Inspectors' judgement:** the rules gave Meets the standard; Lead inspector judged it Fails to "
            "meet the standard on 2008-07-20. " + REASON.replace("(", "(").rstrip()) in text.replace("\n", " ")
    assert "A. Inspector" not in text  # the public sees the role, not the name
    assert "Fails to meet the standard: INT-06 (judged)" in text  # the grid cell is marked
    assert "- INT-06 Strategic risk register" in text and "judged by Lead inspector on 2008-07-20" in text
    assert "ENF-01 (judged)" not in text  # the stale judgement is not applied


def test_the_force_and_inspectorate_see_who_judged(judged_set: Path) -> None:
    for audience in ("force", "inspectorate"):
        assert "A. Inspector (Lead inspector) judged it Fails to meet the standard" in report(
            judged_set, "--audience", audience)


def test_the_pack_may_publish_names(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path, "public_names: true\n")
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS)
    assert "A. Inspector (Lead inspector) judged it" in report(ev, "--rules", pack)


def test_the_html_report_marks_the_grid_cell_and_the_finding(judged_set: Path) -> None:
    html = report(judged_set, "--format", "html")
    assert "INT-06 Strategic risk register and action plans for major crime risks: Fails to meet the standard " \
           "(judged by the inspectors)</title>" in html
    assert '<p class="judgement"><strong>Inspectors\' judgement:</strong> the rules gave Meets the standard; ' \
           "Lead inspector judged it" in html
    assert "A. Inspector" not in html


def test_a_withheld_item_cited_by_a_reason_stays_withheld(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    sensitive = "INT-09-S2"  # marked OFFICIAL-SENSITIVE in the bundled set
    assert f"id: {sensitive}" in (ev / "items" / "intelligence.yaml").read_text(encoding="utf-8")
    write_judgements(ev, INT06_FAILS.replace("(INT-06-S1)", f"(INT-06-S1, {sensitive})"))
    public = report(ev)
    assert sensitive not in public and "(INT-06-S1 and *1 withheld item*)" in public
    assert f"(INT-06-S1, {sensitive})" in report(ev, "--audience", "force")


def test_the_terminal_table_marks_a_judged_outcome_and_says_whose(judged_set: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")  # a wide terminal: no cell is cut short
    code, out, _ = grader("grade", judged_set)
    assert code == 0
    flat = " ".join(out.split())
    assert "* judged" in flat and "(rules: meets)" in flat
    assert "* Judged fails by A. Inspector (Lead inspector), 2008-07-20:" in flat
    assert "JUDGE-020" in flat and "Sign-off: not signed off" in flat


def test_explain_shows_the_rule_outcome_and_the_judgement(judged_set: Path) -> None:
    code, out, _ = grader("explain", "INT-06", judged_set)
    assert code == 0
    assert "Judged: fails by A. Inspector (Lead inspector), 2008-07-20; the rules gave meets." in out
    assert f"Judgement: {REASON}" in out
    code, out, _ = grader("explain", "ENF-01", judged_set)
    assert "Not applied (stale)" in out and "made when the rules gave fails; they now give meets" in out
    code, out, _ = grader("explain", "--pillar", "intelligence", judged_set)
    assert "INT-06 (significant): fails; judged (the rules gave meets)" in out


@pytest.mark.parametrize("target", [["INT-06"], ["ENF-01"], ["--pillar", "intelligence"], ["--overall"]])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_explain_for_the_public_names_the_role_only(judged_set: Path, target: list[str], fmt: str) -> None:
    """explain names people as the report does: by role for the public, by name for the cleared."""
    public = grader("explain", *target, judged_set, "--audience", "public", "--format", fmt)
    force = grader("explain", *target, judged_set, "--audience", "force", "--format", fmt)
    assert public[0] == force[0] == 0, public[2] + force[2]
    if target[0] in ("INT-06", "ENF-01"):  # the judged criterion and the stale one name the judge
        assert "A. Inspector" in force[1]
        assert "Lead inspector" in public[1]
    assert "A. Inspector" not in public[1]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_name_in_a_reason_is_a_role_for_the_public(tmp_path: Path, fmt: str) -> None:
    """The report names people as the filtered result and explain do: a judgement's reason that
    names the inspector reads by role for the public, by name for the cleared."""
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS.replace("The register exists", "A. Inspector found the register exists"))
    public = report(ev, "--format", fmt)
    assert "A. Inspector" not in public
    assert "Lead inspector found the register exists" in public
    assert "A. Inspector found the register exists" in report(ev, "--format", fmt, "--audience", "force")
