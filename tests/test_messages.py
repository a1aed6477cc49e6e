"""The view's messages name their view as ``control`` (as Textual's ``TextArea.Changed`` does), so handlers can
pick one view by selector: ``@on(DocumentView.CursorMoved, "#view-1")``."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import App, ComposeResult

from tui.document import load_paths
from tui.ui.document_view import DocumentView


class TwoViews(App[None]):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.moved: list[str] = []
        self.scrolled: list[str] = []

    def compose(self) -> ComposeResult:
        for index in (0, 1):
            yield DocumentView(load_paths([self.path])[0], id=f"view-{index}")

    @on(DocumentView.CursorMoved, "#view-1")
    def second_moved(self, message: DocumentView.CursorMoved) -> None:
        assert message.control is message.view
        self.moved.append(str(message.control.id))

    @on(DocumentView.Scrolled, "#view-0")
    def first_scrolled(self, message: DocumentView.Scrolled) -> None:
        self.scrolled.append(str(message.control.id))


async def test_a_handler_picks_its_view_by_selector(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_text("".join(f"Line {n}.\n" for n in range(200)), encoding="utf-8")
    app = TwoViews(path)
    async with app.run_test(size=(60, 20)) as pilot:
        first, second = app.query_one("#view-0", DocumentView), app.query_one("#view-1", DocumentView)
        first.move_to(5)
        second.move_to(7)
        second.focus()
        await pilot.press("down")
        first.focus()
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert app.moved == ["view-1", "view-1"]  # the first view's moves are not the handler's
        assert app.scrolled and set(app.scrolled) == {"view-0"}
