"""Undo and redo against a real store: every change taken back leaves the annotations and themes as they were."""

from __future__ import annotations

import itertools
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import annotation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.history import Created, Deleted, Edited, History, ThemeEdit, ThemesChanged
from tui.model import Annotation, Theme
from tui.storage import StoreError
from tui.store import ConflictError, NotFound, Store

VOLATILE = ("rev", "updated")  # an undo is a new revision: it must not look like the old one to other processes


def records(store: Store, exact: bool = False) -> list[dict[str, Any]]:
    found = [a.to_record() for a in store.annotations()]
    if not exact:
        for record in found:
            for key in VOLATILE:
                del record[key]
    return found


def state(store: Store, exact: bool = False) -> tuple[list[dict[str, Any]], list[Theme]]:
    """What a user sees: every annotation's record, every theme's name, colour and description."""
    return records(store, exact), store.themes()


def revs(store: Store) -> dict[str, int]:
    return {a.id: a.rev for a in store.annotations()}


def assert_revs_never_go_back(before: dict[str, int], store: Store) -> None:
    now = revs(store)
    assert all(now[i] >= rev for i, rev in before.items() if i in now)


@pytest.fixture
def seeded(store: Store) -> Store:
    """Three annotations on two documents under three themes, one with a description and a chosen colour."""
    store.add(annotation(0, 5, ["Sanctions", "Military"]))
    store.add(annotation(10, 20, ["Military"], path="/other.txt"))
    store.add(annotation(30, 35, ["Diplomacy"]))
    store.describe_theme("Sanctions", "economic pressure")
    store.recolour_theme("Sanctions", "#123456")
    return store


def by_theme(store: Store, name: str) -> list[Annotation]:
    return store.annotations(theme=name)


# -- Created ------------------------------------------------------------------------------------------------------
def test_created_undo_and_redo(seeded: Store) -> None:
    before = state(seeded, exact=True)
    change = Created(annotation(40, 45, ["Military"]))
    change.apply(seeded)
    after = state(seeded, exact=True)
    assert len(after[0]) == 4 and after[1] == before[1]
    change.revert(seeded)
    assert state(seeded, exact=True) == before
    change.apply(seeded)
    assert state(seeded, exact=True) == after


def test_undoing_a_highlight_takes_away_the_theme_it_created(seeded: Store) -> None:
    before = state(seeded, exact=True)
    change = Created(annotation(40, 45, ["Military", "Brand new"]))
    change.apply(seeded)
    assert [t.name for t in seeded.themes()] == ["Brand new", "Diplomacy", "Military", "Sanctions"]
    change.revert(seeded)
    assert state(seeded, exact=True) == before
    change.apply(seeded)  # redo brings it back, in the same colour
    assert [t.name for t in seeded.themes()] == ["Brand new", "Diplomacy", "Military", "Sanctions"]


def test_a_theme_spelt_twice_is_created_and_taken_back_once(seeded: Store) -> None:
    before = state(seeded, exact=True)
    change = Created(annotation(40, 45, ["Fresh", "FRESH", " fresh "]))
    change.apply(seeded)
    assert seeded.get(change.annotation.id).themes == ["Fresh"]
    change.revert(seeded)
    assert state(seeded, exact=True) == before


def test_a_theme_the_highlight_created_stays_if_another_uses_it_by_then(seeded: Store) -> None:
    change = Created(annotation(40, 45, ["Brand new"]))
    change.apply(seeded)
    other = seeded.add(annotation(50, 55, ["brand NEW"]))
    change.revert(seeded)
    assert seeded.theme("Brand new").name == "Brand new"
    assert seeded.get(other.id).themes == ["Brand new"]


# -- Deleted ------------------------------------------------------------------------------------------------------
def test_deleted_undo_and_redo(seeded: Store) -> None:
    before = state(seeded, exact=True)
    victim = seeded.annotations()[0]
    change = Deleted(victim)
    change.apply(seeded)
    after = state(seeded, exact=True)
    assert victim.id not in revs(seeded) and after[1] == before[1]  # its themes stay
    change.revert(seeded)
    assert state(seeded, exact=True) == before
    change.apply(seeded)
    assert state(seeded, exact=True) == after


