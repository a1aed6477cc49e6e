"""A pane: one document's title bar over its DocumentView, and a status line for the highlight at the cursor."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ..document import Document, PendingDocument
from ..text import sanitise
from ..wording import cut, extracting, plural
from .document_view import DocumentView


class TitleBar(Static):
    shown = ""  # the text it shows


class StatusLine(Static):
    """The highlight under the cursor: its themes with their colours, its note's first line, its status."""

    shown: Content = Content("")


class Pane(Vertical):
    def __init__(self, document: Document, index: int) -> None:
        super().__init__(id=f"pane-{index}")
        self.document = document
        self.view = DocumentView(document, id=f"view-{index}")

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield self.view
        yield StatusLine()

    def show_status(self, content: Content) -> None:
        line = self.query_one(StatusLine)
        if content.plain != line.shown.plain or content.spans != line.shown.spans:
            line.shown = content
            line.update(content, layout=False)

    def on_mount(self) -> None:
        self.update_title()

    def update_title(self) -> None:
        """Title, then position and highlight count, which stay visible however narrow the pane."""
        view = self.view
        count = view.annotation_count
        conflicts = view.highlights.conflicts  # a git merge's: to resolve (marginalia list --conflicts)
        stats = f" · {view.position} · {plural(count, 'highlight')}"
        if conflicts:
            stats += f" · {plural(conflicts, 'conflict')}"
        bar = self.query_one(TitleBar)
        room = bar.size.width - 2 - cell_len(stats) if bar.size.width else 200
        if room < 10:  # a narrow pane: the figures in short
            stats = f" {view.position} ✎{count}" + (f" ⚠{conflicts}" if conflicts else "")
            room = max(bar.size.width - 2 - cell_len(stats), 4)
        shown = cut(self.document.pane_title, room) + stats  # cut by terminal cells: wide characters count two
        if shown != bar.shown:  # a bar of one row never changes size: no layout (the whole screen) for it
            bar.shown = shown
            bar.update(Content(shown), layout=False)  # Content: document text is never markup

    def on_resize(self) -> None:
        self.update_title()

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        self.update_title()

    def on_document_view_scrolled(self, message: DocumentView.Scrolled) -> None:
        self.update_title()

    def on_document_view_rewrapped(self, message: DocumentView.Rewrapped) -> None:
        self.update_title()  # "70%" of the first screens wrapped is 1% of the whole text


class ExtractingPane(Vertical):
    """A document's place while its text is extracted in another process: what is done so far ("Extracting
    report.pdf: page 37 of 300") over a bar, or why it failed. It takes no focus: the other panes are used
    meanwhile, and the reader puts a ``Pane`` here once the text is ready."""

    def __init__(self, document: PendingDocument, index: int) -> None:
        super().__init__(id=f"pane-{index}")
        self.document = document

    def compose(self) -> ComposeResult:
        from textual.widgets import ProgressBar  # imported by the first document extracted, not at every start

        yield TitleBar(Content(self.document.path.name))
        yield Static(Content(sanitise(extracting(self.document.path.name, self.document.kind))), id="progress-text")
        yield ProgressBar(total=None, show_eta=False)

    def show_progress(self, done: int, total: int) -> None:
        from textual.widgets import ProgressBar

        text = extracting(self.document.path.name, self.document.kind, done, total)
        # layout=False: a line of fixed height; a layout would lay out the whole screen (and re-wrap the other
        # panes' text) at every page
        self.query_one("#progress-text", Static).update(Content(sanitise(text)), layout=False)
        self.query_one(ProgressBar).update(total=total, progress=done)

    def show_failure(self, message: str) -> None:
        self.add_class("-failed")
        text = self.query_one("#progress-text", Static)
        text.styles.text_wrap = "wrap"  # the whole reason, however narrow the pane
        text.styles.height = "auto"
        text.update(Content(sanitise(message)))
