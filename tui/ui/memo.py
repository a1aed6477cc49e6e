"""The memo editor: a theme's, a document's or the project's Markdown memo in a ``TextArea``.

``ctrl+s`` saves and closes; ``escape`` closes, asking first if there are changes. The screen dismisses with the
new text, or None when nothing is to be saved (the app writes it, one atomic write, undoable with ``u``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.document._document import EditResult
from textual.document._edit import Edit
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, TextArea

from ..text import safe_line, sanitise
from . import keys
from .dialogs import ConfirmDialog
from .focus import focus_now
from .styles import styles_of


class SafeTextArea(TextArea):
    """A ``TextArea`` that can never send control codes to the terminal: what it is given, typed or pasted is
    shown with ``text.sanitise``'s placeholders (one for one), as ``SafeInput`` does for one line."""

    def edit(self, edit: Edit) -> EditResult:
        edit.text = sanitise(edit.text)
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        super().load_text(sanitise(text))


class MemoScreen(ModalScreen[str | None]):
    CSS_PATH = styles_of(__file__)
    BINDING_GROUP_TITLE = "Memo"
    BINDINGS = [
        Binding("ctrl+s", "save", "save", priority=True, id="memo-save", tooltip="Save the memo and close it"),
        Binding("escape", "close", "close", priority=True, id="memo-close", tooltip="Close the memo (asks if changed)"),
    ]

    def __init__(self, heading: str, text: str) -> None:
        super().__init__()
        self.heading, self.text = heading, text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(safe_line(f"Memo on {self.heading} (Markdown)")), classes="title")
            yield SafeTextArea(sanitise(self.text), soft_wrap=True, tab_behavior="indent", id="memo")
            yield Label(keys.hint(self.app, MemoScreen, ["memo-save", "memo-close"]), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.move_cursor(area.document.end)
        focus_now(area)

    @property
    def changed(self) -> bool:
        """The text differs from the memo as stored (shown safe: an untouched memo keeps its own characters)."""
        return self.query_one(TextArea).text != sanitise(self.text)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text if self.changed else None)

    def action_close(self) -> None:
        if not self.changed:
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Close the memo without saving your changes?"), answer)
