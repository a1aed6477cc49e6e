"""Corpus search (``F``): every open document searched at once, hits as keyword-in-context rows grouped by
document with counts. ``enter`` jumps to a hit, ``space`` marks it, ``h`` tags the marked hits (or all of them).

The search runs in a helper process (``tui.corpus_helper``: in a thread it held the interpreter lock the keys
need), which sends its hits back in batches as it finds them; the screen takes in a few of them at each tick of a
timer, so the first rows show while big documents are still being searched and the keys never wait. A row's
keyword-in-context cells are cut out only when the row is drawn, and a hit is held as a plain tuple (nothing per
hit for the garbage collector to walk: see ``tui.ui.line_list``). A new query cancels the old search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import Reactive
from textual.screen import UPDATE_PERIOD, ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label

from ..corpus import Hit, SearchError, compile_pattern
from ..corpus_helper import Helper, Row
from ..document import Document
from ..text import one_line, with_ends
from ..wording import cut, fit, plural
from .focus import focus_now
from .footer import ReaderFooter
from .frames import FrameTimer
from .line_list import LineList
from .safe_input import SafeInput
from .styles import styles_of

TICK = 1 / 60  # seconds between two looks for hits that came from the helper
PER_TICK = 1000  # hits taken in at most at a time (each tick's work stays a few milliseconds)
MAX_HITS = 10_000  # shown at most (the count still says how many were found up to here)


@dataclass
class Choice:
    """What the search screen was closed with: a hit to go to, or hits to tag."""

    verb: str  # "jump" or "tag"
    hits: list[Hit]


def kwic(hit: Hit, side: int, marked: bool) -> Content:
    """``left · match · right`` with the match in the middle column, the text as it reads (no space added
    around the match: ``sanctions.`` stays ``sanctions.``; the match stands out by its style)."""
    left = fit(with_ends(hit.left, one_line(hit.left)), side, from_end=True)
    left = " " * (side - cell_len(left)) + left  # right-aligned by cells, not characters
    right = fit(with_ends(hit.right, one_line(hit.right)), side)
    mark = "● " if marked else "  "
    return Content.assemble(mark, (left, "dim"), (one_line(hit.match), "bold reverse"), (right, "dim"))


def helper_of(app: object) -> Helper:
    """The app's search helper, started with the first search screen and kept (its texts with it) until the app
    exits (``MarginaliaApp.on_unmount`` closes it)."""
    helper = getattr(app, "corpus_helper", None)
    if helper is None:
        import atexit

        helper = Helper()
        atexit.register(helper.close)  # an exit that skips the app's own (the process would end anyway: EOF)
        app.corpus_helper = helper  # type: ignore[attr-defined]
    return helper


class Hits(Sequence[Hit]):
    """The hits listed, held as tuples (``Row``); each a ``Hit`` when looked at."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        if isinstance(index, slice):
            return [Hit(*row) for row in self.rows[index]]
        return Hit(*self.rows[index])


def smart_case(query: str) -> bool:
    """Ignore case unless the query has a capital letter (as ``/`` does)."""
    return query == query.lower()


