"""Evidence statements and criterion standards are in our own words, not copied from the seed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack

SEED = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / "000_ee7c48a17ce9bcf1.txt"
#: A run of this many words in common with the seed counts as a copied phrase. (Shorter runs
#: are allowed: they are names of units, documents and meetings, which are facts.)
RUN = 10


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + RUN]) for i in range(len(words) - RUN + 1)}


@pytest.fixture(scope="module")
def seed_runs() -> set[tuple[str, ...]]:
    return _runs(_words(SEED.read_text(encoding="utf-8")))


def test_no_evidence_statement_copies_the_seed(evidence_dir: Path, seed_runs) -> None:
    copied = []
    for item in load_evidence(evidence_dir).evidence.items:
        common = _runs(_words(item.statement)) & seed_runs
        if common:
            copied.append(f"{item.id}: '{' '.join(sorted(common)[0])}'")
    assert not copied, "statements that copy the seed:\n" + "\n".join(copied)


def test_no_criterion_standard_copies_the_seed(pack_dir: Path, seed_runs) -> None:
    pack = load_pack(pack_dir).pack
    copied = [c.id for c in pack.criteria if _runs(_words(f"{c.title} {c.standard}")) & seed_runs]
    aims = [p.id for p in pack.manifest.pillars if _runs(_words(p.aim)) & seed_runs]
    meanings = [g.id for g in pack.manifest.scale if _runs(_words(g.meaning or "")) & seed_runs]
    framework = _runs(_words(pack.manifest.framework or "")) & seed_runs
    assert not copied and not aims and not meanings and not framework
