"""The review list in the reader: a real document tagged, edited so that re-anchoring is unsure (two copies of a
verse, a fuzzy match, a deleted sentence), then reviewed with the keys a reader uses, checked on the rendered
screen and in the store; each verdict is one store write and undoable."""

from __future__ import annotations

from pathlib import Path

import pytest
from screen import screen, span_cells, view_rows

from tui import review
from tui.document import load_document, load_paths
from tui.model import new_annotation
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.document_view import DocumentView
from tui.ui.review import ReviewPanel

VERSE = "And the LORD spake unto Moses, saying, Speak unto the children of Israel, and say unto them.\n\n"
TEXT = (
    f"Title\n\n{VERSE}Between the two verses stands a line of other words.\n\n{VERSE}"
    "The quick brown fox jumps over the lazy dog near the riverbank today.\n\n"
    "A sentence that will be removed completely from the text.\n\nThe end of it all.\n"
)
EDITED = (
    TEXT.replace("Title", "A longer title")
    .replace("Between the two", "Betwixt the two")
    .replace("quick brown fox jumps", "quick red fox leaps")
    .replace("A sentence that will be removed completely from the text.\n\n", "")
)
QUOTE = "Speak unto the children of Israel"


@pytest.fixture
def edited(write_doc, store_path: Path) -> Path:
    """One document tagged three times, then edited: an ambiguous, a fuzzy and an orphan highlight."""
    path = write_doc("verses.txt", TEXT)
    document = load_document(path)
    store = Store(store_path)
    for needle, theme in [(QUOTE, "verse"), ("quick brown fox jumps over the lazy dog", "fox"),
                          ("removed completely from", "lost")]:  # fmt: skip
        start = TEXT.index(needle)
        store.add(new_annotation(document, start, start + len(needle), [theme]))
    path.write_text(EDITED, encoding="utf-8")
    return path


async def settle(pilot, app: MarginaliaApp) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def heard(app: MarginaliaApp) -> list[str]:
    """Every notice the app gives from now on (kept: a loaded machine outlives a notice's timeout)."""
    said: list[str] = []
    notify = app.notify

    def keep(message: str, **options) -> None:
        said.append(message)
        notify(message, **options)

    app.notify = keep  # type: ignore[method-assign]
    return said


def by_theme(store_path: Path) -> dict:
    return {a.themes[0]: a for a in Store(store_path).annotations()}


def selection_colour(view: DocumentView) -> str:
    colour = view.get_component_rich_style("document-view--selection").bgcolor
    assert colour is not None
    return colour.get_truecolor().hex.upper()


def selected(app: MarginaliaApp, view: DocumentView, start: int, end: int) -> bool:
    """Whether the characters ``start:end`` (but the last, where the cursor stands) are drawn selected."""
    cells = span_cells(app, view, start, end - 1)
    return bool(cells) and {c.background for c in cells} == {selection_colour(view)}


