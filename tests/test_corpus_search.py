"""Corpus search (F) with the pilot, checked on what is drawn: hits grouped by document with counts, enter jumps
to a hit, space marks, h tags the marked hits (or all) as one undoable step and one store write."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA
from hypothesis import given
from hypothesis import strategies as st
from test_compare_screen import drawn, row_with
from test_corpus_helper import gone
from textual.widgets import Input

from tui.document import load_paths
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.corpus_search import CorpusSearch
from tui.ui.dialogs import ThemeDialog
from tui.ui.document_view import DocumentView


def seeds_app(store_path: Path) -> MarginaliaApp:
    return MarginaliaApp(load_paths([ASMOLOV, PROMA]), Store(store_path))


async def search(pilot, text: str) -> CorpusSearch:
    await pilot.press("F")
    screen = pilot.app.screen
    assert isinstance(screen, CorpusSearch)
    screen.query_one("#query", Input).value = text  # as typed (each key press costs the pilot ~80 ms)
    await finished(pilot, screen)
    return screen


async def finished(pilot, screen: CorpusSearch) -> None:
    """Until the search (in the helper process) is done and its hits are listed and drawn."""
    await pilot.pause()
    for _ in range(3000):
        if not screen.searching:
            break
        await pilot.pause(0.01)
    assert not screen.searching, "the search did not finish"
    await pilot.pause()


async def tag(pilot, themes: str) -> None:
    await pilot.press("h")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ThemeDialog)
    pilot.app.screen.query_one("#themes", Input).value = themes
    await pilot.press("enter")


async def settle(pilot, app: MarginaliaApp) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def test_hits_are_grouped_by_document_with_counts_and_enter_jumps(store_path: Path) -> None:
    app = seeds_app(store_path)
    async with app.run_test(size=(160, 45)) as pilot:
        await search(pilot, "sanctions")
        assert drawn(app)[0].strip() == "12 matches in 2 documents"
        assert "Some comments on the Russian Defense Minister’s visit to North Korea  (8 matches)" in row_with(
            app, "North Korea  ("
        )
        assert "(4 matches)" in row_with(app, "Sergei Shoigu")
        first = row_with(app, "ignore the sanctions imposed")
        assert "Russian leadership chose to ignore the sanctions imposed by the UNSC" in first
        assert "openly disregard sanctions. Russia seeks" in row_with(app, "disregard")  # as it reads: no space added
        await pilot.press("down", "down", "enter")  # into the hits, the second one
        await pilot.pause()
        await pilot.pause()
        view = app.focused
        assert isinstance(view, DocumentView) and view.document.key == str(ASMOLOV)
        text = view.document.text
        second = text.index("sanctions", text.index("sanctions") + 1)
        assert view.selection == (second, second + len("sanctions"))


async def test_space_marks_and_h_tags_them_as_one_undoable_step(store_path: Path) -> None:
    app = seeds_app(store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await search(pilot, "(zzqq")
        assert drawn(app)[0].strip() == "no matches"
        screen.query_one("#regex").value = True
        await pilot.pause()
        assert "not a valid regular expression" in drawn(app)[0]
        screen.query_one("#regex").value = False
        screen.query_one("#query", Input).value = "UNSC"
        await finished(pilot, screen)
        await pilot.press("down", "space", "space")
        await pilot.pause()
        marked = [line for line in drawn(app) if "● " in line]
        assert len(marked) == 2 and "UN Security Council (UNSC) Resolution" in marked[0]
        await tag(pilot, "UN bodies")
        await settle(pilot, app)
        stored = Store(store_path).annotations()
        assert [(a.quote, a.themes) for a in stored] == [("UNSC", ["UN bodies"])] * 2
        await pilot.press("u")
        await settle(pilot, app)
        assert Store(store_path).annotations() == [] and Store(store_path).themes() == []


async def test_h_with_nothing_marked_tags_all_and_adds_to_existing_highlights(store_path: Path) -> None:
    app = seeds_app(store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await search(pilot, "Krivoruchko")
        await pilot.press("down")
        await tag(pilot, "people")
        await settle(pilot, app)
        assert {tuple(a.themes) for a in Store(store_path).annotations()} == {("people",)}
        count = len(Store(store_path).annotations())
        await search(pilot, "Krivoruchko")
        await pilot.press("down")
        await tag(pilot, "defence")  # the same spans: themes added, no duplicates
        await settle(pilot, app)
        stored = Store(store_path).annotations()
        assert len(stored) == count and {tuple(a.themes) for a in stored} == {("people", "defence")}
        await pilot.press("u")
        await settle(pilot, app)
        assert {tuple(a.themes) for a in Store(store_path).annotations()} == {("people",)}


@pytest.mark.parametrize(("tick", "per_tick"), [(0.3, 10**6), (1 / 60, 1)], ids=["piled-up", "one-by-one"])
async def test_hits_taken_in_keep_their_order_and_counts(store_path: Path, monkeypatch, tick, per_tick) -> None:
    """The screen takes in the helper's batches at each tick: batches that piled up meanwhile (of both
    documents) taken in together, or one a tick, are listed in order under their own headers, with counts."""
    import tui.ui.corpus_search as corpus_search
    from tui.corpus import compile_pattern, hits

    monkeypatch.setattr(corpus_search, "TICK", tick)
    monkeypatch.setattr(corpus_search, "PER_TICK", per_tick)
    app = seeds_app(store_path)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await search(pilot, "the")
        pattern = compile_pattern("the", ignore_case=True)
        expected = [h for d in app.documents for h in hits(d.key, d.text, pattern, screen.side)]
        assert [(h.path, h.start) for h in screen.found] == [(h.path, h.start) for h in expected]
        counts = [sum(h.path == d.key for h in expected) for d in app.documents]
        assert f"({counts[0]} matches)" in row_with(app, "North Korea  (")
        assert screen.query_one("#hits").option_count == len(expected) + 2  # and the two headers


# -- while a search runs -------------------------------------------------------------------------------------------
STUCK_QUERY = "x|(a|aa)+$"  # lists every x of the first document, then backtracks for ever in the second


def slow_documents(folder: Path) -> list[Path]:
    first, second = folder / "lines.txt", folder / "runs.txt"
    first.write_text("".join(f"line {n} x of the list\n" for n in range(300)), encoding="utf-8")
    second.write_text("a" * 40 + "!\n", encoding="utf-8")
    return [first, second]


async def until(pilot, condition, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("not in time")


def cursor_row(app: MarginaliaApp) -> int:
    """The screen row that the hit list's cursor is drawn on (found by its colour, as a user sees it)."""
    from screen import component_background, screen

    hits = app.screen.query_one("#hits")
    colour = component_background(hits, "line-list--cursor")
    region = hits.content_region
    shot = screen(app)
    rows = [y for y in range(region.y, region.bottom) if shot.cells[y][region.x + 2].background == colour]
    assert len(rows) == 1, shot.text
    return rows[0]


