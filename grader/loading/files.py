"""Input files: the one place grader opens them, finds them in a folder, names them and hashes them.

Every reader of a user's file (YAML items and manifests, pack files, CSV, XLSX, a published
report's text, result JSON) gets its bytes from :func:`read_bytes`, so every input has the same
guards, and each refusal is one located line an inspector can act on:

- only a **regular file** is read: a named pipe would block for ever and a device such as
  ``/dev/zero`` would be read until memory runs out, so the kind of file is checked with
  ``stat`` before it is opened, and the file is opened non-blocking and checked again;
- a file found inside an evidence set or rule pack must **stay inside** it: a symbolic link
  pointing elsewhere is refused (a set is what it holds; provenance names files inside it);
- **size is capped while reading** (at most cap + 1 bytes are read), not only by trusting
  ``stat``, so a file that grows while it is read is still refused;
- an unreadable file (permissions, I/O error) is a located problem, never a traceback.

:func:`folder_inputs` is how a folder of inputs (``items/``, a pack's ``criteria/``, ``facts/``,
``tests/``) is listed: every suffix spelling grader reads is read (``.yaml``, ``.yml``,
``.YAML``, ...), and anything else in the folder is reported rather than silently passed over.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from grader.errors import InputError, Problem
from grader.models.common import InputFile

#: Largest evidence, pack or report file grader reads. Evidence sets are kilobytes; 20 MB leaves
#: room for big programmes while keeping a mistaken 50 MB export from eating memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest result JSON grader reads back (``report --from-result``, ``diff``, ``moderate``).
#: Results carry every evidence item of a force with its trace, so they are far bigger than any
#: one input file: a 10,000-item force gives about 70 MB. grader must read back what it wrote.
MAX_RESULT_BYTES = 512 * 1024 * 1024
#: Suffixes of the YAML files grader reads from a folder, compared case-insensitively.
YAML_SUFFIXES = (".yaml", ".yml")

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_CHUNK = 1024 * 1024


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

    ``root`` is the set or pack: a folder, or a one-file set (then files are named by their
    name). Pass ``sha256`` when the bytes were already read (loaders hash what they parse). The
    marking is OFFICIAL (a file that holds no evidence item) until the evidence loader has read
    the items and raises it (:func:`grader.loading.provenance.mark_files`).
    """
    display = display_path(path)
    check_within(path, root, display)
    if sha256 is None:
        _, sha256 = read_bytes(path, display)
    real = Path(os.path.realpath(path))
    if os.path.isdir(root):
        rel = real.relative_to(Path(os.path.realpath(root)).parent)
    elif real == Path(os.path.realpath(root)):
        rel = Path(real.name)
    else:
        rel = real.relative_to(_boundary(root))
    return InputFile(path=rel.as_posix(), sha256=sha256, marking="OFFICIAL")


def present(path: Path) -> bool:
    """True if anything is at ``path``, even a pipe, a device or a broken link: a file grader looks
    for by name is then read, so what is wrong with it is reported by :func:`read_bytes` instead
    of as "missing"."""
    return os.path.lexists(path)


def check_within(path: Path, root: Path, display: str) -> None:
    """Refuse ``path`` if it resolves outside ``root`` (a symbolic link pointing out of a set or
    pack): what grader grades, and the provenance it records, is what the folder holds.

    ``root`` may be a one-file set: the file itself is then allowed wherever it points, and the
    files read beside it (a CSV's manifest) must be in the folder that holds it.
    """
    real = os.path.realpath(path)
    if real == os.path.realpath(root) and not os.path.isdir(root):
        return
    top = _boundary(root)
    if real.startswith(top.rstrip(os.sep) + os.sep):
        return
    raise InputError([Problem(
        file=display, code="LOAD-005",
        message=f"is a link to {real}, outside {display_path(Path(root))}: grader reads only files inside the "
                "evidence set or rule pack; copy the file in instead of linking to it")])


def _boundary(root: Path) -> str:
    """The folder whose files belong to ``root``: itself, or the folder a one-file set sits in."""
    if os.path.isdir(root):
        return os.path.realpath(root)
    return os.path.realpath(os.path.dirname(os.path.abspath(root)))


def read_bytes(path: Path, display: str, *, cap: int = MAX_FILE_BYTES,
               within: Path | None = None) -> tuple[bytes, str]:
    """The bytes of the regular file ``path`` (at most ``cap``) and their SHA-256.

    ``within``: the set or pack folder the file must resolve inside (see :func:`check_within`).
    Raises :class:`InputError` naming ``display`` for anything that is not a readable regular
    file of at most ``cap`` bytes.
    """
    path = Path(path)
    if within is not None:
        check_within(path, within, display)
    try:
        before = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _problem(display, "LOAD-001", "is a symbolic link to a file that does not exist; "
                                                "put the file itself here") from None
        raise _problem(display, "LOAD-001", "file not found") from None
    except OSError as exc:
        raise _cannot_read(display, exc) from None
    _check_regular(before.st_mode, path, display)
    _check_size(before.st_size, cap, display)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _cannot_read(display, exc) from None
    try:
        _check_regular(os.fstat(fd).st_mode, path, display)  # replaced between stat and open?
        data = _read_capped(fd, min(before.st_size, cap) + 1, cap, display)
    except OSError as exc:
        raise _cannot_read(display, exc) from None
    finally:
        os.close(fd)
    return data, hashlib.sha256(data).hexdigest()


