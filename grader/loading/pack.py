"""Load a rule pack folder into a validated, cross-checked :class:`RulePack`.

Everything that can be wrong with a pack is found here, before any evidence is looked at:
schema errors, unknown names (with "did you mean"), outcomes that are not on the scale, clause
names a ``because`` uses but the rule does not define, a criterion file whose id is not its
name. Problems are collected across all files and raised together.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from grader.errors import InputError, Problem, raise_if_errors
from grader.gcpause import gc_paused
from grader.loading.conditions import (
    ClauseParser,
    ParseContext,
    check_because,
    clause_names,
    one_of,
    parse_roll,
    suggest,
)
from grader.loading.files import YAML_SUFFIXES, InputFile, display_path, folder_inputs, input_file, present
from grader.loading.validate import validate_model
from grader.loading.yamlsrc import PathKey, YamlDocument, load_yaml
from grader.models.common import CRITERION_ID
from grader.models.evidence import BUILTIN_KINDS
from grader.models.pack import (
    SPECIAL_OUTCOMES,
    CountClause,
    Criterion,
    FactSpec,
    GlossaryTerm,
    OutcomeCount,
    PackManifest,
    RulePack,
    Test,
)


class _FactsFile(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    facts: dict[str, FactSpec] = Field(default_factory=dict)


class _GlossaryFile(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    terms: list[GlossaryTerm] = Field(default_factory=list)


@dataclass
class Located:
    """Where something in a pack was written: file and 1-based line/column."""

    file: str
    line: int | None
    column: int | None


@dataclass
class LoadedPack:
    """A pack and where each of its parts stands, for located messages and `explain`."""

    pack: RulePack
    root: Path
    files: list[InputFile]
    criterion_files: dict[str, str] = field(default_factory=dict)
    rule_positions: dict[tuple[str, str], Located] = field(default_factory=dict)
    docs: dict[str, YamlDocument] = field(default_factory=dict)


#: Where an installed grader keeps its bundled packs (a wheel's package data).
_INSTALLED = Path(__file__).resolve().parent.parent / "_bundled"


def pack_path(path: Path, root: Path) -> str:
    """``path`` (in the pack at ``root``) as messages name it.

    Relative to the working folder when it is below it; a pack bundled inside an installed
    grader is named from its own folder (``acpo-major-crime-2008/criteria/INT-01.yaml``), never
    by a site-packages path an inspector cannot (and must not) edit.
    """
    shown = display_path(path)
    resolved = Path(root).resolve()
    if Path(shown).is_absolute() and _INSTALLED in resolved.parents:
        return Path(resolved.name, Path(path).resolve().relative_to(resolved)).as_posix()
    return shown


def pack_files(root: Path, folder: str, holds: str, problems: list[Problem]) -> list[Path]:
    """The YAML files (``.yaml`` or ``.yml``, any case) of the pack's ``folder`` (``facts``,
    ``criteria``, ``tests``), sorted by name; any other file there, which grader would leave out,
    is appended to ``problems`` (see :func:`grader.loading.files.folder_inputs`)."""
    where = Path(root) / folder
    if not where.is_dir():
        return []
    paths, unread = folder_inputs(where, Path(root), YAML_SUFFIXES, holds)
    problems.extend(unread)
    return paths


@gc_paused()
def load_pack(root: Path) -> LoadedPack:
    """Load and check the pack in folder ``root``; raise :class:`InputError` listing every problem."""
    root = Path(root)
    shown = pack_path(root, root)
    if not root.is_dir():
        raise InputError([Problem(file=shown, code="PACK-001", message="rule pack folder not found")])
    manifest_path = root / "pack.yaml"
    if not present(manifest_path):
        raise InputError([Problem(file=shown, code="PACK-001", message="no pack.yaml in this folder; is it a rule pack?")])

    problems: list[Problem] = []
    files: list[InputFile] = []
    docs: dict[str, YamlDocument] = {}

    def read(path: Path) -> YamlDocument | None:
        try:
            doc = load_yaml(path, pack_path(path, root), within=root)
            files.append(input_file(path, root, doc.sha256))
        except InputError as exc:
            problems.extend(exc.problems)
            return None
        docs[path.relative_to(root).as_posix()] = doc
        return doc

    # 1. fact catalogue
    facts: dict[str, FactSpec] = {}
    fact_where: dict[str, str] = {}
    for path in pack_files(root, "facts", "fact catalogues", problems):
        doc = read(path)
        if doc is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(doc.problem((), "PACK-010", "a facts file is a mapping with a 'facts:' key"))
            continue
        parsed = validate_model(_FactsFile, doc.data, doc, (), problems, "PACK-011")
        if parsed is None:
            continue
        for name, spec in parsed.facts.items():
            if not re.match(r"^[a-z][a-z0-9_]*$", name):
                problems.append(doc.problem(("facts", name), "PACK-012", f"fact name {name!r} must be snake_case", key=True))
            elif name in facts:
                problems.append(
                    doc.problem(("facts", name), "PACK-013", f"fact {name!r} is declared twice (also in {fact_where[name]})", key=True)
                )
            else:
                facts[name] = spec
                fact_where[name] = doc.display

    if any(p.severity == "error" for p in problems):
        # Every rule tests catalogued facts: with a broken catalogue, each test of every criterion
        # would be reported as an unknown fact, burying the one real mistake.
        raise InputError(problems)

    # 2. manifest
    mdoc = read(manifest_path)
    if mdoc is None:
        raise InputError(problems)
    raw = mdoc.data
    if not isinstance(raw, dict):
        raise InputError([*problems, mdoc.problem((), "PACK-002", "pack.yaml must be a mapping")])
    raw = copy.deepcopy(raw)
    pillar_ids = [p.get("id") for p in raw.get("pillars", []) if isinstance(p, dict)]
    grade_ids = [g.get("id") for g in raw.get("scale", []) if isinstance(g, dict)]
    settings = raw.get("settings") if isinstance(raw.get("settings"), dict) else {}
    ctx = ParseContext(
        doc=mdoc,
        facts=facts,
        pillars=[p for p in pillar_ids if isinstance(p, str)],
        settings={k: v for k, v in settings.items() if isinstance(v, int | float) and not isinstance(v, bool)},
        grades=[g for g in grade_ids if isinstance(g, str)],
    )
    ctx.outcomes = [*ctx.grades, *SPECIAL_OUTCOMES]
    declared = raw.get("kinds") if isinstance(raw.get("kinds"), list) else []
    ctx.kinds = (*ctx.kinds, *(k["id"] for k in declared if isinstance(k, dict) and isinstance(k.get("id"), str)))
    _parse_policy(raw, ctx)
    for section in ("uplifts", "shared_concerns", "context_notes"):
        _parse_whens(raw, section, ctx, owner=f"pack.{section}")
    problems.extend(ctx.problems)
    manifest = validate_model(PackManifest, raw, mdoc, (), problems, "PACK-003")
    if manifest is not None:
        problems.extend(_check_manifest(manifest, mdoc))

    # 3. criteria
    criteria: list[Criterion] = []
    criterion_files: dict[str, str] = {}
    rule_positions: dict[tuple[str, str], Located] = {}
    crit_paths = pack_files(root, "criteria", "criteria", problems)
    known_ids = [p.stem for p in crit_paths]
    for path in crit_paths:
        doc = read(path)
        if doc is None:
            continue
        crit = _load_criterion(path, doc, facts, manifest, ctx, known_ids, problems)
        if crit is None:
            continue
        criteria.append(crit)
        criterion_files[crit.id] = doc.display
        for section in ("rules", "mitigations", "concerns", "uplifts"):
            for i, rule in enumerate(getattr(crit, section)):
                line, col = doc.position((section, i))
                rule_positions[(crit.id, f"{section}/{rule.id}")] = Located(doc.display, line, col)
    if not crit_paths:
        problems.append(Problem(file=shown, code="PACK-020", message="no criteria/*.yaml (or .yml) files: a pack "
                                                                     "needs criteria"))

    # 4. glossary
    glossary: list[GlossaryTerm] = []
    gpath = root / "glossary.yaml"
    if present(gpath):
        gdoc = read(gpath)
        if gdoc is not None:
            g = validate_model(_GlossaryFile, gdoc.data if gdoc.data is not None else {}, gdoc, (), problems, "PACK-030")
            if g is not None:
                glossary = g.terms
                seen: set[str] = set()
                for i, term in enumerate(glossary):
                    if term.abbr in seen:
                        problems.append(gdoc.problem(("terms", i, "abbr"), "PACK-031", f"{term.abbr!r} is defined twice"))
                    seen.add(term.abbr)

    if manifest is not None:
        for pillar in manifest.pillars:
            if not any(c.pillar == pillar.id for c in criteria):
                problems.append(
                    mdoc.problem(("pillars",), "PACK-021", f"pillar {pillar.id!r} has no criteria", severity="warning")
                )
    raise_if_errors(problems)
    assert manifest is not None
    pack = RulePack(manifest=manifest, facts=facts, criteria=criteria, glossary=glossary)
    files.sort(key=lambda f: f.path)
    return LoadedPack(
        pack=pack,
        root=root,
        files=files,
        criterion_files=criterion_files,
        rule_positions=rule_positions,
        docs=docs,
    )


#: Stand-ins for a ``when`` that failed to parse, so that validating the rest of the entry does
#: not add a second, misleading "missing required field 'when'" to the real problem.
_PLACEHOLDER_CLAUSE = CountClause(key="invalid", form="none", n=0,
                                  where=Test(subject="field", name="kind", op="exists", value=True))
_PLACEHOLDER_ROLL = OutcomeCount(at_least=0)


def _parse_whens(raw: dict[str, Any], section: str, ctx: ParseContext, owner: str) -> None:
    """Replace each ``when`` of ``raw[section]`` by its parsed clause, checking ``because``."""
    entries = raw.get(section)
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "when" not in entry:
            continue
        rid = entry.get("id", i)
        parser = ClauseParser(ctx, owner=f"{owner}/{rid}")
        clause = parser.parse(entry["when"], (section, i, "when"))
        if clause is None:
            entry["when"] = _PLACEHOLDER_CLAUSE  # the problem is recorded; don't also report 'missing when'
            continue
        entry["when"] = clause
        check_because(entry.get("because"), clause_names(clause), (section, i, "because"), ctx)


def _parse_policy(raw: dict[str, Any], ctx: ParseContext) -> None:
    policy = raw.get("policy")
    if not isinstance(policy, dict):
        return
    for level in ("pillar", "overall"):
        body = policy.get(level)
        if not isinstance(body, dict):
            continue
        for section in ("rules", "caps"):
            entries = body.get(section)
            if not isinstance(entries, list):
                continue
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict) or "when" not in entry:
                    continue
                names: dict[str, PathKey] = {}
                path = ("policy", level, section, i, "when")
                clause = parse_roll(entry["when"], path, ctx, level=level, names=names)
                if clause is None:
                    entry["when"] = _PLACEHOLDER_ROLL  # the problem is recorded already
                    continue
                entry["when"] = clause
                check_because(entry.get("because"), list(names), ("policy", level, section, i, "because"), ctx)


def _check_manifest(m: PackManifest, doc: YamlDocument) -> list[Problem]:
    """Cross-field checks pydantic cannot see: every grade named must be on the scale."""
    out: list[Problem] = []
    grades = [g.id for g in m.scale]
    outcomes = [*grades, *SPECIAL_OUTCOMES]
    for i, g in enumerate(grades):
        if g in grades[:i]:
            out.append(doc.problem(("scale", i, "id"), "PACK-004", f"grade {g!r} is on the scale twice"))
        if g in SPECIAL_OUTCOMES:
            out.append(doc.problem(("scale", i, "id"), "PACK-004", f"{g!r} is reserved for criterion outcomes"))
    pillars = [p.id for p in m.pillars]
    for i, p in enumerate(pillars):
        if p in pillars[:i]:
            out.append(doc.problem(("pillars", i, "id"), "PACK-005", f"pillar {p!r} is declared twice"))
    pol = m.policy
    for i, o in enumerate(pol.adverse):
        if o not in outcomes:
            out.append(doc.problem(("policy", "adverse", i), "PACK-006", f"unknown outcome {o!r}{one_of(o, outcomes, 'outcomes')}"))
    if pol.mitigated_as not in grades:
        out.append(doc.problem(("policy", "mitigated_as"), "PACK-006", f"{pol.mitigated_as!r} is not a grade of the scale{one_of(pol.mitigated_as, grades, 'grades')}"))
    for level_name in ("pillar", "overall"):
        level = getattr(pol, level_name)
        if level is None:  # no overall grade: the pack's choice
            continue
        for i, rule in enumerate(level.rules):
            if rule.grade not in grades:
                out.append(doc.problem(("policy", level_name, "rules", i, "grade"), "PACK-006",
                                       f"{rule.grade!r} is not a grade of the scale{one_of(rule.grade, grades, 'grades')}"))
        if level.rules[-1].when is not None:
            out.append(doc.problem(("policy", level_name, "rules", len(level.rules) - 1), "PACK-007",
                                   "the last roll-up rule must have no 'when', so that every case gets a grade"))
        for i, rule in enumerate(level.rules[:-1]):
            if rule.when is None:
                out.append(doc.problem(("policy", level_name, "rules", i), "PACK-008",
                                       "only the last roll-up rule may omit 'when'; the rules after it could never apply"))
        for i, cap in enumerate(level.caps):
            if cap.at_most not in grades:
                out.append(doc.problem(("policy", level_name, "caps", i, "at_most"), "PACK-006",
                                       f"{cap.at_most!r} is not a grade of the scale"))
    out.extend(_check_kinds(m, doc))
    for section, entries in (("uplifts", m.uplifts),):
        for i, u in enumerate(entries):
            for attr in ("from_", "to"):
                if getattr(u, attr) not in grades:
                    out.append(doc.problem((section, i, attr.rstrip("_")), "PACK-006",
                                           f"{getattr(u, attr)!r} is not a grade of the scale"))
    for section in ("uplifts", "shared_concerns", "context_notes"):
        ids = [e.id for e in getattr(m, section)]
        for i, rid in enumerate(ids):
            if rid in ids[:i]:
                out.append(doc.problem((section, i, "id"), "PACK-009", f"id {rid!r} is used twice in {section}"))
    return out


def _plain_outcomes(found: list[Problem], raw: dict[str, Any], outcomes: list[str]) -> list[Problem]:
    """An outcome written ``Meets`` fails the id pattern; say it in the words of outcomes instead
    (they are lower-case ids, and which they are), not in the words of a pattern."""
    otherwise = raw.get("otherwise")
    written: dict[str, Any] = {"otherwise.outcome": otherwise.get("outcome") if isinstance(otherwise, dict) else None}
    for i, rule in enumerate(raw.get("rules") or []):
        if isinstance(rule, dict):
            written[f"rules[{i}].outcome"] = rule.get("outcome")
    out = []
    for p in found:
        value = written.get(p.field or "")
        if isinstance(value, str) and value not in outcomes:
            p = p.model_copy(update={"message": f"outcome {value!r} is not an outcome: outcomes are lower-case ids"
                                                f"{one_of(value, outcomes, 'outcomes')}"})
        out.append(p)
    return out


def _check_kinds(m: PackManifest, doc: YamlDocument) -> list[Problem]:
    """The kinds a pack adds: new names, and a ``must_cite`` that names a kind items can have."""
    out: list[Problem] = []
    known = [*BUILTIN_KINDS, *(k.id for k in m.kinds)]
    for i, k in enumerate(m.kinds):
        if k.id in BUILTIN_KINDS or k.id in [x.id for x in m.kinds[:i]]:
            out.append(doc.problem(("kinds", i, "id"), "PACK-010",
                                   f"kind {k.id!r} is already a kind; give the new kind another name"))
        if k.must_cite is not None and k.must_cite not in known:
            out.append(doc.problem(("kinds", i, "must_cite"), "PACK-010",
                                   f"unknown kind {k.must_cite!r}{suggest(k.must_cite, known)}: name a built-in "
                                   "kind or one declared under 'kinds'"))
    if not any(p.graded for p in m.pillars):
        out.append(doc.problem(("pillars",), "PACK-011", "every pillar is 'graded: false': grade at least one"))
    return out


def _load_criterion(
    path: Path,
    doc: YamlDocument,
    facts: dict[str, FactSpec],
    manifest: PackManifest | None,
    pack_ctx: ParseContext,
    known_ids: list[str],
    problems: list[Problem],
) -> Criterion | None:
    raw = doc.data
    if not isinstance(raw, dict):
        problems.append(doc.problem((), "CRIT-001", "a criterion file is a mapping (id, pillar, title, ...)"))
        return None
    stem = path.stem
    if not re.match(CRITERION_ID, stem):
        problems.append(doc.problem((), "CRIT-002", f"file name {path.name!r}: criterion ids are like INT-01 "
                                    "(capitals, digits and '-')"))
        return None
    raw = copy.deepcopy(raw)
    ctx = ParseContext(
        doc=doc,
        facts=facts,
        pillars=pack_ctx.pillars,
        criteria=known_ids,
        settings=pack_ctx.settings,
        grades=pack_ctx.grades,
        outcomes=pack_ctx.outcomes,
        kinds=pack_ctx.kinds,
    )
    for section in ("rules", "mitigations", "concerns", "uplifts"):
        _parse_whens(raw, section, ctx, owner=f"{stem}/{section}")
    problems.extend(ctx.problems)
    found: list[Problem] = []
    crit = validate_model(Criterion, raw, doc, (), found, "CRIT-003")
    problems.extend(_plain_outcomes(found, raw, pack_ctx.outcomes))
    if crit is None:
        return None
    ok = True
    if crit.id != stem:
        problems.append(doc.problem(("id",), "CRIT-004", f"id {crit.id!r} differs from the file name {path.name!r}"))
        ok = False
    if crit.pillar not in pack_ctx.pillars:
        problems.append(doc.problem(("pillar",), "CRIT-005", f"unknown pillar {crit.pillar!r}{suggest(crit.pillar, pack_ctx.pillars)}"))
        ok = False
    outcomes = pack_ctx.outcomes
    for i, rule in enumerate(crit.rules):
        if rule.outcome not in outcomes:
            problems.append(doc.problem(("rules", i, "outcome"), "CRIT-006",
                                        f"unknown outcome {rule.outcome!r}{one_of(rule.outcome, outcomes, 'outcomes')}"))
            ok = False
    if crit.otherwise.outcome not in outcomes:
        problems.append(doc.problem(("otherwise", "outcome"), "CRIT-006", f"unknown outcome {crit.otherwise.outcome!r}"
                                    f"{one_of(crit.otherwise.outcome, outcomes, 'outcomes')}"))
        ok = False
    for i, mit in enumerate(crit.mitigations):
        if mit.treat_as is not None and mit.treat_as not in pack_ctx.grades:
            problems.append(doc.problem(("mitigations", i, "treat_as"), "CRIT-006", f"{mit.treat_as!r} is not a grade{one_of(mit.treat_as, pack_ctx.grades, 'grades')}"))
            ok = False
    for i, up in enumerate(crit.uplifts):
        for attr in ("from_", "to"):
            if getattr(up, attr) not in pack_ctx.grades:
                problems.append(doc.problem(("uplifts", i, attr.rstrip("_")), "CRIT-006", f"{getattr(up, attr)!r} is not a grade"
                                            f"{one_of(getattr(up, attr), pack_ctx.grades, 'grades')}"))
                ok = False
    for section in ("rules", "mitigations", "concerns", "uplifts"):
        ids = [r.id for r in getattr(crit, section)]
        for i, rid in enumerate(ids):
            if rid in ids[:i]:
                problems.append(doc.problem((section, i, "id"), "CRIT-007", f"rule id {rid!r} is used twice in {section}"))
                ok = False
    return crit if ok else None
