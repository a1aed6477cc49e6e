"""Side panels over the reader: the annotations list, the themes list and the documents chooser."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import AwaitMount
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, OptionList, SelectionList
from textual.widgets.option_list import Option

from ..codebook import Codebook, Node, covering, node_key
from ..document import Document, PendingDocument
from ..export import citation, cited_work
from ..model import Annotation, Theme, colour_problem, theme_key
from ..text import sanitise
from ..wording import cut
from . import keys
from .chips import chip
from .dialogs import ConfirmDialog, PromptDialog, ThemeSuggester
from .focus import focus_now
from .safe_input import SafeInput
from .styles import styles_of

STATUS_LABELS = {"fuzzy": " ~fuzzy", "ambiguous": " ? ambiguous", "orphan": " ✗ orphan"}


def first_words(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters, control codes shown as placeholders (a hand-edited store may
    hold anything)."""
    text = sanitise(" ".join(text.split()))
    return cut(text, limit)


UNTHEMED_COLOUR = "#C0C0C0"  # a parent only its children carry

Result = TypeVar("Result")


# What the annotations panel closes with: one highlight and what to do with it.
@dataclass(frozen=True)
class JumpTo:
    annotation_id: str


@dataclass(frozen=True)
class DeleteHighlight:
    annotation_id: str


@dataclass(frozen=True)
class Reattach:
    """Give the orphan (or fuzzy highlight) the place selected in the reader."""

    annotation_id: str


AnnotationChoice = JumpTo | DeleteHighlight | Reattach
ThemeVerb = Literal["rename", "merge", "recolour", "describe", "delete", "memo"]


@dataclass(frozen=True)
class ThemeRequest:
    """A change the themes panel asks for: ``answer`` is the new name, the theme merged into, the colour or the
    description (nothing for a delete or a memo, which the app opens its editor for)."""

    verb: ThemeVerb
    name: str
    answer: str = ""


