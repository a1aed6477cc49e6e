"""DocumentView: one document, soft-wrapped, drawn line by line (Textual's Line API, like its ``Log`` widget).

The view owns a cursor and a selection as character offsets. Every cell maps back to an offset through
``Layout`` (wide characters, tabs, zero-width marks), so mouse and keyboard selections are exact. Rendered rows are
cached and only the rows a change touches are refreshed.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from .. import extent, sentences, textnav
from ..coders import coder_key
from ..document import Document
from ..highlights import PATCH_AT_MOST, HighlightIndex, Mark, Paint, styled_segments
from ..layout import Layout, cells
from ..memory import offset_array
from ..model import Annotation
from . import lag
from .keys_first import keys_first
from .scrollbar import RowScrollBar


def _motion(key: str, action: str, argument: str, description: str, binding_id: str, tooltip: str) -> list[Binding]:
    """A movement and its selecting twin on shift+key."""
    return [
        Binding(key, f"{action}({argument})", description, show=False, id=binding_id, tooltip=tooltip),
        Binding(
            f"shift+{key}", f"{action}({argument}, True)", f"select {description}", show=False,
            id=f"select-{binding_id}", tooltip=SELECT_MOVING,
        ),
    ]  # fmt: skip


SELECT_MOVING = "Select while moving (shift + any of these movements)"


@dataclass
class ViewMessage(Message):
    """A message from a view, which it names as ``control``."""

    view: DocumentView

    @property
    def control(self) -> DocumentView:
        return self.view


class DocumentView(ScrollView, can_focus=True):
    """A read-only document with a cursor, a selection and coloured highlights."""

    COMPONENT_CLASSES = {
        "document-view--cursor",
        "document-view--selection",
        "document-view--overlap",
        "document-view--match",
    }

    BINDING_GROUP_TITLE = "Document"
    # fmt: off
    BINDINGS = [
        *_motion("up", "move_row", "-1", "up", "cursor-up", "Up a row"),
        *_motion("down", "move_row", "1", "down", "cursor-down", "Down a row"),
        Binding("k", "move_row(-1)", "up", show=False, id="cursor-up-vi", tooltip="Up a row"),
        Binding("j", "move_row(1)", "down", show=False, id="cursor-down-vi", tooltip="Down a row"),
        *_motion("left", "move_char", "-1", "left", "cursor-left", "Back a character"),
        *_motion("right", "move_char", "1", "right", "cursor-right", "Forward a character"),
        *_motion("pageup", "move_page", "-1", "page up", "page-up", "Up a screen"),
        *_motion("pagedown", "move_page", "1", "page down", "page-down", "Down a screen"),
        *_motion("home", "row_edge", "False", "row start", "row-start", "To the start of the row"),
        *_motion("end", "row_edge", "True", "row end", "row-end", "To the end of the row"),
        Binding("g", "document_edge(False)", "top", show=False, id="document-top", tooltip="To the top of the document"),
        Binding("G", "document_edge(True)", "bottom", show=False, id="document-bottom", tooltip="To the end of the document"),
        Binding("w", "word(True)", "next word", show=False, id="next-word", tooltip="To the next word"),
        Binding("b", "word(False)", "previous word", show=False, id="previous-word", tooltip="To the previous word"),
        Binding("right_curly_bracket", "paragraph(True)", "next paragraph", show=False, id="next-paragraph",
                tooltip="To the next paragraph"),
        Binding("left_curly_bracket", "paragraph(False)", "previous paragraph", show=False, id="previous-paragraph",
                tooltip="To the previous paragraph"),
        Binding("v", "toggle_select", "select", show=False, id="select", tooltip="Start or stop a selection"),
        Binding("right_parenthesis", "sentence(True)", "next sentence", show=False, id="next-sentence",
                tooltip="To the next sentence"),
        Binding("left_parenthesis", "sentence(False)", "previous sentence", show=False, id="previous-sentence",
                tooltip="To the previous sentence"),
        Binding("S", "select_unit('sentence')", "select sentence", show=False, id="select-sentence",
                tooltip="Select the sentence at the cursor"),
        Binding("P", "select_unit('paragraph')", "select paragraph", show=False, id="select-paragraph",
                tooltip="Select the paragraph at the cursor"),
        Binding("o", "other_end", "other end", show=False, id="other-end",
                tooltip="While selecting or changing a highlight's extent: move the other end"),
        Binding("enter", "save_extent", "save extent", show=False, id="save-extent",
                tooltip="Save the highlight's new extent (E starts changing it)"),
        Binding("escape", "clear_selection", "clear selection", show=False, id="clear-selection",
                tooltip="Clear the selection"),
    ]
    # fmt: on

    # Messages name their view as ``control`` (as Textual's ``TextArea.Changed`` does), so a handler can be
    # ``@on(DocumentView.CursorMoved, "#pane-1 DocumentView")``.
    @dataclass
    class CursorMoved(ViewMessage):
        """The cursor or the selection moved."""

    @dataclass
    class ExtentChosen(ViewMessage):
        """``enter`` while changing a highlight's extent: its new span (not yet saved)."""

        annotation_id: str
        start: int
        end: int

    @dataclass
    class Scrolled(ViewMessage):
        """The first row shown changed."""

    @dataclass
    class Rewrapped(ViewMessage):
        """The rows changed (the whole text wrapped, or wrapped again at a new width): the share of the document
        shown above the first row did too, though that row may be the same."""

    def __init__(self, document: Document, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.document = document
        self.text = document.loaded_text  # a big file's start, until ``text_complete``
        self._waiting: list[Callable[[], object]] = []  # what waits for the whole text to be shown (``when_whole``)
        self.wrapped: Layout | None = None
        self._wrapped_for: int | None = None  # the text width ``wrapped`` was made for (see ``_ensure_layout``)
        self._pending_wrap: int | None = None  # the width being wrapped in slices
        self._waiting_for_rows = False  # the whole text is read, its rows not all wrapped yet
        self._stale = False  # ``wrapped`` is of the text's start: the whole text is being wrapped
        self._widths_key: tuple[object, ...] | None = None
        self._widths_value = (0, 2)
        self.cursor = 0
        self.selection_anchor: int | None = None
        self.selecting = False  # ``v`` mode: movements extend the selection
        self.resizing: str | None = None  # the id of the highlight whose extent the selection is (``E``)
        self._goal_column: int | None = None
        self.highlights = HighlightIndex(len(self.text))  # what to draw where (tui/highlights.py)
        self.coder: str | None = None  # whose highlights are drawn as the reader's own (others: underlined)
        # Pygments lexes *.txt with its TextLexer (no colours), but finding that out loads every lexer's file
        # patterns: 80 ms of the reader's start (and importing it 10 ms). Plain text files skip the question.
        plain = document.path.suffix.lower() == ".txt"
        self._lexer = None if plain or not document.complete else _token_stream(document)
        self._lex_later = not plain and not document.complete  # lexed once the whole text is read
        self._tokens: list[tuple[int, int, Style]] = []  # lexed so far, up to offset ``_lexed``
        self._token_starts: list[int] = []
        self._longest_token = 0
        self._lexed = len(self.text) if self._lexer is None else 0
        self._uncoloured = 0  # the end of the rows drawn before they were lexed
        self._cache: LRUCache[int, Strip] = LRUCache(1024)  # rows as drawn, at the view's width
        self._prefetch_pending = False  # ``_prefetch`` waits for the screen to be drawn
        self._prefetch_lexed = 0  # rows to draw ahead wait for the text lexed up to here
        self._style: Style | None = None  # ``rich_style`` (it walks every ancestor's CSS: too slow per row)
        self._dragging = False
        self.search_query = ""  # the search whose matches are drawn
        self._matches: tuple[str, Sequence[int], int] = (
            "",
            [],
            0,
        )  # (query, match starts, count): see ``match_number``

    # -- public API ---------------------------------------------------------------------------------------------
    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected span (start, end), end exclusive, or None."""
        if self.selection_anchor is None or self.selection_anchor == self.cursor:
            return None
        return min(self.selection_anchor, self.cursor), max(self.selection_anchor, self.cursor)

    @property
    def annotations(self) -> list[Annotation]:
        return self.highlights.sorted_annotations()

    @property
    def whole(self) -> bool:
        """The whole document is shown: read and wrapped (a big file is shown from its start meanwhile)."""
        return self.document.complete and not self._waiting_for_rows

    def when_whole(self, action: Callable[[], object]) -> None:
        """Do ``action`` now, or once the whole document is shown (``G`` or a search in a big file just opened)."""
        if self.whole:
            action()
        else:
            self._waiting.append(action)

    def text_complete(self) -> None:
        """The document's whole text has been read (it was opened at its start): wrap it, show it, then do what
        waited for it. Rows, cursor and highlights stay where they were: the start is the same text."""
        old, self.text = self.text, self.document.text
        if self.text is not old:
            if self.text[: len(old)] != old:  # decoded otherwise after all (not UTF-8): back to the top
                self.selection_anchor, self.cursor = None, 0
                self.scroll_to(y=0, animate=False, immediate=True)
            self._matches = ("", [], 0)
            if self._lex_later:
                self._lex_later = False
                self._lexer = _token_stream(self.document)
                self._tokens, self._token_starts, self._longest_token, self._lexed = [], [], 0, 0
                self._lex_rest()
            elif self._lexer is None:
                self._lexed = len(self.text)
            self._stale = True  # wrapped again (``_ensure_layout``), in slices: the old rows stay meanwhile
            self._waiting_for_rows = True
            self._pending_wrap = None
            self._ensure_layout()
            self.refresh()
        self._shown_whole()

    def _shown_whole(self) -> None:
        if self._waiting_for_rows and self._pending_wrap is None:
            self._waiting_for_rows = False
        if self.whole:
            lag.note("whole")
            waiting, self._waiting = self._waiting, []
            for action in waiting:
                action()

    @property
    def annotation_count(self) -> int:
        return len(self.highlights)

    @property
    def position(self) -> str:
        """Where the view is: "top", "end" or the share of the document read so far."""
        if self.scroll_offset.y <= 0:
            return "top"
        if self.scroll_offset.y >= self.max_scroll_y:
            return "end"
        return f"{self.percent}%"

    @property
    def percent(self) -> int:
        if self.wrapped is None or len(self.wrapped) <= self.size.height:
            return 100
        return round(100 * min(self.scroll_y + self.size.height, len(self.wrapped)) / len(self.wrapped))

    def set_annotations(self, annotations: list[Annotation], colours: dict[str, Paint]) -> None:
        """Draw these highlights; ``colours`` maps an annotation id to its paint. Only the rows of highlights
        that changed are drawn again."""
        self._redraw_marks(*self.highlights.replace(annotations, lambda a: colours[a.id], self._look))

    async def set_annotations_in_steps(
        self, annotations: list[Annotation], paint: Callable[[Annotation], Paint]
    ) -> None:
        """``set_annotations`` a slice of ``MARK_SLICE`` seconds at a time between keys (``paint`` gives each
        highlight's paint): a reload of thousands of highlights held up the keys for 100 ms and more."""
        steps = self.highlights.replacing(annotations, paint, self._look)
        deadline = time.perf_counter() + MARK_SLICE
        while True:
            try:
                next(steps)
            except StopIteration as done:
                self._redraw_marks(*done.value)
                return
            if time.perf_counter() > deadline:
                await asyncio.sleep(0)
                deadline = time.perf_counter() + MARK_SLICE

    def _look(self, annotation: Annotation) -> str:
        if annotation.conflicted:
            return "conflict"
        if self.coder is not None and annotation.coder and coder_key(annotation.coder) != coder_key(self.coder):
            return "other"
        return ""

    def put_annotation(self, annotation: Annotation, paint: Paint) -> None:
        """Draw one new or changed highlight (without going through every other one)."""
        self._redraw_marks(*self.highlights.put(annotation, paint, self._look(annotation)))

    def drop_annotation(self, annotation_id: str) -> None:
        """Stop drawing one highlight."""
        self._redraw_marks(*self.highlights.drop(annotation_id))

    def _redraw_marks(self, added: list[Mark], removed: list[Mark]) -> None:
        """Redraw the rows of the marks that came and went (all rows, when that is most of them anyway)."""
        if not added and not removed:
            return
        if self.wrapped is None or len(added) + len(removed) > PATCH_AT_MOST:
            self._invalidate()
            return
        layout = self.wrapped
        rows: set[int] = set()
        for mark in added + removed:
            rows.update(range(layout.row_of(mark.start), layout.row_of(mark.end) + 1))
        self._refresh_rows(rows)

    def annotation_at(self, offset: int) -> Annotation | None:
        """The innermost highlight covering ``offset``."""
        return self.highlights.at(offset)

    def move_to(self, offset: int, select: bool = False, center: bool = False) -> None:
        """Put the cursor at ``offset``; with ``select`` (or in ``v`` mode) extend the selection."""
        offset = max(0, min(offset, len(self.text)))
        self._waiting.clear()  # a key that waited for the whole text (``G``) gives way to a later move
        old_rows = self._selection_rows()
        if select or self.selecting:
            if self.selection_anchor is None:
                self.selection_anchor = self.cursor
        else:
            self.selection_anchor = None
        self.cursor = offset
        self._refresh_rows(old_rows | self._selection_rows())
        self._scroll_to_cursor(center)
        self.post_message(self.CursorMoved(self))

    def top_offset(self) -> int:
        """The offset the first row shown starts at."""
        return self._ensure_layout().row_span(self.scroll_offset.y)[0]

    def restore_place(self, cursor: int, top: int) -> None:
        """Back where the reader left off: the row holding ``top`` first on screen, the cursor at ``cursor``."""
        layout = self._ensure_layout()
        self.scroll_to(y=layout.row_of(min(top, len(self.text))), animate=False, immediate=True)
        self.move_to(cursor)

    def select(self, start: int, end: int, center: bool = True, cursor_at_start: bool = False) -> None:
        """Select ``start:end`` with the cursor at its end (or its start)."""
        old_rows = self._selection_rows()
        self.selecting = False
        self.resizing = None
        self.selection_anchor, self.cursor = (end, start) if cursor_at_start else (start, end)
        self._refresh_rows(old_rows | self._selection_rows())
        self._scroll_to_cursor(center)
        self.post_message(self.CursorMoved(self))

    def clear_selection(self) -> None:
        rows = self._selection_rows()
        self.selection_anchor = None
        self.selecting = False
        if self.resizing is not None:
            self.resizing = None
            self.post_message(self.CursorMoved(self))  # the status line stops showing the extent's keys
        self._refresh_rows(rows)

    def search(self, query: str, forward: bool = True) -> tuple[int, int] | None:
        """Select the next (previous) match of ``query`` from the cursor, the cursor at its start (so ``v`` and
        ``h`` act on it); every match in view is drawn. The match, or None if there is none."""
        self.show_matches(query)
        origin = self.selection[0] if self.selection else self.cursor
        _, starts, count = self._matches_of(query)  # one scan: the status line numbers the match from them
        if not count:
            return None
        if forward:
            after = bisect_right(starts, origin)
            at = starts[after] if after < count else starts[0]  # (wrapped around to the top)
        else:
            before = bisect_left(starts, origin) - 1
            at = starts[before] if before >= 0 else starts[-1]
        span = (at, at + len(query))
        self.select(*span, cursor_at_start=True)
        return span

    def show_matches(self, query: str) -> None:
        """Draw every match of ``query`` (or none, for "")."""
        if query != self.search_query:
            self.search_query = query
            self._invalidate()

    def match_count(self, query: str) -> int:
        return self._matches_of(query)[2]

    def match_number(self, query: str, start: int) -> tuple[int, int]:
        """(n, count): the match starting at ``start`` is the n-th of ``count``."""
        _, starts, count = self._matches_of(query)
        return bisect_right(starts, start), count

    def _matches_of(self, query: str) -> tuple[str, Sequence[int], int]:
        """Every match of ``query``, found once per query: the search bar counts them on each key typed and the
        status line numbers them on each move, and a whole-document scan of a big book per key is too slow."""
        if query != self._matches[0]:
            starts = offset_array(len(self.text))  # 4 bytes a match
            starts.extend(textnav.match_starts(self.text, query))
            self._matches = (query, starts, len(starts))
        return self._matches

    @work(group="count", exclusive=True)  # exclusive: the next key typed cancels this count
    async def count_matches(self, query: str, show: Callable[[int], object]) -> None:
        """``show(match_count(query))`` for a big text, once typing pauses, counted a slice at a time between keys
        (a scan of 100 MB for every key typed held up the typing for seconds)."""
        if query == self._matches[0]:
            show(self._matches[2])
            return
        await asyncio.sleep(COUNT_PAUSE)
        text, starts = self.text, offset_array(len(self.text))
        margin = 4 * len(query) + 16  # room past a slice's end for a match that starts inside it
        for begin in range(0, len(text), COUNT_SLICE):
            if query == self._matches[0]:  # counted meanwhile, at once (a search from the bar)
                show(self._matches[2])
                return
            end = begin + COUNT_SLICE
            starts.extend(s for s in textnav.match_starts(text, query, begin, end + margin) if s < end)
            await asyncio.sleep(0)
        if text is self.text:
            self._matches = (query, starts, len(starts))
        show(len(starts))

    def next_highlight(self, forward: bool = True) -> Annotation | None:
        origin = self.selection[0] if self.selection else self.cursor
        mark = self.highlights.after(origin) if forward else self.highlights.before(origin)
        if mark is None:
            return None
        self.move_to(mark.start, center=True)
        return self.highlights.annotations[mark.annotation_id]

    # -- actions ------------------------------------------------------------------------------------------------
    def action_move_row(self, delta: int, select: bool = False) -> None:
        layout = self._ensure_layout()
        row, column = layout.column_of(self.cursor)
        if self._goal_column is None:
            self._goal_column = column
        goal = self._goal_column
        target = max(0, min(row + delta, len(layout) - 1))
        if target == row and layout.text is self.text:  # the first or last row: to the text's start or end
            offset = 0 if delta < 0 else len(self.text)
        elif target == row:  # only the first screens are wrapped yet: the last of them is not the text's end
            offset = self.cursor
        else:
            offset = layout.offset_at(target, goal)
        self.move_to(offset, select)
        self._goal_column = goal

    def action_move_char(self, delta: int, select: bool = False) -> None:
        self.move_to(self.cursor + delta, select)

    def action_move_page(self, delta: int, select: bool = False) -> None:
        height = max(self.scrollable_content_region.height - 1, 1)
        self.scroll_to(y=self.scroll_y + delta * height, animate=False, immediate=True)
        self.action_move_row(delta * height, select)

    def action_row_edge(self, end: bool, select: bool = False) -> None:
        layout = self._ensure_layout()
        start, stop = layout.row_span(layout.row_of(self.cursor))
        self.move_to(stop if end else start, select)

    def action_document_edge(self, end: bool) -> None:
        if end:
            self.when_whole(lambda: self.move_to(len(self.text)))
        else:
            self.move_to(0)

    def action_word(self, forward: bool) -> None:
        self._step("word", forward)

    def action_sentence(self, forward: bool) -> None:
        self._step("sentence", forward)

    def _step(self, unit: extent.Unit, forward: bool) -> None:
        """To the next (previous) word or sentence; while changing a highlight's extent, its end moves so."""
        if self.resizing is not None:
            self._move_edge(unit, forward)
            return
        moves = _STEPS[unit]
        self.move_to(moves[0 if forward else 1](self.text, self.cursor))

    def action_select_unit(self, unit: str) -> None:
        """Select the sentence (or paragraph) at the cursor, the cursor at its end."""
        at = sentences.sentence_at if unit == "sentence" else textnav.paragraph_span
        start, end = textnav.trim(self.text, *at(self.text, self.cursor))
        if start < end:
            self.select(start, end, center=False)

    def start_resize(self, annotation_id: str, start: int, end: int) -> None:
        """Change a highlight's extent: shown as the selection, its end the cursor; ``w`` ``b`` ``(`` ``)`` move
        that end by a word or a sentence (other moves: to the cursor), ``o`` the other end, ``enter`` saves."""
        self.select(start, end, center=True)
        self.selecting = True
        self.resizing = annotation_id
        self.post_message(self.CursorMoved(self))

    def _move_edge(self, unit: extent.Unit, forward: bool) -> None:
        anchor, cursor = self.selection_anchor or 0, self.cursor
        start, end = min(anchor, cursor), max(anchor, cursor)
        edge: extent.Edge = "start" if cursor < anchor else "end"
        start, end = extent.moved(self.text, start, end, edge, unit, forward)
        self._set_ends(*((end, start) if edge == "start" else (start, end)))

    def _set_ends(self, anchor: int, cursor: int) -> None:
        old_rows = self._selection_rows()
        self.selection_anchor, self.cursor = anchor, cursor
        self._refresh_rows(old_rows | self._selection_rows())
        self._scroll_to_cursor(center=False)
        self.post_message(self.CursorMoved(self))

    def action_other_end(self) -> None:
        if self.selection_anchor is not None:
            self._set_ends(self.cursor, self.selection_anchor)

    def action_save_extent(self) -> None:
        if self.resizing is not None and self.selection:
            start, end = textnav.trim(self.text, *self.selection)
            if start < end:
                self.post_message(self.ExtentChosen(self, self.resizing, start, end))

    def action_paragraph(self, forward: bool) -> None:
        move = textnav.paragraph_forward if forward else textnav.paragraph_backward
        self.move_to(move(self.text, self.cursor))

    def action_toggle_select(self) -> None:
        if self.selecting:
            self.clear_selection()
            return
        self.clear_selection()
        self.selecting = True
        self.selection_anchor = self.cursor

    def action_clear_selection(self) -> None:
        self.clear_selection()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # escape with nothing selected falls through to the screen (closing a search bar, for instance)
        if action == "clear_selection":
            return self.selection_anchor is not None or self.selecting
        if action == "other_end":  # otherwise ``o`` is the app's (choose documents)
            return self.selection is not None
        if action == "save_extent":
            return self.resizing is not None
        return True

    # -- mouse --------------------------------------------------------------------------------------------------
    def _offset_at_mouse(self, event: events.MouseEvent) -> int:
        layout = self._ensure_layout()
        return layout.offset_at(self.scroll_offset.y + event.y, event.x)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        self.focus()
        self.selecting = False
        self.resizing = None
        self.move_to(self._offset_at_mouse(event))
        self.selection_anchor = self.cursor
        self._dragging = True
        self.capture_mouse()
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging:
            self.move_to(self._offset_at_mouse(event), select=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
            if self.selection_anchor == self.cursor:
                self.selection_anchor = None

    # -- layout and rendering --------------------------------------------------------------------------------------
    def _text_width(self) -> int:
        return self._widths()[1]

    def _widths(self) -> tuple[int, int]:
        """(content width, text width: without the scrollbar), kept while the widget's size and scrollbars stay
        (Textual finds them through the screen's map: 0.25 ms, asked twice for every row drawn)."""
        key = (self._size, self.show_vertical_scrollbar, self.show_horizontal_scrollbar)
        if key != self._widths_key:
            self._widths_key = key
            self._widths_value = (self.size.width, max(self.scrollable_content_region.width, 2))
        return self._widths_value

    def _ensure_layout(self) -> Layout:
        """The rows at the view's width. Before its first layout the view has no width (its size is 0x0), so
        nothing is wrapped: an empty layout stands in. A text too big to wrap at once (``SYNC_WRAP``) is wrapped
        in a thread: on opening, its first screens are wrapped at once and shown meanwhile; after a resize, its
        old rows stay on screen meanwhile. Either way no key waits for it."""
        if not self.outer_size.width:  # (``size`` is looked up through the screen: too slow for every row)
            return self.wrapped if self.wrapped is not None else UNWRAPPED
        width = self._text_width()
        if (
            self.wrapped is None
            or (self._stale and self._pending_wrap is None)
            or (self.wrapped.width != width and (width != self._wrapped_for or self.show_vertical_scrollbar))
        ):
            wrap_at = width
            if not self.show_vertical_scrollbar and self.styles.overflow_y == "auto" and self._overflows():
                # more rows than fit: the rows will bring a scrollbar, so wrap once, beside it, not twice
                wrap_at = max(width - self.styles.scrollbar_size_vertical, 2)
            if len(self.text) <= SYNC_WRAP:
                self._install(Layout(self.text, wrap_at), width)
            elif self._pending_wrap != width:
                if self.wrapped is None:
                    self._install(Layout(self._head(wrap_at), wrap_at), width)
                self._pending_wrap = width
                self._rewrap(width, wrap_at)
        return self.wrapped if self.wrapped is not None else UNWRAPPED

    def _overflows(self) -> bool:
        """The text has more rows than the view has lines, at any width: more lines, or more characters than
        cells (counting no further than that)."""
        height = self.container_size.height
        if height <= 0:
            return False
        cells = height * max(self.container_size.width, 1)
        return len(self.text) > cells or self.text.count("\n", 0, cells) >= height

    def _head(self, width: int) -> str:
        """The start of the text: its first few screens' worth, to its next line end if that is near (a long
        line is cut: rows before the cut are the same as the whole text's, the last one may end early)."""
        size = 4 * width * max(self.container_size.height, 25)
        end = self.text.find("\n", size, 2 * size)
        return self.text[: end if end != -1 else size]

    def _lex(self, done: Callable[[], bool]) -> None:
        """Take tokens from the lexer until ``done()`` (checked every few tokens) or the lexer is through."""
        if self._lexer is None:
            return
        tokens, starts = self._tokens, self._token_starts
        for count, token in enumerate(self._lexer):
            tokens.append(token)
            starts.append(token[0])
            self._longest_token = max(self._longest_token, token[1] - token[0])
            self._lexed = token[0]  # a token may begin where this one ends: the offsets before it are known
            if count % 64 == 63 and done():
                return
        self._lexer, self._lexed = None, len(self.text)

    @work(group="lex", exclusive=True)
    async def _lex_rest(self) -> None:
        """Lex the rest in slices of ``LEX_SLICE`` seconds on the event loop (Pygments is pure Python: a thread
        would hold the interpreter lock for seconds); rows drawn before their tokens were known are drawn again
        once they are."""
        while self._lexer is not None:
            deadline = time.perf_counter() + LEX_SLICE
            self._lex(lambda end=deadline: time.perf_counter() > end)  # type: ignore[misc]
            if self._uncoloured and self._lexed >= self._uncoloured:
                self._uncoloured = 0
                self._invalidate()
            if self._prefetch_lexed and (self._lexed >= self._prefetch_lexed or self._lexer is None):
                self._prefetch_lexed = 0
                self._prefetch_later()
            await asyncio.sleep(0)
            await keys_first(self.app)

    def on_mount(self) -> None:
        if self._lexer is not None:
            self.call_after_refresh(self._lex_rest)

    def _install(self, layout: Layout, width: int) -> None:
        self.wrapped, self._wrapped_for = layout, width
        self._stale = layout.text is not self.text and self._stale
        self._cache.clear()
        rows = self.virtual_size.height
        self.virtual_size = Size(layout.width, len(layout))
        if len(layout) != rows:
            self.post_message(self.Rewrapped(self))
        self._prefetch_later()

    @work(group="wrap", exclusive=True)  # exclusive: a newer width cancels an older one between slices
    async def _rewrap(self, width: int, wrap_at: int) -> None:
        """Wrap the whole text in slices on the event loop (keys are handled between them), then show it."""
        layout = Layout(self.text, wrap_at, later=True)
        while not layout.wrap_for(WRAP_SLICE):
            await asyncio.sleep(WRAP_GAP)
            await keys_first(self.app)
        if self._pending_wrap != width or layout.text is not self.text:  # asked for another width meanwhile
            return
        self._pending_wrap = None
        self._install(layout, width)
        self._scroll_to_cursor(center=False)
        self.refresh()
        self._shown_whole()
        lag.note("wrapped")

    def on_resize(self, event: events.Resize) -> None:
        keep = self.cursor
        self._ensure_layout()
        self._scroll_to_cursor(center=False)
        self.cursor = keep

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None
        self._widths_key = None  # padding and borders may have changed
        self._cache.clear()

    @property
    def _base_style(self) -> Style:
        if self._style is None:
            self._style = self.rich_style
        return self._style

    def on_focus(self) -> None:
        self._refresh_rows({self._cursor_row()})

    def on_blur(self) -> None:
        self._refresh_rows({self._cursor_row()})

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.post_message(self.Scrolled(self))
            self._prefetch_later()

    def _prefetch_later(self) -> None:
        if not self._prefetch_pending and self.is_mounted:
            self._prefetch_pending = True
            self.call_after_refresh(self._prefetch)

    def _prefetch(self) -> None:
        """Draw the screens before and after the one shown, and the last one, into the row cache once the screen
        is drawn, as the screen will show them (``_shown``): the next page up or down, or ``G``, then only has
        rows to place (a screen of new rows takes a few milliseconds to draw, filter and turn into terminal
        output: part of the time a key waits)."""
        self._prefetch_pending = False
        layout, height = self.wrapped, self.size.height
        if layout is None or not height or self._pending_wrap is not None:
            return
        top, width, cache = self.scroll_offset.y, self._widths()[0], self._cache
        rows = [*range(top + height, top + 2 * height), *range(max(top - height, 0), top)]
        if layout.text is self.text:
            rows += range(max(len(layout) - height, 0), len(layout))
        shown = self._shown_by()
        for row in rows:
            if row >= len(layout) or row in cache:
                continue
            if self._lexer is not None and layout.row_span(row)[1] > self._lexed:
                # not lexed yet (``_uncoloured`` marks only rows the reader saw): drawn ahead once it is
                self._prefetch_lexed = max(self._prefetch_lexed, layout.row_span(row)[1])
                continue
            cache[row] = strip = self._render_row(layout, row, width)
            shown(strip)

    def _shown_by(self) -> Callable[[Strip], Strip]:
        """What readies a drawn row to be shown: the app's line filters (colours the terminal lacks) applied, the
        row cut where the scrollbar covers it (the compositor cuts every row at the widgets' edges) and the text's
        part turned into terminal output. Each strip keeps its filtered copy, its cut pieces and its output
        (``Strip.apply_filter``, ``divide``, ``render``): done here for a row drawn ahead, showing it is placing it."""
        filters, background, console = self.get_line_filters(), self.background_colors[1], self.app.console
        width, text_width = self._widths()
        cuts = [text_width, width] if text_width < width else [width]

        def shown(strip: Strip) -> Strip:
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strip.divide(cuts)[0].render(console)
            return strip

        return shown

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's ``Widget.vertical_scrollbar``, made the same way, but one that redraws only the rows its
        thumb moved over (tui/ui/scrollbar.py)."""
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = bar = RowScrollBar(thickness=self.scrollbar_size_vertical)
            bar.display = False
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows in ``crop``, as Textual's ``Widget.render_lines`` gives them for a view without borders,
        padding, outline, tint or opacity (this one's styles), without its styles cache: that builds every row
        again on every scroll (a third of a page down's time) where ours keeps them (``_cache``). Any of those
        styles, and Textual draws them."""
        styles = self.styles
        if (
            styles.gutter
            or any(edge for edge, _ in styles.outline)
            or styles.tint.a
            or styles.text_opacity != 1
            or (styles.has_rule("hatch") and styles.hatch != "none")
            or self.opacity != 1
        ):
            return super().render_lines(crop)
        filters = self.get_line_filters()
        background = self.background_colors[1]
        layout, top, width = self._ensure_layout(), self.scroll_offset.y, self._widths()[0]
        if any(top + y not in self._cache for y in crop.line_range if top + y < len(layout)):
            self._prefetch_later()  # rows drawn now (opened, resized, changed): the ones around them next
        strips = []
        for y in crop.line_range:
            strip = self._row_strip(layout, top + y, width)
            for line_filter in filters:  # each strip keeps its filtered copy: a row drawn again costs nothing
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        if crop.column_span != (0, width):
            strips = [strip.crop(*crop.column_span) for strip in strips]
        return strips

    def render_line(self, y: int) -> Strip:
        # the row Textual's own Line API widgets show (``scroll_y`` may be fractional)
        return self._row_strip(self._ensure_layout(), self.scroll_offset.y + y, self._widths()[0])

    def _row_strip(self, layout: Layout, row: int, width: int) -> Strip:
        if row >= len(layout):
            return Strip.blank(width, self._base_style)
        strip = self._cache.get(row)
        if strip is None or strip.cell_length != width:
            strip = self._render_row(layout, row, width)
            self._cache[row] = strip
        return strip

    def _render_row(self, layout: Layout, row: int, width: int) -> Strip:
        """Row ``row`` as drawn, ``width`` cells wide (what ``Strip(...).simplify().crop_extend(0, width, base)``
        gives, in one ``Strip``: each one costs five caches)."""
        start, end = layout.row_span(row)
        line = self.text[start:end]
        shown, index = _expand_tabs(line)
        spans: list[tuple[int, int, Style]] = []  # (start, end, style) on ``shown``, in the order they apply

        def stylize(style: Style, a: int, b: int) -> None:
            a, b = max(a, start), min(b, end)
            if a < b:
                spans.append((index(a - start), index(b - start), style))

        for s, e, style in self._tokens_in(start, end):
            stylize(style, s, e)
        for s, e, style in self.highlights.spans_in(start, end):
            stylize(style, s, e)
        if self.search_query:  # every match in view
            match = self.get_component_rich_style("document-view--match")
            for a, b in textnav.find_all(
                self.text, self.search_query, start - len(self.search_query) + 1, end + len(self.search_query)
            ):
                stylize(match, a, b)
        selection = self.selection
        if selection:
            stylize(self.get_component_rich_style("document-view--selection"), *selection)
            if selection[0] <= end < selection[1] and self.text[end : end + 1] == "\n":  # the newline is selected
                spans.append((len(shown), len(shown) + 1, self.get_component_rich_style("document-view--selection")))
        if start <= self.cursor <= end and layout.row_of(self.cursor) == row:
            at = index(self.cursor - start)
            spans.append((at, at + 1, self.get_component_rich_style("document-view--cursor")))
        shown += " "
        segments = list(Segment.simplify(styled_segments(shown, spans, self._base_style)))
        cells = sum([cell_len(segment.text) for segment in segments])  # as Strip measures: segment by segment
        if cells > width:
            return Strip(segments, cells).crop(0, width)
        if cells < width:
            segments.append(Segment(" " * (width - cells), self._base_style))
        return Strip(segments, width)

    def _tokens_in(self, start: int, end: int) -> list[tuple[int, int, Style]]:
        if end > self._lexed and end - self._lexed <= LEX_AT_ONCE:  # the first screens: lexed as they are drawn
            self._lex(lambda: self._lexed >= end)
        if end > self._lexed:  # drawn without its colours: again once they are known
            self._uncoloured = max(self._uncoloured, end)
        first = bisect_left(self._token_starts, start - self._longest_token)
        last = bisect_left(self._token_starts, end)
        return [t for t in self._tokens[first:last] if t[1] > start]

    def _cursor_row(self) -> int:
        return self._ensure_layout().row_of(self.cursor)

    def _selection_rows(self) -> set[int]:
        rows = {self._cursor_row()}
        if self.selection:
            layout = self._ensure_layout()
            first, last = layout.row_of(self.selection[0]), layout.row_of(self.selection[1])
            rows.update(range(first, last + 1))
        return rows

    def _refresh_rows(self, rows: set[int]) -> None:
        """Forget and repaint these rows (document rows: ``refresh_line`` takes a row of the whole document and
        subtracts the scroll offset itself)."""
        top = self.scroll_offset.y
        for row in rows:
            self._cache.discard(row)
            if top <= row < top + self.size.height:
                self.refresh_line(row)

    def _invalidate(self) -> None:
        self._cache.clear()
        self.refresh()

    def _scroll_to_cursor(self, center: bool) -> None:
        if not self.size.height:
            return
        row = self._cursor_row()
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if center and not top <= row < top + height:
            self.scroll_to(y=max(0, row - height // 2), animate=False, immediate=True)
        elif row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)


def _token_stream(document: Document) -> Iterator[tuple[int, int, Style]] | None:
    from .syntax import token_stream  # Pygments: imported only for a document that may need it

    return token_stream(document)


_STEPS: dict[str, tuple[Callable[[str, int], int], Callable[[str, int], int]]] = {
    "word": (textnav.word_forward, textnav.word_backward),
    "sentence": (sentences.sentence_forward, sentences.sentence_backward),
}
SYNC_WRAP = 200_000  # characters: a bigger document is wrapped in a thread (ASCII: 8 ms per 200,000; CJK: 20+ ms)
UNWRAPPED = Layout("", 2)  # what a view without a width yet has: one empty row
COUNT_AT_ONCE = 1_000_000  # characters: the search bar counts a bigger text's matches once typing pauses
COUNT_PAUSE = 0.25  # seconds without a key typed
COUNT_SLICE = 1_000_000  # characters counted at a time (a few milliseconds)
LEX_AT_ONCE = 50_000  # characters: rows this far past the lexed ones are lexed as they are drawn (a few ms)
LEX_SLICE = 0.005  # seconds of lexing at a time in the background
MARK_SLICE = 0.005  # seconds of marking highlights at a time in a reload
WRAP_SLICE = 0.004  # seconds of wrapping at a time in the background,
WRAP_GAP = 0.0  # then the loop runs whatever else is ready (keys, drawing, timers due) before the next slice


def _expand_tabs(line: str) -> tuple[str, Callable[[int], int]]:
    """The row as drawn (tabs as spaces, as wide as ``Layout`` measures them) and a map from character index to
    drawn index."""
    if "\t" not in line:
        return line, lambda i: i
    parts: list[str] = []
    starts = [0] * (len(line) + 1)
    position = 0
    for s, e, width in cells(line):
        for i in range(s, e):
            starts[i] = position + (i - s)
        if line[s] == "\t":
            parts.append(" " * width)
            position += width
        else:
            parts.append(line[s:e])
            position += e - s
    starts[len(line)] = position
    return "".join(parts), starts.__getitem__
