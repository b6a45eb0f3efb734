"""The semantic checks of ``grader rules check``: mistakes a pack can make while still loading.

The loader already refuses what is malformed (bad YAML, wrong types, unknown names in
conditions, outcomes off the scale, ``because`` naming a clause the rule lacks). A pack that
loads can still be wrong in ways only reasoning about the whole pack shows: a rule no evidence
could ever reach, a criterion that can never be evidenced, a gap between numeric bands, a
roll-up policy that can never give one of the grades. Each finding is a located
:class:`~grader.errors.Problem` with a ``LINT-`` code (listed in docs/rule-authoring.md):
errors are mistakes, warnings are worth a look.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.authoring.logic import (
    ClauseLogic,
    Count,
    Domain,
    Either,
    Interval,
    Node,
    Pair,
    Reasoner,
    band,
    complement,
    intersect_sets,
    normal,
    normalise,
    scope_tests,
    show_interval,
)
from grader.authoring.testing import TestCase
from grader.errors import Problem
from grader.grading.evaluate import evaluate_criterion
from grader.grading.rollup import Unit, decide
from grader.grading.text import describe_clause, describe_cond
from grader.loading.conditions import suggest
from grader.loading.pack import LoadedPack
from grader.loading.yamlsrc import PathKey, YamlDocument
from grader.models.pack import (
    SPECIAL_OUTCOMES,
    AllOf,
    AnyOf,
    Clause,
    ClauseAll,
    ClauseNot,
    Cond,
    CountClause,
    Criterion,
    Level,
    NotOf,
    PairClause,
    RulePack,
    Test,
)

#: Most outcome combinations the roll-up checks try for one pillar before giving up (silently).
MAX_COMBINATIONS = 200_000


@dataclass
class Entry:
    """A rule-like entry with a ``when``: where it is written and what it applies to."""

    doc: YamlDocument
    path: PathKey  # of the entry, e.g. ("rules", 1)
    label: str  # "rule 'dedicated-capacity' (-> meets)"
    when: Clause
    criterion: str | None
    pillar: str | None


def lint_pack(loaded: LoadedPack, cases: Sequence[TestCase] | None = None) -> list[Problem]:
    """Every semantic finding for a loaded pack (and its test cases, when given), sorted."""
    linter = _Linter(loaded)
    linter.run()
    if cases is not None:
        linter.check_cases(cases)
    return sorted(set(linter.problems), key=Problem.sort_key)


class _Linter:
    def __init__(self, loaded: LoadedPack) -> None:
        self.loaded = loaded
        self.pack: RulePack = loaded.pack
        self.problems: list[Problem] = []
        self.docs_by_display = {d.display: d for d in loaded.docs.values()}
        self.manifest_doc = loaded.docs["pack.yaml"]
        self.domain = Domain(facts=dict(self.pack.facts), pillars=[p.id for p in self.pack.manifest.pillars],
                             kinds=tuple(self.pack.kind_ids))
        self.reasoner = Reasoner(self.domain)
        self.logic = ClauseLogic(self.reasoner)
        self.never_entries: set[tuple[str, int]] = set()  # (display, id(entry when)) found never to hold
        self.reachable: dict[str, set[str]] = {}  # criterion -> outcomes its rules can give
        self.passing = self._passing_grades()

    # --- helpers ----------------------------------------------------------------------------

    def crit_doc(self, crit: Criterion) -> YamlDocument:
        return self.docs_by_display[self.loaded.criterion_files[crit.id]]

    def add(self, doc: YamlDocument, path: PathKey, code: str, message: str, severity: str = "error",
            key: bool = False) -> None:
        self.problems.append(doc.problem(path, code, message, severity=severity, key=key))

    def _passing_grades(self) -> list[str]:
        """Grades that evidence a criterion: the grade a mitigated gap counts as, and better."""
        policy = self.pack.manifest.policy
        scale = self.pack.scale_ids
        upto = scale[: scale.index(policy.mitigated_as) + 1] if policy.mitigated_as in scale else scale[:1]
        return [g for g in upto if g not in policy.adverse]

    def entries(self) -> Iterator[Entry]:
        m = self.pack.manifest
        mdoc = self.manifest_doc
        for crit in self.pack.criteria:
            doc = self.crit_doc(crit)
            for i, r in enumerate(crit.rules):
                yield Entry(doc, ("rules", i), f"rule {r.id!r} (-> {r.outcome})", r.when, crit.id, crit.pillar)
            for i, mi in enumerate(crit.mitigations):
                yield Entry(doc, ("mitigations", i), f"mitigation {mi.id!r}", mi.when, crit.id, crit.pillar)
            for i, c in enumerate(crit.concerns):
                yield Entry(doc, ("concerns", i), f"concern {c.id!r}", c.when, crit.id, crit.pillar)
            for i, u in enumerate(crit.uplifts):
                yield Entry(doc, ("uplifts", i), f"uplift {u.id!r}", u.when, crit.id, crit.pillar)
        for i, u in enumerate(m.uplifts):
            yield Entry(mdoc, ("uplifts", i), f"uplift {u.id!r}", u.when, None, None)
        for i, c in enumerate(m.shared_concerns):
            yield Entry(mdoc, ("shared_concerns", i), f"shared concern {c.id!r}", c.when, None, None)
        for i, n in enumerate(m.context_notes):
            yield Entry(mdoc, ("context_notes", i), f"context note {n.id!r}", n.when, None, None)

    # --- the checks -------------------------------------------------------------------------

    def run(self) -> None:
        self.duplicates()
        self.unknown_criteria_in_conditions()
        for entry in self.entries():
            self.contradictions(entry)
        for crit in self.pack.criteria:
            self.first_hit(crit)
            self.absence(crit)
            self.bands(crit)
        self.rollup()
        self.unused_facts()
        self.placeholders()

    def duplicates(self) -> None:
        """Ids that collide in a finding's trace (criterion and pack-wide concerns or uplifts)."""
        m = self.pack.manifest
        shared = {"concerns": {c.id for c in m.shared_concerns}, "uplifts": {u.id for u in m.uplifts}}
        for crit in self.pack.criteria:
            doc = self.crit_doc(crit)
            for section, ids in shared.items():
                for i, entry in enumerate(getattr(crit, section)):
                    if entry.id in ids:
                        where = "shared_concerns" if section == "concerns" else "uplifts"
                        self.add(doc, (section, i, "id"), "LINT-001",
                                 f"{section[:-1]} id {entry.id!r} is also a pack-wide one in pack.yaml {where}; "
                                 "findings would not tell them apart: rename one")
        titles: dict[str, str] = {}
        for crit in self.pack.criteria:
            key = " ".join(crit.title.casefold().split())
            if key in titles:
                self.add(self.crit_doc(crit), ("title",), "LINT-003",
                         f"title is the same as {titles[key]}'s; readers of the report could not tell them apart",
                         "warning")
            else:
                titles[key] = crit.id

    def unknown_criteria_in_conditions(self) -> None:
        """``{field: criteria, contains: X}`` with X no criterion of the pack: it never matches."""
        known = [c.id for c in self.pack.criteria]
        for entry in self.entries():
            for clause, cpath in clauses_with_paths(entry.when, (*entry.path, "when")):
                for cond, path in conds_of(clause, cpath):
                    for test, tpath in tests_with_paths(cond, path):
                        if test.subject == "field" and test.name == "criteria" and test.value not in known:
                            self.add(entry.doc, (*tpath, "contains"), "LINT-012",
                                     f"no criterion {test.value!r} in this pack{suggest(str(test.value), known)}; "
                                     "this test can never match")

    def contradictions(self, entry: Entry) -> None:
        """Rules that can never hold, clauses that can never match, dead ``any`` branches."""
        node = normal(entry.when, entry.criterion, entry.pillar)
        if self.logic.never(node):
            self.never_entries.add((entry.doc.display, id(entry.when)))
            self.add(entry.doc, entry.path, "LINT-020",
                     f"{entry.label} can never hold, whatever the evidence: {self.why_never(entry)}")
            return
        r = self.reasoner
        for clause, cpath in clauses_with_paths(entry.when, (*entry.path, "when")):
            extra = scope_tests(clause.scope, entry.criterion, entry.pillar)
            for cond, path in conds_of(clause, cpath):
                if r.never(cond, extra):
                    always = isinstance(clause, CountClause) and clause.form in ("none", "at_most") or (
                        isinstance(clause, CountClause) and clause.form == "exactly" and clause.n == 0)
                    self.add(entry.doc, path, "LINT-021",
                             f"in {entry.label}, this condition can never match an item ({r.why_never(cond, extra)}), "
                             f"so the clause {'always holds' if always else 'never holds'}", "warning")
                    continue
                for bpath in r.dead_branches(cond, extra):
                    branch = cond_at(cond, bpath)
                    self.add(entry.doc, (*path, *bpath), "LINT-022",
                             f"in {entry.label}, the alternative '{describe_cond(branch)}' can never hold together "
                             "with the rest of its condition; it is dead", "warning")

    def why_never(self, entry: Entry) -> str:
        r = self.reasoner
        for clause, _ in clauses_with_paths(entry.when, ()):
            extra = scope_tests(clause.scope, entry.criterion, entry.pillar)
            for cond, _ in conds_of(clause, ()):
                if r.never(cond, extra):
                    return f"'{describe_cond(cond)}' cannot match any item ({r.why_never(cond, extra)})"
        return f"its clauses contradict each other ({describe_clause(entry.when)})"

    def first_hit(self, crit: Criterion) -> None:
        """Rules below one that always holds first, and a criterion no rule can evidence."""
        doc = self.crit_doc(crit)
        logic = self.logic
        nodes = [normal(r.when, crit.id, crit.pillar) for r in crit.rules]
        never = [(doc.display, id(r.when)) in self.never_entries for r in crit.rules]
        reachable = [not n for n in never]
        cover: int | None = None
        for k in range(len(nodes)):
            if logic.always(Either(tuple(nodes[: k + 1]))):
                cover = k
                break
        for j, rule in enumerate(crit.rules):
            if never[j]:
                continue
            if cover is not None and j > cover:
                above = ", ".join(repr(r.id) for r in crit.rules[: cover + 1])
                reachable[j] = False
                self.add(doc, ("rules", j), "LINT-032",
                         f"rule {rule.id!r} (-> {rule.outcome}) can never decide: the rules above it ({above}) "
                         "between them hold for any evidence, and the first rule that holds decides")
                continue
            for i in range(j):
                if never[i] or not logic.implies(nodes[j], nodes[i]):
                    continue
                earlier = crit.rules[i]
                reachable[j] = False
                if earlier.outcome != rule.outcome:
                    self.add(doc, ("rules", j), "LINT-030",
                             f"rule {rule.id!r} (-> {rule.outcome}) can never decide: whenever it holds, rule "
                             f"{earlier.id!r} above it (-> {earlier.outcome}) holds too, and the first rule that "
                             "holds decides. Make it narrower, or move it above")
                else:
                    self.add(doc, ("rules", j), "LINT-031",
                             f"rule {rule.id!r} never decides: whenever it holds, rule {earlier.id!r} above it holds "
                             f"too, with the same outcome ({rule.outcome}); it can be removed or merged", "warning")
                break
        if cover is not None:
            self.add(doc, ("otherwise",) if "otherwise" in (doc.data or {}) else ("rules",), "LINT-033",
                     f"'otherwise' ({crit.otherwise.outcome}) can never apply: the rules between them hold for any "
                     "evidence", "warning")
        outcomes = {r.outcome for r, ok in zip(crit.rules, reachable, strict=True) if ok}
        if cover is None:
            outcomes.add(crit.otherwise.outcome)
        self.reachable[crit.id] = outcomes
        if self.passing and not outcomes & set(self.passing):
            wanted = " or ".join(repr(g) for g in self.passing)
            self.add(doc, ("rules",), "LINT-050",
                     f"no rule of {crit.id} can give {wanted}: whatever the evidence, the criterion could never be "
                     f"evidenced, and pillar {crit.pillar!r} needs its criteria to be. "
                     f"Add a rule for {self.passing[-1]!r}")

    def absence(self, crit: Criterion) -> None:
        """With no evidence at all, a criterion must not pass: absence of evidence is a finding."""
        finding = evaluate_criterion(crit, self.pack, {})
        policy = self.pack.manifest.policy
        if finding.outcome in policy.adverse:
            return
        doc = self.crit_doc(crit)
        if finding.mitigation is not None:
            idx = next(i for i, m in enumerate(crit.mitigations) if f"mitigations/{m.id}" == finding.mitigation.rule)
            path: PathKey = ("mitigations", idx)
            what = f"mitigation {crit.mitigations[idx].id!r} holds on no evidence and relieves the gap"
        elif finding.decided_by.startswith("rules/"):
            idx = next(i for i, r in enumerate(crit.rules) if f"rules/{r.id}" == finding.decided_by)
            path = ("rules", idx)
            what = f"rule {crit.rules[idx].id!r} holds on no evidence"
        else:
            path = ("otherwise",)
            what = "'otherwise' gives it"
        severity = "warning" if finding.outcome in SPECIAL_OUTCOMES else "error"
        self.add(doc, path, "LINT-040",
                 f"with no evidence at all, {crit.id} would be {finding.outcome!r}: {what}. Absence of evidence "
                 "must never pass; ask for evidence with 'some' or 'at_least'", severity)

    def bands(self, crit: Criterion) -> None:
        """Numeric or date bands across a criterion's rules: values no rule covers, or two cover."""
        doc = self.crit_doc(crit)
        keys: dict[tuple[str, ...], list[tuple[int, list[Interval]]]] = {}
        for j, rule in enumerate(crit.rules):
            seen: dict[tuple[str, ...], list[Interval]] = {}
            for node in positive_counts(normal(rule.when, crit.id, crit.pillar)):
                for key in ordered_keys(node.cond, self.domain):
                    b = band(node.cond, key)
                    if b is not None:
                        seen[key] = normalise([*seen.get(key, []), *b])
            for key, ints in seen.items():
                keys.setdefault(key, []).append((j, ints))
        for key, bands in sorted(keys.items()):
            if len(bands) < 2 or len({crit.rules[j].outcome for j, _ in bands}) < 2:
                continue
            what = f"fact {key[1]}" if key[0] == "fact" else (
                f"the indicator's {key[1]}" if key[0] == "compare" else key[1])
            union = normalise([i for _, ints in bands for i in ints])
            span = [Interval(union[0].lo, union[-1].hi, union[0].lo_open, union[-1].hi_open)] if union else []
            sides = "; ".join(f"{crit.rules[j].id!r} (-> {crit.rules[j].outcome}) covers {_band_words(ints)}"
                              for j, ints in bands)
            whole = _whole_bounds(union)
            for gap in intersect_sets(complement(union), span):
                if whole and not _holds_a_whole_value(gap):
                    continue  # between whole-number (or whole-day) bounds: a count or a date, no gap
                above = [j for j, ints in bands if any(i.lo is not None and gap.hi is not None and i.lo >= gap.hi
                                                       for i in ints)]
                at = above[0] if above else bands[-1][0]
                self.add(doc, ("rules", at), "LINT-070",
                         f"{what} {show_interval(gap)} is covered by no rule of {crit.id}: {sides}. Evidence with "
                         f"{what} {show_interval(gap)} would fall to '{crit.otherwise.outcome}'", "warning")
            for (a, ia), (b, ib) in itertools.combinations(bands, 2):
                ra, rb = crit.rules[a], crit.rules[b]
                if ra.outcome == rb.outcome:
                    continue
                both = intersect_sets(ia, ib)
                if both:
                    shown = ", ".join(show_interval(i) for i in both)
                    self.add(doc, ("rules", b), "LINT-071",
                             f"{what} {shown} is in the bands of both rule {ra.id!r} (-> {ra.outcome}) and rule "
                             f"{rb.id!r} (-> {rb.outcome}); {ra.id!r} decides because it comes first", "warning")

    def unused_facts(self) -> None:
        """Facts declared in the catalogue that no rule, mitigation, concern or note tests."""
        used: set[str] = set()
        for entry in self.entries():
            for clause, _ in clauses_with_paths(entry.when, ()):
                if isinstance(clause, PairClause):
                    used.update(s.removeprefix("facts.") for s in clause.same if s.startswith("facts."))
                for cond, _ in conds_of(clause, ()):
                    for test, _ in tests_with_paths(cond, ()):
                        if test.subject == "fact":
                            used.add(test.name)
        for rel, doc in sorted(self.loaded.docs.items()):
            if Path(rel).parts[0] != "facts" or not isinstance(doc.data, dict):
                continue
            for name in (doc.data.get("facts") or {}):
                if name in self.pack.facts and name not in used:
                    self.add(doc, ("facts", name), "LINT-080",
                             f"fact {name!r} is declared but no rule tests it; evidence may carry it, but it never "
                             "counts towards a finding", "warning", key=True)

    def placeholders(self) -> None:
        """What ``grader rules new`` left for the inspector to write: TODO texts, placeholder tags."""
        for crit in self.pack.criteria:
            doc = self.crit_doc(crit)
            texts: list[tuple[PathKey, str]] = [(("title",), crit.title), (("standard",), crit.standard)]
            if crit.source is not None:
                texts.append((("source", "section"), crit.source.section))
            for section in ("rules", "mitigations", "concerns", "uplifts"):
                texts += [((section, i, "because"), e.because) for i, e in enumerate(getattr(crit, section))]
            for path, text in texts:
                if "TODO" in text:
                    self.add(doc, path, "LINT-090", f"{path[-1]} of {crit.id} is still a placeholder "
                             f"({text[:50]!r}); write it", "warning")
            placeholder = {f"{crit.id.lower()}-gap", f"{crit.id.lower()}-met"}
            for i, rule in enumerate(crit.rules):
                for clause, cpath in clauses_with_paths(rule.when, ("rules", i, "when")):
                    for cond, path in conds_of(clause, cpath):
                        for test, tpath in tests_with_paths(cond, path):
                            if test.subject == "field" and test.name == "tags" and test.value in placeholder:
                                self.add(doc, tpath, "LINT-091",
                                         f"rule {rule.id!r} still tests the scaffold's placeholder tag "
                                         f"{test.value!r}; test facts from the catalogue instead", "warning")

    # --- roll-up ----------------------------------------------------------------------------

    def rollup(self) -> None:
        """Grades the policy can never give, and grades a pillar's criteria can never earn."""
        pack, m = self.pack, self.pack.manifest
        policy, scale = m.policy, self.pack.scale_ids
        mdoc = self.manifest_doc
        labels = {g.id: g.label for g in m.scale}
        mitigated = sorted({policy.mitigated_as, *(mi.treat_as for c in pack.criteria for mi in c.mitigations
                                                   if mi.treat_as)}, key=scale.index)
        by_pillar_policy: dict[str, set[str] | None] = {}
        by_pillar_actual: dict[str, set[str] | None] = {}
        for pillar in pack.graded_pillars:  # an ungraded area has no roll-up to check
            crits = [c for c in pack.criteria if c.pillar == pillar.id]
            if not crits:
                continue
            groups: dict[tuple[bool, frozenset[tuple[str, bool]]], int] = {}
            anything = frozenset([*((o, False) for o in pack.outcomes), *((g, True) for g in mitigated)])
            for c in crits:
                groups[(c.significant, anything)] = groups.get((c.significant, anything), 0) + 1
            by_pillar_policy[pillar.id] = reachable_grades(policy.pillar, groups, scale)
            actual: dict[tuple[bool, frozenset[tuple[str, bool]]], int] = {}
            for c in crits:
                k = (c.significant, self.criterion_states(c))
                actual[k] = actual.get(k, 0) + 1
            by_pillar_actual[pillar.id] = reachable_grades(policy.pillar, actual, scale)
        known = {p: g for p, g in by_pillar_policy.items() if g is not None}
        if known:
            for g in scale:
                missing = [p for p, grades in known.items() if g not in grades]
                if len(missing) == len(known):
                    self.add(mdoc, self.level_path("pillar", g), "LINT-060",
                             f"the pillar roll-up can never give {g!r} ({labels[g]}), whatever the outcomes of the "
                             "criteria of any pillar")
                else:
                    for p in missing:
                        n = sum(1 for c in pack.criteria if c.pillar == p and c.significant)
                        self.add(mdoc, self.level_path("pillar", g), "LINT-061",
                                 f"pillar {p!r} ({n} significant criteria) can never be graded {g!r} by the roll-up, "
                                 "whatever its criteria's outcomes", "warning")
        for p, grades in by_pillar_actual.items():
            policy_grades = by_pillar_policy.get(p)
            if grades is None or policy_grades is None:
                continue
            for g in scale:
                if g in policy_grades and g not in grades:
                    short = [c.id for c in pack.criteria if c.pillar == p
                             and g not in {o for o, _ in self.criterion_states(c)}]
                    blame = f"; criteria that can never be {g!r} themselves: {', '.join(short)}" if short else ""
                    self.add(mdoc, self.level_path("pillar", g), "LINT-051",
                             f"pillar {p!r} can never be graded {g!r}, given what its criteria's rules can "
                             f"give{blame}", "warning")
        for pillar in m.pillars:
            if not any(c.pillar == pillar.id for c in pack.criteria):
                self.add(mdoc, ("pillars",), "LINT-062", f"pillar {pillar.id!r} has no criteria, so nothing "
                         "evidences it", "warning")
        if policy.overall is None:  # the pack gives no overall grade
            return
        n = len(pack.graded_pillars)
        overall = reachable_grades(policy.overall, {(True, frozenset((g, False) for g in scale)): n}, scale)
        if overall is not None:
            for g in scale:
                if g not in overall:
                    self.add(mdoc, self.level_path("overall", g), "LINT-060",
                             f"the overall roll-up can never give {g!r} ({labels[g]}) with {n} pillars, whatever "
                             "their grades")
        empty = decide(policy.pillar, [], scale)[0]  # the grade of a pillar with no criteria
        reachable_by_pillar = [by_pillar_actual[p.id] if p.id in by_pillar_actual else {empty}
                               for p in pack.graded_pillars]
        if overall is not None and all(g is not None for g in reachable_by_pillar):
            groups2: dict[tuple[bool, frozenset[tuple[str, bool]]], int] = {}
            for grades in reachable_by_pillar:
                assert grades is not None
                k = (True, frozenset((g, False) for g in grades))
                groups2[k] = groups2.get(k, 0) + 1
            actual_overall = reachable_grades(policy.overall, groups2, scale)
            if actual_overall is not None:
                for g in scale:
                    if g in overall and g not in actual_overall:
                        self.add(mdoc, self.level_path("overall", g), "LINT-051",
                                 f"the overall grade can never be {g!r}, given the grades the pillars can get",
                                 "warning")

    def criterion_states(self, crit: Criterion) -> frozenset[tuple[str, bool]]:
        """(outcome, mitigated) pairs the criterion can end with, as its rules are written."""
        policy = self.pack.manifest.policy
        assessed = set(self.reachable.get(crit.id, {r.outcome for r in crit.rules} | {crit.otherwise.outcome}))
        for up in [*crit.uplifts, *self.pack.manifest.uplifts]:
            if up.from_ in assessed and not self.logic.never(normal(up.when, crit.id, crit.pillar)):
                assessed.add(up.to)
        states = {(o, False) for o in assessed}
        live = [mi for mi in crit.mitigations if not self.logic.never(normal(mi.when, crit.id, crit.pillar))]
        if live and assessed & set(policy.adverse):
            states.update((mi.treat_as or policy.mitigated_as, True) for mi in live)
        return frozenset(states)

    def level_path(self, level: str, grade: str) -> PathKey:
        rules = getattr(self.pack.manifest.policy, level).rules
        for i, r in enumerate(rules):
            if r.grade == grade:
                return ("policy", level, "rules", i)
        return ("policy", level)

    # --- test cases -------------------------------------------------------------------------

    def check_cases(self, cases: Sequence[TestCase]) -> None:
        """Names in test expectations that the pack does not have: such a case can never pass."""
        pack = self.pack
        crit_ids = [c.id for c in pack.criteria]
        grades, outcomes = pack.scale_ids, pack.outcomes
        pillar_ids = [p.id for p in pack.manifest.pillars]
        shared = [c.concern for c in pack.manifest.shared_concerns]
        names: dict[str, dict[str, int | None]] = {}
        reported_files: set[str] = set()

        def bad(case: TestCase, code: str, message: str, severity: str = "error", at: PathKey = ()) -> None:
            if case.doc is not None:
                self.add(case.doc, (*case.path, *at), code, message, severity)
            else:
                self.problems.append(Problem(file=case.file, line=case.line, code=code, message=message,
                                             severity=severity))  # type: ignore[arg-type]

        for case in cases:
            seen = names.setdefault(case.file, {})
            if case.name in seen:
                bad(case, "LINT-002", f"two cases are named {case.name!r} (also line {seen[case.name]}); "
                    "reports could not tell them apart", "warning", ("name",))
            seen[case.name] = case.line
            exp = case.expect
            if case.criterion is not None:
                if case.criterion not in crit_ids:
                    if case.file not in reported_files:
                        reported_files.add(case.file)
                        self.problems.append(Problem(file=case.file, code="LINT-010",
                                                     message=f"no criterion {case.criterion!r} in this pack"
                                                     f"{suggest(case.criterion, crit_ids)}; a test file is named "
                                                     "after the criterion it tests"))
                    continue
                crit = pack.criterion(case.criterion)
                for key in ("outcome", "assessed"):
                    if key in exp and exp[key] not in outcomes:
                        bad(case, "LINT-011", f"expects {key} {exp[key]!r}, which is not an outcome"
                            f"{suggest(str(exp[key]), outcomes)}", at=("expect", key))
                if "rule" in exp:
                    rule_ids = [r.id for r in crit.rules] + ["otherwise"]
                    if exp["rule"] not in rule_ids:
                        bad(case, "LINT-011", f"expects rule {exp['rule']!r}, which {crit.id} does not have"
                            f"{suggest(str(exp['rule']), rule_ids)}", at=("expect", "rule"))
                for k, concern in enumerate(exp.get("concerns") or []):
                    known = [c.concern for c in crit.concerns] + shared
                    if concern not in known:
                        bad(case, "LINT-011", f"expects concern {concern!r}, which {crit.id} can never raise"
                            f"{suggest(str(concern), known)}", at=("expect", "concerns", k))
                ids = {i.id for i in case.evidence.evidence.items}
                for k, eid in enumerate(exp.get("cites") or []):
                    if eid not in ids:
                        bad(case, "LINT-011", f"expects {eid!r} to be cited, but this case has no such item"
                            f"{suggest(str(eid), ids)}", at=("expect", "cites", k))
            else:
                for key in ("overall", "assessed_overall"):
                    if key in exp and exp[key] not in grades:
                        bad(case, "LINT-011", f"expects {key} {exp[key]!r}, which is not a grade"
                            f"{suggest(str(exp[key]), grades)}", at=("expect", key))
                for pid, g in (exp.get("pillars") or {}).items():
                    if pid not in pillar_ids:
                        bad(case, "LINT-011", f"expects a grade for pillar {pid!r}, which the pack does not have"
                            f"{suggest(str(pid), pillar_ids)}", at=("expect", "pillars", pid))
                    elif g not in grades:
                        bad(case, "LINT-011", f"expects pillar {pid} to be {g!r}, which is not a grade"
                            f"{suggest(str(g), grades)}", at=("expect", "pillars", pid))
                for cid, o in (exp.get("criteria") or {}).items():
                    if cid not in crit_ids:
                        bad(case, "LINT-011", f"expects an outcome for criterion {cid!r}, which the pack does not "
                            f"have{suggest(str(cid), crit_ids)}", at=("expect", "criteria", cid))
                    elif o not in outcomes:
                        bad(case, "LINT-011", f"expects {cid} to be {o!r}, which is not an outcome"
                            f"{suggest(str(o), outcomes)}", at=("expect", "criteria", cid))