def test_undoing_a_delete_brings_back_what_was_deleted_not_what_the_view_held(seeded: Store) -> None:
    seen = seeded.annotations()[0]  # what the reader showed when the user pressed delete
    seeded.update(seen.id, note="added in another window")
    before = state(seeded, exact=True)
    change = Deleted(seen)
    change.apply(seeded)
    change.revert(seeded)
    assert state(seeded, exact=True) == before
    assert seeded.get(seen.id).note == "added in another window"


# -- Edited -------------------------------------------------------------------------------------------------------
def test_edited_undo_and_redo(seeded: Store) -> None:
    before = state(seeded)
    old_revs = revs(seeded)
    first = seeded.annotations()[0]
    after = replace(first, themes=["Diplomacy"], note="a note")
    change = Edited(first, after, expect_rev=first.rev)
    change.apply(seeded)
    assert seeded.get(first.id).themes == ["Diplomacy"] and seeded.get(first.id).note == "a note"
    edited = state(seeded)
    change.revert(seeded)
    assert state(seeded) == before
    assert seeded.get(first.id).rev == first.rev + 2
    assert_revs_never_go_back(old_revs, seeded)
    change.apply(seeded)  # redo: no conflict with its own undo
    assert state(seeded) == edited
    change.revert(seeded)
    assert state(seeded) == before


def test_undoing_an_edit_takes_away_the_theme_it_created(seeded: Store) -> None:
    before = state(seeded)
    first = seeded.annotations()[0]
    change = Edited(first, replace(first, themes=["Sanctions", "Fresh"]), expect_rev=first.rev)
    change.apply(seeded)
    assert "Fresh" in [t.name for t in seeded.themes()]
    change.revert(seeded)
    assert state(seeded) == before


def test_an_edit_with_a_stale_revision_is_a_conflict_and_changes_nothing(seeded: Store, store_path: Path) -> None:
    first = seeded.annotations()[0]
    seeded.update(first.id, note="edited elsewhere")  # rev 2 now
    before, raw = state(seeded, exact=True), store_path.read_bytes()
    change = Edited(first, replace(first, themes=["Other"], note="mine"), expect_rev=first.rev)
    with pytest.raises(ConflictError, match=r"was changed elsewhere meanwhile \(revision 2, you edited 1\)"):
        change.apply(seeded)
    assert state(seeded, exact=True) == before and store_path.read_bytes() == raw
    assert not any(t.name == "Other" for t in seeded.themes())
    history = History()
    with pytest.raises(ConflictError):  # through the history too: a failed redo stays to be redone
        history.undone.append(change)
        history.redo(seeded)
    assert history.undone == [change] and history.done == []
    assert state(seeded, exact=True) == before


def test_reattaching_is_undone_offsets_and_all(seeded: Store) -> None:
    orphan = seeded.annotations()[0]
    seeded.put(replace(orphan, status="fuzzy", score=0.75, rev=orphan.rev + 1))
    orphan = seeded.get(orphan.id)
    before = state(seeded)
    moved = replace(orphan, start=100, end=110, quote="y" * 10, prefix="p", suffix="s", status="anchored", score=None)
    change = Edited(orphan, moved, expect_rev=orphan.rev, anchor=True)
    change.apply(seeded)
    now = seeded.get(orphan.id)
    assert (now.start, now.end, now.quote, now.status, now.score) == (100, 110, "y" * 10, "anchored", None)
    change.revert(seeded)
    assert state(seeded) == before
    assert seeded.get(orphan.id).score == 0.75


