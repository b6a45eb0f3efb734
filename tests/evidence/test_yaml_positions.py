"""Where a value or key stood, as messages report it, and how plain scalars resolve.

Positions are looked up in the composed nodes only when a message asks (loading records none),
so these tests pin the lookup's rules: 1-based, nearest existing parent, keys, lists, merges.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
import yaml

from grader.errors import InputError
from grader.loading.yamlsrc import YamlDocument, parse_yaml

TEXT = """\
id: set-1
documents:
  - id: doc-a
    title: First
  - id: doc-b
base: &base
  marking: OFFICIAL
  verified: true
item:
  <<: *base
  verified: false
  facts:
    count: 3
"""


@pytest.fixture(scope="module")
def doc():
    return parse_yaml(TEXT, Path("set.yaml"), "set.yaml")


@pytest.mark.parametrize(("path", "key", "where"), [
    ((), False, (1, 1)),
    (("id",), False, (1, 5)),
    (("id",), True, (1, 1)),
    (("documents", 1, "id"), False, (5, 9)),
    (("documents", 1, "id"), True, (5, 5)),
    (("documents", 1), False, (5, 5)),
    (("item", "facts", "count"), False, (13, 12)),
    (("item", "facts", "count"), True, (13, 5)),
])
def test_values_and_keys_are_found_1_based(doc, path, key, where) -> None:
    assert doc.position(path, key=key) == where


def test_a_missing_path_falls_back_to_its_nearest_existing_parent(doc) -> None:
    assert doc.position(("documents", 1, "title")) == (5, 5)  # the entry's mapping
    assert doc.position(("documents", 7, "id")) == (3, 3)  # the list
    assert doc.position(("item", "facts", "missing"), key=True) == (12, 3)  # the parent's key
    assert doc.position(("nowhere", "at", "all")) == (1, 1)


def test_a_merged_key_is_found_where_it_was_written(doc) -> None:
    assert doc.data["item"]["marking"] == "OFFICIAL"
    assert doc.position(("item", "marking")) == (7, 12)  # in the merged mapping
    # a key the mapping writes itself wins over the merged one, in the data and in messages
    assert doc.data["item"]["verified"] is False
    assert doc.position(("item", "verified")) == (11, 13)


def test_a_mapping_that_merges_itself_is_refused_and_never_loops() -> None:
    with pytest.raises(InputError) as exc:
        parse_yaml("a: &a\n  x: 1\n  <<: *a\n", Path("m.yaml"), "m.yaml")
    assert "YAML-004" in {p.code for p in exc.value.problems}
    doc = YamlDocument(path=Path("m.yaml"), display="m.yaml", data=None,
                       root=yaml.compose("a: &a\n  x: 1\n  <<: *a\n"))
    assert doc.position(("a", "missing")) == (1, 4)  # the mapping starts at its anchor
    assert doc.position(("a", "x")) == (2, 6)


def test_an_empty_document_has_no_position() -> None:
    empty = parse_yaml("# nothing\n", Path("e.yaml"), "e.yaml")
    assert empty.data is None
    assert empty.position(("id",)) == (None, None)


def test_a_problem_names_file_line_column_and_field(doc) -> None:
    p = doc.problem(("documents", 1, "id"), "EVID-999", "bad id")
    assert (p.file, p.line, p.column, p.field) == ("set.yaml", 5, 9, "documents[1].id")


@pytest.mark.parametrize(("scalar", "value"), [
    ("plain text", "plain text"), ("Yes", "Yes"), ("no", "no"), ("on", "on"),
    ("true", True), ("FALSE", False), ("~", None), ("null", None), ("", None),
    ("-1", -1), ("+7", 7), ("0", 0), ("42", 42), ("0123", 123.0), ("٣", "٣"), ("0o17", 15), ("0x1F", 31), (".5", 0.5), ("1e3", 1000.0),
    ("-.inf", -math.inf), ("2008-07-01", dt.date(2008, 7, 1)), ("2008-13-01", "2008-13-01"),
    ("07:30", "07:30"), ("-x", "-x"), ("+", "+"), ("1.2.3", "1.2.3"), ("tuesday", "tuesday"), ("nan", "nan"),
])
def test_plain_scalars_resolve_by_the_yaml_1_2_core_schema(scalar: str, value: object) -> None:
    got = parse_yaml(f"v: {scalar}\nq: '{scalar}'\n", Path("s.yaml"), "s.yaml").data
    assert got["v"] == value and type(got["v"]) is type(value)
    assert got["q"] == scalar  # quoted: always text
    listed = parse_yaml(f"v: [{scalar or '~'}]\n", Path("s.yaml"), "s.yaml").data
    assert listed["v"] == [value if scalar else None]


def test_nan_resolves_to_a_float_nan() -> None:
    got = parse_yaml("v: .nan\n", Path("s.yaml"), "s.yaml").data
    assert isinstance(got["v"], float) and math.isnan(got["v"])
