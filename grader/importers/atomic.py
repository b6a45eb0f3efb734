"""Write a file or a whole folder so that nothing is lost and nothing is left half-written.

An evidence tool that overwrites an inspector's work, or leaves a half-imported folder after an
error, destroys evidence. So: an existing target is replaced only with ``force``; a folder is
built in a temporary folder beside the target and renamed into place only once it is complete
and has been checked; any failure removes the temporary folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from grader.errors import InputError, Problem
from grader.loading.files import display_path


def _refuse_existing(path: Path, force: bool) -> None:
    if (path.exists() or path.is_symlink()) and not force:
        what = "folder" if path.is_dir() else "file"
        raise InputError([Problem(file=display_path(path), code="OUT-001",
                                  message=f"{what} exists; use --force to replace it")])
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError([Problem(file=display_path(path), code="OUT-002", message=f"folder {parent} does not exist")])


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _swap_in(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target``; an existing target is moved aside first and removed after."""
    if target.exists() or target.is_symlink():
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        old = aside / target.name
        os.rename(target, old)
        try:
            os.rename(tmp, target)
        except BaseException:
            os.rename(old, target)  # put the original back
            shutil.rmtree(aside, ignore_errors=True)
            raise
        _remove(aside)
    else:
        os.rename(tmp, target)


def write_bytes_atomic(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path = Path(path)
    _refuse_existing(path, force)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if path.is_dir() and not path.is_symlink():
            _swap_in(Path(tmp), path)
        else:
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_tree_atomic(target: Path, files: dict[str, str], *, force: bool = False,
                      check: Callable[[Path], None] | None = None) -> None:
    """Write ``files`` (relative path -> text) as folder ``target``, all or nothing.

    ``check`` is called on the finished temporary folder before it is moved into place; if it
    raises, nothing is written.
    """
    target = Path(target)
    _refuse_existing(target, force)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        for rel, text in sorted(files.items()):
            dest = tmp / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        if check is not None:
            check(tmp)
        _refuse_existing(target, force)  # it may have appeared while we worked
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
