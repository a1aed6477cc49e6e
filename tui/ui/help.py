"""The ``?`` screen: marginalia's own keys, grouped by task, each with what it does, as the user's keymap has them.

Everything here comes from the bindings (``keys.help_sections``): a key added with an id and a tooltip shows up
by itself, once its id is in a task of ``keys.TASKS``. Textual's inherited bindings (scrolling, focus) are not
listed: they are not marginalia's.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from . import keys
from .styles import styles_of


class HelpScreen(ModalScreen[None]):
    """Every key of the reader by task, then the keys of each panel and dialog."""

    CSS_PATH = styles_of(__file__)

    BINDING_GROUP_TITLE = "Help"
    BINDINGS = [Binding("escape,question_mark", "close", "close", id="help-close", tooltip="Close the help")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text("Keys"), classes="title")
            with VerticalScroll(id="sections"):
                for title, rows in keys.help_sections(self.app):
                    yield Label(Text(title), classes="section")
                    yield Static(_table(rows), classes="rows")
            yield Label(Text(keys.hint(self.app, HelpScreen, ["help-close"], ["↑ ↓ pgup pgdn scroll"])), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#sections").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def _table(rows: list[tuple[list[str], str]]) -> Table:
    """Keys on the left (wrapped between keys, never inside one), what they do on the right."""
    table = Table.grid(padding=(0, 2))
    table.add_column(width=12, no_wrap=False)
    table.add_column(ratio=1)
    for shown, description in rows:
        table.add_row(Text("  ".join(shown), style="bold"), Text(description))
    return table
