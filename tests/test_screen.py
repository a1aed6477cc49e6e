"""The reader's screen after real navigation: what the cells show, not only what the state says.

Every partial repaint (cursor, selection, search match, a new, edited or deleted highlight, undo, another process's
change) is checked at the top, several pages down, at the end, after a resize and in the second pane, by reading
the cells the compositor sends to the terminal (``tests/screen.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA
from screen import Shot, background_cells, burst, component_background, span_cells, view_rows
from test_reader import settle

from tui import textnav
from tui.document import load_document, load_paths
from tui.model import new_annotation
from tui.store import Store
from tui.ui import app as app_module
from tui.ui.app import MarginaliaApp
from tui.ui.dialogs import ThemeDialog
from tui.ui.document_view import DocumentView

SIZE = (120, 30)


async def until(pilot, app: MarginaliaApp, condition: Callable[[], bool], timeout: float = 10) -> None:
    """Wait for the store poll to bring a change in (a loaded machine may delay its timer)."""
    for _ in range(int(timeout / 0.1)):
        if condition():
            break
        await pilot.pause(0.1)
    await settle(pilot, app)
    assert condition(), "the change never arrived"


def seeds_app(store_path: Path, store: Store | None = None) -> MarginaliaApp:
    return MarginaliaApp(load_paths([ASMOLOV, PROMA]), store or Store(store_path))


def assert_shows_its_state(app: MarginaliaApp, view: DocumentView) -> Shot:
    """Every row of ``view`` on screen is the row its state draws now (nothing stale, nothing shifted)."""
    shot = view_rows(app, view, scrollbar=False)
    layout = view.wrapped
    top = view.scroll_offset.y
    width = len(shot.cells[0])
    for y, row in enumerate(shot.cells):
        if top + y >= len(layout):
            break
        fresh = view._render_row(layout, top + y, view._widths()[0])
        expected = [(t, s.bgcolor, s.underline, s.italic) for t, s, _ in fresh.crop(0, width) for t in t]
        shown = [(c.char, c.style.bgcolor, c.style.underline, c.style.italic) for c in row if c.char]
        assert [e[0] for e in expected] == [s[0] for s in shown], f"row {y} shows other text"
        assert [e[1:] for e in expected] == [s[1:] for s in shown], f"row {y} (document row {top + y}) is stale"
    return shot


def selection_shown(app: MarginaliaApp, view: DocumentView) -> None:
    """The selection's cells in view, and no others, have the selection's background (the cursor's cell has the
    cursor's)."""
    selected = component_background(view, "document-view--selection")
    cursor = component_background(view, "document-view--cursor")
    start, end = view.selection
    cells = span_cells(app, view, start, end, newlines=True)
    assert cells, "the selection is in view"
    assert {c.background for c in cells} <= {selected, cursor}, "every selected cell is drawn selected"
    assert background_cells(app, view, selected) == sum(c.background == selected for c in cells), "and no other"


NAVIGATIONS = {
    "top": [],
    "three pages down": ["pagedown"] * 3,
    "end": ["G", *["k"] * 6, "home"],
    "paragraph jumps": ["right_curly_bracket"] * 9,
}


@pytest.mark.parametrize("keys", NAVIGATIONS.values(), ids=NAVIGATIONS.keys())
@pytest.mark.parametrize("pane", [0, 1])
async def test_cursor_and_selection_are_drawn_where_they_are(store_path, keys, pane):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        if pane:
            await pilot.press("tab")
        view = app.views[pane]
        await pilot.press(*keys)
        await pilot.pause()
        before = view_rows(app, view).cells
        await pilot.press("v", "w", "w", "w")
        await pilot.pause()
        assert view.selection and view.scroll_offset.y == (0 if not keys else view.scroll_offset.y)
        shot = assert_shows_its_state(app, view)
        assert shot.cells != before, "the screen changed"
        selection_shown(app, view)
        cursor = component_background(view, "document-view--cursor")
        assert background_cells(app, view, cursor) == 1
        [cell] = span_cells(app, view, view.cursor, view.cursor + 1)
        assert cell.background == cursor
        other = app.views[1 - pane]
        assert other.selection is None
        assert_shows_its_state(app, other)
        await pilot.press("escape")
        await pilot.pause()
        assert background_cells(app, view, component_background(view, "document-view--selection")) == 0
        assert_shows_its_state(app, view)


async def test_after_a_resize_the_selection_is_still_drawn_right(store_path):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("v", "w", "w", "w", "pagedown", "w")
        await pilot.pause()
        assert view.scroll_offset.y > 0
        assert_shows_its_state(app, view)
        selection_shown(app, view)


async def test_search_match_is_drawn_selected_from_its_start(store_path):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        await pilot.press("pagedown", "pagedown")
        origin = view.cursor
        await pilot.press("slash", *"Blinken", "enter")
        await pilot.pause()
        start = view.text.index("Blinken", origin)
        assert view.selection == (start, start + len("Blinken"))
        assert view.scroll_offset.y > 0
        assert_shows_its_state(app, view)
        selection_shown(app, view)
        await pilot.press("n")
        await pilot.pause()
        assert_shows_its_state(app, view)
        selection_shown(app, view)


async def test_a_highlight_made_on_the_third_screen_shows_edits_and_goes_at_once(store_path):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        await pilot.press("pagedown", "pagedown", "v", "w", "w", "w")
        start, end = view.selection
        await pilot.press("h")
        assert isinstance(app.screen, ThemeDialog)
        await pilot.press(*"arms", "enter")
        await settle(pilot, app)
        [saved] = Store(store_path).annotations()
        colour = app.themes["arms"].colour.upper()
        assert_shows_its_state(app, view)
        # the cursor sits on the highlight's last character; every other cell of it has the theme's colour
        cells = span_cells(app, view, saved.start, saved.end)
        assert sum(c.background == colour for c in cells) >= len(cells) - 1
        assert background_cells(app, view, colour) >= len(cells) - 1
        # edit: another theme, another colour, at once
        await pilot.press("e", *["backspace"] * 10, *"people", "enter")
        await settle(pilot, app)
        new = app.themes["people"].colour.upper()
        assert new != colour
        assert_shows_its_state(app, view)
        assert background_cells(app, view, colour) == 0
        assert background_cells(app, view, new) >= len(cells) - 1
        # delete, undo, redo
        await pilot.press("d")
        await settle(pilot, app)
        assert Store(store_path).annotations() == []
        assert_shows_its_state(app, view)
        assert background_cells(app, view, new) == 0
        await pilot.press("u")
        await settle(pilot, app)
        assert_shows_its_state(app, view)
        assert background_cells(app, view, new) >= len(cells) - 1
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert_shows_its_state(app, view)
        assert background_cells(app, view, new) == 0
        assert (start, end) != (0, 0)


def overlapping(store_path: Path) -> tuple[Store, str, str, tuple[int, int], tuple[int, int]]:
    """Two highlights near the end of the first seed, one inside the other."""
    store = Store(store_path)
    document = load_document(ASMOLOV)
    outer_quote = "expressed his view quite directly"
    outer = document.text.index(outer_quote)
    inner = document.text.index("view", outer)
    store.add(new_annotation(document, outer, outer + len(outer_quote), ["outer"]))
    store.add(new_annotation(document, inner, inner + 4, ["inner"]))
    return (
        store,
        store.theme("outer").colour.upper(),
        store.theme("inner").colour.upper(),
        (outer, outer + len(outer_quote)),
        (inner, inner + 4),
    )


async def test_overlapping_highlights_scrolled_inner_on_top_overlap_underlined(store_path):
    store, outer_colour, inner_colour, outer, inner = overlapping(store_path)
    app = seeds_app(store_path, store)
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        await pilot.press("pagedown", "pagedown", "right_square_bracket")
        await pilot.pause()
        assert view.scroll_offset.y > 0
        assert_shows_its_state(app, view)
        inner_cells = span_cells(app, view, *inner)
        outer_only = span_cells(app, view, outer[0], inner[0]) + span_cells(app, view, inner[1], outer[1])
        cursor = component_background(view, "document-view--cursor")
        inner_cells = [c for c in inner_cells if c.background != cursor]
        outer_only = [c for c in outer_only if c.background != cursor]
        assert {c.background for c in inner_cells} == {inner_colour}, "the inner highlight is drawn on top"
        assert all(c.style.underline and c.style.bold for c in inner_cells), "the overlap is underlined"
        assert {c.background for c in outer_only} == {outer_colour}
        assert not any(c.style.underline for c in outer_only if c.char != " "), "only the overlap is underlined"
        # deleting the inner one: the overlap's underline goes with it, the outer colour comes back
        view.move_to(inner[0] + 1)
        await pilot.press("d")
        await settle(pilot, app)
        assert_shows_its_state(app, view)
        back = [c for c in span_cells(app, view, *inner) if c.background != cursor]
        assert {c.background for c in back} == {outer_colour}
        assert not any(c.style.underline for c in back)


async def test_fuzzy_highlight_is_drawn_italic_underlined_when_scrolled(write_doc, store_path):
    text = ASMOLOV.read_text(encoding="utf-8")
    path = write_doc("draft.txt", text)
    store = Store(store_path)
    quote = "expressed his view quite directly"
    start = text.index(quote)
    store.add(new_annotation(load_document(path), start, start + len(quote), ["fuzzy"]))
    path.write_text(text.replace(quote, "expressed his view very directly"), encoding="utf-8")
    app = MarginaliaApp(load_paths([path]), store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        [moved] = Store(store_path).annotations()
        assert moved.status == "fuzzy"
        view = app.views[0]
        await pilot.press("right_square_bracket", "pagedown", "pageup")
        await pilot.press("right_curly_bracket")
        await pilot.pause()
        assert view.scroll_offset.y > 0
        assert_shows_its_state(app, view)
        cells = [c for c in span_cells(app, view, moved.start, moved.end) if c.char != " "]
        assert cells and all(c.style.italic and c.style.underline for c in cells)


async def test_a_change_by_another_process_shows_in_a_scrolled_second_pane(store_path, monkeypatch):
    monkeypatch.setattr(app_module, "POLL_SECONDS", 0.1)
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "pagedown", "pagedown")
        await pilot.pause()
        view = app.views[1]
        top = view.scroll_offset.y
        assert top > 0
        start, _ = view.wrapped.row_span(top + 3)
        end = view.wrapped.row_span(top + 4)[1]
        other = Store(store_path)
        made = new_annotation(load_document(PROMA), start, end, ["elsewhere"])
        other.add(made)
        await until(pilot, app, lambda: view.annotation_at(start) is not None)
        colour = other.theme("elsewhere").colour.upper()
        assert_shows_its_state(app, view)
        cells = span_cells(app, view, start, end)
        assert {c.background for c in cells if c.char} == {colour}
        other.delete(made.id)
        await until(pilot, app, lambda: view.annotation_at(start) is None)
        assert_shows_its_state(app, view)
        assert background_cells(app, view, colour) == 0


async def test_a_change_shows_though_its_reload_outlasts_the_poll(store_path, monkeypatch):
    """A reload slower than the poll's interval (a loaded machine, a big store) is not cut short by the next poll:
    the change it found is shown (a poll cancelled between finding and showing lost it for good)."""
    monkeypatch.setattr(app_module, "POLL_SECONDS", 0.05)
    app = seeds_app(store_path)
    reload = app._reload

    async def slow_reload() -> None:
        await asyncio.sleep(0.3)
        await reload()

    monkeypatch.setattr(app, "_reload", slow_reload)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)  # the start's own reload is done: only the poll can bring the change
        await pilot.pause(0.4)
        view = app.views[0]
        start, end = view.wrapped.row_span(2)
        made = new_annotation(load_document(ASMOLOV), start, end, ["elsewhere"])
        Store(store_path).add(made)
        await until(pilot, app, lambda: view.annotation_at(start) is not None)
        assert background_cells(app, view, Store(store_path).theme("elsewhere").colour.upper()) > 0


