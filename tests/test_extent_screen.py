"""Sentences, selections and a highlight's extent on the rendered screen, after real navigation: scrolled, in the
second pane, after a resize (issue 9 §3)."""

from __future__ import annotations

import pytest
from conftest import PROMA
from screen import background_cells, burst, component_background, screen, span_cells, view_rows
from test_reader import settle
from test_screen import SIZE, assert_shows_its_state, seeds_app, selection_shown

import tui.ui.document_view as document_view
from tui import storage, textnav
from tui.document import load_paths
from tui.sentences import sentence_at, sentences
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.dialogs import ThemeDialog
from tui.ui.document_view import DocumentView


def cursor_drawn_at(app, view: DocumentView, offset: int) -> None:
    cursor = component_background(view, "document-view--cursor")
    [cell] = span_cells(app, view, offset, offset + 1)
    assert cell.background == cursor and cell.char == view.text[offset]
    assert background_cells(app, view, cursor) == 1


def colour_covers(app, view: DocumentView, colour: str, start: int, end: int) -> None:
    """The highlight's colour is on the cells of ``start:end`` (all but the cursor's) and on no other cell."""
    cells = span_cells(app, view, start, end)
    painted = sum(c.background == colour for c in cells)
    assert painted >= len(cells) - 1, "the new extent is drawn in the theme's colour"
    assert background_cells(app, view, colour) == painted, "and nothing outside it"


@pytest.mark.parametrize("pane", [0, 1])
async def test_sentence_motions_land_on_sentence_starts_on_screen(store_path, pane):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        if pane:
            await pilot.press("tab")
        view = app.views[pane]
        await pilot.press("pagedown", "pagedown")
        starts = [s for s, _ in sentences(view.text)]
        origin = view.cursor
        await pilot.press("right_parenthesis", "right_parenthesis", "right_parenthesis")
        await pilot.pause()
        expected = [s for s in starts if s > origin][2]
        assert view.cursor == expected and view.scroll_offset.y > 0
        cursor_drawn_at(app, view, expected)
        assert_shows_its_state(app, view)
        await pilot.press("left_parenthesis")
        await pilot.pause()
        assert view.cursor == [s for s in starts if s < expected][-1]
        cursor_drawn_at(app, view, view.cursor)
        assert_shows_its_state(app, view)


@pytest.mark.parametrize("pane", [0, 1])
async def test_select_the_sentence_and_the_paragraph_at_the_cursor(store_path, pane):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        if pane:
            await pilot.press("tab")
        view = app.views[pane]
        await pilot.press("pagedown", "pagedown", "pagedown", "w", "w")
        sentence = sentence_at(view.text, view.cursor)
        await pilot.press("S")
        await pilot.pause()
        assert view.selection == sentence
        assert view.scroll_offset.y > 0
        selection_shown(app, view)
        assert_shows_its_state(app, view)
        paragraph = textnav.trim(view.text, *textnav.paragraph_span(view.text, view.cursor - 1))
        await pilot.press("P")
        await pilot.pause()
        assert view.selection == paragraph
        selection_shown(app, view)
        assert_shows_its_state(app, view)
        await pilot.press("h")  # the selected paragraph is what the dialog offers, whole
        assert isinstance(app.screen, ThemeDialog)
        assert app.screen.quote == view.text[paragraph[0] : paragraph[1]]


async def make_highlight(pilot, app, view: DocumentView, theme: str) -> tuple[int, int]:
    await pilot.press("pagedown", "pagedown", "v", "w", "w", "w", "h", *theme, "enter")
    await settle(pilot, app)
    [saved] = Store(app.store.path).annotations()
    return saved.start, saved.end


@pytest.mark.parametrize("pane", [0, 1])
async def test_moving_a_highlights_ends_shows_at_once_and_saves_once(store_path, pane, monkeypatch):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        if pane:
            await pilot.press("tab")
        view = app.views[pane]
        start, end = await make_highlight(pilot, app, view, "arms")
        colour = app.themes["arms"].colour.upper()
        colour_covers(app, view, colour, start, end)
        writes = []
        original = storage.atomic_write
        monkeypatch.setattr(storage, "atomic_write", lambda *a: (writes.append(a[0]), original(*a)))
        await pilot.press("E")
        await pilot.pause()
        assert view.resizing is not None and view.selection == (start, end)
        assert "Its end:" in screen(app).text  # the status line says what the keys do
        await pilot.press("w", "w", "right_parenthesis", "o", "b")  # the end: two words, then the sentence's end
        await pilot.pause()
        text = view.text
        sentence_end = sentence_at(text, end)[1]
        new_start = textnav.trim(text, text.rfind(" ", 0, start - 1) + 1, start)[0]  # the start: one word back
        assert view.selection == (new_start, sentence_end)
        selection_shown(app, view)
        assert writes == [], "nothing is saved before enter"
        await pilot.press("enter")
        await settle(pilot, app)
        assert len(writes) == 1, "one store write"
        [saved] = Store(store_path).annotations()
        assert (saved.start, saved.end) == (new_start, sentence_end)
        assert saved.quote == text[new_start:sentence_end]
        assert saved.prefix == text[max(0, new_start - len(saved.prefix)) : new_start]
        assert saved.suffix == text[sentence_end : sentence_end + len(saved.suffix)]
        assert saved.prefix and saved.suffix and saved.status == "anchored"
        assert_shows_its_state(app, view)
        colour_covers(app, view, colour, new_start, sentence_end)
        await pilot.press("u")  # undone: the old extent, on screen and in the store
        await settle(pilot, app)
        [restored] = Store(store_path).annotations()
        assert (restored.start, restored.end) == (start, end) and restored.quote == text[start:end]
        assert_shows_its_state(app, view)
        colour_covers(app, view, colour, start, end)


