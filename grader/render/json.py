"""The result as JSON: the complete, machine-readable record (valid against `grader schema result`)."""

from __future__ import annotations

from grader.models.result import GradingResult


def render_json(result: GradingResult) -> str:
    """Indented JSON with a trailing newline; field order is the model's, so output is stable."""
    return result.model_dump_json(indent=2) + "\n"