def overlapping_app(store_path: Path) -> MarginaliaApp:
    """The first seed with a highlight inside another and a third across its end, far down the document."""
    store = Store(store_path)
    asmolov = load_document(ASMOLOV)
    outer = asmolov.text.index("expressed his view quite directly")
    for start, end, themes in [
        (outer, outer + len("expressed his view quite directly"), ["outer"]),
        (outer + len("expressed his "), outer + len("expressed his view"), ["inner"]),
        (
            outer + len("expressed his view quite "),
            outer + len("expressed his view quite directly: “We’re"),
            ["across"],
        ),
    ]:
        store.add(new_annotation(asmolov, start, end, themes))
    return seeds_app(store_path, store)


@pytest.mark.parametrize("size", [(120, 30), (80, 24)], ids=["120x30", "80x24"])
def test_snapshot_of_a_scrolled_view_with_overlapping_highlights(snap_compare, store_path, size):
    async def run_before(pilot) -> None:
        await pilot.press("pagedown", "pagedown", "right_square_bracket", "pagedown", "pageup", "left_curly_bracket")
        await pilot.pause()

    assert snap_compare(overlapping_app(store_path), terminal_size=size, run_before=run_before)


async def test_status_line_names_the_highlight_under_the_cursor_and_marks_show_themes_and_notes(store_path):
    store = Store(store_path)
    document = load_document(ASMOLOV)
    quote = "expressed his view quite directly"
    start = document.text.index(quote)
    store.add(new_annotation(document, start, start + len(quote), ["sanctions", "people"], "Blinken's line\nmore"))
    plain = document.text.index("Krivoruchko")
    store.add(new_annotation(document, plain, plain + len("Krivoruchko"), ["people"]))
    app = seeds_app(store_path, store)
    async with app.run_test(size=SIZE) as pilot:
        view, pane = app.views[0], app.query_one("#pane-0")
        status = pane.query_one("StatusLine")
        assert str(status.render()).strip() == ""
        await pilot.press("right_square_bracket")  # Krivoruchko: one theme, no note
        await pilot.pause()
        assert "people" in str(status.render()) and "✎" not in str(status.render())
        [k, *_] = span_cells(app, view, plain + 1, plain + 11)
        assert not k.style.bold and k.background == store.theme("people").colour.upper()
        await pilot.press("right_square_bracket", "right")  # the passage with two themes and a note
        await pilot.pause()
        line = str(status.render())
        assert "sanctions" in line and "people" in line and "✎ Blinken's line" in line and "more" not in line
        chips = [s.style for s in status.render().spans]  # the chips are drawn in the themes' colours
        assert any(store.theme("sanctions").colour.lower() in str(style).lower() for style in chips)
        shot = view_rows(app, view, scrollbar=False)
        sanctions, people = store.theme("sanctions").colour.upper(), store.theme("people").colour.upper()
        first, *rest = span_cells(app, view, start, start + len(quote))
        assert first.background == people, "several themes: the first cell in the second theme's colour"
        assert all(c.style.bold for c in rest if c.background == sanctions), "a note: drawn bold"
        assert shot.rows
        await pilot.press("g")
        await pilot.pause()
        assert str(status.render()).strip() == ""


