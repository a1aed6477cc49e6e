"""The compare screen (``c``): the theme x document matrix and theme x theme co-occurrence, with their drill-downs.

Levels: the tables (``tab`` switches them) -> a cell's passages, or a theme's passages side by side (one column
per document, in document order) -> ``enter`` on a passage closes everything and puts the reader's cursor on it.
``escape`` goes back one level. Every level dismisses with the chosen annotation's id, or None.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Mapping, Sequence

from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import ModalScreen
from textual.types import NoActiveAppError
from textual.widgets import ContentSwitcher, DataTable, Label

from ..codebook import Codebook, in_subtree
from ..compare import (
    BUILD_HERE,
    Cooccurrence,
    Matrix,
    Source,
    Steps,
    T,
    build_matrix,
    cooccurrence,
    cooccurrence_steps,
    matrix_steps,
)
from ..document import Document
from ..model import Annotation, Theme
from ..reports import attributes
from ..text import safe_line
from ..wording import plural
from .focus import focus_now
from .footer import ReaderFooter
from .keys import key_name
from .passages import PassageColumn, Span, one_line_cut, passage_lines
from .styles import styles_of
from .tables import Piece, ViewTable

PLAIN = "#C0C0C0"
COLUMN_WIDTH = 32  # a side-by-side column's width at least (with its border)
PREPARE_AFTER = 0.05  # seconds after the matrix is shown (and counted) that a side-by-side level is made ready
GROUPINGS = ("document", "author", "year", "date")  # what the matrix's columns can be (``b`` goes round them)
Colour = Callable[[Annotation], str]
DIM = Style(dim=True)
NONE = Piece(("·", DIM))  # an empty cell


async def in_steps(steps: Steps[T], slice_seconds: float = 0.003) -> T:
    """Run a step-by-step builder (``tui.compare``) on the event loop, letting keys and frames through every
    few milliseconds: the same result as at once, and nothing waits longer than one slice."""
    last = time.perf_counter()
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
        if time.perf_counter() - last > slice_seconds:
            await asyncio.sleep(0)
            last = time.perf_counter()


def sources_of(documents: Sequence[Document]) -> list[Source]:
    return [Source(d.key, d.title, len(d.text), attributes(d)) for d in documents]


def open_annotations(documents: Sequence[Document], annotations: list[Annotation]) -> list[Annotation]:
    open_paths = {d.key for d in documents}
    return [a for a in annotations if a.document.path in open_paths]


class Level(ModalScreen[str | None]):
    """A compare level: ``escape`` goes back; a chosen passage's id goes all the way back to the reader. Modal and
    opaque: the reader's own keys (h, d, ...) do not act behind it."""

    CSS_PATH = styles_of(__file__)

    BINDING_GROUP_TITLE = "Compare"
    BINDINGS = [Binding("escape", "back", "back", id="compare-back", tooltip="Back to the level before")]

    def __init__(self) -> None:
        super().__init__()
        self.documents: Mapping[str, Document] = {}
        self.colour: Colour = lambda a: PLAIN
        self._holding = False
        self._fresh = self._css_read()  # its widgets are styled as they will be shown (no restyle on resume)
        self._stale = False  # the theme changed since it was last styled

    def _css_read(self) -> bool:
        """This level's .tcss was read before it was made (by an earlier level)."""
        try:
            stylesheet = self.app.stylesheet
        except NoActiveAppError:  # (made outside a running app)
            return False
        return all(stylesheet.has_source(str(path), "") for path in self.css_path)

    @on(events.Compose)
    def _hold_collector(self) -> None:
        """Hold Python's cyclic collector until this level's first frame is painted: composing, laying out and
        drawing a level makes tens of thousands of short-lived objects, and the full collection they may set off
        (every tracked object: 30-100 ms quiet at 10,000 annotations, far more loaded) would land in the frame
        the reader waits for. It runs right after the frame instead. (A level made ready off screen holds it
        only when it is shown.)"""
        if self.app.screen is self:
            self._hold()

    def _hold(self) -> None:
        if gc.isenabled():
            gc.disable()
            self._holding = True

    @on(events.Mount)
    def _restyle_on_theme(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _: object) -> None:
        self._fresh, self._stale = False, True

    @on(events.ScreenResume)
    def _styled_already(self, event: events.ScreenResume) -> None:
        """A level just composed has every widget styled as it was mounted: Textual would style them all again
        (a tenth of its first frame). Not the first level of all (its .tcss was read after the screen itself was
        styled), not one whose theme changed, and not a level resumed (one above closed): those are restyled as
        usual. The collector is let go after the frame."""
        if self._fresh:
            event.refresh_styles = False
        else:
            self._stale = False
        self._fresh = False
        self.call_after_refresh(self._release)

    @on(events.Unmount)
    def _release(self) -> None:
        if self._holding:
            self._holding = False
            gc.enable()

    def action_back(self) -> None:
        self.dismiss(None)

    def column(
        self, passages: list[Annotation], heading: str = "", title: bool = False, id: str | None = None
    ) -> PassageColumn:
        """A column of ``passages`` under ``heading``, cited with this level's documents and chipped with its
        colours. ``title``: the citations name their documents (else a heading names it)."""

        def lines_of(a: Annotation) -> list[list[Span]]:
            return passage_lines(a, self.documents.get(a.document.path), self.colour(a), title)

        return PassageColumn(passages, lines_of, heading, id=id)

    def open(self, level: Level) -> None:
        """Push a deeper level; a passage chosen there closes this one too."""

        def done(chosen: str | None) -> None:
            if chosen is not None:
                self.dismiss(chosen)

        self.app.push_screen(level, done)

    @on(PassageColumn.Chosen)
    def _chosen(self, event: PassageColumn.Chosen) -> None:
        self.dismiss(event.annotation_id)


