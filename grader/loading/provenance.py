"""Which protective marking each input file carries: the highest of the items it holds.

A report's provenance table names every input file with its hash. A file that holds only
SECRET items must not be named to the public (its name and hash say it exists), so each
:class:`~grader.models.common.InputFile` carries the marking of what it holds, and the
report shows a file only to readers cleared for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.models.common import MARKINGS, InputFile
from grader.models.evidence import EvidenceItem


def mark_files(files: list[InputFile], items: list[EvidenceItem], docs: dict[str, tuple[Any, Any]],
               root: Path) -> list[InputFile]:
    """``files`` with each marking raised to the highest of the items written in it.

    ``docs`` maps an item id to where it was written (a YAML document or a table locator, each
    naming its file by ``display``); ``root`` is what the files' paths are relative to the
    parent of. A file whose items cannot be matched to it by path keeps the highest marking
    of the whole set: unknown means as sensitive as anything in it, never less.
    """
    rank: dict[Path, int] = {}
    resolved: dict[str, Path] = {}  # a file's path is resolved once, not once per item it holds
    for item in items:
        display = docs[item.id][0].display
        where = resolved.get(display)
        if where is None:
            where = resolved[display] = Path(display).resolve()
        rank[where] = max(rank.get(where, 0), MARKINGS.index(item.marking))
    base = Path(root).resolve().parent
    top = max(rank.values(), default=0)
    out = []
    for f in files:
        here = (base / f.path).resolve()
        level = rank.get(here)
        if level is None:  # no item of the set was written in it: a manifest holds none (OFFICIAL)
            level = 0 if here.name.endswith("evidence-set.yaml") else top
        out.append(f.model_copy(update={"marking": MARKINGS[level]}))
    return out

