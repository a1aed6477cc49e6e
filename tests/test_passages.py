"""The passage columns of the compare drill-downs (tui/ui/passages.py), checked on the cells drawn at 80x24: a
theme side by side with more passages than fit, scrolled to the end and back, resized, and a cell's passages
with hostile notes and themes (drawn as data, never as markup or control codes)."""

from __future__ import annotations

from pathlib import Path

from rich.segment import Segment
from test_compare_screen import drawn

from tui.document import load_paths
from tui.model import new_annotation
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.compare import CompareScreen, PassagesLevel, SideBySideLevel
from tui.ui.document_view import DocumentView
from tui.ui.passages import PassageColumn

COUNTS = (30, 24)  # passages per document: several screens of each at 80x24


def corpus(write_doc, store_path: Path) -> MarginaliaApp:  # type: ignore[no-untyped-def]
    """Two documents of numbered lines, each line a passage on sanctions (its note says which)."""
    paths = []
    for n, count in enumerate(COUNTS):
        lines = [f"Line {n}-{k:02} says sanctions bite, and then some more words follow it." for k in range(count)]
        paths.append(write_doc(f"d{n}.txt", "\n".join(lines) + "\n"))
    documents = load_paths(paths)
    store = Store(store_path)
    for document in documents:
        text, records = document.text, []
        for line in text.splitlines():
            start = text.index(line)
            records.append(new_annotation(document, start, start + len(line), ["sanctions"], f"note on {line[5:9]}"))
        store.add_many(records)
    return MarginaliaApp(documents, store)


def segments(app: MarginaliaApp) -> list[list[Segment]]:
    return [list(strip) for strip in app.screen._compositor.render_strips()]


def style_of(app: MarginaliaApp, text: str):  # type: ignore[no-untyped-def]
    """The style of the first cell drawn with ``text``."""
    return next(s.style for line in segments(app) for s in line if text in s.text)


async def side_by_side(pilot) -> list[PassageColumn]:  # type: ignore[no-untyped-def]
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CompareScreen)
    await pilot.press("left", "enter")  # the theme's name: side by side
    await pilot.pause()
    assert isinstance(pilot.app.screen, SideBySideLevel)
    columns = list(pilot.app.screen.query(PassageColumn))
    for _ in range(50):  # the passages below the screen are wrapped between frames
        if all(c.complete for c in columns):
            break
        await pilot.pause(0.02)
    return columns