async def test_review_list_shows_steps_accepts_and_undoes(edited: Path, store_path: Path):
    app = MarginaliaApp(load_paths([edited]), Store(store_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        view = app.query_one(DocumentView)
        first, second = EDITED.index(QUOTE), EDITED.index(QUOTE, EDITED.index(QUOTE) + 1)
        assert by_theme(store_path)["verse"].status == "ambiguous"
        await pilot.press("r")
        rows = screen(app).rows
        assert any("Review: 3 highlights to check" in r for r in rows)
        assert any("verse · ambiguous: 2 places fit about as well" in r for r in rows)
        assert any("fox · fuzzy 0.90: the text differs from the quote" in r for r in rows)
        assert any("lost · orphan: not found; select its place and accept" in r for r in rows)
        assert isinstance(app.focused.parent, ReviewPanel)  # type: ignore[union-attr]

        await pilot.press("enter")  # the first place, selected in the pane above the list
        assert selected(app, view, first, first + len(QUOTE))
        assert any(f"place 1 of 2 at {first}:{first + len(QUOTE)}" in r for r in screen(app).rows)
        await pilot.press("right")  # the second copy of the verse
        assert selected(app, view, second, second + len(QUOTE)) and not selected(app, view, first, first + 5)
        assert any(f"place 2 of 2 at {second}:{second + len(QUOTE)} · score 0.92 · “{QUOTE}”" in r
                   for r in screen(app).rows)  # fmt: skip

        await pilot.press("y")
        await settle(pilot, app)
        verse = by_theme(store_path)["verse"]
        assert (verse.status, verse.start, verse.quote, verse.candidates) == ("anchored", second, QUOTE, None)
        assert verse.prefix == EDITED[second - 32 : second]
        assert any("Review: 2 highlights to check" in r for r in screen(app).rows)
        assert not any("verse ·" in r for r in view_rows(app, app.query_one(ReviewPanel)).rows)

        await pilot.press("u")
        await settle(pilot, app)
        back = by_theme(store_path)["verse"]
        assert (back.status, back.start, [c["start"] for c in back.candidates or []]) == (
            "ambiguous", first, [first, second])  # fmt: skip
        assert any("Review: 3 highlights to check" in r for r in screen(app).rows)
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert by_theme(store_path)["verse"].status == "anchored"


async def test_reject_makes_an_orphan_in_one_write_and_undo_brings_it_back(edited: Path, store_path: Path):
    store = Store(store_path)
    app = MarginaliaApp(load_paths([edited]), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        view = app.query_one(DocumentView)
        fox = by_theme(store_path)["fox"]
        fox_colour = app.colour_of(fox)
        assert {c.background for c in span_cells(app, view, fox.start, fox.end)} == {fox_colour.upper()}
        writes = []
        commit = store.storage.commit
        store.storage.commit = lambda: (writes.append(1), commit())[1]  # type: ignore[method-assign]
        await pilot.press("r", "down")
        await pilot.press("x")
        await settle(pilot, app)
        assert writes == [1]  # one atomic store write
        assert (by_theme(store_path)["fox"].status, by_theme(store_path)["fox"].quote) == (
            "orphan", "quick brown fox jumps over the lazy dog")  # fmt: skip
        assert fox_colour.upper() not in {c.background for c in span_cells(app, view, fox.start, fox.end)}
        rows = screen(app).rows
        assert any("fox · orphan: not found; select its place and accept" in r for r in rows)
        await pilot.press("u")
        await settle(pilot, app)
        assert by_theme(store_path)["fox"].status == "fuzzy"
        assert {c.background for c in span_cells(app, view, fox.start, fox.end)} == {fox_colour.upper()}


async def test_an_orphan_is_accepted_at_the_passage_selected_in_its_pane(edited: Path, store_path: Path):
    app = MarginaliaApp(load_paths([edited]), Store(store_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        said = heard(app)
        await pilot.press("r", "down", "down")
        await pilot.press("y")  # nothing selected yet: nothing happens
        await settle(pilot, app)
        assert by_theme(store_path)["lost"].status == "orphan"
        assert any("No place to accept" in m for m in said)
        await pilot.press("tab")  # to the pane: select the place by hand
        view = app.query_one(DocumentView)
        assert app.focused is view
        start = EDITED.index("The end of it all")
        view.move_to(start)
        await pilot.press(*["shift+right"] * len("The end"))
        await pilot.press("r", "y")  # back to the list, accept
        await settle(pilot, app)
        lost = by_theme(store_path)["lost"]
        assert (lost.status, lost.start, lost.end, lost.quote) == ("anchored", start, start + 7, "The end")
        assert any("Review: 2 highlights to check" in r for r in screen(app).rows)
        await pilot.press("r")  # from the list: closes it, back to the pane
        assert not app.query_one(ReviewPanel).shown and app.focused is view


async def test_review_from_the_command_palette_and_nothing_to_review(write_doc, store_path: Path):
    path = write_doc("plain.txt", TEXT)
    document = load_document(path)
    Store(store_path).add(new_annotation(document, 0, 5, ["title"]))
    app = MarginaliaApp(load_paths([path]), Store(store_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        said = heard(app)
        await pilot.press("ctrl+p", *"review")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(ReviewPanel).shown
        assert any("Review: nothing to check" in r for r in screen(app).rows)
        assert any("Nothing to review" in m for m in said)


def test_places_and_verdicts_in_the_core(edited: Path, store_path: Path):
    from tui import library

    document = load_document(edited)
    library.reconcile(Store(store_path), [document])
    found = review.to_review(Store(store_path).annotations())
    assert [a.themes[0] for a in found] == ["verse", "fox", "lost"]
    verse, fox, lost = found
    assert [(p.start, p.end) for p in review.places(verse)] == [(c["start"], c["end"]) for c in verse.candidates]
    assert [(p.start, p.end, p.score) for p in review.places(fox)] == [(fox.start, fox.end, fox.score)]
    assert review.places(lost) == []
    accepted = review.accept(fox, document, review.places(fox)[0])
    assert (accepted.status, accepted.quote) == ("anchored", "quick red fox leaps over the lazy dog")
    rejected = review.reject(verse)
    assert (rejected.status, rejected.candidates, rejected.score, rejected.quote) == ("orphan", None, None, QUOTE)
