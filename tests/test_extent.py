"""A highlight's extent moved by a word or a sentence at either end (the core of the reader's ``E``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.extent import moved
from tui.sentences import sentences

TEXT = "Mr. A went home. B came back! C left."
A_WENT_HOME = (4, 15)  # "A went home", without its period


@pytest.mark.parametrize(
    "span, edge, unit, forward, expected",
    [
        (A_WENT_HOME, "end", "word", True, "A went home."),  # the rest of the word: its period
        ((4, 16), "end", "word", True, "A went home. B"),
        (A_WENT_HOME, "end", "word", False, "A went"),
        (A_WENT_HOME, "start", "word", True, "went home"),
        (A_WENT_HOME, "start", "word", False, "Mr. A went home"),
        (A_WENT_HOME, "end", "sentence", True, "A went home."),
        ((4, 16), "end", "sentence", True, "A went home. B came back!"),
        ((4, 29), "end", "sentence", False, "A went home."),
        (A_WENT_HOME, "end", "sentence", False, "A went home"),  # no sentence ends inside it: unchanged
        ((0, 29), "start", "sentence", True, "B came back!"),
        (A_WENT_HOME, "start", "sentence", True, "A went home"),  # the next sentence starts after it: unchanged
        (A_WENT_HOME, "start", "sentence", False, "Mr. A went home"),
        ((0, 2), "start", "word", True, "Mr"),  # one word: it stays
        ((0, 3), "end", "word", False, "Mr."),
        ((31, 37), "end", "word", True, "left."),  # at the text's end
    ],
)
def test_moved(span: tuple[int, int], edge: str, unit: str, forward: bool, expected: str) -> None:
    start, end = moved(TEXT, *span, edge, unit, forward)  # type: ignore[arg-type]
    assert TEXT[start:end] == expected


WORDS = st.lists(st.sampled_from(["Mr.", "A", "went", "home.", "B!", "“Yes,”", "\n\n", "e.g.", "x"]), max_size=20)


@given(WORDS.map(" ".join), st.data())
def test_a_moved_span_is_trimmed_not_empty_and_moves_the_one_edge(text: str, data: st.DataObject) -> None:
    spans = sentences(text)
    if not spans:
        return
    start, end = data.draw(st.sampled_from(spans))
    edge = data.draw(st.sampled_from(["start", "end"]))
    unit = data.draw(st.sampled_from(["word", "sentence"]))
    forward = data.draw(st.booleans())
    new_start, new_end = moved(text, start, end, edge, unit, forward)
    assert 0 <= new_start < new_end <= len(text)
    assert text[new_start:new_end] == text[new_start:new_end].strip()
    if edge == "end":
        assert new_start == start and (new_end >= end if forward else new_end <= end)
    else:
        assert new_end == end and (new_start >= start if forward else new_start <= start)
