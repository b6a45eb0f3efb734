"""Grade an evidence set against a rule pack: the one entry point the CLI and tests use.

``Grader`` compiles a pack once and grades any number of evidence sets with it (one engine
state per run, deleted afterwards), so a programme of 43 forces pays for compilation once and
memory stays flat.
"""

from __future__ import annotations

from pathlib import Path

from grader import __version__
from grader.engine.compiler import compile_pack
from grader.engine.facts import engine_fact
from grader.engine.matcher import Matcher
from grader.errors import raise_if_errors
from grader.gcpause import gc_paused
from grader.grading.counterfactual import sensitivity
from grader.grading.evaluate import UnmetTexts, evaluate_clause, evaluate_criterion, unmet_texts
from grader.grading.framework import framework_of, indicator_rows
from grader.grading.judgements import Judge
from grader.grading.rollup import roll_up, ungraded_areas
from grader.grading.signoff import signoff_status
from grader.grading.text import fill
from grader.loading.crosscheck import check_against_pack
from grader.loading.evidence import LoadedEvidence, load_evidence
from grader.loading.judgements import LoadedJudgements, load_judgements
from grader.loading.pack import LoadedPack, load_pack
from grader.models.common import MARKINGS
from grader.models.result import (
    ContextFinding,
    CriterionFinding,
    EvidenceSetInfo,
    GradeFinding,
    GradingResult,
    PackInfo,
    ResultMeta,
    UnusedItem,
)


class Grader:
    """A compiled rule pack, ready to grade evidence sets. Close it (or use ``with``)."""

    def __init__(self, loaded_pack: LoadedPack) -> None:
        self.loaded_pack = loaded_pack
        self.pack = loaded_pack.pack
        self.compiled = compile_pack(self.pack)
        self.matcher = Matcher(self.compiled.probes)
        self.framework = framework_of(self.pack)  # immutable, the same in every result
        self._unmet_texts: dict[str, UnmetTexts] | None = None  # worked out at the first set graded

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.matcher.close()

    def check(self, loaded: LoadedEvidence) -> list[str]:
        """Raise InputError if ``loaded`` does not fit the pack; return its warnings as lines."""
        problems = check_against_pack(loaded, self.pack)
        raise_if_errors(problems)
        return [p.line_text() for p in problems if p.severity == "warning"]

    def match(self, loaded: LoadedEvidence, *, checked: bool = False) -> dict[str, list[tuple[str, ...]]]:
        """The engine's matches for the verified items of ``loaded`` (checked against the pack)."""
        if not checked:
            self.check(loaded)
        facts = [(item.id, engine_fact(item, self.compiled.needles))
                 for item in loaded.evidence.items if item.verified]
        return self.matcher.match(facts)

    @gc_paused()  # the loaded pack and evidence keep their YAML nodes: many objects to walk
    def grade(self, loaded: LoadedEvidence, records: LoadedJudgements | None = None) -> GradingResult:
        """Grade one evidence set. Raises InputError if it does not fit the pack; its warnings
        (e.g. evidence collected for another framework) travel in the result.

        ``records``: the set's judgements (applied before and during roll-up) and sign-offs (the
        result then says whether it is signed off); ``None`` grades by the rules alone."""
        pack = self.pack
        warnings = self.check(loaded)
        matches = self.match(loaded, checked=True)
        findings, overall, pillars, judge = self._judged(loaded, records, matches)
        context: list[ContextFinding] = []
        for note in pack.manifest.context_notes:
            res = evaluate_clause(note.when, None, matches)
            if res.holds:
                context.append(ContextFinding(note=note.id, rationale=fill(note.because, res.names, res.cites),
                                              evidence=res.cites))
        items = loaded.evidence.items
        manifest = loaded.evidence.manifest
        result = GradingResult(
            meta=ResultMeta(
                grader_version=__version__,
                pack=PackInfo(name=pack.manifest.name, version=pack.manifest.version, title=pack.manifest.title),
                evidence_set=EvidenceSetInfo(
                    id=manifest.id, force=manifest.force, title=manifest.title,
                    inspected=manifest.inspected.isoformat(), items=len(items),
                    verified=sum(1 for i in items if i.verified),
                ),
                inputs=sorted([*self.loaded_pack.files, *loaded.files, *(judge.files() if judge else [])],
                              key=lambda f: f.path),
                marking=max((i.marking for i in items), key=MARKINGS.index, default="OFFICIAL"),
            ),
            framework=self.framework,
            overall=overall,
            pillars=pillars,
            ungraded=ungraded_areas(pack, findings),
            criteria=findings,
            context=context,
            indicators=indicator_rows(items, context),
            sensitivity=sensitivity(pack, findings, pillars, overall),
            unverified=sorted(i.id for i in items if not i.verified),
            unused=_unused(loaded, findings, context),
            documents=dict(manifest.documents),
            force_context=dict(manifest.force_context),
            evidence=list(items),
            warnings=[*warnings, *(judge.warnings() if judge else [])],
            judgements=judge.ledger if judge else [],
        )
        if records is None:
            return result
        return result.model_copy(update={"signoff": signoff_status(result, records.signoffs,
                                                                   pack.manifest.policy.judgements)})


    def _judged(self, loaded: LoadedEvidence, records: LoadedJudgements | None,
                matches: dict[str, list[tuple[str, ...]]]) -> tuple[list[CriterionFinding], GradeFinding | None,
                                                                    list[GradeFinding], Judge | None]:
        """Criterion findings and the roll-up, with the judgements applied where they hold."""
        pack = self.pack
        kinds = {item.id: item.kind for item in loaded.evidence.items if item.verified}
        if self._unmet_texts is None:
            self._unmet_texts = {c.id: unmet_texts(c, pack) for c in pack.criteria}
        findings = [evaluate_criterion(c, pack, matches, kinds, self._unmet_texts) for c in pack.criteria]
        judge = None
        if records is not None and records.judgements:
            judge = Judge(pack, records, loaded.evidence.items, loaded.evidence.manifest.inspected)
            findings = judge.criteria(findings)
        overall, pillars = roll_up(pack, findings, judge.grade if judge is not None else None)
        return findings, overall, pillars, judge

    def judge(self, loaded: LoadedEvidence, records: LoadedJudgements) -> Judge | None:
        """The set's judgements checked against the pack and decided (applied, stale, expired) as
        grading would, without building a result: ``evidence check`` reports them. None if there are
        none; raises InputError for a judgement that is wrong."""
        if not records.judgements:
            return None
        return self._judged(loaded, records, self.match(loaded))[3]


