"""Soft-wrapping: rows partition the text, fit the width as Rich measures it, and map cells <-> offsets both ways."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.cells import cell_len, split_graphemes

from tui.layout import TAB, Layout, _row_pattern, _run_patterns, _wrap_cells, _wrap_runs, _wrap_simple, cells, wrap_line
from tui.text import normalise
from tui.ui.document_view import _expand_tabs

# Pieces real documents are made of, and the ones that trip up width arithmetic.
PIECES = [
    "a", "b", "word", "Шойгу", "café", " ", "  ", "\n", "\n\n", "\t", "\t\t", ".",
    "漢", "字", "한국", "Ａ", "😀", "👍🏽", "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "❤\ufe0f", "☺\ufe0f", "🇫🇷",
    "e\u0301", "\u0301", "a\u0308\u0323", "\u200b", "\u200d", "\ufe0f", "x\u200d",
    "supercalifragilisticexpialidocious", "x" * 45, "漢字" * 12,
]  # fmt: skip
PIECE_TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
# Anything at all, made into the text a document holds (controls become placeholders, newlines become "\n").
ANY_TEXT = st.one_of(
    PIECE_TEXT, st.text(max_size=120).map(normalise), st.text(st.sampled_from(" \t\nab漢\u0301"), max_size=80)
)
WIDTH = st.integers(2, 200)
NARROW = st.integers(2, 12)  # most wrapping happens here


def graphemes(line: str) -> list[tuple[int, int, bool]]:
    """(start, end, takes up cells) for what the cursor steps over: Rich's grapheme clusters, with each tab a
    grapheme of its own (Rich gives a tab no width and hangs it on the character before) and the text between
    tabs clustered on its own."""
    result, base = [], 0
    for piece in line.split("\t"):
        if base:
            result.append((base - 1, base, True))
        result.extend((base + s, base + e, w > 0) for s, e, w in split_graphemes(piece)[0])
        base += len(piece) + 1
    return result


def drawn(row: str) -> str:
    """The row as DocumentView draws it."""
    return _expand_tabs(row)[0]


def usable(text: str) -> bool:
    """A joiner with nothing to join: Rich's ``cell_len`` swallows whatever follows a zero-width joiner (a
    space drawn for a tab too), while ``split_graphemes`` makes a joiner or variation selector that opens a line
    a cluster of its own. No layout agrees with both, so text with such joiners is left out of the comparison
    with ``cell_len``; the other properties still cover it."""
    pieces = re.split("[\n\t]", text)
    return not any(p[:1] in ("\u200d", "\ufe0f") or p.endswith("\u200d") for p in pieces[:-1] + [pieces[-1][:1]])


def rows(text: str, width: int) -> list[str]:
    layout = Layout(text, width)
    return [layout.row_text(r) for r in range(len(layout))]


# -- exact examples -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, width, expected",
    [
        ("hello world", 5, ["hello ", "world"]),
        ("hello world", 11, ["hello world"]),
        ("hello world", 10, ["hello ", "world"]),
        ("one two three", 7, ["one two ", "three"]),  # the space at the edge stays, unseen
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("a verylongword", 5, ["a ", "veryl", "ongwo", "rd"]),
        (" abcdef", 3, [" ab", "cde", "f"]),  # a row's own leading space is no place to break
        (" abcd\tx", 4, [" abc", "d\t", "x"]),  # nor where a tab sends the line down the slow path
        ("ab\n\ncd", 2, ["ab", "", "cd"]),
        ("", 10, [""]),
        ("\n", 10, ["", ""]),
        ("漢字漢字", 3, ["漢", "字", "漢", "字"]),  # a wide character that does not fit moves down
        ("a漢", 2, ["a", "漢"]),
        ("漢字 漢字", 5, ["漢字 ", "漢字"]),
        ("ab cd", 4, ["ab ", "cd"]),
        ("aaa \nb", 3, ["aaa ", "b"]),  # a space at the edge that ends the line makes no empty row
        ("漢 ", 2, ["漢 "]),
        ("\tab", 5, ["\ta", "b"]),
        ("a\tb", 4, ["a\t", "b"]),  # the tab runs from column 1 to 4
        ("a\tbc", 5, ["a\tb", "c"]),
        ("ab\tcd", 8, ["ab\tcd"]),
        ("e\u0301e\u0301e\u0301", 2, ["e\u0301e\u0301", "e\u0301"]),
        ("👨\u200d👩\u200d👧👨\u200d👩\u200d👧", 3, ["👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"]),
    ],
)
def test_rows(text: str, width: int, expected: list[str]) -> None:
    assert rows(text, width) == expected


def test_row_spans_leave_out_the_newline() -> None:
    layout = Layout("ab cd\nef", 3)
    assert list(layout.row_starts) == [0, 3, 6]
    assert [layout.row_span(r) for r in range(3)] == [(0, 3), (3, 5), (6, 8)]
    assert [layout.row_of(o) for o in range(9)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize(
    "text, offset, expected",
    [
        ("a\tb", 2, (0, 4)),  # a tab after a character is as wide as it is drawn, not swallowed by the "a"
        ("a\tb", 1, (0, 1)),
        ("\t\tx", 2, (0, 8)),  # two tabs, two tab stops
        ("ab\tc", 3, (0, 4)),
        ("abcd\tx", 5, (0, 8)),
        ("e\u0301x", 2, (0, 1)),
        ("漢x", 1, (0, 2)),
        ("👨\u200d👩\u200d👧x", 5, (0, 2)),
        ("❤\ufe0fx", 2, (0, 2)),
        ("hello world", 6, (1, 0)),
        ("hello world", 11, (1, 5)),
    ],
)
def test_column_of(text: str, offset: int, expected: tuple[int, int]) -> None:
    assert Layout(text, 5 if text == "hello world" else 40).column_of(offset) == expected


@pytest.mark.parametrize(
    "text, row, column, expected",
    [
        ("漢x", 0, 0, 0),
        ("漢x", 0, 1, 0),  # the second cell of a wide character is that character
        ("漢x", 0, 2, 1),
        ("漢x", 0, 3, 2),  # past the end: the row's end
        ("a\tb", 0, 3, 1),  # inside the tab
        ("a\tb", 0, 4, 2),
        ("\t\tx", 0, 5, 1),
        ("e\u0301x", 0, 1, 2),
        ("hello world", 0, 99, 6),  # the end of a wrapped row is the next row's start
        ("hello world", 1, 99, 11),
        ("ab\ncd", 0, 5, 2),  # the end of a line is its newline
        ("ab\ncd", 7, 0, 3),  # rows past the last are the last
        ("ab\ncd", -1, 1, 1),
    ],
)
def test_offset_at(text: str, row: int, column: int, expected: int) -> None:
    assert Layout(text, 5 if text == "hello world" else 40).offset_at(row, column) == expected


def test_cells_measure_tabs_from_column_zero() -> None:
    assert cells("a\tb") == [(0, 1, 1), (1, 2, 3), (2, 3, 1)]
    assert cells("\t\t") == [(0, 1, 4), (1, 2, 4)]
    assert cells("\t\u0301x") == [(0, 1, 4), (1, 2, 0), (2, 3, 1)]  # a mark after a tab has nothing to join
    assert cells("漢\tx") == [(0, 1, 2), (1, 2, 2), (2, 3, 1)]


def test_the_widget_draws_tabs_as_wide_as_the_layout_measures() -> None:
    shown, index = _expand_tabs("a\tb\t\tc")
    assert shown == "a   b       c"
    assert [index(i) for i in range(7)] == [0, 1, 4, 5, 8, 12, 13]


def test_widths_below_two_are_two() -> None:
    assert Layout("abcd", 0).width == 2
    assert wrap_line("abcd", 1) == [0, 2]


# -- properties -----------------------------------------------------------------------------------------------
@given(ANY_TEXT, WIDTH)
@example("a\tb", 3)
@example("\t\t\t", 2)
@example("ab  cd", 2)
@example("aaa \nb", 3)
def test_rows_partition_the_text(text: str, width: int) -> None:
    layout = Layout(text, width)
    starts = list(layout.row_starts)
    assert starts[0] == 0
    assert all(a < b for a, b in itertools.pairwise(starts))
    # each line's first row starts at the line's start, and rows never cross a newline
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    assert set(line_starts) <= set(starts)
    covered = []
    for r in range(len(layout)):
        start, end = layout.row_span(r)
        assert start == starts[r] and start <= end
        assert start < end or text[start - 1 : start] in ("", "\n")  # only an empty line has an empty row
        assert "\n" not in text[start:end]
        covered.extend(range(start, end))
        nxt = starts[r + 1] if r + 1 < len(starts) else len(text)
        assert text[end:nxt] in ("", "\n")  # nothing falls between rows but the newline
        if text[end:nxt] == "\n":
            assert nxt in line_starts
    assert covered == [i for i, ch in enumerate(text) if ch != "\n"]
    # rows start on grapheme boundaries
    for line_start, line in zip(line_starts, text.split("\n")):
        bounds = {line_start + s for s, _, _ in graphemes(line)} | {line_start}
        assert {s for s in starts if line_start <= s <= line_start + len(line)} <= bounds


@given(ANY_TEXT.filter(usable), WIDTH)
@example("\tab", 2)
@example("a\tb", 3)
@example("one two three", 7)
def test_rows_fit_the_width_as_rich_measures_them(text: str, width: int) -> None:
    layout = Layout(text, width)
    for r in range(len(layout)):
        row = layout.row_text(r)
        shown = drawn(row)
        assert "\t" not in shown
        if cell_len(shown) <= width:
            continue
        if width < TAB:  # a pane narrower than a tab stop: a tab may overflow it, but only blanks are cropped
            starts = [s for s, _, _ in graphemes(row)]
            while starts and row[starts[-1]] in " \t":
                row = row[: starts.pop()]
            assert cell_len(drawn(row)) <= width, (r, row)
        else:  # only a space at the edge may hang over (the view crops it), by itself
            last = graphemes(row)[-1][0]
            assert row[last] == " " and cell_len(drawn(row[:last])) <= width, (r, row)


@given(ANY_TEXT.filter(usable), WIDTH)
@example("a\tb\tc", 40)
@example("\t\u0301x", 40)
def test_columns_are_the_cells_rich_draws(text: str, width: int) -> None:
    """The column the layout gives an offset is where Rich draws it: the width of the drawn row before it."""
    layout = Layout(text, width)
    for r in range(len(layout)):
        start, end = layout.row_span(r)
        row = text[start:end]
        shown, index = _expand_tabs(row)
        for s, _, _ in graphemes(row):
            assert layout.column_of(start + s) == (r, cell_len(shown[: index(s)])), (row, s)
        if end == len(text) or text[end] == "\n":
            assert layout.column_of(end) == (r, cell_len(shown))


@given(ANY_TEXT, NARROW | WIDTH)
@example("\u0301a", 10)
@example("a\tb", 40)
def test_offset_at_inverts_column_of(text: str, width: int) -> None:
    layout = Layout(text, width)
    position = 0
    for line in text.split("\n"):
        for s, _, visible in graphemes(line):
            if visible:  # a zero-width cluster (a mark opening a line) has no cell to click
                offset = position + s
                assert layout.offset_at(*layout.column_of(offset)) == offset, offset
        end = position + len(line)
        assert layout.offset_at(*layout.column_of(end)) == end  # a line's end (its newline, or the text's end)
        position = end + 1


@given(ANY_TEXT, NARROW | WIDTH, st.integers(0, 300))
def test_past_a_rows_end_is_the_rows_end(text: str, width: int, extra: int) -> None:
    layout = Layout(text, width)
    for r in range(len(layout)):
        start, end = layout.row_span(r)
        full = sum(w for _, _, w in cells(text[start:end]))  # (cells agree with Rich: see above)
        assert layout.offset_at(r, full + extra) == end
        assert start <= layout.offset_at(r, extra) <= end


ONE_CELL = st.text(st.sampled_from("ab cdé.Жx-"), max_size=300)


@given(ONE_CELL, NARROW | WIDTH)
@example("a  b", 2)
@example(" abcdef", 3)
@example("abcd  ef", 4)
def test_the_fast_paths_agree_with_the_slow_path(line: str, width: int) -> None:
    expected = _wrap_cells(line, width)
    assert _wrap_simple(line, width) == expected
    assert [m.start() for m in _row_pattern(width).finditer(line)] == expected  # one regex for the whole text
    assert wrap_line(line, width) == expected
    assert list(Layout(line, width).row_starts) == expected


@given(ANY_TEXT, NARROW | WIDTH)
@example("漢字 漢字", 5)
@example("a 👨\u200d👩\u200d👧 b", 3)
@example("x \u0301y", 2)
def test_run_by_run_wrapping_agrees_with_grapheme_by_grapheme(text: str, width: int) -> None:
    for line in text.split("\n"):
        expected = _wrap_cells(line, width)
        assert wrap_line(line, width) == expected
        if "\t" not in line and not _run_patterns()[0].match(line):
            assert _wrap_runs(line, width) == expected


@given(
    st.lists(st.text(st.sampled_from("ab .éЖ\u0301\u200b"), max_size=60), min_size=1, max_size=8),
    WIDTH,
)
def test_lines_that_fit_are_one_row_each(lines: list[str], width: int) -> None:
    lines = [line for line in lines if cell_len(line) <= width]
    text = "\n".join(lines)
    layout = Layout(text, width)
    assert len(layout) == max(len(lines), 1)
    assert [layout.row_text(r) for r in range(len(layout))] == (lines or [""])


@given(st.text(st.sampled_from("ab ."), min_size=1, max_size=300), NARROW)
def test_breaks_come_after_a_space_when_there_is_one(line: str, width: int) -> None:
    """A row ends mid-word only when its first ``width`` cells hold no space after its start."""
    layout = Layout(line, width)
    for r in range(len(layout) - 1):
        row = layout.row_text(r)
        if not row.endswith(" "):
            assert len(row) == width and " " not in row[1:], row


def test_the_one_cell_pattern_is_the_one_cell_characters() -> None:
    """The start builds one regex from Rich's width table (``_not_single_cell``): it finds exactly the characters
    ``single_cells`` (asked of Rich one by one) lacks, below U+3000 and beyond; newlines too, which the scan of a
    whole text drops with its ASCII first."""
    from tui.layout import _not_single_cell, _one_cell_slice, is_simple, single_cells

    one = single_cells()
    pattern = _not_single_cell()
    assert [hex(c) for c in range(0x3000) if (pattern.match(chr(c)) is None) != (chr(c) in one)] == []
    assert all(pattern.match(ch) for ch in "\n\t漢한Ａ😀\U0010ffff")
    assert _one_cell_slice("café — «quoted»\n“and” so on\n") and not _one_cell_slice("a\n漢\n")
    assert is_simple("café — «quoted»") and not is_simple("e\u0301") and not is_simple("a\tb")
