"""Every output that shows evidence says how it is marked, and ``--audience`` filters it.

``grade`` (table and JSON, one set or a programme), ``explain``, ``diff`` and ``moderate``
showed every item with no filter and no marking. Now each prints a banner with the highest
marking it holds (or, filtered, for whom and how much was withheld), and with ``--audience``
no item above that audience's ceiling appears: not its id, statement or facts.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.bundled import default_evidence, default_pack
from grader.cli import app
from grader.loading.evidence import load_evidence

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batch"))
from reportkit import mark_items  # noqa: E402
from setkit import copy_set  # noqa: E402

runner = CliRunner()

#: A canary: an item the public report cites (INT-06's register), marked SECRET here.
CANARY = "INT-06-S1"


@pytest.fixture(scope="module")
def secret_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mark_items(default_evidence(), tmp_path_factory.mktemp("aud") / "set", {CANARY: "SECRET"})


@pytest.fixture(scope="module")
def withheld(secret_set: Path) -> dict[str, dict[str, str]]:
    """Per audience, the ids and statements of the items it may not see."""
    items = load_evidence(secret_set).evidence.items
    ceilings = {"public": {"OFFICIAL"}, "force": {"OFFICIAL", "OFFICIAL-SENSITIVE"}}
    return {a: {i.id: i.statement for i in items if i.marking not in ok} for a, ok in ceilings.items()}


def _assert_nothing_withheld(text: str, hidden: dict[str, str]) -> None:
    assert hidden, "the test set must hold items this audience may not see"
    for item_id, statement in hidden.items():
        # an id is found wherever it stands, not only as a word: INT-06-S1 inside INT-06-S10 would
        # be a false alarm, so check ids that no other id extends
        assert item_id not in text.replace(f"{item_id}0", ""), item_id
        assert statement not in " ".join(text.split()), item_id


def _invoke(args: list[str]) -> str:
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    return out.stdout


@pytest.mark.parametrize("audience", ["public", "force"])
def test_grade_json_for_an_audience_holds_nothing_above_its_ceiling(secret_set: Path, withheld: dict,
                                                                    audience: str) -> None:
    text = _invoke(["grade", str(secret_set), "--format", "json", "--audience", audience])
    _assert_nothing_withheld(text, withheld[audience])
    meta = json.loads(text)["meta"]
    assert meta["audience"] == audience
    assert meta["withheld"] == len(withheld[audience])
    assert meta["marking"] == ("OFFICIAL" if audience == "public" else "OFFICIAL-SENSITIVE")


def test_the_unfiltered_table_is_framed_by_its_highest_marking(secret_set: Path) -> None:
    text = _invoke(["grade", str(secret_set)])
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("SECRET: not filtered")
    assert "--audience public" in text
    assert "SECRET: not filtered" in lines[-1] or "SECRET: not filtered" in lines[-2]
    assert CANARY in text or json.dumps(CANARY)  # unfiltered: the inspectorate's view


@pytest.mark.parametrize("audience", ["public", "force"])
def test_the_table_for_an_audience_holds_nothing_above_its_ceiling(secret_set: Path, withheld: dict,
                                                                   audience: str) -> None:
    text = _invoke(["grade", str(secret_set), "--audience", audience])
    _assert_nothing_withheld(text, withheld[audience])
    first = next(line for line in text.splitlines() if line.strip())
    assert first.startswith(f"{'OFFICIAL' if audience == 'public' else 'OFFICIAL-SENSITIVE'}: for ")
    n = len(withheld[audience])
    assert f"{n} item{'' if n == 1 else 's'} marked above" in " ".join(text.split())


def test_explain_for_the_public_names_no_withheld_item(secret_set: Path, withheld: dict) -> None:
    unfiltered = _invoke(["explain", "INT-06", str(secret_set)])
    assert CANARY in unfiltered and unfiltered.startswith("SECRET: not filtered")
    text = _invoke(["explain", "INT-06", str(secret_set), "--audience", "public"])
    _assert_nothing_withheld(text, withheld["public"])
    assert "withheld item" in text
    for flag in (["--pillar", "intelligence"], ["--overall"]):
        _assert_nothing_withheld(_invoke(["explain", *flag, str(secret_set), "--audience", "public"]),
                                 withheld["public"])


@pytest.fixture(scope="module")
def two_results(secret_set: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A result of the set, and one of a copy where the canary's statement changed (so diff names it)."""
    where = tmp_path_factory.mktemp("two")
    old = where / "old.json"
    _invoke(["grade", str(secret_set), "--format", "json", "--out", str(old)])
    changed = mark_items(default_evidence(), where / "changed", {CANARY: "SECRET"})
    path = changed / "items" / "intelligence.yaml"
    statement = load_evidence(changed).evidence.by_id()[CANARY].statement
    first_words = " ".join(statement.split()[:4])
    text = path.read_text(encoding="utf-8")
    assert first_words in text
    path.write_text(text.replace(first_words, "Since the inspection, " + first_words, 1), encoding="utf-8")
    new = where / "new.json"
    _invoke(["grade", str(changed), "--format", "json", "--out", str(new)])
    return old, new


