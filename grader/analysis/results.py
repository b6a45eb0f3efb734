"""Read the result JSON files ``diff`` and ``moderate`` compare: files, or folders of them.

``diff`` and ``moderate`` read results, not evidence, so that a moderation meeting or a
re-inspection can compare what was actually concluded (and published) at the time. Each file is
read by :func:`grader.loading.result.read_result` (the one reader of result JSON, as strict as
the evidence loader): a file that is not a grader result is
reported like any other bad input (file, line, column, field), and the problems of every file
are reported together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.errors import InputError, Problem
from grader.loading.files import display_path
from grader.loading.result import read_result
from grader.models.result import GradingResult


def load_result(path: Path) -> GradingResult:
    """Read and validate one result file (see :func:`grader.loading.result.read_result`)."""
    return read_result(path)


def result_files(paths: Sequence[Path]) -> list[Path]:
    """Expand folders into the ``*.json`` files they hold (sorted by name); keep files as given.

    A folder without any result file is an input error rather than nothing to compare.
    """
    out: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            # every *.json (any case) is a result, whatever kind of file it is: read_result then
            # refuses a pipe or a device by name instead of it being passed over
            found = sorted((f for f in p.iterdir() if f.suffix.lower() == ".json" and not f.name.startswith(".")
                            and not f.is_dir()), key=lambda f: f.name)
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
