"""Read a saved result JSON (``grader grade --format json``) back into a validated model.

``report --from-result``, ``diff`` and ``moderate`` all read results here, and a result is
checked as strictly as evidence, because a report rendered from it decides what the public sees:

- it is read by :func:`grader.loading.files.read_text` (regular files only), with its own cap,
  :data:`~grader.loading.files.MAX_RESULT_BYTES`: a result holds every item with its trace;
- nesting deeper than :data:`MAX_DEPTH` is refused before parsing (no ``RecursionError``);
- a key given twice in one object is refused: JSON parsers keep the last value without a word,
  so a second ``"marking": "OFFICIAL"`` could put an OFFICIAL-SENSITIVE item in a public report;
- ``NaN`` and ``Infinity`` (not JSON, but Python writes them), numbers longer than
  :data:`MAX_NUMBER_CHARS` characters and numbers too big to be finite are refused;
- every evidence id a finding, trace, grade, note or list cites must be in ``evidence``, and no
  id may be listed there twice, so no renderer meets an id it cannot look up.

Every problem names the file, the line and column, and the field. Positions come from
:class:`JsonPositions`, a token walk that runs only when a message needs a place, so a valid
70 MB result is parsed once, by the standard library.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from grader.errors import InputError, Problem
from grader.loading.files import MAX_RESULT_BYTES, display_path, present, read_text
from grader.loading.validate import validation_problems
from grader.loading.yamlsrc import PathKey, dotted
from grader.models.result import GradingResult

#: Deepest nesting of objects and arrays in a result; grader writes fewer than 10 levels.
MAX_DEPTH = 64
#: Longest number a result may hold, in characters (a count, an item number, a rate).
MAX_NUMBER_CHARS = 40

_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_STRINGS = re.compile(_STRING)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_TOKEN = re.compile(r"[ \t\n\r]*(?:(" + _STRING + r")|([{}\[\]:,])|(true|false|null|NaN|Infinity|-Infinity)"
                    r"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?))")


class _Refused(Exception):
    """Raised from a JSON parser hook: the text holds something a result may not (located later)."""


def read_result(path: Path) -> GradingResult:
    """The result in ``path``, or an InputError naming file, line and field."""
    path = Path(path)
    name = display_path(path)
    if not present(path):
        raise InputError([Problem(file=name, code="RES-001", message="result file not found")])
    text, _ = read_text(path, name, cap=MAX_RESULT_BYTES)
    positions = JsonPositions(text, name)
    if _deepest(text) > MAX_DEPTH:
        raise InputError([positions.first_offence()])
    try:
        # Parsed here for what pydantic's parser lets through (repeated keys, NaN, huge numbers),
        # then dropped: validation parses the text itself (JSON mode: dates as ISO text), and
        # holding both would double the memory a big result needs.
        json.loads(text, object_pairs_hook=_object, parse_constant=_constant, parse_int=_int, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(file=name, line=exc.lineno, column=exc.colno, code="RES-002",
                                  message=f"not valid JSON: {exc.msg}")]) from None
    except _Refused:
        raise InputError([positions.first_offence()]) from None
    try:
        result = GradingResult.model_validate_json(text)
    except ValidationError as exc:
        data = json.loads(text)
        asked = _Asked(name)
        validation_problems(exc, data, asked, (), "RES-003", GradingResult)  # type: ignore[arg-type]
        positions.prefetch(asked.paths)  # one walk of the text for every problem
        problems = validation_problems(exc, data, positions, (), "RES-003", GradingResult)  # type: ignore[arg-type]
        raise InputError([p.model_copy(update={"message": f"not a grader result: {p.message}"})
                          for p in problems]) from None
    problems = citation_problems(result, positions)
    if problems:
        raise InputError(problems)
    return result


def _deepest(text: str) -> int:
    """How deep objects and arrays nest, counted outside strings (cheap: no Python loop per
    character), so a 100,000-deep file is refused before a recursive parser meets it."""
    brackets = _BRACKETS.findall(_STRINGS.sub("", text))
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Refused
    return obj


def _constant(token: str) -> Any:
    raise _Refused


def _int(token: str) -> int:
    if len(token) > MAX_NUMBER_CHARS:
        raise _Refused
    return int(token)


def _float(token: str) -> float:
    value = float(token)
    if len(token) > MAX_NUMBER_CHARS or not math.isfinite(value):
        raise _Refused
    return value


def citation_problems(result: GradingResult, positions: JsonPositions) -> list[Problem]:
    """Every evidence id the result cites must be listed once in its ``evidence``: a renderer
    looks items up by id (for their marking, above all), so an id it cannot find, or finds
    twice, would fail or show the wrong item."""
    found: list[tuple[PathKey, str, str]] = []
    first: dict[str, int] = {}
    for i, item in enumerate(result.evidence):
        if item.id in first:
            found.append((("evidence", i, "id"), "RES-009", f"evidence id {item.id!r} is listed twice (first at "
                                                            f"evidence[{first[item.id]}]); the file was edited: grade "
                                                            "the set again"))
        else:
            first[item.id] = i
    for where, cited in _citations(result):
        if cited not in first:
            found.append((where, "RES-008", f"cites evidence {cited!r}, which the result's 'evidence' list does not "
                                            "hold; the file was edited or cut short: grade the set again"))
    positions.prefetch(where for where, _, _ in found)
    return [positions.problem(where, code, message) for where, code, message in found]


def _citations(result: GradingResult) -> Iterator[tuple[PathKey, str]]:
    """(where, id) for every evidence id the result cites, in document order."""
    for i, c in enumerate(result.criteria):
        at: PathKey = ("criteria", i)
        yield from (((*at, "evidence", j), e) for j, e in enumerate(c.evidence))
        for t, trace in enumerate(c.trace):
            yield from (((*at, "trace", t, "cites", j), e) for j, e in enumerate(trace.cites))
            for k, clause in enumerate(trace.clauses):
                yield from (((*at, "trace", t, "clauses", k, "matched", j), e) for j, e in enumerate(clause.matched))
        for part, reason in (("mitigation", c.mitigation), ("uplift", c.uplift)):
            if reason is not None:
                yield from (((*at, part, "evidence", j), e) for j, e in enumerate(reason.evidence))
        for k, concern in enumerate(c.concerns):
            yield from (((*at, "concerns", k, "evidence", j), e) for j, e in enumerate(concern.evidence))
        yield from (((*at, "cited", j, "id"), item.id) for j, item in enumerate(c.cited))
        yield from (((*at, "areas_for_improvement", j), e) for j, e in enumerate(c.areas_for_improvement))
    for i, p in enumerate(result.pillars):
        yield from ((("pillars", i, "evidence", j), e) for j, e in enumerate(p.evidence))
    for i, a in enumerate(result.ungraded):
        yield from ((("ungraded", i, "evidence", j), e) for j, e in enumerate(a.evidence))
    if result.overall is not None:  # a pack may give no overall grade
        yield from ((("overall", "evidence", j), e) for j, e in enumerate(result.overall.evidence))
    for i, judged in enumerate(result.judgements):
        yield from ((("judgements", i, "evidence", j), e) for j, e in enumerate(judged.evidence))
    for i, note in enumerate(result.context):
        yield from ((("context", i, "evidence", j), e) for j, e in enumerate(note.evidence))
    yield from ((("indicators", i, "id"), row.id) for i, row in enumerate(result.indicators))
    yield from ((("unverified", j), e) for j, e in enumerate(result.unverified))
    yield from ((("unused", i, "id"), u.id) for i, u in enumerate(result.unused))


class _Asked:
    """Stands in for :class:`JsonPositions` to learn which places a set of problems needs."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.paths: list[PathKey] = []

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        self.paths.append(tuple(path))
        return (None, None)


