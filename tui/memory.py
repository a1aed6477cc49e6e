"""How a big document is held in memory: offsets in 4-byte arrays, its big blocks straight from the kernel.

A 50 MB text is a 100 MB Python string (a few dashes make it two bytes a character), and the reader's peak memory
is that plus the rest of the app (50 MB) plus whatever is held twice for a moment; so what is held per row or
line, and how the allocator grows it, counts.
"""

from __future__ import annotations

import sys
from array import array

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
MMAP_AT = 128 * 1024  # bytes: a block this big comes from mmap (glibc's default, kept from moving)


def offset_array(size: int) -> array[int]:
    """An empty array for offsets into a text of ``size`` characters: 4 bytes each while they fit (a 50 MB
    text's 330,000 rows took 2.6 MB at 8 bytes; two sets are held while it is wrapped again after a resize)."""
    return array("I" if size < 1 << 32 else "q")


def steady_big_blocks() -> None:
    """Keep glibc giving every block of ``MMAP_AT`` or more its own mapping. By default the threshold rises to
    the size of the last such block freed (up to 32 MB): a freed row array moves the next one, as it grows, onto
    the heap, where each realloc copies it and leaves holes the process never gives back (5 MB more peak memory
    after two resizes of a 50 MB document). Nothing happens on other C libraries."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # (only for a big document: a few milliseconds of the start otherwise)

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_AT)
