"""Pane titles are cut by terminal cells: a wide title never pushes the figures off the bar."""

from __future__ import annotations

from rich.cells import cell_len

from tui.document import load_paths
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.pane import TitleBar


async def test_a_cjk_title_leaves_room_for_the_figures(write_doc, store_path) -> None:
    wide = write_doc("wide.txt", "朝鮮民主主義人民共和国とロシアの防衛協力に関する長い題名です\n\n本文。\n")
    plain = write_doc("plain.txt", "Plain text.\n")
    app = MarginaliaApp(load_paths([wide, plain]), Store(store_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.query(TitleBar).first()
        row = bar.render_line(0).text.rstrip()
        assert row.endswith("0 highlights"), row
        assert "…" in row
        assert cell_len(row) <= bar.size.width
