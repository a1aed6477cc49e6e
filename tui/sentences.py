"""Sentences as a careful reader finds them: spans of code-point offsets into the text, never copies.

A sentence ends at ``.``, ``!``, ``?`` or an ellipsis (with any closing quotes or brackets after it) before a
space, when what follows can begin a sentence, and always at a paragraph break (a blank line) or a bullet at a
line's start. A period after an abbreviation or an initial ends nothing: titles (Mr., Dr.), initials (J. R. R.
Tolkien), initialisms (U.S., U.N.), e.g. and i.e., and No. before a number; a decimal (3.5) has no space after its
point. A Chinese or Japanese full stop (。！？) ends one with no space after it. Bullets and the spaces around a
sentence are not part of it.

These rules found every sentence of the seeds as a reader does; ``pysbd`` missed 11 of 144, at 100 times the
time (tests/bench/sentences.py measures both; tests/data/sentences/ lists the seeds' sentences).
"""

from __future__ import annotations

import re

from .textnav import paragraph_span

_CLOSERS = "\"'”’»)]}›"
_OPENERS = "\"'“‘«([{‹¿¡"
_BULLETS = "•‣◦▪▸–—*-·"
# a candidate end: terminal punctuation, closers, then the space before the next sentence
_END = re.compile(rf"(?:\.\.\.|[.!?…])+[{re.escape(_CLOSERS)}]*(?=\s)")
_FULL_STOP = re.compile(rf"[。！？]+[{re.escape(_CLOSERS)}」』）]*")  # Chinese and Japanese: no space after it
# a bullet at a line's start begins a sentence (in a list whose items are not paragraphs)
_BULLET = re.compile(rf"\n[ \t]*[{re.escape(_BULLETS)}](?=[ \t])")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_LEAD = re.compile(rf"[ \t\n]*(?:[{re.escape(_BULLETS)}][ \t]+)?")  # what precedes a sentence's first word

