"""Soft-wrapping a document into screen rows that map every cell back to a character offset.

A row is a slice ``text[start:end]`` of one source line. Rows break after a space where one fits, else mid-word;
a wide character that does not fit moves to the next row. Tabs expand to the next multiple of ``TAB`` cells from
the row's start. Widths agree with Rich (grapheme clusters, wide and zero-width characters), which is what
Textual uses to draw. No Textual here: the layout is tested headless.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from time import perf_counter

from rich.cells import get_character_cell_size, split_graphemes

from .memory import offset_array

TAB = 4
ZERO_WIDTH = frozenset(("Mn", "Me", "Cf", "Zl", "Zp"))  # categories of characters that take no cell of their own


@lru_cache(maxsize=1)
def single_cells() -> frozenset[str]:
    """Characters that are one cell wide on their own (checked with C speed via ``issuperset``)."""
    chars = (chr(c) for c in range(0x20, 0x3000))
    return frozenset(
        ch
        for ch in chars
        if not 0x7F <= ord(ch) < 0xA0
        and get_character_cell_size(ch) == 1
        and unicodedata.category(ch) not in ZERO_WIDTH
    )


@lru_cache(maxsize=1)
def _not_single_cell() -> re.Pattern[str]:
    """Any character ``single_cells`` lacks (a regex scans text twice as fast as ``issuperset`` hashes it). Built
    from Rich's width table once, in 3 ms of the start, where asking ``get_character_cell_size`` char by char took
    33 ms (and building it twice, for text with and without newlines, 13 ms)."""
    from rich._unicode_data import load as load_cell_table  # what get_character_cell_size looks up

    one = bytearray(0x3000)  # below U+3000, controls aside: one cell unless the table says 0 or 2
    one[0x20:0x7F] = b"\x01" * (0x7F - 0x20)
    one[0xA0:] = b"\x01" * (0x3000 - 0xA0)
    for a, b, _ in load_cell_table("auto").widths:
        if a < 0x3000:
            b = min(b, 0x2FFF)
            one[a : b + 1] = bytes(b + 1 - a)
    categories = map(unicodedata.category, map(chr, range(0x3000)))
    for code in [code for code, category in enumerate(categories) if category in ZERO_WIDTH]:
        one[code] = 0
    ranges = [m.span() for m in re.finditer(b"\x01+", one)]
    allowed = "".join(re.escape(chr(a)) + f"-{re.escape(chr(b - 1))}" for a, b in ranges)
    return re.compile(f"[^{allowed}]")


SCAN = 1 << 20  # characters per C-level scan of a big text: a regex holds the interpreter lock until it returns,
# so a thread wrapping 50 MB lets the event loop run between slices instead of blocking it for 100 ms or more
STEP = 1 << 17  # characters of one-cell lines wrapped between pauses (a few milliseconds)
ROWS_AT_ONCE = 4096  # rows of one long line wrapped between pauses
MEASURED_AT_ONCE = 1 << 16  # characters' worth of other lines wrapped between pauses
_one_cell: dict[int, tuple[str, bool]] = {}  # by id(text): a document is wrapped again at each resize


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\n"


def _one_cell_slice(text: str) -> bool:
    """``text`` is one-cell characters and newlines. Its ASCII (newlines too) is dropped from its UTF-8 first (two
    C passes of a few milliseconds a megabyte), so that the regex, 20 ns a character, looks only at what is left
    (dashes...)."""
    rest = text.encode("utf-8", "surrogatepass").translate(None, _PRINTABLE_ASCII)
    return not rest or not _not_single_cell().search(rest.decode("utf-8", "surrogatepass"))


def one_cell_lines(text: str) -> bool:
    """Every line of ``text`` is one-cell characters: it wraps in one pass (5 MB in 10-30 ms)."""
    for _ in _scan_one_cell(text):
        pass
    return _one_cell[id(text)][1]


def _scan_one_cell(text: str) -> Iterator[None]:
    """Find out (and remember) ``one_cell_lines(text)``, pausing (a ``yield``) every ``2 * STEP`` characters."""
    known = _one_cell.get(id(text))
    if known is not None and known[0] is text:
        return
    ascii_text = text.isascii()  # O(1): a flag of the string
    result = True
    for start in range(0, len(text), 2 * STEP):
        end = start + 2 * STEP
        if text.find("\t", start, end) != -1 if ascii_text else not _one_cell_slice(text[start:end]):
            result = False
            break
        yield
    if len(_one_cell) > 8:
        _one_cell.clear()
    _one_cell[id(text)] = (text, result)


def is_simple(line: str) -> bool:
    """Every character is one cell: offsets and columns are the same."""
    if line.isascii():
        return "\t" not in line
    search = _not_single_cell().search
    return not any(search(line, start, start + SCAN) for start in range(0, len(line), SCAN))


def graphemes(line: str) -> list[tuple[int, int, int]]:
    """(start, end, width) for each grapheme; a tab is a grapheme of its own (Rich would fold it into the
    previous one as zero-width), its width left to the caller because it depends on the column."""
    if "\t" not in line:
        return split_graphemes(line)[0]
    spans: list[tuple[int, int, int]] = []
    base = 0
    for index, piece in enumerate(line.split("\t")):
        if index:
            spans.append((base - 1, base, 0))
        spans.extend((s + base, e + base, w) for s, e, w in split_graphemes(piece)[0])
        base += len(piece) + 1
    return spans


def cells(line: str) -> list[tuple[int, int, int]]:
    """(start, end, width) for each grapheme of ``line``, tabs expanded from column 0."""
    spans = graphemes(line)
    if "\t" not in line:
        return spans
    result, column = [], 0
    for start, end, width in spans:
        if line[start] == "\t":
            width = TAB - column % TAB
        result.append((start, end, width))
        column += width
    return result


def _wrap_simple(line: str, width: int) -> list[int]:
    """Row starts (relative) for a line of one-cell characters."""
    rows = array("q")
    for _ in _simple_rows(rows, line, 0, len(line), width):
        pass
    return list(rows)


def _simple_rows(rows: array[int], text: str, start: int, end: int, width: int) -> Iterator[None]:
    """Append the row starts of ``text[start:end]``, a line of one-cell characters (as ``_wrap_simple`` breaks
    it, without copying it), pausing every ``ROWS_AT_ONCE`` rows: a 10 MB line has 60,000 of them."""
    append, rfind = rows.append, text.rfind
    append(start)
    count = 0
    while end - start > width:
        cut = start + width
        space = rfind(" ", start, cut + 1)
        start = space + 1 if space > start else cut
        if start == end:  # the line ends in the space at the edge: it stays on this row, unseen
            break
        append(start)
        count += 1
        if count % ROWS_AT_ONCE == 0:
            yield


def _wrap_cells(line: str, width: int) -> list[int]:
    """Row starts (relative) for any line, measured grapheme by grapheme."""
    starts = [0]
    column = 0
    last_break = -1  # index into ``spans`` just after the latest space in this row
    spans = graphemes(line)  # tab widths depend on the row, so they are measured here
    index = 0
    while index < len(spans):
        start, _end, w = spans[index]
        if line[start] == "\t":
            w = TAB - column % TAB
        if column + w > width and column > 0:
            if line[start] == " ":
                index += 1  # a space at the edge stays at the end of this row, unseen
                if index == len(spans):
                    break
            elif last_break > 0 and spans[last_break - 1][0] > starts[-1]:  # not the row's own leading space
                index = last_break
            starts.append(spans[index][0])
            column, last_break = 0, -1
            continue
        column += w
        index += 1
        if line[start] == " ":
            last_break = index if index < len(spans) else -1
    return starts


@lru_cache(maxsize=16)
def _row_pattern(width: int) -> re.Pattern[str]:
    """One row of one-cell characters per match, broken as ``_wrap_simple`` breaks it (in a fifth of its time): up
    to ``width`` characters and the space after them, else up to the last space in them (not the row's first
    character), else ``width`` characters; an empty line is a row too."""
    return re.compile(f"[^\\n]{{1,{width}}}(?: |$)|[^\\n]{{{width}}}|^$", re.MULTILINE)


@lru_cache(maxsize=1)
def _run_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a zero-width character, a wide run or a multi-character grapheme) as Rich measures them."""
    from rich._unicode_data import load as load_cell_table  # the table rich.cells measures with

    table = load_cell_table("auto").widths

    def spans(pairs: list[tuple[int, int]]) -> str:
        return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in pairs)

    def char_class(ranges: list[tuple[int, int]]) -> str:
        """A class ``re`` checks fast: a bitmap for the BMP; the slow astral ranges only for astral characters."""
        bmp = [(a, min(b, 0xFFFF)) for a, b in ranges if a <= 0xFFFF]
        astral = [(max(a, 0x10000), b) for a, b in ranges if b > 0xFFFF]
        return f"(?:[{spans(bmp)}]|(?=[\U00010000-\U0010ffff])[{spans(astral)}])"

    zero = char_class([(0, 0x1F), (0x7F, 0x9F)] + [(a, b) for a, b, w in table if w == 0])
    wide = char_class([(a, b) for a, b, w in table if w == 2])
    # a joiner takes whatever follows it into its grapheme, unmeasured; other zero-width characters join the one
    # before them; a wide run stops before a wide character that opens a cluster
    token = re.compile(f"((?!{zero}).(?:\u200d.?|{zero})+)|((?:{wide})+(?!{zero}))", re.DOTALL)
    return re.compile(zero), token