async def test_set_a_highlights_extent_to_the_selection_after_a_resize(store_path):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        view = app.views[1]
        start, _ = await make_highlight(pilot, app, view, "arms")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        view.move_to(start)
        await pilot.press("b", "v", *["w"] * 6)  # from the word before it to past its end
        await pilot.pause()
        selected = textnav.trim(view.text, *view.selection)
        await pilot.press("E")
        await settle(pilot, app)
        [saved] = Store(store_path).annotations()
        assert (saved.start, saved.end) == selected and saved.quote == view.text[selected[0] : selected[1]]
        assert view.selection is None
        assert_shows_its_state(app, view)
        colour_covers(app, view, app.themes["arms"].colour.upper(), *selected)


async def test_escape_leaves_the_extent_as_it_was(store_path):
    app = seeds_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        start, end = await make_highlight(pilot, app, view, "arms")
        await pilot.press("E", "w", "w", "escape")
        await settle(pilot, app)
        assert view.resizing is None and view.selection is None
        [saved] = Store(store_path).annotations()
        assert (saved.start, saved.end) == (start, end)
        assert "Its end:" not in screen(app).text
        colour_covers(app, view, app.themes["arms"].colour.upper(), start, end)


@pytest.mark.parametrize("size", [(80, 24), (120, 30)])
async def test_the_theme_dialog_shows_the_whole_passage(store_path, size):
    app = seeds_app(store_path)
    async with app.run_test(size=size) as pilot:
        view = app.views[0]
        await pilot.press("pagedown", "pagedown", "v", *["right_curly_bracket"] * 3)  # three paragraphs
        await pilot.pause()
        start, end = textnav.trim(view.text, *view.selection)
        words = view.text[start:end].split()
        assert len(words) > 150
        await pilot.press("h")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ThemeDialog)
        passage = dialog.query_one("#passage")

        def shown() -> str:
            return " ".join(view_rows(app, passage).text.split())

        assert shown().startswith(" ".join(words[:3])) and " ".join(words[-3:]) not in shown()
        title = " ".join(screen(app).text.split())
        assert f"{len(words)} words" in title and "the rest of it" in title
        for _ in range(20):
            await pilot.press("pagedown")
        await pilot.pause()
        assert shown().endswith(" ".join(words[-3:])), "its end can be checked"
        assert app.focused is dialog.query_one("#themes")  # typing still goes to the themes
        await pilot.press(*"arms", "enter")
        await settle(pilot, app)
        [saved] = Store(store_path).annotations()
        assert (saved.start, saved.end) == (start, end)


async def test_page_downs_typed_while_a_big_document_wraps_stay_on_its_pages(tmp_path, monkeypatch):
    """Only the first screens of a big document are wrapped at once; a burst of page downs in the second pane
    meanwhile used to take the last of them for the text's end and jump there (a 35 MB document: then
    ``v w w h`` offered the last sentence)."""
    monkeypatch.setattr(DocumentView, "_rewrap", lambda *_: None)  # the rest is never wrapped: keys come first
    text = "\n\n".join(f"Paragraph {n} begins. The second sentence of it follows here." for n in range(8_000))
    assert len(text) > document_view.SYNC_WRAP
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    app = MarginaliaApp(load_paths([PROMA, path]), Store(tmp_path / "s.json"))
    async with app.run_test(size=SIZE) as pilot:
        await burst(pilot, "tab", *["pagedown"] * 20, "v", "w", "w", "h")
        for _ in range(100):  # keys typed before the panes have their size wait for it
            if isinstance(app.screen, ThemeDialog):
                break
            await pilot.pause(0.05)
        view = app.views[1]
        assert view.wrapped is not None and view.wrapped.text is not view.text, "still wrapping"
        assert isinstance(app.screen, ThemeDialog)
        assert view.cursor < len(text) // 10
        start, end = textnav.trim(view.text, *view.selection)
        assert app.screen.quote == view.text[start:end]
        await burst(pilot, *"arms", "ctrl+j")  # an Enter typed before the terminal is raw comes as ctrl+j
        await settle(pilot, app)
        [saved] = Store(tmp_path / "s.json").annotations()
        assert saved.quote == app.views[1].text[saved.start : saved.end] and saved.start == start
