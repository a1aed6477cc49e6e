"""A ``DataTable`` that renders only the cells in view, and draws its plain cells itself.

Textual's ``DataTable`` renders every cell of a row to draw one line, then crops the line to the screen: the
compare matrix of 16 themes by 50 documents is 832 cells, a third of a second before its first frame, though
only ten or so columns fit. This one draws the columns that show (and keeps them cached as DataTable does);
the others stay blank until a horizontal scroll brings them into view. Its ``Piece`` cells (one line of plain
text and styles) are measured by their width and drawn as Rich would draw them, without Rich's console (a tenth
of a millisecond a cell): the first frame of the matrix draws in a third of the time. It looks and behaves as a
DataTable (tests/test_compare_screen.py compares the cells segment for segment).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.coordinate import Coordinate
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import CellKey, Column, RowKey

SegmentLines = list[list[Segment]]


class Piece:
    """A one-line cell of (text, style) parts, measured and drawn without Rich's wrapping and markup (a table
    measures every cell of each new row). Store text only after ``safe_line``: it is drawn as it is."""

    __slots__ = ("parts", "width")

    def __init__(self, *parts: str | tuple[str, Style]) -> None:
        self.parts = [(part, None) if isinstance(part, str) else part for part in parts]
        self.width = sum(cell_len(text) for text, _ in self.parts)

    def __len__(self) -> int:
        return self.width

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.width, self.width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        for text, style in self.parts:
            yield Segment(text, style)


class ViewTable(DataTable):
    """A DataTable that draws only the columns in view, and draws and measures ``Piece`` cells itself (Rich's
    console renders and measures every other cell: a tenth of a millisecond each)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._in_view: tuple[int, int] = (0, 0)  # the scrollable columns drawn: first, past the last
        self._widths_key: tuple[int, int] | None = None
        self._widths: list[int] = []
        self._style: Style | None = None  # the table's own style, as resolved (through every ancestor)
        self._columns_key: tuple[int, int, int] | None = None
        self._ordered: list[Column] = []

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None

    def render_line(self, y: int) -> Strip:
        """DataTable's, with the table's style resolved once (it asks for it on every line)."""
        if self._style is None:
            self._style = self.rich_style
        if self.fixed_rows:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        if y >= (self.header_height if self.show_header else 0):
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + self.size.width, self._style)

    @property
    def ordered_columns(self) -> list[Column]:
        """DataTable's, kept until the columns change: it is asked for on every line drawn, and looks every column
        up each time (52 of them: a tenth of the matrix's first frame)."""
        key = (self._update_count, id(self._column_locations), len(self.columns))
        if key != self._columns_key:
            self._columns_key = key
            self._ordered = DataTable.ordered_columns.fget(self)  # type: ignore[attr-defined]
        return self._ordered

    def _render_widths(self) -> list[int]:
        """Each column's width as drawn (its padding too), kept until the table changes (each asks a reactive)."""
        key = (self._update_count, self.cell_padding)
        if key != self._widths_key:
            self._widths_key = key
            self._widths = [column.get_render_width(self) for column in self.ordered_columns]
        return self._widths

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """DataTable's, with the rows of ``Piece`` cells measured by their widths."""
        others = []
        columns = self.ordered_columns
        for row_key in new_rows:
            row, cells = self.rows.get(row_key), self._data.get(row_key)
            if row is None or cells is None or row.label is not None or row.auto_height:
                others.append(row_key)
                continue
            pieces = [cells.get(column.key) for column in columns]
            if not all(isinstance(piece, Piece) for piece in pieces):
                others.append(row_key)
                continue
            for column, piece in zip(columns, pieces):
                column.content_width = max(column.content_width, len(piece))  # type: ignore[arg-type]
        super()._update_dimensions(others)  # the other rows, the virtual size
        self._widths_key = None
        self._clear_caches()  # lines drawn before the new rows were measured (two fills between idles) had
        # narrower columns, and their cache keys (the update count) are still the same

    def _update_column_widths(self, updated_cells: set[CellKey]) -> None:
        super()._update_column_widths(updated_cells)
        self._widths_key = None

    def _columns_in(self, x1: int, x2: int) -> tuple[int, int]:
        """The columns (indexes) that reach into ``x1`` .. ``x2`` of a scrollable line."""
        first, last, x = 0, 0, 0
        for index, width in enumerate(self._render_widths()):
            end = x + width
            if end <= x1:
                first = index + 1
            if x < x2:
                last = index + 1
            x = end
        return first, max(first, last)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        fixed = sum(self._render_widths()[: self.fixed_columns])
        in_view = self._columns_in(x1 + fixed, x2 + fixed + self._row_label_column_width)
        if in_view != self._in_view:  # rows were drawn for other columns
            self._in_view = in_view
            self._row_render_cache.clear()
        return super()._render_line(y, x1, x2, base_style)

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[SegmentLines, SegmentLines]:
        """DataTable's (for a cell cursor, no fixed columns or row labels: the compare tables), drawing the
        columns in view and a blank for the rest (cropped off by ``_render_line``)."""
        if self.cursor_type != "cell" or self.fixed_columns or (self._labelled_row_exists and self.show_row_labels):
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        cache_key = (
            row_key, line_no, base_style, cursor_location, hover_location, self.cursor_type, self.show_cursor,
            self._show_hover_cursor, self._update_count, self._pseudo_class_state,
        )  # fmt: skip
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row_index = self._row_locations.get(row_key)
        if row_index is None:  # the header
            row_index = -1
        row_style = self._get_row_style(row_index, base_style)
        widths = self._render_widths()
        first, last = self._in_view[0], min(self._in_view[1], len(widths))
        scrollable: SegmentLines = []
        if first:
            scrollable.append([Segment(" " * sum(widths[:first]), row_style)])
        for column in range(first, last):
            cell = Coordinate(row_index, column)
            lines = self._render_cell(
                row_index, column, row_style, widths[column],
                cursor=cursor_location == cell, hover=hover_location == cell,
            )  # fmt: skip
            scrollable.append(lines[line_no])
        if last < len(widths):
            scrollable.append([Segment(" " * sum(widths[last:]), row_style)])
        remaining = max(0, self.size.width - sum(widths) - self._row_label_column_width)
        if row_style.bgcolor is not None:  # what DataTable draws beyond the last column
            faded = Color.from_rich_color(row_style.bgcolor).blend(self.background_colors[1], factor=0.25)
            extend = Style.from_color(color=row_style.color, bgcolor=faded.rich_color)
        else:
            extend = Style.from_color(row_style.color, row_style.bgcolor)
        extend += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        scrollable.append([Segment(" " * remaining, extend)])
        pair: tuple[SegmentLines, SegmentLines] = ([], scrollable)
        self._row_render_cache[cache_key] = pair
        return pair

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """DataTable's, for a ``Piece`` on a row of one line drawn as Rich would draw it (padded, in the row's
        and the cursor's styles), without Rich's console."""
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:  # the header, a row label
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key = (
            row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
            self._pseudo_class_state,
        )  # fmt: skip
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row, piece = self.rows.get(row_key), self._data.get(row_key, {}).get(column_key)
        pad = self.cell_padding
        if not isinstance(piece, Piece) or row is None or row.height != 1 or len(piece) > width - 2 * pad:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component, post = self._get_styles_to_render_cell(
            False, False, row_index < self.fixed_rows, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )  # fmt: skip
        # the cell's place (for clicks) goes on last: the sums before it are of few styles, which Rich keeps
        meta = Style.from_meta({"row": row_index, "column": column_index})
        pre = base_style + component
        plain = pre + post + meta
        line = [Segment(" " * pad, plain)] if pad else []
        line += [Segment(text, pre + style + post + meta if style else plain) for text, style in piece.parts]
        line.append(Segment(" " * (width - pad - len(piece)), plain))
        lines: SegmentLines = [line]
        self._cell_render_cache[cache_key] = lines
        return lines
