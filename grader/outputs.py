"""Every file and folder grader writes is written here, so every output keeps the same promises.

- **Whole or not at all.** A file is written to a temporary file beside it (``.NAME.PID.XXXX.tmp``),
  flushed to disk (fsync), renamed over the target, and the folder is flushed too (a batch
  flushes its results' folder once, after the last: :func:`sync_folder`): a reader, a
  crash or a power cut sees the old file or the new one, never half of one. A folder
  (``evidence import-report``) is built as a temporary folder beside the target and renamed
  into place once complete and checked.
- **Nothing left behind.** Any failure removes the temporary file or folder, SIGTERM and SIGHUP
  included (a handler is installed for the write's duration; the signal is delivered again once
  the temporary is gone). SIGKILL cannot be caught: a temporary it leaves is recognised by its
  name, and removed by the next write to the same path once its process is gone.
- **Nothing of the user's destroyed.** An existing file is replaced only with ``force`` (or
  where a command documents that it replaces its output). A folder is never replaced by a file,
  and a folder is replaced by a folder only if the caller recognises it as one grader made
  (``replaceable``); the old folder is kept until the new one is in place.
- **One located line on failure.** A target that is a folder, a missing or read-only folder, a
  full disk: each becomes an :class:`~grader.errors.InputError` (``OUT-00x``, exit 65), never a
  traceback. A file that was there before is left as it was.
- **Ordinary permissions.** Files get ``0666 & ~umask`` and folders ``0777 & ~umask``, as any
  other program's output would (0644 and 0755 under the usual umask 022).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.errors import InputError, Problem

#: A temporary older than this is stale even if a process with its PID runs (PIDs are reused).
STALE_AFTER_SECONDS = 3600
#: Signals that, during a write, remove the temporary before the process ends.
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
#: Temporaries this process is writing now (never stale, whatever their age).
_IN_FLIGHT: set[str] = set()


def _shown(path: Path) -> str:
    """A path as users should see it (relative to the working folder when below it)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _problem(path: Path, code: str, message: str) -> InputError:
    return InputError([Problem(file=_shown(path), code=code, message=message)])


def cannot_write(path: Path, exc: OSError) -> InputError:
    """The located line for an operating-system error while writing ``path``, in plain words."""
    why = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return _problem(path, "OUT-004", f"not written: the disk is full ({why}); free some space and run again. "
                                         "A file that was there is unchanged")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _problem(path, "OUT-004", f"not written: grader may not write in this folder ({why}); "
                                         "choose a folder you can write to, or ask for write access")
    if exc.errno == errno.EISDIR:
        return _is_a_folder(path, "")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return _problem(path, "OUT-002", f"folder {_shown(path.parent)} does not exist; create it first")
    return _problem(path, "OUT-004", f"not written: {why}. A file that was there is unchanged")


def _is_a_folder(path: Path, example: str) -> InputError:
    hint = f"; give a file name such as {_shown(path / example)}" if example else "; give a file name inside it"
    return _problem(path, "OUT-003", f"is a folder{hint}. Nothing in it was changed")


