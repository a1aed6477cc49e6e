"""Small phrasing helpers shared by the commands, the export and the reader: counted nouns, and text cut to a
width in terminal cells (a CJK character or an emoji takes two cells, a combining mark none)."""

from __future__ import annotations

from rich.cells import cell_len, split_graphemes

ELLIPSIS = "…"


def plural(count: int, noun: str) -> str:
    """``1 highlight``, ``2 highlights``, ``0 highlights``."""
    return f"{count} {noun}{'s' * (count != 1)}"


def cut(text: str, width: int) -> str:
    """``text`` if it fits in ``width`` cells, else as many whole characters (graphemes) as fit with an ellipsis."""
    head = text[: 8 * width + 8]  # a 10 MB line is not measured whole to keep its first 120 cells
    if len(head) < len(text) and cell_len(head) > width + 2:  # the cut falls before its last grapheme
        text = head
    elif cell_len(text) <= width:
        return text
    room = max(width - 1, 0)
    spans, _ = split_graphemes(text)
    used = 0
    for start, _end, cells in spans:
        if used + cells > room:
            return text[:start] + ELLIPSIS
        used += cells
    return text  # not reached: text wider than width has a grapheme that does not fit