async def test_search_counts_draws_every_match_and_wraps_with_a_notice(store_path):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        view, pane = app.views[0], app.query_one("#pane-0")
        total = view.text.count("Russia")
        await pilot.press("slash", *"Russia")
        await pilot.pause()
        assert app.query_one("#search").border_subtitle == f"{total} matches"
        await pilot.press("enter", "n", "n")
        await pilot.pause()
        third = [i for i in range(len(view.text)) if view.text.startswith("Russia", i)][2]
        assert view.selection == (third, third + 6) and view.cursor == third, "the cursor at the match's start"
        assert f"match 3 of {total}" in str(pane.query_one("StatusLine").render())
        # every match in view is drawn, not only the current one
        match = component_background(view, "document-view--match")
        top = view.wrapped.row_span(view.scroll_offset.y)[0]
        bottom = view.wrapped.row_span(view.scroll_offset.y + view.size.height - 1)[1]
        shown = [s for s, _ in textnav.find_all(view.text, "Russia", top, bottom) if s != third]
        assert len(shown) >= 2
        for s in shown:
            assert {c.background for c in span_cells(app, view, s, s + 6)} == {match}
        await pilot.press("N", "N", "N")  # back past the first: wraps to the end
        await pilot.pause()
        assert any("wrapped to the end" in n.message for n in app._notifications)
        assert f"match {total} of {total}" in str(pane.query_one("StatusLine").render())
        await pilot.press("h")  # h works on the match
        assert isinstance(app.screen, ThemeDialog) and app.screen.quote == "Russia"


