"""Narrow terminals: panes stay side by side while each has a column of text a reader can follow (``PANE_TEXT``
cells: two panes down to 70 terminal columns, three down to 105) and stack below that; checked on the screen."""

from __future__ import annotations

import pytest
from conftest import ASMOLOV, PROMA
from screen import screen

from tui.document import load_paths
from tui.store import Store
from tui.ui.app import PANE_TEXT, MarginaliaApp, stacks_below
from tui.ui.pane import Pane


def panes_on_screen(app: MarginaliaApp) -> list[tuple[int, int, int]]:
    """(x, y, text width) of each pane's view, as laid out on the screen."""
    return [(p.region.x, p.region.y, p.view.scrollable_content_region.width) for p in app.query(Pane)]


def test_the_thresholds_the_readme_gives() -> None:
    assert PANE_TEXT == 32
    assert (stacks_below(1), stacks_below(2), stacks_below(3)) == (0, 70, 105)


@pytest.mark.parametrize(
    "size, side_by_side",
    [((80, 24), True), ((70, 24), True), ((69, 24), False), ((160, 45), True)],
    ids=["80x24", "70 (threshold)", "69 (threshold - 1)", "160x45"],
)
async def test_two_panes_stack_only_below_the_threshold(store_path, size, side_by_side):
    app = MarginaliaApp(load_paths([ASMOLOV, PROMA]), Store(store_path))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        (x0, y0, w0), (x1, y1, w1) = panes_on_screen(app)
        shot = screen(app)
        if side_by_side:
            assert y0 == y1 and x1 > x0, "side by side"
            assert min(w0, w1) >= PANE_TEXT, "each pane has its column of text"
        else:
            assert x0 == x1 and y1 > y0, "stacked"
            assert min(w0, w1) > 2 * PANE_TEXT
        shot.find("Asmolov")  # both titles are on screen
        shot.find("Proma")


@pytest.mark.parametrize("width, stacked", [(105, False), (104, True)])
async def test_three_panes_need_105_columns(write_doc, store_path, width, stacked):
    paths = [write_doc(f"{n}.txt", f"Document {n}\n\n" + "words " * 200) for n in range(3)]
    app = MarginaliaApp(load_paths(paths), Store(store_path))
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.pause()
        placed = panes_on_screen(app)
        assert len({y for _, y, _ in placed}) == (3 if stacked else 1)
        if not stacked:
            assert min(w for _, _, w in placed) >= PANE_TEXT


async def test_a_resize_across_the_threshold_stacks_and_unstacks(store_path):
    app = MarginaliaApp(load_paths([ASMOLOV, PROMA]), Store(store_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.resize_terminal(69, 24)
        await pilot.pause()
        assert len({y for _, y, _ in panes_on_screen(app)}) == 2
        await pilot.resize_terminal(70, 24)
        await pilot.pause()
        assert len({y for _, y, _ in panes_on_screen(app)}) == 1
