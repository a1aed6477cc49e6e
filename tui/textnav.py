"""Moving through text by words and paragraphs; searching. Pure functions over offsets (sentences: ``sentences``)."""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from collections.abc import Iterator
from functools import cache, lru_cache

_PARAGRAPH_WINDOW = 100_000
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


@cache
def _word() -> re.Pattern[str]:
    """A word, or a run of punctuation. Combining marks (accents, Indic vowel signs) belong to the letters they
    follow: ``\\w`` leaves them out, which would stop the cursor between a letter and its accent. Built on first
    use (scanning for the marks takes a tenth of a second)."""
    marks = "".join(ch for ch in map(chr, range(0x300, 0x1E950)) if unicodedata.category(ch)[0] == "M")
    return re.compile(rf"[\w{marks}\U000E0100-\U000E01EF]+|[^\w\s]+")


def word_forward(text: str, offset: int) -> int:
    """Start of the next word (or run of punctuation) after ``offset``; the end of the text if none."""
    match = _word().search(text, offset)
    if match and match.start() == offset:
        match = _word().search(text, match.end())
    return match.start() if match else len(text)


def word_end(text: str, offset: int) -> int:
    """End of the word (or run of punctuation) ``offset`` is inside, or else of the next one; the text's end if
    none."""
    match = _word().search(text, offset)
    return match.end() if match else len(text)


def word_backward(text: str, offset: int) -> int:
    """Start of the word before ``offset`` (or of the word ``offset`` is inside)."""
    start = max(0, offset - 200)
    while True:
        last = None
        for match in _word().finditer(text, start, offset):
            last = match
        if last is not None and (last.start() > start or start == 0):
            return last.start()
        if start == 0:
            return 0
        start = max(0, 2 * start - offset - 2000)  # none, or one cut by the window's edge: look further back


def paragraph_forward(text: str, offset: int) -> int:
    """Start of the next paragraph (after a blank line), else the end of the text."""
    begin = offset  # on a blank line, the break it belongs to begins before the cursor
    while begin > 0 and text[begin - 1].isspace():
        begin -= 1
    match = _PARAGRAPH_BREAK.search(text, begin)
    if match and match.end() <= offset:
        match = _PARAGRAPH_BREAK.search(text, offset)
    return match.end() if match else len(text)


def paragraph_start(text: str, offset: int) -> int:
    """Start of the paragraph holding ``offset``."""
    window = _PARAGRAPH_WINDOW
    while True:
        low = max(0, offset - window)
        found = None
        for match in _PARAGRAPH_BREAK.finditer(text, low, offset):
            found = match.end()
        if found is not None or low == 0:
            return found or 0
        window *= 2  # a paragraph longer than the window: look further back


def paragraph_backward(text: str, offset: int) -> int:
    """Start of this paragraph, or of the previous one when already at a paragraph's start."""
    start = paragraph_start(text, offset)
    if start < offset:
        return start
    while start > 0 and text[start - 1].isspace():  # back over the whole break, however many blank lines
        start -= 1
    return paragraph_start(text, start)


def paragraph_span(text: str, offset: int) -> tuple[int, int]:
    start = paragraph_start(text, offset)
    begin = offset  # on a blank line: the paragraph before it, which ends where the blank line's break begins
    while begin > start and text[begin - 1].isspace():
        begin -= 1
    match = _PARAGRAPH_BREAK.search(text, begin)
    end = match.start() if match else len(text)
    return start, max(start, end)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span to exclude surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def smart_case(query: str) -> bool:
    """Ignore case unless the query has a capital letter (as in vim's smartcase)."""
    return query == query.lower()


@lru_cache(maxsize=64)
def _search_pattern(query: str) -> re.Pattern[str]:
    return re.compile(re.escape(query), re.IGNORECASE if smart_case(query) else 0)


