"""Corpus search (``F``): every open document searched at once, hits as keyword-in-context rows grouped by
document with counts. ``enter`` jumps to a hit, ``space`` marks it, ``h`` tags the marked hits (or all of them).

The search runs in a helper process (``tui.corpus_helper``: in a thread it held the interpreter lock the keys
need), which sends its hits back in batches as it finds them; the screen takes in a few of them at each tick of a
timer, so the first rows show while big documents are still being searched and the keys never wait. A row's
keyword-in-context cells are cut out only when the row is drawn. A new query cancels the old search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.visual import VisualType
from textual.widgets import Checkbox, Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from ..corpus import Hit, SearchError, compile_pattern
from ..corpus_helper import Found, Helper
from ..document import Document
from ..text import safe_line
from ..wording import cut, fit, plural
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


def one_line(text: str) -> str:
    return safe_line(" ".join(text.split()))


def kwic(hit: Hit, side: int, marked: bool) -> Content:
    """``left · match · right`` with the match in the middle column."""
    left = fit(one_line(hit.left), side, from_end=True)
    left = " " * (side - cell_len(left)) + left  # right-aligned by cells, not characters
    right = fit(one_line(hit.right), side)
    mark = "● " if marked else "  "
    return Content.assemble(mark, (left, "dim"), " ", (one_line(hit.match), "bold reverse"), " ", (right, "dim"))


class HitOption(Option):
    """A hit's row, its cells cut out only when it is first drawn (a search lists up to 10,000 hits; a screen
    shows a few dozen)."""

    def __init__(self, hit: Hit, side: int) -> None:
        super().__init__("")
        self.hit, self.side, self.marked = hit, side, False
        self._made = False

    @property
    def prompt(self) -> VisualType:
        if not self._made:
            self._prompt, self._made = kwic(self.hit, self.side, self.marked), True
        return self._prompt

    def mark(self, marked: bool) -> None:
        """Drawn again, marked or not (the same height: no line is measured again)."""
        self.marked, self._made, self._visual = marked, False, None


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


class HitList(OptionList):
    """An ``OptionList`` whose prompts can change in place. ``replace_option_prompt_at_index`` drops every cached
    line and measures all options again (with 10,000 hits, hundreds of milliseconds each time a count or a mark
    changed); a prompt of the same height needs only its own rows redrawn."""

    def set_prompt(self, index: int, prompt: Content) -> None:
        option = self.get_option_at_index(index)
        before = self._line_cache.heights.get(index)
        option._set_prompt(prompt)
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width() - padding.width
        after = self._get_visual(option).get_height(self.styles, width) + option._divider  # type: ignore[arg-type]
        if before is None or after != before:
            self._clear_caches()
            return
        cached = self._option_render_cache.keys()  # an LRUCache: no iteration of its own
        for key in [k for k in cached if k[0] is option]:
            self._option_render_cache.discard(key)
        self.refresh()

    def _update_lines(self) -> None:
        """Every hit and header is one line (``text-wrap: nowrap``, prompts made one line): new options get
        their line without being wrapped to measure it (OptionList wraps each, ~0.3 ms apiece: 10,000 hits held
        the keys up for seconds in all)."""
        cache = self._line_cache
        lines = cache.lines
        if lines and lines[-1][0] + 1 >= len(self.options):  # asked at every line drawn: nothing new
            return
        if not self.scrollable_content_region:
            return
        for index in range(lines[-1][0] + 1 if lines else 0, len(self.options)):
            cache.index_to_line[index] = len(lines)
            cache.heights[index] = 1 + self.options[index]._divider
            lines.append((index, 0))
            if self.options[index]._divider:
                lines.append((index, 1))
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        last_divider = self.options and self.options[-1]._divider
        virtual_size = Size(width, len(lines) - (1 if last_divider else 0))
        if virtual_size != self.virtual_size:
            self.virtual_size = virtual_size
            self._scroll_update(virtual_size)


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

    def __init__(self, documents: Sequence[Document], query: str = "") -> None:
        super().__init__()
        self.documents = list(documents)
        self.query_text = query
        self.found: list[Hit] = []  # in the order shown
        self.marked: set[int] = set()  # indexes into found
        self._rows: dict[int, int] = {}  # option index -> index into found
        self._options: list[int] = []  # index into found -> option index
        self._headers: dict[str, int] = {}  # document path -> its header's option index
        self._counts: dict[str, int] = {}
        self._documents = {document.key: document for document in self.documents}
        self._side = 0  # the context of the hits listed, either side
        self.searching = False  # until the helper says it is done (or failed)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Search all open documents", classes="title", id="status")
            yield SafeInput(self.query_text, placeholder="words to find (a capital letter: match case)", id="query")
            yield Checkbox("regular expression", id="regex")
            yield HitList(id="hits")
            yield Label(
                "enter: search / go to the hit · ↓: to the hits · space: mark · h: tag marked (or all) · escape",
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()
        self._drainer = self.set_interval(TICK, self._drain, pause=True)
        self.helper.prepare(self.documents)  # started, and the texts on their way, while the query is typed
        if self.query_text:
            self._start()

    def on_unmount(self) -> None:
        self.helper.cancel()  # closed: the helper stops searching (and keeps the texts for the next search)

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
        self.found, self.marked, self._rows, self._options, self._headers, self._counts = [], set(), {}, [], {}, {}
        self.query_one("#hits", OptionList).clear_options()
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
        """Take in the hits that came since the last tick (a thousand at most: the keys never wait long)."""
        for found in self.helper.take(PER_TICK):
            self._take(found)

    def _take(self, found: Found) -> None:
        if found.kind == "hits":
            self._add(self._documents[found.path], found.hits, found.count)
        elif found.kind == "count":
            self._count(self._documents[found.path], found.count)
        else:
            self._drainer.pause()
            self.searching = False
            if found.kind == "done":
                self._done(found.count)
            else:
                self._status(found.text)

    def _add(self, document: Document, batch: list[Hit], found: int) -> None:
        """List ``batch`` (of ``found`` hits) in one go: one ``add_options``, the header's count set in place."""
        options = self.query_one("#hits", HitList)
        new: list[Option] = []
        if document.key not in self._headers and batch:
            self._headers[document.key] = options.option_count
            new.append(Option(self._header(document, 0), disabled=True))
        first = options.option_count + len(new)
        for n, hit in enumerate(batch):
            self._rows[first + n] = len(self.found)
            self._options.append(first + n)
            self.found.append(hit)
            new.append(HitOption(hit, self._side))
        options.add_options(new)
        self._count(document, found)
        if options.highlighted is None and self.found:
            options.highlighted = 1

    def _count(self, document: Document, more: int) -> None:
        self._counts[document.key] = self._counts.get(document.key, 0) + more
        header = self._headers.get(document.key)
        if header is not None:
            self.query_one("#hits", HitList).set_prompt(header, self._header(document, self._counts[document.key]))

    def _header(self, document: Document, count: int) -> Content:
        return Content.assemble(
            (cut(one_line(document.title), min(100, self.app.size.width - 24)), "bold"),
            f"  ({plural(count, 'match', 'matches')})",
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
        self.query_one("#status", Label).update(Content(text))

    # -- acting on hits ------------------------------------------------------------------------------------------
    @on(Input.Submitted, "#query")
    def _to_hits(self) -> None:
        self.query_one("#hits", OptionList).focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key == "down" and isinstance(self.focused, Input):
            self.query_one("#hits", OptionList).focus()
            event.stop()

    def _current(self) -> int | None:
        index = self.query_one("#hits", OptionList).highlighted
        return self._rows.get(index) if index is not None else None

    @on(OptionList.OptionSelected, "#hits")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        found = self._rows.get(event.option_index)
        if found is not None:
            self.dismiss(Choice("jump", [self.found[found]]))

    def action_mark(self) -> None:
        found = self._current()
        if found is None:
            return
        self.marked ^= {found}
        self._redraw(found)
        options = self.query_one("#hits", OptionList)
        options.action_cursor_down()

    def action_mark_all(self) -> None:
        everything = set(range(len(self.found)))
        self.marked = set() if self.marked == everything else everything
        options = self.query_one("#hits", HitList)
        for found in range(len(self.found)):
            self._option(found).mark(found in self.marked)
        options._option_render_cache.clear()
        options.refresh()

    def _option(self, found: int) -> HitOption:
        option = self.query_one("#hits", HitList).get_option_at_index(self._options[found])
        assert isinstance(option, HitOption)
        return option

    def _redraw(self, found: int) -> None:
        option = self._option(found)
        option.marked = found in self.marked
        self.query_one("#hits", HitList).set_prompt(self._options[found], kwic(option.hit, option.side, option.marked))

    def action_tag(self) -> None:
        chosen = [self.found[i] for i in sorted(self.marked)] or list(self.found)
        if not chosen:
            self.notify("Nothing to tag: search for something first", severity="warning", timeout=3)
            return
        self.dismiss(Choice("tag", chosen))

    def action_close(self) -> None:
        self.dismiss(None)
