"""Moving by words, sentences and paragraphs, trimming, and smart-case search with wrap-around."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tui import textnav
from tui.textnav import (
    find,
    find_all,
    match_starts,
    paragraph_backward,
    paragraph_forward,
    paragraph_span,
    paragraph_start,
    smart_case,
    trim,
    word_backward,
    word_forward,
)

PIECES = [
    "word", "Word", "a", "B", "x9", "snake_case", "Шойгу", "é", "e\u0301", "\u0301", "हिन्दी", "漢字", "😀",
    " ", "  ", "\t", "\n", "\n\n", "\n \n", "\n\t\n\n", ".", "!", "?", "…", "...", ",", "-", "—", "(", ")", "\"",
    "”", "’", "»", "]", "Mr.", "ß", "ẞ",
]  # fmt: skip
TEXT = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.text(st.sampled_from("ab .!?\n\t\"'é\u0301"), max_size=60),
    st.text(max_size=60),
)
BLANK_LINE = re.compile(r"\n[ \t]*\n")
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")  # a blank line and all the space after it

# -- words --------------------------------------------------------------------------------------------------------
PROSE = "The minister arrived, unannounced... Then: talks!"


@pytest.mark.parametrize(
    "offset, expected",
    [
        (0, 4),
        (1, 4),
        (4, 13),
        (12, 13),
        (13, 20),
        (20, 22),
        (21, 22),
        (22, 33),
        (33, 37),
        (37, 41),
        (41, 43),
        (43, 48),
        (48, 49),
        (49, 49),
    ],
)
def test_word_forward(offset: int, expected: int) -> None:
    assert word_forward(PROSE, offset) == expected


@pytest.mark.parametrize(
    "offset, expected",
    [(49, 48), (48, 43), (45, 43), (43, 41), (41, 37), (37, 33), (35, 33), (33, 22), (24, 22), (22, 20), (21, 20),
     (20, 13), (13, 4), (4, 0), (2, 0), (0, 0)],
)  # fmt: skip
def test_word_backward(offset: int, expected: int) -> None:
    assert word_backward(PROSE, offset) == expected


def test_words_are_whole_across_scripts_and_accents() -> None:
    text = "re\u0301sume\u0301 हिन्दी Шойгу_2 ok"
    assert word_forward(text, 0) == 9  # "résumé" spelt with combining accents is one word
    assert word_forward(text, 9) == 16  # so is Hindi, vowel signs and all
    assert word_forward(text, 16) == 24
    assert word_backward(text, 24) == 16
    assert word_backward(text, 16) == 9
    assert word_backward(text, 9) == 0
    assert word_backward(text, 5) == 0


def test_word_backward_finds_the_start_of_a_very_long_word() -> None:
    text = "go " + "x" * 5000 + " end"
    assert word_backward(text, 5003) == 3
    assert word_backward(text, 5004) == 3
    assert word_backward(text, len(text)) == 5004
    assert word_forward(text, 3) == 5004


# -- paragraphs ---------------------------------------------------------------------------------------------------
PARAGRAPHS = "First para.\nStill first.\n\nSecond.\n \t\n\nThird"


def test_paragraph_forward_and_backward() -> None:
    assert [PARAGRAPHS[s - 1 : s + 1] for s in (26, 38)] == ["\nS", "\nT"]  # where the paragraphs start
    assert [paragraph_forward(PARAGRAPHS, o) for o in (0, 5, 24, 26, 30, 38)] == [26, 26, 26, 38, 38, 43]
    # from a paragraph's start to the previous one's, over a blank line with spaces and a second blank line
    assert [paragraph_backward(PARAGRAPHS, o) for o in (43, 38, 30, 26, 5, 0)] == [38, 26, 26, 0, 0, 0]
    assert [paragraph_start(PARAGRAPHS, o) for o in (0, 25, 26, 36, 38, 43)] == [0, 0, 26, 26, 38, 38]
    assert paragraph_span(PARAGRAPHS, 5) == (0, 24)
    assert paragraph_span(PARAGRAPHS, 30) == (26, 33)
    assert paragraph_span(PARAGRAPHS, 40) == (38, 43)


def test_paragraph_motion_from_a_blank_line() -> None:
    text = "A\n\nB\n\nC"
    assert paragraph_forward(text, 2) == 3  # the cursor on the blank line: the next paragraph is B, not C
    assert paragraph_backward(text, 2) == 0
    text = "A\n\n\nB\n\n\nC"
    assert [paragraph_backward(text, o) for o in (8, 4, 3, 2)] == [4, 0, 0, 0]
    assert [paragraph_forward(text, o) for o in (0, 2, 3, 4, 6)] == [4, 4, 4, 8, 8]


def test_a_paragraph_longer_than_the_search_window_still_finds_its_start() -> None:
    text = "Title\n\n" + "word " * 50_000
    assert paragraph_start(text, len(text)) == 7
    assert paragraph_backward(text, len(text) - 1) == 7
    assert paragraph_span(text, 200_000) == (7, len(text))


# -- trimming ----------------------------------------------------------------------------------------------------
def test_trim() -> None:
    assert trim("  a b \n", 0, 7) == (2, 5)
    assert trim("   ", 0, 3) == (3, 3)
    assert trim("abc", 1, 2) == (1, 2)
    assert trim("a \u3000\xa0", 0, 4) == (0, 1)  # every kind of space


# -- search -------------------------------------------------------------------------------------------------------
def test_smart_case() -> None:
    assert smart_case("shoigu") and smart_case("123 ß") and smart_case("")
    assert not smart_case("Shoigu") and not smart_case("ẞ")


@pytest.mark.parametrize(
    "query, offset, forward, expected",
    [
        ("visit", 0, True, (9, 14)),
        ("visit", 9, True, (24, 29)),  # the next one after the cursor
        ("visit", 24, True, (9, 14)),  # wraps around
        ("Visit", 0, True, (24, 29)),  # a capital makes it case-sensitive
        ("Visit", 26, True, (24, 29)),  # the only match, wrapping onto itself
        ("visit", 24, False, (9, 14)),
        ("visit", 9, False, (24, 29)),  # wraps backwards
        ("visit", 10, False, (9, 14)),
        ("VISIT", 0, True, None),
        ("", 0, True, None),
        ("s.v", 0, True, None),  # the query is literal ("s v" is there), not a pattern
    ],
)
def test_find(query: str, offset: int, forward: bool, expected: tuple[int, int] | None) -> None:
    assert find("Shoigu's visit; he said Visit again", query, offset, forward) == expected


def test_find_sees_overlapping_matches_both_ways() -> None:
    assert [find("aaaa", "aa", o) for o in (-1, 0, 1, 2)] == [(0, 2), (1, 3), (2, 4), (0, 2)]
    assert [find("aaaa", "aa", o, forward=False) for o in (3, 2, 1, 0)] == [(2, 4), (1, 3), (0, 2), (2, 4)]


# -- properties ---------------------------------------------------------------------------------------------------
def is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


@given(TEXT, st.data())
def test_word_forward_strictly_increases_to_the_end(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    seen = [offset]
    while seen[-1] < len(text):
        seen.append(word_forward(text, seen[-1]))
        assert seen[-1] > seen[-2]
    assert seen[-1] == len(text) and word_forward(text, len(text)) == len(text)
    for o in seen[1:-1]:  # each stop is where a word or a run of punctuation begins, never inside a letter
        assert not text[o].isspace() and not (is_mark(text[o]) and o and not text[o - 1].isspace())


@given(TEXT, st.data())
def test_word_backward_retraces_word_forward(text: str, data: st.DataObject) -> None:
    stops, o = [], 0
    while o < len(text):
        o = word_forward(text, o)
        stops.append(o)
    starts = sorted({0, *stops[:-1]})  # every word start, and the text's start
    offset = data.draw(st.integers(0, len(text)))
    expected = max([s for s in starts if s < offset], default=0)
    assert word_backward(text, offset) == expected


@given(TEXT, st.data())
@example("A\n\n\nB\n\n\nC", None)
def test_paragraph_motion_goes_to_the_next_and_previous_paragraph(text: str, data: st.DataObject | None) -> None:
    starts = sorted({0, len(text)} | {m.end() for m in PARAGRAPH_BREAK.finditer(text)})
    for offset in [data.draw(st.integers(0, len(text)))] if data else range(len(text) + 1):
        assert paragraph_forward(text, offset) == min(s for s in starts if s > offset or s == len(text)), offset
        assert paragraph_backward(text, offset) == max(s for s in starts if s < offset or s == 0), offset
        start, end = paragraph_span(text, offset)
        assert 0 <= start <= end <= len(text)
        assert BLANK_LINE.search(text, start, end) is None


@given(
    st.text(st.sampled_from("abAB aé\u0301жЖ."), max_size=60),
    st.text(st.sampled_from("abAB жЖ"), min_size=1, max_size=3),
    st.data(),
)
@example("aaaa", "aa", None)
def test_find_returns_a_match_of_the_query(text: str, query: str, data: st.DataObject | None) -> None:
    def matches(at: int) -> bool:
        found = text[at : at + len(query)]
        return found.casefold() == query.casefold() if smart_case(query) else found == query

    every = [i for i in range(len(text)) if matches(i)]
    for offset in [data.draw(st.integers(-1, len(text) + 1))] if data else range(-1, len(text) + 2):
        after = [i for i in every if i > offset] or every
        before = [i for i in every if i < offset] or every
        for forward, choice in ((True, after[:1]), (False, before[-1:])):
            span = find(text, query, offset, forward)
            assert span == ((choice[0], choice[0] + len(query)) if choice else None), (offset, forward)


def reference_starts(text: str, query: str, start: int, end: int) -> list[int]:
    """Every match's start as a regular expression finds them: a lookahead, so overlapping ones too."""
    pattern = re.compile(f"(?=({re.escape(query)}))", re.IGNORECASE if smart_case(query) else 0)
    return [m.start(1) for m in pattern.finditer(text, max(start, 0), end) if m.end(1) <= end]


