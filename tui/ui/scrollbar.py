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
        self._rows: list[Strip] = []

    def _bar_rows(self) -> list[Strip]:
        """Every row as ``ScrollBar`` draws it: its renderable's segments on the widget's base style."""
        renderer = self.render()
        width, height = self.size
        base = self.visual_style.rich_style
        if not isinstance(renderer, ScrollBarRender) or not width or not height:
            return [ScrollBar.render_line(self, y) for y in range(height)]
        style = renderer.style if isinstance(renderer.style, Style) else Style.parse(str(renderer.style))
        key = (renderer.virtual_size, renderer.window_size, renderer.position, width, height, style, base)
        if key != self._rows_key:
            segments = ScrollBarRender.render_bar(
                size=height,
                virtual_size=renderer.virtual_size,
                window_size=renderer.window_size,
                position=renderer.position,
                thickness=width,
                vertical=True,
                back_color=style.bgcolor or Color.parse("#555555"),  # as ``ScrollBarRender`` defaults them
                bar_color=style.color or Color.parse("bright_magenta"),
            ).segments
            self._rows = [Strip([Segment(row.text, base + row.style)], width) for row in segments]
            self._rows_key = key
        return self._rows

    def render_line(self, y: int) -> Strip:
        rows = self._bar_rows()
        return rows[y] if y < len(rows) else Strip.blank(self.size.width, self.visual_style.rich_style)

    def watch_position(self, old: float, new: float) -> None:
        if not self.is_mounted or not self.size:
            return
        before = self._rows if self._rows_key is not None else []  # as last drawn
        after = self._bar_rows()
        if len(before) != len(after):
            self.refresh()
            return
        width = self.size.width
        for y, (was, now) in enumerate(zip(before, after, strict=True)):
            if was is not now and list(was) != list(now):
                self.refresh(Region(0, y, width, 1))