async def test_pane_titles_say_top_and_end_and_cut_wide_titles_by_cells(write_doc, store_path):
    title = "北朝鮮とロシアの防衛協力についての長い題名" * 3
    path = write_doc("wide.txt", title + "\n\n" + "\n".join(f"line {n}" for n in range(300)))
    app = MarginaliaApp(load_paths([path, ASMOLOV]), Store(store_path))
    async with app.run_test(size=(100, 30)) as pilot:
        bar = app.query_one("#pane-0 TitleBar")
        await pilot.pause()
        assert "· top ·" in str(bar.render())
        await pilot.press("G")
        await pilot.pause()
        rendered = str(bar.render())
        assert "· end ·" in rendered and rendered.rstrip().endswith("0 highlights")
        shot = view_rows(app, bar)
        assert shot.rows[0].rstrip().endswith("0 highlights"), "the figures stay visible"
        await pilot.press("pageup")
        await pilot.pause()
        assert "%" in str(bar.render())


async def test_command_palette_tells_the_colour_scheme_from_the_themes(store_path):
    from textual.command import CommandPalette

    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Theme" not in titles and "Colour scheme" in titles and "Themes" in titles
        await pilot.press("ctrl+p", *"colour scheme", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ != "ThemesPanel"  # Textual's own scheme picker
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"themes", "enter")
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "ThemesPanel"
        assert not isinstance(app.screen, CommandPalette)