def _unused(loaded: LoadedEvidence, findings: list[CriterionFinding],
            context: list[ContextFinding]) -> list[UnusedItem]:
    """Verified items no finding cites, each with the reason it was not needed."""
    cited: set[str] = set()
    for f in findings:
        cited.update(f.evidence)
        cited.update(c.id for c in f.cited)
        if f.mitigation:
            cited.update(f.mitigation.evidence)
        for c in f.concerns:
            cited.update(c.evidence)
    for c in context:
        cited.update(c.evidence)
    out = []
    for item in sorted(loaded.evidence.items, key=lambda i: i.id):
        if not item.verified or item.id in cited:
            continue
        if item.kind == "indicator" and not item.criteria:
            reason = "contextual statistic; no contextual note flagged it against its comparator"
        elif not item.criteria:
            reason = "informs no criterion"
        else:
            kind = item.kind.replace("-", " ")
            reason = (f"{kind} recorded against {', '.join(item.criteria)}; the rule that decided "
                      f"{'it' if len(item.criteria) == 1 else 'them'} did not need this item")
        out.append(UnusedItem(id=item.id, reason=reason))
    return out


def grade_paths(evidence_dir: Path, pack_dir: Path, judgements: Path | None = None) -> GradingResult:
    """Load both folders (and the set's judgements and sign-offs) and grade: the whole flow in one call.

    ``judgements`` names a judgements file to use instead of the set's own ``judgements.yaml``."""
    with gc_paused():
        loaded_pack = load_pack(pack_dir)
        loaded = load_evidence(evidence_dir, loaded_pack.pack.kind_ids)
        records = load_judgements(evidence_dir, judgements)
        with Grader(loaded_pack) as grader:
            return grader.grade(loaded, records)
