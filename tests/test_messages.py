"""Error messages an inspector can act on: the right place and the right suggestion."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.errors import InputError
from grader.loading.conditions import suggest
from grader.loading.evidence import load_evidence

IDS = [f"INT-{i:02d}" for i in range(1, 11)]


@pytest.mark.parametrize(("typed", "meant"), [("INT-1", "INT-01"), ("INT-O1", "INT-01"), ("int-01", "INT-01"),
                                              ("INT_10", "INT-10"), ("INT-11", "INT-10")])
def test_suggestions_prefer_the_same_id_written_differently(typed: str, meant: str) -> None:
    assert suggest(typed, IDS) == f"; did you mean {meant!r}?"


def test_no_suggestion_when_nothing_is_close() -> None:
    assert suggest("vetting", IDS) == ""


def test_unknown_item_field_is_located_at_the_key_with_a_suggestion(tmp_path: Path, evidence_dir: Path) -> None:
    dst = tmp_path / "set"
    shutil.copytree(evidence_dir, dst)
    path = dst / "items" / "enforcement.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if line.strip().startswith("statement:"))
    lines[n] = lines[n].replace("statement:", "statment:", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_evidence(dst)
    texts = [p.line_text() for p in exc.value.problems]
    assert any(f"enforcement.yaml:{n + 1}:" in t and "unknown field 'statment'; did you mean 'statement'?" in t
               for t in texts), texts


def _pack_copy(tmp_path: Path, pack_dir: Path) -> Path:
    dst = tmp_path / "pack"
    shutil.copytree(pack_dir, dst)
    return dst


def test_a_bad_condition_is_reported_once(tmp_path: Path, pack_dir: Path) -> None:
    from grader.loading.pack import load_pack

    dst = _pack_copy(tmp_path, pack_dir)
    crit = dst / "criteria" / "ENF-01.yaml"
    text = crit.read_text(encoding="utf-8")
    crit.write_text(text.replace("equals: true", "equal: true", 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_pack(dst)
    messages = [p.line_text() for p in exc.value.problems]
    assert len(messages) == 1, messages
    assert "unknown operator 'equal'; did you mean 'equals'?" in messages[0]


def test_an_empty_fact_catalogue_is_the_one_error_reported(tmp_path: Path, pack_dir: Path) -> None:
    from grader.loading.pack import load_pack

    dst = _pack_copy(tmp_path, pack_dir)
    (dst / "facts" / "enforcement.yaml").write_text("", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_pack(dst)
    assert [p.file.rsplit("/", 1)[-1] for p in exc.value.problems] == ["enforcement.yaml"]
