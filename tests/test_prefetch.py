"""Rows drawn ahead (``DocumentView._prefetch``) are the rows the reader would draw at once: after page down, page
up, ``G`` and ``g``, in the second pane, with a search's matches shown and after a resize, the screen (its cells
and the bytes sent to the terminal) is the same as when every row is drawn afresh; and the next screen was drawn
before the key that shows it."""

from __future__ import annotations

from conftest import ASMOLOV
from screen import screen
from test_reader import settle

from tui.document import load_paths
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.document_view import DocumentView


def terminal_output(app: MarginaliaApp) -> str:
    """What the compositor would write to the terminal for the whole screen."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert update is not None
    return update.render_segments(app.console)


def drawn_afresh(app: MarginaliaApp) -> tuple[list[str], str, list[list[object]]]:
    """(rows, terminal output, cell styles) with every view's rows drawn again from nothing."""
    for view in app.query(DocumentView):
        view._cache.clear()
    shot = screen(app)
    return shot.rows, terminal_output(app), [[c.style for c in row] for row in shot.cells]


async def test_rows_drawn_ahead_are_the_rows_drawn_at_once(store_path, tmp_path):
    long = tmp_path / "long.py"  # source code: lexed colours on every row
    long.write_text(
        "\n".join(f"def step_{n}(x):  # step {n}\n    return x * {n} + len('row {n}')" for n in range(700)),
        encoding="utf-8",
    )
    app = MarginaliaApp(load_paths([ASMOLOV, long]), Store(store_path))
    async with app.run_test(size=(110, 32)) as pilot:
        await settle(pilot, app)
        await pilot.press("tab")  # the second pane
        await settle(pilot, app)
        view = app.views[1]
        assert view.has_focus
        moves = [["pagedown"], ["pagedown"] * 3, ["pageup"], ["G"], ["pageup"], ["g"], ["pagedown"] * 2]
        for keys in moves:
            height, top = view.size.height, view.scroll_offset.y
            if keys[0] == "pagedown":  # the next screen is drawn already
                assert all(row in view._cache for row in range(top + height, top + 2 * height)), keys
            await pilot.press(*keys)
            await settle(pilot, app)
            shot = screen(app)
            seen = (shot.rows, terminal_output(app), [[c.style for c in row] for row in shot.cells])
            assert seen == drawn_afresh(app), f"after {keys}"
            await settle(pilot, app)  # (the rows around the ones drawn afresh are drawn ahead again)
        await pilot.press("slash")
        await pilot.press(*"return")
        await pilot.press("enter", "escape")
        await settle(pilot, app)
        assert view.search_query == "return"
        for size in ((90, 26), (110, 32)):
            await pilot.resize_terminal(*size)
            await settle(pilot, app)
            for keys in (["pagedown"], ["pagedown"], ["G"], ["pageup"]):
                await pilot.press(*keys)
                await settle(pilot, app)
                shot = screen(app)
                assert "return" in shot.text
                seen = (shot.rows, terminal_output(app), [[c.style for c in row] for row in shot.cells])
                assert seen == drawn_afresh(app), f"after {keys} at {size}"
