"""The reader: documents side by side; highlight, tag, edit, delete, undo. The UI presents and dispatches; the
store, history and text navigation live in the core.

Writes run in a worker, one at a time (``_write_lock``), so the screen stays responsive; a change is reported as
saved only once the store has it on disk. Another process's changes are picked up by polling the store's stamp.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.theme import Theme as ColourScheme  # Textual's "theme": not a coding theme
from textual.theme import ThemeProvider
from textual.timer import Timer
from textual.widget import AwaitMount, Widget
from textual.widgets import Input
from textual.worker import get_current_worker

from .. import sentences, textnav
from ..coders import coder_key
from ..config import Config
from ..document import Document, DocumentError, PendingDocument, load_document
from ..history import (
    Change,
    Created,
    Deleted,
    Edited,
    History,
    MemoEdited,
    Resized,
    Reviewed,
    Tagged,
    ThemeEdit,
    ThemesChanged,
)
from ..memos import MemoKey
from ..metadata import apply_metadata
from ..model import Annotation, Theme, new_annotation, pick_colour, theme_key
from ..state import Place, State
from ..state import save as save_state
from ..storage import StoreError
from ..store import Store
from ..text import sanitise
from ..wording import cut, plural
from . import keys, keys_first, lag
from .chips import chip
from .document_view import COUNT_AT_ONCE, DocumentView
from .focus import focus_now
from .footer import ReaderFooter
from .pane import ExtractingPane, Pane, TitleBar
from .reader_screen import ReaderScreen
from .safe_input import SafeInput
from .style_cache import StyleCache, cache_path

if TYPE_CHECKING:  # only named in annotations: the screens and dialogs are imported when first opened
    from ..compare import Cooccurrence, Matrix
    from ..corpus import Hit
    from .dialogs import Tagging
    from .panels import ThemesPanel
    from .review import ReviewPanel

PLAIN = "#C0C0C0"  # a highlight with no theme
MAX_PANES = 3
# The first screen's rooms: the screens and dialogs load their own when first opened (tui/ui/styles.py).
READER_ROOMS = ("pane", "document_view", "review", "app")
POLL_SECONDS = 1.0
READ_SLICE = 0.008  # seconds of reading a big document at a time, then
READ_GAP = 0.0  # then the loop runs whatever else is ready (keys, drawing, timers due) before the next slice
WHOLE_POLL = 0.02  # seconds between looks at whether a view shows its whole document yet
COMPARE_DELAY = 1.0  # seconds without changes before the compare matrix is built again
# A full collection traverses every tracked object (10,000 annotations, the compare matrix, Textual's caches):
# 100-230 ms at a time, often during a corpus search or a drill-down, and a key waits as long. Young objects are
# still collected as often; the old generation a hundredth as often (cyclic garbage there is rare and small).
OLD_GENERATION_EVERY = 1000  # collections of the middle generation (Python's default: 10)


# A pane keeps a column of text a reader follows: 32 cells hold about 4.5 words a row on the seeds, a newspaper
# column; narrower, rows of three or four words break the reading and the wrapped rows ragged. Side by side, a pane
# also keeps the whole height: at 80x24 two panes show 18 rows of 37 cells each (about 95 words), stacked only 7
# rows of 76 (about 75 words), and the two passages are no longer next to each other.
PANE_TEXT = 32
PANE_FRAME = 3  # a pane's border (2) and its scrollbar (1)


def stacks_below(panes: int) -> int:
    """The terminal width below which ``panes`` panes stack: 70 columns for two, 105 for three (never for one)."""
    return (PANE_TEXT + PANE_FRAME) * panes if panes > 1 else 0


class MarginaliaApp(App[None]):
    TITLE = "marginalia"
    # The reader's rooms' styles, each in a .tcss file beside its module (tui/ui/styles.py). The app's own rules
    # come last: before the move they were the app's CSS, above every widget's defaults.
    # (Absolute: Textual reads a relative path beside the subclass's file, and tests and benchmarks subclass it.)
    CSS_PATH = [Path(__file__).with_name(f"{room}.tcss") for room in READER_ROOMS]

    BINDING_GROUP_TITLE = "Reader"
    # Each key's one source (see tui/ui/keys.py): the id for the keymap, the footer's word, the sentence for the
    # help, the palette and ``marginalia keys``.
    # fmt: off
    BINDINGS = [
        Binding("tab", "focus_pane(1)", "next pane", show=False, id="next-pane", tooltip="Focus the next pane"),
        Binding("shift+tab", "focus_pane(-1)", "previous pane", show=False, id="previous-pane",
                tooltip="Focus the previous pane"),
        Binding("slash", "search", "search", id="search", tooltip="Search the focused document"),
        Binding("n", "search_again(True)", "next match", show=False, id="next-match", tooltip="Go to the next match"),
        Binding("N", "search_again(False)", "previous match", show=False, id="previous-match",
                tooltip="Go to the previous match"),
        Binding("h", "highlight", "highlight", id="highlight",
                tooltip="Highlight the selection (or the sentence at the cursor) and tag it"),
        Binding("right_square_bracket", "jump(True)", "next highlight", show=False, id="next-highlight",
                tooltip="Go to the next highlight"),
        Binding("left_square_bracket", "jump(False)", "previous highlight", show=False, id="previous-highlight",
                tooltip="Go to the previous highlight"),
        Binding("e", "edit", "edit", id="edit", tooltip="Edit the themes and note of the highlight at the cursor"),
        Binding("E", "change_extent", "extent", show=False, id="change-extent",
                tooltip="Change the extent of the highlight at the cursor (or set it to the selection)"),
        Binding("d", "delete", "delete", id="delete", tooltip="Delete the highlight at the cursor"),
        Binding("u", "undo", "undo", id="undo", tooltip="Undo the last change"),
        Binding("ctrl+r", "redo", "redo", show=False, id="redo", tooltip="Redo what was undone"),
        Binding("a", "annotations", "annotations", id="annotations", tooltip="List highlights; jump to one"),
        Binding("r", "review", "review", show=False, id="review",
                tooltip="Review the highlights re-anchoring was unsure of: accept a place or reject it"),
        Binding("t", "themes", "themes", id="themes", tooltip="Your coding themes: rename, merge, recolour, describe or delete"),
        Binding("F", "corpus_search", "search all", id="search-all",
                tooltip="Search every open document; mark and tag the hits"),
        Binding("c", "compare", "compare", id="compare",
                tooltip="Themes x documents: counts, passages side by side, co-occurrence"),
        Binding("M", "document_memo", "memo", show=False, id="memo-document",
                tooltip="Write the memo on the focused document (Markdown)"),
        Binding("s", "sync", "sync scroll", show=False, id="sync-scroll", tooltip="Scroll all panes together (toggle)"),
        Binding("x", "export", "export", show=False, id="export", tooltip="Export annotations as Markdown or W3C JSON"),
        Binding("o", "documents", "documents", show=False, id="documents", tooltip="Choose which documents are shown"),
        Binding("question_mark", "help", "help", id="help", tooltip="Show the keys"),
        Binding("C", "coders", "coders", show=False, id="coders",
                tooltip="Show every coder's highlights (others' underlined), or only yours"),
        Binding("q", "quit", "quit", id="quit", tooltip="Quit marginalia"),
    ]
    # the bindings the command palette offers too, in this order
    PALETTE = ("highlight", "edit", "change-extent", "delete", "search", "annotations", "review", "themes", "search-all",
               "compare", "memo-document", "export", "documents", "sync-scroll", "undo", "redo")
    # fmt: on

    def __init__(
        self,
        documents: list[Document],
        store: Store,
        problems: Iterable[str] = (),
        settings: Config | None = None,
        state: State | None = None,
    ) -> None:
        super().__init__()
        self._styles = StyleCache(cache_path())  # the first screen's rules, as the last start parsed them
        self._styles.install(self.stylesheet)
        self.documents = documents
        self.store = store
        self.problems = list(problems)
        self.settings = settings or Config(Path("config.toml"))
        self.shown = list(range(min(len(documents), MAX_PANES)))
        self.annotations: dict[str, Annotation] = {}
        self.themes: dict[str, Theme] = {}
        self.history = History()
        self.folded_themes: set[str] = set()  # codebook nodes folded in the themes panel and the compare matrix
        self.sync_scroll = False
        self.only_mine = False  # C: only the reader's coder's highlights
        self.last_query = ""
        self._write_lock = asyncio.Lock()
        self._extract_lock = threading.Lock()
        self._syncing = False
        self._last_view: DocumentView | None = None  # the pane that had the focus before a dialog took it
        self._reviewing: str | None = None  # the annotation whose place the review list last showed
        self._review_panel: ReviewPanel | None = None  # mounted when first opened (``_review_list``)
        self._model_version = 0  # counts changes to the highlights, for the compare matrix kept ready
        self._compare_timer: Timer | None = None
        self._thresholds: tuple[int, int, int] | None = None  # the collector's, restored at exit
        self._compare_ready: tuple[tuple[object, ...], Matrix, Cooccurrence] | None = None
        self._load_model(store.annotations(docs=self._document_keys()), store.themes())
        self._apply_settings()
        self.state = state  # None: nothing restored, nothing saved
        if state is not None:
            self._restore_app_state(state)

    def _restore_app_state(self, state: State) -> None:
        """What the user last chose in the app, where the config file says nothing (or nothing usable). A setting
        written in the config file is a standing decision and wins: the state remembers every quit, so were it
        the other way round, editing the file would do nothing once the reader had been used."""
        if not self._configured_scheme() and state.colour_scheme in self.available_themes:
            self.theme = state.colour_scheme
        if self.settings.sync_scroll is None and state.sync_scroll is not None:
            self.sync_scroll = state.sync_scroll

    def _configured_scheme(self) -> str | None:
        scheme = self.settings.colour_scheme
        return scheme if scheme in self.available_themes else None

    def _scheme_chosen(self, theme: ColourScheme) -> None:
        """A colour scheme chosen in the app, while the config file sets another: say which one the next start
        uses, so the choice is not silently lost."""
        configured = self._configured_scheme()
        if configured is not None and theme.name != configured:
            self.notify(
                f"{theme.name} until you quit: {self.settings.path} sets colour-scheme = {configured!r}, "
                "which the next start uses",
                title="Colour scheme", timeout=8,
            )  # fmt: skip

    def _restore_places(self, views: list[DocumentView] | None = None) -> None:
        """Each view (of a document read whole) back where the reader left off in that text."""
        if self.state is None:
            return
        for view in self.views if views is None else views:
            if not view.document.complete:
                continue  # once it is (``_read_documents``): its fingerprint is the whole text's
            place = self.state.places.get(view.document.key)
            if place is not None and place.fingerprint == view.document.fingerprint:
                view.restore_place(place.cursor, place.top)

    def save_state(self) -> None:
        """Remember where each shown document is, and the app's choices (atomically; a failure is a notice)."""
        if self.state is None:
            return
        for view in self.views:
            self.state.places.pop(view.document.key, None)  # re-inserted last: the most recent
            self.state.places[view.document.key] = Place(view.document.fingerprint, view.cursor, view.top_offset())
        self.state.colour_scheme = self.theme
        self.state.sync_scroll = self.sync_scroll
        try:
            save_state(self.state)
        except OSError as error:
            self.notify(f"{self.state.path}: cannot save where you left off ({error})", severity="warning")

    def _apply_settings(self) -> None:
        """The config file's keymap, colour scheme and scrolling; what cannot be used becomes a notice."""
        keymap, problems = keys.checked_keymap(self.settings)
        self.set_keymap(keymap)
        scheme = self.settings.colour_scheme
        if scheme is not None and scheme not in self.available_themes:
            problems.append(
                f"{self.settings.path}: colour-scheme = {scheme!r}: no such colour scheme; the default is used"
            )
        elif scheme is not None:
            self.theme = scheme
        if self.settings.sync_scroll is not None:
            self.sync_scroll = self.settings.sync_scroll
        self.setting_problems = self.settings.problems + problems

    async def on_event(self, event: events.Event) -> None:
        """A key's binding runs as the key arrives, before the next key is delivered. Textual delivers a key to the
        focused widget and runs the binding once the key has bubbled back: keys typed in a burst after ``h`` or
        ``tab`` would reach the pane or field that had the focus before (and be lost). An action that opens a
        screen returns its mount, which the binding waits for, so the keys after it reach the new screen."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            keys_first.pressed(self)  # the reader's work in slices waits for its frame (tui/ui/keys_first.py)
            await self._laid_out()
        if isinstance(event, events.Key) and not event.is_forwarded and self._binds_at_once(event):
            if not isinstance(self.focused, DocumentView):  # a view is forwarded no keys: none to wait for
                await _drained(self.focused)  # the characters typed before it are in the field first
            if await self._check_bindings(event.key, priority=True) or await self._check_bindings(event.key):
                return
            if isinstance(self.focused, DocumentView):  # unbound there: bubbling back later would find the
                return  # bindings of whatever screen is open by then (an escape would cancel the next dialog)
        await super().on_event(event)

    async def _laid_out(self) -> None:
        """Keys typed while the reader starts (a big document takes a while to load) wait until the panes have
        their size: on a pane with no rows yet, page down would go nowhere, and the selection after it too."""
        for _ in range(300):
            if not self._screen_stack or all(view.size.width for view in self.views):
                return
            await asyncio.sleep(0.01)

    def _binds_at_once(self, event: events.Key) -> bool:
        # A pane or a table types nothing, so all its keys are bindings; printable keys are typed into fields.
        return not _types_text(self.focused) or not event.is_printable

    def notify(self, message: str, *, title: str = "", markup: bool = False, **options: Any) -> None:
        """Messages quote themes, notes and paths: never markup, never control codes (widgets call this too)."""
        super().notify(sanitise(message), title=sanitise(title), markup=False, **options)

    # -- layout -------------------------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[None]:
        return ReaderScreen(id="_default")  # a resize paints a frame later: keys typed meanwhile wait less

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            for index in self.shown:
                yield self._pane(index)
        yield ReaderFooter()  # the search bar and the review list: when first opened

    # The search bar and the review list are mounted the first time they open: the first screen shows neither,
    # and mounting, styling and laying out widgets is the start's largest cost after Textual's own. Each takes its
    # place of old: the bar right after the panes (docked above the footer), the list between the panes and it.
    async def _search_bar(self) -> SearchBar:
        for bar in self.query(SearchBar):
            return bar
        close = keys.hint(self, SearchBar, ["search-close"], extra=["enter find"])
        bar = SearchBar(placeholder=f"search this document ({close})", id="search")
        await self.mount(bar, after="#panes")
        return bar

    async def _review_list(self) -> ReviewPanel:
        from .review import ReviewPanel  # with re-anchoring's modules: not at the start

        if self._review_panel is None:
            self._review_panel = ReviewPanel(self.colour_of, self._title_of)
            await self.mount(self._review_panel, before=self.query_one(ReaderFooter))
        return self._review_panel

    def on_unmount(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
        helper = getattr(self, "corpus_helper", None)  # the corpus search's process, if a search started it
        if helper is not None:
            helper.close()

    def on_mount(self) -> None:
        lag.start()  # the benchmark's: how long keys would wait (nothing unless MARGINALIA_LAG_LOG is set)
        self._refresh_views()
        views = self.views
        if views:
            views[0].focus()
        for problem in self.problems:
            self.notify(problem, severity="error", timeout=10)
        for problem in self.setting_problems:
            self.notify(problem, title="Settings", severity="warning", timeout=10)
        self._stack_if_narrow(self.size.width)
        self.set_interval(POLL_SECONDS, self._poll_store)
        self.theme_changed_signal.subscribe(self, self._scheme_chosen)
        self.call_after_refresh(self._after_first_frame)
        self._model_changed()

    def _after_first_frame(self) -> None:
        """What waits until the first screen is drawn: a thread re-anchoring or a process extracting would take
        the cores (and the thread Python's lock) from drawing it. The command line starts the reader with the
        garbage collector off (``tui.cli.main``): on now, what the start made frozen (never traversed again)."""
        if not gc.isenabled():
            gc.freeze()
            gc.enable()
        self._thresholds = gc.get_threshold()
        gc.set_threshold(self._thresholds[0], self._thresholds[1], OLD_GENERATION_EVERY)
        self._styles.save()
        self._restore_places()
        self._reconcile([d for d in self.documents if not isinstance(d, PendingDocument)])
        for document in self.documents:
            if isinstance(document, PendingDocument):
                self._extract(document)

    def on_resize(self, event: events.Resize) -> None:
        self._stack_if_narrow(event.size.width)

    def _stack_if_narrow(self, width: int) -> None:
        panes = self.query_one("#panes")
        panes.set_class(width < stacks_below(len(self.shown)), "-stacked")

    def _pane(self, index: int) -> Pane | ExtractingPane:
        document = self.documents[index]
        if isinstance(document, PendingDocument):
            return ExtractingPane(document, index)
        return Pane(document, index)

    @property
    def views(self) -> list[DocumentView]:
        return list(self.query(DocumentView))

    @property
    def active_view(self) -> DocumentView | None:
        focused = self.focused
        if isinstance(focused, DocumentView):
            return focused
        if self._last_view is not None and self._last_view.is_attached:
            return self._last_view
        return self.views[0] if self.views else None

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, DocumentView):
            self._last_view = event.widget

    # -- model --------------------------------------------------------------------------------------------------
    def _document_keys(self) -> list[str]:
        """The open documents' paths as annotations name them: the app reads only their shards of the store."""
        return sorted({key for d in self.documents for key in (d.key, str(d.path))})

    def _load_model(self, annotations: list[Annotation], themes: list[Theme]) -> None:
        self.annotations = {a.id: a for a in annotations}
        self.themes = {t.key: t for t in themes}
        self._model_changed()

    # -- the compare matrix, kept ready so that ``c`` shows it at once ------------------------------------------------
    def _model_changed(self) -> None:
        """The highlights changed: the matrix kept ready is stale; build it again once they settle (in a worker;
        a few hundred highlights need none, the compare screen counts them in a few milliseconds)."""
        self._model_version += 1
        if not self.is_running or not self.annotations:
            return
        from ..compare import BUILD_HERE

        if len(self.annotations) > BUILD_HERE:
            if self._compare_timer is not None:
                self._compare_timer.stop()
            self._compare_timer = self.set_timer(COMPARE_DELAY, self._prepare_compare)

    def _compare_key(self) -> tuple[object, ...]:
        themes = tuple((t.key, t.name, t.colour) for t in self.themes.values())
        return self._model_version, tuple(id(d) for d in self.documents), themes

    def _prepare_compare(self) -> None:
        key = self._compare_key()
        if self._compare_ready is None or self._compare_ready[0] != key:
            self._build_matrix(key, list(self.annotations.values()), list(self.themes.values()), list(self.documents))

    # a description of its own: by default Textual describes a worker by the repr of its arguments (10,000
    # annotations: a third of a second on the event loop at every change)
    @work(exclusive=True, group="compare-matrix", description="count the compare matrix")
    async def _build_matrix(
        self, key: tuple[object, ...], annotations: list[Annotation], themes: list[Theme], documents: list[Document]
    ) -> None:
        """Count the matrix and co-occurrence step by step on the event loop (not in a thread: its GIL would slow
        every frame meanwhile); a change meanwhile starts it again."""
        from ..compare import cooccurrence_steps
        from .compare import in_steps, matrix_steps, open_annotations, sources_of

        annotations = open_annotations(documents, annotations)
        matrix = await in_steps(matrix_steps(annotations, themes, sources_of(documents)))
        _, found = await in_steps(cooccurrence_steps(annotations, themes))
        if key == self._compare_key():  # nothing changed meanwhile
            self._compare_ready = (key, matrix, found)

    def colour_of(self, annotation: Annotation) -> str:
        for name in annotation.themes:
            theme = self.themes.get(theme_key(name))
            if theme is not None:
                return theme.colour
        return PLAIN

    def paint_of(self, annotation: Annotation) -> tuple[str, str]:
        """Its colour and, with several themes, the second theme's colour (drawn on its first cell)."""
        colours = [t.colour for t in map(self.themes.get, map(theme_key, annotation.themes)) if t is not None]
        first = colours[0] if colours else PLAIN
        second = next((c for c in colours[1:] if c.upper() != first.upper()), "")
        if len(annotation.themes) > 1 and not second:  # several themes of one colour: still marked
            second = PLAIN if first.upper() != PLAIN else "#808080"
        return first, second

    def _refresh_views(self) -> None:
        for pane, mine in self._panes_with_highlights():
            pane.view.set_annotations(mine, {a.id: self.paint_of(a) for a in mine})
            self._pane_refreshed(pane)
        self._refresh_review()

    async def _refresh_views_in_steps(self) -> None:
        """``_refresh_views`` a slice at a time, between keys (a reload of thousands of highlights)."""
        for pane, mine in self._panes_with_highlights():
            await pane.view.set_annotations_in_steps(mine, self.paint_of)
            if pane.query(TitleBar):  # (not taken down meanwhile)
                self._pane_refreshed(pane)
        self._refresh_review()

    def _panes_with_highlights(self) -> list[tuple[Pane, list[Annotation]]]:
        """Each pane shown, with the highlights it shows (its coder set)."""
        by_doc: dict[str, list[Annotation]] = {}
        for annotation in self._visible(self.annotations.values()):
            by_doc.setdefault(annotation.document.path, []).append(annotation)
        shown = []
        for pane in self.query(Pane):
            if not pane.query(TitleBar):  # taken down as the app exits (a reload's worker may finish then)
                continue
            pane.view.coder = self.store.coder
            shown.append((pane, by_doc.get(pane.document.key, [])))
        return shown

    def _pane_refreshed(self, pane: Pane) -> None:
        pane.update_title()
        self._update_status(pane)

    def _visible(self, annotations: Iterable[Annotation]) -> list[Annotation]:
        """Every coder's highlights, or with ``only_mine`` the reader's own (and unattributed old ones)."""
        if not self.only_mine:
            return list(annotations)
        me = coder_key(self.store.coder)
        return [a for a in annotations if not a.coder or coder_key(a.coder) == me]

    def action_coders(self) -> None:
        self.only_mine = not self.only_mine
        self._refresh_views()
        others = len({coder_key(a.coder) for a in self.annotations.values() if a.coder} - {coder_key(self.store.coder)})
        shown = f"only {self.store.coder}'s highlights" if self.only_mine else "every coder's highlights"
        self.notify(f"Showing {shown} ({plural(others, 'other coder')} in the store; theirs underlined)")

    def _pane_of(self, document_key: str) -> Pane | None:
        return next((p for p in self.query(Pane) if p.document.key == document_key), None)

    def _show(self, annotation: Annotation) -> None:
        """Draw one new or changed highlight without redrawing the others (thousands of them, maybe)."""
        self.annotations[annotation.id] = annotation
        self._model_changed()
        pane = self._pane_of(annotation.document.path)
        if pane is not None and not self._visible([annotation]):
            pane.view.drop_annotation(annotation.id)
        elif pane is not None:
            pane.view.put_annotation(annotation, self.paint_of(annotation))
            pane.update_title()
            self._update_status(pane)
        self._refresh_review()

    def _hide(self, annotation: Annotation) -> None:
        self.annotations.pop(annotation.id, None)
        self._model_changed()
        pane = self._pane_of(annotation.document.path)
        if pane is not None:
            pane.view.drop_annotation(annotation.id)
            pane.update_title()
            self._update_status(pane)
        self._refresh_review()

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        pane = self._pane_of(message.view.document.key)
        if pane is not None:
            self._update_status(pane)

    def _update_status(self, pane: Pane) -> None:
        """The pane's status line: the highlight under the cursor, or where the search match stands."""
        view = pane.view
        if view.resizing is not None:
            pane.show_status(self._extent_hint(view))
            return
        annotation = under_cursor(view)
        if annotation is not None:
            pane.show_status(status_of(annotation, self.themes, keys.hint(self, MarginaliaApp, ["review"])))
            return
        selection = view.selection
        if view.search_query and selection and selection in textnav.find_all(view.text, view.search_query, *selection):
            number, count = view.match_number(view.search_query, selection[0])
            pane.show_status(
                Content(f"match {number} of {count} · “{sanitise(view.search_query)}” (n / N: next, previous)")
            )
            return
        pane.show_status(Content(""))

    def _extent_hint(self, view: DocumentView) -> Content:
        """Which end the keys move, and the keys (the help lists them with their words)."""

        def name(*ids: str) -> str:
            return " ".join(keys.key_name(self, DocumentView, i) for i in ids)

        edge, other = ("start", "end") if view.cursor < (view.selection_anchor or 0) else ("end", "start")
        moves = name("next-word", "previous-word", "next-sentence", "previous-sentence")
        return Content(
            f"Its {edge}: {moves} · {name('other-end')} its {other} · {name('save-extent')} save · "
            f"{name('clear-selection')} cancel"
        )

    def usage(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for annotation in self.annotations.values():
            counts.update(theme_key(t) for t in annotation.themes)
        return dict(counts)

    # -- store access (workers) ----------------------------------------------------------------------------------
    @work(group="store")
    async def _persist(
        self,
        change: Change,
        saved: str,
        undo: Callable[[], None] | None = None,
        record: bool = True,
        then: Callable[[], object] | None = None,
    ) -> None:
        """Apply ``change`` to the store off the main thread; say it is saved only once it is, then ``then()``."""
        async with self._write_lock:
            try:
                await asyncio.to_thread(change.apply, self.store)
            except (StoreError, ValueError) as error:
                if undo is not None:
                    undo()
                self.notify(str(error), title="Not saved", severity="error", timeout=8)
                await self._reload()
                return
            if record:
                self.history.record(change)
            await self._after(change)
        self.notify(saved, timeout=3)
        if then is not None:
            then()

    async def _after(self, change: Change) -> None:
        """Bring the screen in line with the store after ``change``: one highlight where that is all it touched
        (a reload of thousands would hold up typing), everything otherwise."""
        if isinstance(change, MemoEdited):
            return  # nothing on screen shows a memo's text
        if isinstance(change, Deleted):
            self._hide(change.annotation)  # again: a reload that ran meanwhile may have brought it back
            return
        if not isinstance(change, (Created, Edited)):
            await self._reload()
            return
        annotation_id = change.annotation.id if isinstance(change, Created) else change.after.id
        stored, themes = await asyncio.to_thread(lambda: (self.store.get(annotation_id), self.store.themes()))
        self.themes = {t.key: t for t in themes}
        self._show(stored)

    async def _reload(self) -> None:
        keys = self._document_keys()
        annotations, themes = await asyncio.to_thread(lambda: (self.store.annotations(docs=keys), self.store.themes()))
        self._load_model(annotations, themes)
        await self._refresh_views_in_steps()
        lag.note("reloaded")

    @work(group="poll")  # never exclusive: cancelled between the refresh and the reload, a change is never shown
    async def _poll_store(self) -> None:
        """Show changes another instance or ``marginalia tag`` wrote (a poll while one still runs does nothing)."""
        if self._write_lock.locked():
            return
        async with self._write_lock:
            try:
                changed = await asyncio.to_thread(self.store.refresh)
            except StoreError as error:
                self.notify(str(error), title="Store problem", severity="error", timeout=10)
                return
            if changed:
                await self._reload()

    async def _read_documents(self) -> None:
        """Read the rest of each document opened at its start, in slices between keys (decoding holds Python's
        lock: a thread would hold up the keys as much), and show it whole; then fingerprint it (in a thread: it
        holds the lock too, so it waits until the rows are wrapped, which a ``G`` or a search pressed at once
        waits for) and put each view back where the reader left off in that text."""
        shown: list[tuple[Document, list[DocumentView]]] = []
        for document in self.documents:
            while not document.read_for(READ_SLICE):
                await asyncio.sleep(READ_GAP)
            views = [v for v in self.views if v.document is document and v.text is not document.text]
            for view in views:
                view.text_complete()
            if views:
                self._refresh_views()  # highlights past the start were cut at its end
                shown.append((document, views))
            if document.problem:
                self.notify(document.problem, severity="error", timeout=10)
        for document, views in shown:
            while not all(view.whole or not view.is_attached for view in views):
                await asyncio.sleep(WHOLE_POLL)
            await asyncio.to_thread(getattr, document, "fingerprint")  # hashed apart from the keys
            self._restore_places(views)
        lag.note("read")

    @work(group="store")
    async def _reconcile(self, documents: list[Document]) -> None:
        """Re-anchor annotations whose documents changed since they were made (once they are read whole; never
        those of a document still being extracted: against its empty text they would all seem lost)."""
        from ..library import reconcile  # (with re-anchoring: imported after the first screen)

        await self._read_documents()
        async with self._write_lock:
            try:
                report = await asyncio.to_thread(reconcile, self.store, documents)
            except StoreError as error:
                self.notify(str(error), title="Store problem", severity="error", timeout=10)
                return
            await self._reload()
        lag.note("reconciled")
        if report.summary():
            hint = keys.hint(self, MarginaliaApp, ["review"])
            self.notify(f"{report.summary()} ({hint})", title="Documents changed", timeout=10)

    # -- extraction (workers) -------------------------------------------------------------------------------------
    @work(thread=True, group="extract")
    def _extract(self, pending: PendingDocument) -> None:
        """Extract a document's text in another process (keys never wait for it), its progress in its pane; then
        open it from its snapshot in the pane's place."""
        from ..extracting import extract_apart

        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            self.call_from_thread(self._extraction_progress, pending, done, total)

        try:
            with self._extract_lock:  # one at a time: each is a process busy on a core
                if worker.is_cancelled or not extract_apart(pending, progress, lambda: worker.is_cancelled):
                    return
            document = load_document(pending.path, options=replace(pending.options, reextract=False, progress=None))
            apply_metadata(self.store, [document])
        except (DocumentError, StoreError) as error:
            self.call_from_thread(self._extraction_failed, pending, str(error))
            return
        if not worker.is_cancelled:
            self.call_from_thread(self._extracted, pending, document)

    def _extracting_pane(self, pending: PendingDocument) -> ExtractingPane | None:
        return next((p for p in self.query(ExtractingPane) if p.document is pending), None)

    def _extraction_progress(self, pending: PendingDocument, done: int, total: int) -> None:
        pane = self._extracting_pane(pending)
        if pane is not None:
            pane.show_progress(done, total)

    def _extraction_failed(self, pending: PendingDocument, message: str) -> None:
        pane = self._extracting_pane(pending)
        if pane is not None:
            pane.show_failure(message)
        self.notify(message, title="Cannot open", severity="error", timeout=10)

    def _extracted(self, pending: PendingDocument, document: Document) -> None:
        """The document in the pending one's place (in the list, and in its pane if it is shown), its
        annotations re-anchored if it changed since they were made."""
        index = next(i for i, d in enumerate(self.documents) if d is pending)
        self.documents[index] = document
        old = self._extracting_pane(pending)
        if old is not None:
            self.call_later(self._replace_pane, old, document, index)
        self._reconcile([document])

    async def _replace_pane(self, old: ExtractingPane, document: Document, index: int) -> None:
        panes = self.query_one("#panes")
        if not old.is_attached or old.parent is not panes:  # rebuilt meanwhile (its successor is made anew)
            return
        pane, position = Pane(document, index), panes.children.index(old)
        await old.remove()  # first: the new pane takes its id
        if position < len(panes.children):
            await panes.mount(pane, before=position)
        else:
            await panes.mount(pane)
        if not pane.is_attached:  # the reader is closing
            return
        self._refresh_views()
        if not isinstance(self.focused, DocumentView) and not isinstance(self.screen, ModalScreen):
            pane.view.focus()  # nothing else could take keys: this document does now
        place = self.state.places.get(document.key) if self.state is not None else None
        if place is not None and place.fingerprint == document.fingerprint:
            self.call_after_refresh(pane.view.restore_place, place.cursor, place.top)

    # -- actions: moving around --------------------------------------------------------------------------------------
    def action_focus_pane(self, step: int) -> None:
        views = self.views
        if not views:
            return
        current = self.active_view
        index = views.index(current) if current in views else -1
        focus_now(views[(index + step) % len(views)])

    async def action_search(self) -> None:
        search = await self._search_bar()
        search.add_class("-shown")
        search.value = self.last_query
        focus_now(search)

    @on(Input.Changed, "#search")
    def _search_typed(self, event: Input.Changed) -> None:
        """Every match drawn as it is typed; their number on the bar."""
        view = self.active_view
        if view is None:
            return
        view.show_matches(event.value)
        bar = event.input

        def show(count: int) -> None:
            bar.border_subtitle = plural(count, "match", "matches")

        self.workers.cancel_group(view, "count")  # a count still going is of what was typed before
        if not event.value:
            bar.border_subtitle = ""
        elif len(view.text) <= COUNT_AT_ONCE:
            show(view.match_count(event.value))
        else:  # a big text: counted once typing pauses, between keys
            bar.border_subtitle = "counting…"
            view.count_matches(event.value, show)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.last_query = event.value
        self.action_close_search()
        self.action_search_again(True)

    def action_close_search(self) -> None:
        search = self.query_one("#search", Input)
        search.remove_class("-shown")
        view = self.active_view
        if view is not None:
            if not search.value:
                view.show_matches("")
            focus_now(view)

    def action_search_again(self, forward: bool) -> None:
        view = self.active_view
        if view is None or not self.last_query:
            self.notify("Nothing to search for: press / first", timeout=3)
            return
        if not view.whole:  # a big file still being read: the match may be in the rest
            view.when_whole(lambda: self.action_search_again(forward))
            return
        origin = view.selection[0] if view.selection else view.cursor
        span = view.search(self.last_query, forward)
        if span is None:
            self.notify(f"No match for “{self.last_query}”", severity="warning", timeout=3)
            return
        number, count = view.match_number(self.last_query, span[0])
        for search in self.query(SearchBar):  # (a search typed before: the bar is mounted)
            search.border_subtitle = f"match {number} of {count}"
        if (forward and span[0] <= origin and count > 1) or (not forward and span[0] >= origin and count > 1):
            where = "the top" if forward else "the end"
            self.notify(f"Search wrapped to {where}: match {number} of {count}", timeout=2)

    def action_jump(self, forward: bool) -> None:
        view = self.active_view
        if view is not None and view.next_highlight(forward) is None:
            self.notify("No more highlights " + ("below" if forward else "above"), timeout=2)

    def action_sync(self) -> None:
        self.sync_scroll = not self.sync_scroll
        configured = self.settings.sync_scroll
        later = "" if configured in (None, self.sync_scroll) else f" until you quit ({self.settings.path} sets it)"
        self.notify(f"Synchronised scrolling {'on' if self.sync_scroll else 'off'}{later}", timeout=3)

    def on_document_view_scrolled(self, message: DocumentView.Scrolled) -> None:
        if not self.sync_scroll or self._syncing:
            return
        source = message.view
        fraction = source.scroll_y / source.max_scroll_y if source.max_scroll_y else 0.0
        self._syncing = True
        try:
            for view in self.views:
                if view is not source:
                    view.scroll_to(y=round(fraction * view.max_scroll_y), animate=False, immediate=True)
        finally:
            self._syncing = False

    # -- actions: annotating ---------------------------------------------------------------------------------------
    def _span_to_highlight(self, view: DocumentView) -> tuple[int, int] | None:
        if view.selection:
            return textnav.trim(view.text, *view.selection)
        return sentences.sentence_at(view.text, view.cursor)

    def action_highlight(self) -> AwaitMount | None:
        view = self.active_view
        if view is None:
            return None
        span = self._span_to_highlight(view)
        if span is None or span[0] >= span[1]:
            self.notify("Nothing to highlight here: select some text first", severity="warning", timeout=3)
            return None
        quote = view.text[span[0] : span[1]]
        from .dialogs import ThemeDialog

        dialog = ThemeDialog(quote, list(self.themes.values()), self.usage())

        def done(result: Tagging | None) -> None:
            if result is not None:
                self._create(view, span, result)

        return self.push_screen(dialog, done)

    def _create(self, view: DocumentView, span: tuple[int, int], tagging: Tagging) -> None:
        try:
            annotation = new_annotation(
                view.document, span[0], span[1], tagging.themes, tagging.note, coder=self.store.coder
            )
        except ValueError as error:
            self.notify(str(error), severity="error")
            return
        for name in annotation.themes:  # a new theme shows its colour at once
            if theme_key(name) not in self.themes:
                colour = pick_colour([t.colour for t in self.themes.values()], name)
                self.themes[theme_key(name)] = Theme(name, colour)
        view.clear_selection()
        self._show(annotation)
        view.move_to(annotation.end - 1)  # on the new highlight, so e and d act on it

        def undo() -> None:
            self._hide(annotation)

        label = ", ".join(annotation.themes) or "no theme"
        self._persist(Created(annotation), f"Highlight saved ({label})", undo)

    def _annotation_at_cursor(self) -> Annotation | None:
        view = self.active_view
        if view is None:
            return None
        found = under_cursor(view)
        if found is None:
            self.notify("No highlight at the cursor (] and [ jump to one)", severity="warning", timeout=3)
        return found

    def action_edit(self) -> AwaitMount | None:
        annotation = self._annotation_at_cursor()
        if annotation is None:
            return None
        from .dialogs import ThemeDialog

        dialog = ThemeDialog(
            annotation.quote, list(self.themes.values()), self.usage(), annotation.themes, annotation.note,
            title="Edit highlight",
        )  # fmt: skip

        def done(result: Tagging | None) -> None:
            if result is None:
                return None
            after = Annotation.from_record({**annotation.to_record(), "themes": result.themes, "note": result.note})
            self._persist(Edited(annotation, after, expect_rev=annotation.rev), "Highlight updated")

        return self.push_screen(dialog, done)

    def action_change_extent(self) -> None:
        """With a selection, the highlight under it takes the selection's extent; without, the highlight at the
        cursor is selected for its ends to be moved (``enter`` saves: see ``DocumentView.start_resize``)."""
        view = self.active_view
        if view is None or view.resizing is not None:
            return
        if view.selection:
            start, end = textnav.trim(view.text, *view.selection)
            annotation = _highlight_under(view, start, end)
            if annotation is None:
                self.notify("No highlight under the selection: select across the one to change", severity="warning")
                return
            view.clear_selection()
            self._change_extent(view, annotation, start, end)
            return
        annotation = self._annotation_at_cursor()
        if annotation is not None:
            view.start_resize(annotation.id, annotation.start, annotation.end)

    def on_document_view_extent_chosen(self, message: DocumentView.ExtentChosen) -> None:
        message.view.clear_selection()
        annotation = self.annotations.get(message.annotation_id)
        if annotation is not None:
            self._change_extent(message.view, annotation, message.start, message.end)

    def _change_extent(self, view: DocumentView, annotation: Annotation, start: int, end: int) -> None:
        """One store write: the offsets, the quote and its context; undoable."""
        from ..anchoring import reattached

        if (start, end) == (annotation.start, annotation.end):
            self.notify("The highlight's extent is unchanged", timeout=2)
            return
        try:
            after = reattached(annotation, view.document, start, end)
        except ValueError as error:
            self.notify(str(error), severity="error")
            return
        self._show(after)
        view.move_to(end - 1)  # on it, so e, d and E act on it

        def undo() -> None:
            self._show(annotation)

        change = Resized(annotation, after, expect_rev=annotation.rev, anchor=True)
        self._persist(change, f"Highlight now “{cut(' '.join(after.quote.split()), 50)}” (u to undo)", undo)

    def action_delete(self) -> None:
        annotation = self._annotation_at_cursor()
        if annotation is None:
            return
        self._hide(annotation)
        self._persist(Deleted(annotation), "Highlight deleted (u to undo)")

    def action_undo(self) -> None:
        self._step_history(undo=True)

    def action_redo(self) -> None:
        self._step_history(undo=False)

    @work(group="store")
    async def _step_history(self, undo: bool) -> None:
        async with self._write_lock:
            step = self.history.undo if undo else self.history.redo
            try:
                change = await asyncio.to_thread(step, self.store)
            except StoreError as error:
                self.notify(str(error), title="Could not undo" if undo else "Could not redo", severity="error")
                change = None
            else:
                if change is None:
                    self.notify("Nothing to undo" if undo else "Nothing to redo", timeout=2)
            await self._reload()
        if change is not None:
            self.notify(f"{'Undid' if undo else 'Redid'} {change.label}", timeout=2)

    # -- panels ----------------------------------------------------------------------------------------------------
    def action_annotations(self) -> AwaitMount | None:
        from .panels import AnnotationChoice, AnnotationsPanel, DeleteHighlight, JumpTo, Reattach

        view = self.active_view
        documents = {d.key: d for d in self.documents}
        panel = AnnotationsPanel(
            list(self.annotations.values()), self.themes, view.document.key if view else None, self.colour_of,
            documents,
        )  # fmt: skip

        def done(choice: AnnotationChoice | None) -> None:
            annotation = self.annotations.get(choice.annotation_id) if choice is not None else None
            if annotation is None:  # closed, or gone meanwhile (another process deleted it)
                return None
            if isinstance(choice, JumpTo):
                self.jump_to(annotation)
            elif isinstance(choice, DeleteHighlight):
                self._hide(annotation)
                self._persist(Deleted(annotation), "Highlight deleted (u to undo)")
            elif isinstance(choice, Reattach):
                self._reattach(annotation)

        return self.push_screen(panel, done)

    def _reattach(self, annotation: Annotation) -> None:
        """Give an orphan (or a fuzzy highlight) the place selected in the focused pane; undoable."""
        from ..anchoring import reattached

        view = self.active_view
        if view is None or not view.selection:
            self.notify("Select the passage to re-attach it to first", severity="warning")
            return
        start, end = textnav.trim(view.text, *view.selection)
        try:
            after = reattached(annotation, view.document, start, end)
        except ValueError as error:
            self.notify(str(error), severity="error")
            return
        view.clear_selection()
        self._persist(Edited(annotation, after, expect_rev=annotation.rev, anchor=True), "Highlight re-attached")

    def jump_to(self, annotation: Annotation) -> None:
        self.go_to(annotation.document.path, annotation.start)

    def go_to(self, path: str, start: int, end: int | None = None, focus: bool = True) -> None:
        """Show the document at ``path`` (in the focused pane's place if it is not shown), the cursor at ``start``
        (with ``end``: ``start:end`` selected); with ``focus``, in the focused pane."""
        index = next((i for i, d in enumerate(self.documents) if d.key == path), None)
        if index is None:
            self.notify("That document is not open", severity="warning")
            return
        if isinstance(self.documents[index], PendingDocument):
            self.notify(f"{self.documents[index].path.name}: its text is still being extracted", timeout=3)
            return
        if index not in self.shown:
            view = self.active_view
            slot = next((n for n, i in enumerate(self.shown) if view and self.documents[i] is view.document), 0)
            self.shown[slot] = index
            then = lambda: self.go_to(path, start, end, focus)  # noqa: E731
            self._rebuild_panes(focus_document=index if focus else None, then=then)
            return
        pane = self.query_one(f"#pane-{index}", Pane)
        if focus:
            focus_now(pane.view)
        if end is None:
            pane.view.move_to(start, center=True)
        else:
            pane.view.select(start, end)

    def action_themes(self) -> AwaitMount:
        from . import panels

        themes, annotations = list(self.themes.values()), list(self.annotations.values())
        return self.push_screen(panels.ThemesPanel(themes, annotations, self.documents, self.folded_themes))

    def on_themes_panel_requested(self, message: ThemesPanel.Requested) -> None:
        """Apply what the themes panel asked for, then show the panel the store's themes (it stays open; a change
        the store refuses is a notice over it)."""
        request, panel = message.request, message.panel
        name, answer = request.name, request.answer

        def show() -> None:
            if panel in self.screen_stack:
                panel.reload(list(self.themes.values()), list(self.annotations.values()))

        if request.verb == "memo":  # a parent only its children carry has a memo too
            self.open_memo(MemoKey("theme", name), then=show)
            return
        change, saved, undoable = {
            "rename": lambda: (ThemesChanged("rename", [name], answer), "Theme renamed", True),
            "merge": lambda: (ThemesChanged("merge", [name], answer), "Themes merged", True),
            "delete": lambda: (ThemesChanged("delete", [name]), "Theme deleted (u to undo)", True),
            "describe": lambda: (ThemeEdit(name, description=answer), "Description saved", False),
            "recolour": lambda: (ThemeEdit(name, colour=answer), "Colour changed", False),
        }[request.verb]()
        self._persist(change, saved, record=undoable, then=show)

    def action_documents(self) -> AwaitMount | None:
        if len(self.documents) <= 1:
            self.notify("Only one document is open", timeout=2)
            return None
        from .panels import DocumentsPanel

        def done(chosen: list[int] | None) -> None:
            if chosen:
                self.shown = chosen[:MAX_PANES]
                self._rebuild_panes(focus_document=self.shown[0])

        return self.push_screen(DocumentsPanel(self.documents, self.shown, MAX_PANES), done)

    def _rebuild_panes(self, focus_document: int | None, then: Callable[[], None] | None = None) -> None:
        panes = self.query_one("#panes")

        async def rebuild() -> None:
            await panes.remove_children()
            await panes.mount_all([self._pane(i) for i in self.shown])
            self._refresh_views()
            self._stack_if_narrow(self.size.width)
            if focus_document is not None:
                chosen = self.query(f"#view-{focus_document}").results(DocumentView)
                view = next(chosen, None) or (self.views[0] if self.views else None)  # none: still being extracted
                if view is not None:
                    view.focus()
            if then is not None:
                self.call_after_refresh(then)

        self.call_later(rebuild)

    # -- memos -----------------------------------------------------------------------------------------------------
    def action_document_memo(self) -> None:
        view = self.active_view
        document = view.document if view is not None else (self.documents[0] if self.documents else None)
        if document is None:
            self.notify("No document is open", timeout=2)
            return
        self.open_memo(MemoKey("document", document.key), document.title)

    def action_project_memo(self) -> None:
        self.open_memo(MemoKey("project"))

    def open_memo(self, key: MemoKey, name: str = "", then: Callable[[], object] | None = None) -> None:
        """The memo editor on ``key``'s memo (``name``: what the heading calls it); saved in one write, undoable."""
        from .memo import MemoScreen

        try:
            text = self.store.memo(key)
        except StoreError as error:
            self.notify(str(error), title="Cannot read the memo", severity="error", timeout=8)
            return
        heading = f"{key.kind} {name}" if name else key.heading()

        def done(new: str | None) -> None:
            if new is None:
                if then is not None:
                    then()
                return
            change = MemoEdited(key, new)
            self._persist(change, "Memo saved (u to undo)", then=then)

        self.push_screen(MemoScreen(heading, text), done)

    # -- review ----------------------------------------------------------------------------------------------------
    @property
    def review_panel(self) -> ReviewPanel:
        assert self._review_panel is not None  # (it sent the message being handled)
        return self._review_panel

    def _title_of(self, path: str) -> str:
        return next((d.title for d in self.documents if d.key == path), path)

    def _refresh_review(self) -> None:
        panel = self._review_panel  # (not once the app is closing: a reload may finish then)
        if panel is not None and panel.is_attached and panel.shown:
            panel.fill(self.annotations.values())

    async def action_review(self) -> None:
        """Open the review list (or, from a pane, go back to it; from the list, close it)."""
        panel = await self._review_list()
        if panel.shown and self.focused is not None and panel in self.focused.ancestors_with_self:
            panel.action_close()
            return
        if panel.shown:
            focus_now(panel.options)
            return
        panel.open(self.annotations.values())
        if not panel.items:
            self.notify("Nothing to review: every highlight is where it was made, or moved with its context", timeout=3)

    def on_review_panel_closed(self) -> None:
        view = self.active_view
        if view is not None:
            focus_now(view)

    def on_review_panel_show(self, message: ReviewPanel.Show) -> None:
        annotation, place = message.annotation, message.place
        document = self._document_of(annotation)
        if document is None:
            return
        self._reviewing = annotation.id
        if place is None:
            self.go_to(document.key, annotation.start, focus=False)
            return
        self.go_to(document.key, place.start, place.end, focus=False)
        self.review_panel.shown_text(document.text[place.start : place.end])

    def _document_of(self, annotation: Annotation) -> Document | None:
        found = next((d for d in self.documents if d.key == annotation.document.path), None)
        if found is None:
            self.notify("Its document is not open: open it to review this highlight", severity="warning", timeout=3)
        return found

    def on_review_panel_decided(self, message: ReviewPanel.Decided) -> None:
        """Accept (the place shown, or what the reader selected in its pane after showing it) or reject; one
        undoable change, one store write."""
        from .. import review

        annotation = message.annotation
        if not message.accept:
            after = review.reject(annotation)
            self._decide(annotation, after, "Rejected: the highlight is an orphan (u to undo)")
            return
        document = self._document_of(annotation)
        if document is None:
            return
        span = self._reviewed_selection(annotation, document)
        if span is None and message.place is None:
            self.notify("No place to accept: select the passage in its pane (tab), then y", severity="warning")
            return
        place = review.Place(*span) if span is not None else message.place
        assert place is not None
        try:
            after = review.accept(annotation, document, place)
        except ValueError as error:
            self.notify(str(error), severity="error")
            return
        self._decide(annotation, after, "Accepted: the highlight is anchored there (u to undo)")

    def _reviewed_selection(self, annotation: Annotation, document: Document) -> tuple[int, int] | None:
        """The selection in ``document``'s pane, if the reader made it for this annotation: after showing it (and
        perhaps adjusting it), or for an orphan with no place to show."""
        pane = self._pane_of(document.key)
        if pane is None or not pane.view.selection:
            return None
        from ..review import places

        if self._reviewing != annotation.id and places(annotation):
            return None  # an old selection: the place shown is what is accepted
        start, end = textnav.trim(pane.view.text, *pane.view.selection)
        return (start, end) if start < end else None

    def _decide(self, before: Annotation, after: Annotation, saved: str) -> None:
        self._show(after)  # at once; a failed write reloads what the store has
        self._persist(Reviewed(before, after, expect_rev=before.rev), saved)

    def action_compare(self, side_by_side: str | None = None) -> None:
        """The compare screen; ``side_by_side``: a codebook node whose passages it opens side by side at once."""
        from .compare import CompareScreen

        ready = self._compare_ready
        matrix, found = ready[1:] if ready is not None and ready[0] == self._compare_key() else (None, None)
        screen = CompareScreen(
            self.documents, list(self.annotations.values()), self.themes, self.colour_of, matrix, found, side_by_side,
            self.folded_themes,
        )  # fmt: skip
        self.push_screen(screen, self._jump_to_id)

    def on_themes_panel_compare(self, message: ThemesPanel.Compare) -> None:
        self.action_compare(message.node)

    def _jump_to_id(self, annotation_id: str | None) -> None:
        annotation = self.annotations.get(annotation_id) if annotation_id else None
        if annotation is not None:  # once the screens above the reader are gone and it is laid out again
            self.call_after_refresh(self.jump_to, annotation)

    def action_corpus_search(self) -> None:
        from .corpus_search import Choice, CorpusSearch

        def done(choice: Choice | None) -> None:
            if choice is None:
                return
            if choice.verb == "jump":
                hit = choice.hits[0]
                self.call_after_refresh(self.go_to, hit.path, hit.start, hit.end)
            else:
                self._tag_hits(choice.hits)

        self.push_screen(CorpusSearch(self.documents, self.last_query), done)

    def _tag_hits(self, hits: list[Hit]) -> None:
        """Tag search hits with the theme dialog's themes and note: one store write, one undo."""
        from .dialogs import ThemeDialog

        first = hits[0].match if len(hits) == 1 else f"{hits[0].match} (and {len(hits) - 1} more)"
        dialog = ThemeDialog(first, list(self.themes.values()), self.usage(), title=f"Tag {len(hits)} search hits")
        documents = {d.key: d for d in self.documents}

        def done(result: Tagging | None) -> None:
            if result is None:
                return
            spans = {(a.document.path, a.start, a.end): a for a in self.annotations.values()}
            created, edited = [], []
            for hit in hits:
                existing = spans.get((hit.path, hit.start, hit.end))
                if existing is None:
                    created.append(new_annotation(documents[hit.path], hit.start, hit.end, result.themes, result.note))
                else:
                    themes = existing.themes + [
                        t for t in result.themes if theme_key(t) not in map(theme_key, existing.themes)
                    ]
                    edited.append((existing, Annotation.from_record({**existing.to_record(), "themes": themes})))
            count = len(created) + len(edited)
            self._persist(Tagged(created, edited), f"Tagged {plural(count, 'passage')} (u to undo)")

        self.push_screen(dialog, done)

    def action_export(self) -> AwaitMount | None:
        from .export_dialog import ExportDialog

        last = self.state.export if self.state is not None else {}

        def remember(choices: dict[str, str] | None) -> None:
            if choices is not None and self.state is not None:
                self.state.export = choices

        return self.push_screen(ExportDialog(self.store, last), remember)

    def action_help(self) -> None:
        """Marginalia's keys by task (not Textual's help panel, which lists every inherited scroll binding)."""
        from .help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def search_themes(self) -> None:
        """Textual's colour schemes ("themes" to Textual), worded so as not to be taken for the coding themes."""
        self.push_screen(CommandPalette(providers=[ThemeProvider], placeholder="Search for a colour scheme…"))

    async def action_quit(self) -> None:
        async with self._write_lock:  # a save under way finishes first
            self.save_state()
            self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Theme":  # Textual's colours, not marginalia's themes: named so
                yield SystemCommand(
                    "Colour scheme", "Change the app's colours (dark, light, ...): not the themes you code with",
                    command.callback,
                )  # fmt: skip
            elif command.title == "Keys":  # the ? screen, not Textual's help panel
                yield SystemCommand("Keys", "Every key of marginalia, by task (?)", self.action_help)
            else:
                yield command
        yield SystemCommand("Project memo", "Write the memo on the whole project (Markdown)", self.action_project_memo)
        by_id = {binding.id: binding for binding in keys.own_bindings(MarginaliaApp)}
        for binding_id in self.PALETTE:
            binding = by_id[binding_id]
            action = getattr(self, f"action_{binding.action}")
            yield SystemCommand(binding.description.capitalize(), binding.tooltip, action)


def _types_text(widget: Widget | None) -> bool:
    """A field the printable keys are typed into: an input, or a text area (the memo's; while its module is not
    imported, nothing can be one)."""
    text_area = sys.modules.get("textual.widgets._text_area")
    return isinstance(widget, Input) or (text_area is not None and isinstance(widget, text_area.TextArea))


async def _drained(widget: Widget | None) -> None:
    """Until ``widget`` has handled the messages (keys) it was sent (a few turns of the event loop at most)."""
    if widget is None:
        return
    for _ in range(200):
        if widget._message_queue.empty():
            break
        await asyncio.sleep(0)
    await asyncio.sleep(0)  # the last one taken is handled in the same turn


def under_cursor(view: DocumentView) -> Annotation | None:
    """The innermost highlight at the cursor (or at the selection's start); the cursor just after a highlight
    (where making one leaves it) counts as on it."""
    offset = view.selection[0] if view.selection else view.cursor
    return view.annotation_at(offset) or (view.annotation_at(offset - 1) if offset else None)


def _highlight_under(view: DocumentView, start: int, end: int) -> Annotation | None:
    """The highlight a selection ``start:end`` is meant for: the one at its start, at its end, or any it
    overlaps."""
    found = view.annotation_at(start) or view.annotation_at(end - 1)
    return found or next((a for a in view.annotations if a.start < end and a.end > start), None)


def status_of(annotation: Annotation, themes: dict[str, Theme], review_hint: str = "r review") -> Content:
    """Each theme with its colour chip, the note's first line, and the status when not simply anchored."""
    from ..anchoring import needs_review  # (re-anchoring's module: imported when first needed, not at the start)

    parts: list[Content] = []
    for name in annotation.themes or ["no theme"]:
        theme = themes.get(theme_key(name))
        parts.append(Content.assemble(chip(theme.colour if theme else PLAIN), " ", sanitise(name)))
    status = annotation.status
    if status == "fuzzy":
        score = f" {annotation.score:.2f}" if annotation.score is not None else ""
        parts.append(Content.styled(f"fuzzy{score}: check it ({review_hint})", "italic"))
    elif needs_review(annotation):
        parts.append(Content.styled(f"{status}: check it ({review_hint})", "italic"))
    elif status not in ("anchored", ""):
        parts.append(Content.styled(status, "italic"))
    note = annotation.note.strip().splitlines()[0] if annotation.note.strip() else ""
    if note:
        parts.append(Content.styled("✎ " + sanitise(note), "bold"))
    return Content(" · ").join(parts)


class SearchBar(SafeInput):
    BINDING_GROUP_TITLE = "Search bar"
    BINDINGS = [
        Binding("escape", "app.close_search", "close search", id="search-close", tooltip="Close the search bar")
    ]