def test_diff_for_the_public_names_no_withheld_item(two_results: tuple[Path, Path], withheld: dict) -> None:
    old, new = two_results
    unfiltered = _invoke(["diff", str(old), str(new)])
    assert CANARY in unfiltered and unfiltered.splitlines()[0].startswith("SECRET: not filtered")
    for fmt in ("table", "json"):
        text = _invoke(["diff", str(old), str(new), "--format", fmt, "--audience", "public"])
        _assert_nothing_withheld(text, withheld["public"])
    assert json.loads(_invoke(["diff", str(old), str(new), "--format", "json"]))["marking"] == "SECRET"


def test_moderate_for_the_public_names_no_withheld_item(two_results: tuple[Path, Path], secret_set: Path,
                                                        withheld: dict, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    _invoke(["grade", str(copy_set(secret_set, tmp_path / "other", "exampleshire-2008", "Exampleshire Police")),
             "--format", "json", "--out", str(other)])
    results = [str(two_results[0]), str(other)]
    for fmt in ("table", "json"):
        text = _invoke(["moderate", *results, "--format", fmt, "--audience", "public"])
        _assert_nothing_withheld(text, withheld["public"])
    report = json.loads(_invoke(["moderate", *results, "--format", "json"]))
    assert report["marking"] == "SECRET" and report["audience"] is None


def test_a_programme_for_the_public_writes_only_filtered_results(secret_set: Path, withheld: dict,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "results"
    other = copy_set(secret_set, tmp_path / "other", "exampleshire-2008", "Exampleshire Police")
    text = _invoke(["grade", str(secret_set), str(other), "--out", str(out), "--audience", "public",
                    "--rules", str(default_pack())])
    assert "Results written: OFFICIAL: for the public" in " ".join(text.split())
    files = sorted(out.glob("*.json"))
    assert len(files) == 2
    for f in files:
        body = f.read_text(encoding="utf-8")
        _assert_nothing_withheld(body, withheld["public"])
        assert json.loads(body)["meta"]["audience"] == "public"


def test_filtering_again_never_widens_what_is_shown(secret_set: Path, tmp_path: Path, withheld: dict) -> None:
    public = tmp_path / "public.json"
    _invoke(["grade", str(secret_set), "--format", "json", "--audience", "public", "--out", str(public)])
    text = _invoke(["report", "--from-result", str(public), "--audience", "inspectorate"])
    _assert_nothing_withheld(text, withheld["public"])
    again = _invoke(["diff", str(public), str(public), "--format", "json", "--audience", "force"])
    assert json.loads(again)["audience"] == "public"


def test_a_judged_set_filtered_for_the_public_names_roles_and_keeps_every_filter(secret_set: Path,
                                                                                 tmp_path: Path,
                                                                                 withheld: dict) -> None:
    """Judges' names become roles for the public, and the rest of the filter still holds
    (the marking, the audience, the input files listed)."""
    judged = tmp_path / "judged"
    shutil.copytree(secret_set, judged)
    (judged / "judgements.yaml").write_text(
        "judgements:\n  - target: INT-06\n    outcome: fails\n    rule_outcome: meets\n"
        "    reason: Two major crime risks had no current action plan on interview.\n"
        "    by: A. Inspector\n    role: Lead inspector\n    date: 2008-07-20\n", encoding="utf-8")
    text = _invoke(["grade", str(judged), "--format", "json", "--audience", "public"])
    _assert_nothing_withheld(text, withheld["public"])
    assert "A. Inspector" not in text and "Lead inspector" in text
    meta = json.loads(text)["meta"]
    assert meta["audience"] == "public" and meta["marking"] == "OFFICIAL"
    assert meta["withheld"] == len(withheld["public"])
    assert all(f["marking"] == "OFFICIAL" for f in meta["inputs"])
