"""The PEEL report in headless Chromium: the same checks as the ACPO report's browser test, for a
pack with five grades, no overall grade and an ungraded area. Skipped without Chromium, never in CI."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "report"))

from test_report_browser import png_pixels, visit  # noqa: E402

from grader.models.result import GradingResult  # noqa: E402
from grader.render.report import render_report  # noqa: E402


def test_peel_html_report_in_chromium(exampleshire: GradingResult, tmp_path: Path) -> None:
    page, seen, shot, pdf, errors, requests = visit(tmp_path, render_report(exampleshire, "html", "public"))
    assert errors == []
    assert requests == [page.resolve().as_uri()], "the report must load nothing but itself"
    assert seen["grade"] is None, "a pack with no overall grade shows none"
    titles = [p.title for p in exampleshire.pillars] + [a.title for a in exampleshire.ungraded]
    assert seen["pillars"] == [[t, True] for t in titles]
    assert seen["pillarGrades"] == [[f"pillar:{p.id}", p.label, True] for p in exampleshire.pillars]
    assert seen["svgs"] == [True, True]
    width, height, values = png_pixels(shot)
    assert (width, height) == (1200, 1600) and len(values) > 32, "the screenshot is blank"
    assert pdf.startswith(b"%PDF-")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages >= 5, f"an A4 print of the whole report should run to several pages, got {pages}"
