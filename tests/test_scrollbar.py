"""The reader's vertical scrollbar (tui/ui/scrollbar.py) shows on screen exactly what Textual's own ScrollBar
draws for the same state, after every kind of move: it redraws only the rows its thumb moved over, so a row left
stale would show here."""

from __future__ import annotations

from conftest import ASMOLOV, PROMA
from screen import screen
from textual.geometry import Region
from textual.widget import Widget

from tui.document import load_paths
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.document_view import DocumentView
from tui.ui.scrollbar import RowScrollBar


def textual_rows(bar: RowScrollBar) -> list[list[tuple[str, object]]]:
    """The bar's rows as Textual's ScrollBar draws them (its renderable, through the widget's styles)."""
    bar.render_line = lambda y: Widget.render_line(bar, y)  # type: ignore[method-assign]
    try:
        Widget._render_content(bar)
        bar._styles_cache.clear()
        strips = bar.render_lines(Region(0, 0, *bar.size))
    finally:
        del bar.render_line
        bar._styles_cache.clear()  # what was drawn the other way is not kept
        bar.refresh()
    return [[(char, segment.style) for segment in strip for char in segment.text] for strip in strips]


def shown_rows(app: MarginaliaApp, bar: RowScrollBar) -> list[list[tuple[str, object]]]:
    region = bar.region
    return [
        [(cell.char, cell.style) for cell in row[region.x : region.right]]
        for row in screen(app).cells[region.y : region.bottom]
    ]


async def test_the_bar_on_screen_is_textuals_after_every_move(store_path, tmp_path):
    long = tmp_path / "long.txt"
    long.write_text("\n".join(f"Line {n} of a long document." for n in range(3000)), encoding="utf-8")
    app = MarginaliaApp(load_paths([long, ASMOLOV, PROMA]), Store(store_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        moves = [["pagedown"], ["pagedown"] * 3, ["down"] * 5, ["G"], ["pageup"], ["g"], ["tab"], ["pagedown"] * 2]
        seen = set()
        for keys in moves:
            await pilot.press(*keys)
            await pilot.pause()
            for view in app.query(DocumentView):
                bar = view.vertical_scrollbar
                assert isinstance(bar, RowScrollBar) and view.show_vertical_scrollbar
                shown = shown_rows(app, bar)
                assert shown == textual_rows(bar), f"{view.id} after {keys}"
                seen.add(tuple(c for row in shown for c, _ in row))
        assert len(seen) > 5, "the thumb moved"
        await pilot.resize_terminal(90, 24)
        await pilot.press("pagedown")
        await pilot.pause()
        bar = app.views[0].vertical_scrollbar
        bar.mouse_over = True  # another colour
        await pilot.pause()
        assert shown_rows(app, bar) == textual_rows(bar)
