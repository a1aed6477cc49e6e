"""The highlight index and the row styling, without a screen (tui/highlights.py)."""

from __future__ import annotations

from conftest import annotation
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.style import Style

from tui.highlights import OVERLAP, HighlightIndex, Mark, mark_of, mark_spans, mark_style, overlaps, styled_segments

BASE = Style(color="#ffffff", bgcolor="#101010")
RED, BLUE, GREEN = "#ff0000", "#0000ff", "#00ff00"


def drawn(text: str, marks: list[Mark]) -> list[Style]:
    """The style of each character of ``text`` with ``marks`` on it, as the reader draws it."""
    styles: list[Style] = []
    for segment in styled_segments(text, mark_spans(marks), BASE):
        styles += [segment.style or BASE] * len(segment.text)
    return styles


def test_the_inner_highlight_is_drawn_on_top_whatever_the_order() -> None:
    outer, inner = Mark(0, 10, RED, "outer"), Mark(3, 6, BLUE, "inner")
    for marks in ([outer, inner], [inner, outer]):
        styles = drawn("x" * 12, marks)
        assert [s.bgcolor.name if s.bgcolor else None for s in styles] == (
            ["#ff0000"] * 3 + ["#0000ff"] * 3 + ["#ff0000"] * 4 + ["#101010"] * 2
        )


def test_only_the_overlap_is_underlined_and_bold() -> None:
    styles = drawn("x" * 10, [Mark(0, 6, RED, "a"), Mark(4, 9, BLUE, "b")])
    assert [bool(s.underline) for s in styles] == [False] * 4 + [True] * 2 + [False] * 4
    assert [bool(s.bold) for s in styles] == [False] * 4 + [True] * 2 + [False] * 4
    three = overlaps([Mark(0, 6, RED, "a"), Mark(4, 9, BLUE, "b"), Mark(5, 7, GREEN, "c"), Mark(20, 22, RED, "d")])
    assert {i for a, b in three for i in range(a, b)} == set(range(4, 7))
    assert overlaps([Mark(0, 3, RED, "a"), Mark(3, 6, BLUE, "b")]) == []  # touching is not overlapping


def test_a_single_highlight_has_no_overlap_span() -> None:
    assert OVERLAP not in [style for *_, style in mark_spans([Mark(0, 4, RED, "a")])]


def test_fuzzy_ambiguous_other_and_conflict_looks() -> None:
    plain = mark_style(RED, False)
    assert (plain.bgcolor and plain.bgcolor.name, plain.italic, plain.underline) == ("#ff0000", False, False)
    fuzzy = mark_style(RED, True)
    assert fuzzy.italic and fuzzy.underline and not fuzzy.strike
    ambiguous = mark_style(RED, False, True)
    assert ambiguous.italic and ambiguous.strike
    other = mark_style(RED, False, look="other")
    assert other.bgcolor is None and other.color and other.color.name == "#ff0000" and other.underline
    conflict = mark_style(RED, False, look="conflict")
    assert conflict.reverse and conflict.bold


def test_several_themes_colour_the_first_cell_and_a_note_makes_it_bold() -> None:
    a = annotation(2, 6, themes=["one", "two"])
    a.note = "why"
    mark = mark_of(a, (RED, BLUE), size=100)
    assert (mark.second, mark.noted) == (BLUE, True)
    styles = drawn("x" * 8, [mark])
    assert [s.bgcolor.name if s.bgcolor else None for s in styles[2:6]] == ["#0000ff", "#ff0000", "#ff0000", "#ff0000"]
    assert all(s.bold for s in styles[2:6]) and not styles[1].bold
    assert not mark_of(annotation(2, 6), (RED, ""), size=100).noted


def test_a_fuzzy_annotation_is_marked_fuzzy_and_cut_at_the_text_end() -> None:
    a = annotation(2, 50)
    a.status = "fuzzy"
    mark = mark_of(a, (RED, ""), size=10)
    assert (mark.end, mark.fuzzy, mark.ambiguous) == (10, True, False)


