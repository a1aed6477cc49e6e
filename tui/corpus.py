"""Search across documents: keyword-in-context hits with code-point offsets. Never imports Textual.

``hits`` is a generator, so a caller (the reader's corpus search runs it in a worker) can show the first results
while later documents are still being searched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

CONTEXT = 40  # characters of context either side by default


class SearchError(ValueError):
    """A pattern that cannot be searched for; the message is one line."""


@dataclass(frozen=True)
class Hit:
    path: str
    start: int
    end: int
    match: str
    left: str
    right: str

    def public(self) -> dict[str, object]:
        return {
            "path": self.path,
            "start": self.start,
            "end": self.end,
            "match": self.match,
            "left": self.left,
            "right": self.right,
        }


def compile_pattern(text: str, regex: bool = False, ignore_case: bool = False) -> re.Pattern[str]:
    if not text:
        raise SearchError("nothing to search for")
    flags = re.IGNORECASE if ignore_case else 0
    try:
        return re.compile(text if regex else re.escape(text), flags)
    except re.error as error:
        raise SearchError(f"not a valid regular expression: {error}") from None


def hits(path: str, text: str, pattern: re.Pattern[str], context: int = CONTEXT) -> Iterator[Hit]:
    """Every non-empty, non-overlapping match in ``text``, with ``context`` characters of text either side
    (fewer at the ends of the text; newlines kept: the offsets are exact)."""
    for found in pattern.finditer(text):
        start, end = found.span()
        if start == end:
            continue  # an empty match (``x*``) marks no passage
        yield Hit(path, start, end, found.group(), text[max(0, start - context) : start], text[end : end + context])
