"""``grader rules new``: a criterion file and its test file that load, run and say what to fill in.

The scaffold is a working criterion, not a stub: its two rules use tags (``<id>-gap`` and
``<id>-met``) so that its own test cases exercise real rules and pass from the start, and every
text an inspector must write is marked ``TODO``, which ``rules check`` reports (LINT-090) until
it is replaced. Outcomes come from the pack's scale: the worst grade for the gap, the grade a
mitigated gap counts as (the passing grade) for the standard being met.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import InputError, Problem
from grader.loading.conditions import suggest
from grader.loading.files import display_path
from grader.loading.pack import load_pack
from grader.models.common import CRITERION_ID
from grader.outputs import ensure_folder, write_atomic
from grader.schemas import SCHEMA_DIR, SCHEMA_FILES

#: The JSON Schema of criterion files (grader/schemas/, written by scripts/schemas.py).
SCHEMA_FILE = SCHEMA_DIR / SCHEMA_FILES["rules"]


@dataclass(frozen=True)
class Scaffold:
    criterion_file: Path
    test_file: Path


class NoPackHere(ValueError):
    """``rules new`` was given no ``--pack`` and the current folder is not a pack."""


def pack_to_extend(pack: Path | None, criterion_id: str, pillar: str, cwd: Path | None = None) -> Path:
    """The pack ``rules new`` writes into: ``pack`` if given, else the current folder if it is a
    pack (holds ``pack.yaml``). Unlike the commands that only read a pack, it never falls back
    to the bundled one: that copy belongs to the installation (reinstalling replaces it), so the
    error says to name a pack with ``--pack``, and gives the two commands that extend a copy of
    the bundled pack instead."""
    if pack is not None:
        return Path(pack)
    here = Path.cwd() if cwd is None else Path(cwd)
    if (here / "pack.yaml").is_file():
        return here
    import shlex

    from grader.bundled import default_pack

    new = f"grader rules new {shlex.quote(criterion_id)} --pillar {shlex.quote(pillar)}"
    raise NoPackHere("\n".join([
        "grader rules new: the current folder is not a rule pack (it has no pack.yaml).",
        f"Name the pack to add {criterion_id} to with --pack DIR (or run this in its folder):",
        f"  {new} --pack rules/my-pack",
        "To extend the bundled pack, copy it and add to the copy (grader never writes",
        "into the pack it was installed with; a reinstall would replace it):",
        f"  cp -r {shlex.quote(str(default_pack()))} my-pack",
        f"  {new} --pack my-pack",
    ]))


def new_criterion(pack_dir: Path, criterion_id: str, pillar: str, *, force: bool = False) -> Scaffold:
    """Write ``criteria/<ID>.yaml`` and ``tests/<ID>.yaml`` in the pack; refuse to overwrite
    either unless ``force``. Nothing is written unless both can be."""
    pack_dir = Path(pack_dir)
    loaded = load_pack(pack_dir)  # the pack must load before anything is added to it
    pack = loaded.pack
    shown = display_path(pack_dir)
    problems: list[Problem] = []
    if not re.match(CRITERION_ID, criterion_id):
        problems.append(Problem(file=shown, code="NEW-001", message=f"{criterion_id!r} is not a criterion id: use "
                                "capitals, digits and '-', like PRE-08"))
    pillars = [p.id for p in pack.manifest.pillars]
    if pillar not in pillars:
        problems.append(Problem(file=shown, code="NEW-002",
                                message=f"unknown pillar {pillar!r}{suggest(pillar, pillars)}; "
                                f"the pack's pillars: {', '.join(pillars)}"))
    crit_file = pack_dir / "criteria" / f"{criterion_id}.yaml"
    test_file = pack_dir / "tests" / f"{criterion_id}.yaml"
    if not force:
        for path in (crit_file, test_file):
            if path.exists():
                problems.append(Problem(file=display_path(path), code="OUT-001",
                                        message="file exists; use --force to replace it"))
    if problems:
        raise InputError(problems)
    scale = pack.scale_ids
    policy = pack.manifest.policy
    gap_outcome = scale[-1]
    met_outcome = policy.mitigated_as
    ensure_folder(test_file.parent)
    crit_text = criterion_text(criterion_id, pillar, gap_outcome, met_outcome, _schema_comment(crit_file))
    tests_text = tests_text_for(criterion_id, pillar, gap_outcome, met_outcome)
    write_atomic(crit_file, crit_text)
    write_atomic(test_file, tests_text)
    return Scaffold(crit_file, test_file)


def _schema_comment(crit_file: Path) -> str:
    """The editor's schema line, for a pack inside the source checkout grader runs from (as the
    bundled pack's files have); elsewhere a relative path would name one machine's install."""
    checkout = SCHEMA_FILE.parents[2]
    here = crit_file.parent.resolve()
    if not SCHEMA_FILE.is_file() or not here.is_relative_to(checkout) or here.is_relative_to(SCHEMA_FILE.parents[1]):
        return ""
    rel = os.path.relpath(SCHEMA_FILE, here)
    return f"# yaml-language-server: $schema={Path(rel).as_posix()}\n"


def criterion_text(cid: str, pillar: str, gap_outcome: str, met_outcome: str, header: str = "") -> str:
    tag = cid.lower()
    return f"""{header}# Scaffolded by `grader rules new`. Replace every TODO, then write rules that test the facts
# of the pack's catalogue (facts/*.yaml) instead of the placeholder tags, and update
# tests/{cid}.yaml to match. `grader rules check` lists what is still to do.
id: {cid}
pillar: {pillar}
title: TODO the criterion in a few words
standard: >-
  TODO the standard in plain words, as the framework states it.
significant: true
source: {{section: "TODO where the criterion comes from"}}
rules:
  # Tried in order; the first rule that holds decides the outcome. No rule holding gives
  # insufficient-evidence: absence of evidence is a finding, never a pass.
  - id: gap-found
    outcome: {gap_outcome}
    when:
      name: gap
      some:
        all:
          - {{kind: area-for-improvement}}
          - {{tag: {tag}-gap}}
    because: An area for improvement shows the standard is not met ({{gap}}).
  - id: standard-met
    outcome: {met_outcome}
    when:
      name: evidence
      some:
        all:
          - {{kind: strength}}
          - {{tag: {tag}-met}}
    because: A strength shows the standard is met ({{evidence}}).
"""


def tests_text_for(cid: str, pillar: str, gap_outcome: str, met_outcome: str) -> str:
    tag = cid.lower()
    return f"""# Test cases for {cid}: given these evidence items, expect this outcome.
# Scaffolded by `grader rules new`; rewrite the cases when you rewrite the rules.
criterion: {cid}
defaults:
  pillar: {pillar}
  criteria: [{cid}]
cases:
  - name: no evidence is insufficient evidence, never {met_outcome}
    evidence: []
    expect: {{outcome: insufficient-evidence}}
  - name: a strength showing the standard is met gives {met_outcome}
    evidence:
      - {{id: T1, kind: strength, tags: [{tag}-met]}}
    expect: {{outcome: {met_outcome}, rule: standard-met, cites: [T1]}}
  - name: an area for improvement gives {gap_outcome}, even beside a strength
    evidence:
      - {{id: T1, kind: strength, tags: [{tag}-met]}}
      - {{id: T2, kind: area-for-improvement, tags: [{tag}-gap]}}
    expect: {{outcome: {gap_outcome}, rule: gap-found, cites: [T2]}}
"""