def test_the_index_answers_at_after_before_and_skips_orphans() -> None:
    index = HighlightIndex(100)
    outer, inner, later, orphan = annotation(0, 20), annotation(5, 8), annotation(30, 40), annotation(50, 60)
    orphan.status = "orphan"
    added, removed = index.replace([outer, inner, later, orphan], lambda a: (RED, ""), lambda a: "")
    assert (len(added), removed, len(index)) == (3, [], 3)
    assert index.at(6) is inner and index.at(2) is outer and index.at(25) is None
    assert [m.annotation_id for m in index.marks_in(10, 35)] == [outer.id, later.id]
    after = index.after(0)
    before = index.before(30)
    assert after is not None and after.annotation_id == inner.id
    assert before is not None and before.annotation_id == inner.id
    assert index.after(30) is None
    assert [a.id for a in index.sorted_annotations()] == [outer.id, inner.id, later.id]


def test_a_change_returns_only_the_marks_that_moved() -> None:
    index = HighlightIndex(100)
    a, b = annotation(0, 5), annotation(10, 15)
    index.replace([a, b], lambda _: (RED, ""), lambda _: "")
    assert index.replace([a, b], lambda _: (RED, ""), lambda _: "") == ([], [])  # nothing to redraw
    added, removed = index.put(b, (BLUE, ""))
    assert [m.colour for m in added] == [BLUE] and [m.colour for m in removed] == [RED]
    assert index.put(b, (BLUE, "")) == ([], [])
    assert [m.annotation_id for m in index.drop(a.id)[1]] == [a.id]
    assert index.at(2) is None and index.drop("no such id") == ([], [])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 15), st.integers(0, 5), st.booleans()), max_size=25))
def test_patching_the_index_keeps_it_as_a_fresh_sort_would(steps: list[tuple[int, int, int, bool]]) -> None:
    """One change at a time (``put``/``drop``) ends where building the index from scratch does."""
    index = HighlightIndex(60)
    pool = [annotation(0, 1) for _ in range(6)]
    held: dict[str, object] = {}
    for start, length, which, keep in steps:
        a = pool[which]
        if keep:
            a.start, a.end = start, start + length
            index.put(a, (RED, ""))
            held[a.id] = a
        else:
            index.drop(a.id)
            held.pop(a.id, None)
    fresh = HighlightIndex(60)
    fresh.replace([a for a in pool if a.id in held], lambda _: (RED, ""), lambda _: "")
    assert sorted(index.marks) == sorted(fresh.marks)
    assert [(m.start, m.end) for m in index.marks] == [(m.start, m.end) for m in fresh.marks]
    for offset in range(0, 60, 3):
        found, expected = index.at(offset), fresh.at(offset)
        assert (found and found.end - found.start) == (expected and expected.end - expected.start)
        assert sorted(index.marks_in(offset, offset + 5)) == sorted(fresh.marks_in(offset, offset + 5))


def test_replacing_in_steps_changes_the_index_at_the_end_compared_with_what_it_holds_then() -> None:
    """A reload marks thousands of highlights a slice at a time: nothing changes until the last slice, and a
    highlight put in between is compared with the reload's (so its rows are redrawn), as one ``replace`` would."""
    with_steps = [annotation(n * 10, n * 10 + 5) for n in range(700)]
    paint, look = (lambda a: (RED, "")), (lambda a: "")
    index = HighlightIndex(10_000)
    index.replace(with_steps[:100], paint, look)
    before = list(index.marks)
    steps = index.replacing(with_steps, paint, look)
    next(steps)  # the first slice marked: the index still holds the old highlights
    assert index.marks == before and len(index) == 100
    moved = annotation(5, 9)
    moved.id = with_steps[0].id  # changed meanwhile (put by the reader), then reloaded as the store has it
    index.put(moved, (BLUE, ""))
    while True:
        try:
            next(steps)
        except StopIteration as done:
            added, removed = done.value
            break
    assert len(index) == 700 and [m.start for m in index.marks] == [n * 10 for n in range(700)]
    assert {m.annotation_id for m in added} == {a.id for a in with_steps[100:]} | {moved.id}
    assert [m.start for m in removed] == [5]
    one = HighlightIndex(10_000)
    one.replace(with_steps, paint, look)
    assert one.marks == index.marks