async def test_side_by_side_columns_scroll_to_the_end_and_back_and_rewrap_on_resize(write_doc, store_path) -> None:
    app = corpus(write_doc, store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        left, right = await side_by_side(pilot)
        assert all(c.complete for c in (left, right))
        screen = "\n".join(drawn(app))
        assert "(30)" in screen and "(24)" in screen  # each column's heading counts its passages
        assert "“Line 0-00 says" in screen and "“Line 1-00 says" in screen and "Line 0-05" not in screen
        first_row = next(line for line in drawn(app) if "“Line 0-00" in line)
        assert first_row.index("“Line 0-00") < 40 < first_row.index("“Line 1-00")  # side by side
        assert style_of(app, "“Line 0-00").bgcolor != style_of(app, "“Line 1-00").bgcolor  # the focused one is lit

        await pilot.press("end")  # the last passage of the left column, wrapped and drawn at the bottom
        await pilot.pause()
        rows = drawn(app)
        assert any("“Line 0-29" in row[:40] for row in rows) and not any("“Line 0-00" in row for row in rows)
        assert any("note on 0-29" in row[:40] for row in rows) and "“Line 1-00" in "\n".join(rows)
        assert left.highlighted == 29 and style_of(app, "“Line 0-29").bgcolor == style_of(app, "note on 0-29").bgcolor
        assert style_of(app, "“Line 0-29").bgcolor != style_of(app, "“Line 0-28").bgcolor  # only the last is lit
        assert any("(30)" in row for row in rows)  # the heading stays

        await pilot.press("pageup", "up")
        await pilot.pause()
        rows = drawn(app)
        assert left.highlighted is not None and left.highlighted < 28
        lit = f"Line 0-{left.highlighted:02}"
        assert any(lit in row[:40] for row in rows)  # scrolled back to what is highlighted
        assert style_of(app, "“" + lit).bgcolor != style_of(app, "“Line 1-00").bgcolor

        await pilot.press("right", "end")  # the other column's end
        await pilot.pause()
        assert app.focused is right and any("“Line 1-23" in row[40:] for row in drawn(app))

        await pilot.resize_terminal(120, 30)  # wider: wrapped again, the passage still in view and lit
        await pilot.pause()
        await pilot.pause()
        rows = drawn(app)
        assert right.complete and right.size.width > 50
        assert any("“Line 1-23 says sanctions bite, and then some more" in row[60:] for row in rows)  # wider rows
        assert style_of(app, "“Line 1-23").bgcolor == style_of(app, "note on 1-23").bgcolor
        assert right.virtual_size.height == len(right._heading_rows) + right._bottom  # exact: all wrapped

        await pilot.press("enter")  # lands on it in its pane
        await pilot.pause()
        await pilot.pause()
        assert not isinstance(app.screen, (SideBySideLevel, CompareScreen))
        focused = app.focused
        assert isinstance(focused, DocumentView) and focused.document.key == app.documents[1].key
        assert focused.cursor == focused.document.text.index("Line 1-23")


async def test_a_cells_passages_draw_hostile_notes_and_themes_as_data(write_doc, store_path) -> None:
    path = write_doc("h.txt", "First a plain passage here. Then [bold]not markup[/bold] in the text itself.\n")
    (document,) = load_paths([path])
    text = document.text
    store = Store(store_path)
    hostile = "\x1b[2J\x1b]52;c;aGk=\x07 wipe \u202eevil\u202c [link=x]click[/link] $(rm)"
    store.add_many(
        [
            new_annotation(document, 0, 26, ["[red]theme[/red]\x1b[31m"], hostile),
            new_annotation(document, text.index("Then"), text.index(" in the"), ["[red]theme[/red]\x1b[31m"], "a\nb"),
        ]
    )
    app = MarginaliaApp([document], store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("enter")  # the cell: both passages
        await pilot.pause()
        assert isinstance(app.screen, PassagesLevel)
        everything = "".join(s.text for line in segments(app) for s in line)
        assert "\x1b" not in everything and "\u202e" not in everything and "\x07" not in everything
        screen = "\n".join(drawn(app))
        assert "␛[2J␛]52;c;aGk=␇ wipe ⇄evil⇄ [link=x]click[/link] $(rm)" in screen  # placeholders, one for one
        assert "[red]theme[/red]␛[31m" in screen and "[bold]not markup[/bold]" in screen
        assert "✎ a" in screen and any(row.strip("▊▎ ") == "b" for row in drawn(app))  # a note's lines
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.pause()
        focused = app.focused
        assert isinstance(focused, DocumentView) and focused.cursor == text.index("Then")


async def test_the_collector_is_held_only_until_a_levels_first_frame(write_doc, store_path, monkeypatch) -> None:
    """Each compare level holds Python's cyclic garbage collector while it is built and drawn, and lets it run
    once its first frame is painted (or it closes): never left off, and a level never shown holds nothing."""
    import gc

    held: list[bool] = []
    compose = PassagesLevel.compose

    def watched(self):  # type: ignore[no-untyped-def]
        held.append(not gc.isenabled())
        return compose(self)

    monkeypatch.setattr(PassagesLevel, "compose", watched)
    app = corpus(write_doc, store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert gc.isenabled()
        await pilot.press("c")
        assert isinstance(app.screen, CompareScreen)
        for keys, level in ((("enter",), PassagesLevel), (("escape", "left", "enter"), SideBySideLevel)):
            await pilot.press(*keys)
            assert isinstance(app.screen, level)
            await pilot.pause()
            assert gc.isenabled() and "“Line 0-00" in "\n".join(drawn(app))
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert gc.isenabled() and not isinstance(app.screen, CompareScreen)
    assert held == [True]  # held while the level was composed
    PassagesLevel("never shown", [], {}, lambda a: "")
    assert gc.isenabled()


async def test_a_levels_first_frame_shows_its_passages(write_doc, store_path) -> None:
    """The first frame painted of a drill-down already shows the passages (its columns wrap as they are first
    drawn), not blank columns that a later frame fills in."""
    first: dict[type, str] = {}

    class Watched(MarginaliaApp):
        def post_display_hook(self) -> None:
            if isinstance(self.screen, (PassagesLevel, SideBySideLevel)) and type(self.screen) not in first:
                first[type(self.screen)] = "\n".join(drawn(self))  # the frame just painted, drawn again

    plain = corpus(write_doc, store_path)
    app = Watched(plain.documents, plain.store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("enter")  # a cell's passages
        await pilot.pause()
        await pilot.press("escape", "left", "enter")  # the theme side by side
        await pilot.pause()
    assert set(first) == {PassagesLevel, SideBySideLevel}
    assert "“Line 0-00 says" in first[PassagesLevel] and "note on 0-00" in first[PassagesLevel]
    side = first[SideBySideLevel]
    assert "(30)" in side and "“Line 0-00 says" in side and "“Line 1-00 says" in side


async def test_the_side_by_side_level_is_made_ready_and_kept_for_the_next_theme(write_doc, store_path) -> None:
    """While the matrix is shown, a side-by-side level is composed off screen; enter on a theme shows that one
    with the theme's passages, and enter on the next theme shows the same level with those: its passages, its
    headings and title, from the top. Closing the comparison removes it."""
    paths = [write_doc(f"k{n}.txt", "\n".join(f"Line {n}-{k:02} has some words." for k in range(12))) for n in (0, 1)]
    documents = load_paths(paths)
    store = Store(store_path)
    for document in documents:
        text = document.text
        store.add_many(
            [
                new_annotation(document, text.index(line), text.index(line) + len(line), [("odd", "even")[k % 2]])
                for k, line in enumerate(text.splitlines())
            ]
        )
    app = MarginaliaApp(documents, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        await pilot.pause(0.3)
        ready = compare._ready_side
        assert ready is not None and ready.is_running and len(ready.query(PassageColumn)) == 2
        assert app.screen is compare  # made ready, not shown
        await pilot.press("left", "enter")  # the first theme, "even", side by side
        await pilot.pause()
        assert app.screen is ready
        screen = "\n".join(drawn(app))
        assert "even: 12 passages side by side" in screen and "“Line 0-01" in screen and "“Line 1-01" in screen
        assert "“Line 0-00" not in screen and "(6)" in screen
        await pilot.press("escape", "down", "enter")  # the next theme, "odd"
        await pilot.pause()
        assert app.screen is ready
        screen = "\n".join(drawn(app))
        assert "odd: 12 passages side by side" in screen and "“Line 0-00" in screen and "“Line 1-00" in screen
        assert "“Line 0-01" not in screen
        await pilot.press("down", "enter")  # the second passage of the first column: the reader's cursor on it
        await pilot.pause()
        await pilot.pause()
        assert not isinstance(app.screen, (SideBySideLevel, CompareScreen))
        view = app.focused
        assert isinstance(view, DocumentView) and view.cursor == view.text.index("Line 0-02")
        assert not app.is_screen_installed(ready) and not ready.is_running