class SidePanel(ModalScreen[Result]):
    """A modal docked to the right, so the documents stay in view."""

    CSS_PATH = styles_of(__file__)

    BINDING_GROUP_TITLE = "Any panel"
    BINDINGS = [Binding("escape", "close", "close", id="panel-close", tooltip="Close the panel")]
    NARROW = 112  # below this many columns 70% is too narrow for a panel's columns: it takes the whole width

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < self.NARROW, "-narrow")

    def inner_width(self) -> int:
        """The columns inside the panel, known before its first layout (the styles above, one to spare)."""
        width = self.app.size.width
        if width < self.NARROW:
            return width - 3  # padding
        return max(min(width * 7 // 10, 110), 40) - 4  # border and padding

    def action_close(self) -> None:
        self.dismiss(None)


class AnnotationsPanel(SidePanel[AnnotationChoice | None]):
    """Highlights of the focused document (or of all), filtered by theme or words; orphans at the end. Each row:
    the themes, the quote wrapped to the panel's width (``QUOTE_ROWS`` at most), its citation and the note's first
    line. The filter keeps the focus, as the command palette's does: whatever is typed filters, the arrows choose
    a row and ``enter`` jumps to it (the first row unless another was chosen)."""

    BINDING_GROUP_TITLE = "Annotations panel"
    BINDINGS = [  # escape: SidePanel's; priority: the filter's own ctrl+a and ctrl+d come second
        Binding(
            "ctrl+a", "toggle_all", "all documents", id="annotations-all", priority=True,
            tooltip="This document's highlights, or every document's",
        ),
        Binding("ctrl+d", "act('delete')", "delete", id="annotations-delete", priority=True,
                tooltip="Delete the highlight"),
        Binding(
            "ctrl+t", "act('reattach')", "re-attach orphan", id="annotations-reattach", priority=True,
            tooltip="Re-attach an orphan to the selection",
        ),
        Binding("down", "move('cursor_down')", "next", show=False, id="annotations-next",
                tooltip="Choose the next highlight"),
        Binding("up", "move('cursor_up')", "previous", show=False, id="annotations-previous",
                tooltip="Choose the previous highlight"),
        Binding("pagedown", "move('page_down')", "page down", show=False, id="annotations-page-down",
                tooltip="Choose a highlight a page down"),
        Binding("pageup", "move('page_up')", "page up", show=False, id="annotations-page-up",
                tooltip="Choose a highlight a page up"),
    ]  # fmt: skip
    QUOTE_ROWS = 3

    def __init__(
        self,
        annotations: list[Annotation],
        themes: dict[str, Theme],
        document: str | None,
        colour_of: Callable[[Annotation], str],
        documents: dict[str, Document] | None = None,
    ) -> None:
        super().__init__()
        self.all_annotations = sorted(annotations, key=lambda a: (a.document.path, a.start))
        self.themes = themes
        self.document = document
        self.colour_of = colour_of
        self.documents = documents or {}  # by path: where a citation finds its page, chapter or paragraph
        self._filled_for = -1  # the width the rows were wrapped at

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Annotations", classes="title")
            yield SafeInput(placeholder="type to filter by theme or words; ↑ ↓ choose, enter jumps", id="filter")
            box = Checkbox("all documents", self.document is None, id="all")
            box.can_focus = False  # the filter keeps the focus; a click or ctrl+a toggles it
            yield box
            options = OptionList(id="list")
            options.can_focus = False
            yield options
            ids = ["annotations-all", "annotations-delete", "annotations-reattach"]
            yield Label(keys.hint(self.app, AnnotationsPanel, ids, ["↑ ↓ choose", "enter jump"]), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        focus_now(self.query_one("#filter", Input))

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)
        if self._row_width() != self._filled_for:
            self._fill(keep_choice=True)

    def _row_width(self) -> int:
        """The cells an option's text has: the list's border, padding and scrollbar off the panel's width."""
        return max(self.inner_width() - 2 - 2 - 1, 10)

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

    def _row(self, annotation: Annotation, width: int) -> Content:
        themes = first_words(", ".join(annotation.themes), 200) or "(no theme)"
        status = STATUS_LABELS.get(annotation.status, "")
        head = Content.assemble(chip(self.colour_of(annotation)), " ", (themes, "bold"), (status, "italic"))
        lines = [head.truncate(width, ellipsis=True)]
        lines += [Content("\u00a0\u00a0" + line) for line in quote_rows(annotation.quote, width - 2, self.QUOTE_ROWS)]
        cited = cite(annotation, self.documents.get(annotation.document.path), width - 4)
        lines.append(Content.styled("\u00a0\u00a0— " + cited, "dim"))
        note = annotation.note.strip().splitlines()[0] if annotation.note.strip() else ""
        if note:
            lines.append(Content.assemble("\u00a0\u00a0✎ ", (first_words(note, width - 4), "italic")))
        return Content("\n").join(lines)

    def _fill(self, keep_choice: bool = False) -> None:
        """The rows (again); with ``keep_choice`` the chosen one stays chosen, else the first is."""
        options = self.query_one("#list", OptionList)
        chosen = options.highlighted_option.id if options.highlighted_option is not None else None
        width = self._filled_for = self._row_width()
        options.clear_options()
        rows = self.shown()
        options.add_options([Option(self._row(a, width), id=a.id) for a in rows])
        if not rows:
            options.add_option(Option("no highlights here yet: select text and press h", disabled=True))
            return
        ids = [a.id for a in rows]
        options.highlighted = ids.index(chosen) if keep_choice and chosen in ids else 0

    @on(Input.Changed, "#filter")
    @on(Checkbox.Changed, "#all")
    def _refilter(self) -> None:
        self._fill()

    @on(Input.Submitted, "#filter")
    def _jump_to_chosen(self) -> None:
        options = self.query_one("#list", OptionList)
        if options.highlighted is not None:
            options.action_select()

    def action_move(self, how: str) -> None:
        getattr(self.query_one("#list", OptionList), f"action_{how}")()

    def action_toggle_all(self) -> None:
        box = self.query_one("#all", Checkbox)
        box.value = not box.value

    @on(OptionList.OptionSelected, "#list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        annotation = next(a for a in self.all_annotations if a.id == event.option.id)
        if annotation.status == "orphan":
            self.notify("An orphan has no place in the text: ctrl+t re-attaches it to the selection", timeout=4)
            return
        self.dismiss(JumpTo(annotation.id))

    def action_act(self, verb: str) -> None:
        options = self.query_one("#list", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id:
            self.dismiss(DeleteHighlight(option.id) if verb == "delete" else Reattach(option.id))


def quote_rows(quote: str, width: int, rows: int) -> list[str]:
    """The quote in “marks”, wrapped at ``width`` cells, in at most ``rows`` rows (the last cut with an ellipsis)."""
    text = "“" + sanitise(" ".join(quote[: rows * width * 4].split())) + "”"  # more than rows can show
    lines = [line.plain for line in Content(text).wrap(max(width, 4))]
    if len(lines) <= rows:
        return lines
    last = lines[rows - 1]
    return lines[: rows - 1] + [cut(last + " " + lines[rows], width)]


def cite(annotation: Annotation, document: Document | None, width: int) -> str:
    """The passage's citation in ``width`` cells, cut in the cited work's title so its page, chapter or
    paragraph stays in view."""
    full = sanitise(citation(annotation, document, inline=str))
    work = sanitise(cited_work(document, inline=str)) if document is not None else ""
    place = full[len(work) :] if work and full.startswith(work) else ""
    if place and cell_len(place) <= width - 8:
        return cut(work, width - cell_len(place)) + place
    return cut(full, width)


class ThemeTable(DataTable[Any]):
    """The themes panel's table: ``enter`` (or a click on the row under the cursor) opens the theme's passages
    side by side."""

    BINDING_GROUP_TITLE = "Themes panel"
    BINDINGS = [
        Binding("enter", "select_cursor", "side by side", id="theme-compare",
                tooltip="The theme's passages side by side, a column per document"),
    ]  # fmt: skip


class ThemesPanel(SidePanel[None]):
    """The codebook: every theme as a tree (``a/b`` under ``a``; ``space`` folds), its colour, description and count
    per document (a parent's include its children's); rename (a parent: its subtree), merge, recolour, describe,
    delete. The panel stays open while it asks and the app saves (``Requested``); ``reload`` then shows the
    store's themes with the cursor on the theme acted on (its new name, or the theme merged into)."""

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

    @dataclass
    class Compare(Message):
        """Open the compare screen on this codebook node's passages side by side (the panel is closed)."""

        node: str

    @dataclass
    class Requested(Message):
        """The user answered the panel's question: the app applies ``request`` and calls ``panel.reload``."""

        panel: ThemesPanel
        request: ThemeRequest

        @property
        def control(self) -> ThemesPanel:
            return self.panel

    def __init__(
        self,
        themes: list[Theme],
        annotations: list[Annotation],
        documents: list[Document],
        folded: set[str] | None = None,
    ) -> None:
        super().__init__()
        self.documents = documents
        self.folded = folded if folded is not None else set()  # node keys; the app keeps them between visits
        self.rows: list[Node] = []
        self.keep: str | None = None  # the node the cursor goes back to after a change
        self._laid_out_for = -1  # the table width the columns were sized for
        self._set_model(themes, annotations)

    def _set_model(self, themes: list[Theme], annotations: list[Annotation]) -> None:
        self.themes = sorted(themes, key=lambda t: t.key)
        self.annotations = annotations
        self.codebook = Codebook(themes, {t for a in annotations for t in a.themes})
        self.usage = Counter(theme_key(t) for a in annotations for t in a.themes)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Themes", classes="title")
            yield Label(id="legend")
            yield ThemeTable(cursor_type="row", zebra_stripes=True)
            ids = ["theme-rename", "theme-merge", "theme-recolour", "theme-describe", "theme-delete", "theme-fold"]
            ids.append("theme-memo")
            shown: list[tuple[type[DOMNode], list[str]]] = [
                (ThemeTable, ["theme-compare"]), (ThemesPanel, ids), (SidePanel, ["panel-close"])
            ]  # fmt: skip
            yield Label(
                " · ".join(keys.hint(self.app, room, of_room) for room, of_room in shown),
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        legend = [f"#{n} {cited_work(d, inline=str)}" for n, d in enumerate(self.documents, 1)]
        self.query_one("#legend", Label).update(Content("\n".join(legend)))
        self._fill()
        focus_now(self.query_one(DataTable))

    def on_resize(self, event: events.Resize) -> None:
        super().on_resize(event)
        if self.inner_width() != self._laid_out_for:
            self._fill()

    def _columns(self, table: DataTable[Any]) -> tuple[int, int, int]:
        """(theme, per-document, description) widths so that every column fits the table's width: a column per
        document holds its number and author (or only its number, the legend saying which it is)."""
        padding = 2 * table.cell_padding
        room = self.inner_width() - table.styles.scrollbar_size_vertical - 5 * padding - 2 - 5  # chip, total
        docs = len(self.documents)
        per_doc = 14 if room - docs * (14 + padding) >= 48 else 4
        room -= docs * (per_doc + padding)
        longest = max(
            (cell_len(first_words(n.label, 40)) + 2 * n.depth + 2 for n in self.codebook.nodes.values()), default=8
        )
        name = max(min(longest, room * 2 // 5, 44), 8)
        return name, per_doc, max(room - name, 10)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        target = self.keep or (self.rows[row].key if 0 <= row < len(self.rows) else None)
        self.keep = None
        name_width, doc_width, description_width = self._columns(table)
        if self.inner_width() != self._laid_out_for:
            self._laid_out_for = self.inner_width()
            table.clear(columns=True)
            table.add_column(" ", key="chip", width=2)
            table.add_column("theme", key="name", width=name_width)
            for n, document in enumerate(self.documents, 1):
                who = f"#{n} {document.metadata.short_author or document.title}" if doc_width > 4 else f"#{n}"
                table.add_column(Text(cut(sanitise(who), doc_width)), key=f"doc{n}", width=doc_width)
            table.add_column("total", key="total", width=5)
            table.add_column("description", key="description", width=description_width)
        else:
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
            label = "  " * node.depth + fold + first_words(node.label, 40)
            description = first_words(node.theme.description if node.theme is not None else "", 200)
            if node.theme is not None and node.theme.conflict:  # a git merge kept two versions: say so first
                description = " ".join([*node.theme.conflict_notes(), description])
            table.add_row(
                Text("██", style=colour),
                Text(cut(label, name_width)),  # Text, not markup: the reader's words
                *[str(per_doc.get(p, 0)) for p in paths],
                str(sum(per_doc.values())),
                Text(cut(description, description_width)),
                key=node.key,
            )
        if not self.rows:
            table.add_row("", Text("no themes yet: press h on a passage"), *[""] * len(paths), "", "")
        self._cursor_to(target, row)

    def _cursor_to(self, key: str | None, row: int) -> None:
        """The cursor on node ``key`` (or on the parent that holds or folds it); else on ``row``, or the last."""
        table = self.query_one(DataTable)
        keys_shown = [n.key for n in self.rows]
        while key and key not in keys_shown:
            key = key.rpartition("/")[0]
        if key:
            table.move_cursor(row=keys_shown.index(key), animate=False)
        elif self.rows:
            table.move_cursor(row=max(min(row, len(self.rows) - 1), 0), animate=False)

    @on(DataTable.RowSelected)
    def _compare(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self.post_message(self.Compare(self.rows[event.cursor_row].key))
            self.dismiss()

    def reload(self, themes: list[Theme], annotations: list[Annotation]) -> None:
        """The store's themes after a change, the cursor on ``keep``."""
        self._set_model(themes, annotations)
        self._fill()

    def action_fold(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or not self.rows[table.cursor_row].children:
            return
        self.keep = self.rows[table.cursor_row].key
        self.folded ^= {self.keep}
        self._fill()

    def action_act(self, verb: ThemeVerb) -> AwaitMount | None:
        table = self.query_one(DataTable)
        if not self.rows:
            return None
        node = self.rows[table.cursor_row]
        theme = node.theme
        if verb == "memo":  # the app opens the memo editor (a parent has a memo too)
            self.keep = node.key
            self.post_message(self.Requested(self, ThemeRequest("memo", node.name)))
            return None
        if theme is None and verb != "rename":
            self.notify(f"“{node.name}” only groups other themes: rename it, or act on a theme below it", timeout=4)
            return None
        name = node.name
        others = [t for t in self.themes if t.key != theme_key(name)]
        questions: dict[str, Callable[[], ModalScreen[Any]]] = {
            "rename": lambda: PromptDialog(f"Rename theme “{name}” to:", name),
            "merge": lambda: PromptDialog(
                f"Merge theme “{name}” into (→ completes):", placeholder="an existing or new theme",
                suggester=ThemeSuggester(others, dict(self.usage)),
            ),
            "describe": lambda: PromptDialog(f"Describe theme “{name}”:", theme.description if theme else ""),
            "recolour": lambda: PromptDialog(
                f"Colour for “{name}” (#RRGGBB):", theme.colour if theme else "", check=colour_problem
            ),
            "delete": lambda: ConfirmDialog(f"Delete theme “{name}”? Its highlights stay."),
        }  # fmt: skip
        question = questions[verb]()

        def answered(answer: str | bool | None) -> None:
            if answer in (None, "", False):
                return
            text = "" if answer is True else str(answer).strip()
            if not text and verb != "delete":
                return
            self.keep = node_key(text) if verb in ("rename", "merge") else node.key
            if verb == "delete":  # the row that takes its place (or the parent it was under)
                self.keep = node.key.rpartition("/")[0] or None
            self.post_message(self.Requested(self, ThemeRequest(verb, name, text)))

        return self.app.push_screen(question, answered)  # awaited: the keys typed after go to the question


class DocumentsPanel(SidePanel[list[int] | None]):
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
