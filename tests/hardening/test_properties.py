"""Property-based tests: the YAML reader and the rule compiler never fail in an unplanned way.

- Any text (or any bytes in a file) either loads into plain data or raises InputError whose
  problems name the file, carry a grader code and print as one line; never another exception.
- Any ``when`` the pack loader accepts compiles into durable-rules rulesets and grades evidence
  without an engine error; anything it refuses is refused as located problems.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from grader.errors import InputError
from grader.grading.run import Grader
from grader.loading.evidence import load_evidence
from grader.loading.pack import load_pack
from grader.loading.yamlsrc import load_yaml, parse_yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
import packkit  # noqa: E402

CODE = re.compile(r"^[A-Z]+-\d{3}$")
#: Characters YAML (as PyYAML reads it) treats as line breaks.
BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
#: Problems that always point at a place in the text.
ALWAYS_LOCATED = {"YAML-002", "YAML-003", "YAML-005", "YAML-006", "YAML-007", "YAML-008"}

# --- the YAML reader -------------------------------------------------------------------------

TOKENS = [
    "a", "b", "key", "items", "id", "0", "-1", "1.5", "0o17", "0x1F", ".inf", "~", "null", "true", "no",
    "2008-07-01", "2008-13-45", ": ", ":", " ", "  ", "\n", "\r\n", "\t", "- ", "-", "[", "]", "{", "}", ", ",
    "&x ", "*x", "&y ", "*y", "<<: ", "? ", "!!str ", "!!python/object:os.system ", "!tag ", "'", '"', "'q'",
    '"q\\n"', "#", " # c", "|", "|-\n", ">", "---\n", "...\n", "%YAML 1.2\n", "%TAG ! tag:x,2000:\n", "\\",
    "\x00", "\ufeff", "é", "\u2028", "\x85", "@", "`", "%",
]
yamlish = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)
PLAIN = (dict, list, str, int, float, bool, type(None), dt.date)


def _plain(value: Any) -> None:
    assert isinstance(value, PLAIN), type(value)
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str)
            _plain(v)
    elif isinstance(value, list):
        for v in value:
            _plain(v)


def _check_problems(exc: InputError, name: str, text: str | None) -> None:
    assert exc.problems
    lines = len(BREAKS.findall(text)) + 2 if text is not None else None
    for p in exc.problems:
        assert p.file == name
        assert CODE.match(p.code), p.code
        assert "\n" not in p.line_text()
        if p.code in ALWAYS_LOCATED:
            assert p.line is not None, p.line_text()
        if p.line is not None:
            assert p.line >= 1 and (p.column is None or p.column >= 1)
            if lines is not None:
                assert p.line <= lines, p.line_text()


@settings(max_examples=600, deadline=None)
@given(st.one_of(yamlish, st.text(max_size=200)))
def test_any_text_loads_as_plain_data_or_is_a_located_input_error(text: str) -> None:
    try:
        doc = parse_yaml(text, Path("x.yaml"), "x.yaml")
    except InputError as exc:
        _check_problems(exc, "x.yaml", text)
    else:
        _plain(doc.data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=200), yamlish.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_bytes_in_a_file_load_or_are_a_located_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.yaml"
        path.write_bytes(data)
        try:
            doc = load_yaml(path, "f.yaml")
        except InputError as exc:
            _check_problems(exc, "f.yaml", None)
        else:
            _plain(doc.data)
            assert len(doc.sha256) == 64


# --- the rule compiler -----------------------------------------------------------------------

FACTS = ["flag", "count", "name", "seen", "unknown_fact"]
FIELDS = ["kind", "pillar", "marking", "source.section", "source.list", "indicator.value", "indicator.measure",
          "statement", "criteria", "tags", "nope"]
OPS = ["equals", "not_equals", "one_of", "lt", "lte", "gt", "gte", "between", "contains", "exists", "absent",
       "matches"]
VALUES = st.one_of(
    st.booleans(), st.integers(-3, 12), st.sampled_from([0.5, 2.5, -1.5]), st.sampled_from(["hub", "", "(a+)+$", "5"]),
    st.dates(dt.date(2008, 1, 1), dt.date(2008, 12, 31)), st.none(),
    st.lists(st.one_of(st.integers(0, 5), st.sampled_from(["hub", "x"])), max_size=3),
    st.sampled_from(["strength", "alpha", "OFFICIAL", "T-01"]),
)

tests_ = st.one_of(
    st.builds(lambda f, op, v: {"fact": f, op: v}, st.sampled_from(FACTS), st.sampled_from(OPS), VALUES),
    st.builds(lambda f, op, v: {"field": f, op: v}, st.sampled_from(FIELDS), st.sampled_from(OPS), VALUES),
    st.builds(lambda n, op, v: {"compare": n, op: v}, st.sampled_from(["ratio", "difference"]),
              st.sampled_from(["lt", "gte", "between", "equals"]), VALUES),
    st.builds(lambda k: {"kind": k}, st.sampled_from(["strength", "area-for-improvement", "opinion"])),
    st.builds(lambda k: {"kind": k}, st.lists(st.sampled_from(["strength", "indicator"]), min_size=1, max_size=2)),
    st.builds(lambda t: {"tag": t}, st.sampled_from(["hub", "cover", "Not A Tag"])),
    st.builds(lambda t: {"text": t}, st.sampled_from(["hub", "(a+)+$", "", "Straße"])),
)
conds = st.recursive(
    tests_,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=6,
)


def _scoped(clause: dict[str, Any], scope: str | None) -> dict[str, Any]:
    return {**clause, "scope": scope} if scope else clause


SCOPES = st.sampled_from([None, "criterion", "pillar", "all"])
counting = st.one_of(
    st.builds(lambda c, s: _scoped({"some": c}, s), conds, SCOPES),
    st.builds(lambda c, s: _scoped({"none": c}, s), conds, SCOPES),
    st.builds(lambda n, c, s: _scoped({"at_least": n, "where": c}, s), st.integers(0, 3), conds, SCOPES),
    st.builds(lambda n, c, s: _scoped({"at_most": n, "where": c}, s), st.integers(0, 3), conds, SCOPES),
    st.builds(lambda a, b, same: {"pair": {"first": a, "second": b, "same": same}}, conds, conds,
              st.sampled_from([["facts.name"], ["kind"], ["facts.count", "pillar"], ["statement"]])),
)
whens = st.recursive(
    counting,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=4,
)

_EVIDENCE: list[Path] = []


def _evidence(root: Path) -> Path:
    """A small set with every declared fact type, tags, text and an indicator (made once)."""
    if not _EVIDENCE:
        _EVIDENCE.append(packkit.write_evidence(root, [
            packkit.item("E1", facts={"flag": True, "count": 3, "name": "regional hub", "seen": dt.date(2008, 3, 1)},
                         tags=["hub"], statement="A regional HUB (a+)+$ exists."),
            packkit.item("E2", kind="area-for-improvement", facts={"flag": False, "count": 0, "name": "hub"}),
            packkit.item("E3", criteria=[], facts={"name": "Straße", "count": 12}, tags=["cover"]),
            packkit.indicator("E4", 2.5, 2.0, criteria=["T-01"]),
            packkit.indicator("E5", "not applicable", 0.5),
        ]))
    return _EVIDENCE[0]


_ROOT = Path(tempfile.mkdtemp(prefix="grader-props-"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(whens)
def test_every_when_the_loader_accepts_compiles_and_grades(when: dict[str, Any]) -> None:
    rules = [packkit.rule("r1", "fails", when), packkit.rule("r2", "meets", {"some": {"kind": "strength"}})]
    pack_dir = packkit.write_pack(_ROOT, [packkit.criterion("T-01", rules)])
    try:
        loaded = load_pack(pack_dir)
    except InputError as exc:
        for p in exc.problems:
            assert CODE.match(p.code) and "\n" not in p.line_text()
            assert p.file.endswith(".yaml")
        assert any(p.file.endswith("T-01.yaml") and p.line is not None for p in exc.problems), \
            [p.line_text() for p in exc.problems]
        return
    with Grader(loaded) as grader:  # compiles and creates the rulesets: must not raise
        result = grader.grade(load_evidence(_evidence(_ROOT)))
    finding = result.criterion("T-01")
    assert finding.outcome in ("fails", "meets", "insufficient-evidence")
    assert finding.trace[0].rule == "rules/r1"


def _loads(when: dict[str, Any]) -> bool:
    pack_dir = packkit.write_pack(_ROOT, [packkit.criterion("T-01", [packkit.rule("r1", "fails", when)])])
    try:
        load_pack(pack_dir)
    except InputError:
        return False
    return True


def test_the_generator_reaches_both_accepted_and_refused_rules() -> None:
    """Guard against a generator that only ever produces refused (or only accepted) rules."""
    quick = settings(max_examples=300, deadline=None, database=None)
    assert _loads(find(whens, _loads, settings=quick))
    assert not _loads(find(whens, lambda w: not _loads(w), settings=quick))
