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
from .focus import focus_now
from .safe_input import SafeInput
from .styles import styles_of


class ExportDialog(ModalScreen[dict[str, str] | None]):
    """Returns the choices it exported with (None if cancelled): the next export starts from them."""

    CSS_PATH = styles_of(__file__)

    BINDING_GROUP_TITLE = "Export dialog"
    BINDINGS = [Binding("escape", "cancel", "cancel", id="export-cancel", tooltip="Close without exporting")]

    def __init__(self, store: Store, last: dict[str, str] | None = None) -> None:
        super().__init__()
        self.store = store
        self.last = last or {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export annotations", classes="title")
            by = self.last.get("by", "theme")
            fmt = self.last.get("format", "markdown")
            with RadioSet(id="by"):
                yield RadioButton("by theme", value=by != "document", id="theme")
                yield RadioButton("by document", value=by == "document", id="document")
            with RadioSet(id="format"):
                yield RadioButton("Markdown", value=fmt != "w3c", id="markdown")
                yield RadioButton("W3C JSON", value=fmt == "w3c", id="w3c")
            yield SafeInput(
                self.last.get("themes", ""), placeholder="themes, comma-separated (empty: all)", id="themes"
            )
            folder = Path(self.last.get("folder") or Path.cwd())
            yield SafeInput(str(folder / f"marginalia-export{'.json' if fmt == 'w3c' else '.md'}"), id="file")
            yield Label(keys.hint(self.app, ExportDialog, ["export-cancel"], ["enter write the file"]), classes="hint")

    def on_mount(self) -> None:
        focus_now(self.query_one("#file", Input))

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

        chosen_format = (fmt.id if fmt else None) or "markdown"
        chosen_by = (by.id if by else None) or "theme"

        def export() -> Path:
            text = render_store(self.store, chosen_format, chosen_by, themes or None)
            return write_export(text, path, force)

        try:
            written = await asyncio.to_thread(export)
        except (ExportError, StoreError, OSError) as error:
            self.notify(str(error), title="Not exported", severity="error", timeout=8)
            return
        self.app.notify(f"Exported to {written}", title="Export", timeout=8)
        choices = {"by": chosen_by, "format": chosen_format, "folder": str(written.parent)}
        self.dismiss({**choices, "themes": self.query_one("#themes", Input).value.strip()})

    def action_cancel(self) -> None:
        self.dismiss(None)
