"""A long list of one-line rows, each drawn only while it is in view: the corpus search's hits.

An ``OptionList`` holds an ``Option`` object for each row, measures it and caches its lines: with 10,000 search
hits the interpreter's cyclic garbage collector, walking all those objects, held the keys up for a quarter of a
second now and then. Here a row is an int in one list (what it shows is ``describe(value)``, asked only when the
row is drawn), so adding rows is a list's ``extend`` and nothing per row lives on. A negative value is a header:
drawn, never highlighted. The keys and looks are OptionList's: up, down, page up and down, home, end move the
cursor, and enter or a click selects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style


def _parse(style: str) -> Style:
    """A span's style, as ``Content.render`` reads it."""
    try:
        return Style.parse(style)
    except Exception:  # (Content.render's fallback too)
        return Style.null()


class LineList(ScrollView, can_focus=True):
    # Its keys are ScrollView's own bindings (up, down, page up and down, home, end), their actions turned into
    # the cursor's; enter is a key handler. Its looks are in the styles of the screen that has it.
    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-list--row", "line-list--header", "line-list--cursor"}

    class Selected(Message):
        """A row was chosen (enter or a click): its index and value."""

        def __init__(self, line_list: LineList, index: int, value: int) -> None:
            super().__init__()
            self.line_list, self.index, self.value = line_list, index, value

        @property
        def control(self) -> LineList:
            return self.line_list

    def __init__(self, describe: Callable[[int], Content], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.describe = describe
        self.values: list[int] = []
        self._highlighted: int | None = None
        self._styles: dict[tuple[Style, str | Style | None], RichStyle | None] = {}  # (row's style, span's) -> combined

    @property
    def option_count(self) -> int:
        """The rows listed (named as OptionList's)."""
        return len(self.values)

    @property
    def highlighted(self) -> int | None:
        return self._highlighted

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        if index is not None and not (0 <= index < len(self.values) and self.values[index] >= 0):
            return
        before, self._highlighted = self._highlighted, index
        for row in (before, index):
            self.refresh_row(row)
        if index is not None and self.is_mounted:
            width = self.scrollable_content_region.width
            self.scroll_to_region(Region(0, index, width, 1), animate=False, force=True, immediate=True)

    def add(self, values: Iterable[int]) -> None:
        """More rows at the end; only those in view are drawn."""
        first = len(self.values)
        self.values.extend(values)
        self._resized()
        if first < self.scroll_offset.y + self.size.height:  # some show now
            self.refresh()

    def clear(self) -> None:
        self.values, self._highlighted = [], None
        self._resized()
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def _resized(self) -> None:
        """The scrollable height is the rows': set without laying the screen out again (``virtual_size`` is
        reactive with ``layout=True``: a layout of the whole screen, ~10 ms, at each batch of hits taken in); the
        scrollbar is updated here (its first showing lays out this widget, once)."""
        size = Size(self.virtual_size.width, len(self.values))
        if size != self.virtual_size:
            self.set_reactive(LineList.virtual_size, size)
            self._scroll_update(size)

    def refresh_row(self, index: int | None) -> None:
        """Draw ``index`` again (if it is in view): after its value's look changed."""
        if index is not None:
            self.refresh(Region(0, index - self.scroll_offset.y, self.size.width, 1))

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= len(self.values):
            return Strip.blank(width, self.rich_style)
        value = self.values[index]
        if value < 0:
            style = self.get_visual_style("line-list--header")
        elif index == self._highlighted:
            style = self.get_visual_style("line-list--cursor")
        else:
            style = self.get_visual_style("line-list--row")
        content = self.describe(value)
        if content.cell_length > width:
            content = content.truncate(width, ellipsis=True)
        return Strip(self._segments(content, style)).extend_cell_length(width, style.rich_style)

    def _segments(self, content: Content, base: Style) -> list[Segment]:
        """``content.render_segments(base)`` for a row whose spans follow one another (as ``Content.assemble``
        makes them), each span's style combined with ``base`` once, not at every row: a sixth of the time, and a
        whole list drawn (a focus change, a scroll) is 34 rows of it."""
        text, segments, position = content.plain, [], 0
        if not content.spans:
            return [Segment(text, self._style(base, None))]
        for span in content.spans:
            if span.start < position:  # (overlapping spans: Textual's own way)
                return content.render_segments(base)
            if span.start > position:
                segments.append(Segment(text[position : span.start], self._style(base, None)))
            if span.end > span.start:
                segments.append(Segment(text[span.start : span.end], self._style(base, span.style)))
                position = span.end
        if position < len(text):
            segments.append(Segment(text[position:], self._style(base, None)))
        return segments

    def _style(self, base: Style, style: str | Style | None) -> RichStyle | None:
        """``base`` with ``style`` over it, as a segment's (None for no style at all, as Textual has it)."""
        key = (base, style)
        if key not in self._styles:
            if len(self._styles) > 64:  # (the looks changed: the focus, the theme)
                self._styles.clear()
            over = _parse(style) if isinstance(style, str) else style
            combined = base if over is None else Style.combine([base, over])
            self._styles[key] = combined.rich_style if combined else None
        return self._styles[key]

    # -- moving ----------------------------------------------------------------------------------------------
    def _selectable(self, start: int, step: int) -> int | None:
        """The first row from ``start`` on (going by ``step``) that can be highlighted."""
        values, index = self.values, start
        while 0 <= index < len(values):
            if values[index] >= 0:
                return index
            index += step
        return None

    def action_scroll_down(self) -> None:
        start = 0 if self._highlighted is None else self._highlighted + 1
        found = self._selectable(start, 1)
        self.highlighted = found if found is not None else self._highlighted

    def action_scroll_up(self) -> None:
        if self._highlighted is None:
            return self.action_scroll_down()
        found = self._selectable(self._highlighted - 1, -1)
        self.highlighted = found if found is not None else self._highlighted
        return None

    def action_page_down(self) -> None:
        self._page(1)

    def action_page_up(self) -> None:
        self._page(-1)

    def _page(self, direction: int) -> None:
        if not self.values:
            return
        start = (self._highlighted or 0) + direction * max(1, self.size.height - 1)
        start = min(max(start, 0), len(self.values) - 1)
        found = self._selectable(start, direction)
        self.highlighted = found if found is not None else self._selectable(start, -direction)

    def action_scroll_home(self) -> None:
        self.highlighted = self._selectable(0, 1)

    def action_scroll_end(self) -> None:
        self.highlighted = self._selectable(len(self.values) - 1, -1)

    def key_enter(self) -> None:
        self.select()

    def select(self) -> None:
        index = self._highlighted
        if index is not None:
            self.post_message(self.Selected(self, index, self.values[index]))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if 0 <= index < len(self.values) and self.values[index] >= 0:
            self.highlighted = index
            self.select()
