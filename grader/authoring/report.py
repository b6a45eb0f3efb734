"""Run every test case of a pack and summarise: results, rule coverage, JUnit XML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from grader.authoring.testing import CaseResult, Coverage, collect_cases, coverage_of, run_case
from grader.grading.run import Grader
from grader.loading.pack import load_pack


@dataclass
class TestSummary:
    results: list[CaseResult]
    coverage: Coverage

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed


def run_pack_tests(pack_dir: Path) -> TestSummary:
    """Load the pack, run all its cases with one compiled grader, and measure coverage."""
    loaded = load_pack(Path(pack_dir))
    cases = collect_cases(Path(pack_dir), loaded.pack.manifest.name, loaded.pack.kind_ids)
    with Grader(loaded) as grader:
        results = [run_case(grader, case) for case in cases]
        coverage = coverage_of(grader, results)
    return TestSummary(results=results, coverage=coverage)


def junit_xml(summary: TestSummary) -> str:
    """A JUnit XML report, one testcase per case, for CI dashboards."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuite name="grader-rules" tests="{len(summary.results)}" failures="{summary.failed}">']
    for r in summary.results:
        head = f'  <testcase classname={quoteattr(Path(r.file).stem)} name={quoteattr(r.name)}'
        if r.passed:
            lines.append(head + "/>")
        else:
            body = escape("\n".join(r.failures))
            lines.append(head + ">")
            lines.append(f'    <failure message={quoteattr(r.failures[0])}>{body}</failure>')
            lines.append("  </testcase>")
    lines.append("</testsuite>")
    return "\n".join(lines) + "\n"