@lru_cache(maxsize=4096)
def _cluster_width(cluster: str) -> int:
    return split_graphemes(cluster)[1]


def _wrap_runs(line: str, width: int) -> list[int]:
    """Row starts (relative) for a line without tabs that does not open with a zero-width character, the same
    as ``_wrap_cells`` gives, measured run by run: a stretch of narrow characters, a stretch of wide ones, or one
    multi-character grapheme. Costs a little per run and per row instead of per character."""
    _, token = _run_patterns()
    seg_start: list[int] = []  # where each run starts
    seg_col: list[int] = []  # its column
    seg_unit: list[int] = []  # cells per character: 1 or 2 for a run of graphemes, 0 for one cluster
    column = position = 0
    for match in token.finditer(line):
        start, end = match.span()
        if start > position:  # narrow characters before it
            seg_start.append(position)
            seg_col.append(column)
            seg_unit.append(1)
            column += start - position
        seg_start.append(start)
        seg_col.append(column)
        if match.lastindex == 1:
            seg_unit.append(0)
            column += _cluster_width(match.group())
        else:
            seg_unit.append(2)
            column += 2 * (end - start)
        position = end
    size = len(line)
    if position < size:
        seg_start.append(position)
        seg_col.append(column)
        seg_unit.append(1)
        column += size - position
    seg_start.append(size)
    seg_col.append(column)  # a sentinel: the line's end

    starts = [0]
    start, col = 0, 0
    while column - col > width:
        limit = col + width  # the first grapheme whose last cell is past this column overflows
        s = bisect_right(seg_col, limit) - 1
        unit = seg_unit[s]
        over = seg_start[s] + (limit - seg_col[s]) // unit if unit else seg_start[s]
        if line[over] == " ":  # a space at the edge stays at the end of this row, unseen
            nxt = over + 1 if unit else seg_start[s + 1]
            if nxt == size:
                break
        else:
            nxt = over
            space = line.rfind(" ", start + 1, over)
            while space != -1:
                k = bisect_right(seg_start, space) - 1
                if seg_unit[k] or seg_start[k] == space:  # a grapheme of its own (or a space with marks on it)
                    nxt = space + 1 if seg_unit[k] else seg_start[k + 1]
                    break
                space = line.rfind(" ", start + 1, seg_start[k] + 1)  # taken into a cluster by a joiner
        starts.append(nxt)
        start = nxt
        s = bisect_right(seg_start, start) - 1
        col = seg_col[s] + (start - seg_start[s]) * seg_unit[s]
    return starts