# -- ThemesChanged ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind, names, target",
    [
        ("rename", ["Sanctions"], "Embargo"),
        ("rename", ["sanctions"], "SANCTIONS"),  # only the spelling changes
        ("merge", ["Sanctions"], "Military"),  # into an existing theme, that one annotation already has
        ("merge", ["Sanctions", "Diplomacy"], "Politics"),  # into a new one
        ("merge", ["Diplomacy"], "diplomacy"),  # into itself
        ("delete", ["Sanctions"], ""),
        ("delete", ["Diplomacy"], ""),  # its only annotation is left with no theme
    ],
)
def test_theme_changes_undo_and_redo(seeded: Store, kind: str, names: list[str], target: str) -> None:
    before = state(seeded)
    old_revs = revs(seeded)
    untouched = [r for r in records(seeded, exact=True) if not {t.casefold() for t in r["themes"]} & {
        n.casefold() for n in [*names, target]}]  # fmt: skip
    change = ThemesChanged(kind, names, target)
    change.apply(seeded)
    after = state(seeded)
    assert after != before or target.casefold() in {n.casefold() for n in names}
    change.revert(seeded)
    assert state(seeded) == before  # names, colours, descriptions, and every annotation's themes
    assert seeded.theme("Sanctions") == Theme("Sanctions", "#123456", "economic pressure")
    assert all(r in records(seeded, exact=True) for r in untouched)  # the others were not even rewritten
    assert_revs_never_go_back(old_revs, seeded)
    change.apply(seeded)
    assert state(seeded) == after
    change.revert(seeded)
    assert state(seeded) == before


def test_theme_changes_do_what_they_say(seeded: Store) -> None:
    ThemesChanged("rename", ["Sanctions"], "Embargo").apply(seeded)
    assert seeded.theme("Embargo") == Theme("Embargo", "#123456", "economic pressure")
    assert [a.themes for a in by_theme(seeded, "Embargo")] == [["Embargo", "Military"]]
    ThemesChanged("merge", ["Embargo"], "Military").apply(seeded)
    assert [t.name for t in seeded.themes()] == ["Diplomacy", "Military"]
    assert [a.themes for a in seeded.annotations()] == [["Military"], ["Diplomacy"], ["Military"]]
    ThemesChanged("delete", ["Military"]).apply(seeded)
    assert [a.themes for a in seeded.annotations()] == [[], ["Diplomacy"], []]


def test_a_rename_onto_an_existing_theme_fails_and_changes_nothing(seeded: Store) -> None:
    before = state(seeded, exact=True)
    with pytest.raises(StoreError, match="already exists; merge instead"):
        ThemesChanged("rename", ["Sanctions"], "military").apply(seeded)
    assert state(seeded, exact=True) == before


# -- History ------------------------------------------------------------------------------------------------------
def test_history_undo_redo_order_and_a_new_change_clears_redo(seeded: Store) -> None:
    history = History()
    assert history.undo(seeded) is None and history.redo(seeded) is None
    states = [state(seeded)]
    changes = [Created(annotation(40, 45, ["Military"])), ThemesChanged("rename", ["Military"], "Army")]
    for change in changes:
        change.apply(seeded)
        history.record(change)
        states.append(state(seeded))
    assert history.undo(seeded) is changes[1] and state(seeded) == states[1]
    assert history.undo(seeded) is changes[0] and state(seeded) == states[0]
    assert history.undo(seeded) is None and state(seeded) == states[0]
    assert history.redo(seeded) is changes[0] and state(seeded) == states[1]
    other = Deleted(seeded.annotations()[-1])
    other.apply(seeded)
    history.record(other)
    assert history.undone == [] and history.redo(seeded) is None
    assert history.done == [changes[0], other]
    assert history.undo(seeded) is other and state(seeded) == states[1]


def test_history_keeps_the_last_limit_changes() -> None:
    history = History(limit=3)
    changes = [Deleted(annotation()) for _ in range(5)]
    for change in changes:
        history.record(change)
    assert history.done == changes[2:]


def test_a_failed_undo_leaves_the_history_as_it_was(seeded: Store) -> None:
    history = History()
    change = Created(annotation(40, 45, ["Military"]))
    change.apply(seeded)
    history.record(change)
    seeded.delete(change.annotation.id)  # deleted by another process meanwhile
    with pytest.raises(NotFound):
        history.undo(seeded)
    assert history.done == [change] and history.undone == []


