"""After a resize the reader lays its screen out at once and paints it a moment later (``tui/ui/reader_screen.py``):
what reaches the terminal is then one whole frame at the new size, the same as the screen's own rendering, and a
key typed between the two is handled at the new size."""

from __future__ import annotations

from pathlib import Path

import pytest
from screen import screen
from textual._compositor import LayoutUpdate
from textual.strip import Strip

from tui.document import load_paths, seed_paths
from tui.store import Store
from tui.ui import reader_screen
from tui.ui.app import MarginaliaApp
from tui.ui.reader_screen import ReaderScreen

Frame = tuple[tuple[int, int], list[str]]  # (size, rows) of a whole frame sent to the terminal


def recording(app: MarginaliaApp) -> list[Frame]:
    """The whole frames ``app`` sends to the terminal from now on (headless, it sends none: they are kept)."""
    frames: list[Frame] = []
    display = app._display

    def kept(screen_: object, renderable: object) -> None:
        if isinstance(renderable, LayoutUpdate) and not app._batch_count:
            rows = ["".join(s.text for s in Strip.join(row)) for row in renderable.strips]
            frames.append(((renderable.region.width, renderable.region.height), rows))
        display(screen_, renderable)  # type: ignore[arg-type]

    app._display = kept  # type: ignore[method-assign]
    return frames


async def test_a_resize_is_painted_once_whole_at_the_new_size_after_its_layout(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_screen, "PAINT_DELAY", 0.5)  # (10 ms in use: here long enough to look between)
    app = MarginaliaApp(load_paths(seed_paths()), Store(store_path))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        frames = recording(app)
        await pilot.resize_terminal(90, 30)
        await pilot.pause(0.1)
        view = app.views[0]
        assert view.size.width < 90 and not frames  # laid out at the new size, not painted yet
        await pilot.press("pagedown")  # handled before the paint, at the new size
        assert view.scroll_offset.y > 0 and not frames
        for _ in range(200):
            if frames:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert frames, "the resize was never painted"
        size, rows = frames[0]
        assert size == (90, 30)
        assert not app._batch_count  # nothing held back any more
        assert rows == screen(app).rows  # the frame sent is what the screen shows now: the page down included
        assert view.scroll_offset.y > 0
        top = view.wrapped.row_text(view.scroll_offset.y).strip()
        assert top and any(top in row for row in rows), (top, rows[:6])


async def test_the_first_screen_is_painted_without_waiting(store_path: Path) -> None:
    """The first layout (the screen's first size) is painted as Textual paints it: nothing held back."""
    app = MarginaliaApp(load_paths(seed_paths()), Store(store_path))
    frames = recording(app)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        assert not app.screen._paint_pending
        assert frames and frames[0][0] == (120, 35)
        assert any("July 27, 2023" in row for _, rows in frames for row in rows)
