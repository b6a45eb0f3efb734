"""A canary hunt: SECRET items in a file of their own, citing a document of their own, a
judgement that cites one of them, a sign-off that went stale when their file changed; every
output for the public (and the force) is searched for each canary.

Two leaks this found: the filtered result kept the set's ``documents`` entry of a document only
withheld items cite (its key, title, publisher, reference); and a stale sign-off named its
signer to the public and, for the public and the force, the SECRET file that changed since
(``set/items/zz-canary.yaml (changed)``), in the result, the table, the report and the
``--require-signoff`` refusal.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.audience import redact_result
from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.grading.run import grade_paths

DOCUMENT = """documents:
  zq-doc-kestrel:
    title: "Annex HALIBUTMOTH covert tasking minutes"
    publisher: Unit BRAMBLEFINCH
    reference: REF-NUTHATCHPLUM
"""

ITEMS = """defaults:
  pillar: intelligence
  verified: true
  marking: SECRET
  collected: 2008-07-01
  source:
    document: zq-doc-kestrel
items:
  - id: INT-06-ZQOSPREY1
    criteria: [INT-06]
    kind: area-for-improvement
    statement: Canary OSPREYLATCH statement, two covert risks have no action plan.
    facts:
      major_crime_risks_have_action_plans: false
      topic: zqtopic_gannetfir
    source: {section: "Section HERONMOSS", item: 1}
  - id: INT-06-ZQOSPREY2
    criteria: [INT-06]
    kind: work-in-progress
    statement: Canary CORMORANTSLEET statement, the covert risks are assessed and managed.
    facts:
      risk_managed: true
      topic: zqtopic_gannetfir
    source: {section: "Section HERONMOSS", item: 2}
"""

JUDGEMENTS = """judgements:
  - target: INT-06
    outcome: fails
    rule_outcome: meets
    reason: Zebedee Quintrell found the covert risks (INT-06-ZQOSPREY1) had no plan; see INT-06-S1.
    by: Zebedee Quintrell
    role: Lead inspector
    date: 2008-07-20
"""

SIGNER = "Quillon Vashtree"
FILE = "zz-canary-ploverwren.yaml"
#: What no reader below SECRET may find: the items, their document, their file.
SECRET_CANARIES = ("ZQOSPREY", "OSPREYLATCH", "CORMORANTSLEET", "HERONMOSS", "gannetfir",
                   "zq-doc-kestrel", "HALIBUTMOTH", "BRAMBLEFINCH", "NUTHATCHPLUM", "ploverwren")
#: What the public may not find either: the people's names.
NAMES = ("Zebedee", "Quintrell", "Quillon", "Vashtree")


def _run(*args: str | Path) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "400"})
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.stdout, res.stderr


def _ok(*args: str | Path) -> str:
    code, out, err = _run(*args)
    assert code == 0, err
    return out


def _assert_clean(text: str, audience: str) -> None:
    canaries = SECRET_CANARIES + (NAMES if audience == "public" else ())
    low = text.lower()
    found = [c for c in canaries if c.lower() in low]
    if found:
        at = low.index(found[0].lower())
        raise AssertionError(f"{found} reached {audience}: ...{text[max(0, at - 120):at + 80]}...")


@pytest.fixture(scope="module")
def canary_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Derbyshire set with the canaries, signed off, then the canaries' file changed (stale)."""
    folder = tmp_path_factory.mktemp("canary") / "set"
    shutil.copytree(default_evidence(), folder)
    manifest = folder / "evidence-set.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("documents:\n", DOCUMENT, 1), encoding="utf-8")
    (folder / "items" / FILE).write_text(ITEMS, encoding="utf-8")
    (folder / "judgements.yaml").write_text(JUDGEMENTS, encoding="utf-8")
    _ok("signoff", folder, "--by", SIGNER, "--role", "Head of inspection", "--date", "2008-07-25")
    for changed in (folder / "items" / FILE, manifest):
        with changed.open("a", encoding="utf-8") as f:
            f.write("# edited after the sign-off\n")
    return folder


def test_the_canaries_are_there_for_the_inspectorate(canary_set: Path) -> None:
    """Unfiltered, the output names what the filtered ones must not: the test can fail."""
    result = json.loads(_ok("grade", canary_set, "--format", "json"))
    assert "zq-doc-kestrel" in result["documents"]
    assert result["signoff"]["status"] == "stale"
    assert f"set/items/{FILE} (changed)" in result["signoff"]["changed"]
    assert SIGNER in result["signoff"]["message"]
    assert result["signoff"]["last"]["by"] == SIGNER


