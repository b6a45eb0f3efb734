"""Run the test cases of a pack (all, or those ``-k`` selects) and report them: what failed and
why, then coverage in an inspector's words ("ENF-04, rule no-oversight never held"); JUnit XML."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from grader.authoring.testing import CaseResult, Coverage, TestCase, collect_cases, coverage_of, run_case
from grader.grading.run import Grader
from grader.loading.pack import load_pack

#: How much ``rules test`` prints: ``quiet`` failures and one line; ``normal`` failures, then
#: coverage and the totals; ``verbose`` every case too.
Verbosity = Literal["quiet", "normal", "verbose"]
#: The stem of the test file of whole-pack cases (tests/pack.yaml).
PACK_CASES = "pack"


class NothingSelected(ValueError):
    """``-k`` matched no test file of the pack: the message names the files there are."""


@dataclass
class TestSummary:
    results: list[CaseResult]
    coverage: Coverage
    #: The ``-k`` patterns that chose the cases run (empty: every case of the pack ran).
    selected: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed


def file_key(case: TestCase | CaseResult) -> str:
    """What ``-k`` matches: the test file's stem, i.e. the criterion id, or ``pack``."""
    return Path(case.file).stem


def select_cases(cases: list[TestCase], patterns: Sequence[str]) -> list[TestCase]:
    """The cases whose file key contains any of ``patterns`` (any case), as pytest's ``-k`` does
    with a word; all of them when there are no patterns."""
    if not patterns:
        return cases
    if any(not p.strip() for p in patterns):  # "" is in every key: it would select every case
        raise NothingSelected("a blank selects nothing in particular; give a criterion id or part of one "
                              "(e.g. ENF-04, ENF), or 'pack', or leave -k out to run every case")
    keys = sorted({file_key(c) for c in cases})
    unmatched = [p for p in patterns if not any(p.casefold() in k.casefold() for k in keys)]
    if unmatched:  # a misspelt -k among good ones would otherwise quietly test less than asked
        named = ", ".join(repr(p) for p in unmatched)
        raise NothingSelected(f"{named} {'matches' if len(unmatched) == 1 else 'match'} no test file of the pack; "
                              f"-k takes a criterion id or part of one (e.g. ENF-04, ENF), or 'pack' for the "
                              f"whole-pack cases. Test files: {', '.join(keys)}")
    wanted = [p.casefold() for p in patterns]
    return [c for c in cases if any(w in file_key(c).casefold() for w in wanted)]


def run_pack_tests(pack_dir: Path, select: Sequence[str] = ()) -> TestSummary:
    """Load the pack, run its cases (those ``select`` matches, if given) with one compiled
    grader, and measure coverage: of every criterion, or with ``select`` of the criteria whose
    test files ran (every criterion when the whole-pack cases ran)."""
    loaded = load_pack(Path(pack_dir))
    cases = select_cases(collect_cases(Path(pack_dir), loaded.pack.manifest.name, loaded.pack.kind_ids), select)
    keys = {file_key(c) for c in cases}
    criteria = None if not select or PACK_CASES in keys else sorted(keys)
    with Grader(loaded) as grader:
        results = [run_case(grader, case) for case in cases]
        coverage = coverage_of(grader, results, criteria)
    return TestSummary(results=results, coverage=coverage, selected=list(select))


def _failure_lines(r: CaseResult) -> list[str]:
    return [f"FAILED {r.test_id}", *(f"    {r.file}:{r.line}: {f}" for f in r.failures)]


def coverage_counts(cov: Coverage, short: bool = False) -> str:
    """``119/119 rules held in some case, 177/177 clauses matched an item`` (``short``: without
    "in some case" and "an item")."""
    rules, clauses = len(cov.rules_total), len(cov.clauses_total)
    return (f"{rules - len(cov.rules_missed)}/{rules} rules held{'' if short else ' in some case'}, "
            f"{clauses - len(cov.clauses_missed)}/{clauses} clauses matched{'' if short else ' an item'}")


def _coverage_scope(summary: TestSummary) -> str:
    """``coverage``, or with ``-k`` what the coverage was measured over."""
    if not summary.selected:
        return "coverage"
    picked = " ".join(f"-k {p}" for p in summary.selected)
    if any(file_key(r) == PACK_CASES for r in summary.results):
        return f"coverage of every criterion, from the cases {picked} selects"
    return f"coverage of {', '.join(summary.coverage.criteria)} only ({picked})"


def render_test_report(summary: TestSummary, verbosity: Verbosity = "normal", width: int | None = None) -> str:
    """The text ``grader rules test`` prints (docs/rule-authoring.md), each line longer than
    ``width`` wrapped between words under a deeper indent, so a wrapped line never reads as a
    new case or a new coverage line."""
    lines: list[str] = []
    if verbosity == "verbose":
        for r in summary.results:
            lines += _failure_lines(r) if not r.passed else [f"PASSED {r.test_id}"]
    else:
        for r in summary.results:
            if not r.passed:
                lines += _failure_lines(r)
    cov = summary.coverage
    totals = f"{summary.passed} passed, {summary.failed} failed"
    if verbosity == "quiet":
        lines.append(f"{totals}; {_coverage_scope(summary)}: {coverage_counts(cov, short=True)}")
        return _wrapped(lines, width)
    if lines:
        lines.append("")
    lines.append(f"{_coverage_scope(summary)}: {coverage_counts(cov)}")
    lines += [f"  {r.words()} never held" for r in cov.rules_missed]
    lines += [f"  {c.words()} never matched an item" for c in cov.clauses_missed]
    if cov.rules_missed or cov.clauses_missed:
        lines.append("  (add a case whose evidence makes each of these hold, or that has an item the clause "
                     "matches; a case's own items must inform the criterion)")
    lines.append(totals)
    return _wrapped(lines, width)


def _wrapped(lines: list[str], width: int | None) -> str:
    if width is None:
        return "\n".join(lines) + "\n"
    out: list[str] = []
    for line in lines:
        lead = " " * (len(line) - len(line.lstrip(" ")))
        out.append(textwrap.fill(line, width, initial_indent="", subsequent_indent=lead + "    ",
                                 break_long_words=False, break_on_hyphens=False) if len(line) > width else line)
    return "\n".join(out) + "\n"


def junit_xml(summary: TestSummary) -> str:
    """A JUnit XML report, one testcase per case run, for CI dashboards."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuite name="grader-rules" tests="{len(summary.results)}" failures="{summary.failed}" '
             f'errors="0" skipped="0">',
             "  <properties>",
             f'    <property name="coverage" value={quoteattr(coverage_counts(summary.coverage))}/>']
    lines += [f'    <property name="selected" value={quoteattr(p)}/>' for p in summary.selected]
    lines.append("  </properties>")
    for r in summary.results:
        head = f'  <testcase classname={quoteattr(file_key(r))} name={quoteattr(r.name)}'
        if r.passed:
            lines.append(head + "/>")
        else:
            body = escape("\n".join(r.failures))
            lines.append(head + ">")
            lines.append(f'    <failure message={quoteattr(r.failures[0])}>{body}</failure>')
            lines.append("  </testcase>")
    lines.append("</testsuite>")
    return "\n".join(lines) + "\n"
