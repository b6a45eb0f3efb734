"""The engine knows no pack: each pack graded with its name, pillar ids and criterion ids rewritten
gives the same outcomes, pillar grades and overall grade (or none)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from peelkit import EXAMPLESHIRE, PEEL_PACK

from grader.bundled import default_evidence, default_pack
from grader.grading.run import grade_paths
from grader.loading.pack import load_pack


def _word(token: str) -> re.Pattern[str]:
    """``token`` as a whole id: not part of a longer id, fact name or evidence id."""
    return re.compile(rf"(?<![\w-]){re.escape(token)}(?![\w-])")


def _renamed_copy(pack: Path, evidence: Path, tmp: Path) -> tuple[Path, Path, dict[str, str], dict[str, str]]:
    loaded = load_pack(pack).pack
    crit = {c.id: f"Q{n:02d}" for n, c in enumerate(loaded.criteria, 1)}
    pillars = {p.id: f"area-{n}" for n, p in enumerate(loaded.manifest.pillars, 1)}
    names = {loaded.manifest.name: "framework-x", **pillars, **crit}
    new_pack, new_ev = tmp / "pack", tmp / "evidence"
    shutil.copytree(pack, new_pack, ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(evidence, new_ev)
    for path in [*new_pack.rglob("*.yaml"), *new_ev.rglob("*.yaml")]:
        text = path.read_text(encoding="utf-8")
        for old, new in names.items():
            text = _word(old).sub(new, text)
        path.write_text(text, encoding="utf-8")
    for old, new in crit.items():
        (new_pack / "criteria" / f"{old}.yaml").rename(new_pack / "criteria" / f"{new}.yaml")
    return new_pack, new_ev, crit, pillars


@pytest.mark.parametrize(("pack", "evidence"), [(default_pack(), default_evidence()), (PEEL_PACK, EXAMPLESHIRE)],
                         ids=["acpo-derbyshire", "peel-exampleshire"])
def test_grading_a_renamed_pack_gives_the_same_outcomes(pack: Path, evidence: Path, tmp_path: Path) -> None:
    original = grade_paths(evidence, pack)
    new_pack, new_ev, crit, pillars = _renamed_copy(pack, evidence, tmp_path)
    renamed = grade_paths(new_ev, new_pack)
    assert renamed.meta.pack.name == "framework-x"
    assert {crit[f.criterion]: (f.outcome, f.assessed_outcome, sorted(f.evidence)) for f in original.criteria} == \
        {f.criterion: (f.outcome, f.assessed_outcome, sorted(f.evidence)) for f in renamed.criteria}
    assert {pillars[p.id]: (p.grade, p.assessed_grade) for p in original.pillars} == \
        {p.id: (p.grade, p.assessed_grade) for p in renamed.pillars}
    assert [pillars[a.id] for a in original.ungraded] == [a.id for a in renamed.ungraded]
    assert (original.overall is None) == (renamed.overall is None)
    if original.overall is not None:
        assert renamed.overall is not None and original.overall.grade == renamed.overall.grade
    assert len({p.grade for p in original.pillars}) >= 1
