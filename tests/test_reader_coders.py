"""The reader with several coders (issue 16): other coders' highlights drawn differently, C to show only
one's own, a git merge conflict flagged; checked on the cells the terminal gets."""

from __future__ import annotations

from pathlib import Path

from screen import span_cells
from test_reader import settle

from tui.document import load_document, load_paths
from tui.model import new_annotation
from tui.store import Store
from tui.ui.app import MarginaliaApp

TEXT = "Alpha beta gamma. Delta epsilon zeta.\n\nSecond paragraph here about sanctions.\n"


async def test_other_coders_highlights_are_underlined_and_C_hides_them(write_doc, store_path: Path) -> None:
    path = write_doc("one.txt", TEXT)
    document = load_document(path)
    Store(store_path, coder="bo").add(new_annotation(document, 6, 10, ["x"]))  # "beta", bo's
    ana = Store(store_path, coder="ana")
    ana.add(new_annotation(document, 0, 5, ["x"]))  # "Alpha", ana's
    conflicted = new_annotation(document, 18, 23, ["x"], coder="ana")  # "Delta"
    conflicted.conflict = [{**conflicted.to_record(), "note": "the other version"}]
    ana.add(conflicted)
    app = MarginaliaApp(load_paths([path]), Store(store_path, coder="ana"))
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot, app)
        view = app.views[0]
        colour = app.themes["x"].colour
        mine, theirs, conflict = (span_cells(app, view, s, e) for s, e in ((1, 5), (6, 10), (18, 23)))
        assert {c.background for c in mine} == {colour} and not any(c.style.underline for c in mine)
        assert all(c.style.underline and c.foreground == colour for c in theirs)
        assert colour not in {c.background for c in theirs}
        assert all(c.style.reverse and c.style.bold for c in conflict)
        title = app.screen.query_one("TitleBar")  # the pane's title counts the conflicts left to resolve
        assert str(title.render()).endswith(" · 3 highlights · 1 conflict")
        await pilot.press("C")
        await settle(pilot, app)
        assert not any(c.style.underline or c.foreground == colour for c in span_cells(app, view, 6, 10))
        assert {c.background for c in span_cells(app, view, 1, 5)} == {colour}
        await pilot.press("C")
        await settle(pilot, app)
        assert all(c.style.underline for c in span_cells(app, view, 6, 10))


async def test_a_highlight_made_in_the_reader_is_the_readers_coders(write_doc, store_path: Path) -> None:
    path = write_doc("one.txt", TEXT)
    app = MarginaliaApp(load_paths([path]), Store(store_path, coder="ana"))
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot, app)
        app.views[0].select(0, 5)
        await pilot.press("h", "x", "enter")
        await settle(pilot, app)
    [made] = Store(store_path).annotations()
    assert made.coder == "ana"