def file_mode() -> int:
    """The mode a new file gets from the umask (``0666 & ~umask``)."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """The mode a new folder gets from the umask (``0777 & ~umask``)."""
    return 0o777 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _parent(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _check_target(path: Path, force: bool, example: str) -> None:
    """Refuse a target that is a folder, an existing file without ``force``, a missing folder."""
    if path.is_dir():
        raise _is_a_folder(path, example)
    if (path.exists() or path.is_symlink()) and not force:
        raise _problem(path, "OUT-001", "file exists; use --force to replace it")
    parent = _parent(path)
    if not parent.is_dir():
        raise _problem(path, "OUT-002", f"folder {_shown(parent)} does not exist; create it first")


# ------------------------------------------------------------------------------------------
# Temporaries: recognisable names, removed on any failure and after a kill


def _temp_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(name)}\.(\d+)\.[A-Za-z0-9_]+\.(tmp|old)")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, and not in flight (checked first): left by an earlier failure
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, another user's
    return True


def clean_stale(path: Path) -> None:
    """Remove the temporaries an earlier, killed write to ``path`` left beside it.

    A temporary is stale when the process that made it has gone (or it is over an hour old);
    a folder moved aside (``.old``) is put back if the target is missing, as the kill came
    between the two renames of a swap.
    """
    parent = _parent(path)
    pattern = _temp_pattern(path.name)
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(f".{path.name}.")]
    except OSError:
        return
    now = time.time()
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if not m or entry.path in _IN_FLIGHT:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if _alive(int(m.group(1))) and now - st.st_mtime < STALE_AFTER_SECONDS:
            continue
        _remove_stale(Path(entry.path), path, m.group(2) == "old", stat.S_ISDIR(st.st_mode))


def _remove_stale(temp: Path, target: Path, aside: bool, is_dir: bool) -> None:
    try:
        if aside:
            old = temp / target.name
            if not (target.exists() or target.is_symlink()) and (old.exists() or old.is_symlink()):
                os.rename(old, target)  # the user's folder, back where it was
            shutil.rmtree(temp)
        elif is_dir:
            shutil.rmtree(temp)
        else:
            temp.unlink()
    except OSError:
        pass  # another writer got there first; the next write tries again


class _Interrupted(BaseException):
    """A signal arrived during a write; raised so that the temporary is removed first."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _cleanup_on_signals() -> Iterator[None]:
    """For the duration of a write, turn SIGTERM and SIGHUP into an exception (so ``except`` and
    ``finally`` blocks remove the temporaries), then end the process with the same signal."""
    if threading.current_thread() is not threading.main_thread() or not _SIGNALS:
        yield
        return
    armed = [True]

    def handler(signum: int, frame: object) -> None:
        if armed[0]:  # once: a second signal must not interrupt the cleanup
            armed[0] = False
            raise _Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in _SIGNALS}
    try:
        yield
    except _Interrupted as exc:
        for s, h in previous.items():
            signal.signal(s, h)
        signal.raise_signal(exc.signum)
        raise SystemExit(128 + exc.signum) from None  # the previous handler did not end the process
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk; some file systems cannot, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries to disk once, after files were written into it with
    ``write_atomic(..., sync_folder=False)``: every rename made before it is then durable."""
    _fsync_folder(Path(folder))


def _write_fd(fd: int, data: bytes, mode: int) -> None:
    """Write ``data`` to the new file open as ``fd``, give it ``mode``, and flush it to disk."""
    with open(fd, "wb") as fh:
        os.fchmod(fd, mode)  # mkstemp makes files private (0600); outputs follow the umask
        fh.write(data)
        fh.flush()
        os.fsync(fd)


def _bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


# ------------------------------------------------------------------------------------------
# The writers


def write_atomic(path: Path, data: str | bytes, *, force: bool = True, example: str = "",
                 sync_folder: bool = True) -> None:
    """Write ``data`` (text is written as UTF-8 with ``\\n`` line ends) to the file ``path``.

    With ``force=False`` an existing file is refused (``OUT-001``). A folder at ``path`` is
    always refused (``OUT-003``, naming ``example`` as a file name to give instead).
    ``sync_folder=False`` leaves flushing the folder's entries (the rename) to the caller, who
    writes many files into one folder and calls :func:`sync_folder` once after the last.
    """
    path = Path(path)
    _check_target(path, force, example)
    payload = _bytes(data)
    clean_stale(path)
    tmp: str | None = None
    try:
        with _cleanup_on_signals():
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=_parent(path))
                _IN_FLIGHT.add(tmp)
                _write_fd(fd, payload, file_mode())
                if path.is_dir():  # appeared while we wrote
                    raise _is_a_folder(path, example)
                os.replace(tmp, path)
                if sync_folder:
                    _fsync_folder(_parent(path))
            finally:
                if tmp is not None:
                    _IN_FLIGHT.discard(tmp)
                    try:
                        os.unlink(tmp)
                    except FileNotFoundError:
                        pass
    except OSError as exc:
        raise cannot_write(path, exc) from None


def ensure_folder(path: Path) -> None:
    """Create the folder ``path`` (and its parents) if missing, with the umask's mode."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise _problem(path, "OUT-002", "is a file; a folder is needed here")
    try:
        path.mkdir(mode=0o777, parents=True, exist_ok=True)
    except OSError as exc:
        raise _problem(path, "OUT-002", f"cannot create the folder: {exc.strerror or exc}") from None


def write_tree_atomic(target: Path, files: dict[str, str], *, force: bool = False,
                      check: Callable[[Path], None] | None = None,
                      replaceable: Callable[[Path], str | None] | None = None) -> None:
    """Write ``files`` (relative path -> text) as the folder ``target``, all or nothing.

    ``check`` is called on the finished temporary folder before it is moved into place; if it
    raises, nothing is written. An existing ``target`` is replaced only with ``force`` and only
    if ``replaceable(target)`` returns ``None`` (otherwise the reason it returns is reported):
    grader never removes a folder it did not make.
    """
    target = Path(target)
    _check_folder_target(target, force, replaceable)
    clean_stale(target)
    tmp: Path | None = None
    try:
        with _cleanup_on_signals():
            try:
                tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                                            dir=_parent(target)))
                _IN_FLIGHT.add(str(tmp))
                os.chmod(tmp, folder_mode())
                for rel, text in sorted(files.items()):
                    dest = tmp / rel
                    dest.parent.mkdir(mode=0o777, parents=True, exist_ok=True)
                    _write_fd(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), _bytes(text), file_mode())
                for folder in sorted({(tmp / rel).parent for rel in files}, reverse=True):
                    _fsync_folder(folder)
                if check is not None:
                    check(tmp)
                _check_folder_target(target, force, replaceable)  # it may have appeared while we worked
                _swap_in(tmp, target)
                _fsync_folder(_parent(target))
            finally:
                if tmp is not None:
                    _IN_FLIGHT.discard(str(tmp))
                    shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise cannot_write(target, exc) from None


def _check_folder_target(target: Path, force: bool, replaceable: Callable[[Path], str | None] | None) -> None:
    if target.exists() or target.is_symlink():
        what = "folder" if target.is_dir() and not target.is_symlink() else "file"
        if not force:
            raise _problem(target, "OUT-001", f"{what} exists; use --force to replace it")
        why = "it is not a folder" if what == "file" else (replaceable(target) if replaceable else None)
        if why is not None:
            raise _problem(target, "OUT-005", f"not replaced, even with --force: {why}. grader only replaces "
                                              "a folder it made; move it away or choose another --out")
    parent = _parent(target)
    if not parent.is_dir():
        raise _problem(target, "OUT-002", f"folder {_shown(parent)} does not exist; create it first")


def _swap_in(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target``; an existing target is moved aside first and removed after."""
    if not (target.exists() or target.is_symlink()):
        os.rename(tmp, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".old", dir=_parent(target)))
    _IN_FLIGHT.add(str(aside))
    try:
        old = aside / target.name
        os.rename(target, old)
        try:
            os.rename(tmp, target)
        except BaseException:
            os.rename(old, target)  # put the original back
            raise
        shutil.rmtree(aside)
    finally:
        _IN_FLIGHT.discard(str(aside))
        if aside.exists() and not (aside / target.name).exists():
            shutil.rmtree(aside, ignore_errors=True)
