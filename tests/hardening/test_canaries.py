"""A canary hunt: SECRET items in a file of their own, citing a document of their own, a
judgement that cites one of them, a sign-off that went stale when their file changed; every
output for the public (and the force) is searched for each canary.

A leak this found: the filtered result kept the set's ``documents`` entry of a document only
withheld items cite (its key, title, publisher, reference).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.bundled import default_evidence
from grader.cli import app

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


@pytest.mark.parametrize("audience", ["public", "force"])
def test_a_filtered_result_keeps_no_document_only_withheld_items_cite(canary_set: Path, audience: str) -> None:
    result = json.loads(_ok("grade", canary_set, "--format", "json", "--audience", audience))
    assert list(result["documents"]) == ["hmic-2008-derbyshire-major-crime"]
    text = json.dumps(result)
    assert not [c for c in ("zq-doc-kestrel", "HALIBUTMOTH", "BRAMBLEFINCH", "NUTHATCHPLUM") if c in text]
