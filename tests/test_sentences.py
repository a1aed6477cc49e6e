"""Sentences as a careful reader segments them: the seeds' every sentence, abbreviations, initials, decimals,
ellipses, quotes and brackets; motions by sentence; exact offsets (properties)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tui.document import load_document, seed_paths
from tui.sentences import sentence_at, sentence_backward, sentence_forward, sentences
from tui.textnav import paragraph_span

EXPECTED = Path(__file__).parent / "data" / "sentences"


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.stem.split("-")[0])
def test_every_sentence_of_the_seeds(path: Path) -> None:
    """tests/data/sentences/ holds each seed's sentences as read by a person, one a line (quoted sentences
    count: “... Ukraine. We see ...” is two; a bullet is not part of its sentence)."""
    text = load_document(path).text
    expected = (EXPECTED / f"{path.stem}.txt").read_text(encoding="utf-8").splitlines()
    assert [text[s:e] for s, e in sentences(text)] == expected


def test_the_seeds_sentences_with_initialisms_are_whole() -> None:
    found = {}
    for path in seed_paths():
        text = load_document(path).text
        found.update({text[s:e][:40]: text[s:e] for s, e in sentences(text)})
    assert found["The U.S. Secretary of State, Antony Blin"].endswith("against Ukraine.")
    assert found["The prohibition of nuclear-capable missi"] == (
        "The prohibition of nuclear-capable missiles was established through U.N. Security Council resolutions."
    )
    assert found["The delegation left the country on June "].endswith("etc. – than the meeting itself.")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith and Mrs. Jones met Dr. Who. They talked.", ["Mr. Smith and Mrs. Jones met Dr. Who.", "They talked."]),
        ("J. R. R. Tolkien wrote it. So did C. S. Lewis.", ["J. R. R. Tolkien wrote it.", "So did C. S. Lewis."]),
        ("The U.S. Secretary spoke at the U.N. General Assembly. Then he left.",
         ["The U.S. Secretary spoke at the U.N. General Assembly.", "Then he left."]),
        ("Use tools, e.g. Hammers, i.e. Heavy ones. Fine.", ["Use tools, e.g. Hammers, i.e. Heavy ones.", "Fine."]),
        ("See No. 5 on the list. No. Not that one.", ["See No. 5 on the list.", "No.", "Not that one."]),
        ("It rose 3.5 per cent. It fell 0.25.", ["It rose 3.5 per cent.", "It fell 0.25."]),
        ("He paused... Then went on. And… 2 more.", ["He paused...", "Then went on.", "And…", "2 more."]),
        ("Wait… and see.", ["Wait… and see."]),
        ('He said "Go." She left. (It was late.) [Sic.] “Why?” he asked. ‘Fine.’ OK',
         ['He said "Go."', "She left.", "(It was late.)", "[Sic.]", "“Why?” he asked.", "‘Fine.’", "OK"]),
        ("They sang anthems etc. – than the rest. Many came, etc. Then all left.",
         ["They sang anthems etc. – than the rest.", "Many came, etc.", "Then all left."]),
        ("At 5 p.m. The doors opened. Really!? Yes.", ["At 5 p.m.", "The doors opened.", "Really!?", "Yes."]),
        ("Items:\n• First one. Second.\n• Third", ["Items:", "First one.", "Second.", "Third"]),
        ("One.\n\n  • Two\n\nThree", ["One.", "Two", "Three"]),
        ("中文句子。第二句！第三？", ["中文句子。", "第二句！", "第三？"]),
        ("Шойгу прибыл. Визит начался.", ["Шойгу прибыл.", "Визит начался."]),
    ],
)  # fmt: skip
def test_sentences(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in sentences(text)] == expected


SENTENCES = 'He said "Go." She left!  Why?\nNo idea… Fine\n\nNew para. End'


@pytest.mark.parametrize(
    "offset, expected",
    [(0, "He said \"Go.\""), (12, "He said \"Go.\""), (13, "She left!"), (14, "She left!"),
     (25, "Why?"), (30, "No idea…"), (38, "Fine"), (43, "Fine"), (44, "Fine"), (45, "New para."), (55, "End"),
     (58, "End"), (99, "End")],
)  # fmt: skip
def test_sentence_at(offset: int, expected: str) -> None:
    start, end = sentence_at(SENTENCES, offset)
    assert SENTENCES[start:end] == expected


def test_motions_visit_every_sentence_start_in_order() -> None:
    text = "Mr. A went. B came!\n\n\n  • C left… D stayed.\n\nE"
    starts = [s for s, _ in sentences(text)]
    forward, at = [], 0
    while at < len(text):
        at = sentence_forward(text, at)
        forward.append(at)
    assert forward == starts[1:] + [len(text)]
    backward, at = [], len(text)
    while at > 0:
        at = sentence_backward(text, at)
        backward.append(at)
    assert backward == starts[::-1]


def test_a_paragraph_longer_than_the_window_is_segmented_alike() -> None:
    """In a book-long paragraph, the sentence at the cursor is found around it, not from the paragraph's start:
    the same spans either way."""
    words = "word " * 1500
    text = f"Start. {words}No. 5 here. {words}Mr. X. {words}end"
    whole = sentences(text)
    for offset in range(0, len(text), 97):
        expected = next(span for span in whole if offset < span[1])
        assert sentence_at(text, offset) == expected
        assert sentence_forward(text, offset) == next((s for s, _ in whole if s > offset), len(text))


PIECES = [
    "word", "Word", "a", "B", "x9", "Шойгу", "é", "e\u0301", "漢字", "。", " ", "  ", "\t", "\n", "\n\n", "\n \n",
    ".", "!", "?", "…", "...", ",", "-", "—", "(", ")", "\"", "“", "”", "’", "»", "]", "Mr.", "U.S.", "e.g.",
    "No.", "5", "3.5", "J.", "• ", "\n• ",
]  # fmt: skip
TEXT = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.text(st.sampled_from("aA .!?\n\t\"'”•é\u0301"), max_size=60),
    st.text(max_size=40),
)
BLANK_LINE = re.compile(r"\n[ \t]*\n")


@given(TEXT)
@example("A.\n \nB")
@example('Go." Now')
def test_sentences_are_trimmed_ordered_and_within_a_paragraph(text: str) -> None:
    found = sentences(text)
    previous_end = 0
    for start, end in found:
        assert previous_end <= start < end <= len(text)
        inside = text[start:end]
        assert inside == inside.strip() and BLANK_LINE.search(inside) is None
        previous_end = end
    covered = {i for s, e in found for i in range(s, e)}
    for i, ch in enumerate(text):  # every character but spaces and bullets is in a sentence
        if not ch.isspace() and i not in covered:
            assert ch in "•‣◦▪▸–—*-·", (i, text)


@given(TEXT, st.data())
@example("A.\n \nB", None)
def test_the_sentence_at_an_offset_holds_it(text: str, data: st.DataObject | None) -> None:
    offsets = [data.draw(st.integers(0, len(text)))] if data else range(len(text) + 1)
    for offset in offsets:
        start, end = sentence_at(text, offset)
        if start == end:
            continue
        assert (start, end) in sentences(text, *paragraph_span(text, offset))
        if offset < len(text) and not text[offset].isspace() and text[offset] not in "•‣◦▪▸–—*-·":
            assert start <= offset < end


@given(TEXT, st.data())
def test_sentence_motions_go_to_the_next_and_previous_start(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    starts = [s for s, _ in sentences(text)]
    assert sentence_forward(text, offset) == next((s for s in starts if s > offset), len(text))
    assert sentence_backward(text, offset) == next((s for s in reversed(starts) if s < offset), 0)
