"""Regenerate the golden reports under tests/golden/ from the bundled Derbyshire set and ACPO pack.

Run it after a deliberate change to the report, the pack or the evidence, then read the diff
(``git diff tests/golden``) before committing: the golden files are what a reader would see.

    python scripts/golden.py          # rewrite the files
    python scripts/golden.py --check  # exit 1 if any file differs (what the test does)
"""

from __future__ import annotations

import sys
from pathlib import Path

from grader.bundled import default_evidence, default_pack
from grader.grading.run import grade_paths
from grader.outputs import write_atomic
from grader.render.report import render_report

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"

#: (file name, format, audience) of every golden report.
REPORTS: list[tuple[str, str, str]] = [
    ("derbyshire-public.md", "md", "public"),
    ("derbyshire-public.html", "html", "public"),
    ("derbyshire-inspectorate.md", "md", "inspectorate"),
]


def expected() -> dict[str, str]:
    """Each golden file's name and the text it should hold now."""
    result = grade_paths(default_evidence(), default_pack())
    return {name: render_report(result, fmt, audience) for name, fmt, audience in REPORTS}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, text in expected().items():
        path = GOLDEN / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not check:
            write_atomic(path, text)
    for name in stale:
        print(f"{'differs' if check else 'wrote'}: tests/golden/{name}")
    if not stale:
        print("golden reports are up to date")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
