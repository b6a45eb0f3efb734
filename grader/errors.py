"""Typed errors that carry a location, so a user sees one readable line per mistake.

Every problem with a user's files becomes a :class:`Problem` (file, line, column, field, code,
message). Loaders collect as many problems as they can before raising :class:`InputError`, so an
inspector fixes a file in one pass instead of one error per run. The CLI prints problems with
:meth:`Problem.line_text` and exits with :data:`EXIT_INPUT_ERROR`; it never shows a traceback for
a user's mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

#: Exit codes, shared by every command (documented in docs/cli.md); kept in grader.exitcodes,
#: which imports nothing, so the CLI can name them without building this module's model.
from grader.exitcodes import EXIT_ENGINE_ERROR, EXIT_INPUT_ERROR, EXIT_OK, EXIT_TEST_FAILED, EXIT_USAGE  # noqa: F401

#: ``error``: the input is wrong and nothing is graded or checked past it. ``warning``: probably
#: a mistake; it never stops a run. ``note``: true and worth knowing, but not a mistake (a fact
#: the rules do not weigh yet); the checks count notes and list them only when asked.
Severity = Literal["error", "warning", "note"]


class Problem(BaseModel):
    """One located problem in a user's file.

    ``line`` and ``column`` are 1-based; either may be ``None`` when the problem has no single
    place (a missing file, a whole-set check). ``field`` is the dotted path of the offending
    value inside the document (``items[3].facts.trained_flos``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    line: int | None = None
    column: int | None = None
    field: str | None = None
    code: str
    message: str
    severity: Severity = "error"

    def line_text(self) -> str:
        """``file:line:col: CODE message [field]`` on one line, as compilers and linters print.

        The file name, message and field can hold text from the input (a bad value echoed back),
        so control and bidirectional characters are shown as escapes (``\\x1b``, ``\\u202e``):
        the line is safe to print to a terminal and can never become two lines.
        """
        from grader.render.terminal import visible  # here, not at the top: models import this module

        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.code} {self.message}"
        if self.field:
            text += f" [{self.field}]"
        return visible(text.replace("\n", " "), one_line=True)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line or 0, self.column or 0, self.code, self.message)


class GraderError(Exception):
    """Base class of every error grader raises on purpose."""


class InputError(GraderError):
    """One or more problems in the user's files; nothing was graded or written.

    ``problems`` holds at most :data:`MAX_PROBLEMS_SHOWN` of them, then one line per file
    counting the rest by code (see :func:`capped`).
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = capped(sorted(problems, key=_shown_order))
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__(self.problems[0].line_text())

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class EngineError(GraderError):
    """The matching engine failed (a limit of durable-rules, or a bug in grader).

    Never the user's fault and never a silent "no match": grading stops.
    """


def raise_if_errors(problems: Iterable[Problem]) -> None:
    """Raise :class:`InputError` if any problem is an error (warnings alone pass)."""
    problems = list(problems)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)


#: Most problems one error reports. A broken 100,000-row file can hold a million problems; an
#: inspector fixes the first few and runs again, and a million lines only bury them.
MAX_PROBLEMS_SHOWN = 100
#: The code of the line that counts the problems left out.
MORE_PROBLEMS = "LOAD-010"


def _shown_order(p: Problem) -> tuple[bool, tuple[str, int, int, str, str]]:
    return (p.code == MORE_PROBLEMS, p.sort_key())  # a count of the rest stays last


def capped(problems: list[Problem], limit: int = MAX_PROBLEMS_SHOWN) -> list[Problem]:
    """The first ``limit`` of ``problems`` (in their order), then, for each file with problems
    left out, one line: ``FILE: LOAD-010 ... and N more problems of the same kinds in this file
    (EVID-023 x N)``. Counts already made (earlier capping) are added up, never counted twice."""
    if len(problems) <= limit and not any(p.code == MORE_PROBLEMS for p in problems):
        return problems
    shown: list[Problem] = []
    rest: dict[str, dict[str, int]] = {}  # file -> code -> count left out
    for p in problems:
        if p.code == MORE_PROBLEMS:
            for code, n in _counts_in(p.message):
                rest.setdefault(p.file, {}).setdefault(code, 0)
                rest[p.file][code] += n
        elif len(shown) < limit:
            shown.append(p)
        else:
            by_code = rest.setdefault(p.file, {})
            by_code[p.code] = by_code.get(p.code, 0) + 1
    for file, by_code in sorted(rest.items()):
        total = sum(by_code.values())
        kinds = ", ".join(f"{code} x {n:,}" for code, n in sorted(by_code.items()))
        shown.append(Problem(file=file, code=MORE_PROBLEMS,
                             message=f"... and {total:,} more problems of the same kinds in this file ({kinds}); "
                                     f"only the first {limit} are shown: fix those and run again"))
    return shown


def _counts_in(message: str) -> list[tuple[str, int]]:
    """The (code, count) pairs of a MORE_PROBLEMS message."""
    import re

    return [(code, int(n.replace(",", ""))) for code, n in re.findall(r"([A-Z]+-\d{3}) x ([\d,]+)", message)]