# --- walking clauses and conditions, with where each part was written ------------------------


def clauses_with_paths(clause: Clause, path: PathKey) -> Iterator[tuple[CountClause | PairClause, PathKey]]:
    """Every counting clause with its path in the YAML (as the loader parsed it)."""
    if isinstance(clause, CountClause | PairClause):
        yield clause, path
    elif isinstance(clause, ClauseNot):
        yield from clauses_with_paths(clause.item, (*path, "not"))
    else:
        word = "all" if isinstance(clause, ClauseAll) else "any"
        for i, c in enumerate(clause.items):
            yield from clauses_with_paths(c, (*path, word, i))


def conds_of(clause: CountClause | PairClause, path: PathKey) -> Iterator[tuple[Cond, PathKey]]:
    if isinstance(clause, PairClause):
        yield clause.first, (*path, "pair", "first")
        yield clause.second, (*path, "pair", "second")
    else:
        yield clause.where, (*path, clause.form if clause.form in ("some", "none") else "where")


def tests_with_paths(cond: Cond, path: PathKey) -> Iterator[tuple[Test, PathKey]]:
    if isinstance(cond, Test):
        yield cond, path
    elif isinstance(cond, NotOf):
        yield from tests_with_paths(cond.item, (*path, "not"))
    else:
        word = "all" if isinstance(cond, AllOf) else "any"
        for i, c in enumerate(cond.items):
            yield from tests_with_paths(c, (*path, word, i))