def wrap_line(line: str, width: int) -> list[int]:
    width = max(width, 2)
    if len(line) <= width and (line.isascii() and "\t" not in line):
        return [0]
    if is_simple(line):
        return [m.start() for m in _row_pattern(width).finditer(line)]
    if "\t" in line or _run_patterns()[0].match(line):
        return _wrap_cells(line, width)  # tabs, or a line opening with a mark: measured one grapheme at a time
    return _wrap_runs(line, width)


class Layout:
    """Rows of ``text`` at ``width`` cells; ``row_starts[i]`` is the offset where row ``i`` begins.

    With ``later``, nothing is wrapped yet: ``wrap_for(seconds)`` wraps a slice at a time, so a big text can be
    wrapped on an event loop between key presses (a thread would hold the interpreter lock against them)."""

    def __init__(self, text: str, width: int, later: bool = False) -> None:
        self.text = text
        self.width = max(width, 2)
        self.row_starts = offset_array(len(text))
        self._steps: Iterator[None] | None = self._wrap_steps()
        if not later:
            self.wrap_for(None)

    def wrap_for(self, seconds: float | None) -> bool:
        """Wrap for about ``seconds`` more (None: to the end); True once every row is known."""
        if self._steps is None:
            return True
        deadline = None if seconds is None else perf_counter() + seconds
        for _ in self._steps:
            if deadline is not None and perf_counter() >= deadline:
                return False
        self._steps = None
        return True

    def _wrap_steps(self) -> Iterator[None]:
        """Appends the rows, pausing (a ``yield``) every few hundred rows or lines."""
        text, width, rows = self.text, self.width, self.row_starts
        yield from _scan_one_cell(text)
        if one_cell_lines(text):  # ``STEP`` of lines at a time: their lengths at C speed, long ones wrapped
            append, position = rows.append, 0
            while True:
                end = text.find("\n", position + STEP)
                for length in map(len, text[position : end if end != -1 else len(text)].split("\n")):
                    if length <= width:
                        append(position)
                    else:
                        yield from _simple_rows(rows, text, position, position + length, width)
                    position += length + 1
                if end == -1:
                    return
                yield
        position, size, find, since = 0, len(text), text.find, 0
        while True:  # line by line (not ``split``: that copies the whole text at once)
            end = find("\n", position)
            if end == -1:
                end = size
            line = text[position:end]
            if len(line) <= width and line.isascii() and "\t" not in line:
                rows.append(position)
                since += 64  # a short line costs what 64 characters measured one by one do
            else:
                rows.extend(position + s for s in wrap_line(line, width))
                since += len(line) if line.isascii() else 8 * len(line)  # graphemes measured: slower
            if end == size:
                return
            position = end + 1
            if since >= MEASURED_AT_ONCE:
                since = 0
                yield

    def __len__(self) -> int:
        return len(self.row_starts)

    def row_of(self, offset: int) -> int:
        return max(bisect_right(self.row_starts, offset) - 1, 0)

    def row_span(self, row: int) -> tuple[int, int]:
        """(start, end) offsets of ``row``'s characters (its newline excluded)."""
        start = self.row_starts[row]
        if row + 1 < len(self.row_starts):
            end = self.row_starts[row + 1]
            if self.text[end - 1 : end] == "\n":
                end -= 1
            return start, end
        return start, len(self.text)

    def row_text(self, row: int) -> str:
        start, end = self.row_span(row)
        return self.text[start:end]

    def column_of(self, offset: int) -> tuple[int, int]:
        """(row, cell column) where ``offset`` is drawn."""
        row = self.row_of(offset)
        start, _ = self.row_span(row)
        line = self.text[start:offset]
        if is_simple(line):
            return row, len(line)
        return row, sum(w for _, _, w in cells(line))

    def offset_at(self, row: int, column: int) -> int:
        """The offset of the character drawn at (row, column); past the row's end, the row's end."""
        row = max(0, min(row, len(self.row_starts) - 1))
        start, end = self.row_span(row)
        line = self.text[start:end]
        if is_simple(line):
            return start + max(0, min(column, len(line)))
        x = 0
        for s, _, w in cells(line):
            if column < x + w:
                return start + s
            x += w
        return end
