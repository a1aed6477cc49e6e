"""Reading files that come from outside (documents, stores, import files): regular files only, and no more than
a size limit, so a named pipe, ``/dev/zero``, a device or a link to one gets a one-line error at once instead of
a hang or an unbounded read. The limit (``DEFAULT_MAX_SIZE``) is raised with ``--max-size``.

Writing: ``write_atomically`` leaves the old file or the new one after a crash, never a mix; the store, the exports
and the reader's state all go through it."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

DEFAULT_MAX_SIZE = 256 * 1024 * 1024
max_size = DEFAULT_MAX_SIZE  # the command line's --max-size sets it for the whole run

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
_SIZE = re.compile(r"\s*(\d+)\s*([KMG]?)(?:I?B)?\s*\Z", re.IGNORECASE)


class FileProblem(Exception):
    """Why a file is not read (one line, without the path: the caller names it)."""


def parse_size(text: str) -> int:
    """``"300M"``, ``"2G"``, ``"65536"`` (bytes; K, M and G are powers of 1024) -> bytes."""
    match = _SIZE.match(text)
    if not match or int(match[1]) == 0:
        raise ValueError(f"{text!r} is not a size such as 300M, 2G or 65536")
    return int(match[1]) * _UNITS[match[2].upper()]


def human(size: int) -> str:
    for unit in ("G", "M", "K"):
        if size >= _UNITS[unit]:
            return f"{size / _UNITS[unit]:.4g} {unit}B"
    return f"{size} bytes"


def _not_regular(mode: int) -> str | None:
    return next((kind for test, kind in _KINDS if test(mode)), None if stat.S_ISREG(mode) else "not a file")


def check_regular(path: str | os.PathLike[str]) -> os.stat_result:
    """The file's ``stat`` (links followed); ``FileProblem`` if it is not a regular file. ``OSError`` as usual
    (``FileNotFoundError`` for a missing file or a dangling link)."""
    st = os.stat(path)
    kind = _not_regular(st.st_mode)
    if kind is not None:
        link = "a link to " if os.path.islink(path) else ""
        raise FileProblem(f"is {link}{kind}" + ("" if kind == "a folder" else ", not a regular file"))
    return st


def read_regular(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (default: ``max_size``)."""
    fd, _ = open_regular(path, limit)
    try:
        return b"".join(read_chunks(fd, limit))
    finally:
        os.close(fd)


def open_regular(path: str | os.PathLike[str], limit: int | None = None) -> tuple[int, int]:
    """(a file descriptor open for reading, the size) of a regular file of at most ``limit`` bytes (default:
    ``max_size``); the caller closes it."""
    limit = max_size if limit is None else limit
    st = check_regular(path)
    if st.st_size > limit:
        raise FileProblem(f"is {human(st.st_size)}, over the {human(limit)} limit (raise it with --max-size)")
    # O_NONBLOCK: if a pipe was put there since the stat, opening it must not wait for a writer
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if _not_regular(os.fstat(fd).st_mode) is not None:
            raise FileProblem("changed into something that is not a regular file while being opened")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def read_chunks(fd: int, limit: int | None = None, size: int = 1 << 20, done: int = 0) -> Iterator[bytes]:
    """The rest of an open regular file, ``size`` bytes at a time, ``done`` bytes of it read already; past
    ``limit`` (default: ``max_size``; a file growing meanwhile) a ``FileProblem``."""
    limit = max_size if limit is None else limit
    total = done
    while chunk := os.read(fd, min(size, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            raise FileProblem(f"grew past the {human(limit)} limit while being read (raise it with --max-size)")
        yield chunk


# -- writing ----------------------------------------------------------------------------------------------------------
def write_atomically(
    path: Path, raw: bytes, *, overwrite: bool = True, before_replace: Callable[[], None] | None = None
) -> None:
    """Write ``raw`` to a temporary file beside ``path``, fsync it, then put it at ``path`` and fsync the folder.
    ``overwrite=False`` raises FileExistsError if anything is at ``path``, even a file created a moment ago.
    ``before_replace`` runs once the new data is safe on disk, just before it takes the old file's place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600; keep the file's own mode, or the umask's
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        if before_replace is not None:
            before_replace()
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(tmp)  # left only after a failure, or after the hard link
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not every platform opens folders (Windows)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _link_new(tmp: str, target: Path) -> None:
    """Put ``tmp`` at ``target`` unless something is there: a hard link fails rather than replace."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if target.exists():
            raise FileExistsError(f"{target} exists") from None
        os.replace(tmp, target)


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
