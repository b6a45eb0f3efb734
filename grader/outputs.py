"""Write output files atomically: a reader (or a crash) never sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from grader.errors import InputError, Problem


def write_atomic(path: Path, text: str, *, force: bool = True) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename.

    With ``force=False`` an existing file is left alone and reported as an input error.
    """
    path = Path(path)
    if path.exists() and not force:
        raise InputError([Problem(file=str(path), code="OUT-001", message="file exists; use --force to replace it")])
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError([Problem(file=str(path), code="OUT-002", message=f"folder {parent} does not exist")])
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        # mkstemp makes the file private (0600); an output file gets the usual mode (0666 & ~umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
