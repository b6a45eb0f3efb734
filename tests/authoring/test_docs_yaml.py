"""Every YAML example in docs/*.md and README.md parses, and every fact it names is in a bundled
pack's catalogue; the rule-language page names every clause form, scope, operator, item field
and comparison the loader accepts (read from grader/loading/conditions.py, not listed here).

A block shown on purpose as a mistake is preceded by ``<!-- not-checked: WHY -->``: keep that rare.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from grader.loading import conditions
from grader.loading.pack import load_pack

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^```(?P<info>yaml[^\n`]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
NOT_CHECKED = re.compile(r"<!--\s*not-checked:\s*\S.*?-->\s*$")


def yaml_blocks(page: Path) -> list[tuple[int, str, bool]]:
    """(line, body, checked) for each ```yaml block of ``page``."""
    text = page.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        out.append((text[: m.start()].count("\n") + 1, m["body"], not NOT_CHECKED.search(before)))
    return out


BLOCKS = [(page, line, body) for page in PAGES for line, body, checked in yaml_blocks(page) if checked]


def facts_named(data: object) -> set[str]:
    """Every fact a YAML example names: tests (``fact: X``), ``facts:`` of items, a catalogue
    (``facts: {X: ...}``), ``fact:X`` table columns and ``force_context`` is not a fact."""
    out: set[str] = set()
    if isinstance(data, dict):
        if isinstance(data.get("fact"), str):
            out.add(data["fact"])
        for key, value in data.items():
            if key == "facts" and isinstance(value, dict):
                out.update(str(k) for k in value)
            out |= facts_named(value)
    elif isinstance(data, list):
        for value in data:
            out |= facts_named(value)
    return out


@pytest.fixture(scope="module")
def catalogue() -> set[str]:
    return {f for pack in ("acpo-major-crime-2008", "peel-2023") for f in load_pack(ROOT / "rules" / pack).pack.facts}


def test_the_pages_have_yaml_examples_to_check() -> None:
    pages = {page.name for page, _, _ in BLOCKS}
    assert {"rule-language.md", "evidence-format.md", "rule-authoring.md", "judgement.md"} <= pages
    assert len(BLOCKS) >= 15


@pytest.mark.parametrize(("page", "line", "body"), BLOCKS,
                         ids=[f"{p.name}:{line}" for p, line, _ in BLOCKS])
def test_every_yaml_example_parses_and_names_only_known_facts(page: Path, line: int, body: str,
                                                              catalogue: set[str]) -> None:
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        pytest.fail(f"{page.name}:{line}: the example is not YAML: {exc}")
    unknown = sorted(facts_named(data) - catalogue)
    assert unknown == [], f"{page.name}:{line}: facts in no bundled pack's catalogue: {unknown}"


def test_a_mistake_in_a_block_is_caught(tmp_path: Path, catalogue: set[str]) -> None:
    page = tmp_path / "page.md"
    page.write_text("x\n\n```yaml\nsome: {fact: mcu_dedicated_analst, equals: true}\n```\n\n"
                    "<!-- not-checked: shows a misspelt fact -->\n```yaml\nfacts: {nope: 1}\n```\n", encoding="utf-8")
    [(line, body, checked), (_, _, skipped)] = yaml_blocks(page)
    assert (line, checked, skipped) == (3, True, False)
    assert facts_named(yaml.safe_load(body)) - catalogue == {"mcu_dedicated_analst"}


def _words_of_the_loader() -> dict[str, tuple[str, ...]]:
    return {
        "clause form": conditions.CLAUSE_FORMS,
        "scope": conditions.SCOPES,
        "operator": conditions.OPERATORS,
        "item field": tuple(conditions.FIELDS),
        "comparison": conditions.COMPARES,
        "kind": conditions.KINDS,
        "marking": conditions.MARKINGS,
    }


def _shorthands() -> tuple[str, ...]:
    """The one-key tests parse_cond accepts (``{kind: ...}``, ``{tag: ...}``, ``{text: ...}``), read
    from its source: they are a local set there."""
    import inspect

    m = re.search(r"shorthands = \{(?P<names>[^}]*)\}", inspect.getsource(conditions))
    assert m, "grader/loading/conditions.py no longer names its shorthands as 'shorthands = {...}'"
    return tuple(re.findall(r'"(\w+)"', m["names"]))


def test_the_rule_language_page_names_everything_the_loader_accepts() -> None:
    text = (ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8")
    missing = [f"{what} {word!r}" for what, words in _words_of_the_loader().items() for word in words
               if not re.search(rf"(?<![\w.-]){re.escape(word)}(?![\w-])", text)]
    shorthands = _shorthands()
    assert "tag" in shorthands
    missing += [f"shorthand {s!r}" for s in shorthands if f"`{{{s}: " not in text]
    for combinator in ("all", "any", "not", "pair", "same", "first", "second", "where", "name"):
        if not re.search(rf"\b{combinator}:", text):
            missing.append(f"clause key {combinator!r}")
    assert missing == []
