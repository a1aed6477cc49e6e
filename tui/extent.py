"""A highlight's extent changed by a word or a sentence at either end. Pure functions over offsets.

A span's end is exclusive. A word here is what lies between spaces, its punctuation with it ("home." and
"“Yes,”"). Moving the end forward by a word takes in the next word (or the rest of the word it is in); back, it
lets go of the last word. Moving the start back takes in the word before; forward, it lets go of the
first word. By a sentence alike, to the sentences' edges (``sentences``). A move that would empty the span, or that
has nowhere to go, leaves it as it is; the result never begins or ends with a space.
"""

from __future__ import annotations

import re
from typing import Literal

from .sentences import sentence_at, sentence_backward, sentence_forward
from .textnav import trim

Edge = Literal["start", "end"]
Unit = Literal["word", "sentence"]
_WORD = re.compile(r"\S+")
_FIRST_WORD = re.compile(r"\S+\s+")
_LAST_WORD = re.compile(r"\S+\s*\Z")
_REACH = 10_000  # characters: no word is longer (a longer run of non-spaces is cut there)


def moved(text: str, start: int, end: int, edge: Edge, unit: Unit, forward: bool) -> tuple[int, int]:
    """``start:end`` with its ``edge`` moved by one ``unit``, ``forward`` (towards the text's end) or back."""
    if edge == "end":
        new_start, new_end = start, _end_moved(text, start, end, unit, forward)
    else:
        new_start, new_end = _start_moved(text, start, unit, forward), end
    new_start, new_end = trim(text, new_start, new_end)
    return (new_start, new_end) if new_start < new_end else (start, end)


def _end_moved(text: str, start: int, end: int, unit: Unit, forward: bool) -> int:
    if unit == "word" and forward:
        match = _WORD.search(text, end, end + _REACH)
        return match.end() if match else end
    if unit == "word":
        last = _LAST_WORD.search(text, max(start, end - _REACH), end)
        return last.start() if last else end
    if forward:
        return max(end, sentence_at(text, end)[1])
    own = sentence_at(text, max(end - 1, 0))  # the sentence holding the last character
    before = sentence_at(text, sentence_backward(text, own[0])) if own[0] > 0 else own
    return before[1] if before[1] < end else end


def _start_moved(text: str, start: int, unit: Unit, forward: bool) -> int:
    if unit == "word" and forward:
        first = _FIRST_WORD.match(text, start, start + _REACH)
        return first.end() if first else start
    if unit == "word":
        before = _LAST_WORD.search(text, max(0, start - _REACH), start)
        return before.start() if before else start
    return sentence_forward(text, start) if forward else sentence_backward(text, start)
