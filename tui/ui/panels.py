"""Side panels over the reader: the annotations list, the themes list and the documents chooser."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, OptionList, SelectionList
from textual.widgets.option_list import Option

from ..codebook import Codebook, Node, covering
from ..document import Document, PendingDocument
from ..model import Annotation, Theme
from ..text import sanitise
from ..wording import cut
from . import keys
from .dialogs import chip
from .focus import focus_now
from .safe_input import SafeInput

STATUS_LABELS = {"fuzzy": " ~fuzzy", "ambiguous": " ? ambiguous", "orphan": " ✗ orphan"}


def first_words(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters, control codes shown as placeholders (a hand-edited store may
    hold anything)."""
    text = sanitise(" ".join(text.split()))
    return cut(text, limit)


UNTHEMED_COLOUR = "#C0C0C0"  # a parent only its children carry


class SidePanel(ModalScreen):
    """A modal docked to the right, so the documents stay in view."""

    BINDING_GROUP_TITLE = "Any panel"
    BINDINGS = [Binding("escape", "close", "close", id="panel-close", tooltip="Close the panel")]

    def action_close(self) -> None:
        self.dismiss(None)


class AnnotationsPanel(SidePanel):
    """Highlights of the focused document (or of all), filtered by theme or words; orphans at the end."""

    BINDING_GROUP_TITLE = "Annotations panel"
    BINDINGS = [  # escape: SidePanel's
        Binding(
            "ctrl+a", "toggle_all", "all documents", id="annotations-all",
            tooltip="This document's highlights, or every document's",
        ),
        Binding("ctrl+d", "act('delete')", "delete", id="annotations-delete", tooltip="Delete the highlight"),
        Binding(
            "ctrl+t", "act('reattach')", "re-attach orphan", id="annotations-reattach",
            tooltip="Re-attach an orphan to the selection",
        ),
    ]  # fmt: skip

    def __init__(
        self,
        annotations: list[Annotation],
        themes: dict[str, Theme],
        document: str | None,
        colour_of: Callable[[Annotation], str],
    ) -> None:
        super().__init__()
        self.all_annotations = sorted(annotations, key=lambda a: (a.document.path, a.start))
        self.themes = themes
        self.document = document
        self.colour_of = colour_of

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Annotations", classes="title")
            yield SafeInput(placeholder="filter by theme or words", id="filter")
            yield Checkbox("all documents", self.document is None, id="all")
            yield OptionList(id="list")
            ids = ["annotations-all", "annotations-delete", "annotations-reattach"]
            yield Label(keys.hint(self.app, AnnotationsPanel, ids, ["enter jump"]), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        focus_now(self.query_one("#list", OptionList))

    def shown(self) -> list[Annotation]:
        everything = self.query_one("#all", Checkbox).value
        words = self.query_one("#filter", Input).value.strip().casefold()
        found = []
        for annotation in self.all_annotations:
            if not everything and annotation.document.path != self.document:
                continue
            haystack = " ".join(annotation.themes + [annotation.quote, annotation.note]).casefold()
            if words and words not in haystack:
                continue
            found.append(annotation)
        return sorted(found, key=lambda a: (a.status == "orphan", a.document.path, a.start))

    def _fill(self) -> None:
        options = self.query_one("#list", OptionList)
        options.clear_options()
        everything = self.query_one("#all", Checkbox).value
        for annotation in self.shown():
            themes = first_words(", ".join(annotation.themes), 80) or "(no theme)"
            status = STATUS_LABELS.get(annotation.status, "")
            parts: list = [chip(self.colour_of(annotation)), " ", (themes, "bold"), (status, "italic")]
            if everything:
                parts += ["  ", (first_words(annotation.document.title, 30), "dim")]
            parts += ["\n\u00a0\u00a0“", first_words(annotation.quote), "”"]
            if annotation.note:
                parts += ["\n\u00a0\u00a0✎ ", (first_words(annotation.note, 70), "italic")]
            options.add_option(Option(Content.assemble(*parts), id=annotation.id))
        if not options.option_count:
            options.add_option(Option("no highlights here yet: select text and press h", disabled=True))
        else:
            options.highlighted = 0

    @on(Input.Changed, "#filter")
    @on(Checkbox.Changed, "#all")
    def _refilter(self) -> None:
        self._fill()

    @on(Input.Submitted, "#filter")
    def _to_list(self) -> None:
        focus_now(self.query_one("#list", OptionList))

    def action_toggle_all(self) -> None:
        box = self.query_one("#all", Checkbox)
        box.value = not box.value

    @on(OptionList.OptionSelected, "#list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        annotation = next(a for a in self.all_annotations if a.id == event.option.id)
        if annotation.status == "orphan":
            self.notify("An orphan has no place in the text: ctrl+t re-attaches it to the selection", timeout=4)
            return
        self.dismiss(("jump", annotation.id))

    def action_act(self, verb: str) -> None:
        options = self.query_one("#list", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id:
            self.dismiss((verb, option.id))


class ThemesPanel(SidePanel):
    """The codebook: every theme as a tree (``a/b`` under ``a``; ``space`` folds), its colour, description and count
    per document (a parent's include its children's); rename (a parent: its subtree), merge, recolour, describe,
    delete."""

    BINDING_GROUP_TITLE = "Themes panel"
    BINDINGS = [  # escape: SidePanel's
        Binding("r", "act('rename')", "rename", id="theme-rename", tooltip="Rename the theme (a parent: its subtree)"),
        Binding("m", "act('merge')", "merge", id="theme-merge", tooltip="Merge the theme into another"),
        Binding("c", "act('recolour')", "recolour", id="theme-recolour", tooltip="Change the theme's colour"),
        Binding("D", "act('describe')", "describe", id="theme-describe", tooltip="Describe the theme"),
        Binding("d,delete", "act('delete')", "delete", id="theme-delete", tooltip="Delete the theme"),
        Binding("space", "fold", "fold / unfold", id="theme-fold", tooltip="Fold or unfold a parent's subtree"),
        Binding("M", "act('memo')", "memo", id="theme-memo", tooltip="Write the theme's memo (Markdown)"),
    ]

    def __init__(
        self,
        themes: list[Theme],
        annotations: list[Annotation],
        documents: list[Document],
        folded: set[str] | None = None,
    ) -> None:
        super().__init__()
        self.themes = sorted(themes, key=lambda t: t.key)
        self.annotations = annotations
        self.documents = documents
        self.codebook = Codebook(themes, {t for a in annotations for t in a.themes})
        self.folded = folded if folded is not None else set()  # node keys; the app keeps them between visits
        self.rows: list[Node] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Themes", classes="title")
            yield DataTable(cursor_type="row", zebra_stripes=True)
            ids = ["theme-rename", "theme-merge", "theme-recolour", "theme-describe", "theme-delete", "theme-fold"]
            ids.append("theme-memo")
            yield Label(
                keys.hint(self.app, ThemesPanel, ids) + " · " + keys.hint(self.app, SidePanel, ["panel-close"]),
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(" ", key="chip")
        table.add_column("theme", key="name")
        for n, document in enumerate(self.documents, 1):
            table.add_column(Text(f"#{n} {first_words(document.title, 16)}"), key=f"doc{n}")
        table.add_column("total", key="total")
        table.add_column("description", key="description")
        self._fill()
        focus_now(table)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for annotation in self.annotations:
            for key in covering(annotation):  # each passage once under each node above its themes
                counts[key][annotation.document.path] += 1
        paths = [d.key for d in self.documents]
        self.rows = self.codebook.visible(self.folded)
        for node in self.rows:
            per_doc = counts.get(node.key, Counter())
            fold = ("▸ " if node.key in self.folded else "▾ ") if node.children else "  "
            colour = node.theme.colour if node.theme is not None else UNTHEMED_COLOUR
            table.add_row(
                Text("██", style=colour),
                Text("  " * node.depth + fold + first_words(node.label, 40)),  # Text, not markup: the reader's words
                *[str(per_doc.get(p, 0)) for p in paths],
                str(sum(per_doc.values())),
                Text(first_words(node.theme.description if node.theme is not None else "", 50)),
                key=node.key,
            )
        if not self.rows:
            table.add_row("", Text("no themes yet: press h on a passage"), *[""] * len(paths), "", "")

    def action_fold(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or not self.rows[table.cursor_row].children:
            return
        key = self.rows[table.cursor_row].key
        self.folded ^= {key}
        self._fill()
        table.move_cursor(row=[n.key for n in self.rows].index(key))

    def action_act(self, verb: str) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            return
        self.dismiss((verb, self.rows[table.cursor_row].name))


class DocumentsPanel(SidePanel):
    """Choose which documents are shown side by side (at most ``limit``)."""

    BINDING_GROUP_TITLE = "Documents panel"
    BINDINGS = [
        Binding("enter", "apply", "show", priority=True, id="documents-show", tooltip="Show the chosen documents")
    ]

    def __init__(self, documents: list[Document], shown: list[int], limit: int) -> None:
        super().__init__()
        self.documents = documents
        self.shown = shown
        self.limit = limit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Documents", classes="title")
            yield Label("space: show or hide · enter: show them · esc: close", classes="hint")
            yield Label("", id="chosen", classes="hint")
            yield SelectionList[int](*[(self._prompt(d), i, i in self.shown) for i, d in enumerate(self.documents)])
        yield Footer()

    @staticmethod
    def _prompt(document: Document) -> Content:
        state = " (extracting…)" if isinstance(document, PendingDocument) else ""
        return Content.assemble(sanitise(document.pane_title), (f"  {sanitise(document.path.name)}{state}", "dim"))

    def on_selection_list_selected_changed(self) -> None:
        self._count()

    def _count(self) -> None:
        count = len(self.query_one(SelectionList).selected)
        label = self.query_one("#chosen", Label)
        label.set_class(count > self.limit, "-too-many")
        if count > self.limit:
            label.update(f"{count} chosen: only {self.limit} fit side by side; enter shows the first {self.limit}")
        else:
            label.update(f"{count} of at most {self.limit} chosen")

    def on_mount(self) -> None:
        self._count()
        focus_now(self.query_one(SelectionList))

    def action_apply(self) -> None:
        chosen = sorted(self.query_one(SelectionList).selected)
        if not chosen:
            self.notify("Choose at least one document", severity="warning")
            return
        if len(chosen) > self.limit:
            self.notify(f"Showing the first {self.limit} of those", timeout=3)
        self.dismiss(chosen[: self.limit])