def cond_at(cond: Cond, path: PathKey) -> Cond:
    """The part of ``cond`` at ``path`` (as produced by :func:`tests_with_paths`)."""
    node = cond
    parts = list(path)
    while parts:
        step = parts.pop(0)
        if step == "not" and isinstance(node, NotOf):
            node = node.item
        elif step in ("all", "any") and isinstance(node, AllOf | AnyOf):
            node = node.items[int(parts.pop(0))]
    return node


def positive_counts(node: Node) -> Iterator[Count]:
    """Counts in a clause that need at least one item to match (where a band is asked for)."""
    if isinstance(node, Count):
        if node.lo >= 1:
            yield node
    elif isinstance(node, Pair) or not hasattr(node, "items"):
        return
    else:
        for x in node.items:  # type: ignore[union-attr]
            yield from positive_counts(x)


def ordered_keys(cond: Cond, domain: Domain) -> list[tuple[str, ...]]:
    """Number or date facts and fields a condition compares (candidates for bands)."""
    out: list[tuple[str, ...]] = []
    for test, _ in tests_with_paths(cond, ()):
        if test.op in ("lt", "lte", "gt", "gte", "between"):
            key: tuple[str, ...] = (test.subject, test.name)
            if key not in out:
                out.append(key)
    return out


def _whole_bounds(ints: list[Interval]) -> bool:
    """Every bound is a whole number (or a date): the fact is probably counted, so a gap that
    holds no whole value (``equals: 0`` then ``gte: 1``) is no gap."""
    bounds = [b for i in ints for b in (i.lo, i.hi) if b is not None]
    return all(isinstance(b, dt.date) or (isinstance(b, int | float) and float(b).is_integer()) for b in bounds)