class CorpusSearch(ModalScreen[Choice | None]):
    CSS_PATH = styles_of(__file__)
    BINDING_GROUP_TITLE = "Search all documents"
    BINDINGS = [
        Binding("escape", "close", "close", id="search-all-close", tooltip="Close the search"),
        Binding("space", "mark", "mark", show=True, id="search-all-mark", tooltip="Mark or unmark the hit"),
        Binding("h", "tag", "tag marked (or all)", id="search-all-tag", tooltip="Tag the marked hits (or all)"),
        Binding("ctrl+a", "mark_all", "mark all", id="search-all-mark-all", tooltip="Mark every hit"),
    ]

    # A focus change repaints what changed (the widgets' own :focus styles), not the whole screen (Screen's
    # ``focused`` repaints it all: 10-40 ms with the hits listed, in the way of the keys while a search runs).
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    _frames: FrameTimer | None = None

    def __init__(self, documents: Sequence[Document], query: str = "") -> None:
        super().__init__()
        self.documents = list(documents)
        self.query_text = query
        self.found = Hits()  # in the order shown
        self.marked: set[int] = set()  # indexes into found
        self._rows: list[int] = []  # index into found -> its row in the list
        self._headers: dict[str, int] = {}  # document path -> its header's row
        self._counts: dict[str, int] = {}
        self._number = {document.key: n for n, document in enumerate(self.documents)}  # a header's value: -1 - n
        self._side = 0  # the context of the hits listed, either side
        self.searching = False  # until the helper says it is done (or failed)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Search all open documents", classes="title", id="status")
            yield SafeInput(self.query_text, placeholder="words to find (a capital letter: match case)", id="query")
            yield Checkbox("regular expression", id="regex")
            yield LineList(self._describe, id="hits")
            yield Label(
                "↓: to the hits · enter: go to a hit · space: mark · h: tag marked (or all)",  # fits 80 columns
                classes="hint",
            )
        yield ReaderFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#query", Input))
        self._drainer = self.set_interval(TICK, self._drain, pause=True)
        self.helper.prepare(self.documents)  # started, and the texts on their way, while the query is typed
        if self.query_text:
            self._start()

    def on_unmount(self) -> None:
        self.helper.cancel()  # closed: the helper stops searching (and keeps the texts for the next search)

    @property
    def _update_timer(self) -> Timer:
        """The timer the screen draws its frames on: Textual's, with the slot it waits for after a pause fixed
        (``tui.ui.frames``: a key pressed right after a frame of hits waited one frame more)."""
        if self._frames is None:
            self._frames = FrameTimer(
                self, UPDATE_PERIOD, name="screen_update", callback=self._on_timer_update, pause=True
            )
            self._frames._start()
            self._timers.add(self._frames)
        return self._frames

    @property
    def helper(self) -> Helper:
        return helper_of(self.app)

    @property
    def side(self) -> int:
        return max(12, (self.app.size.width - 24) // 2)

    # -- searching -----------------------------------------------------------------------------------------------
    @on(Input.Changed, "#query")
    @on(Checkbox.Changed, "#regex")
    def _start(self) -> None:
        query = self.query_one("#query", Input).value
        regex = self.query_one("#regex", Checkbox).value
        self.found, self.marked, self._rows, self._headers, self._counts = Hits(), set(), [], {}, {}
        self.query_one("#hits", LineList).clear()
        self.helper.cancel()
        self.searching = False
        self._drainer.pause()
        if not query:
            self._status("Search all open documents")
            return
        try:  # here too, so that a mistake shows at once (a pattern typed compiles in well under a millisecond)
            compile_pattern(query, regex, smart_case(query))
        except SearchError as error:
            self._status(str(error))
            return
        self._status(f"searching {len(self.documents)} documents…")
        self._side = self.side
        self.helper.search(self.documents, query, regex, smart_case(query), self._side, MAX_HITS)
        self.searching = True
        self._drainer.resume()

    def _drain(self) -> None:
        """Take in the hits that came since the last tick (a thousand at most: the keys never wait long), listed in
        one step: the list's size, its scrollbar and each header's count are updated once a tick, not once a
        batch of the helper's."""
        hits = self.query_one("#hits", LineList)
        new: list[int] = []  # the rows to list
        counted: set[str] = set()
        for found in self.helper.take(PER_TICK):
            if found.kind == "hits":
                self._add(found.path, found.hits, hits.option_count + len(new), new)
            if found.kind in ("hits", "count"):
                self._counts[found.path] = self._counts.get(found.path, 0) + found.count
                counted.add(found.path)
            elif found.kind in ("done", "error"):
                self._drainer.pause()
                self.searching = False
                if found.kind == "done":
                    self._done(found.count)
                else:
                    self._status(found.text)
        if new:
            hits.add(new)
        for path in counted:
            hits.refresh_row(self._headers.get(path))
        if hits.highlighted is None and self.found:
            hits.highlighted = 1

    def _add(self, path: str, batch: list[Row], row: int, new: list[int]) -> None:
        """Put ``batch`` (hits in the document at ``path``) into ``new``, the rows listed from ``row`` on, under the
        document's header."""
        if path not in self._headers and batch:
            self._headers[path] = row
            new.append(-1 - self._number[path])
            row += 1
        first = len(self.found)
        self.found.rows.extend(batch)
        self._rows.extend(range(row, row + len(batch)))
        new.extend(range(first, first + len(batch)))

    def _describe(self, value: int) -> Content:
        """A row of the list: a document's header (a negative value), else a hit."""
        if value >= 0:
            return kwic(self.found[value], self._side, value in self.marked)
        document = self.documents[-1 - value]
        return Content.assemble(
            (cut(one_line(document.title), min(100, self.app.size.width - 24)), "bold"),
            f"  ({plural(self._counts.get(document.key, 0), 'match', 'matches')})",
        )

    def _done(self, total: int) -> None:
        documents = len(self._counts)
        shown = f" (the first {MAX_HITS:,} shown)" if total > MAX_HITS else ""
        if total:
            self._status(
                f"{plural(total, 'match', 'matches', thousands=True)} in {plural(documents, 'document')}{shown}"
            )
        else:
            self._status("no matches")

    def _status(self, text: str) -> None:
        """The line above the query. It spans the screen (styles): a text that fits on one line, as the one before
        did, needs no layout of the screen (a few milliseconds in the frame of the first results)."""
        status = self.query_one("#status", Label)
        width = status.content_region.width
        same = status.size.height == 1 and 0 < cell_len(text) <= width
        status.update(Content(text), layout=not same)

    # -- acting on hits ------------------------------------------------------------------------------------------
    @on(Input.Submitted, "#query")
    def _to_hits(self) -> None:
        focus_now(self.query_one("#hits", LineList))  # now: ``↓ ↓ enter`` in one burst reaches the hits

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key == "down" and isinstance(self.focused, Input):
            focus_now(self.query_one("#hits", LineList))
            event.stop()

    def _current(self) -> int | None:
        hits = self.query_one("#hits", LineList)
        return hits.values[hits.highlighted] if hits.highlighted is not None else None

    @on(LineList.Selected, "#hits")
    def _chosen(self, event: LineList.Selected) -> None:
        self.dismiss(Choice("jump", [self.found[event.value]]))

    def action_mark(self) -> None:
        found = self._current()
        if found is None:
            return
        self.marked ^= {found}
        hits = self.query_one("#hits", LineList)
        hits.refresh_row(self._rows[found])
        hits.action_scroll_down()

    def action_mark_all(self) -> None:
        everything = set(range(len(self.found)))
        self.marked = set() if self.marked == everything else everything
        self.query_one("#hits", LineList).refresh()

    def action_tag(self) -> None:
        chosen = [self.found[i] for i in sorted(self.marked)] or self.found[:]
        if not chosen:
            self.notify("Nothing to tag: search for something first", severity="warning", timeout=3)
            return
        self.dismiss(Choice("tag", chosen))

    def action_close(self) -> None:
        self.dismiss(None)
