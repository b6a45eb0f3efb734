"""The grade rationale report: golden files, determinism, traceability, grades and audiences."""

from __future__ import annotations

import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from reportkit import as_shown, id_pattern, mark_items, plain
from typer.testing import CliRunner

from grader.cli import app
from grader.errors import EXIT_INPUT_ERROR, InputError
from grader.grading.run import grade_paths
from grader.models.evidence import MARKINGS
from grader.models.result import GradingResult, NeededEvidence
from grader.render.json import render_json
from grader.audience import AUDIENCE_CEILING
from grader.render.report import (
    _source_text,
    fact_text,
    md_escape,
    render_report,
)
from grader.loading.result import read_result

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
SEED = ROOT.parent / "shared" / "seeds" / "000_ee7c48a17ce9bcf1.txt"
FORMATS = ("md", "html")
AUDIENCES = tuple(AUDIENCE_CEILING)


# --- golden files -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt", "audience"), [
    ("derbyshire-public.md", "md", "public"),
    ("derbyshire-public.html", "html", "public"),
    ("derbyshire-inspectorate.md", "md", "inspectorate"),
])
def test_golden_report_is_byte_identical(derbyshire: GradingResult, name: str, fmt: str, audience: str) -> None:
    golden = (GOLDEN / name).read_bytes()
    now = render_report(derbyshire, fmt, audience).encode("utf-8")
    assert now == golden, (f"tests/golden/{name} is out of date: run `python scripts/golden.py`, "
                           "read `git diff tests/golden`, and commit it if the change is intended")


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_result_same_bytes_and_a_saved_result_gives_the_same_report(
        derbyshire: GradingResult, fmt: str, tmp_path: Path) -> None:
    first = render_report(derbyshire, fmt, "public")
    assert render_report(derbyshire, fmt, "public") == first
    saved = tmp_path / "result.json"
    saved.write_text(render_json(derbyshire), encoding="utf-8")
    assert render_report(read_result(saved), fmt, "public") == first