def _holds_a_whole_value(gap: Interval) -> bool:
    """Whether a gap between whole bounds holds a whole number (or a day)."""
    if gap.lo is None or gap.hi is None:
        return True
    if isinstance(gap.lo, dt.date):
        first = gap.lo + dt.timedelta(days=1) if gap.lo_open else gap.lo
    else:
        first = math.floor(gap.lo) + 1 if gap.lo_open else math.ceil(gap.lo)
    return first < gap.hi or (first == gap.hi and not gap.hi_open)


def _band_words(ints: list[Interval]) -> str:
    return " and ".join(show_interval(i) if not (i.lo is None and i.hi is None) else "any value" for i in ints)


# --- roll-up enumeration ------------------------------------------------------------------


def _multisets(n: int, k: int) -> int:
    return math.comb(n + k - 1, k) if n else (1 if k == 0 else 0)


def reachable_grades(level: Level, groups: dict[tuple[bool, frozenset[tuple[str, bool]]], int],
                     scale: list[str]) -> set[str] | None:
    """Grades ``level`` gives over every combination of outcomes the groups of units can take.

    A group is (significant, the (outcome, mitigated) states its units can be in) -> how many
    units. The roll-up depends only on how many units are in each state, so combinations are
    multisets. Returns None when there are more than MAX_COMBINATIONS (nothing is claimed).
    """
    spaces = []
    total = 1
    for (significant, states), count in sorted(groups.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]))):
        ordered = sorted(states)
        total *= max(1, _multisets(len(ordered), count))
        if total > MAX_COMBINATIONS:
            return None
        spaces.append([[Unit(f"u{j}", o, significant, mit) for j, (o, mit) in enumerate(combo)]
                       for combo in itertools.combinations_with_replacement(ordered, count)])
    found: set[str] = set()
    for parts in itertools.product(*spaces):
        units = [Unit(f"{i}-{u.id}", u.state, u.significant, u.mitigated) for i, part in enumerate(parts) for u in part]
        grade, _, _ = decide(level, units, scale)
        found.add(grade)
        if len(found) == len(scale):
            break
    return found
