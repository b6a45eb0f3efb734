"""An insufficient-evidence finding says what evidence would satisfy its rules, in the words of
the pack's fact catalogue: no rule syntax, no fact names, for readers who never see a rule file.

Checked on every rule of both bundled packs (the words), and on the Derbyshire set with its
intelligence evidence removed (the finding, the terminal and the report by audience)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from grader.grading.run import grade_paths
from grader.grading.text import describe_need
from grader.loading.pack import load_pack
from grader.render.report import render_report

#: What rule syntax looks like: a fact or field name, an operator word, a kind id.
SYNTAX = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\bfact\b|\bequals\b|\bis yes\b|\bis no\b|area-for-improvement|"
                    r"work-in-progress")


@pytest.mark.parametrize("pack_name", ["acpo-major-crime-2008", "peel-2023"])
def test_every_rule_of_both_packs_is_said_in_the_catalogues_words(pack_dir: Path, pack_name: str) -> None:
    pack = load_pack(pack_dir.parent / pack_name).pack
    meanings = {name: spec.description for name, spec in pack.facts.items()}
    adverse = {*pack.manifest.policy.adverse, "insufficient-evidence"}
    said = 0
    for crit in pack.criteria:
        for rule in (r for r in crit.rules if r.outcome not in adverse):  # the rules a finding states
            words = describe_need(rule.when, meanings)
            assert not SYNTAX.search(words), (crit.id, rule.id, words)
            said += 1
    assert said >= len(pack.criteria)


def test_a_fact_is_said_by_its_meaning(pack_dir: Path) -> None:
    pack = load_pack(pack_dir).pack
    meanings = {name: spec.description for name, spec in pack.facts.items()}
    int01 = next(c for c in pack.criteria if c.id == "INT-01")
    meets = next(r for r in int01.rules if r.outcome == "meets")
    words = describe_need(meets.when, meanings)
    assert words.startswith("a strength showing that the major crime unit has an intelligence analyst dedicated "
                            "to it; and a strength or work in progress showing that either further analysts")
    assert "(false when" not in words  # the catalogue's note on a false value is not a need


@pytest.fixture(scope="module")
def no_intelligence(tmp_path_factory: pytest.TempPathFactory, evidence_dir: Path) -> Path:
    dst = tmp_path_factory.mktemp("noint") / "set"
    shutil.copytree(evidence_dir, dst)
    (dst / "items" / "intelligence.yaml").unlink()
    return dst


def test_the_finding_the_terminal_and_the_reports_say_what_would_satisfy_it(no_intelligence: Path,
                                                                            pack_dir: Path) -> None:
    from typer.testing import CliRunner

    from grader.cli import app

    result = grade_paths(no_intelligence, pack_dir)
    int01 = result.criterion("INT-01")
    assert int01.outcome == "insufficient-evidence"
    assert [(n.rule, n.outcome) for n in int01.would_satisfy] == [("rules/dedicated-capacity", "meets")]
    # every insufficient-evidence finding says it, and only those
    for f in result.criteria:
        assert bool(f.would_satisfy) == (f.decided_by == "otherwise"), f.criterion
    stacked = CliRunner().invoke(app, ["grade", str(no_intelligence)], env={"COLUMNS": "60"}).stdout
    table = " ".join(stacked.split())  # the stacked layout wraps the sentence between words
    assert "Would give meets: a strength showing that the major crime unit has an intelligence analyst" in table
    assert "mcu_dedicated_analyst" not in table
    public = render_report(result, "md", "public")
    assert ("- For Meets the standard: a strength showing that the major crime unit has an intelligence analyst "
            "dedicated to it;") in public
    for name in (n for n in load_pack(pack_dir).pack.facts if "_" in n):  # no fact name (one-word names, such as
        # "breach", are words too) reaches the public, escaped or not
        assert name not in public and name.replace("_", "\\_") not in public, name
    assert "mcu\\_dedicated\\_analyst is yes" in render_report(result, "md", "inspectorate")
    assert "Decided by no rule: the criterion's 'otherwise'." in render_report(result, "md", "inspectorate")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_overall_rise_alone_ends_its_sentence(no_intelligence: Path, pack_dir: Path, fmt: str) -> None:
    """At the bottom of the scale the overall grade can only rise: its one line ends with a full
    stop, not the semicolon that would lead into a 'to fall' line that is not there."""
    result = grade_paths(no_intelligence, pack_dir)
    assert result.overall is not None and result.overall.grade == "fails"
    flat = " ".join(render_report(result, fmt, "public").split())
    head = "to rise to Meets the standard, Intelligence: from Fails to meet the standard to Meets the standard"
    assert f"{head}. Each pillar's section says what would change its grade." in flat
    assert "to fall to" not in flat.split("Each pillar's section")[0]


def test_a_true_or_false_note_in_a_description_is_not_a_need(pack_dir: Path) -> None:
    """PEEL's catalogue says what each value means: "... good performance, as the evidence shows
    (true), or the evidence shows it does not (false)". A need is the true case only: quoting the note would tell the reader that
    a strength showing the force does NOT have the characteristic satisfies the rule."""
    pack = load_pack(pack_dir.parent / "peel-2023").pack
    meanings = {name: spec.description for name, spec in pack.facts.items()}
    inv01 = next(c for c in pack.criteria if c.id == "INV-01")
    good = next(r for r in inv01.rules if r.outcome == "good")
    assert describe_need(good.when, meanings) == (
        "a strength showing that the force has this characteristic of good performance, as the evidence shows")
    for crit in pack.criteria:
        for rule in crit.rules:
            words = describe_need(rule.when, meanings)
            assert "(true)" not in words and "(false)" not in words and "does not" not in words, (crit.id, words)
