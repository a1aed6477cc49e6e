"""The compare screen on the seeds, driven with the pilot and checked on what is drawn: the matrix with the
README's counts, a cell's passages, the side-by-side view, co-occurrence, and landing on a passage."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA, readme_example
from textual.command import CommandPalette

from tui.document import load_paths
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.compare import CompareScreen, PassagesLevel, SideBySideLevel
from tui.ui.document_view import DocumentView


def drawn(app: MarginaliaApp) -> list[str]:
    """The screen's rows as they would be written to the terminal."""
    return ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]


def row_with(app: MarginaliaApp, text: str) -> str:
    return next(line for line in drawn(app) if text in line)


@pytest.fixture
def example(cli, store_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    readme_example(cli, store_path, monkeypatch)
    return store_path


def seeds_app(store_path: Path) -> MarginaliaApp:
    return MarginaliaApp(load_paths([ASMOLOV, PROMA]), Store(store_path))


def with_a_codebook_tree(store_path: Path) -> None:
    """Three passages of Asmolov's: two under the parent ``sanctions`` (``sanctions/UN``, ``sanctions/unilateral``)
    and one ``people``."""
    from tui.document import load_document
    from tui.model import new_annotation

    store, document = Store(store_path), load_document(ASMOLOV)
    for needle, theme in [("UNSC", "sanctions/UN"), ("secretly violate", "sanctions/unilateral"), ("Shoygu", "people")]:
        start = document.text.index(needle)
        store.add(new_annotation(document, start, start + len(needle), [theme]))


async def open_compare(pilot) -> None:
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CompareScreen)


async def test_c_shows_the_matrix_with_the_readmes_counts(example: Path) -> None:
    app = seeds_app(example)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_compare(pilot)
        assert "Compare: 3 themes × 2 documents" in drawn(app)[0]
        header = row_with(app, "total")
        assert "#1 Some comments on the Rus" in header and "#2 Sergei Shoigu" in header
        assert row_with(app, "arms cooperation").split()[-7:] == ["2", "·", "2.8%", "1", "·", "2.0%", "3"]
        assert row_with(app, "China's role").split()[-5:] == ["·", "2", "·", "3.5%", "2"]
        assert row_with(app, "██ sanctions").split()[-7:] == ["2", "·", "2.3%", "2", "·", "2.8%", "4"]
        await pilot.press("p")  # counts without the share
        await pilot.pause()
        assert row_with(app, "██ sanctions").split()[-3:] == ["2", "2", "4"]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)


async def test_enter_on_a_cell_lists_its_passages_and_escape_goes_back(example: Path) -> None:
    app = seeds_app(example)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_compare(pilot)
        await pilot.press("enter")  # the cursor starts on arms cooperation x Asmolov
        await pilot.pause()
        assert isinstance(app.screen, PassagesLevel)
        screen = "\n".join(drawn(app))
        assert "arms cooperation in Some comments on the Russian Defense Minister’s visit to North Korea" in screen
        assert "More level-headed analysts" in screen and "The first category includes" in screen
        assert "paragraph 25, line 49" in screen and "From a strategic perspective" not in screen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)


async def test_side_by_side_sanctions_and_enter_lands_on_the_passage(example: Path) -> None:
    app = seeds_app(example)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_compare(pilot)
        await pilot.press("down", "down", "left", "enter")  # the sanctions row, on its name
        await pilot.pause()
        assert isinstance(app.screen, SideBySideLevel)
        assert "sanctions: 4 passages side by side" in drawn(app)[0]
        asmolov = row_with(app, "“Such cooperation could vary")
        assert asmolov.index("“Such cooperation") < 80  # the left column
        proma = row_with(app, "“a potential disruption")
        assert proma.index("“a potential disruption") > 80  # beside it, on the right
        assert abs(drawn(app).index(asmolov) - drawn(app).index(proma)) <= 2  # side by side, near the top
        assert "Asmolov: a choice of degree" in row_with(app, "✎ Asmolov")
        await pilot.press("right", "enter")  # Proma's first sanctions passage
        await pilot.pause()
        await pilot.pause()
        assert not isinstance(app.screen, (SideBySideLevel, CompareScreen))
        focused = app.focused
        assert isinstance(focused, DocumentView) and focused.document.key == str(PROMA)
        target = next(a for a in app.annotations.values() if a.quote.startswith("a potential disruption"))
        assert focused.cursor == target.start
        assert any("a potential disruption" in line[80:] for line in drawn(app))


