"""The HTML report in a real browser: headless Chromium loads it, screenshots it, prints it.

Skipped, with the reason, on a machine without Chromium; never skipped in CI (CI=true), where
.ci/run installs Debian's `chromium` before the tests.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from cdp import Browser, find_chromium

from grader.models.result import GradingResult
from grader.render.report import render_report

ARTIFACTS = os.environ.get("GRADER_BROWSER_ARTIFACTS")  # keep screenshot and PDF here if set

VISIBLE = """(() => {
  const shown = el => {
    if (!el) return false;
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
      && parseFloat(s.opacity) > 0;
  };
  const grade = document.querySelector('[data-grade-of="overall"]');
  return {
    title: document.title,
    grade: grade ? grade.textContent : null,
    gradeShown: shown(grade),
    pillars: [...document.querySelectorAll('section.pillar > h2')].map(h => [h.textContent, shown(h)]),
    pillarGrades: [...document.querySelectorAll('[data-grade-of^="pillar:"]')].map(b => [b.dataset.gradeOf, b.textContent, shown(b)]),
    svgs: [...document.querySelectorAll('svg.chart')].map(s => shown(s)),
  };
})()"""


def _chromium() -> str:
    exe = find_chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test, but no Chromium was found: .ci/run should install it")
        pytest.skip("no browser: Debian's `chromium` is not installed here (apt-get install chromium); "
                    "CI installs it and runs this test")
    return exe


def png_pixels(png: bytes) -> tuple[int, int, set[int]]:
    """Width, height and the set of distinct byte values of the raw scanlines (a blank page has ~1)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", data[:8])
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    return width, height, set(zlib.decompress(idat))


def _load(tmp_path: Path, html: str) -> tuple[Browser, Path]:
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    return Browser(_chromium()), page


def test_the_harness_sees_console_errors_and_external_requests(tmp_path: Path) -> None:
    """A page with a console error and a blocked external image must be caught (the test can fail)."""
    browser, page = _load(tmp_path, (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; script-src 'unsafe-inline'\">"
        "<title>t</title></head><body><h1>x</h1><img src='http://127.0.0.1:9/x.png' alt=''>"
        "<script>console.error('deliberate')</script></body></html>"))
    with browser:
        browser.open(page)
        errors = browser.console_errors()
    assert any("deliberate" in e for e in errors), errors
    assert any("Content Security Policy" in e or "127.0.0.1" in e for e in errors), errors


def visit(tmp_path: Path, html: str) -> tuple[Path, dict, bytes, bytes, list[str], list[str]]:
    """Load ``html`` in Chromium: (page, what VISIBLE saw, screenshot, PDF, console errors, requests)."""
    browser, page = _load(tmp_path, html)
    with browser:
        browser.open(page)
        return (page, browser.evaluate(VISIBLE), browser.screenshot(), browser.pdf(), browser.console_errors(),
                browser.requests())


def test_html_report_in_chromium(derbyshire: GradingResult, tmp_path: Path) -> None:
    page, seen, shot, pdf, errors, requests = visit(tmp_path, render_report(derbyshire, "html", "public"))
    if ARTIFACTS:
        Path(ARTIFACTS).mkdir(parents=True, exist_ok=True)
        (Path(ARTIFACTS) / "report.png").write_bytes(shot)
        (Path(ARTIFACTS) / "report.pdf").write_bytes(pdf)

    assert errors == []
    assert requests == [page.resolve().as_uri()], "the report must load nothing but itself"
    assert seen["grade"] == derbyshire.overall.label and seen["gradeShown"]
    assert seen["pillars"] == [[p.title, True] for p in derbyshire.pillars]
    assert seen["pillarGrades"] == [[f"pillar:{p.id}", p.label, True] for p in derbyshire.pillars]
    assert seen["svgs"] == [True, True]
    width, height, values = png_pixels(shot)
    assert (width, height) == (1200, 1600)
    assert len(values) > 32, "the screenshot is blank"
    assert pdf.startswith(b"%PDF-")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages >= 10, f"an A4 print of the whole report should run to many pages, got {pages}"
    boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes), boxes
