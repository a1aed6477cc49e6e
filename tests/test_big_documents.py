"""A big document opens at its first screen: nothing is wrapped before the view has its width, the first screens
are wrapped at once and the rest in a thread, and what the reader shows then is what it shows once everything is
wrapped (rows, offsets, colours)."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_screen
from conftest import ASMOLOV, PROMA
from screen import screen

import tui.document
import tui.ui.app
import tui.ui.document_view as document_view
from tui import textnav
from tui.document import load_paths
from tui.layout import Layout
from tui.state import Place, State
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.document_view import SYNC_WRAP, DocumentView

SIZE = (100, 30)


def verses(count: int) -> str:
    return "\n".join(f"{n // 30 + 1}:{n % 30 + 1} verse number {n} of the big book, told once." for n in range(count))


def one_line(size: int) -> str:
    words = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta")
    text = " ".join(words[n % len(words)] + str(n) for n in range(size // 7))
    return text[:size]


def rows_shown(view: DocumentView) -> list[str]:
    """The text of every row the view draws now, as the user sees it (from the rendered strips)."""
    return ["".join(s.text for s in view.render_line(y)).rstrip() for y in range(view.size.height)]


async def wrapped_whole(view: DocumentView, pilot) -> None:  # type: ignore[no-untyped-def]
    """Until the whole document is read and wrapped."""
    for _ in range(600):
        if view.whole and view.wrapped is not None and view.wrapped.text is view.text:
            return
        await pilot.pause(0.05)
    raise AssertionError("the whole text was never wrapped")


@pytest.mark.parametrize("make", [lambda: verses(12_000), lambda: one_line(SYNC_WRAP * 3)], ids=["verses", "line"])
async def test_a_big_document_shows_its_first_screen_then_the_same_rows_wrapped_whole(
    make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = make()
    assert len(text) > SYNC_WRAP
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    widths: list[tuple[int, int]] = []  # (width, characters) of every layout made

    class Recorded(Layout):
        def __init__(self, text: str, width: int, later: bool = False) -> None:
            widths.append((width, len(text)))
            super().__init__(text, width, later)

    monkeypatch.setattr(document_view, "Layout", Recorded)
    app = MarginaliaApp(load_paths([path]), Store(tmp_path / "s.json"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.views[0]
        first = rows_shown(view)
        assert first[0] and text.startswith(first[0]), first[:3]
        await wrapped_whole(view, pilot)
        await pilot.pause()
        assert rows_shown(view) == first  # the first screen was the whole layout's first screen
        full = Layout(text, view.wrapped.width)
        assert list(view.wrapped.row_starts) == list(full.row_starts)
        # nothing was wrapped at a width the view never had, and only the head was wrapped at once
        assert all(width == view.wrapped.width for width, _ in widths), widths
        assert [size for _, size in widths if size < len(text)], widths
        # the end of the document, the cursor's offset on screen as everywhere
        await pilot.press("G")
        await pilot.pause()
        assert view.cursor == len(text)
        last = text[view.wrapped.row_starts[-1] :].rstrip()
        assert any(row.endswith(last[-30:]) for row in rows_shown(view)), rows_shown(view)[-3:]


async def test_a_key_pressed_before_the_whole_text_is_wrapped_lands_where_it_should(tmp_path: Path) -> None:
    """G while only the first screens are wrapped: once the rest is, the view is at the end."""
    text = verses(20_000)
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    app = MarginaliaApp(load_paths([path]), Store(tmp_path / "s.json"))
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        await pilot.press("G")
        await wrapped_whole(view, pilot)
        await pilot.pause()
        assert view.cursor == len(text)
        shown = rows_shown(view)
        assert any(text.rsplit("\n", 1)[-1][:40] in row for row in shown), shown[-3:]


async def test_a_big_source_file_is_coloured_on_its_first_screen_and_further_down_later(tmp_path: Path) -> None:
    """Pygments lexes what is shown first at once, the rest in slices: colours on the first screen, and on the
    last screen once lexed, the same as lexing it whole gives."""
    from tui.ui.syntax import token_spans

    block = "def f(x):\n    # a comment\n    return 'text' + str(x)\n\n"
    text = block * (120_000 // len(block))
    path = tmp_path / "big.py"
    path.write_text(text, encoding="utf-8")
    lexed_at_first_frame: list[int] = []

    class Watched(MarginaliaApp):
        def post_display_hook(self) -> None:
            if not lexed_at_first_frame and self.views:
                lexed_at_first_frame.append(self.views[0]._lexed)

    app = Watched(load_paths([path]), Store(tmp_path / "s.json"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.views[0]
        assert lexed_at_first_frame[0] < len(text) // 2  # not lexed whole before the first screen

        def colours(y: int) -> set[object]:
            return {s.style.color for s in view.render_line(y) if s.style and s.text.strip()}

        assert len(colours(0)) > 1  # "def", "f", ... in colours
        for _ in range(400):
            if view._lexer is None:
                break
            await pilot.pause(0.05)
        assert view._lexer is None
        assert view._tokens == token_spans(view.document)
        await pilot.press("G")
        await pilot.pause()
        assert any(len(colours(y)) > 1 for y in range(view.size.height))


def reading_in_small_pieces(monkeypatch: pytest.MonkeyPatch, slowly: bool = False) -> None:
    """A file over 64 KB is shown from its first 16 KB; the rest is read 16 KB a step (``slowly``: one step every
    20 ms, so that keys pressed at once come before it is read)."""
    monkeypatch.setattr(tui.document, "PROGRESSIVE", 1 << 16)
    monkeypatch.setattr(tui.document, "HEAD", 1 << 14)
    monkeypatch.setattr(tui.document, "PIECE", 1 << 14)
    if slowly:
        monkeypatch.setattr(tui.ui.app, "READ_SLICE", 0)
        monkeypatch.setattr(tui.ui.app, "READ_GAP", 0.02)


async def test_a_big_file_shown_from_its_start_then_whole_g_and_a_search_near_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader opens a big file at its start: the first screen is the whole text's first screen, ``G`` and a
    search for a word near the end pressed at once land where they would have in the whole text."""
    reading_in_small_pieces(monkeypatch, slowly=True)
    lines = verses(12_000).split("\n")
    lines[-40] += " zanzibar quixotic"
    text = "\n".join(lines)
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    [document] = load_paths([path], progressive=True)
    assert len(document.loaded_text) < len(text) // 10
    app = MarginaliaApp([document], Store(tmp_path / "s.json"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.views[0]
        first = rows_shown(view)
        assert first == lines[: len(first)] and len(first) > 20
        assert not document.complete
        await pilot.press("G")  # at once: before the rest is read
        await wrapped_whole(view, pilot)
        await pilot.pause()
        assert document.complete and view.cursor == len(text)
        assert rows_shown(view)[-1] == lines[-1]
        assert list(view.wrapped.row_starts) == list(Layout(text, view.wrapped.width).row_starts)
        await pilot.press("g", "slash", *"zanzibar", "enter")
        await pilot.pause()
        start = text.index("zanzibar")
        assert view.selection == (start, start + len("zanzibar"))
        assert any(row.endswith("zanzibar quixotic") for row in rows_shown(view)), rows_shown(view)
        assert "match 1 of 1" in str(app.query_one("#search").border_subtitle)


async def test_g_pressed_before_a_big_file_is_read_gives_way_to_a_later_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reading_in_small_pieces(monkeypatch, slowly=True)
    path = tmp_path / "big.txt"
    path.write_text(verses(12_000), encoding="utf-8")
    app = MarginaliaApp(load_paths([path], progressive=True), Store(tmp_path / "s.json"))
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        assert not view.document.complete
        await pilot.press("G", "pagedown")
        await wrapped_whole(view, pilot)
        await pilot.pause()
        assert 0 < view.scroll_offset.y < 100  # one page down, not at the end


# -- the reader's screen tests (tests/test_screen.py) on documents too big to wrap at once -------------------------
SCREEN_TESTS = [
    *[
        ("test_cursor_and_selection_are_drawn_where_they_are", {"keys": keys, "pane": pane})
        for keys in test_screen.NAVIGATIONS.values()
        for pane in (0, 1)
    ],
    ("test_after_a_resize_the_selection_is_still_drawn_right", {}),
    ("test_search_match_is_drawn_selected_from_its_start", {}),
]


@pytest.mark.parametrize(
    ("name", "arguments"), SCREEN_TESTS, ids=[f"{n[5:40]}-{i}" for i, (n, _) in enumerate(SCREEN_TESTS)]
)
async def test_the_screen_tests_hold_on_big_documents(
    name: str, arguments: dict[str, object], tmp_path: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seeds, each repeated past ``SYNC_WRAP``: the same cells are right while only the first screens are
    wrapped and once everything is (the keys land before, during and after the background wrap)."""
    paths = []
    for seed in (ASMOLOV, PROMA):
        text = seed.read_text(encoding="utf-8")
        path = tmp_path / seed.name
        path.write_text("\n\n".join([text] * (SYNC_WRAP // len(text) + 2)), encoding="utf-8")
        paths.append(path)

    def big_app(store_path: Path, store: Store | None = None) -> MarginaliaApp:
        app = MarginaliaApp(load_paths(paths, progressive=True), store or Store(store_path))
        assert not any(d.complete for d in app.documents)  # each shown from its start, the rest read meanwhile
        return app

    reading_in_small_pieces(monkeypatch)
    monkeypatch.setattr(test_screen, "seeds_app", big_app)
    await getattr(test_screen, name)(store_path, **arguments)


async def test_the_search_bar_counts_a_big_texts_matches_once_typing_pauses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted between keys, in slices (here of 1,000 characters: matches cross their edges), and right."""
    monkeypatch.setattr(tui.ui.app, "COUNT_AT_ONCE", 10_000)
    monkeypatch.setattr(document_view, "COUNT_SLICE", 1_000)
    text = verses(3_000)
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    app = MarginaliaApp(load_paths([path]), Store(tmp_path / "s.json"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"of the")
        bar = app.query_one("#search")  # (mounted by the first slash)
        assert bar.border_subtitle == "counting…"
        for _ in range(200):
            if bar.border_subtitle != "counting…":
                break
            await pilot.pause(0.05)
        expected = len(textnav.find_all(text, "of the"))
        assert expected > 1000 and bar.border_subtitle == f"{expected} matches"
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
        await pilot.pause(0.5)
        assert bar.border_subtitle == ""  # cleared: no count of an older query comes after
        await pilot.press(*"verse number 2999", "enter")
        await pilot.pause()
        start = text.index("verse number 2999")
        assert app.views[0].selection == (start, start + len("verse number 2999"))


async def test_the_pane_title_says_where_the_view_is_once_the_whole_text_is_wrapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page downs while only the first screens are wrapped put the view far into them ("70%"); once the whole text
    is, the same row is a small share of it, and the title says so without another key (the wrap, slowed here,
    ends after everything else that would show the title again)."""
    reading_in_small_pieces(monkeypatch, slowly=True)
    monkeypatch.setattr(document_view, "WRAP_SLICE", 0)
    monkeypatch.setattr(document_view, "WRAP_GAP", 0.04)
    path = tmp_path / "big.txt"
    path.write_text(verses(12_000), encoding="utf-8")
    app = MarginaliaApp(load_paths([path], progressive=True), Store(tmp_path / "s.json"))
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause()
        assert not view.whole
        early = view.position
        assert early.endswith("%") and int(early[:-1]) > 20, early
        assert f" · {early} · " in title_row(app)
        await wrapped_whole(view, pilot)
        await pilot.pause()
        assert view.position == f"{view.percent}%" and view.percent < 5
        title = title_row(app)
        assert f" · {view.position} · " in title and early not in title, title


def title_row(app: MarginaliaApp) -> str:
    return next(row for row in screen(app).rows if "highlights" in row)


async def test_a_big_file_is_fingerprinted_once_it_is_shown_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashing holds Python's lock, and a ``G`` or a search pressed at once waits for the rows: the fingerprint
    (which puts the view back where the reader left off, and re-anchors) is taken once they are all wrapped; the
    place is restored then."""
    reading_in_small_pieces(monkeypatch)
    text = verses(12_000)
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    seen: list[bool] = []
    hashed = tui.document.fingerprint

    def fingerprint(whole_text: str) -> str:
        seen.append(all(view.whole for view in app.views))
        return hashed(whole_text)

    monkeypatch.setattr(tui.document, "fingerprint", fingerprint)
    place = text.index("verse number 9000")
    state = State(tmp_path / "state.json", places={str(path.resolve()): Place(hashed(text), place, place)})
    app = MarginaliaApp(load_paths([path], progressive=True), Store(tmp_path / "s.json"), state=state)
    async with app.run_test(size=SIZE) as pilot:
        view = app.views[0]
        for _ in range(300):
            if seen and view.cursor == place:
                break
            await pilot.pause(0.05)
        assert seen == [True]
        assert view.cursor == place and view.wrapped.row_of(place) >= view.scroll_offset.y
        assert any("verse number 9000" in row for row in rows_shown(view))