async def test_cooccurrence_view_and_its_drill_down(example: Path) -> None:
    app = seeds_app(example)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_compare(pilot)
        await pilot.press("tab")
        await pilot.pause()
        assert "themes × themes" in drawn(app)[0]
        assert row_with(app, "3.   ██ sanctions").split()[-3:] == ["1", "1", "4"]
        assert row_with(app, "1.   ██ arms cooperation").split()[-3:] == ["3", "·", "1"]
        await pilot.press("down", "down", "right", "enter")  # sanctions x arms cooperation
        await pilot.pause()
        assert isinstance(app.screen, PassagesLevel)
        screen = "\n".join(drawn(app))
        assert "sanctions with arms cooperation" in screen and "The first category includes" in screen
        await pilot.press("escape", "tab")
        await pilot.pause()
        assert "Compare: 3 themes" in drawn(app)[0]


async def test_the_command_palette_opens_compare_even_with_no_themes(store_path: Path) -> None:
    app = seeds_app(store_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"compare", "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert "no themes yet: press h on a passage" in "\n".join(drawn(app))
        await pilot.press("enter", "tab")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)


async def test_themes_panel_shows_the_codebook_tree_folds_and_renames_a_parent(store_path: Path) -> None:
    from textual.widgets import Input

    from tui.ui.dialogs import PromptDialog
    from tui.ui.panels import ThemesPanel

    with_a_codebook_tree(store_path)
    app = seeds_app(store_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ThemesPanel)
        assert row_with(app, "▾ sanctions").split()[-3:] == ["2", "0", "2"]  # the parent counts its children
        assert "UN" in row_with(app, "    UN ") and row_with(app, "unilateral")
        await pilot.press("down", "space")  # fold sanctions
        await pilot.pause()
        assert "▸ sanctions" in row_with(app, "sanctions") and not any("unilateral" in r for r in drawn(app))
        await pilot.press("space", "r")  # unfold; rename the parent
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one(Input).value = "measures"
        await pilot.press("enter")
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        assert sorted(t.name for t in Store(store_path).themes()) == ["measures/UN", "measures/unilateral", "people"]
        await pilot.press("escape", "u")
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        assert sorted(t.name for t in Store(store_path).themes()) == ["people", "sanctions/UN", "sanctions/unilateral"]


