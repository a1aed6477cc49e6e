"""Moving through text by words, sentences and paragraphs; searching. Pure functions over offsets."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+|[^\w\s]+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*(?=\s)|\n[ \t]*\n")


def word_forward(text: str, offset: int) -> int:
    """Start of the next word (or run of punctuation) after ``offset``; the end of the text if none."""
    match = _WORD.search(text, offset)
    if match and match.start() == offset:
        match = _WORD.search(text, match.end())
    return match.start() if match else len(text)


def word_backward(text: str, offset: int) -> int:
    """Start of the word before ``offset`` (or of the word ``offset`` is inside)."""
    start = max(0, offset - 200)
    while True:
        last = None
        for match in _WORD.finditer(text, start, offset):
            last = match
        if last is not None or start == 0:
            return last.start() if last else 0
        start = max(0, start - 2000)


def paragraph_forward(text: str, offset: int) -> int:
    """Start of the next paragraph (after a blank line), else the end of the text."""
    match = _PARAGRAPH_BREAK.search(text, offset)
    return match.end() if match else len(text)


def paragraph_start(text: str, offset: int) -> int:
    """Start of the paragraph holding ``offset``."""
    found = 0
    for match in _PARAGRAPH_BREAK.finditer(text, max(0, offset - 100_000), offset):
        found = match.end()
    return found


def paragraph_backward(text: str, offset: int) -> int:
    """Start of this paragraph, or of the previous one when already at a paragraph's start."""
    start = paragraph_start(text, offset)
    if start < offset:
        return start
    return paragraph_start(text, max(0, start - 1)) if start else 0


def paragraph_span(text: str, offset: int) -> tuple[int, int]:
    start = paragraph_start(text, offset)
    match = _PARAGRAPH_BREAK.search(text, offset)
    end = match.start() if match else len(text)
    return start, max(start, end)


def sentence_at(text: str, offset: int) -> tuple[int, int]:
    """The sentence around ``offset``: from after the previous sentence end to its own end, trimmed."""
    para_start, para_end = paragraph_span(text, min(offset, len(text)))
    start = para_start
    for match in _SENTENCE_END.finditer(text, para_start, para_end):
        if match.end() <= offset:
            start = match.end()
        else:
            end = match.end()
            break
    else:
        end = para_end
    return trim(text, start, end)


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


def find(text: str, query: str, offset: int, forward: bool = True) -> tuple[int, int] | None:
    """The next (or previous) match of ``query`` starting after (before) ``offset``, wrapping around."""
    if not query:
        return None
    pattern = re.compile(re.escape(query), re.IGNORECASE if smart_case(query) else 0)
    if forward:
        match = pattern.search(text, offset + 1) or pattern.search(text, 0)
        return match.span() if match else None
    last = None
    for match in pattern.finditer(text, 0, max(offset, 0) + len(query) - 1):
        if match.start() < offset:
            last = match
    if last is None:
        for match in pattern.finditer(text):
            last = match
    return last.span() if last else None
