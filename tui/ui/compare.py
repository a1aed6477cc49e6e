"""The compare screen (``c``): the theme x document matrix and theme x theme co-occurrence, with their drill-downs.

Levels: the tables (``tab`` switches them) -> a cell's passages, or a theme's passages side by side (one column
per document, in document order) -> ``enter`` on a passage closes everything and puts the reader's cursor on it.
``escape`` goes back one level. Every level dismisses with the chosen annotation's id, or None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import ContentSwitcher, DataTable, Footer, Label, OptionList
from textual.widgets.option_list import Option

from ..codebook import Codebook, in_subtree
from ..compare import Matrix, Source, build_matrix, cooccurrence
from ..document import Document
from ..export import citation, cited_work
from ..model import Annotation, Theme
from ..reports import attributes
from ..text import safe_line, sanitise
from ..wording import cut, plural
from .dialogs import chip

PLAIN = "#C0C0C0"
Colour = Callable[[Annotation], str]


def one_line(text: str, limit: int) -> str:
    text = safe_line(" ".join(text.split()))
    return cut(text, limit)


def passage(annotation: Annotation, document: Document | None, colour: str, title: bool = False) -> Content:
    """A passage as a list shows it: the quote in full, its themes, note and citation (store text: no markup).
    ``title``: the citation names the document (else a heading above does)."""
    themes = one_line(", ".join(annotation.themes), 80) or "(no theme)"
    parts: list[Content | str | tuple[str, str]] = [chip(colour), " ", (themes, "bold")]
    parts += ["\n“", sanitise(annotation.quote), "”"]
    if annotation.note:
        parts += ["\n✎ ", (sanitise(annotation.note), "italic")]
    cite = citation(annotation, document, inline=str)
    if not title:
        named = cited_work(document, str) if document is not None else annotation.document.title
        cite = cite.removeprefix(named + ", ")
    parts += ["\n", ("— " + safe_line(cite), "dim")]
    return Content.assemble(*parts)


def passage_options(
    annotations: list[Annotation], documents: Mapping[str, Document], colour: Colour, title: bool = False
) -> list[Option | None]:
    """One option per passage (its id), a rule between them; a disabled line when there are none."""
    options: list[Option | None] = []
    for a in annotations:
        if options:
            options.append(None)
        options.append(Option(passage(a, documents.get(a.document.path), colour(a), title), id=a.id))
    return options or [Option("no passages here", disabled=True)]


def sources_of(documents: Sequence[Document]) -> list[Source]:
    return [Source(d.key, d.title, len(d.text), attributes(d)) for d in documents]


class Level(ModalScreen[str | None]):
    """A compare level: ``escape`` goes back; a chosen passage's id goes all the way back to the reader. Modal and
    opaque: the reader's own keys (h, d, ...) do not act behind it."""

    BINDING_GROUP_TITLE = "Compare"
    BINDINGS = [Binding("escape", "back", "back", id="compare-back", tooltip="Back to the level before")]

    def action_back(self) -> None:
        self.dismiss(None)

    def open(self, level: Level) -> None:
        """Push a deeper level; a passage chosen there closes this one too."""

        def done(chosen: str | None) -> None:
            if chosen is not None:
                self.dismiss(chosen)

        self.app.push_screen(level, done)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(event.option.id)


