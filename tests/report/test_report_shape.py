"""The report a chief constable reads in ten minutes (issue 11): the public Markdown for Derbyshire
is at most 10,000 words with nothing cited lost, and the HTML report has the same headings and
evidence as the Markdown, with a table of contents whose every link lands."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from reportkit import id_pattern, plain

from grader.audience import AUDIENCE_CEILING
from grader.models.evidence import MARKINGS
from grader.models.result import GradingResult
from grader.render.report import _cited, md_escape, render_report

AUDIENCES = tuple(AUDIENCE_CEILING)


def _cited_in_result(result: GradingResult) -> set[str]:
    """Every id any finding, note or grade of the result names."""
    ids = {i for f in result.criteria for i in [*_cited(f), *f.areas_for_improvement, *(c.id for c in f.cited)]}
    ids |= {i for n in result.context for i in n.evidence}
    ids |= {i for g in [*result.pillars, *([result.overall] if result.overall else [])] for i in g.evidence}
    return ids


def test_the_public_markdown_is_at_most_10000_words_and_loses_nothing_cited(derbyshire: GradingResult) -> None:
    text = render_report(derbyshire, "md", "public")
    assert len(text.split()) <= 10_000, len(text.split())
    items = {e.id: e for e in derbyshire.evidence}
    cited = _cited_in_result(derbyshire)
    public = {i for i in cited if items[i].marking == MARKINGS[0]}
    withheld = cited - public
    assert len(public) > 150 and withheld  # the bundled set has both
    shown = set(id_pattern(list(items)).findall(plain(text, "md")))
    # every cited id the public may see is in the report; none it may not
    assert public <= shown, sorted(public - shown)
    assert not withheld & shown
    # a statement a finding's reasons rest on, and every area for improvement, is printed, once
    must_print = {i for f in derbyshire.criteria for i in [*_cited(f), *f.areas_for_improvement]} & public
    for i in sorted(must_print):
        if items[i].kind != "indicator":
            assert text.count(md_escape(items[i].statement)) == 1, i
    # what is withheld is accounted for: the total, and at each finding that rests on it
    hidden_total = sum(1 for e in derbyshire.evidence if e.marking != MARKINGS[0])
    assert f"{hidden_total} items of evidence marked above OFFICIAL were taken into account" in text
    for f in derbyshire.criteria:
        n = sum(1 for i in _cited(f) if i in withheld)
        block = text.split(f"\n### {f.criterion} ", 1)[1].split("\n### ", 1)[0]
        if n:
            assert f"{n} item{'s' if n != 1 else ''} of sensitive evidence supported this finding" in block
        else:
            assert "of sensitive evidence supported this finding" not in block


class _Html(HTMLParser):
    """Headings (level, text), the contents' links, every id and href, and the visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.toc: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self._heading: list[str] | None = None
        self._level = 0
        self._in_nav = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.hrefs.append(a["href"][1:])
            if self._in_nav:
                self.toc.append(a["href"][1:])
        if tag == "nav":
            self._in_nav = True
        if tag in ("style", "title", "svg"):
            self._skip += 1
        if re.fullmatch(r"h[1-4]", tag) and not self._in_nav:
            self._heading, self._level = [], int(tag[1])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_nav = False
        if tag in ("style", "title", "svg"):
            self._skip -= 1
        if re.fullmatch(r"h[1-4]", tag) and self._heading is not None:
            self.headings.append((self._level, " ".join("".join(self._heading).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if not self._skip:
            self.text.append(data)


def _md_headings(text: str) -> list[tuple[int, str]]:
    return [(len(m.group(1)), m.group(2)) for m in re.finditer(r"^(#{1,4}) (.+)$", plain(text, "md"), flags=re.M)]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_html_has_the_markdowns_headings_and_evidence_and_a_contents_that_lands(
        derbyshire: GradingResult, audience: str) -> None:
    md = render_report(derbyshire, "md", audience)
    doc = _Html()
    doc.feed(render_report(derbyshire, "html", audience))
    # the same sections, pillars, criteria and lists, in the same order
    assert doc.headings == _md_headings(md)
    # the contents links to every section (each heading of the second level) and pillar, in order
    sections = [h for level, h in doc.headings if level == 2]
    assert len(doc.toc) == len(sections) and len(sections) >= 15
    targets = {i: n for n, i in enumerate(doc.ids)}
    assert all(t in targets for t in doc.toc)
    assert [targets[t] for t in doc.toc] == sorted(targets[t] for t in doc.toc)
    assert {f"pillar-{p.id}" for p in derbyshire.pillars} | {"summary", "appendix"} <= set(doc.toc)
    # every link in the document lands on an element, and no id is used twice
    assert sorted(set(doc.hrefs) - set(doc.ids)) == []
    assert len(doc.ids) == len(set(doc.ids))
    # the same evidence ids are shown
    ids = [e.id for e in derbyshire.evidence]
    in_md = set(id_pattern(ids).findall(plain(md, "md")))
    in_html = set(id_pattern(ids).findall("".join(doc.text)))
    assert in_md == in_html and len(in_md) > 150