class PassagesLevel(Level):
    """The passages of one matrix or co-occurrence cell, in document order."""

    def __init__(self, heading: str, passages: list[Annotation], documents: Mapping[str, Document], colour: Colour):
        super().__init__()
        self.heading, self.passages, self.documents, self.colour = heading, passages, documents, colour

    def compose(self) -> ComposeResult:
        yield Label(Content(safe_line(self.heading)), classes="title")
        yield self.column(self.passages, title=len({a.document.path for a in self.passages}) > 1, id="passages")
        yield Label("enter: go to the passage · escape: back", classes="hint")
        yield ReaderFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one(PassageColumn))


class SideBySideLevel(Level):
    """One theme's passages, one column per document, each in document order."""

    BINDINGS = [
        Binding("left", "column(-1)", "previous column", show=False, id="compare-previous-column"),
        Binding("right", "column(1)", "next column", show=False, id="compare-next-column"),
    ]

    def __init__(self, name: str, matrix: Matrix, node: str, documents: Mapping[str, Document], colour: Colour) -> None:
        super().__init__()
        self.theme_name, self.matrix, self.node, self.documents, self.colour = name, matrix, node, documents, colour
        self.first = 0  # the first column shown: as many as fit are shown (50 documents: ←/→ page through)

    @property
    def room(self) -> int:
        """How many columns fit side by side."""
        return max(1, self.app.size.width // COLUMN_WIDTH)

    def _title(self) -> Content:
        total = self.matrix.row_total(self.node)
        shown = self.matrix.columns[self.first : self.first + self.room]
        what = "documents" if self.matrix.by == "document" else f"{self.matrix.by} columns"
        which = "" if len(shown) == len(self.matrix.columns) else (
            f" ({what} {self.first + 1}–{self.first + len(shown)} of {len(self.matrix.columns)}: ← → for more)"
        )  # fmt: skip
        return Content(safe_line(f"{self.theme_name}: {total} passages side by side{which}"))

    def compose(self) -> ComposeResult:
        shown = self.matrix.columns[self.first : self.first + self.room]
        yield Label(self._title(), classes="title")
        with Horizontal(id="columns"):
            for n, column in enumerate(shown, self.first):
                cell = self.matrix.cell(self.node, column.key)
                heading, several = f"{column.label} ({len(cell.passages)})", len(column.paths) > 1
                yield self.column(cell.passages, heading, title=several, id=f"column-{n}")
        yield Label("enter: go to the passage · ← →: columns · escape: back", classes="hint")
        yield ReaderFooter()

    def on_mount(self) -> None:
        self._focus_column()

    def fits(self, matrix: Matrix) -> bool:
        """It can show another theme of ``matrix`` as it is composed (its columns, from the first)."""
        return (
            matrix is self.matrix
            and self.first == 0
            and len(self.query(PassageColumn)) == min(self.room, len(matrix.columns))
        )

    def show(self, name: str, node: str) -> None:
        """Show theme ``node`` (``name``) in the columns already composed: only the title and the passages
        change, so it is drawn without a new screen of widgets to mount and style."""
        self._hold()
        self._fresh = not self._stale  # (styled when last shown, or when the theme changed since)
        self.theme_name, self.node = name, node
        self.query_one(".title", Label).update(self._title())
        for n, list_ in enumerate(self.query(PassageColumn)):
            column = self.matrix.columns[n]
            passages = self.matrix.cell(node, column.key).passages
            list_.show(passages, f"{column.label} ({len(passages)})")
        self._focus_column()

    def _focus_column(self, focus: int | None = None) -> None:
        """Focus column ``focus`` (an index among those shown), else the first with passages."""
        lists = list(self.query(PassageColumn))
        filled = [column for column in lists if column.passages]
        if focus is not None:
            focus_now(lists[focus])
        elif filled:
            focus_now(filled[0])

    async def action_column(self, step: int) -> None:
        lists = list(self.query(PassageColumn))
        focused = self.focused
        index = (lists.index(focused) if focused in lists else 0) + step
        if 0 <= index < len(lists):
            focus_now(lists[index])
            return
        columns = len(self.matrix.columns)
        if len(lists) == columns:  # all shown: go round
            focus_now(lists[index % len(lists)])
            return
        last = columns - len(lists)  # the first column of the last page
        if step > 0:
            self.first, focus = (self.first + 1, len(lists) - 1) if self.first < last else (0, 0)
        else:
            self.first, focus = (self.first - 1, 0) if self.first > 0 else (last, len(lists) - 1)
        await self.recompose()
        self._focus_column(focus)


class CompareScreen(Level):
    """The matrix (themes as a tree x open documents) and the co-occurrence table."""

    BINDINGS = [
        Binding("escape", "back", "close", id="compare-close", tooltip="Close the comparison"),
        Binding("tab", "switch", "matrix / co-occurrence", id="compare-switch", tooltip="Matrix / co-occurrence"),
        Binding("p", "count", "passages / share", show=True, id="compare-count", tooltip="Count passages / share"),
        Binding("b", "by", "columns by", id="compare-columns-by", tooltip="Columns: documents, authors, years, dates"),
        Binding("space", "fold", "fold", show=False, id="compare-fold", tooltip="Fold or unfold a parent theme's rows"),
    ]

    def __init__(
        self,
        documents: Sequence[Document],
        annotations: list[Annotation],
        themes: Mapping[str, Theme],
        colour: Colour,
        matrix: Matrix | None = None,
        found: Cooccurrence | None = None,
        side_by_side: str | None = None,
        folded: set[str] | None = None,
    ) -> None:
        """``matrix``, ``found``: the matrix and co-occurrence of these, counted already (the app keeps them
        ready); else they are counted here, step by step between frames when there are many annotations, so the
        screen shows at once and keys never wait. ``side_by_side``: a node whose passages are shown side by side
        as soon as the matrix is (``enter`` in the themes panel); ``escape`` there shows the matrix. ``folded``:
        the parents whose rows are folded (the app's set, shared with the themes panel)."""
        super().__init__()
        self.documents = {d.key: d for d in documents}
        self.sources = sources_of(documents)
        self.annotations = open_annotations(documents, annotations)
        self.themes = list(themes.values())
        self.colour = colour
        self._ready_side: SideBySideLevel | None = None  # made ready while the matrix is shown
        if matrix is None and len(self.annotations) <= BUILD_HERE:
            matrix = build_matrix(self.annotations, self.themes, self.sources)
        self.matrix = matrix or build_matrix([], self.themes, self.sources)
        self.ready = matrix is not None
        self.codebook: Codebook = self.matrix.codebook
        self._cooccurrence: Cooccurrence | None = found
        self.show_share = True
        self._side_by_side = side_by_side
        self.folded = folded if folded is not None else set()
        self.by = "document"  # what the columns are: documents, or the values of an attribute (``b``)
        self._matrices: dict[str, Matrix] = {"document": self.matrix} if self.ready else {}

    def _heading(self) -> Content:
        if not self.ready:
            return Content(f"Compare: counting {len(self.annotations):,} passages…")
        columns, themes = len(self.matrix.columns), len(self.codebook)
        grouped = "" if self.by == "document" else f" (of {plural(len(self.sources), 'document')})"
        return Content(f"Compare: {plural(themes, 'theme')} × {plural(columns, self.by)}{grouped}")

    def compose(self) -> ComposeResult:
        yield Label(self._heading(), classes="title", id="heading")
        with ContentSwitcher(initial="matrix"):
            yield ViewTable(id="matrix", cursor_type="cell", zebra_stripes=True)
            yield ViewTable(id="cooccurrence", cursor_type="cell", zebra_stripes=True)
        yield Label(
            "enter on a count: its passages · on a theme: side by side · "
            + f"{key_name(self.app, CompareScreen, 'compare-fold')}: fold",  # the footer shows the others
            classes="hint",
            id="hint",
        )
        yield ReaderFooter()

    def on_mount(self) -> None:
        focus_now(self.query_one("#matrix", DataTable))
        if self.ready:
            self._show_matrix()
        else:
            self._build()

    @work(exclusive=True, group="compare-matrix")
    async def _build(self) -> None:
        by = self.by
        matrix = await in_steps(matrix_steps(self.annotations, self.themes, self.sources, by))
        await asyncio.sleep(0)  # (filling the table is a step of its own)
        self._matrices[by] = matrix
        self.matrix, self.codebook, self.ready = matrix, matrix.codebook, True
        self._update_heading()
        self._show_matrix()

    def groupings(self) -> list[str]:
        """Documents, and each attribute at least one open document has (its author, year, date)."""
        return [by for by in GROUPINGS if by == "document" or any(s.attribute(by) for s in self.sources)]

    def action_by(self) -> None:
        """Columns by the next grouping: documents, authors, years, dates (counted at once for up to a thousand
        passages, else step by step between frames, as the matrix is on a change; pressed again meanwhile, the
        next grouping is counted instead)."""
        choices = self.groupings()
        if len(choices) == 1:
            self.notify("No author, year or date to group by: the documents have no metadata.", timeout=4)
            return
        self.by = choices[(choices.index(self.by) + 1) % len(choices)]
        matrix = self._matrices.get(self.by)
        if matrix is None and len(self.annotations) <= BUILD_HERE:
            matrix = self._matrices[self.by] = build_matrix(self.annotations, self.themes, self.sources, self.by)
        if matrix is None:
            self.ready = False
            self._update_heading()
            self._build()
            return
        self.matrix, self.codebook = matrix, matrix.codebook
        self._update_heading()
        self._show_matrix()

    def _show_matrix(self) -> None:
        table = self.query_one("#matrix", DataTable)
        row = table.cursor_row
        self._fill_matrix()
        if len(self.codebook):
            table.move_cursor(row=row, column=1 if self.matrix.columns else 0)
        node, self._side_by_side = self._side_by_side, None
        if node is not None and node in self.codebook:
            shown = self._rows()
            if node in shown:
                table.move_cursor(row=shown.index(node), column=0)
            self.open(self._side_level(node))
        if self._cooccurrence is None and len(self.annotations) > BUILD_HERE:
            # ready before tab, most of the time (then the side-by-side level); once the matrix is drawn: its
            # first frame and the count's first steps would hold the event loop together
            self.call_after_refresh(self._count_cooccurrence)
        else:
            self.set_timer(PREPARE_AFTER, self._prepare_side)

    @work(exclusive=True, group="compare-cooccurrence")
    async def _count_cooccurrence(self) -> None:
        _, self._cooccurrence = await in_steps(cooccurrence_steps(self.annotations, self.themes))
        self.set_timer(PREPARE_AFTER, self._prepare_side)
        if self.query_one(ContentSwitcher).current == "cooccurrence":
            self._fill_cooccurrence()
            self._update_heading()

    # -- the tables ----------------------------------------------------------------------------------------------
    # table cells are Pieces (plain text and styles, never markup; quick to measure and draw), labels rich Text
    def _theme_cell(self, key: str, number: str = "") -> Piece:
        node = self.codebook.nodes[key]
        colour = node.theme.colour if node.theme is not None else PLAIN
        fold = ("▸ " if key in self.folded else "▾ ") if node.children else "  "
        return Piece(number + "  " * node.depth + fold, ("██", Style.parse(colour)), " " + one_line_cut(node.label, 40))

    def _count(self, key: str, column: str) -> Piece:
        cell = self.matrix.cell(key, column)
        count = len(cell.passages)
        if not count:
            return NONE
        if not self.show_share or cell.percent is None:
            return Piece(str(count))
        return Piece(str(count), (f" · {cell.percent:.1f}%", DIM))

    def _fill_matrix(self) -> None:
        table = self.query_one("#matrix", DataTable)
        table.clear(columns=True)
        table.add_column("theme", key="theme")
        rows = self._rows()
        labels = [len(self._theme_cell(k)) for k in rows]
        room = self.app.size.width - max(labels, default=10) - 12  # the theme and total columns, the gaps
        width = max(12, min(28, room // max(len(self.matrix.columns), 1) - 2))
        for n, column in enumerate(self.matrix.columns, 1):
            label = (
                f"#{n} {column.label}"
                if self.by == "document"
                else f"{column.label} ({plural(len(column.paths), 'doc')})"
            )
            table.add_column(Text(one_line_cut(label, width)), key=column.key)
        table.add_column("total", key="total")
        for key in rows:
            counts = [self._count(key, c.key) for c in self.matrix.columns]
            table.add_row(self._theme_cell(key), *counts, Piece(str(self.matrix.row_total(key))), key=key)
        if not len(self.codebook):
            table.add_row(Piece("no themes yet: press h on a passage"), *[Piece("")] * (len(self.matrix.columns) + 1))

    def _rows(self) -> list[str]:
        """The matrix's rows: the codebook's nodes in tree order, but for those under a folded parent."""
        return [node.key for node in self.codebook.visible(self.folded)] if self.folded else self.codebook.order

    def action_fold(self) -> None:
        """Fold or unfold the parent theme under the cursor (its row stays; a folded parent still counts its
        children's passages)."""
        table = self.query_one("#matrix", DataTable)
        if self.query_one(ContentSwitcher).current != "matrix" or not self.ready or not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is None or key not in self.codebook or not self.codebook.nodes[key].children:
            return
        self.folded.symmetric_difference_update({key})
        column = table.cursor_column
        self._fill_matrix()
        table.move_cursor(row=self._rows().index(key), column=column, animate=False)

    def _fill_cooccurrence(self) -> None:
        if self._cooccurrence is None:
            if len(self.annotations) > BUILD_HERE:  # counted in a worker: _counted fills the table
                return
            _, self._cooccurrence = cooccurrence(self.annotations, self.themes)
        table = self.query_one("#cooccurrence", DataTable)
        table.clear(columns=True)
        table.add_column("theme", key="theme")
        for n, key in enumerate(self.codebook.order, 1):
            table.add_column(str(n), key=key)
        for n, key in enumerate(self.codebook.order, 1):
            cells: list[Piece] = []
            for other in self.codebook.order:
                found = self._cooccurrence.get((key, other))
                related = other != key and (in_subtree(other, key) or in_subtree(key, other))
                cells.append(NONE if related or not found else Piece(str(len(found))))
            table.add_row(self._theme_cell(key, f"{n}. "), *cells, key=key)

    def action_switch(self) -> None:
        if not self.ready:
            return
        switcher = self.query_one(ContentSwitcher)
        showing = "cooccurrence" if switcher.current == "matrix" else "matrix"
        if showing == "cooccurrence":
            self._fill_cooccurrence()
        switcher.current = showing
        focus_now(self.query_one(f"#{showing}", DataTable))
        self._update_heading()

    def _update_heading(self) -> None:
        heading = self._heading()
        if self.query_one(ContentSwitcher).current == "cooccurrence":
            counting = " (counting…)" if self._cooccurrence is None else ""
            heading = Content("themes × themes: passages coded with both, or overlapping" + counting)
        self.query_one("#heading", Label).update(heading)

    def action_count(self) -> None:
        self.show_share = not self.show_share
        table = self.query_one("#matrix", DataTable)
        cursor = table.cursor_coordinate
        self._fill_matrix()
        table.cursor_coordinate = cursor

    # -- drilling down -------------------------------------------------------------------------------------------
    def _prepare_side(self) -> None:
        """Make a side-by-side level ready off screen (composed, its widgets mounted and styled) while the matrix
        is shown, once it is counted: ``enter`` on a theme then only fills it in and draws it, in half the time
        of a level made then. It is kept (installed) for the next theme, until this screen closes."""
        ready = self._ready_side
        if not len(self.codebook) or (ready is not None and ready.fits(self.matrix)):
            return
        level = self._keep_side(self.codebook.order[0])
        self.app._register(self.app, level)  # (what push_screen does first: composed now, shown later)

    def _side_level(self, node: str) -> SideBySideLevel:
        """The side-by-side level of ``node``: the one kept, if it fits the matrix, else a new one (kept)."""
        level = self._ready_side
        if level is not None and level.is_running and level.fits(self.matrix):
            level.show(self.codebook.nodes[node].name, node)
            return level
        return self._keep_side(node)

    def _keep_side(self, node: str) -> SideBySideLevel:
        self._discard_side()
        level = SideBySideLevel(self.codebook.nodes[node].name, self.matrix, node, self.documents, self.colour)
        self.app.install_screen(level, f"compare-side-{id(level)}")  # (popped, it stays mounted)
        self._ready_side = level
        return level

    def _discard_side(self) -> None:
        level, self._ready_side = self._ready_side, None
        if level is not None and level not in self.app.screen_stack:
            self.app.uninstall_screen(level)
            if level.is_running:
                level.remove()

    @on(events.Unmount)
    def _discard_on_close(self) -> None:
        self._discard_side()

    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        row, column = event.cell_key.row_key.value, event.cell_key.column_key.value
        if row is None or row not in self.codebook:
            return
        name = self.codebook.nodes[row].name
        if column in ("theme", "total"):
            self.open(self._side_level(row))
        elif event.data_table.id == "matrix":
            cell = self.matrix.cell(row, str(column))
            label = next(c.label for c in self.matrix.columns if c.key == column)
            self.open(PassagesLevel(f"{name} in {label}", cell.passages, self.documents, self.colour))
        else:
            assert self._cooccurrence is not None
            other = self.codebook.nodes[str(column)].name
            found = self._cooccurrence.get((row, str(column)), [])
            heading = f"{name}: its passages" if row == column else f"{name} with {other}: double-coded or overlapping"
            self.open(PassagesLevel(heading, found, self.documents, self.colour))