@pytest.mark.parametrize("audience", ["public", "force"])
def test_a_filtered_result_keeps_no_document_only_withheld_items_cite(canary_set: Path, audience: str) -> None:
    result = json.loads(_ok("grade", canary_set, "--format", "json", "--audience", audience))
    assert list(result["documents"]) == ["hmic-2008-derbyshire-major-crime"]
    text = json.dumps(result)
    assert not [c for c in ("zq-doc-kestrel", "HALIBUTMOTH", "BRAMBLEFINCH", "NUTHATCHPLUM") if c in text]


@pytest.mark.parametrize("audience", ["public", "force"])
def test_a_stale_signoff_names_no_withheld_file_and_no_name_the_audience_may_not_read(
        canary_set: Path, audience: str) -> None:
    result = json.loads(_ok("grade", canary_set, "--format", "json", "--audience", audience))
    status = result["signoff"]
    assert status["status"] == "stale"
    # the manifest is OFFICIAL; the canaries' file is SECRET
    assert status["changed"] == ["set/evidence-set.yaml (changed)", "1 withheld file"]
    assert "changed since: set/evidence-set.yaml (changed), 1 withheld file; sign off again" in status["message"]
    if audience == "public":
        assert status["message"].startswith("sign-off by Head of inspection on 2008-07-25 is stale")
    else:
        assert status["message"].startswith(f"sign-off by {SIGNER} on 2008-07-25 is stale")
    _assert_clean(_ok("grade", canary_set, "--audience", audience), audience)


@pytest.mark.parametrize("audience", ["public", "force"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_report_lists_no_withheld_file_changed_since_the_signoff(canary_set: Path, audience: str,
                                                                     fmt: str) -> None:
    text = _ok("report", canary_set, "--audience", audience, "--format", fmt, "--out", "-")
    assert "1 withheld file" in text
    _assert_clean(text, audience)


@pytest.mark.parametrize("command", ["grade", "report"])
def test_the_require_signoff_refusal_is_filtered_for_the_audience(canary_set: Path, command: str) -> None:
    code, out, err = _run(command, canary_set, "--audience", "public", "--require-signoff")
    assert code == 1 and "SIGN-001" in err
    assert ("sign-off by Head of inspection on 2008-07-25 is stale: changed since: set/evidence-set.yaml (changed), "
            "1 withheld file; sign off again") in err
    _assert_clean(out + err, "public")


def test_filtering_a_filtered_signoff_again_keeps_its_count(canary_set: Path) -> None:
    result = grade_paths(canary_set, default_pack())
    public = redact_result(result, "public")
    for audience in ("public", "force", "inspectorate"):
        again = redact_result(public, audience).signoff
        assert again is not None and again.changed == ["set/evidence-set.yaml (changed)", "1 withheld file"]
        assert again.message == public.signoff.message  # type: ignore[union-attr]
    assert redact_result(result, "inspectorate").signoff == result.signoff


def test_every_other_output_for_the_public_is_clean(canary_set: Path, tmp_path: Path) -> None:
    """explain, OSCAL, diff and moderate, which the hunt found clean, kept clean; and a public result
    read back for the inspectorate (which carried the stale sign-off's file)."""
    public = tmp_path / "public.json"
    _ok("grade", canary_set, "--format", "json", "--audience", "public", "--out", public)
    full = tmp_path / "full.json"
    _ok("grade", canary_set, "--format", "json", "--out", full)
    other = tmp_path / "other"
    shutil.copytree(canary_set, other)
    manifest = other / "evidence-set.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("id: derbyshire-2008", "id: other-2008", 1)
                        .replace("force: Derbyshire Constabulary", "force: Other Police", 1), encoding="utf-8")
    other_full = tmp_path / "other.json"
    _ok("grade", other, "--format", "json", "--out", other_full)
    outputs = [
        *(_ok("explain", *target, canary_set, "--audience", "public", "--format", fmt)
          for target in (["INT-06"], ["--pillar", "intelligence"], ["--overall"]) for fmt in ("text", "json")),
        _ok("export", "oscal", canary_set, "--audience", "public", "--out", "-"),
        _ok("diff", full, full, "--audience", "public", "--format", "json"),
        _ok("moderate", full, other_full, "--audience", "public"),
        _ok("report", "--from-result", public, "--audience", "inspectorate", "--out", "-"),
    ]
    for text in outputs:
        _assert_clean(text, "public")
    assert "withheld item" in outputs[0]
