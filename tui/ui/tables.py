"""A ``DataTable`` that renders only the cells in view.

Textual's ``DataTable`` renders every cell of a row to draw one line, then crops the line to the screen: the
compare matrix of 16 themes by 50 documents is 832 cells, a third of a second before its first frame, though
only ten or so columns fit. This one draws the columns that show (and keeps them cached as DataTable does);
the others stay blank until a horizontal scroll brings them into view. It looks and behaves as a DataTable.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import DataTable


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
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._in_view: tuple[int, int] = (0, 0)  # the scrollable columns drawn: first, past the last

    def _columns_in(self, x1: int, x2: int) -> tuple[int, int]:
        """The columns (indexes) that reach into ``x1`` .. ``x2`` of a scrollable line."""
        first, last, x = 0, 0, 0
        for index, column in enumerate(self.ordered_columns):
            end = x + column.get_render_width(self)
            if end <= x1:
                first = index + 1
            if x < x2:
                last = index + 1
            x = end
        return first, max(first, last)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        fixed = sum(c.get_render_width(self) for c in self.ordered_columns[: self.fixed_columns])
        in_view = self._columns_in(x1 + fixed, x2 + fixed + self._row_label_column_width)
        if in_view != self._in_view:  # rows were drawn for other columns
            self._in_view = in_view
            self._row_render_cache.clear()
        return super()._render_line(y, x1, x2, base_style)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        first, last = self._in_view
        if column_index < self.fixed_columns or first <= column_index < last:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = self._row_locations.get_key(row_index)
        row = self.rows.get(key) if key is not None else None
        height = self.header_height if row_index == -1 or row is None else row.height or 1
        return [[Segment(" " * width, base_style)] for _ in range(height)]  # out of view: cropped off anyway
