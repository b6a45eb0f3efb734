"""Read one YAML file into plain Python data, keeping where every key and value stood.

Why not ``yaml.safe_load``: it forgets positions, keeps the last of two duplicate keys without a
word, reads ``no`` as ``False`` (YAML 1.1), and a small file of nested aliases can expand to
gigabytes. Here PyYAML only *composes* nodes (it never constructs objects, so no tag can run
code) and this module turns nodes into data itself:

- scalars resolve by the YAML 1.2 core schema (only ``true``/``false`` are booleans), and
  plain ``YYYY-MM-DD`` scalars become :class:`datetime.date`;
- any tag other than the standard ones is refused;
- duplicate keys, non-text keys, deep nesting and alias expansion beyond a budget are refused;
- every problem is a :class:`~grader.errors.Problem` with file, line and column (1-based).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grader.errors import InputError, Problem
# MAX_FILE_BYTES is re-exported for the readers that import it from here (one cap, one opener).
from grader.loading.files import MAX_FILE_BYTES, read_text  # noqa: F401

try:  # the C composer is ~10x faster; both keep marks
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

#: Deepest nesting of mappings and sequences. Rule conditions need fewer than 20 levels.
MAX_DEPTH = 64
#: Most nodes one document may expand to, aliases included (the "billion laughs" guard).
MAX_NODES = 500_000

PathKey = tuple[str | int, ...]

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {
    _STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: A plain scalar starting with anything else is text: no null, boolean, number or date does.
_NOT_TEXT_START = frozenset("0123456789+-.~nNtTfF")
#: ... and once null and the booleans are ruled out, no number or date starts otherwise.
_NUMBER_START = frozenset("0123456789+-.")


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """PyYAML's composer with its tag resolver cut down to what grader uses.

    The composer asks the resolver for the tag of every node it builds: PyYAML's tries a
    dozen regular expressions on each plain scalar, about a fifth of the time a file takes to
    load. grader resolves plain scalars itself (:func:`_resolve_plain`), so the only implicit
    tag it needs is ``<<``, the merge key; every other untagged node gets its kind's standard tag.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _MERGE if implicit[0] and value == "<<" else _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


_CONSTANTS: dict[str, Any] = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL")),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
_STR, _SEQ, _MAP, _MERGE = (_STD + t for t in ("str", "seq", "map", "merge"))


@dataclass
class YamlDocument:
    """Data of one YAML file, and its composed nodes to say where any value or key stood."""

    path: Path
    display: str  # how the file is named in messages
    data: Any
    sha256: str = ""
    #: The composed document. Positions are looked up in it only when a message needs one,
    #: so loading records none (most are never asked for).
    root: yaml.Node | None = None

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the value at ``path`` (or of its key), else of the
        nearest parent that exists (for a key: of that parent's key, if it has one)."""
        node = self.root
        if node is None:
            return (None, None)
        mark = node.start_mark
        for part in path:
            found = _child(node, part)
            if found is None:
                break
            key_node, node = found
            mark = key_node.start_mark if key and key_node is not None else node.start_mark
        return (mark.line + 1, mark.column + 1)

    def problem(
        self, path: PathKey, code: str, message: str, *, key: bool = False, severity: str = "error"
    ) -> Problem:
        line, col = self.position(path, key=key)
        return Problem(
            file=self.display,
            line=line,
            column=col,
            field=dotted(path) or None,
            code=code,
            message=message,
            severity=severity,  # type: ignore[arg-type]
        )


def _child(node: yaml.Node | None, part: str | int,
           _seen: frozenset[int] = frozenset()) -> tuple[yaml.Node | None, yaml.Node] | None:
    """The (key node, value node) at ``part`` of a mapping (merged keys included, as
    :class:`_Converter` merges them: own keys first, then each ``<<`` source in order), or
    (None, entry) of a sequence; None if there is no such child."""
    if isinstance(node, yaml.SequenceNode):
        if isinstance(part, int) and 0 <= part < len(node.value):
            return None, node.value[part]
        return None
    if not isinstance(node, yaml.MappingNode) or id(node) in _seen:  # a mapping may merge itself
        return None
    sources: list[yaml.Node] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            sources.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node])
        elif isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
            return key_node, value_node
    for src in sources:
        found = _child(src, part, _seen | {id(node)})
        if found is not None:
            return found
    return None