# Abbreviations whose period never ends a sentence (before a capital: "Mr. Smith", "the U.S. Secretary").
TITLES = frozenset(
    {
        "mr", "mrs", "ms", "mx", "dr", "prof", "rev", "hon", "sr", "jr", "st", "mt", "gen", "col", "lt", "maj",
        "capt", "cmdr", "adm", "sgt", "cpl", "pvt", "gov", "sen", "rep", "pres", "amb", "messrs", "mme", "mlle",
        "approx",
    }
)  # fmt: skip
# dotted abbreviations that never end one: e.g. i.e. (U.S., a.m. and other dotted ones: see ``_ends``)
NEVER_LAST = frozenset({"e.g", "i.e", "cf", "viz", "vs"})
_NUMBERED = frozenset({"no", "nos", "nr", "p", "pp", "vol", "art", "ch", "sec", "fig"})  # "No. 5"
_WORD_BEFORE = re.compile(r"[\w.]+$")


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Every sentence of ``text[start:end]`` (``start`` and ``end`` at sentence boundaries: a paragraph's edges
    are), in order."""
    end = len(text) if end is None else min(end, len(text))
    found, begin = [], start
    for cut in [*_cuts(text, start, end, end), end]:
        span = _trimmed(text, begin, cut)
        if span[0] < span[1]:
            found.append(span)
        begin = cut
    return found


def _cuts(text: str, start: int, end: int, limit: int) -> list[int]:
    """Offsets within ``start:end`` where a sentence stops and the next may begin: after a sentence's closing
    punctuation, at a blank line, at a bullet starting a line. ``limit``: where the text to judge by stops."""
    cuts = [m.start() for m in _PARAGRAPH_BREAK.finditer(text, start, end)]
    cuts += [m.start() for m in _BULLET.finditer(text, start, end)]
    cuts += [m.end() for m in _END.finditer(text, start, end) if _ends(text, m.start(), m.end(), limit)]
    cuts += [m.end() for m in _FULL_STOP.finditer(text, start, end)]
    return sorted(set(cuts))


def _cut_before(text: str, offset: int, lo: int, hi: int) -> int:
    """The last cut at or before ``offset`` in the paragraph ``lo:hi`` (``lo`` if none): looked for in a window
    behind ``offset`` that grows until it finds one (a book can be one long paragraph)."""
    window = _WINDOW
    while True:
        begin = max(lo, offset - window)
        cuts = [c for c in _cuts(text, begin, min(hi, offset + _REACH), hi) if c <= offset]
        if cuts or begin == lo:
            return cuts[-1] if cuts else lo
        window *= 4


def _cut_after(text: str, offset: int, lo: int, hi: int) -> int:
    """The first cut after ``offset`` in the paragraph ``lo:hi`` (``hi`` if none)."""
    window = _WINDOW
    while True:
        stop = min(hi, offset + window)
        cuts = [c for c in _cuts(text, max(lo, offset - _REACH), stop, hi) if c > offset]
        if cuts or stop == hi:
            return cuts[0] if cuts else hi
        window *= 4


_WINDOW = 2048  # characters: where to look for a sentence's edges first
_REACH = 16  # characters: punctuation and the space after it, seen across a window's edge


def _ends(text: str, mark: int, stop: int, limit: int) -> bool:
    """Whether the punctuation ``text[mark:stop]`` ends a sentence, judging by the word before it and the first
    character after the space that follows (before ``limit``)."""
    after = stop
    while after < limit and text[after].isspace():
        after += 1
    if after >= limit:
        return True  # nothing follows in this paragraph
    following = text[after]
    if not ((following.isalnum() and not following.islower()) or following in _OPENERS):
        return False  # "etc. and", "etc. – than", "Why?” he asked", "the U.S. brigandish"
    if text[mark:stop].rstrip(_CLOSERS) != ".":
        return True  # ! ? … before a capital, a quote or a number
    word = _word_before(text, mark)
    if not word or text[stop - 1] in _CLOSERS:
        return True  # "(BIGD). She", "War.” The"
    key = word.lower()
    if key in _NUMBERED:
        return not following.isdigit()  # "No. 5"; "said no. Then"
    if key in TITLES or key in NEVER_LAST:
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "J. R. R. Tolkien"
    return not ("." in word and word.replace(".", "").isupper())  # an initialism: "the U.S. Secretary"


def _word_before(text: str, mark: int) -> str:
    """The word (letters and inner periods) just before ``mark``: "U.S" for "U.S.", "Dr" for "Dr."."""
    match = _WORD_BEFORE.search(text, max(0, mark - 40), mark)
    return match.group().strip(".") if match else ""


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` without the spaces around it and a bullet before it."""
    lead = _LEAD.match(text, start, end)
    if lead is not None:
        start = lead.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_at(text: str, offset: int) -> tuple[int, int]:
    """The sentence holding ``offset``; in the space between two sentences, the one after it; past a
    paragraph's last sentence, that one."""
    offset = max(0, min(offset, len(text)))
    lo, hi = paragraph_span(text, offset)
    at = min(offset, hi)
    begin = _cut_before(text, at, lo, hi)
    span = _trimmed(text, begin, _cut_after(text, at, lo, hi))
    while span[0] == span[1] and begin > lo:  # only space (or a bullet) left before the paragraph's end
        begin = _cut_before(text, begin - 1, lo, hi)
        span = _trimmed(text, begin, _cut_after(text, begin, lo, hi))
    return span if span[0] < span[1] else (offset, offset)


def sentence_forward(text: str, offset: int) -> int:
    """Start of the next sentence after ``offset``, in this paragraph or a later one; the text's end if none."""
    at = offset
    while True:
        lo, hi = paragraph_span(text, min(at, len(text)))
        cut = _cut_before(text, min(max(at, lo), hi), lo, hi)
        while cut < hi or cut == lo:
            following = _cut_after(text, cut, lo, hi)
            start, end = _trimmed(text, cut, following)
            if start < end and start > offset:
                return start
            if following >= hi:
                break
            cut = following
        nxt = _PARAGRAPH_BREAK.search(text, hi)
        if nxt is None or nxt.end() >= len(text):
            return len(text)
        at = nxt.end()


def sentence_backward(text: str, offset: int) -> int:
    """Start of the sentence holding ``offset``, or of the one before when already at a sentence's start."""
    at = max(0, min(offset, len(text)))
    while True:
        lo, hi = paragraph_span(text, at)
        cut = _cut_before(text, min(at, hi), lo, hi)
        while True:
            start, end = _trimmed(text, cut, _cut_after(text, cut, lo, hi))
            if start < end and start < offset:
                return start
            if cut <= lo:
                break
            cut = _cut_before(text, cut - 1, lo, hi)
        if lo == 0:
            return 0
        at = lo - 1  # on the blank line before: the paragraph before it