SCAN_CHUNK = 1 << 20  # characters lower-cased at a time by a case-blind search (a copy this big, not the text's)
# The characters ``re.IGNORECASE`` takes for an ASCII letter, beyond ASCII itself (checked over every code point):
# a chunk holding one is searched by the regular expression itself.
_UNLIKE_LOWER = ("\u0130", "\u0131", "\u017f", "\u212a")
MANY_MATCHES = 4000  # in a chunk: more, and each one's offset in characters costs more than ``str.lower`` does


def match_starts(text: str, query: str, start: int = 0, end: int | None = None, chunk: int = SCAN_CHUNK
                 ) -> Iterator[int]:  # fmt: skip
    """The start of every match of ``query`` (overlapping ones too: "aa" twice in "aaa") that lies within
    ``text[start:end]``, in order. A case-blind search (``smart_case``) matches as ``re.IGNORECASE`` does. Found
    with ``find`` (of the lower-cased text a chunk at a time, when case-blind): the regular expression reads
    a few megabytes a second, ``find`` a gigabyte, and the reader waits for the search of a whole book."""
    end = len(text) if end is None else min(end, len(text))
    start, size = max(start, 0), len(query)
    if not query or end - start < size:
        return
    if not smart_case(query):
        at = text.find(query, start, end)
        while at != -1:
            yield at
            at = text.find(query, at + 1, end)
        return
    pattern = _search_pattern(query)
    for begin in range(start, end - size + 1, chunk):
        stop = min(begin + chunk + size - 1, end)  # a match starting in this chunk may end past it
        piece = text[begin:stop]
        if not query.isascii() or any(char in piece for char in _UNLIKE_LOWER):  # (``in``: 100x a regex)
            match = pattern.search(text, begin, stop)
            while match is not None and match.start() < begin + chunk:
                yield match.start()
                match = pattern.search(text, match.start() + 1, stop)
            continue
        folded = None if piece.isascii() else piece.encode("utf-8").lower()
        if folded is None or folded.count(query.encode("ascii")) > MANY_MATCHES:
            starts = _ascii_starts(piece.lower(), query)
        else:
            starts = _folded_starts(folded, query)
        for at in starts:
            if at >= chunk:
                break
            if pattern.match(text, begin + at):
                yield begin + at


def _ascii_starts(lower: str, query: str) -> Iterator[int]:
    at = lower.find(query)
    while at != -1:
        yield at
        at = lower.find(query, at + 1)


def _folded_starts(data: bytes, query: str) -> Iterator[int]:
    """Where the ASCII ``query`` (lower case) may match in a piece of text with other characters than ASCII (but
    none that ``re.IGNORECASE`` takes for an ASCII letter), given as ``data``, its UTF-8 with ASCII lower-cased:
    found three times as fast as in its ``str.lower()`` (which looks every character up). A match starts at an
    ASCII byte, never inside a character, so the characters before it are the bytes before it decoded (a cost
    per match: ``MANY_MATCHES`` in a chunk, and ``str.lower`` is the faster)."""
    folded = query.encode("ascii")
    at, byte, char = data.find(folded), 0, 0
    while at != -1:
        char += len(data[byte:at].decode("utf-8"))
        byte = at
        yield char
        at = data.find(folded, at + 1)


def find_all(text: str, query: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Every match of ``query`` that lies within ``text[start:end]``."""
    return [(at, at + len(query)) for at in match_starts(text, query, start, end)]


def find(text: str, query: str, offset: int, forward: bool = True) -> tuple[int, int] | None:
    """The next (or previous) match of ``query`` starting after (before) ``offset``, wrapping around."""
    if not query:
        return None
    if forward:
        at = next(match_starts(text, query, offset + 1), None)
        if at is None:
            at = next(match_starts(text, query), None)
    else:
        at = _last(match_starts(text, query, 0, max(offset, 0) + len(query) - 1))
        if at is None:
            at = _last(match_starts(text, query))
    return None if at is None else (at, at + len(query))


def _last(starts: Iterator[int]) -> int | None:
    last = deque(starts, maxlen=1)
    return last[0] if last else None