async def test_keys_typed_in_a_burst_are_never_dropped_or_misrouted(store_path):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        await pilot.press("pagedown", "pagedown")
        await burst(pilot, "v", "w", "w", "h", *"arms", "tab", *"a note", "enter")
        await settle(pilot, app)
        [saved] = Store(store_path).annotations()
        assert (saved.themes, saved.note) == (["arms"], "a note"), "after tab the characters go to the note"
        # escape h right after a save: a new highlight (the sentence at the cursor, elsewhere)
        await pilot.press("g")
        await burst(pilot, "escape", "h", *"people", "enter")
        await settle(pilot, app)
        assert sorted(a.themes[0] for a in Store(store_path).annotations()) == ["arms", "people"]
        # / then a query then enter, in one go
        await burst(pilot, "slash", *"Blinken", "enter")
        assert await eventually(pilot, lambda: view.text[slice(*view.selection)] == "Blinken")
        # t then c (recolour) 0.25 s apart: c reaches the themes panel, never the reader (where it opens compare)
        await burst(pilot, "t")
        await pilot.pause(0.25)
        await burst(pilot, "c")
        assert await eventually(pilot, lambda: type(app.screen).__name__ == "PromptDialog"), type(app.screen)


async def eventually(pilot, condition: Callable[[], bool], seconds: float = 3.0) -> bool:
    """Whether ``condition`` holds within ``seconds`` of the app's time: a loaded machine draws a burst's last
    screen later, and a key misrouted never gets there."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return True
        await pilot.pause(0.02)
    return condition()


async def test_the_screens_around_the_one_shown_are_drawn_ahead_and_shown_as_they_are_now(store_path):
    """Once a screen is drawn the view draws the next and previous ones (and the last) into its row cache, so a
    page down or G only shows rows; a selection made meanwhile is still drawn on the rows drawn ahead."""
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        top, height, rows = view.scroll_offset.y, view.size.height, len(view.wrapped)
        ahead = [*range(top + height, min(top + 2 * height, rows)), *range(top - height, top), rows - 1]
        assert all(row in view._cache for row in ahead)
        await pilot.press("v", *["down"] * 5, "pagedown")  # the selection reaches into the rows drawn ahead
        await pilot.pause()
        assert_shows_its_state(app, view)
        selection_shown(app, view)
        await pilot.press("escape", "G")
        await pilot.pause()
        assert_shows_its_state(app, view)