async def test_many_passages_counted_in_workers_and_listed_between_frames(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above BUILD_HERE the app keeps the matrix ready (a worker), the screen right after a change counts in a
    worker, co-occurrence too, and a drill-down wraps the passages below the screen between frames: the same
    counts and passages in the end."""
    import tui.compare as counting_module
    import tui.ui.app as app_module
    import tui.ui.compare as compare_module
    import tui.ui.passages as passages_module
    from tui.ui.passages import PassageColumn

    for module in (counting_module, compare_module):  # the app reads it from tui.compare as it needs it
        monkeypatch.setattr(module, "BUILD_HERE", 3)  # the example's 10 passages count as many
    monkeypatch.setattr(app_module, "COMPARE_DELAY", 0.01)
    monkeypatch.setattr(passages_module, "SLICE", 0)  # a frame between any two passages wrapped
    app = seeds_app(example)
    async with app.run_test(size=(160, 45)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app._compare_ready is not None:
                break
        ready = app._compare_ready
        assert ready is not None and ready[1].row_total("sanctions") == 4  # kept ready, in the background
        app._compare_ready = None  # as right after a change: the screen counts in a worker
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert row_with(app, "██ sanctions").split()[-7:] == ["2", "·", "2.3%", "2", "·", "2.8%", "4"]
        await pilot.press("b")  # by author: counted in a worker too
        assert "counting" in drawn(app)[0] or "authors" in drawn(app)[0]
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Compare: 3 themes × 2 authors" in drawn(app)[0] and "Asmolov (1 doc)" in row_with(app, "total")
        await pilot.press("b", "b", "b")  # year, date (each counted), and the documents again (kept)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "× 2 documents" in drawn(app)[0]
        assert row_with(app, "██ sanctions").split()[-7:] == ["2", "·", "2.3%", "2", "·", "2.8%", "4"]
        await pilot.press("tab")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert row_with(app, "3.   ██ sanctions").split()[-3:] == ["1", "1", "4"]
        await pilot.press("tab", "down", "down", "left", "enter")
        for _ in range(20):
            await pilot.pause()
        columns = list(app.screen.query(PassageColumn))
        assert isinstance(app.screen, SideBySideLevel) and all(c.complete for c in columns)
        assert [len(c.passages) for c in columns] == [2, 2]
        assert "Such cooperation could vary" in "\n".join(drawn(app))


async def test_side_by_side_pages_through_more_documents_than_fit(write_doc, store_path: Path) -> None:
    from tui.model import new_annotation

    paths = [write_doc(f"d{n}.txt", f"Document {n} is on sanctions and more sanctions.\n") for n in range(3)]
    documents = load_paths(paths)
    store = Store(store_path)
    for document in documents:
        start = document.text.index("sanctions")
        store.add(new_annotation(document, start, start + 9, ["sanctions"]))
    app = MarginaliaApp(documents, store)
    async with app.run_test(size=(70, 30)) as pilot:  # room for two columns
        await open_compare(pilot)
        await pilot.press("left", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SideBySideLevel)
        assert "(documents 1–2 of 3: ← → for more)" in drawn(app)[0]
        await pilot.press("right", "right")
        await pilot.pause()
        await pilot.pause()
        assert "(documents 2–3 of 3" in drawn(app)[0]
        assert app.focused is not None and app.focused.id == "column-2"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        focused = app.focused
        assert isinstance(focused, DocumentView) and focused.document.key == documents[2].key


async def test_a_matrix_wider_than_the_screen_draws_the_columns_scrolled_into_view(write_doc, store_path: Path) -> None:
    """The matrix draws only the columns in view (tui.ui.tables.ViewTable): scrolled right, the last ones show
    their own counts, and back left the first ones theirs."""
    from tui.model import new_annotation

    paths = [write_doc(f"d{n}.txt", "On sanctions. " * (n + 1)) for n in range(8)]
    documents = load_paths(paths)
    store = Store(store_path)
    for n, document in enumerate(documents):
        store.add_many([new_annotation(document, 14 * k + 3, 14 * k + 12, ["sanctions"]) for k in range(n + 1)])
    app = MarginaliaApp(documents, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_compare(pilot)
        header = row_with(app, "#1 On sanct")
        assert "#8 On" not in header and row_with(app, "██ sanctions").split()[2:5] == ["1", "·", "64.3%"]
        await pilot.press(*["right"] * 8)  # to the total, past the edge
        await pilot.pause()
        rows = drawn(app)
        at = next(n for n, line in enumerate(rows) if "#8 On sanct" in line)
        assert "#1 On" not in rows[at] and rows[at].split()[-1] == "total"
        assert rows[at + 1].split()[-7:] == ["7", "·", "64.3%", "8", "·", "64.3%", "36"]
        await pilot.press(*["left"] * 9)  # back to the theme column
        await pilot.pause()
        assert row_with(app, "██ sanctions").split()[2:5] == ["1", "·", "64.3%"]
        table = app.screen.query_one("#matrix")
        table.scroll_to(x=table.max_scroll_x, animate=False)  # the mouse's way: the cursor stays
        await pilot.pause()
        rows = drawn(app)
        assert rows[at + 1].split()[-7:] == ["7", "·", "64.3%", "8", "·", "64.3%", "36"]


async def test_the_matrix_draws_its_pieces_as_a_data_table_would(example: Path) -> None:
    """ViewTable draws Piece cells and rows itself (tui/ui/tables.py): cell for cell, cursor and zebra rows too,
    the same segments (text, style, mouse meta) as DataTable's own drawing through Rich."""
    from rich.segment import Segment
    from textual.strip import Strip
    from textual.widgets import DataTable

    app = seeds_app(example)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_compare(pilot)
        table = app.screen.query_one("#matrix", DataTable)

        def simple(lines: list[list[Segment]]) -> list[list[tuple[str, object, object]]]:
            return [[(s.text, s.style, s.style and s.style.meta) for s in Strip(line).simplify()] for line in lines]

        style = table.rich_style
        for row in range(table.row_count):
            for column in range(len(table.columns)):
                width = table.ordered_columns[column].get_render_width(table)
                for cursor in (False, True):
                    ours = table._render_cell(row, column, style, width, cursor)
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row, column, style, width, cursor)
                    table._cell_render_cache.clear()
                    assert simple(ours) == simple(theirs), (row, column, cursor)


