"""PassageColumn: a list of passages (its themes, quote, note and citation), each wrapped once when it is first
needed and drawn line by line (Textual's Line API, like its ``Log`` widget and the reader's ``DocumentView``).

An ``OptionList`` lays out every option it is given before it draws one: five columns of a side-by-side view took
a quarter of a second to show their first frame and over a second to list every passage. This one wraps only the
passages down to the last row on screen; the rest are wrapped a few milliseconds at a time after the first frame
(until then the rows below are estimated, which only the scrollbar shows). Text is the store's and the
documents': it is sanitised and drawn as plain segments, never parsed as markup.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..document import Document
from ..export import citation, cited_work
from ..layout import wrap_line
from ..model import Annotation
from ..text import one_line, safe_line, sanitise
from ..wording import cut

Span = tuple[str, Style | None]
Row = tuple[Span, ...]  # one screen row of a passage, before the column's own styles are applied
SLICE = 0.004  # seconds of wrapping between two frames, for the passages below the screen
BOLD, ITALIC, DIM = Style(bold=True), Style(italic=True), Style(dim=True)
EMPTY = "no passages here"


def one_line_cut(text: str, limit: int) -> str:
    return cut(one_line(text), limit)


def chip_style(colour: str) -> Style:
    try:
        return Style.parse(colour)
    except Exception:  # a colour Rich cannot read (an edited store): the chip stays plain
        return Style()


def passage_lines(annotation: Annotation, document: Document | None, colour: str, title: bool) -> list[list[Span]]:
    """A passage's lines before wrapping: its themes (after a chip of its colour), its quote in full, its note and
    its citation. ``title``: the citation names the document (else a heading above does). Store and document
    text is sanitised (control and bidi characters become visible placeholders) and its tabs become spaces."""
    themes = one_line_cut(", ".join(annotation.themes), 80) or "(no theme)"
    lines: list[list[Span]] = [[("██", chip_style(colour)), (" ", None), (themes, BOLD)]]
    quote = ("“" + sanitise(annotation.quote).expandtabs(4) + "”").split("\n")
    lines += [[(line, None)] for line in quote]
    if annotation.note:
        note = sanitise(annotation.note).expandtabs(4).split("\n")
        lines.append([("✎ ", None), (note[0], ITALIC)])
        lines += [[(line, ITALIC)] for line in note[1:]]
    cite = citation(annotation, document, inline=str)
    if not title:
        named = cited_work(document, str) if document is not None else annotation.document.title
        cite = cite.removeprefix(named + ", ")
    lines.append([("— " + safe_line(cite), DIM)])
    return lines


def wrap_spans(line: list[Span], width: int) -> list[Row]:
    """``line`` in rows of at most ``width`` cells (broken after a space where one fits), its spans cut with it."""
    text = "".join(part for part, _ in line)
    starts = wrap_line(text, width) if text else [0]
    rows: list[Row] = []
    for start, end in zip(starts, [*starts[1:], len(text)]):
        row: list[Span] = []
        at = 0
        for part, style in line:
            a, b = max(start - at, 0), min(end - at, len(part))
            if a < b:
                row.append((part[a:b], style))
            at += len(part)
        rows.append(tuple(row))
    return rows


def estimate(annotation: Annotation, width: int) -> int:
    """About how many rows a passage takes at ``width`` (with its rule), without wrapping it."""
    width = max(width, 10)
    lines = [annotation.quote + "“”", annotation.note, annotation.document.title + " — paragraph 00, line 00"]
    parts = [line for text in lines if text for line in text.split("\n")]
    return 2 + sum(-(-len(line) // width) or 1 for line in parts)


class PassageColumn(ScrollView, can_focus=True):
    """Passages in a column, one highlighted; ``enter`` (or a click) chooses it (``Chosen``)."""

    COMPONENT_CLASSES = {"passage-column--highlighted", "passage-column--rule", "passage-column--empty"}

    BINDING_GROUP_TITLE = "Compare passages"
    # fmt: off
    BINDINGS = [
        Binding("up", "move(-1)", "previous", show=False, id="passages-previous", tooltip="The passage above"),
        Binding("down", "move(1)", "next", show=False, id="passages-next", tooltip="The passage below"),
        Binding("pageup", "page(-1)", "page up", show=False, id="passages-page-up", tooltip="A screen of passages up"),
        Binding("pagedown", "page(1)", "page down", show=False, id="passages-page-down",
                tooltip="A screen of passages down"),
        Binding("home", "edge(False)", "first", show=False, id="passages-first", tooltip="The first passage"),
        Binding("end", "edge(True)", "last", show=False, id="passages-last", tooltip="The last passage"),
        Binding("enter", "choose", "go to the passage", show=False, id="passages-go",
                tooltip="Close the comparison and put the cursor on the passage, in its pane"),
    ]
    # fmt: on

    @dataclass
    class Chosen(Message):
        """A passage was chosen (``enter``, a click)."""

        column: PassageColumn
        annotation_id: str

        @property
        def control(self) -> PassageColumn:
            return self.column

    def __init__(
        self,
        passages: Sequence[Annotation],
        lines_of: Callable[[Annotation], list[list[Span]]],
        heading: str = "",
        *,
        id: str | None = None,
    ) -> None:
        """``lines_of(passage)``: its lines before wrapping (``passage_lines`` with the documents and colours).
        ``heading``: a line (store text: made safe here) wrapped above the passages, which stays as they scroll."""
        super().__init__(id=id)
        self.passages = list(passages)
        self._lines_of = lines_of
        self.heading = one_line_cut(heading, 500)
        self._heading_rows: list[Row | None] = []  # wrapped, and a rule below them (None)
        self.highlighted: int | None = 0 if self.passages else None
        self._width = 0  # the width the passages are wrapped at (0: not laid out yet)
        self._rows: list[list[Row]] = []  # the rows of the first passages, in order (as many as were needed)
        self._tops: list[int] = []  # the first row of each of them
        self._bottom = 0  # the rows those take (each but the last with its rule)
        self._strips: LRUCache[tuple[int, bool], Strip] = LRUCache(256)  # (row, highlighted): drawn
        self._styles: dict[str, Style] = {}  # the widget's own style and its component classes', as resolved

    def show(self, passages: Sequence[Annotation], heading: str = "") -> None:
        """Show ``passages`` under ``heading`` instead, from the top: wrapped as they are drawn, as at first."""
        self.passages = list(passages)
        self.heading = one_line_cut(heading, 500)
        self.highlighted = 0 if self.passages else None
        self._width = 0  # (wrapped again when next drawn)
        self._rows, self._tops, self._bottom = [], [], 0
        self._strips.clear()
        self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self.virtual_size = Size(0, 0)  # no scrollbar until the rows are counted (after the first frame, as at first)

    # -- wrapping ----------------------------------------------------------------------------------------------
    @property
    def complete(self) -> bool:
        """Every passage is wrapped (the scrollbar is exact)."""
        return len(self._rows) == len(self.passages) and self._width > 0

    @property
    def drawn(self) -> bool:
        """Its rows are wrapped at its width: a frame painted now shows its passages, not a blank column."""
        return self._width > 0

    def _wrap_next(self) -> None:
        index = len(self._rows)
        rows = [row for line in self._lines_of(self.passages[index]) for row in wrap_spans(line, self._width)]
        self._rows.append(rows)
        self._tops.append(self._bottom)
        self._bottom += len(rows) + (index < len(self.passages) - 1)

    def _wrap_through(self, row: int = -1, passage: int = -1, drawing: bool = False) -> None:
        """Wrap passages until ``row`` and passage ``passage`` are wrapped (-1: none needed). ``drawing``: the
        rows are being drawn now (only the scrollbar is to be refreshed)."""
        if not self._width:
            return
        while len(self._rows) < len(self.passages) and (self._bottom <= row or len(self._rows) <= passage):
            self._wrap_next()
        self._set_height(drawing)

    def _set_height(self, drawing: bool = False) -> None:
        """The rows wrapped, and an estimate of the rest (from the rows the wrapped passages take on average)."""
        done, total = len(self._rows), len(self.passages)
        if done:
            rest = round((total - done) * self._bottom / done)
        else:
            rest = sum(estimate(p, self._width) for p in self.passages)
        size = Size(self._width, len(self._heading_rows) + (self._bottom + rest if total else 1))
        old, shown = self.virtual_size, self.scrollable_content_region.height
        if size == old:
            return
        if (size.height > shown) == (old.height > shown):  # the scrollbar stays (or stays away): no new layout
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
            if not drawing:
                self.refresh()
        else:
            self.virtual_size = size

    def _fit(self, drawing: bool = False) -> None:
        """Wrap at the width the column has now, down to the last row shown and the highlighted passage. Called
        as the rows are drawn too: the first frame (and the first after a resize) shows them, where the
        ``Resize`` that follows it would leave that frame blank and need another layout and frame."""
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._rows, self._tops, self._bottom = [], [], 0
            self._heading_rows = [*wrap_spans([(self.heading, BOLD)], width), None] if self.heading else []
            self._strips.clear()
            self.call_after_refresh(self._wrap_rest)  # (the rest, after the frame)
        self._wrap_through(self.scroll_offset.y + self.size.height, self.highlighted or 0, drawing)

    def on_resize(self, event: events.Resize) -> None:
        self._fit()
        self.scroll_to_highlight()

    @work(exclusive=True, group="wrap-passages")
    async def _wrap_rest(self) -> None:
        """Wrap the passages below the screen, a few milliseconds at a time, so keys and frames go on."""
        width, last = self._width, time.perf_counter()
        while self._width == width and not self.complete:
            self._wrap_next()
            if time.perf_counter() - last > SLICE:
                self._set_height(drawing=True)  # (the rows shown stay as they are: only the scrollbar moves)
                await asyncio.sleep(0)
                last = time.perf_counter()
        if self._width == width:
            self._set_height(drawing=True)

    # -- drawing -----------------------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styles.clear()

    def _style(self, name: str = "") -> Style:
        """The widget's style, with component class ``name``'s on it (Textual resolves them through every
        ancestor each time they are asked for)."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style
            if name:
                style += self.get_component_rich_style(f"passage-column--{name}")
            self._styles[name] = style
        return style

    def render_lines(self, crop: Region) -> list[Strip]:
        if self.scrollable_content_region.width != self._width:
            self._fit(drawing=True)
        self._wrap_through(self.scroll_offset.y + crop.bottom, drawing=True)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._width  # (``scrollable_content_region`` is looked up through the screen: for every row)
        heading = len(self._heading_rows)
        if y < heading:  # the heading stays put
            line = self._heading_rows[y]
            return self._rule(width) if line is None else self._strip(line, self._style(), width)
        row = self.scroll_offset.y + y - heading
        index = self.passage_at(row)
        if index is None:
            if row or self.passages:
                return Strip.blank(width, self._style())
            return Strip([Segment(EMPTY, self._style("empty"))]).crop_extend(0, width, self._style())
        lit = index == self.highlighted
        strip = self._strips.get((row, lit))
        if strip is None:
            strip = self._strips[(row, lit)] = self._draw(index, row - self._tops[index], lit, width)
        return strip

    def _draw(self, index: int, offset: int, lit: bool, width: int) -> Strip:
        rows = self._rows[index]
        if offset >= len(rows):  # the rule below a passage
            return self._rule(width)
        return self._strip(rows[offset], self._style("highlighted" if lit else ""), width)

    def _rule(self, width: int) -> Strip:
        return Strip([Segment("─" * width, self._style("rule"))], width)

    @staticmethod
    def _strip(row: Row, base: Style, width: int) -> Strip:
        return Strip([Segment(text, base + style if style else base) for text, style in row]).crop_extend(
            0, width, base
        )

    # -- the highlight -----------------------------------------------------------------------------------------
    def passage_at(self, row: int) -> int | None:
        """The passage drawn on virtual row ``row`` (its rule below it counts as its own), if any."""
        if row >= self._bottom:
            self._wrap_through(row)
        if row < 0 or row >= self._bottom:
            return None
        return bisect_right(self._tops, row) - 1

    def span_of(self, index: int) -> tuple[int, int]:
        """(first row, rows) of passage ``index``, its rule left out."""
        self._wrap_through(passage=index)
        return self._tops[index], len(self._rows[index])

    def highlight(self, index: int) -> None:
        if not self.passages:
            return
        index = max(0, min(index, len(self.passages) - 1))
        if index != self.highlighted:
            self.highlighted = index
            self.refresh()
        self.scroll_to_highlight()

    @property
    def _view_height(self) -> int:
        """How many rows of passages show (below the heading)."""
        return max(self.scrollable_content_region.height - len(self._heading_rows), 1)

    def scroll_to_highlight(self) -> None:
        """Scroll as little as shows the highlighted passage (its top, if it is taller than the view)."""
        if self.highlighted is None or not self._width:
            return
        top, rows = self.span_of(self.highlighted)
        first, view = self.scroll_offset.y, self._view_height
        if top < first or rows > view:
            first = top
        elif top + rows > first + view:
            first = top + rows - view
        if first != self.scroll_offset.y:
            self.scroll_to(y=first, animate=False, immediate=True, force=True)

    def action_move(self, step: int) -> None:
        if self.highlighted is not None:
            self.highlight(self.highlighted + step)

    def action_page(self, step: int) -> None:
        if self.highlighted is None:
            return
        top = self.span_of(self.highlighted)[0]
        target = self.passage_at(max(top + step * self._view_height, 0))
        if target is None:  # past the last row
            target = len(self.passages) - 1
        self.highlight(target if target != self.highlighted else self.highlighted + step)

    def action_edge(self, end: bool) -> None:
        self.highlight(len(self.passages) - 1 if end else 0)

    def action_choose(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Chosen(self, self.passages[self.highlighted].id))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < len(self._heading_rows):
            return
        index = self.passage_at(self.scroll_offset.y + offset.y - len(self._heading_rows))
        if index is not None:
            self.highlight(index)
            self.action_choose()
