"""Input files: how they are named to users, and their SHA-256 for the result's provenance."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from grader.models.common import InputFile


def display_path(path: Path) -> str:
    """A path as users should see it: relative to the working folder when it is below it."""
    path = Path(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def input_file(path: Path, root: Path, sha256: str | None = None) -> InputFile:
    """``path`` named relative to ``root``'s parent (``pack-name/criteria/X.yaml``) with its hash.

    Pass ``sha256`` when the bytes were already read (loaders hash what they parse). The
    marking is OFFICIAL (a file that holds no evidence item) until the evidence loader has read
    the items and raises it (:func:`grader.loading.provenance.mark_files`).
    """
    digest = sha256 or hashlib.sha256(Path(path).read_bytes()).hexdigest()
    rel = Path(path).resolve().relative_to(Path(root).resolve().parent)
    return InputFile(path=rel.as_posix(), sha256=digest, marking="OFFICIAL")
