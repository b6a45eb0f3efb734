"""Sign-off: a record of who approved exactly these grades of these inputs, and the publishing gate."""

from __future__ import annotations

import json
from pathlib import Path

from judgekit import INT06_FAILS, copy_pack, copy_set, grade_json, grader, write_judgements

from grader.loading.judgements import read_signoffs


def sign(ev: Path, by: str, role: str = "Head of moderation", *more: str | Path) -> tuple[int, str, str]:
    return grader("signoff", ev, "--by", by, "--role", role, "--date", "2008-07-25", *more)


def test_require_signoff_fails_before_passes_after_and_fails_when_stale(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    code, _, err = grader("grade", ev, "--require-signoff")
    assert code == 1 and "SIGN-001 not signed off" in err
    code, out, err = sign(ev, "B. Moderator")
    assert code == 0, err
    assert "signed off by B. Moderator (Head of moderation) on 2008-07-25" in out
    assert grader("grade", ev, "--require-signoff")[0] == 0
    result = grade_json(ev)
    assert result["signoff"]["status"] == "signed"
    assert result["signoff"]["signers"] == [{"by": "B. Moderator", "role": "Head of moderation",
                                             "date": "2008-07-25", "note": None}]
    # one evidence statement edited: the sign-off no longer covers what is graded
    items = ev / "items" / "enforcement.yaml"
    text = items.read_text(encoding="utf-8")
    items.write_text(text.replace("statement: ", "statement: Reworded. ", 1), encoding="utf-8")
    code, _, err = grader("grade", ev, "--require-signoff")
    assert code == 1
    assert "stale" in err and "set/items/enforcement.yaml (changed)" in err
    stale = grade_json(ev)["signoff"]
    assert (stale["status"], stale["changed"]) == ("stale", ["set/items/enforcement.yaml (changed)"])


def test_a_record_holds_who_when_what_and_the_digest(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    assert sign(ev, "B. Moderator", "Head of moderation", "--note", "Agreed at panel")[0] == 0
    [record] = read_signoffs(ev / "signoffs.yaml")
    result = grade_json(ev)
    assert (record.by, record.role, str(record.date), record.note) == (
        "B. Moderator", "Head of moderation", "2008-07-25", "Agreed at panel")
    assert record.grader_version == result["meta"]["grader_version"]
    assert record.pack == "acpo-major-crime-2008 1.0.0" and record.evidence_set == "derbyshire-2008"
    assert record.grades["overall"] == result["overall"]["grade"]
    paths = {f.path for f in record.files}
    assert {"pack/pack.yaml", "set/evidence-set.yaml", "set/items/enforcement.yaml"} <= paths
    assert len(paths) == len(result["meta"]["inputs"])


def test_appends_keep_every_earlier_record_byte_for_byte(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    assert sign(ev, "B. Moderator")[0] == 0
    first = (ev / "signoffs.yaml").read_text(encoding="utf-8")
    assert sign(ev, "C. Reviewer", "Deputy inspector")[0] == 0
    second = (ev / "signoffs.yaml").read_text(encoding="utf-8")
    assert second.startswith(first)
    assert [r.by for r in read_signoffs(ev / "signoffs.yaml")] == ["B. Moderator", "C. Reviewer"]
    code, _, err = sign(ev, "C. Reviewer", "Deputy inspector")
    assert code == 65 and "SIGN-003" in err
    assert (ev / "signoffs.yaml").read_text(encoding="utf-8") == second


def test_a_damaged_signoffs_file_is_a_located_error_and_is_left_alone(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    assert sign(ev, "B. Moderator")[0] == 0
    path = ev / "signoffs.yaml"
    damaged = path.read_text(encoding="utf-8").replace("    role: ", "    rol: ", 1)
    path.write_text(damaged, encoding="utf-8")
    for command in (("grade", ev), ("signoff", ev, "--by", "C. Reviewer", "--role", "Deputy")):
        code, out, err = grader(*command)
        assert code == 65 and "Traceback" not in err
        lines = err.strip().splitlines()
        assert any("signoffs.yaml:5:5: SIGN-002 unknown field 'rol'" in x and "did you mean 'role'" in x
                   for x in lines), lines
        assert all("restore it from version control" in x for x in lines)
    assert path.read_text(encoding="utf-8") == damaged  # never reset, never appended to
    path.write_text("signoffs:\n  - by: [unclosed\n", encoding="utf-8")
    code, _, err = grader("grade", ev)
    assert code == 65 and "signoffs.yaml:" in err and "YAML-" in err


def test_four_eyes_the_author_of_a_judgement_cannot_be_its_only_signer(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS)
    code, out, _ = sign(ev, "A. Inspector", "Lead inspector")
    assert code == 0 and "incomplete" in out
    code, _, err = grader("grade", ev, "--require-signoff")
    assert code == 1 and "A. Inspector made the judgement on INT-06 and cannot be its only signer" in err
    assert sign(ev, "B. Moderator")[0] == 0
    assert grader("grade", ev, "--require-signoff")[0] == 0


def test_four_eyes_the_pack_may_require_several_signers(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path, "signers: 2\n")
    ev = copy_set(tmp_path)
    assert sign(ev, "B. Moderator", "Head of moderation", "--rules", pack)[0] == 0
    code, _, err = grader("grade", ev, "--rules", pack, "--require-signoff")
    assert code == 1 and "the pack needs 2 different signers and 1 signed" in err
    assert sign(ev, "C. Reviewer", "Deputy inspector", "--rules", pack)[0] == 0
    assert grader("grade", ev, "--rules", pack, "--require-signoff")[0] == 0


def test_no_signoff_over_a_stale_or_expired_judgement(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS.replace("rule_outcome: meets", "rule_outcome: exceeds"))
    code, _, err = sign(ev, "B. Moderator")
    assert code == 65 and "judgements.yaml:2: SIGN-004 the judgement on INT-06 is stale" in err
    assert not (ev / "signoffs.yaml").exists()
    write_judgements(ev, INT06_FAILS.replace("date: 2008-07-20", "date: 2008-07-20\n    expires: 2008-07-24"))
    code, _, err = sign(ev, "B. Moderator")  # on 2008-07-25
    assert code == 65 and "expired on 2008-07-24, before this sign-off (2008-07-25)" in err


def test_report_require_signoff_writes_nothing_unsigned(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    out = tmp_path / "public.md"
    code, _, err = grader("report", ev, "--require-signoff", "--out", out)
    assert code == 1 and "SIGN-001" in err and not out.exists()
    assert grader("report", ev, "--out", out)[0] == 0  # a draft, without the gate
    assert "**Sign-off:** Not signed off." in out.read_text(encoding="utf-8")
    out.unlink()
    assert sign(ev, "B. Moderator")[0] == 0
    assert grader("report", ev, "--require-signoff", "--out", out)[0] == 0
    assert "Signed off by Head of moderation on 2008-07-25." in out.read_text(encoding="utf-8")


def test_results_with_judgements_and_signoffs_are_byte_identical_across_reruns(tmp_path: Path) -> None:
    ev = copy_set(tmp_path)
    write_judgements(ev, INT06_FAILS)
    assert sign(ev, "B. Moderator")[0] == 0
    runs = [grader("grade", ev, "--format", "json")[1] for _ in range(2)]
    assert runs[0] == runs[1]
    assert json.loads(runs[0])["signoff"]["status"] == "signed"
    reports = [grader("report", ev, "--audience", "force")[1] for _ in range(2)]
    assert reports[0] == reports[1] and "B. Moderator (Head of moderation)" in reports[0]
