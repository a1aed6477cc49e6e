"""A vertical scrollbar drawn row by row, whose thumb moving redraws only the rows it left and reached.

Textual's ``ScrollBar`` renders itself as one Rich renderable: every scroll draws all its rows again, then styles
each of them (about as long as drawing the document's whole screen: a third of a page down's time). A page down
moves the thumb by a cell or two. This one draws the same cells (a test compares them with Textual's) from the same
``ScrollBarRender``, one row at a time, and refreshes only the rows whose cells changed.
"""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.reactive import Reactive
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip


class RowScrollBar(ScrollBar):
    """A vertical ``ScrollBar`` (the same looks, mouse and messages) drawn row by row."""

    position: Reactive[float] = Reactive(0, repaint=False)  # ``watch_position`` repaints what changed

    def __init__(self, *, thickness: int = 1) -> None:
        super().__init__(vertical=True, name="vertical", thickness=thickness)
        self._rows_key: tuple[object, ...] | None = None
        self._rows: list[Segment] = []  # each row's one segment, as ``ScrollBarRender`` makes it
        self._strips: dict[Segment, Strip] = {}  # a row's strip, for each kind of row there is (a few)
        self._strips_key: tuple[object, ...] | None = None

    def _bar_rows(self) -> list[Segment] | None:
        """Every row's segment as ``ScrollBar`` draws it (before the widget's base style), or None when its
        renderable is not the usual one (then Textual's way draws it)."""
        renderer = self.render()
        width, height = self.size
        if not isinstance(renderer, ScrollBarRender) or not width or not height:
            return None
        style = renderer.style if isinstance(renderer.style, Style) else Style.parse(str(renderer.style))
        key = (renderer.virtual_size, renderer.window_size, renderer.position, width, height, style)
        if key != self._rows_key:
            self._rows = ScrollBarRender.render_bar(
                size=height,
                virtual_size=renderer.virtual_size,
                window_size=renderer.window_size,
                position=renderer.position,
                thickness=width,
                vertical=True,
                back_color=style.bgcolor or Color.parse("#555555"),  # as ``ScrollBarRender`` defaults them
                bar_color=style.color or Color.parse("bright_magenta"),
            ).segments
            self._rows_key = key
        return self._rows

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows in ``crop`` as Textual's styles cache gives them for a bar without tint or opacity, without
        it: it builds each row it redraws anew, 35 µs a row (``G`` redraws every row: the ones above the thumb
        scroll up on a click, the ones below down), where these are a few strips used row after row."""
        rows = self._bar_rows()
        if rows is None or self.styles.tint.a or self.opacity != 1 or self.styles.text_opacity != 1:
            return super().render_lines(crop)
        filters, background = self.get_line_filters(), self.background_colors[1]
        strips = []
        for y in crop.line_range:
            strip = self._row_strip(rows, y)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        if crop.column_span != (0, self.size.width):
            strips = [strip.crop(*crop.column_span) for strip in strips]
        return strips

    def render_line(self, y: int) -> Strip:
        rows = self._bar_rows()
        return ScrollBar.render_line(self, y) if rows is None else self._row_strip(rows, y)

    def _row_strip(self, rows: list[Segment], y: int) -> Strip:
        if y >= len(rows):
            return Strip.blank(self.size.width, self.visual_style.rich_style)
        base, width = self.visual_style.rich_style, self.size.width
        if self._strips_key != (base, width):
            self._strips, self._strips_key = {}, (base, width)
        row = rows[y]
        strip = self._strips.get(row)
        if strip is None:  # the same few strips row after row, frame after frame: each is cut up once
            strip = self._strips[row] = Strip([Segment(row.text, base + row.style)], width)
        return strip

    def watch_position(self, old: float, new: float) -> None:
        if not self.is_mounted or not self.size:
            return
        before = self._rows if self._rows_key is not None else []  # as last drawn (a new list is made for a move)
        after = self._bar_rows()
        if after is None or len(before) != len(after):
            self.refresh()
            return
        changed = [y for y, (was, now) in enumerate(zip(before, after, strict=True)) if was is not now and was != now]
        if changed:  # one region: ``G`` changes every row (and each refresh has its cost)
            self.refresh(Region(0, changed[0], self.size.width, changed[-1] - changed[0] + 1))
