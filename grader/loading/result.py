"""Read a saved result JSON (``grader grade --format json``) back into a validated model.

A result is checked as strictly as any other input: a hand-edited or truncated file gives
located problems, never a traceback. Positions come from the YAML composer (JSON is YAML), so
there is one position-keeping reader in grader, not two.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from grader.errors import InputError, Problem
from grader.loading.files import display_path
from grader.loading.validate import validation_problems
from grader.loading.yamlsrc import parse_yaml, read_text
from grader.models.result import GradingResult


def read_result(path: Path) -> GradingResult:
    """The result in ``path``, or an InputError naming file, line and field."""
    path = Path(path)
    name = display_path(path)
    if not path.is_file():
        raise InputError([Problem(file=name, code="RES-001", message="result file not found")])
    text, _ = read_text(path, name)
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(file=name, line=exc.lineno, column=exc.colno, code="RES-002",
                                  message=f"not valid JSON: {exc.msg}")]) from None
    try:
        return GradingResult.model_validate_json(text)
    except ValidationError as exc:
        doc = parse_yaml(text, path, name)
        problems = validation_problems(exc, doc.data, doc, (), "RES-003", GradingResult)
        raise InputError([p.model_copy(update={"message": f"not a grader result: {p.message}"})
                          for p in problems]) from None