def read_text(path: Path, display: str, *, cap: int = MAX_FILE_BYTES,
              within: Path | None = None) -> tuple[str, str]:
    """Read a file as UTF-8 (a leading BOM is allowed) through :func:`read_bytes`.

    Returns the text and the SHA-256 of the bytes read, so provenance needs no second read.
    """
    raw, digest = read_bytes(path, display, cap=cap, within=within)
    try:
        return raw.decode("utf-8-sig"), digest
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([Problem(file=display, line=line, column=col, code="LOAD-003",
                                  message=f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded; "
                                          "save the file as UTF-8")]) from None


def _read_capped(fd: int, first: int, cap: int, display: str) -> bytes:
    """Read to the end of ``fd``, at most ``cap + 1`` bytes: the first read asks for the size
    ``stat`` gave plus one (one allocation for the usual file), later reads only if it grew."""
    pieces: list[bytes] = []
    total = 0
    want = first
    while total <= cap:
        piece = os.read(fd, min(want, cap + 1 - total))
        if not piece:
            return b"".join(pieces)
        pieces.append(piece)
        total += len(piece)
        want = _CHUNK
    raise _problem(display, "LOAD-002", f"file grew past {cap:,} bytes while it was read; grader reads files "
                                        f"up to {cap:,} bytes")


def _check_size(size: int, cap: int, display: str) -> None:
    if size > cap:
        raise _problem(display, "LOAD-002", f"file is {size:,} bytes; grader reads files up to {cap:,} bytes")


def _check_regular(mode: int, path: Path, display: str) -> None:
    """Refuse anything but a regular file, saying what it is."""
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise _problem(display, "LOAD-001", "is a folder, expected a file")
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    link = f" (a symbolic link to {os.path.realpath(path)})" if os.path.islink(path) else ""
    raise _problem(display, "LOAD-004", f"is {kind}{link}, not a regular file: grader reads only ordinary files; "
                                        "put the file itself here")


def _cannot_read(display: str, exc: OSError) -> InputError:
    if isinstance(exc, PermissionError):
        return _problem(display, "LOAD-001", "cannot read: permission denied; ask the file's owner for read access "
                                             "(e.g. chmod u+r), or copy it somewhere you can read it")
    return _problem(display, "LOAD-001", f"cannot read: {exc.strerror or exc}")


def _problem(display: str, code: str, message: str) -> InputError:
    return InputError([Problem(file=display, code=code, message=message)])


def folder_inputs(folder: Path, root: Path, suffixes: Sequence[str], hint: str) -> tuple[list[Path], list[Problem]]:
    """The files of ``folder`` that grader reads, sorted by name, and a problem for every entry
    it would otherwise pass over without a word.

    A suffix in ``suffixes`` is matched in any case (``.yml``, ``.YAML``). Reported: a file with
    another suffix or a sub-folder (``hint`` says what the folder should hold), a hidden file
    with a read suffix, a file that resolves outside ``root``, and two files whose names differ
    only in suffix or case (``ENF-01.yaml`` and ``ENF-01.yml``: one would shadow the other, or be
    lost when the folder is copied to a system that ignores case); the second is then not read.
    Other hidden entries (``.DS_Store``, ``.git``) are passed over, as version control does.
    """
    shown = display_path(folder)
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        return [], [Problem(file=shown, code="LOAD-001", message=f"cannot list the folder: {exc.strerror or exc}")]
    wanted = tuple(s.lower() for s in suffixes)
    listed = " or ".join(", ".join(wanted).rsplit(", ", 1))
    out: list[Path] = []
    problems: list[Problem] = []
    stems: dict[str, Path] = {}
    for entry in entries:
        name = display_path(entry)
        readable = entry.suffix.lower() in wanted
        if entry.name.startswith("."):
            if readable:
                problems.append(Problem(file=name, code="LOAD-006", message="grader does not read hidden files "
                                        "(names starting with '.'): remove the leading '.' if it holds " + hint))
            continue
        if entry.is_dir():
            problems.append(Problem(file=name, code="LOAD-006", message=f"is a sub-folder: grader does not read "
                                    f"sub-folders of {folder.name}/; move its files up into {folder.name}/, or move "
                                    "the folder out"))
            continue
        if not readable:
            problems.append(Problem(file=name, code="LOAD-006", message=f"grader reads only {listed} files in "
                                    f"{folder.name}/ and would leave this one out; move it out of {folder.name}/, "
                                    f"or rename it if it holds {hint}"))
            continue
        try:
            check_within(entry, root, name)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        stem = entry.stem.casefold()
        if stem in stems:
            problems.append(Problem(file=name, code="LOAD-007", message=f"has the same name as {stems[stem].name} "
                                    "apart from its suffix or case, so one would shadow the other: merge them into "
                                    "one file, or rename one"))
            continue
        stems[stem] = entry
        out.append(entry)
    return out, problems
