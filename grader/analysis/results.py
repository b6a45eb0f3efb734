"""Read result JSON files written by ``grader grade`` back into validated results.

``diff`` and ``moderate`` read results, not evidence, so that a moderation meeting or a
re-inspection can compare what was actually concluded (and published) at the time. A file that
is not a grader result is reported like any other bad input: file, line, column, field.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from grader.errors import InputError, Problem
from grader.loading.files import display_path
from grader.loading.validate import validation_problems
from grader.loading.yamlsrc import MAX_FILE_BYTES, YamlDocument, parse_yaml
from grader.models.result import GradingResult

#: Largest result file read. A result carries every evidence item, so a force of tens of
#: thousands of items writes tens of megabytes; far larger is not a result grader wrote.
MAX_RESULT_BYTES = 512 * 1024 * 1024


def load_result(path: Path) -> GradingResult:
    """Read and validate one result file; raise a located :class:`InputError` if it is not one."""
    path = Path(path)
    shown = display_path(path)
    if path.is_dir():
        raise InputError([Problem(file=shown, code="RES-001", message="is a folder, expected a result JSON file")])
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError([Problem(file=shown, code="RES-001", message="result file not found")]) from None
    except OSError as exc:
        raise InputError([Problem(file=shown, code="RES-001", message=f"cannot read: {exc.strerror}")]) from None
    if size > MAX_RESULT_BYTES:
        raise InputError([Problem(file=shown, code="RES-001",
                                  message=f"file is {size:,} bytes; a result file is at most {MAX_RESULT_BYTES:,}")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([Problem(file=shown, line=line, column=col, code="LOAD-003",
                                  message=f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(file=shown, line=exc.lineno, column=exc.colno, code="RES-002",
                                  message=f"not valid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise InputError([Problem(file=shown, code="RES-002", message="not valid JSON: nested too deeply")]) from None
    if not isinstance(data, dict) or "meta" not in data or "criteria" not in data:
        raise InputError([Problem(file=shown, line=1, column=1, code="RES-003",
                                  message="not a grader result (no 'meta' and 'criteria'); "
                                          "write one with `grader grade --format json --out FILE`")])
    try:
        # From the text, not the parsed data: JSON mode reads ISO dates as dates even though the
        # models are strict, exactly as when the result was written.
        return GradingResult.model_validate_json(text)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data, _positions(text, path, shown), (), "RES-003",
                                             GradingResult)) from None


def _positions(text: str, path: Path, shown: str) -> YamlDocument:
    """Where each value of a JSON text stands (JSON is YAML), to locate a validation error.

    Only used when a file is already known to be wrong; a file the YAML reader refuses is still
    reported, by field name without a line.
    """
    if len(text) <= MAX_FILE_BYTES:
        try:
            return parse_yaml(text, path, shown)
        except InputError:
            pass
    return YamlDocument(path=path, display=shown, data=None)


def result_files(paths: Sequence[Path]) -> list[Path]:
    """Expand folders into the ``*.json`` files they hold (sorted by name); keep files as given.

    A folder without any result file is an input error rather than nothing to compare.
    """
    out: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(f for f in p.glob("*.json") if f.is_file() and not f.name.startswith("."))
            if not found:
                problems.append(Problem(file=display_path(p), code="RES-004", message="no *.json result files in this folder"))
            out.extend(found)
        else:
            out.append(p)
    if problems:
        raise InputError(problems)
    return out


def load_results(paths: Sequence[Path]) -> list[tuple[str, GradingResult]]:
    """Load every result file (folders expanded); report the problems of all files at once."""
    loaded: list[tuple[str, GradingResult]] = []
    problems: list[Problem] = []
    for f in result_files(paths):
        try:
            loaded.append((display_path(f), load_result(f)))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return loaded
