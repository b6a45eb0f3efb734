"""Run a pack's YAML test cases: given these evidence items, expect these outcomes.

Test files live in ``<pack>/tests``: ``<CRITERION-ID>.yaml`` for one criterion's cases and
``pack.yaml`` for whole-pack cases (pillar and overall grades). The same runner serves
``grader rules test`` and the project's pytest suite, so a pack's tests run in CI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from grader.models.pack import RulePack, counting_clauses
from grader.errors import InputError, Problem
from grader.grading.run import Grader
from grader.grading.text import describe_clause
from grader.loading.conditions import one_of
from grader.loading.crosscheck import check_items
from grader.loading.evidence import LoadedEvidence, apply_defaults, load_evidence
from grader.loading.pack import pack_files
from grader.loading.files import display_path
from grader.loading.validate import validate_model
from grader.loading.yamlsrc import YamlDocument, load_yaml
from grader.models.evidence import Document, EvidenceItem, EvidenceSet, EvidenceSetManifest
from grader.models.result import GradingResult

TEST_ITEM_DEFAULTS: dict[str, Any] = {
    "verified": True,
    "marking": "OFFICIAL",
    "collected": dt.date(2008, 7, 1),
    "source": {"document": "test", "section": "test"},
}
#: What a criterion's case may expect, and a pack-level case (tests/pack.yaml).
CRITERION_EXPECT = ("outcome", "assessed", "rule", "cites", "mitigated", "concerns")
PACK_EXPECT = ("overall", "assessed_overall", "pillars", "criteria")
#: The keys of a case, and of its ``evidence`` when that is a mapping.
CASE_KEYS = ("name", "evidence", "expect")
EVIDENCE_KEYS = ("from", "without", "without_pillars", "add")


@dataclass
class CaseResult:
    file: str
    line: int | None
    name: str
    failures: list[str] = field(default_factory=list)
    result: GradingResult | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def test_id(self) -> str:
        return f"{Path(self.file).stem}::{self.name}"


@dataclass
class TestCase:
    file: str
    line: int | None
    name: str
    criterion: str | None
    evidence: LoadedEvidence
    expect: dict[str, Any]
    doc: YamlDocument | None = None  # the test file, to locate problems found later (rules check)
    path: tuple[str | int, ...] = ()  # of the case in that file
    #: The whole set named by ``from:`` (before ``without``/``add``), for checks of that set itself.
    source: LoadedEvidence | None = None


#: How a test report names each kind of a criterion's rules.
SECTION_WORDS = {"rules": "rule", "mitigations": "mitigation", "concerns": "concern", "uplifts": "uplift"}
#: Longest clause text quoted in a coverage line; the rest is cut at a word, with "...".
CLAUSE_WORDS = 90


@dataclass(frozen=True)
class RuleRef:
    """One rule, mitigation, concern or uplift of a criterion, as coverage counts it."""

    criterion: str
    section: str
    rule: str

    @property
    def key(self) -> str:
        return f"{self.criterion}/{self.section}/{self.rule}"

    def words(self) -> str:
        """As an inspector says it: ``ENF-04, rule no-oversight``."""
        return f"{self.criterion}, {SECTION_WORDS[self.section]} {self.rule}"


@dataclass(frozen=True)
class ClauseRef:
    """One counting clause of a rule: its place in the rule (1 = first) and what it asks, in words."""

    owner: RuleRef
    index: int
    key: str
    name: str | None
    text: str

    def words(self) -> str:
        """``ENF-04, rule no-oversight, clause 1 'none_found' (at least one item that ...)``."""
        named = f" '{self.name}'" if self.name else ""
        return f"{self.owner.words()}, clause {self.index}{named} ({shorten(self.text, CLAUSE_WORDS)})"


def shorten(text: str, width: int) -> str:
    """``text``, or as many of its words as fit in ``width`` followed by ``...``."""
    if len(text) <= width:
        return text
    words = text[: width - 3].rsplit(" ", 1)[0].split(" ")
    while len(words) > 1 and words[-1].strip("(;,") in ("", "and", "or", "that", "is", "not", "one", "the", "fact"):
        words.pop()  # end on a word that says something: "fact x is yes and ..." not "... and..."
    return f"{' '.join(words).rstrip(',;')} ..."


@dataclass
class Coverage:
    """Which rules held in at least one case, and which clauses matched at least one item.

    ``criteria`` is what was measured: every criterion of the pack, or (when only some cases
    ran) the criteria whose test files ran."""

    rules_total: list[RuleRef] = field(default_factory=list)
    rules_held: set[str] = field(default_factory=set)
    clauses_total: list[ClauseRef] = field(default_factory=list)
    clauses_matched: set[str] = field(default_factory=set)
    criteria: list[str] = field(default_factory=list)

    @property
    def rules_missed(self) -> list[RuleRef]:
        return [r for r in self.rules_total if r.key not in self.rules_held]

    @property
    def clauses_missed(self) -> list[ClauseRef]:
        return [c for c in self.clauses_total if c.key not in self.clauses_matched]


def collect_cases(pack_dir: Path, pack_name: str, kinds: Sequence[str] | None = None) -> list[TestCase]:
    """Every case in ``pack_dir/tests``, with its evidence built and validated; sets named by
    ``from:`` may hold ``kinds`` (the pack's ``kind_ids``) besides the built-in ones."""
    problems: list[Problem] = []
    cases: list[TestCase] = []
    sets: dict[Path, LoadedEvidence] = {}  # evidence sets named by `from:`, loaded once
    for path in pack_files(Path(pack_dir), "tests", "test cases", problems):
        try:
            doc = load_yaml(path, display_path(path), within=Path(pack_dir))
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        cases.extend(_cases_of(doc, pack_name, problems, sets, kinds))
    if problems:
        raise InputError(problems)
    return cases


def _cases_of(doc: YamlDocument, pack_name: str, problems: list[Problem],
              sets: dict[Path, LoadedEvidence], kinds: Sequence[str] | None = None) -> list[TestCase]:
    raw = doc.data
    is_pack = doc.path.stem == "pack"
    if not isinstance(raw, dict) or not isinstance(raw.get("cases"), list):
        problems.append(doc.problem((), "TEST-001", "a test file is a mapping with a 'cases:' list"))
        return []
    allowed = {"cases", "defaults"} | (set() if is_pack else {"criterion"})
    for key in raw:
        if key not in allowed:
            problems.append(doc.problem((key,), "TEST-002", f"unknown key {key!r}", key=True))
    criterion = None if is_pack else raw.get("criterion", doc.path.stem)
    if not is_pack and criterion != doc.path.stem:
        problems.append(doc.problem(("criterion",), "TEST-003", f"criterion {criterion!r} differs from the file name"))
    defaults = raw.get("defaults") or {}
    out = []
    for i, case in enumerate(raw["cases"]):
        path = ("cases", i)
        allowed_expect = PACK_EXPECT if is_pack else CRITERION_EXPECT
        if not _case_shape_ok(doc, case, path, allowed_expect, problems):
            continue
        expect = case["expect"]
        evidence = _evidence_of(doc, case.get("evidence", []), (*path, "evidence"), defaults, pack_name, problems, kinds,
                                sets)
        if evidence is None:
            continue
        line, _ = doc.position(path)
        raw_evidence = case.get("evidence")
        source = sets.get(_from_path(doc, raw_evidence)) if isinstance(raw_evidence, dict) and "from" in raw_evidence \
            else None
        out.append(TestCase(doc.display, line, str(case["name"]), criterion, evidence, expect, doc, path, source))
    return out


def _case_shape_ok(doc: YamlDocument, case: Any, path: tuple[str | int, ...], allowed_expect: tuple[str, ...],
                   problems: list[Problem]) -> bool:
    """A case is a mapping with ``name``, ``evidence`` and a non-empty ``expect`` of known keys.

    Each message names the key that is missing or misspelt, and what to write instead, because
    an author reading "not a mapping" for ``expect: {}`` cannot tell what is wrong.
    """
    example = "expect: {overall: meets}" if allowed_expect == PACK_EXPECT else "expect: {outcome: meets}"
    if not isinstance(case, dict):
        problems.append(doc.problem(path, "TEST-004", "a case is a mapping with 'name', 'evidence' and 'expect' "
                                                      "(write '- name: ...' then the other keys indented under it)"))
        return False
    unknown = [k for k in case if k not in CASE_KEYS]
    for key in unknown:
        problems.append(doc.problem((*path, key), "TEST-004",
                                    f"unknown key {key!r} in a case{one_of(str(key), CASE_KEYS, 'keys of a case')}",
                                    key=True))
    missing = [k for k in ("name", "expect") if k not in case]
    for key in missing:
        what = "what it tests, in words" if key == "name" else f"what grading should give, e.g. '{example}'"
        problems.append(doc.problem(path, "TEST-004", f"this case has no {key!r}: add '{key}:' saying {what}"))
    if unknown or missing:
        return False
    expect = case["expect"]
    keys = ", ".join(allowed_expect)
    if isinstance(expect, dict) and not expect:
        problems.append(doc.problem((*path, "expect"), "TEST-005", f"'expect' is empty: say what grading should "
                                                                   f"give, e.g. '{example}' (keys: {keys})"))
        return False
    if not isinstance(expect, dict):
        problems.append(doc.problem((*path, "expect"), "TEST-005", f"'expect' is a mapping of what grading should "
                                                                   f"give, e.g. '{example}' (keys: {keys}), "
                                                                   f"not {type(expect).__name__}"))
        return False
    bad = [k for k in expect if k not in allowed_expect]
    for key in bad:
        problems.append(doc.problem((*path, "expect", key), "TEST-006", f"unknown expectation {key!r}"
                                    f"{one_of(str(key), allowed_expect, 'expectations')}", key=True))
    return not bad


def check_case_evidence(cases: list[TestCase], pack: RulePack) -> list[Problem]:
    """The items a test file writes, against the pack: a misspelt fact in a case's evidence would
    otherwise only show as a failing case when the pack's tests run, far from the typo."""
    problems: list[Problem] = []
    for case in cases:
        docs = {iid: (d, where) for iid, (d, where) in case.evidence.item_docs.items() if d is case.doc}
        items = [i for i in case.evidence.evidence.items if i.id in docs]
        problems += check_items(items, docs, pack)
    return problems


def _from_path(doc: YamlDocument, raw: dict[str, Any]) -> Path:
    """The set a case's ``from:`` names: relative to the test file, as the author reads it."""
    return (doc.path.parent / str(raw["from"])).resolve()


def _evidence_of(doc: YamlDocument, raw: Any, path: tuple[str | int, ...], defaults: dict[str, Any],
                 pack_name: str, problems: list[Problem], kinds: Sequence[str] | None,
                 sets: dict[Path, LoadedEvidence]) -> LoadedEvidence | None:
    base: LoadedEvidence | None = None
    add: list[Any] = []
    without: list[str] = []
    if isinstance(raw, dict):
        bad = [k for k in raw if k not in EVIDENCE_KEYS]
        if bad:
            problems.append(doc.problem((*path, bad[0]), "TEST-007", f"unknown key {bad[0]!r}"
                                        f"{one_of(bad[0], EVIDENCE_KEYS, 'keys of evidence')}", key=True))
            return None
        if "from" in raw:
            src = _from_path(doc, raw)
            try:
                if src not in sets:
                    sets[src] = load_evidence(src, kinds)
                base = sets[src]
            except InputError as exc:
                problems.extend(exc.problems)
                return None
        add = list(raw.get("add") or [])
        without = list(raw.get("without") or [])
        drop_pillars = set(raw.get("without_pillars") or [])
        add_path = (*path, "add")
    elif isinstance(raw, list):
        add, drop_pillars, add_path = raw, set(), path
    else:
        problems.append(doc.problem(path, "TEST-008",
                                    "'evidence' is a list of items or {from: DIR, without: [...], add: [...]}"))
        return None
    items: list[EvidenceItem] = []
    item_docs: dict[str, tuple[YamlDocument, tuple[str | int, ...]]] = {}
    if base is not None:
        known = {i.id for i in base.evidence.items}
        for j, wid in enumerate(without):
            if wid not in known:
                problems.append(doc.problem((*path, "without", j), "TEST-009", f"no item {wid!r} in that evidence set"))
        for item in base.evidence.items:
            if item.id not in without and item.pillar not in drop_pillars:
                items.append(item)
                item_docs[item.id] = base.item_docs[item.id]
    for j, entry in enumerate(add):
        if not isinstance(entry, dict):
            problems.append(doc.problem((*add_path, j), "TEST-010", "an evidence item is a mapping"))
            continue
        merged = apply_defaults(apply_defaults(entry, defaults), TEST_ITEM_DEFAULTS)
        merged.setdefault("statement", f"test item {entry.get('id', j)}")
        item = validate_model(EvidenceItem, merged, doc, (*add_path, j), problems, "TEST-011")
        if item is None:
            continue
        if item.id in item_docs:
            problems.append(doc.problem((*add_path, j, "id"), "TEST-012", f"duplicate evidence id {item.id!r}"))
            continue
        items.append(item)
        item_docs[item.id] = (doc, (*add_path, j))
    if base is not None:
        manifest = base.evidence.manifest.model_copy(
            update={"documents": {**base.evidence.manifest.documents, "test": Document(title="Test cases")}})
        files, root = base.files, base.root
    else:
        manifest = EvidenceSetManifest(id="test", force="Test force", framework=pack_name, title="Test case",
                                       inspected=dt.date(2008, 7, 1), documents={"test": Document(title="Test cases")})
        files, root = [], doc.path.parent
    return LoadedEvidence(evidence=EvidenceSet(manifest=manifest, items=items), root=root, files=files,
                          item_docs=item_docs)


def run_case(grader: Grader, case: TestCase) -> CaseResult:
    """Grade one case and compare with its expectations."""
    out = CaseResult(case.file, case.line, case.name)
    try:
        result = grader.grade(case.evidence)
    except InputError as exc:
        out.failures = [f"evidence does not fit the pack: {p.line_text()}" for p in exc.problems]
        return out
    out.result = result
    exp = case.expect
    if case.criterion is not None:
        try:
            f = result.criterion(case.criterion)
        except KeyError:
            out.failures.append(f"the pack has no criterion {case.criterion!r}")
            return out
        why = f"decided by {f.decided_by}: {f.rationale}"
        checks = {
            "outcome": f.outcome,
            "assessed": f.assessed_outcome,
            "rule": f.decided_by.removeprefix("rules/"),
            "cites": sorted(f.evidence),
            "mitigated": f.mitigated,
            "concerns": sorted(c.concern for c in f.concerns),
        }
        for key, actual in checks.items():
            if key in exp:
                wanted = sorted(exp[key]) if key in ("cites", "concerns") else exp[key]
                if wanted != actual:
                    out.failures.append(f"{key}: expected {wanted!r}, got {actual!r}")
        if out.failures:
            out.failures.append(f"why: {why}")
    else:
        o = result.overall
        if o is None and ("overall" in exp or "assessed_overall" in exp):
            out.failures.append("expects an overall grade, but the pack gives none (no 'overall' in its policy)")
        if o is not None and "overall" in exp and exp["overall"] != o.grade:
            out.failures.append(f"overall: expected {exp['overall']!r}, got {o.grade!r} ({o.rationale})")
        if o is not None and "assessed_overall" in exp and exp["assessed_overall"] != o.assessed_grade:
            out.failures.append(f"assessed_overall: expected {exp['assessed_overall']!r}, got {o.assessed_grade!r}")
        for pid, grade in (exp.get("pillars") or {}).items():
            actual = next((p.grade for p in result.pillars if p.id == pid), None)
            if actual != grade:
                out.failures.append(f"pillar {pid}: expected {grade!r}, got {actual!r}")
        for cid, outcome in (exp.get("criteria") or {}).items():
            actual = next((c.outcome for c in result.criteria if c.criterion == cid), None)
            if actual != outcome:
                out.failures.append(f"criterion {cid}: expected {outcome!r}, got {actual!r}")
    return out


def coverage_of(grader: Grader, results: list[CaseResult], criteria: Sequence[str] | None = None) -> Coverage:
    """Rules that held, and clauses that matched something, across all case results: for every
    criterion of the pack, or only those in ``criteria``."""
    wanted = [c for c in grader.pack.criteria if criteria is None or c.id in criteria]
    cov = Coverage(criteria=[c.id for c in wanted])
    for r in results:
        if r.result is None:
            continue
        for f in r.result.criteria:
            for t in f.trace:
                if t.holds:
                    cov.rules_held.add(f"{f.criterion}/{t.rule}")
                for c in t.clauses:
                    if c.matched:
                        cov.clauses_matched.add(f"{f.criterion}|{c.key}")
    seen: set[str] = set()
    for crit in wanted:
        for section in SECTION_WORDS:
            for rule in getattr(crit, section):
                ref = RuleRef(crit.id, section, rule.id)
                cov.rules_total.append(ref)
                for i, c in enumerate(counting_clauses(rule.when), start=1):
                    k = f"{crit.id}|{c.key}"
                    if k not in seen:
                        seen.add(k)
                        cov.clauses_total.append(ClauseRef(ref, i, k, c.name, describe_clause(c)))
    return cov
