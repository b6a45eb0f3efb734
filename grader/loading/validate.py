"""Validate plain data against a pydantic model and turn its errors into located problems."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from grader.errors import Problem
from grader.loading.conditions import suggest
from grader.loading.yamlsrc import PathKey, YamlDocument, dotted
from grader.models.common import CRITERION_ID, EVIDENCE_ID, RULE_ID, SLUG, SNAKE

M = TypeVar("M", bound=BaseModel)


def validate_model(
    model: type[M], data: Any, doc: YamlDocument, base: PathKey, problems: list[Problem], code: str
) -> M | None:
    """``model.model_validate(data)``; on failure append one problem per bad field and return None."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, data, doc, base, code, model))
        return None


def validation_problems(
    exc: ValidationError, data: Any, doc: YamlDocument, base: PathKey, code: str, model: type[BaseModel]
) -> list[Problem]:
    """One problem per offending field (pydantic reports each branch of a union; keep the first)."""
    seen: set[str] = set()
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        walked, rest = _walk(data, err["loc"])
        etype = err["type"]
        if etype == "extra_forbidden" and not rest and walked:
            # the unknown key exists in the data, so the walk went into it: step back out
            walked, rest = walked[:-1], (walked[-1],)
        if etype in ("missing", "extra_forbidden") and rest:
            field_path: PathKey = (*base, *walked, rest[0])
        else:
            field_path = (*base, *walked)
        name = dotted(field_path)
        if name in seen:
            continue
        seen.add(name)
        message = _message(err, rest, data, walked, model)
        line, col = doc.position(field_path, key=etype == "extra_forbidden")
        out.append(
            Problem(file=doc.display, line=line, column=col, field=name or None, code=code, message=message)
        )
    return out


def _walk(data: Any, loc: tuple[Any, ...]) -> tuple[PathKey, tuple[Any, ...]]:
    """Follow ``loc`` into ``data`` as far as it exists (pydantic adds union branch names)."""
    cur = data
    walked: list[str | int] = []
    for i, part in enumerate(loc):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
            walked.append(part)
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            cur = cur[part]
            walked.append(part)
        else:
            return tuple(walked), tuple(loc[i:])
    return tuple(walked), ()


def _message(err: dict[str, Any], rest: tuple[Any, ...], data: Any, walked: PathKey, model: type[BaseModel]) -> str:
    etype = err["type"]
    if etype == "missing" and rest:
        return f"missing required field {rest[0]!r}"
    if etype == "extra_forbidden" and rest:
        known = _known_fields(model, walked)
        return f"unknown field {rest[0]!r}{suggest(str(rest[0]), known)}" if known else f"unknown field {rest[0]!r}"
    msg = str(err["msg"])
    value = err.get("input")
    if etype == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") in _PATTERNS:
        return _pattern_message(str(err["ctx"]["pattern"]), value)
    if etype.endswith("_type") or etype in ("literal_error", "string_pattern_mismatch", "enum",
                                            "string_too_long", "string_too_short"):
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{msg} (found {shown}){_how_to_write(etype)}"
    if etype.startswith("date_"):
        return f"{msg}{_how_to_write(etype)}"
    if etype == "value_error":  # a validator of grader's own: its words, without pydantic's prefix
        return msg.removeprefix("Value error, ")
    return msg


#: The id patterns of grader's models in words, with how to mend a value that nearly fits.
_PATTERNS: dict[str, tuple[str, Callable[[str], str]]] = {
    SLUG: ("a lower-case id: lower-case letters and digits, words joined by single '-' (e.g. 'meets', "
           "'major-crime')", lambda v: "-".join(w for w in re.split(r"[\s_-]+", v.strip().lower()) if w)),
    SNAKE: ("a snake_case name: lower-case letters, digits and '_', starting with a letter "
            "(e.g. 'gold_groups_convened')", lambda v: re.sub(r"[\s-]+", "_", v.strip().lower())),
    CRITERION_ID: ("a criterion id: capitals and digits joined by '-' (e.g. 'INT-01')",
                   lambda v: re.sub(r"[\s_]+", "-", v.strip().upper())),
    RULE_ID: ("a rule id: lower-case letters, digits and '-' (e.g. 'dedicated-capacity')",
              lambda v: re.sub(r"[\s_]+", "-", v.strip().lower())),
    EVIDENCE_ID: ("an evidence id: letters, digits, '-', '_' and '.', starting with a letter or digit "
                  "(e.g. 'INT-01-S1')", lambda v: re.sub(r"\s+", "-", v.strip())),
}


def _pattern_message(pattern: str, value: Any) -> str:
    """``must be a lower-case id ...; did you mean 'meets'?`` instead of a regular expression."""
    words, mend = _PATTERNS[pattern]
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    text = f"must be {words} (found {shown})"
    if isinstance(value, str):
        fixed = mend(value)
        if fixed != value and re.match(pattern, fixed):
            text += f"; did you mean {fixed!r}?"
    return text


def _how_to_write(etype: str) -> str:
    """How to write a value of this type, for types whose spelling a reader cannot guess."""
    if etype.startswith("date_"):
        return ": write dates as YYYY-MM-DD, e.g. 2008-07-01"
    return ""


def _known_fields(model: type[BaseModel], walked: PathKey) -> list[str]:
    """Field names of the (sub)model at ``walked``, for "did you mean"."""
    current: Any = model
    for part in walked:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        annotation = fields[part].annotation
        current = _model_in(annotation)
        if current is None:
            return []
    fields = getattr(current, "model_fields", {})
    return [f.alias or n for n, f in fields.items()]


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
