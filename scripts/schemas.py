"""Write the JSON Schemas of the files people write to grader/schemas/*.json (or check them).

Editors read them through the `# yaml-language-server: $schema=...` line at the top of the
bundled pack and evidence files, so the files are committed at a stable path (and shipped in
the package); tests/authoring/test_schemas.py fails when they fall behind the models. Usage:

    python scripts/schemas.py          # write grader/schemas/*.json
    python scripts/schemas.py --check  # exit 1 and name the stale files if any differ
"""

from __future__ import annotations

import sys
from pathlib import Path
from grader.outputs import write_atomic
from grader.schemas import SCHEMA_DIR, SCHEMA_FILES, schema_text

OUT = SCHEMA_DIR


def stale() -> list[Path]:
    """Schema files whose content is not what the models generate today."""
    out = []
    for name, file in sorted(SCHEMA_FILES.items()):
        path = OUT / file
        if not path.is_file() or path.read_text(encoding="utf-8") != schema_text(name):
            out.append(path)
    return out


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        old = stale()
        for path in old:
            print(f"{path}: out of date; run python scripts/schemas.py", file=sys.stderr)
        return 1 if old else 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    OUT.mkdir(exist_ok=True)
    for name, file in sorted(SCHEMA_FILES.items()):
        write_atomic(OUT / file, schema_text(name))
        print(f"wrote {OUT / file}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
