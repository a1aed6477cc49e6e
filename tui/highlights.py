"""Highlights as the reader draws them: an index of marks sorted by span, and the styles a row of text gets from
them (outer ones first so inner ones stay visible, overlaps underlined, fuzzy / ambiguous / noted looks).

No Textual here (``tests/test_architecture.py``): the view in ``tui/ui/document_view.py`` asks this module what
to draw and only draws it, so the drawing rules are tested without a screen (``tests/test_highlights.py``).
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Generator, Iterable
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style

from .model import Annotation


class Mark(NamedTuple):
    """A highlight as drawn: a span, its colour, whether it is fuzzy or ambiguous, the colour of its first cell (its
    second theme's, when it has several) and whether it has a note (drawn bold). A tuple: compared at C speed."""

    start: int
    end: int
    colour: str
    annotation_id: str
    fuzzy: bool = False
    ambiguous: bool = False
    look: str = ""  # "other": another coder's; "conflict": left with two versions by a git merge
    second: str = ""
    noted: bool = False


Paint = tuple[str, str]  # a highlight's colour and its second theme's colour ("" for none)
Span = tuple[int, int, Style]  # (start, end, style): styles applied in order, a later one on top
SPAN = attrgetter("start", "end")
OVERLAP = Style(underline=True, bold=True)
PATCH_AT_MOST = 64  # changed marks: more than this and the index is sorted again (one sort beats many inserts)
MARKED_AT_ONCE = 256  # highlights marked between pauses of ``HighlightIndex.replacing`` (a few milliseconds)


def mark_of(annotation: Annotation, paint: Paint, size: int, look: str = "") -> Mark:
    """How ``annotation`` is drawn in a text of ``size`` characters."""
    end = min(annotation.end, size)
    fuzzy, ambiguous = annotation.status == "fuzzy", annotation.status == "ambiguous"
    noted = bool(annotation.note.strip())
    return Mark(annotation.start, end, paint[0], annotation.id, fuzzy, ambiguous, look, paint[1], noted)


@lru_cache(maxsize=256)
def mark_style(colour: str, fuzzy: bool, ambiguous: bool = False, look: str = "", noted: bool = False) -> Style:
    """Fuzzy: italic and underlined; ambiguous (only one of several places it could be): italic, struck through.
    Another coder's: the theme's colour as the text's, underlined, no background; a git merge conflict: reversed
    and bold; with a note: bold."""
    if look == "other":
        return Style(color=colour, underline=True, italic=fuzzy or ambiguous, strike=ambiguous, bold=noted)
    style = Style(
        bgcolor=colour, color="#000000", italic=fuzzy or ambiguous, underline=fuzzy, strike=ambiguous, bold=noted
    )
    return style + Style(reverse=True, bold=True) if look == "conflict" else style


def overlaps(marks: Iterable[Mark]) -> list[tuple[int, int]]:
    """Spans covered by two or more marks."""
    marks = list(marks)
    points = sorted([(m.start, 1) for m in marks] + [(m.end, -1) for m in marks])
    spans, depth, since = [], 0, 0
    for position, step in points:
        if depth >= 2 and position > since:
            spans.append((since, position))
        depth += step
        since = position
    return spans


def mark_spans(marks: list[Mark]) -> list[Span]:
    """The styles ``marks`` put on the text, in the order they apply: longest first (an inner highlight is drawn
    on top of the one around it), a highlight with several themes has its first cell in the second theme's colour,
    and text under two or more highlights is underlined and bold."""
    spans: list[Span] = []
    for mark in sorted(marks, key=lambda m: m.start - m.end):
        spans.append((mark.start, mark.end, mark_style(mark.colour, mark.fuzzy, mark.ambiguous, mark.look, mark.noted)))
        if mark.second:
            second = mark_style(mark.second, mark.fuzzy, mark.ambiguous, mark.look, mark.noted)
            spans.append((mark.start, mark.start + 1, second))
    if len(marks) > 1:
        spans += [(a, b, OVERLAP) for a, b in overlaps(marks)]
    return spans


def styled_segments(text: str, spans: list[Span], base: Style) -> list[Segment]:
    """What ``rich.text.Text.render`` gives for ``text`` styled ``base`` and then ``spans`` in order (a later span
    on top of an earlier one), without building a ``Text``: a segment between every two span edges."""
    if not spans:
        return [Segment(text, base)]
    size = len(text)
    edges = {0, size}
    for a, b, _ in spans:
        edges.add(min(a, size))
        edges.add(min(b, size))
    cuts = sorted(edges)
    result = []
    for a, b in itertools.pairwise(cuts):
        style = base
        for s, e, extra in spans:
            if s <= a and b <= e:
                style += extra
        result.append(Segment(text[a:b], style))
    return result


class HighlightIndex:
    """The highlights of one document, their marks sorted by span for bisecting: which ones a row shows, which one
    is at an offset, the next one after the cursor. Every change returns the marks it added and removed, so a view
    redraws only their rows (with thousands of highlights, redrawing them all takes too long)."""

    def __init__(self, size: int) -> None:
        self.size = size  # the text's length: marks end at most there
        self.annotations: dict[str, Annotation] = {}
        self.marks: list[Mark] = []  # sorted by (start, end)
        self._starts: list[int] = []
        self._longest = 0
        self._by_id: dict[str, Mark] = {}
        self._sorted: list[Annotation] | None = None
        self._conflicts: int | None = None

    def __len__(self) -> int:
        return len(self.annotations)

    @property
    def conflicts(self) -> int:
        """How many of the highlights a git merge left in conflict (until ``marginalia resolve``)."""
        if self._conflicts is None:
            self._conflicts = sum(a.conflicted for a in self.annotations.values())
        return self._conflicts

    def sorted_annotations(self) -> list[Annotation]:
        if self._sorted is None:
            self._sorted = sorted(self.annotations.values(), key=SPAN)
        return list(self._sorted)

    # -- changes ----------------------------------------------------------------------------------------------
    def replace(
        self, annotations: Iterable[Annotation], paint: Callable[[Annotation], Paint], look: Callable[[Annotation], str]
    ) -> tuple[list[Mark], list[Mark]]:
        """Hold these highlights (orphans are not drawn): the marks added and removed."""
        steps = self.replacing(annotations, paint, look)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    def replacing(
        self, annotations: Iterable[Annotation], paint: Callable[[Annotation], Paint], look: Callable[[Annotation], str]
    ) -> Generator[None, None, tuple[list[Mark], list[Mark]]]:
        """``replace``, pausing (a ``yield``) every ``MARKED_AT_ONCE`` highlights, so that thousands are marked
        between a reader's keys; the index changes at the end, at once (compared then with what it holds then)."""
        kept = {a.id: a for a in annotations if a.status != "orphan"}
        marks: dict[str, Mark] = {}
        for count, a in enumerate(kept.values(), 1):
            if a.end > a.start:
                marks[a.id] = mark_of(a, paint(a), self.size, look(a))
            if count % MARKED_AT_ONCE == 0:
                yield
        old = self._by_id
        added: list[Mark] = []
        for key, mark in marks.items():
            was = old.get(key)
            if was == mark:
                marks[key] = was  # the very mark the sorted list holds (``_patch`` finds it by identity)
            else:
                added.append(mark)
        removed = [old[i] for i in old.keys() - marks.keys()]  # gone, or drawn differently now:
        removed += [old[m.annotation_id] for m in added if m.annotation_id in old]
        self.annotations, self._by_id = kept, marks
        self._sorted = self._conflicts = None
        self._settle(added, removed)
        return added, removed

    def put(self, annotation: Annotation, paint: Paint, look: str = "") -> tuple[list[Mark], list[Mark]]:
        """One new or changed highlight (what ``replace`` does for the list with it, without going through every
        other one): the marks added and removed."""
        if annotation.status == "orphan":
            return self.drop(annotation.id)
        self.annotations[annotation.id] = annotation
        self._sorted = self._conflicts = None
        old = self._by_id.get(annotation.id)
        mark = mark_of(annotation, paint, self.size, look) if annotation.end > annotation.start else None
        if mark == old:
            return [], []
        if mark is None:
            del self._by_id[annotation.id]
        else:
            self._by_id[annotation.id] = mark
        added, removed = [mark] if mark else [], [old] if old else []
        self._settle(added, removed)
        return added, removed

    def drop(self, annotation_id: str) -> tuple[list[Mark], list[Mark]]:
        """Stop holding one highlight: the marks removed."""
        self.annotations.pop(annotation_id, None)
        self._sorted = self._conflicts = None
        old = self._by_id.pop(annotation_id, None)
        removed = [old] if old is not None else []
        self._settle([], removed)
        return [], removed

    def _settle(self, added: list[Mark], removed: list[Mark]) -> None:
        """``_by_id`` has changed by ``added`` and ``removed``: bring the sorted marks in line."""
        if not added and not removed:
            return
        if len(added) + len(removed) > PATCH_AT_MOST or not self._patch(added, removed):
            self.marks = sorted(self._by_id.values(), key=SPAN)
            self._starts = [m.start for m in self.marks]
            self._longest = max((m.end - m.start for m in self.marks), default=0)

    def _patch(self, added: list[Mark], removed: list[Mark]) -> bool:
        """Take ``removed`` out of the sorted marks and put ``added`` in; False (nothing changed) where a full
        sort could order them otherwise (another highlight on the very same span)."""
        marks, starts = list(self.marks), list(self._starts)
        longest = self._longest
        for mark in removed:
            index = bisect_left(starts, mark.start)
            while marks[index] is not mark:
                index += 1
            del marks[index], starts[index]
        for mark in added:
            index = bisect_right(marks, SPAN(mark), key=SPAN)
            if index and SPAN(marks[index - 1]) == SPAN(mark):
                return False
            marks.insert(index, mark)
            starts.insert(index, mark.start)
            longest = max(longest, mark.end - mark.start)
        self.marks, self._starts, self._longest = marks, starts, longest
        return True

    # -- questions --------------------------------------------------------------------------------------------
    def marks_in(self, start: int, end: int) -> list[Mark]:
        """The marks touching ``start:end``, sorted by span."""
        first = bisect_left(self._starts, start - self._longest)
        last = bisect_left(self._starts, end)
        return [m for m in self.marks[first:last] if m.end > start]

    def spans_in(self, start: int, end: int) -> list[Span]:
        """The styles the highlights put on ``start:end`` (see ``mark_spans``; they may reach past it)."""
        return mark_spans(self.marks_in(start, end))

    def at(self, offset: int) -> Annotation | None:
        """The innermost highlight covering ``offset``."""
        covering = self.marks_in(offset, offset + 1)
        if not covering:
            return None
        return self.annotations[min(covering, key=lambda m: m.end - m.start).annotation_id]

    def after(self, origin: int) -> Mark | None:
        """The first mark starting after ``origin``."""
        index = bisect_right(self._starts, origin)
        return self.marks[index] if index < len(self.marks) else None

    def before(self, origin: int) -> Mark | None:
        """The last mark starting before ``origin``."""
        index = bisect_left(self._starts, origin) - 1
        return self.marks[index] if index >= 0 else None
