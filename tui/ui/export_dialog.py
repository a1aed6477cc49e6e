"""The export dialog (``x``): grouping, themes, format and file name; writes the file and says where."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioButton, RadioSet

from ..export import ExportError, render_store, write_export
from ..storage import StoreError
from ..store import Store
from . import keys
from .dialogs import ConfirmDialog
from .safe_input import SafeInput


class ExportDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 72; max-width: 95%; height: auto; border: thick $accent; background: $surface; padding: 0 1;
    }
    ExportDialog RadioSet { layout: horizontal; width: 100%; }
    ExportDialog .hint { color: $foreground-muted; }
    """
    BINDING_GROUP_TITLE = "Export dialog"
    BINDINGS = [Binding("escape", "cancel", "cancel", id="export-cancel", tooltip="Close without exporting")]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export annotations", classes="title")
            with RadioSet(id="by"):
                yield RadioButton("by theme", value=True, id="theme")
                yield RadioButton("by document", id="document")
            with RadioSet(id="format"):
                yield RadioButton("Markdown", value=True, id="markdown")
                yield RadioButton("W3C JSON", id="w3c")
            yield SafeInput(placeholder="themes, comma-separated (empty: all)", id="themes")
            yield SafeInput(str(Path.cwd() / "marginalia-export.md"), id="file")
            yield Label(keys.hint(self.app, ExportDialog, ["export-cancel"], ["enter write the file"]), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#file", Input).focus()

    @on(RadioSet.Changed, "#format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        field = self.query_one("#file", Input)
        path = Path(field.value)
        field.value = str(path.with_suffix(".json" if event.pressed.id == "w3c" else ".md"))

    @on(Input.Submitted)
    def _submit(self) -> None:
        path = Path(self.query_one("#file", Input).value.strip()).expanduser()
        if not path.name:
            self.notify("Give a file name", severity="warning")
            return
        if path.exists():

            def answer(yes: bool | None) -> None:
                if yes:
                    self.write(path, force=True)

            self.app.push_screen(ConfirmDialog(f"{path} exists. Overwrite it?"), answer)
            return
        self.write(path, force=False)

    @work(exclusive=True)
    async def write(self, path: Path, force: bool) -> None:
        by = self.query_one("#by", RadioSet).pressed_button
        fmt = self.query_one("#format", RadioSet).pressed_button
        themes = [t.strip() for t in self.query_one("#themes", Input).value.split(",") if t.strip()]

        def export() -> Path:
            chosen_format = (fmt.id if fmt else None) or "markdown"
            chosen_by = (by.id if by else None) or "theme"
            text = render_store(self.store, chosen_format, chosen_by, themes or None)
            return write_export(text, path, force)

        try:
            written = await asyncio.to_thread(export)
        except (ExportError, StoreError, OSError) as error:
            self.notify(str(error), title="Not exported", severity="error", timeout=8)
            return
        self.app.notify(f"Exported to {written}", title="Export", timeout=8)
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
