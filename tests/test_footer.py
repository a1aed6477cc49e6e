"""The reader's footer (tui/ui/footer.py) shows what Textual's ``Footer`` shows after every focus change, the
search bar, a dialog and a key whose binding is disabled, but recomposes only when that changes: moving between
the panes keeps its keys (the same widgets)."""

from __future__ import annotations

from conftest import ASMOLOV, PROMA
from screen import screen
from test_reader import settle
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tui.document import load_paths
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.footer import ReaderFooter


async def footer_row(pilot, app: MarginaliaApp) -> str:
    await settle(pilot, app)
    return screen(app).rows[-1]


async def assert_shows_what_textual_shows(pilot, app: MarginaliaApp) -> str:
    """The footer's row, which Textual's own recompose (forced) leaves as it is."""
    shown = await footer_row(pilot, app)
    footer = app.screen.query_one(ReaderFooter)
    footer.call_later(Footer.recompose, footer)  # in the footer's own context, as Textual does
    assert await footer_row(pilot, app) == shown
    return shown


async def test_the_footer_shows_textuals_keys_and_recomposes_only_when_they_change(store_path):
    app = MarginaliaApp(load_paths([ASMOLOV, PROMA]), Store(store_path))
    async with app.run_test(size=(160, 40)) as pilot:
        reading = await assert_shows_what_textual_shows(pilot, app)
        assert "search" in reading and "highlight" in reading
        await pilot.press("tab")  # the other pane: the same keys
        assert await assert_shows_what_textual_shows(pilot, app) == reading
        keys = list(app.screen.query(FooterKey))
        await pilot.press("tab")  # and the same widgets
        assert await footer_row(pilot, app) == reading
        assert list(app.screen.query(FooterKey)) == keys
        await pilot.press("slash")  # the search bar: its own keys
        searching = await assert_shows_what_textual_shows(pilot, app)
        assert searching != reading
        await pilot.press(*"Shoigu", "enter")
        assert await assert_shows_what_textual_shows(pilot, app) == reading
        await pilot.press("question_mark")  # a screen of its own (no footer), and back
        await settle(pilot, app)
        assert not app.screen.query(Footer)
        await pilot.press("escape")
        assert await assert_shows_what_textual_shows(pilot, app) == reading


async def test_the_corpus_search_shows_and_hides_its_keys_in_place_as_the_focus_moves(store_path):
    """The query takes space, h and ctrl+a; in the hits they are the screen's: the same key widgets, shown."""
    app = MarginaliaApp(load_paths([ASMOLOV, PROMA]), Store(store_path))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("F", *"Shoigu")
        typing = await assert_shows_what_textual_shows(pilot, app)
        assert "close" in typing and "mark" not in typing
        keys = list(app.screen.query(FooterKey))
        await pilot.press("down")  # into the hits
        assert app.screen.focused is app.screen.query_one("#hits")
        in_hits = await footer_row(pilot, app)
        assert "space mark" in in_hits and "h tag marked (or all)" in in_hits and "^a mark all" in in_hits
        assert list(app.screen.query(FooterKey)) == keys  # shown in place, not recomposed
        assert await assert_shows_what_textual_shows(pilot, app) == in_hits
        await pilot.press("shift+tab", "shift+tab")  # back to the query (past the checkbox)
        assert app.screen.focused is app.screen.query_one("#query")
        assert await assert_shows_what_textual_shows(pilot, app) == typing
        keys = list(app.screen.query(FooterKey))  # (the forced recompose made new ones)
        app.screen.set_focus(app.screen.query_one("#hits"))
        assert all(key.display for key in keys)  # at once: drawn in the focus move's own frame