# --- traceability: every cited id is in the appendix --------------------------------------------


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.appendix_rows: list[str] = []
        self.grades: list[tuple[str, str, str, str]] = []  # (attr kind, of, state, text)
        self._open: list[tuple[str, str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
            if a["id"].startswith("ev-"):  # an item's entry in the evidence appendix
                self.appendix_rows.append(a["id"][3:])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.hrefs.append(a["href"][1:])
        for kind in ("grade", "assessed", "outcome"):
            if f"data-{kind}-of" in a:
                self._open.append((kind, a[f"data-{kind}-of"], a[f"data-{kind}"], []))

    def handle_data(self, data: str) -> None:
        for entry in self._open:
            entry[3].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("strong", "g") and self._open:
            kind, of, state, text = self._open.pop()
            self.grades.append((kind, of, state, "".join(text)))


def _parse(text: str) -> _Anchors:
    p = _Anchors()
    p.feed(text)
    return p


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_cited_id_is_in_the_appendix_html(derbyshire: GradingResult, audience: str) -> None:
    text = render_report(derbyshire, "html", audience)
    doc = _parse(text)
    missing = sorted({h for h in doc.hrefs if h not in doc.ids})
    assert not missing, f"links to nothing: {missing}"
    ev_links = {h[3:] for h in doc.hrefs if h.startswith("ev-")}
    assert ev_links, "the report cites no evidence at all"
    assert ev_links <= set(doc.appendix_rows)
    # and every evidence id anywhere in the text, linked or not, has its appendix row
    all_ids = [e.id for e in derbyshire.evidence]
    mentioned = set(id_pattern(all_ids).findall(text))
    assert mentioned <= set(doc.appendix_rows), sorted(mentioned - set(doc.appendix_rows))


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_cited_id_is_in_the_appendix_md(derbyshire: GradingResult, audience: str) -> None:
    text = plain(render_report(derbyshire, "md", audience), "md")
    body, appendix = text.split("\n## Evidence appendix\n", 1)
    all_ids = [e.id for e in derbyshire.evidence]
    appendix = appendix.split("\n### ", 1)[0]  # the entries, not the lists of unused and unverified items
    rows = set(id_pattern(all_ids).findall(appendix))
    cited = set(id_pattern(all_ids).findall(body))
    assert len(cited) > 100
    assert cited <= rows, sorted(cited - rows)


# --- every grade stated matches the result ------------------------------------------------------


def _expected_states(result: GradingResult) -> dict[tuple[str, str], str]:
    out = {("grade", "overall"): result.overall.grade, ("assessed", "overall"): result.overall.assessed_grade}
    for p in result.pillars:
        out[("grade", f"pillar:{p.id}")] = p.grade
        out[("assessed", f"pillar:{p.id}")] = p.assessed_grade
    for c in result.criteria:
        out[("grade", f"criterion:{c.criterion}")] = c.outcome
        out[("assessed", f"criterion:{c.criterion}")] = c.assessed_outcome
        out[("outcome", c.criterion)] = c.outcome
    return out


def _label(result: GradingResult, state: str) -> str:
    return result.framework.label(state) if state in {g.id for g in result.framework.scale} else state


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_grade_stated_in_html_matches_the_result(derbyshire: GradingResult, audience: str) -> None:
    doc = _parse(render_report(derbyshire, "html", audience))
    expected = _expected_states(derbyshire)
    stated = [(k, of, state, text) for k, of, state, text in doc.grades if of != "scale"]
    # overall twice (cover and its section), each pillar, each criterion, each grid cell
    assert len(stated) >= 2 + len(derbyshire.pillars) + 2 * len(derbyshire.criteria)
    for kind, of, state, text in stated:
        assert expected[(kind, of)] == state, (kind, of, state)
        if kind != "outcome":
            assert text.strip() == _label(derbyshire, state)
        else:
            assert " ".join(text.split()).startswith(of)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_every_grade_stated_in_markdown_matches_the_result(derbyshire: GradingResult, audience: str) -> None:
    text = render_report(derbyshire, "md", audience)
    labels = {g.label: g.id for g in derbyshire.framework.scale}
    overall = re.findall(r"^\*\*Overall grade: (.+)\*\*$", text, flags=re.M)
    assert overall and all(labels[o] == derbyshire.overall.grade for o in overall)
    sections = re.split(r"^## ", text, flags=re.M)
    checked = 0
    for p in derbyshire.pillars:
        section = next(s for s in sections if s.startswith(md_escape(p.title) + "\n"))
        assert re.search(r"^\*\*Grade: (.+)\*\*$", section, flags=re.M).group(1) == p.label
        for c in (c for c in derbyshire.criteria if c.pillar == p.id):
            block = section.split(f"\n### {c.criterion} ", 1)[1]
            m = re.search(r"^\*\*Outcome: (.+?)\*\*(?: \(as assessed: (.+?)\))?", block, flags=re.M)
            assert labels[m.group(1)] == c.outcome
            assert labels[m.group(2) or m.group(1)] == c.assessed_outcome
            checked += 1
    assert checked == len(derbyshire.criteria)
    # the summary table and the grid repeat the grades
    for p in derbyshire.pillars:
        assert f"| {md_escape(p.title)} | {p.label}" in text
        assert f"| {md_escape(p.title)} ({p.label}) |" in text


# --- audiences: nothing above the ceiling is shown ----------------------------------------------


def _leaks(result: GradingResult, text: str, fmt: str, ceiling: str) -> list[str]:
    """Every way an item above ``ceiling`` shows up in ``text``: id, statement, source or facts."""
    top = MARKINGS.index(ceiling)
    hidden = [e for e in result.evidence if MARKINGS.index(e.marking) > top]
    shown = [e for e in result.evidence if MARKINGS.index(e.marking) <= top]
    several = len({e.source.document for e in shown}) > 1
    shown_sources = {_source_text(e, several, {}) for e in shown}
    shown_facts = {f"{k} = {v}" for e in shown for k, v in e.facts.items()}
    shown_statements = [e.statement for e in shown]
    leaks = []
    if hidden:
        found = id_pattern([e.id for e in hidden]).findall(plain(text, fmt))
        leaks += [f"id {i}" for i in sorted(set(found))]
    for e in hidden:
        if as_shown(e.statement, fmt) in text:
            leaks.append(f"statement of {e.id}")
        head = e.statement[:60]
        if not any(head in s for s in shown_statements) and as_shown(head, fmt) in text:
            leaks.append(f"start of the statement of {e.id}")
        source = _source_text(e, several, {})
        cell = f"<td>{as_shown(source, fmt)}</td>" if fmt == "html" else f"| {as_shown(source, fmt)} |"
        if source not in shown_sources and cell in text:
            leaks.append(f"source of {e.id}: {source}")
        for k, v in e.facts.items():
            fact = f"{k} = {fact_text(v)}"
            if f"{k} = {v}" not in shown_facts and fact not in {f"{a} = {fact_text(b)}" for s in shown
                                                               for a, b in s.facts.items()}:
                if as_shown(fact, fmt) in text:
                    leaks.append(f"fact of {e.id}: {fact}")
    return leaks


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_derbyshire_report_withholds_its_sensitive_items(derbyshire: GradingResult, fmt: str) -> None:
    sensitive = [e for e in derbyshire.evidence if e.marking != "OFFICIAL"]
    assert sensitive, "the bundled set is expected to hold OFFICIAL-SENSITIVE items"
    text = render_report(derbyshire, fmt, "public")
    assert _leaks(derbyshire, text, fmt, "OFFICIAL") == []
    assert f"{len(sensitive)} items of evidence marked above OFFICIAL were taken into account" in text
    # the inspectorate sees them all
    full = render_report(derbyshire, fmt, "inspectorate")
    for e in sensitive:
        assert as_shown(e.statement, fmt) in full


@pytest.mark.parametrize("seed", [3, 17, 2008])
def test_randomly_marked_items_never_reach_the_public_report(
        evidence_dir: Path, pack_dir: Path, derbyshire: GradingResult, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    official = sorted(e.id for e in derbyshire.evidence if e.marking == "OFFICIAL")
    chosen = rng.sample(official, 30)
    markings = {i: rng.choice(["OFFICIAL-SENSITIVE", "SECRET"]) for i in chosen}
    result = grade_paths(mark_items(evidence_dir, tmp_path / "set", markings), pack_dir)
    by_id = {e.id: e for e in result.evidence}
    assert all(by_id[i].marking == m for i, m in markings.items())
    # grades still rest on all the evidence: marking changes nothing but what is shown
    assert result.overall == derbyshire.overall and result.pillars == derbyshire.pillars
    assert result.criteria == derbyshire.criteria
    hidden_public = sum(1 for e in result.evidence if e.marking != "OFFICIAL")
    secret = [e for e in result.evidence if e.marking == "SECRET"]
    assert secret
    for fmt in FORMATS:
        public = render_report(result, fmt, "public")
        assert _leaks(result, public, fmt, "OFFICIAL") == []
        assert f"{hidden_public} items of evidence marked above OFFICIAL were taken into account" in public
        force = render_report(result, fmt, "force")
        assert _leaks(result, force, fmt, "OFFICIAL-SENSITIVE") == []
        assert f"{len(secret)} item{'s' if len(secret) != 1 else ''} of evidence marked above OFFICIAL-SENSITIVE" in force
        # the harness can see a leak: the inspectorate report shows what the public one may not
        assert _leaks(result, render_report(result, fmt, "inspectorate"), fmt, "OFFICIAL")


def test_a_finding_resting_on_withheld_items_says_how_many(derbyshire: GradingResult) -> None:
    text = render_report(derbyshire, "md", "public")
    pmr02 = text.split("\n### PMR-02 ", 1)[1].split("\n### ", 1)[0]
    f = derbyshire.criterion("PMR-02")
    withheld = [i for i in f.evidence if next(e for e in derbyshire.evidence if e.id == i).marking != "OFFICIAL"]
    assert withheld
    assert f"{len(withheld)} items of sensitive evidence supported this finding" in pmr02
    assert "withheld item" in pmr02


# --- hostile text stays text --------------------------------------------------------------------


def test_inspector_text_cannot_inject_markup(evidence_dir: Path, pack_dir: Path, tmp_path: Path) -> None:
    dst = tmp_path / "set"
    mark_items(evidence_dir, dst, {})
    path = dst / "items" / "enforcement.yaml"
    text = path.read_text(encoding="utf-8")
    hostile = "<script>alert(1)</script> *bold* _em_ | pipe [link](http://example.invalid) &amp; `code`"
    old = "      The police authority is given the force's organisational business plans, covering one to\n"
    assert old in text
    path.write_text(text.replace(old, f"      {hostile} covering one to\n", 1), encoding="utf-8")
    result = grade_paths(dst, pack_dir)
    html_text = render_report(result, "html", "public")
    assert "<script>" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    md_text = render_report(result, "md", "public")
    assert "<script>" not in md_text
    assert r"\<script\>alert(1)\</script\> \*bold\* \_em\_ \| pipe \[link\](http://example.invalid) \&amp; \`code\`" in md_text


def test_md_escape_neutralises_block_syntax() -> None:
    assert md_escape("# heading") == r"\# heading"
    assert md_escape("1. first") == r"\1. first"
    assert md_escape("- item\n\n- two") == r"\- item - two"
    assert md_escape("---") == r"\-\-\-"
    assert md_escape("-18.98% and 1.0.0") == "-18.98% and 1.0.0"


# --- contextual factors -------------------------------------------------------------------------


def test_indicator_table_shows_computed_change_not_applicable_and_rates_over_100(derbyshire: GradingResult) -> None:
    text = render_report(derbyshire, "md", "inspectorate")
    for row in derbyshire.indicators:
        line = next(ln for ln in text.splitlines() if f"({row.id})" in ln and ln.startswith("| "))
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        if row.change is None:
            assert cells[len(row.periods) + 1] == "not applicable"
            assert all(c == "not applicable" for c in cells[1:len(row.periods) + 1])
        else:
            unit = " pp" if row.change_unit == "pp" else "%"
            assert cells[len(row.periods) + 1] == f"{row.change:+.2f}{unit}"
        for note in row.notes:
            assert note.replace("-", " ") in cells[-1]
    assert any(v is not None and v > 100 for r in derbyshire.indicators for v in r.values)
    assert "A detection rate above 100% is possible" in text
    assert "200.00%" in text


# --- the command --------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_report_writes_the_same_bytes_as_the_function(derbyshire: GradingResult, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    res = runner.invoke(app, ["report", "--format", "html", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == render_report(derbyshire, "html", "public")
    res = runner.invoke(app, ["report", "--audience", "inspectorate"])
    assert res.exit_code == 0
    assert res.output == render_report(derbyshire, "md", "inspectorate")


def test_cli_report_from_a_bad_result_names_the_place(derbyshire: GradingResult, tmp_path: Path) -> None:
    data = json.loads(render_json(derbyshire))
    data["pillars"][1]["grade"] = 7
    bad = tmp_path / "result.json"
    bad.write_text(json.dumps(data, indent=2), encoding="utf-8")
    out = tmp_path / "report.md"
    res = runner.invoke(app, ["report", "--from-result", str(bad), "--out", str(out)])
    assert res.exit_code == EXIT_INPUT_ERROR
    line_no = next(n for n, ln in enumerate(bad.read_text().splitlines(), 1) if '"grade": 7' in ln)
    assert f"{bad}:{line_no}:" in res.output and "RES-003" in res.output and "pillars[1].grade" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()
    with pytest.raises(InputError):
        read_result(tmp_path / "missing.json")
    res = runner.invoke(app, ["report", "--from-result", str(bad), "--rules", str(tmp_path)])
    assert res.exit_code == 2


# --- our own words ------------------------------------------------------------------------------


def test_report_does_not_copy_the_seed(derbyshire: GradingResult) -> None:
    def words(t: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", t.lower().replace("\u2019", "'"))

    def runs(w: list[str], n: int = 10) -> set[tuple[str, ...]]:
        return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}

    seed = runs(words(SEED.read_text(encoding="utf-8")))
    text = render_report(derbyshire, "md", "inspectorate")
    # the report's own words: take out what it quotes from the pack and the evidence (checked
    # by tests/test_own_words.py) and the glossary (abbreviations are facts)
    fw = derbyshire.framework
    quoted = [*(g.meaning or "" for g in fw.scale), *(p.aim for p in fw.pillars), *(c.standard for c in fw.criteria),
              fw.description or "", *(e.statement for e in derbyshire.evidence)]
    for q in sorted(filter(None, quoted), key=len, reverse=True):
        text = text.replace(md_escape(q), "\n")
    before, rest = text.split("\n## Glossary\n", 1)
    text = plain(before + rest.split("\n## Provenance\n", 1)[1], "md")
    common = set().union(*(runs(words(line)) for line in text.splitlines())) & seed
    assert not common, sorted(common)[:3]


def test_an_unevidenced_criterion_and_a_failing_pillar_render_in_words(derbyshire: GradingResult) -> None:
    """A result with an adverse finding (edited here: the renderer only reads what it is given)."""
    crit = derbyshire.criterion("INT-03").model_copy(update={
        "outcome": "insufficient-evidence", "assessed_outcome": "insufficient-evidence",
        "decided_by": "otherwise", "rationale": "No rule held.", "evidence": [],
        "looked_for": ["meets (x): at least one item that is a strength and fact x is yes"],
        "would_satisfy": [NeededEvidence(rule="rules/x", outcome="meets", evidence="a strength showing that it is so")]})
    pillar = derbyshire.pillar("intelligence").model_copy(update={
        "grade": "fails", "label": "Fails to meet the standard", "capped_by": None})
    result = derbyshire.model_copy(update={
        "criteria": [crit if c.criterion == "INT-03" else c for c in derbyshire.criteria],
        "pillars": [pillar if p.id == "intelligence" else p for p in derbyshire.pillars]})
    md = render_report(result, "md", "public")
    section = md.split("\n## Intelligence\n", 1)[1].split("\n## ", 1)[0]
    assert "**Grade: Fails to meet the standard**" in section
    assert ("No rule held. The evidence that would have satisfied one:\n\n"
            "- For Meets the standard: a strength showing that it is so.") in section
    assert "fact x is yes" not in md  # rule syntax is for the inspectorate's edition only
    assert "fact x is yes" in render_report(result, "md", "inspectorate")
    assert "| Intelligence (Fails to meet the standard) | Meets the standard: INT-01, INT-02, INT-04" in md
    assert "; Insufficient evidence: INT-03 |" in md
    assert "- INT-03 Strategic assessment, control strategy and problem profiles: no rule held." in md
    # the public edition quotes the standard where a criterion falls short of it, and only there
    int03 = section.split("\n### INT-03 ", 1)[1].split("\n### ", 1)[0]
    assert f"*The standard:* {md_escape(next(c.standard for c in derbyshire.framework.criteria if c.id == 'INT-03'))}" in int03
    assert "*The standard:*" not in section.split("\n### INT-01 ", 1)[1].split("\n### ", 1)[0]
    html_text = render_report(result, "html", "public")
    doc = _parse(html_text)
    assert ("outcome", "INT-03", "insufficient-evidence") in {(k, o, s) for k, o, s, _ in doc.grades}
    assert ">no evidence</text>" in html_text