@dataclass
class _Frame:
    """An open object or array while :class:`JsonPositions` walks the tokens."""

    slot: str | int | None  # where it sits in its parent (None: the document)
    is_object: bool
    index: int = 0
    key: str | None = None
    key_at: int = 0
    want_key: bool = False
    keys: set[str] | None = None


class JsonPositions:
    """Where things stand in a JSON text, found by walking its tokens (only when asked).

    Has the ``display`` / ``position`` / ``problem`` interface of
    :class:`grader.loading.yamlsrc.YamlDocument`, so validation errors are located as for YAML.
    """

    def __init__(self, text: str, display: str) -> None:
        self.text = text
        self.display = display
        self._found: dict[PathKey, tuple[int | None, int]] = {}  # path -> (key offset, value offset)
        self._asked: set[PathKey] = set()
        self._newlines: list[int] | None = None

    def _line_col(self, offset: int) -> tuple[int, int]:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        line = bisect.bisect_left(self._newlines, offset)
        return line + 1, offset - (self._newlines[line - 1] + 1 if line else 0) + 1

    def _walk(self) -> Iterator[tuple[PathKey, int | None, int, str]]:
        """(path, key offset, offset, token) for every key and value in document order; a key is
        reported with token ``"key"`` before its value, and an over-deep container with ``"deep"``."""
        frames: list[_Frame] = []
        pos, end = 0, len(self.text)
        while pos < end:
            m = _TOKEN.match(self.text, pos)
            if m is None:
                return
            pos, start = m.end(), m.start(m.lastindex or 0)
            token = m.group(m.lastindex or 0)
            top = frames[-1] if frames else None
            if token in ",:":
                if token == "," and top is not None:
                    top.index += 1
                    top.want_key = top.is_object
                continue
            if token in "}]":
                frames.pop()
                continue
            if top is not None and top.want_key:
                key = json.loads(token)
                top.want_key, top.key, top.key_at = False, key, start
                assert top.keys is not None
                if key in top.keys:
                    yield (*_path(frames), key), start, start, "duplicate"
                top.keys.add(key)
                continue
            slot: str | int | None = None if top is None else (top.key if top.is_object else top.index)
            path = (*_path(frames), slot) if top is not None else ()
            key_at = top.key_at if top is not None and top.is_object else None
            yield path, key_at, start, token
            if token in "{[":
                frames.append(_Frame(slot=slot, is_object=token == "{", want_key=token == "{",
                                     keys=set() if token == "{" else None))
                if len(frames) > MAX_DEPTH:
                    yield path, key_at, start, "deep"
                    return

    def prefetch(self, paths: Iterable[PathKey]) -> None:
        """Find where ``paths`` (and their parents) stand in one walk of the text, so many
        problems cost one walk, not one each."""
        wanted = {tuple(p[:n]) for p in paths for n in range(len(p) + 1)} - self._asked
        if not wanted:
            return
        self._asked |= wanted
        left = len(wanted)
        for at, key_at, start, token in self._walk():
            if at in wanted and at not in self._found and token not in ("duplicate", "deep"):
                self._found[at] = (key_at, start)
                left -= 1
                if not left:
                    return

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the value at ``path`` (or of its key), else of the
        nearest parent that exists."""
        path = tuple(path)
        self.prefetch([path])
        for n in range(len(path), -1, -1):
            if path[:n] in self._found:
                key_at, start = self._found[path[:n]]
                return self._line_col(key_at if key and key_at is not None and n == len(path) else start)
        return (None, None)

    def problem(self, path: PathKey, code: str, message: str, *, key: bool = False,
                severity: str = "error") -> Problem:
        line, col = self.position(path, key=key)
        return Problem(file=self.display, line=line, column=col, field=dotted(path) or None, code=code,
                       message=message, severity=severity)  # type: ignore[arg-type]

    def first_offence(self) -> Problem:
        """The first thing, in document order, that :func:`read_result` refuses while parsing."""
        for at, _, start, token in self._walk():
            message = _offence(token, at)
            if message is not None:
                line, col = self._line_col(start)
                code = {"deep": "RES-005", "duplicate": "RES-006"}.get(token, "RES-007")
                return Problem(file=self.display, line=line, column=col, field=dotted(at) or None, code=code,
                               message=message)
        return Problem(file=self.display, code="RES-002", message="not valid JSON")  # pragma: no cover


def _path(frames: list[_Frame]) -> PathKey:
    return tuple(f.slot for f in frames[1:])  # type: ignore[misc]


def _offence(token: str, at: PathKey) -> str | None:
    """Why ``token`` is refused, or None."""
    if token == "deep":
        return f"nesting is deeper than {MAX_DEPTH} levels; a grader result nests fewer than 10"
    if token == "duplicate":
        return (f"key {at[-1]!r} is given twice in one object, and only one value can count; a result written "
                "by grader never repeats a key, so the file was edited: keep the right one")
    if token in ("NaN", "Infinity", "-Infinity"):
        return f"{token} is not a number a result can hold (JSON has none); the file was edited: grade the set again"
    if token[0] in "-0123456789":
        shown = token if len(token) <= 20 else token[:17] + "..."
        if len(token) > MAX_NUMBER_CHARS:
            return (f"number {shown} is {len(token):,} characters long; a result holds numbers of at most "
                    f"{MAX_NUMBER_CHARS}")
        if not math.isfinite(float(token)):
            return f"number {shown} is too large to hold; a result holds finite numbers"
    return None