async def test_b_groups_the_columns_by_author_then_year_and_drills_down_into_a_group(example: Path) -> None:
    app = seeds_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_compare(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert "Compare: 3 themes × 2 authors (of 2 documents)" in drawn(app)[0]
        header = row_with(app, "total")
        assert header.index("Asmolov (1 doc)") < header.index("Proma (1 doc)")
        assert row_with(app, "██ sanctions").split()[-7:] == ["2", "·", "2.3%", "2", "·", "2.8%", "4"]
        await pilot.press("b")  # by year: both are of 2023
        await pilot.pause()
        assert "Compare: 3 themes × 1 year (of 2 documents)" in drawn(app)[0]
        assert "2023 (2 docs)" in row_with(app, "total")
        assert row_with(app, "██ sanctions").split()[-4:] == ["4", "·", "2.5%", "4"]
        assert row_with(app, "██ China's role").split()[-4:] == ["2", "·", "1.1%", "2"]
        await pilot.press("down", "down", "left", "enter")  # sanctions side by side: one column, 2023
        await pilot.pause()
        assert isinstance(app.screen, SideBySideLevel)
        screen = "\n".join(drawn(app))
        assert "2023 (4)" in screen and "— Asmolov, Some comments on the Russian" in screen  # citations name them
        await pilot.press("escape", "right", "enter")  # sanctions in 2023: both documents' passages
        await pilot.pause()
        assert isinstance(app.screen, PassagesLevel) and "sanctions in 2023" in drawn(app)[0]
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("b", "b")  # date, then documents again
        await pilot.pause()
        assert "Compare: 3 themes × 2 documents" in drawn(app)[0] and "#1 Some comments" in row_with(app, "total")


async def test_refilled_twice_before_it_is_measured_the_matrix_still_draws_whole_columns(example: Path) -> None:
    """Two keys in one read of the terminal (``b b``) fill the table twice before it measures the new rows; a
    frame drawn in between must not leave the theme column at the width of its header."""
    app = seeds_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        table = screen.query_one("#matrix")
        screen.action_by()
        screen.action_by()
        for y in range(5):  # a frame before the table measured the rows: at the header's width
            table.render_line(y)
        await pilot.pause()
        assert "Compare: 3 themes × 1 year" in drawn(app)[0]
        assert "██ sanctions  " in row_with(app, "4 · 2.5%")


async def test_b_without_metadata_says_so(write_doc, store_path: Path) -> None:
    from tui.model import new_annotation

    paths = [write_doc(f"plain-{n}.txt", f"plain text number {n}\n") for n in range(2)]
    documents = load_paths(paths)
    Store(store_path).add_many([new_annotation(d, 0, 5, ["sanctions"]) for d in documents])
    app = MarginaliaApp(documents, Store(store_path))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_compare(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert "Compare: 1 theme × 2 documents" in drawn(app)[0]
        assert any("No author, year or date to group by" in n.message for n in app._notifications)


@pytest.mark.parametrize("counted", ["at once", "in a worker"])
async def test_enter_on_a_theme_in_the_themes_panel_shows_it_side_by_side(
    example: Path, monkeypatch: pytest.MonkeyPatch, counted: str
) -> None:
    if counted == "in a worker":
        import tui.compare as counting_module
        import tui.ui.compare as compare_module

        for module in (counting_module, compare_module):
            monkeypatch.setattr(module, "BUILD_HERE", 3)  # counted on the screen, after it shows
    app = seeds_app(example)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert "⏎ side by side" in row_with(app, "rename")
        await pilot.press("down", "down", "enter")  # sanctions
        await app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.pause()
        assert isinstance(app.screen, SideBySideLevel)
        assert "sanctions: 4 passages side by side" in drawn(app)[0]
        assert row_with(app, "“Such cooperation").index("“Such cooperation") < 40  # Asmolov's on the left
        assert row_with(app, "“a potential disruption").index("“a potential disruption") > 40  # Proma's beside it
        await pilot.press("escape")  # back one level: the matrix, on the theme's row
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.query_one("#matrix").cursor_coordinate == (2, 0)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)


async def test_space_folds_a_parents_rows_in_the_matrix_and_the_themes_panel_keeps_the_fold(store_path: Path) -> None:
    with_a_codebook_tree(store_path)
    app = seeds_app(store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_compare(pilot)
        assert "▾ ██ sanctions" in row_with(app, "sanctions") and any("██ unilateral" in r for r in drawn(app))
        await pilot.press("down", "space")  # the sanctions row
        await pilot.pause()
        assert row_with(app, "▸ ██ sanctions").split()[-5:] == ["2", "·", "0.1%", "·", "2"]  # its children's
        assert not any("unilateral" in r or "██ UN" in r for r in drawn(app))
        await pilot.press("enter")  # the cell under the cursor, on the folded row: its subtree's passages
        await pilot.pause()
        assert isinstance(app.screen, PassagesLevel) and "sanctions in Some comments" in drawn(app)[0]
        await pilot.press("escape", "escape", "t")
        await pilot.pause()
        assert "▸ sanctions" in row_with(app, "sanctions")  # folded in the themes panel too