def dotted(path: PathKey) -> str:
    """``("items", 3, "facts", "x")`` -> ``items[3].facts.x``: how a field is named to users."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_yaml(path: Path, display: str | None = None, *, within: Path | None = None) -> YamlDocument:
    """Parse ``path`` into a :class:`YamlDocument` or raise a located :class:`InputError`.

    The file is read by :func:`grader.loading.files.read_text` (regular files only, size capped;
    ``within``: the set or pack folder it must stay inside).
    """
    display = display or str(path)
    text, digest = read_text(path, display, within=within)
    doc = parse_yaml(text, path, display)
    doc.sha256 = digest
    return doc


def parse_yaml(text: str, path: Path, display: str) -> YamlDocument:
    """Parse YAML ``text`` (already decoded); see the module docstring for what is refused."""
    if "\x00" in text:
        raise InputError([Problem(file=display, code="LOAD-003", message="file contains NUL bytes; not a text file")])
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        line, column, message = explain_yaml_error(exc, text)
        raise InputError(
            [Problem(file=display, line=line, column=column, code="YAML-001", message=f"invalid YAML: {message}")]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file=display, code="YAML-001", message=f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise InputError(
            [Problem(file=display, code="YAML-004", message=f"nesting is deeper than {MAX_DEPTH} levels")]
        ) from None
    if len(nodes) > 1:
        mark = nodes[1].start_mark
        raise InputError(
            [
                Problem(
                    file=display,
                    line=mark.line + 1,
                    column=mark.column + 1,
                    code="YAML-002",
                    message="more than one YAML document ('---'); put one document in each file",
                )
            ]
        )
    doc = YamlDocument(path=path, display=display, data=None)
    if not nodes or nodes[0] is None:
        return doc
    doc.root = nodes[0]
    converter = _Converter(doc)
    converter.count = 1
    doc.data = converter.convert(nodes[0], (), 0)
    if converter.problems:
        raise InputError(converter.problems)
    return doc


def explain_yaml_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, int | None, str]:
    """Where a YAML syntax error is and what to do, as 1-based line and column and a message.

    PyYAML says "mapping values are not allowed here" or "expected <block end>" for what is
    nearly always a line at the wrong indentation, and points at a colon. An author needs the
    line whose indentation is wrong, and the columns that would be right.
    """
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    raw = " ".join(str(x) for x in (exc.context, exc.problem) if x) or "invalid YAML"
    lines = text.splitlines()
    problem = str(exc.problem or "")
    if line is not None and problem.startswith("mapping values are not allowed") and line <= len(lines):
        return _over_indented(lines, line - 1) or (line, column, raw)
    block = ("expected <block end>", "did not find expected key", "did not find expected '-' indicator")
    if line is not None and problem.startswith(block) and str(exc.context or "").startswith("while parsing a block") \
            and line <= len(lines):
        here = lines[line - 1]
        start = exc.context_mark.column + 1 if exc.context_mark else None
        where = f" (the block that begins on line {exc.context_mark.line + 1} starts at column {start})" \
            if exc.context_mark else ""
        return line, _indent(here) + 1, (f"wrong indentation: {_head(here, dash=True)!r} starts at column {_indent(here) + 1}, "
                                         f"which lines up with nothing above it{where}; start it at the same column "
                                         "as the keys (or '- ' items) it belongs with")
    if "could not find expected ':'" in problem and exc.context_mark is not None:
        at = exc.context_mark.line + 1
        here = lines[at - 1] if at <= len(lines) else ""
        return at, exc.context_mark.column + 1, (f"{_head(here)!r} has no ':' after its key: write 'key: value'; if "
                                                 "it continues the text above, indent it under that text")
    if line is not None and line <= len(lines) and "\t" in lines[line - 1][:_indent(lines[line - 1]) + 1]:
        raw += "; indent with spaces, not tabs"
    return line, column, raw


def _over_indented(lines: list[str], i: int) -> tuple[int, int, str] | None:
    """Line ``i`` (0-based) holds a key PyYAML could not place: it, or the line above it, is at the
    wrong indentation. Blame the line above when it sits level with a key that ends with ':' (its
    value was meant to be indented under that key); else blame this line."""
    above = _content_before(lines, i)
    if above is None:
        return None
    here_col, above_col = _key_column(lines[i]), _key_column(lines[above])
    parent = _content_before(lines, above)
    if parent is not None and _opens_block(lines[parent]) and _key_column(lines[parent]) == above_col:
        p_key = _head(lines[parent])
        return above + 1, above_col + 1, (
            f"wrong indentation: {_head(lines[above])!r} is level with {p_key!r} on line {parent + 1}, which "
            f"ends with ':' and so needs what belongs to it indented under it: indent line {above + 1} (and the "
            f"lines that go with it) to column {above_col + 3}")
    return i + 1, here_col + 1, (
        f"wrong indentation: {_head(lines[i])!r} starts at column {here_col + 1}, further right than "
        f"{_head(lines[above])!r} on line {above + 1} (column {above_col + 1}), which does not end with ':'; "
        f"start it at column {above_col + 1} if it is a key of the same mapping")


def _content_before(lines: list[str], i: int) -> int | None:
    for j in range(i - 1, -1, -1):
        stripped = lines[j].strip()
        if stripped and not stripped.startswith("#"):
            return j
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_column(line: str) -> int:
    """Column (0-based) where a line's key starts: after ``- `` for a list entry."""
    col = _indent(line)
    rest = line[col:]
    while rest.startswith("- "):
        col += 2 + _indent(rest[2:])
        rest = line[col:]
    return col


