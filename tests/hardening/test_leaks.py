"""Nothing sensitive reaches a reader not cleared for it, whatever the pack's wording.

Three routes by which a SECRET item reached the public report before:
1. a ``because`` sentence with a placeholder written against other characters
   (``ref-{analyst}``, ``{a}_x``, ``{b}.Cover``, ``{a}{b}``): the filled id was not recognised
   as an id, so it was printed. ``rules check`` now refuses such a template (RULE-152), and the
   audience filter finds ids wherever they stand (for results that come from elsewhere);
2. the provenance table named every input file with its hash, including one holding only
   SECRET items: each input file now carries the marking of what it holds;
3. ``grade``'s table and JSON showed every item with no filter: ``--audience`` filters them
   (tests/hardening/test_audience.py).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.audience import Visibility, redact_result
from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.errors import EXIT_TEST_FAILED, InputError
from grader.grading.run import grade_paths
from grader.loading.pack import load_pack
from grader.models.result import GradingResult
from grader.render.json import render_json
from grader.render.report import render_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from reportkit import mark_items  # noqa: E402

runner = CliRunner()

#: INT-01's "dedicated-capacity" rule cites its analyst item through ``({analyst})``.
ORIGINAL = "Major crime has its own analyst ({analyst}),"
GLUED = {
    "hyphen before": "Major crime has its own analyst (ref-{analyst}),",
    "underscore after": "Major crime has its own analyst ({analyst}_x),",
    "full stop and a word after": "Major crime has its own analyst ({analyst}.Cover),",
    "two side by side": "Major crime has its own analyst ({analyst}{sufficiency}),",
    "a letter before": "Major crime has its own analyst (x{analyst}),",
}
ALLOWED = {
    "full stop ending the sentence": "Major crime has its own analyst: {analyst}.",
    "comma after": "Major crime has its own analyst {analyst}, with",
    "count glued to a word": "Major crime has {analyst.count}x analysts ({analyst}),",
}


def _pack_with(tmp_path: Path, sentence: str) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(default_pack(), pack)
    crit = pack / "criteria" / "INT-01.yaml"
    text = crit.read_text(encoding="utf-8")
    assert ORIGINAL in " ".join(text.split()), "INT-01's 'because' changed: update this test's anchor"
    # the sentence is folded over lines in the file: rewrite it on one line
    folded = re.compile(r"Major crime has its own analyst \(\{analyst\}\),")
    text = folded.sub(lambda _: sentence.replace("\\", "\\\\"), text, count=1)
    assert sentence in text
    crit.write_text(text, encoding="utf-8")
    return pack


@pytest.mark.parametrize("case", sorted(GLUED))
def test_rules_check_refuses_a_placeholder_glued_to_other_characters(tmp_path: Path, case: str) -> None:
    pack = _pack_with(tmp_path, GLUED[case])
    out = runner.invoke(app, ["rules", "check", str(pack)])
    assert out.exit_code == EXIT_TEST_FAILED, out.output
    lines = [line for line in out.output.splitlines() if " RULE-152 " in line]
    assert lines, out.output
    assert lines[0].startswith(str(pack / "criteria" / "INT-01.yaml").lstrip("/").split("pack/")[0]) or \
        "criteria/INT-01.yaml:" in lines[0]
    assert "put a space, comma or bracket on each side" in lines[0]
    # grading refuses the pack too: it is never filled in
    with pytest.raises(InputError) as err:
        load_pack(pack)
    assert any(p.code == "RULE-152" for p in err.value.problems)


@pytest.mark.parametrize("case", sorted(ALLOWED))
def test_ordinary_punctuation_around_a_placeholder_is_accepted(tmp_path: Path, case: str) -> None:
    pack = _pack_with(tmp_path, ALLOWED[case])
    out = runner.invoke(app, ["rules", "check", str(pack)])
    assert "RULE-152" not in out.output, out.output


# --- the filter itself, on results whose sentences were written anyhow -----------------------

SECRET = "INT-01-S1"


@pytest.fixture(scope="module")
def secret_result(tmp_path_factory: pytest.TempPathFactory) -> GradingResult:
    """The bundled set graded with INT-01-S1 marked SECRET, and its id then written into a
    sentence in every way a pack or a hand-edited result could glue it to other text."""
    where = tmp_path_factory.mktemp("secret")
    evidence = mark_items(default_evidence(), where / "set", {SECRET: "SECRET"})
    result = grade_paths(evidence, default_pack())
    finding = result.criterion("INT-01")
    assert SECRET in finding.evidence
    glued = (f"See ref-{SECRET}, {SECRET}_x, {SECRET}.Cover, ({SECRET}{SECRET}), x{SECRET} "
             f"and [{SECRET}] and {SECRET}.")
    criteria = [c.model_copy(update={"rationale": f"{c.rationale} {glued}"}) if c.criterion == "INT-01" else c
                for c in result.criteria]
    return result.model_copy(update={"criteria": criteria})


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("audience", ["public", "force"])
def test_a_withheld_id_glued_to_other_text_never_reaches_the_report(secret_result: GradingResult, fmt: str,
                                                                    audience: str) -> None:
    text = render_report(secret_result, fmt, audience)
    assert SECRET not in text
    assert "withheld item" in text
    # the inspectorate, cleared for SECRET, still sees it
    assert SECRET in render_report(secret_result, fmt, "inspectorate")


def test_redaction_finds_ids_wherever_they_stand(secret_result: GradingResult) -> None:
    vis = Visibility.of(secret_result, "public")
    assert vis.redact(f"ref-{SECRET}") == "ref-1 withheld item"
    assert vis.redact(f"{SECRET}_x and INT-01-S2") == "1 withheld item_x and INT-01-S2"
    # text that merely starts like a withheld id is withheld too: when in doubt, withhold
    assert vis.redact(f"{SECRET}0") == "1 withheld item0"
    # a shown id that contains a withheld one is left alone (longest id first)
    shown_vis = Visibility.of(secret_result, "inspectorate")
    assert shown_vis.redact(f"ref-{SECRET}") == f"ref-{SECRET}"


def test_a_public_result_json_holds_no_trace_of_a_withheld_item(secret_result: GradingResult) -> None:
    public = redact_result(secret_result, "public")
    text = render_json(public)
    assert SECRET not in text
    statement = next(e.statement for e in secret_result.evidence if e.id == SECRET)
    assert statement not in text
    assert public.meta.audience == "public"
    assert public.meta.withheld == sum(1 for e in secret_result.evidence if e.marking != "OFFICIAL")
    assert public.meta.marking == "OFFICIAL"
    # the judgement is the same: only the named items differ
    assert [c.outcome for c in public.criteria] == [c.outcome for c in secret_result.criteria]
    assert public.overall.grade == secret_result.overall.grade
    # and it reads back as a valid result, citing only items it holds
    again = GradingResult.model_validate_json(text)
    held = {e.id for e in again.evidence}
    for c in again.criteria:
        assert set(c.evidence) <= held


# --- provenance ------------------------------------------------------------------------------


def _secret_file_set(tmp_path: Path) -> Path:
    """The bundled set plus items/covert.yaml holding one SECRET item only."""
    dst = tmp_path / "set"
    shutil.copytree(default_evidence(), dst)
    (dst / "items" / "covert.yaml").write_text(
        "defaults:\n  pillar: intelligence\n  verified: true\n  marking: SECRET\n  collected: 2008-07-01\n"
        "  source: {document: hmic-2008-derbyshire-major-crime}\n"
        "items:\n  - id: COVERT-CANARY-1\n    criteria: [INT-01]\n    kind: strength\n"
        "    statement: A covert canary statement that only the inspectorate may read.\n"
        "    source: {section: \"Intelligence, summary 1\"}\n", encoding="utf-8")
    return dst


def test_the_public_provenance_table_does_not_name_a_file_of_secret_items(tmp_path: Path) -> None:
    result = grade_paths(_secret_file_set(tmp_path), default_pack())
    marks = {f.path: f.marking for f in result.meta.inputs}
    assert marks["set/items/covert.yaml"] == "SECRET"
    assert marks["set/evidence-set.yaml"] == "OFFICIAL"
    assert all(m == "OFFICIAL" for p, m in marks.items() if p.startswith("acpo-major-crime-2008/"))
    covert = next(f for f in result.meta.inputs if f.path == "set/items/covert.yaml")
    for fmt in ("md", "html"):
        for audience in ("public", "force"):
            text = render_report(result, fmt, audience)
            assert "covert.yaml" not in text and covert.sha256 not in text
            assert "COVERT-CANARY-1" not in text and "covert canary" not in text
            assert "not listed" in text
        text = render_report(result, fmt, "inspectorate")
        assert "covert.yaml" in text and covert.sha256 in text
    # the same holds for a filtered result JSON
    public = render_json(redact_result(result, "public"))
    assert "covert.yaml" not in public and covert.sha256 not in public


def test_a_result_whose_marking_is_below_an_item_it_holds_is_refused(tmp_path: Path) -> None:
    result = grade_paths(_secret_file_set(tmp_path), default_pack())
    data = json.loads(render_json(result))
    assert data["meta"]["marking"] == "SECRET"
    data["meta"]["marking"] = "OFFICIAL"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    out = runner.invoke(app, ["report", "--from-result", str(bad)])
    assert out.exit_code == 65, out.output
    assert "meta.marking is OFFICIAL but item COVERT-CANARY-1 is marked SECRET" in out.output
    assert "Traceback" not in out.output


def test_a_result_from_before_markings_were_recorded_reads_back_and_names_no_sensitive_file(tmp_path: Path) -> None:
    """A result written by an earlier grader has no markings on its meta or input files: it still
    reads back (diff compares this year with last), its marking is the highest of its items, and
    an input file of unknown marking is named to no reader below SECRET."""
    result = grade_paths(_secret_file_set(tmp_path), default_pack())
    data = json.loads(render_json(result))
    del data["meta"]["marking"]
    for f in data["meta"]["inputs"]:
        del f["marking"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    out = runner.invoke(app, ["report", "--from-result", str(old)])
    assert out.exit_code == 0, out.output
    assert "covert.yaml" not in out.stdout and "set/items/" not in out.stdout
    assert "further input file" in out.stdout
    again = runner.invoke(app, ["grade", "--format", "json"])  # a new result, for diff
    new = tmp_path / "new.json"
    new.write_text(again.stdout, encoding="utf-8")
    compared = runner.invoke(app, ["diff", str(old), str(new), "--format", "json"])
    assert compared.exit_code == 0, compared.output
    assert json.loads(compared.stdout)["marking"] == "SECRET"