def stuck_app(store_path: Path, tmp_path: Path, monkeypatch) -> MarginaliaApp:  # type: ignore[no-untyped-def]
    """The reader on the slow documents, with a helper replaced once stuck for 0.3 s."""
    import tui.corpus_helper as corpus_helper

    monkeypatch.setattr(corpus_helper, "STUCK", 0.3)
    return MarginaliaApp(load_paths(slow_documents(tmp_path)), Store(store_path))


async def stuck_search(pilot, app: MarginaliaApp) -> CorpusSearch:  # type: ignore[no-untyped-def]
    """``F`` and the stuck query, once the first document's hits (300 and its header) are listed."""
    await pilot.press("F")
    screen = app.screen
    assert isinstance(screen, CorpusSearch)
    screen.query_one("#regex").value = True
    screen.query_one("#query", Input).value = STUCK_QUERY
    await until(pilot, lambda: screen.query_one("#hits").option_count == 301)
    return screen


async def test_keys_move_the_cursor_while_a_search_runs_and_a_new_query_replaces_it(
    store_path: Path, tmp_path: Path, monkeypatch
) -> None:
    app = stuck_app(store_path, tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await stuck_search(pilot, app)
        rows = drawn(app)
        assert rows[0].strip() == "searching 2 documents…" and screen.searching
        assert "line 0 x of the list  (300 matches)" in rows[8]  # the document's header, its first hit below
        assert rows[9].split()[1:-1] == ["line", "0", "x", "of", "the", "list", "line", "1", "x", "of", "the"]
        await pilot.press("down")  # from the query into the hits: the first is highlighted
        top = cursor_row(app)
        await pilot.press("down", "down", "down")
        await pilot.pause()
        assert top == 9 and cursor_row(app) == top + 3 and "list line 3 x of the list line 4" in drawn(app)[top + 3]
        await pilot.press("pagedown", "end")
        await pilot.pause()
        assert "list line 299 x of the list" in drawn(app)[cursor_row(app)]
        assert drawn(app)[0].strip() == "searching 2 documents…"  # all the while, the search ran
        stuck = app.corpus_helper.pid
        await pilot.pause(0.4)
        screen.query_one("#query", Input).value = "line 7"  # the stuck process is replaced
        await finished(pilot, screen)
        rows = drawn(app)
        assert rows[0].strip() == "11 matches in 1 document"
        assert "line 7 x of the list" in row_with(app, "line 7 x") and app.corpus_helper.pid != stuck
        assert gone(stuck)


async def test_escape_during_a_search_ends_it_and_the_reader_has_the_keys(
    store_path: Path, tmp_path: Path, monkeypatch
) -> None:
    app = stuck_app(store_path, tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await stuck_search(pilot, app)
        await pilot.pause(0.4)
        stuck = app.corpus_helper.pid
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CorpusSearch) and gone(stuck)
        assert any("line 0 x of the list" in row for row in drawn(app)[:4])  # the reader, its first lines
        view = app.focused
        assert isinstance(view, DocumentView)
        await pilot.press("j")
        await pilot.pause()
        assert view.cursor > 0
        await pilot.press("F")  # a new search: a fresh process, the texts sent again
        app.screen.query_one("#query", Input).value = "list"
        await finished(pilot, app.screen)
        assert drawn(app)[0].strip() == "300 matches in 1 document"


async def test_clearing_the_query_cancels_and_empties_the_list_at_80x24(store_path: Path) -> None:
    app = seeds_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await search(pilot, "the")
        assert screen.query_one("#hits").option_count > 100
        screen.query_one("#query", Input).value = ""
        await pilot.pause()
        rows = drawn(app)
        assert rows[0].strip() == "Search all open documents" and not screen.searching
        assert not any("matches)" in row for row in rows) and screen.query_one("#hits").option_count == 0
        await pilot.pause(0.2)  # nothing of the cancelled search arrives later
        assert screen.query_one("#hits").option_count == 0 and drawn(app)[0].strip() == "Search all open documents"


@given(
    left=st.text(max_size=30), match=st.text(min_size=1, max_size=8), right=st.text(max_size=30), marked=st.booleans()
)
def test_a_rows_segments_are_textuals_own(left: str, match: str, right: str, marked: bool) -> None:
    """The hits list combines each span's style with the row's once (a sixth of the time): the same segments as
    Textual's ``render_segments``, for a hit and a document's header, on any row style."""
    from textual.content import Content
    from textual.style import Style

    from tui.corpus import Hit
    from tui.ui.corpus_search import kwic
    from tui.ui.line_list import LineList

    hit = Hit("p", 5, 5 + len(match), match, left, right)
    rows = [kwic(hit, 12, marked), Content.assemble((left, "bold"), f"  ({match})"), Content(right)]
    lines = LineList(lambda value: rows[value])
    for base in (Style.null(), Style.parse("#fff on #204060"), Style.parse("bold reverse"), Style.parse("dim")):
        for row in rows:
            assert lines._segments(row, base) == row.render_segments(base)


def test_after_a_pause_the_next_frame_is_the_first_slot_ahead() -> None:
    """Frames at slots 0, 1, 2, ... (a sixtieth of a second apart): paused after slot 3, resumed and drawn at
    10.3, the next frame is at slot 11 (Textual's own timer waits for 12: a key pressed then waited a frame more)."""
    from tui.ui.frames import ahead

    assert ahead(0.0, 3, 1.0, 10.3) + 1 == 11
    assert ahead(100.0, 3, 0.5, 105.2) + 1 == 11  # (slots at 100, 100.5, ...: 105.5 is the first ahead)
    assert ahead(0.0, 7, 1.0, 7.5) == 7  # never back


async def test_the_search_screen_draws_on_the_fixed_frame_timer(store_path: Path) -> None:
    from tui.ui.frames import FrameTimer

    app = seeds_app(store_path)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await search(pilot, "Shoigu")
        assert isinstance(screen._update_timer, FrameTimer)
        assert "Shoigu" in row_with(app, "Shoigu")  # drawn on it


async def test_keys_in_one_burst_down_down_enter_jump_to_the_second_hit(store_path: Path) -> None:
    """A terminal sends ``↓ ↓ enter`` typed quickly in one read: the focus moves into the hits at once, so the
    second ``↓`` and the ``enter`` reach them (a deferred focus left them with the query: the search stayed)."""
    from textual.events import Key

    app = seeds_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "sanctions")
        for key in ("down", "down", "enter"):  # queued together, as the driver posts one read's keys
            app.post_message(Key(key, "\r" if key == "enter" else None))
        for _ in range(3):
            await pilot.pause()
        view = app.focused
        assert not isinstance(app.screen, CorpusSearch) and isinstance(view, DocumentView)
        text = view.document.text
        second = text.index("sanctions", text.index("sanctions") + 1)
        assert view.document.key == str(ASMOLOV) and view.selection == (second, second + len("sanctions"))
