"""The export dialog (``x``): grouping, themes, format and file name; writes the file and says where."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioButton, RadioSet

from ..document import Document
from ..model import Theme
from ..store import Store


class ExportDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 72; max-width: 95%; height: auto; border: thick $accent; background: $surface; padding: 0 1;
    }
    ExportDialog RadioSet { layout: horizontal; width: 100%; }
    ExportDialog .hint { color: $foreground-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, store: Store, themes: dict[str, Theme], documents: list[Document]) -> None:
        super().__init__()
        self.store = store
        self.themes = themes
        self.documents = documents

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export annotations", classes="title")
            with RadioSet(id="by"):
                yield RadioButton("by theme", value=True, id="theme")
                yield RadioButton("by document", id="document")
            with RadioSet(id="format"):
                yield RadioButton("Markdown", value=True, id="markdown")
                yield RadioButton("W3C JSON", id="w3c")
            yield Input(placeholder="themes, comma-separated (empty: all)", id="themes")
            yield Input(str(Path.cwd() / "marginalia-export.md"), id="file")
            yield Label("enter writes the file · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#file", Input).focus()

    @on(RadioSet.Changed, "#format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        field = self.query_one("#file", Input)
        path = Path(field.value)
        field.value = str(path.with_suffix(".json" if event.pressed.id == "w3c" else ".md"))

    @on(Input.Submitted)
    def _submit(self) -> None:
        self.write(force=False)

    def write(self, force: bool) -> None:
        from ..export import export_to_file

        by = self.query_one("#by", RadioSet).pressed_button
        fmt = self.query_one("#format", RadioSet).pressed_button
        themes = [t.strip() for t in self.query_one("#themes", Input).value.split(",") if t.strip()]
        path = Path(self.query_one("#file", Input).value).expanduser()
        try:
            count = export_to_file(
                self.store, path, by=by.id if by else "theme", fmt=fmt.id if fmt else "markdown",
                themes=themes or None, force=force,
            )  # fmt: skip
        except FileExistsError:
            from .dialogs import ConfirmDialog

            def answer(yes: bool | None) -> None:
                if yes:
                    self.write(force=True)

            self.app.push_screen(ConfirmDialog(f"{path} exists. Overwrite it?"), answer)
            return
        except (OSError, ValueError) as error:
            self.notify(str(error), title="Not exported", severity="error")
            return
        self.notify(f"Exported {count} annotations to {path}", timeout=6)
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
