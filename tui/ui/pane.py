"""A pane: one document's title bar over its DocumentView."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ..document import Document
from .document_view import DocumentView


class TitleBar(Static):
    DEFAULT_CSS = """
    TitleBar {
        height: 1;
        background: $panel;
        color: $foreground-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
    }
    """


class Pane(Vertical):
    DEFAULT_CSS = """
    Pane {
        border: round $panel;
        height: 1fr;
        width: 1fr;
        &:focus-within {
            border: round $accent;
            & > TitleBar { background: $accent; color: $text; text-style: bold; }
        }
    }
    """

    def __init__(self, document: Document, index: int) -> None:
        super().__init__(id=f"pane-{index}")
        self.document = document
        self.view = DocumentView(document, id=f"view-{index}")

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield self.view

    def on_mount(self) -> None:
        self.update_title()

    def update_title(self) -> None:
        view = self.view
        count = len(view.annotations)
        text = f"{self.document.title} · {view.percent}% · {count} highlight{'s' * (count != 1)}"
        self.query_one(TitleBar).update(Content(text))  # Content: document text is never markup
        self.border_subtitle = None

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        self.update_title()

    def on_document_view_scrolled(self, message: DocumentView.Scrolled) -> None:
        self.update_title()
