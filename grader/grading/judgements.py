"""Apply the inspectors' recorded judgements to what the rules gave, before and during roll-up.

A judgement replaces an outcome only while the rules still give what it says they gave
(``rule_outcome``): that is XCCDF's rule for an override, and it means a judgement can never
outlive the evidence or the rule it answered. When they differ (evidence or rules changed since
the judgement was made) the judgement is *stale*: not applied, and reported as a warning naming
both outcomes so that the inspectors look at it again. A judgement whose ``expires`` date is
before the set's inspection date (it was carried into a later inspection) is *expired*: not
applied, and reported. Expiry is measured against the inspection date, not today's, so that the
same files always give the same grades.

Order matters and follows the roll-up: criterion judgements first (a judged criterion outcome
is what rolls up to its pillar), then each pillar's judgement against the grade the policy gives
from those outcomes, then the overall judgement against the grade the policy gives from the
(judged) pillar grades. The roll-up calls :meth:`Judge.grade` for each pillar and the overall.

What may be judged is the pack's (``policy.judgements``); mistakes in a judgement (an unknown
target or outcome, two judgements on one target, a target the pack does not allow, a reason
that cites no evidence when the pack asks for it) are located errors, and nothing is graded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from grader.errors import Problem, raise_if_errors
from grader.loading.conditions import suggest
from grader.loading.judgements import LoadedJudgements
from grader.models.common import MARKINGS, InputFile
from grader.models.evidence import EvidenceItem
from grader.models.judgement import AppliedJudgement, JudgementState, TargetKind
from grader.models.pack import RulePack
from grader.models.result import CriterionFinding, GradeFinding

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def cited_ids(reason: str, known: set[str] | dict[str, EvidenceItem]) -> list[str]:
    """Evidence ids a reason names, in the order it names them (a sentence's full stop is not part of an id)."""
    out: list[str] = []
    for token in _TOKEN.findall(reason):
        for candidate in (token, token.rstrip(".-_")):
            if candidate in known and candidate not in out:
                out.append(candidate)
                break
    return out


class Judge:
    """The judgements of one set, checked against the pack, ready to apply to one grading."""

    def __init__(self, pack: RulePack, records: LoadedJudgements, items: Sequence[EvidenceItem],
                 inspected: dt.date) -> None:
        self.pack = pack
        self.records = records
        self.items = {i.id: i for i in items}
        self.inspected = inspected
        self.labels = {g.id: g.label for g in pack.manifest.scale}
        self.kinds: dict[str, TargetKind] = {c.id: "criterion" for c in pack.criteria}
        self.kinds.update({p.id: "pillar" for p in pack.manifest.pillars})
        self.kinds["overall"] = "overall"
        problems = self._check()
        raise_if_errors(problems)
        self.notes = [p for p in problems if p.severity != "error"]
        self.by_target = {j.target: (n, j) for n, j in enumerate(records.judgements)}
        self.states: dict[int, AppliedJudgement] = {}

    # --- checks against the pack --------------------------------------------------------------

    def _check(self) -> list[Problem]:
        rec = self.records
        policy = self.pack.manifest.policy.judgements
        out: list[Problem] = []
        first: dict[str, int] = {}
        for n, j in enumerate(rec.judgements):
            kind = self.kinds.get(j.target)
            if kind is None:
                out.append(rec.problem(n, ("target",), "JUDGE-010",
                                       f"no criterion or pillar {j.target!r} in the pack"
                                       f"{suggest(j.target, list(self.kinds))}; a judgement targets a "
                                       "criterion id, a pillar id or 'overall'"))
                continue
            if j.target in first:
                out.append(rec.problem(n, ("target",), "JUDGE-013",
                                       f"a second judgement on {j.target} (the first is {rec.place(first[j.target])}); "
                                       "one target takes one judgement: keep the one that stands and remove the other"))
                continue
            first[j.target] = n
            if kind not in policy.targets:
                allowed = ", ".join(policy.targets) or "nothing"
                out.append(rec.problem(n, ("target",), "JUDGE-014",
                                       f"the pack does not let inspectors judge a {kind} (policy.judgements.targets "
                                       f"allows: {allowed}); raise it with the pack's owners instead"))
            allowed_outcomes = self.pack.outcomes if kind == "criterion" else self.pack.scale_ids
            for name in ("outcome", "rule_outcome"):
                value = getattr(j, name)
                if value not in allowed_outcomes:
                    out.append(rec.problem(n, (name,), "JUDGE-011",
                                           f"{value!r} is not an outcome a {kind} can have{suggest(value, allowed_outcomes)};"
                                           f" use one of: {', '.join(allowed_outcomes)}"))
            if j.outcome == j.rule_outcome:
                out.append(rec.problem(n, ("outcome",), "JUDGE-012",
                                       f"outcome and rule_outcome are both {j.outcome!r}: a judgement records a "
                                       "decision to differ from the rules; remove it if the rules' outcome stands"))
            cited = cited_ids(j.reason, self.items)
            if policy.cite_evidence and not cited:
                out.append(rec.problem(n, ("reason",), "JUDGE-015",
                                       "the pack asks every judgement to cite the evidence it rests on: name the "
                                       "item ids in the reason (e.g. 'INT-06-S1 shows ...')"))
            for i in cited:
                if not self.items[i].verified:
                    out.append(rec.problem(n, ("reason",), "JUDGE-016",
                                           f"the reason cites {i}, which is not verified; verify it or do not rest "
                                           "the judgement on it", severity="warning"))
        return out

    # --- applying ------------------------------------------------------------------------------

    def _decide(self, target: str, rules_now: str) -> AppliedJudgement | None:
        """The judgement on ``target`` and what becomes of it, given what the rules give now."""
        found = self.by_target.get(target)
        if found is None:
            return None
        n, j = found
        state: JudgementState = "applied"
        if j.expires is not None and j.expires < self.inspected:
            state = "expired"
        elif j.rule_outcome != rules_now:
            state = "stale"
        applied = AppliedJudgement(
            target=j.target, outcome=j.outcome, rule_outcome=j.rule_outcome, rules_now=rules_now, state=state,
            reason=j.reason, evidence=cited_ids(j.reason, self.items), by=j.by, role=j.role, date=j.date,
            expires=j.expires, at=self.records.at(n))
        self.states[n] = applied
        return applied

    def criteria(self, findings: Sequence[CriterionFinding]) -> list[CriterionFinding]:
        """Each finding, with the judgement on it applied where it holds."""
        out = []
        for f in findings:
            a = self._decide(f.criterion, f.outcome)
            if a is not None and a.state == "applied":
                f = f.model_copy(update={"outcome": a.outcome, "assessed_outcome": a.outcome,
                                         "rule_outcome": f.outcome, "judgement": a})
            out.append(f)
        return out

    def grade(self, finding: GradeFinding) -> GradeFinding:
        """A pillar's or the overall grade, with the judgement on it applied where it holds
        (the roll-up calls this before rolling the grade further up)."""
        a = self._decide(finding.id, finding.grade)
        if a is None or a.state != "applied":
            return finding
        return finding.model_copy(update={"grade": a.outcome, "label": self.labels[a.outcome],
                                          "assessed_grade": a.outcome, "rule_outcome": finding.grade,
                                          "judgement": a})

    # --- what became of them -------------------------------------------------------------------

    @property
    def ledger(self) -> list[AppliedJudgement]:
        """Every judgement in file order, with its state."""
        return [self.states[n] for n in sorted(self.states)]

    def problems(self) -> list[Problem]:
        """Every judgement not applied (stale, expired) and the notes found when checking, located:
        ``evidence check`` lists them with the set's other warnings."""
        out = list(self.notes)
        for n, a in sorted(self.states.items()):
            if a.state == "stale":
                out.append(self.records.problem(n, ("rule_outcome",), "JUDGE-020", (
                    f"the judgement on {a.target} is stale and not applied: it was made when the rules gave "
                    f"{a.rule_outcome}, and they now give {a.rules_now} (the evidence or the rules changed since "
                    f"{a.date}); review it: record rule_outcome: {a.rules_now} if it still stands, else remove it"),
                    severity="warning"))
            elif a.state == "expired":
                out.append(self.records.problem(n, ("expires",), "JUDGE-021", (
                    f"the judgement on {a.target} expired on {a.expires}, before this inspection "
                    f"({self.inspected}), and is not applied: renew it with a new date and expiry, or remove it"),
                    severity="warning"))
        return out

    def warnings(self) -> list[str]:
        """:meth:`problems` as the located lines a result's warnings carry."""
        return [p.line_text() for p in self.problems()]

    def files(self) -> list[InputFile]:
        """The judgements file, marked as highly as the evidence its judgements cite."""
        cited = {i for j in self.records.judgements for i in cited_ids(j.reason, self.items)}
        marking = max((self.items[i].marking for i in cited), key=MARKINGS.index, default="OFFICIAL")
        return [f.model_copy(update={"marking": marking}) for f in self.records.files]
