"""Reading files that come from outside (documents, stores, import files): regular files only, and no more than
a size limit, so a named pipe, ``/dev/zero``, a device or a link to one gets a one-line error at once instead of
a hang or an unbounded read. The limit (``DEFAULT_MAX_SIZE``) is raised with ``--max-size``."""

from __future__ import annotations

import os
import re
import stat

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
        chunks, total = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):  # a file growing meanwhile stops at the limit
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileProblem(f"grew past the {human(limit)} limit while being read (raise it with --max-size)")
    finally:
        os.close(fd)
    return b"".join(chunks)
