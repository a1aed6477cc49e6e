"""What the screen looks like: the seeds side by side, a highlight with its dialog, both panels, the compare
screens, the corpus search, the memo editor, and 80x24.

Regenerate after an intended change with ``pytest tests/test_snapshots.py --snapshot-update`` and look at the
report before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA
from test_corpus_search import finished

from tui.document import load_document, load_paths
from tui.model import new_annotation
from tui.store import Store
from tui.ui.app import MarginaliaApp


async def settled(pilot) -> None:
    """The app's start is over: re-anchoring starts after the first frame (``_after_first_frame``), so a wait for
    the workers before that frame has been drawn waits for nothing (a loaded machine drew the memo over panes still
    being re-anchored)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def seeded_app(store_path: Path, with_annotations: bool = True) -> MarginaliaApp:
    store = Store(store_path)
    if with_annotations:
        asmolov, proma = load_document(ASMOLOV), load_document(PROMA)
        for document, needle, themes, note in [
            (asmolov, "sanctions imposed by the UNSC", ["sanctions"], "the legal frame"),
            (asmolov, "Krivoruchko", ["people"], ""),
            (proma, "weapons, technology, and training", ["arms cooperation"], "what flows each way"),
            (proma, "China", ["China's role"], ""),
        ]:
            start = document.text.index(needle)
            store.add(new_annotation(document, start, start + len(needle), themes, note))
    return MarginaliaApp(load_paths([ASMOLOV, PROMA]), store)


async def _scroll_to_first_highlight(pilot) -> None:
    await pilot.press("right_square_bracket")
    await pilot.pause()


def test_seeds_side_by_side(snap_compare, store_path):
    assert snap_compare(seeded_app(store_path, False), terminal_size=(160, 45))


def test_highlights_and_theme_dialog(snap_compare, store_path):
    async def run_before(pilot) -> None:
        await pilot.press("slash", *"Krivoruchko", "enter", "n", "h", *"peo")
        await pilot.pause()

    assert snap_compare(seeded_app(store_path), terminal_size=(160, 45), run_before=run_before)


def test_annotations_panel(snap_compare, store_path):
    async def run_before(pilot) -> None:
        await _scroll_to_first_highlight(pilot)
        await pilot.press("a", "ctrl+a")
        pilot.app.screen.query_one("#filter").cursor_blink = False  # the filter has the focus: no blink phase
        await pilot.pause()

    assert snap_compare(seeded_app(store_path), terminal_size=(160, 45), run_before=run_before)


def test_annotations_panel_80x24(snap_compare, store_path):
    """Quotes wrapped to the whole-width panel, each with its citation."""

    async def run_before(pilot) -> None:
        await pilot.press("a", "ctrl+a", "down")
        pilot.app.screen.query_one("#filter").cursor_blink = False  # the filter has the focus: no blink phase
        await pilot.pause()

    assert snap_compare(seeded_app(store_path), terminal_size=(80, 24), run_before=run_before)


def test_themes_panel(snap_compare, store_path):
    async def run_before(pilot) -> None:
        await pilot.press("t")
        await pilot.pause()

    assert snap_compare(seeded_app(store_path), terminal_size=(160, 45), run_before=run_before)


def test_themes_panel_80x24(snap_compare, store_path):
    """Every column in 80 columns: the panel takes the whole width, the documents are numbered in a legend."""

    async def run_before(pilot) -> None:
        await pilot.press("t", "down")
        await pilot.pause()

    assert snap_compare(seeded_app(store_path), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24)])
def test_small_terminal(snap_compare, store_path, size):
    async def run_before(pilot) -> None:
        await _scroll_to_first_highlight(pilot)

    assert snap_compare(seeded_app(store_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["160x45", "80x24"])
def test_compare_matrix(snap_compare, store_path, size):
    async def run_before(pilot) -> None:
        await pilot.press("c")
        await pilot.pause()

    assert snap_compare(seeded_app(store_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["160x45", "80x24"])
def test_compare_side_by_side(snap_compare, store_path, size):
    async def run_before(pilot) -> None:
        await pilot.press("c", "down", "left", "enter")  # China's role, side by side
        await pilot.pause()

    assert snap_compare(seeded_app(store_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["160x45", "80x24"])
def test_corpus_search(snap_compare, store_path, size):
    async def run_before(pilot) -> None:
        await pilot.press("F", *"UNSC")
        await finished(pilot, pilot.app.screen)
        await pilot.press("down", "space")
        await pilot.pause()

    assert snap_compare(seeded_app(store_path), terminal_size=size, run_before=run_before)


def test_help_at_80x24(snap_compare, store_path):
    """The ? screen: marginalia's keys by task, its second page (the end of reading, selecting)."""

    async def run_before(pilot) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("pagedown")
        # no scrollbar drawn (its cells stay, blank): its thumb's size follows the number of keys, and every engineer
        # adding a key would otherwise have to regenerate this snapshot
        pilot.app.screen.query_one("#sections").styles.scrollbar_visibility = "hidden"
        await pilot.pause()

    assert snap_compare(seeded_app(store_path, False), terminal_size=(80, 24), run_before=run_before)


def test_review_list_80x24(snap_compare, store_path, tmp_path):
    """The review list under the pane, an ambiguous highlight's second place selected above it."""
    from test_review import EDITED, QUOTE, TEXT

    path = tmp_path / "verses.txt"
    path.write_text(TEXT, encoding="utf-8")
    document = load_document(path)
    store = Store(store_path)
    for needle, theme in [(QUOTE, "verse"), ("quick brown fox", "fox"), ("removed completely", "lost")]:
        start = TEXT.index(needle)
        store.add(new_annotation(document, start, start + len(needle), [theme]))
    path.write_text(EDITED, encoding="utf-8")

    async def run_before(pilot) -> None:
        await settled(pilot)
        pilot.app.clear_notifications()
        await pilot.press("r", "enter", "right")
        await pilot.pause()

    assert snap_compare(MarginaliaApp(load_paths([path]), store), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["160x45", "80x24"])
def test_compare_cell_passages_and_cooccurrence(snap_compare, store_path, size):
    async def run_before(pilot) -> None:
        await pilot.press("c", "tab", "down", "right", "right", "enter")  # China's role: its own passages
        await pilot.pause()

    assert snap_compare(seeded_app(store_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["160x45", "80x24"])
def test_memo_editor(snap_compare, store_path, size):
    from tui.memos import MemoKey

    app = seeded_app(store_path)
    app.store.set_memo(MemoKey("document", app.documents[0].key), "# Asmolov\n\nHedges on *every* point.\n\x1b[2J")

    async def run_before(pilot) -> None:
        await settled(pilot)  # the panes behind it fully read and drawn
        await pilot.press("M")
        area = pilot.app.screen.query_one("TextArea")
        for _ in range(100):  # the cursor shows only once it has the focus (a loaded machine gives it later)
            if area.has_focus:
                break
            await pilot.pause(0.02)
        area.cursor_blink = False  # the same frame every run, whatever the blink's phase was
        area.refresh()  # (the row the cursor is on, drawn again without the blink's cursor)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
