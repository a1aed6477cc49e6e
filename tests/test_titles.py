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


async def test_the_pane_title_is_the_author_and_short_title_from_the_metadata(tmp_path, store_path) -> None:
    """A PDF's own metadata names its pane (the subtitle left out); a title set by hand wins; a wide one is cut
    by cells, the figures still shown."""
    from makedocs import make_pdf

    from tui.library import apply_metadata

    report = make_pdf(tmp_path / "report.pdf", pages=1, title="Shoigu in Pyongyang: The Parade and After")
    wide = make_pdf(tmp_path / "wide.pdf", pages=1, title="", author="")
    store = Store(store_path)
    documents = load_paths([report, wide])
    store.set_document_metadata(
        str(documents[1].path), {"title": "朝鮮民主主義人民共和国とロシアの防衛協力に関する長い題名についての報告書"}
    )
    apply_metadata(store, documents)
    app = MarginaliaApp(documents, store)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        rows = [bar.render_line(0).text.strip() for bar in app.query(TitleBar)]
        assert rows[0] == "Asmolov, Shoigu in Pyongyang · top · 0 highlights", rows
        assert rows[1].startswith("朝鮮民主主義") and "…" in rows[1] and rows[1].endswith("0 highlights"), rows
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        for bar in app.query(TitleBar):
            row = bar.render_line(0).text.rstrip()
            assert "…" in row and row.endswith("0 highlights") and cell_len(row) <= bar.size.width, row