# the letters re.IGNORECASE matches otherwise than str.lower() (İ ı ſ), the Kelvin sign, a dotted capital that
# lower-cases to two characters, and others
SEARCHED = "aAbBiIsSkK \u0130\u0131\u017f\u212a\u00dfé\u0301жЖ."


@given(
    st.text(st.sampled_from(SEARCHED), max_size=80),
    st.text(st.sampled_from(SEARCHED), min_size=1, max_size=3),
    st.integers(-2, 90),
    st.integers(0, 90),
    st.integers(1, 9),
)
@example("aaaa", "aa", 0, 4, 1)
@example("sſS\u0130i", "s", 0, 9, 2)
def test_match_starts_is_the_regular_expressions(text: str, query: str, start: int, end: int, chunk: int) -> None:
    """Chunk by chunk, lower-cased or not, every match the regular expression finds and no other."""
    end = min(end, len(text))
    assert list(match_starts(text, query, start, end, chunk)) == reference_starts(text, query, start, end)
    assert find_all(text, query) == [(s, s + len(query)) for s in reference_starts(text, query, 0, len(text))]


@pytest.mark.parametrize("many", [0, 10**9], ids=["lower-cased", "found-in-utf8"])
def test_a_case_blind_search_of_text_beyond_ascii_finds_what_the_regular_expression_does(
    many: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of prose with dashes, accents, CJK and emoji (found in their UTF-8, or in their ``str.lower()``
    where matches are many), and one with a Kelvin sign (searched by the regular expression)."""
    monkeypatch.setattr(textnav, "MANY_MATCHES", many)
    text = "The café — THE 北京 the 🙂 tHe naïve\n" * 400 + "the \u212a kelvin " + "end the" * 50
    for query in ("the", "k", "café", "end the", "e 🙂 t"):
        expected = reference_starts(text, query, 0, len(text))
        assert list(match_starts(text, query, chunk=997)) == expected, query
        assert list(match_starts(text, query, 5, len(text) - 3, chunk=4096)) == reference_starts(
            text, query, 5, len(text) - 3
        )