def _opens_block(line: str) -> bool:
    """A ``key:`` with nothing after it (but a comment): what follows, indented, is its value."""
    body = line.split(" #", 1)[0].rstrip()
    return body.endswith(":") and not body.lstrip().startswith("#")


def _head(line: str, *, dash: bool = False) -> str:
    """The start of a line, to quote it: its key with the colon (after ``- `` only if ``dash``),
    or its first words."""
    body = line.strip()
    while body.startswith("- ") and not dash:
        body = body[2:].lstrip()
    head = body.split(":", 1)[0] + ":" if ":" in body else body
    return head if len(head) <= 40 else head[:37] + "..."


class _Converter:
    """Nodes to plain data, checking as it goes. The hot path of every load: it records no
    positions (:meth:`YamlDocument.position` finds them in the nodes when asked), and a scalar
    met as a mapping value or a list entry is converted in place rather than by a call."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.count = 0  # nodes converted, aliases expanded: counted a collection at a time
        self.over_budget = False

    def _problem(self, node: yaml.Node, path: PathKey, code: str, message: str) -> None:
        self.problems.append(
            Problem(
                file=self.doc.display,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
                field=dotted(path) or None,
                code=code,
                message=message,
            )
        )

    def convert(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        """``node`` (already counted by its parent) as data."""
        if self.count > MAX_NODES:
            if not self.over_budget:
                self.over_budget = True
                self._problem(
                    node, path, "YAML-005", f"document expands to more than {MAX_NODES:,} values (alias bomb?)"
                )
            return None
        if depth > MAX_DEPTH:
            self._problem(node, path, "YAML-004", f"nesting is deeper than {MAX_DEPTH} levels")
            return None
        if node.tag not in _ALLOWED_TAGS:
            self._problem(node, path, "YAML-003", f"tag {node.tag!r} is not allowed; grader files hold plain data")
            return None
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.style else _resolve_plain(node.value)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, path, depth)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        self._problem(node, path, "YAML-001", "unsupported YAML node")  # pragma: no cover
        return None

    # The two loops below convert a scalar child in place, as convert() would.

    def _sequence(self, node: yaml.SequenceNode, path: PathKey, depth: int) -> list[Any]:
        self.count += len(node.value)
        out: list[Any] = []
        for i, child in enumerate(node.value):
            if child.__class__ is _ScalarNode and child.tag in _ALLOWED_TAGS:
                v = child.value
                out.append(v if child.style or (v and v[0] not in _NOT_TEXT_START) else _resolve_plain(v))
            else:
                out.append(self.convert(child, (*path, i), depth + 1))
        return out

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        self.count += len(node.value)
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_tag = key_node.tag
            if key_tag == _MERGE:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                self.count += len(sources)
                for src in sources:
                    value = self.convert(src, path, depth + 1)
                    if isinstance(value, dict):
                        for k, v in value.items():
                            merged.setdefault(k, v)
                    else:
                        self._problem(src, path, "YAML-006", "'<<' merges a mapping only")
                continue
            if key_node.__class__ is not _ScalarNode or key_tag not in _ALLOWED_TAGS:
                self._problem(key_node, path, "YAML-007", "keys must be plain text")
                continue
            key = key_node.value
            if key in out:
                self._problem(key_node, (*path, key), "YAML-008", f"duplicate key {key!r}")
                continue
            if value_node.__class__ is _ScalarNode and value_node.tag in _ALLOWED_TAGS:
                v = value_node.value
                out[key] = v if value_node.style or (v and v[0] not in _NOT_TEXT_START) else _resolve_plain(v)
            else:
                out[key] = self.convert(value_node, (*path, key), depth + 1)
        for k, v in merged.items():
            out.setdefault(k, v)
        return out


_ScalarNode = yaml.ScalarNode


def _resolve_plain(value: str) -> Any:
    """Resolve a plain scalar by the YAML 1.2 core schema (plus ISO dates)."""
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    if value[0] not in _NUMBER_START:  # a word, even one starting like true/false/null
        return value
    if value.isdigit() and value.isascii() and (value[0] != "0" or len(value) == 1):
        return int(value)  # the common case of _INT, without the regular expression
    if len(value) == 10 and _DATE.match(value):  # no number pattern matches a date
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            return value
    if _INT.match(value):
        return int(value)
    if _INT_OCT.match(value):
        return int(value[2:], 8)
    if _INT_HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    if value in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"):
        return float("inf")
    if value in ("-.inf", "-.Inf", "-.INF"):
        return float("-inf")
    if value in (".nan", ".NaN", ".NAN"):
        return float("nan")
    return value
