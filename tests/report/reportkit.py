"""Helpers for the report tests: marking items in a copy of a set, and scanning a report for ids."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from markupsafe import escape

from grader.render.report import md_escape

_ID_LINE = re.compile(r"^  - id: (\S+)\s*$")
_MARKING_LINE = re.compile(r"^    marking: .*$")


def mark_items(src: Path, dst: Path, markings: dict[str, str]) -> Path:
    """Copy the evidence set ``src`` to ``dst`` with the given items' protective marking changed.

    Edits the YAML text (an item's existing ``marking:`` line is replaced, otherwise one is added
    under its ``- id:`` line), so the copy is graded through the real loader.
    """
    shutil.copytree(src, dst)
    left = dict(markings)
    for path in sorted((dst / "items").glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").split("\n")
        out: list[str] = []
        current: str | None = None
        pending = False
        for line in lines:
            m = _ID_LINE.match(line)
            if m:
                if pending:
                    raise AssertionError(f"{current}: no place found for its marking")
                current = m.group(1)
                out.append(line)
                if current in left:
                    out.append(f"    marking: {left.pop(current)}")
                    pending = False
                continue
            if current is not None and current in markings and _MARKING_LINE.match(line):
                continue  # the old marking of an item we re-marked
            out.append(line)
        path.write_text("\n".join(out), encoding="utf-8")
    assert not left, f"items not found: {sorted(left)}"
    return dst


def id_pattern(ids: list[str]) -> re.Pattern[str]:
    """Any of ``ids`` as a whole token (``ev-X`` anchors count; ``X1`` does not match ``X``)."""
    alts = "|".join(re.escape(i) for i in sorted(ids, key=lambda i: (-len(i), i)))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alts})(?![A-Za-z0-9_]|[.-][A-Za-z0-9])")


def as_shown(text: str, fmt: str) -> str:
    """``text`` as the report writes it in ``fmt`` (escaped for HTML or Markdown)."""
    return str(escape(text)) if fmt == "html" else md_escape(text)


def plain(report: str, fmt: str) -> str:
    """The report with Markdown backslash escapes removed, for scanning ids."""
    return report if fmt == "html" else re.sub(r"\\(.)", r"\1", report)
