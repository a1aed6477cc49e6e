"""Small phrasing helpers shared by the commands, the export and the reader: counted nouns, and text cut to a
width in terminal cells (a CJK character or an emoji takes two cells, a combining mark none)."""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size, split_graphemes

ELLIPSIS = "…"


def plural(count: int, noun: str, many: str = "", thousands: bool = False) -> str:
    """``1 highlight``, ``2 highlights``, ``0 highlights``; ``many`` for another plural (``match``, ``matches``);
    ``thousands``: ``12,400 matches``."""
    shown = f"{count:,}" if thousands else str(count)
    return f"{shown} {noun_for(count, noun, many)}"


def noun_for(count: int, noun: str, many: str = "") -> str:
    """The noun alone, as ``count`` takes it: ``match`` or ``matches``."""
    return noun if count == 1 else many or noun + "s"


def cut(text: str, width: int, keep_end: bool = False) -> str:
    """``text`` if it fits in ``width`` cells, else as many whole characters (graphemes) as fit with an ellipsis
    (``keep_end``: its end, after the ellipsis)."""
    kept = fit(text, width, keep_end)
    if len(kept) == len(text):
        return text
    kept = fit(kept, max(width - 1, 0), keep_end)
    return ELLIPSIS + kept if keep_end else kept + ELLIPSIS


def fit(text: str, width: int, from_end: bool = False) -> str:
    """As many whole characters (graphemes) of ``text`` as fit in ``width`` cells, from its start (or its end),
    without an ellipsis: a keyword-in-context column."""
    part = text[-(8 * width + 8) :] if from_end else text[: 8 * width + 8]  # a 10 MB line is not measured whole
    if width >= 0 and _one_cell_each(part):  # most text: a cell a character, no grapheme to split (table rows)
        if len(part) <= width:
            return text  # (``part`` is all of it: it is cut far beyond ``width``)
        return text[len(text) - width :] if from_end else text[:width]
    if len(part) < len(text) and cell_len(part) > width + 2:  # the cut falls inside ``part``, clear of its edge
        text = part
    elif cell_len(text) <= width:
        return text
    spans, _ = split_graphemes(text)
    used = 0
    for start, end, cells in reversed(spans) if from_end else spans:
        if used + cells > width:
            return text[end:] if from_end else text[:start]
        used += cells
    return text  # not reached: text wider than width has a grapheme that does not fit


_JOINERS = frozenset("\u200d\ufe0f")  # a zero-width joiner and the variation selector that widens an emoji


_ONE_CELL = {chr(c) for c in range(0x20, 0x7F)}  # known to take one cell each (grows with what is measured)


def _one_cell_each(text: str) -> bool:
    """Whether every character of ``text`` takes one cell and is a grapheme of its own (no wide, zero-width
    or joining one): then its first N characters are its first N cells. Printable ASCII is known at once; other
    characters are measured once each (a table listing asks for 700,000 cells at 100,000 annotations)."""
    if text.isascii() and text.isprintable():
        return True
    distinct = set(text)
    if distinct <= _ONE_CELL:
        return True
    if distinct & _JOINERS or not all(get_character_cell_size(c) == 1 for c in distinct - _ONE_CELL):
        return False
    _ONE_CELL.update(distinct)
    return True


EXTRACTED_UNITS = {"pdf": "page", "epub": "chapter"}


def extracting(name: str, kind: str, done: int | None = None, total: int | None = None) -> str:
    """ "Extracting report.pdf: page 37 of 300" (a PDF's pages, an EPUB's chapters), or before the first
    one (and for formats done in one go) "Extracting page.html…"."""
    if done is None or total is None:
        return f"Extracting {name}…"
    return f"Extracting {name}: {EXTRACTED_UNITS.get(kind, 'part')} {done} of {total}"
