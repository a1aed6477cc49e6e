"""Keys before background work (tui/ui/keys_first.py): a slice of the reader's work waits while a key is on its
way to the screen, until the key's frame is drawn, and never longer than ``AT_MOST``; and a big document being
wrapped in slices still shows every page down right."""

from __future__ import annotations

import time

from screen import view_rows
from test_reader import settle

from tui.document import load_paths
from tui.store import Store
from tui.ui import keys_first
from tui.ui.app import MarginaliaApp


async def test_work_waits_for_a_keys_frame_and_never_long(store_path, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("\n".join(f"Line {n} of a document." for n in range(300)), encoding="utf-8")
    app = MarginaliaApp(load_paths([doc]), Store(store_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        started = time.perf_counter()
        await keys_first.keys_first(app)  # no key on its way: at once
        assert time.perf_counter() - started < keys_first.AT_MOST
        await pilot.press("pagedown")
        await settle(pilot, app)
        assert app._key_since is None  # its frame was drawn
        keys_first.pressed(app)
        assert app._key_since is not None
        app._key_since -= keys_first.AT_MOST  # a key whose frame never came: the work goes on
        started = time.perf_counter()
        await keys_first.keys_first(app)
        assert time.perf_counter() - started < keys_first.AT_MOST


async def test_page_down_while_a_big_document_is_wrapped_in_slices(store_path, tmp_path, monkeypatch):
    from tui.ui import document_view

    monkeypatch.setattr(document_view, "SYNC_WRAP", 1000)  # wrapped in slices, keys between them
    doc = tmp_path / "big.txt"
    doc.write_text("\n".join(f"Row {n} of the big document, wrapped later." for n in range(20000)), encoding="utf-8")
    app = MarginaliaApp(load_paths([doc]), Store(store_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.views[0]
        for _ in range(5):
            await pilot.press("pagedown")
        await pilot.pause()
        while not view.whole:
            await pilot.pause(0.05)
        await settle(pilot, app)
        top = view.scroll_offset.y
        assert top > 0
        assert view_rows(app, view, scrollbar=False).rows[0].startswith(f"Row {top} ")