# -- any sequence of changes, undone and redone -------------------------------------------------------------------
THEMES = ["Sanctions", "Military", "Diplomacy", "sanctions", "New", "Other one"]
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.lists(st.sampled_from(THEMES), max_size=3)),
        st.tuples(
            st.just("edit"), st.integers(0, 9), st.lists(st.sampled_from(THEMES), max_size=3), st.text(max_size=3)
        ),
        st.tuples(st.just("delete"), st.integers(0, 9)),
        st.tuples(st.just("rename"), st.sampled_from(THEMES), st.sampled_from(THEMES)),
        st.tuples(
            st.just("merge"),  # the reader merges one theme at a time; the store refuses repeats (KeyError)
            st.lists(st.sampled_from(THEMES), min_size=1, max_size=2, unique_by=str.casefold),
            st.sampled_from(THEMES),
        ),
        st.tuples(st.just("untheme"), st.sampled_from(THEMES)),
        st.just(("undo",)),
        st.just(("redo",)),
    ),
    max_size=14,
)


@pytest.fixture
def quick_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """No fsync: durability is the store's own tests' business; here hundreds of writes must be quick."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


_fresh = itertools.count()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS)
def test_any_sequence_of_changes_undoes_and_redoes_exactly(tmp_path: Path, quick_writes: None, ops: list) -> None:
    store = Store(tmp_path / f"run-{next(_fresh)}" / "annotations.json")
    store.add(annotation(0, 5, ["Sanctions", "Military"]))
    store.add(annotation(10, 20, ["Diplomacy"]))
    history = History()
    past: list[Any] = []  # the state before each change that can be undone
    future: list[Any] = []  # the state after each change that can be redone
    for number, op in enumerate(ops):
        current = state(store)
        old_revs = revs(store)
        if op[0] in ("undo", "redo"):
            step = history.undo if op[0] == "undo" else history.redo
            expected = (past if op[0] == "undo" else future).pop() if (past if op[0] == "undo" else future) else None
            done = step(store)
            assert (done is None) == (expected is None)
            if expected is not None:
                (future if op[0] == "undo" else past).append(current)
                assert state(store) == expected, (number, op)
            else:
                assert state(store) == current
        else:
            change = make_change(store, op, number)
            if change is None:
                continue
            try:
                change.apply(store)
            except (StoreError, ValueError):
                assert state(store) == current  # a refused change changes nothing and is not recorded
                continue
            history.record(change)
            past.append(current)
            future.clear()
        assert_revs_never_go_back(old_revs, store)


def make_change(store: Store, op: tuple, number: int) -> Any:
    annotations = store.annotations()
    kind = op[0]
    if kind == "create":
        return Created(annotation(100 + number, 105 + number, list(op[1])))
    if not annotations and kind in ("edit", "delete"):
        return None
    if kind == "edit":
        before = annotations[op[1] % len(annotations)]
        return Edited(before, replace(before, themes=list(op[2]), note=op[3]), expect_rev=before.rev)
    if kind == "delete":
        return Deleted(annotations[op[1] % len(annotations)])
    names = {t.key for t in store.themes()}
    sources = [op[1]] if kind in ("rename", "untheme") else op[1]
    if not all(s.casefold() in names for s in sources):
        return None
    if kind == "rename":
        return ThemesChanged("rename", [op[1]], op[2])
    if kind == "merge":
        return ThemesChanged("merge", list(op[1]), op[2])
    return ThemesChanged("delete", [op[1]])


# -- ThemeEdit ----------------------------------------------------------------------------------------------------
def test_a_theme_edit_describes_or_recolours_and_can_be_taken_back(seeded: Store) -> None:
    before = state(seeded, exact=True)
    describe = ThemeEdit("sanctions", description="  export controls ")
    describe.apply(seeded)
    assert seeded.theme("Sanctions").description == "export controls"
    recolour = ThemeEdit("Sanctions", colour="#abcdef")
    recolour.apply(seeded)
    assert seeded.theme("Sanctions") == Theme("Sanctions", "#ABCDEF", "export controls")
    recolour.revert(seeded)
    describe.revert(seeded)
    assert state(seeded, exact=True)[1] == before[1]


def test_a_bad_colour_changes_nothing(seeded: Store) -> None:
    before = state(seeded, exact=True)
    with pytest.raises(StoreError):
        ThemeEdit("Sanctions", colour="red").apply(seeded)
    assert state(seeded, exact=True) == before