class PassagesLevel(Level):
    """The passages of one matrix or co-occurrence cell, in document order."""

    def __init__(self, heading: str, passages: list[Annotation], documents: Mapping[str, Document], colour: Colour):
        super().__init__()
        self.heading, self.passages, self.documents, self.colour = heading, passages, documents, colour

    def compose(self) -> ComposeResult:
        yield Label(Content(safe_line(self.heading)), classes="title")
        several = len({a.document.path for a in self.passages}) > 1
        yield OptionList(*passage_options(self.passages, self.documents, self.colour, title=several), id="passages")
        yield Label("enter: go to the passage · escape: back", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        if self.passages:
            options.highlighted = 0


class SideBySideLevel(Level):
    """One theme's passages, one column per document, each in document order."""

    BINDINGS = [
        Binding("left", "column(-1)", "previous column", show=False, id="compare-previous-column"),
        Binding("right", "column(1)", "next column", show=False, id="compare-next-column"),
    ]

    def __init__(self, name: str, matrix: Matrix, node: str, documents: Mapping[str, Document], colour: Colour) -> None:
        super().__init__()
        self.theme_name, self.matrix, self.node, self.documents, self.colour = name, matrix, node, documents, colour

    def compose(self) -> ComposeResult:
        total = self.matrix.row_total(self.node)
        yield Label(Content(safe_line(f"{self.theme_name}: {total} passages side by side")), classes="title")
        with Horizontal(id="columns"):
            for n, column in enumerate(self.matrix.columns):
                cell = self.matrix.cell(self.node, column.key)
                with Vertical(classes="column"):
                    yield Label(Content(one_line(f"{column.label} ({len(cell.passages)})", 200)))
                    yield OptionList(*passage_options(cell.passages, self.documents, self.colour), id=f"column-{n}")
        yield Label("enter: go to the passage · ← →: columns · escape: back", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        filled = [c for c in self.query(OptionList) if not c.get_option_at_index(0).disabled]
        for options in filled:
            options.highlighted = 0
        if filled:
            filled[0].focus()

    def action_column(self, step: int) -> None:
        lists = list(self.query(OptionList))
        focused = self.focused
        index = lists.index(focused) if focused in lists else 0
        lists[(index + step) % len(lists)].focus()


class CompareScreen(Level):
    """The matrix (themes as a tree x open documents) and the co-occurrence table."""

    BINDINGS = [
        Binding("escape", "back", "close", id="compare-close", tooltip="Close the comparison"),
        Binding("tab", "switch", "matrix / co-occurrence", id="compare-switch", tooltip="Matrix / co-occurrence"),
        Binding("p", "count", "passages / share", show=True, id="compare-count", tooltip="Count passages / share"),
    ]

    def __init__(
        self,
        documents: Sequence[Document],
        annotations: list[Annotation],
        themes: Mapping[str, Theme],
        colour: Colour,
    ) -> None:
        super().__init__()
        self.documents = {d.key: d for d in documents}
        open_paths = set(self.documents)
        self.annotations = [a for a in annotations if a.document.path in open_paths]
        self.themes = list(themes.values())
        self.colour = colour
        self.matrix = build_matrix(self.annotations, self.themes, sources_of(documents))
        self.codebook: Codebook = self.matrix.codebook
        self._cooccurrence: dict[tuple[str, str], list[Annotation]] | None = None
        self.show_share = True

    def compose(self) -> ComposeResult:
        docs, themes = len(self.matrix.columns), len(self.codebook)
        yield Label(
            Content(f"Compare: {plural(themes, 'theme')} × {plural(docs, 'document')}"),
            classes="title",
            id="heading",
        )
        with ContentSwitcher(initial="matrix"):
            yield DataTable(id="matrix", cursor_type="cell", zebra_stripes=True)
            yield DataTable(id="cooccurrence", cursor_type="cell", zebra_stripes=True)
        yield Label(
            "enter on a count: its passages · on a theme: side by side · tab: co-occurrence · p: counts / share",
            classes="hint",
            id="hint",
        )
        yield Footer()

    def on_mount(self) -> None:
        self._fill_matrix()
        table = self.query_one("#matrix", DataTable)
        table.focus()
        if len(self.codebook):
            table.move_cursor(column=1 if self.matrix.columns else 0)

    # -- the tables ----------------------------------------------------------------------------------------------
    # DataTable cells and labels are rich Text: a str would be parsed as markup
    def _theme_cell(self, key: str) -> Text:
        node = self.codebook.nodes[key]
        colour = node.theme.colour if node.theme is not None else PLAIN
        fold = "▾ " if node.children else "  "
        return Text.assemble("  " * node.depth, fold, ("██", colour), " ", one_line(node.label, 40))

    def _count(self, key: str, column: str) -> Text:
        cell = self.matrix.cell(key, column)
        count = len(cell.passages)
        if not count:
            return Text("·", style="dim")
        if not self.show_share or cell.percent is None:
            return Text(str(count))
        return Text.assemble(str(count), (f" · {cell.percent:.1f}%", "dim"))

    def _fill_matrix(self) -> None:
        table = self.query_one("#matrix", DataTable)
        table.clear(columns=True)
        table.add_column("theme", key="theme")
        labels = [len(self._theme_cell(k)) for k in self.codebook.order]
        room = self.app.size.width - max(labels, default=10) - 12  # the theme and total columns, the gaps
        width = max(12, min(28, room // max(len(self.matrix.columns), 1) - 2))
        for n, column in enumerate(self.matrix.columns, 1):
            table.add_column(Text(one_line(f"#{n} {column.label}", width)), key=column.key)
        table.add_column("total", key="total")
        for key in self.codebook.order:
            counts = [self._count(key, c.key) for c in self.matrix.columns]
            table.add_row(self._theme_cell(key), *counts, Text(str(self.matrix.row_total(key))), key=key)
        if not len(self.codebook):
            table.add_row(Text("no themes yet: press h on a passage"), *[Text("")] * (len(self.matrix.columns) + 1))

    def _fill_cooccurrence(self) -> None:
        if self._cooccurrence is None:
            _, self._cooccurrence = cooccurrence(self.annotations, self.themes)
        table = self.query_one("#cooccurrence", DataTable)
        table.clear(columns=True)
        table.add_column("theme", key="theme")
        for n, key in enumerate(self.codebook.order, 1):
            table.add_column(str(n), key=key)
        for n, key in enumerate(self.codebook.order, 1):
            cells: list[Text] = []
            for other in self.codebook.order:
                found = self._cooccurrence.get((key, other))
                related = other != key and (in_subtree(other, key) or in_subtree(key, other))
                cells.append(Text("·", style="dim") if related or not found else Text(str(len(found))))
            table.add_row(Text.assemble(f"{n}. ", self._theme_cell(key)), *cells, key=key)

    def action_switch(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        showing = "cooccurrence" if switcher.current == "matrix" else "matrix"
        if showing == "cooccurrence":
            self._fill_cooccurrence()
        switcher.current = showing
        self.query_one(f"#{showing}", DataTable).focus()
        what = "themes × themes: passages coded with both, or overlapping" if showing == "cooccurrence" else ""
        self.query_one("#heading", Label).update(
            Content(what or f"Compare: {len(self.codebook)} themes × {len(self.matrix.columns)} documents")
        )

    def action_count(self) -> None:
        self.show_share = not self.show_share
        table = self.query_one("#matrix", DataTable)
        cursor = table.cursor_coordinate
        self._fill_matrix()
        table.cursor_coordinate = cursor

    # -- drilling down -------------------------------------------------------------------------------------------
    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        row, column = event.cell_key.row_key.value, event.cell_key.column_key.value
        if row is None or row not in self.codebook:
            return
        name = self.codebook.nodes[row].name
        if column in ("theme", "total"):
            self.open(SideBySideLevel(name, self.matrix, row, self.documents, self.colour))
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
