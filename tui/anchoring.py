"""Re-anchoring: finding an annotation's quote again in a text that has changed.

The first step that works wins:

1. the stored offsets, if the text there still equals the quote: ``anchored``;
2. the exact quote elsewhere: ``moved``. Of several, the one whose prefix and suffix fit best, then the nearest to
   the old offset. One whose context does not fit (a score under MIN_SCORE: most likely another occurrence of a
   short quote) gives way to a better-scoring approximate match (the quote edited in place), and, among many
   annotations (``locate_many``), may not take a span that another annotation fits well;
3. an approximate match: ``fuzzy``. At most ``1 - MIN_SIMILARITY`` of the quote's length in edits (Levenshtein),
   scored like Hypothesis's client, ``(50·quote + 20·prefix + 20·suffix + 2·position) / 92``, but kept only at
   ``MIN_SCORE`` or above, so a quote never jumps to a look-alike passage whose context does not fit;
4. else ``orphan``: the annotation keeps its quote and old offsets and nothing moves.

Speed, in pure Python: an unchanged context is found by ``str.find`` of prefix+quote+suffix in widening windows
around the old offset. A quote found more than RANKED times has only a shortlist of its occurrences compared (the
nearest, and those next to which the context still stands). Approximate matching runs Myers's bit-parallel edit
distance (Hyyrö's formulation, one Python int per column) only in small windows around likely places: the old
offset, the caller's ``hint``, where the tail of the prefix or the head of the suffix stands, and where exact
pieces of the quote stand (seeds found more than MAX_HITS times are skipped); first within LOCAL characters, then,
if nothing fits there, in the whole text. So a missed approximate match is possible (the annotation becomes an
orphan, never misplaced); a wrong one is not, as every candidate is scored before it is kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .model import Annotation, DocumentRef, quote_at

MIN_SIMILARITY = 0.75  # a fuzzy match differs from the quote in at most a quarter of its length
MIN_SCORE = 0.75  # below this combined score nothing is moved
QUOTE_WEIGHT, PREFIX_WEIGHT, SUFFIX_WEIGHT, POSITION_WEIGHT = 50, 20, 20, 2

RADII = (512, 8192, 131072)  # where an unchanged context is looked for first, around the old offset
LOCAL = 65536  # how far around the old offset (and the hint) an approximate match is looked for first
RANKED = 32  # up to this many exact matches are all compared; of more, a shortlist (``_shortlist``)
SEED = 12  # characters of prefix and suffix used as seeds
MIN_PIECE = 6  # the shortest piece of the quote used as a seed
MAX_PIECES = 4
MAX_HITS = 32  # a seed found more often than this is too common to say anything
MAX_WINDOWS = 64
MAX_CANDIDATES = 64
PAD = 8


@dataclass(frozen=True)
class Anchor:
    """Where a quote is now: offsets, a status from ``model.STATUSES``, for ``fuzzy`` a score (0..1), and for
    every found one how well it fits (the same score, 1 for an unmoved quote)."""

    start: int
    end: int
    status: str
    score: float | None = None
    fit: float = 0.0


# -- edit distance ---------------------------------------------------------------------------------------------
def _masks(pattern: str) -> dict[str, int]:
    masks: dict[str, int] = {}
    bit = 1
    for ch in pattern:
        masks[ch] = masks.get(ch, 0) | bit
        bit <<= 1
    return masks


def _scores(pattern: str, text: str, anchored: bool, masks: dict[str, int] | None = None) -> list[int]:
    """After each character ``text[j]``: the edit distance of ``pattern`` to ``text[:j + 1]`` (``anchored``),
    or to the best substring of ``text`` ending at ``j`` (searching). Myers 1999 in Hyyrö's formulation."""
    size = len(pattern)
    get = (masks if masks is not None else _masks(pattern)).get
    full = (1 << size) - 1
    high = 1 << (size - 1)
    carry = 1 if anchored else 0  # anchored: the top row grows by one per character; searching: it stays 0
    pv, mv, score = full, 0, size
    scores: list[int] = []
    append = scores.append
    for ch in text:
        eq = get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | carry) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
        append(score)
    return scores


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions cost 1)."""
    if a == b:
        return 0
    if not a or not b:
        return len(a) + len(b)
    if len(a) < len(b):
        a, b = b, a  # one loop turn per character of the shorter string
    return _scores(a, b, anchored=True)[-1]


def similarity(a: str, b: str) -> float:
    """1 for equal strings, 0 for nothing in common: ``1 - distance / longer length``."""
    longest = max(len(a), len(b))
    return 1.0 - edit_distance(a, b) / longest if longest else 1.0


def _fit(expected: str, actual: str) -> float:
    """How well ``actual`` (the text where a context should be) matches the stored context ``expected``."""
    if not expected:
        return 1.0
    return max(0.0, 1.0 - edit_distance(expected, actual) / len(expected))


@dataclass
class _Wanted:
    """A quote being looked for approximately, with what the search needs of it."""

    quote: str
    prefix: str
    suffix: str
    old: int
    errors: int  # the most edits a match may have
    masks: dict[str, int] = field(init=False)
    backwards: dict[str, int] = field(init=False)  # the masks of the reversed quote

    def __post_init__(self) -> None:
        self.masks = _masks(self.quote)
        self.backwards = _masks(self.quote[::-1])


# -- locating ----------------------------------------------------------------------------------------------------
class Locator:
    """Locates quotes in one text; reuse it for many annotations of the same document (it caches searches)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._hits: dict[tuple[str, int | None, int, int | None], list[int] | None] = {}

    def locate(
        self,
        quote: str,
        start: int,
        end: int,
        prefix: str = "",
        suffix: str = "",
        hint: int | None = None,
        avoid: Collection[tuple[int, int]] = (),
    ) -> Anchor:
        """Where ``quote`` (stored at ``start:end`` with its ``prefix`` and ``suffix``) is in this text now.

        An exact match whose context does not fit (its score is under MIN_SCORE: most likely another occurrence
        of a short quote) gives way to an approximate match that scores better (the quote edited in place).
        ``hint``: where the quote probably starts now (the old offset shifted like its neighbours'); it only
        widens the approximate search. ``avoid``: spans an exact match with an ill-fitting context may not take
        (other annotations' places, see ``locate_many``)."""
        text = self.text
        if not quote:
            return Anchor(start, end, "anchored" if 0 <= start == end <= len(text) else "orphan", fit=1.0)
        if start >= 0 and text[start:end] == quote:
            return Anchor(start, end, "anchored", fit=1.0)
        found = self._exact(quote, prefix, suffix, start, hint, avoid)
        exact = None
        if found is not None:
            fit = self._score(found, found + len(quote), 0.0, prefix, suffix, start)
            exact = Anchor(found, found + len(quote), "moved", fit=fit)
            if fit >= MIN_SCORE:
                return exact
        fuzzy = self._fuzzy(quote, prefix, suffix, start, hint)
        if fuzzy is not None and (exact is None or fuzzy.fit > exact.fit):
            return fuzzy
        return exact or Anchor(start, end, "orphan")

    # -- step 2: the exact quote ----------------------------------------------------------------------------------
    def _exact(
        self, quote: str, prefix: str, suffix: str, old: int, hint: int | None, avoid: Collection[tuple[int, int]]
    ) -> int | None:
        whole = self._near(prefix + quote + suffix, old - len(prefix))
        if whole:
            return whole[0] + len(prefix)  # the context fits perfectly: nothing can fit better
        hits = self._all(quote, RANKED)
        if hits is None:  # too many to compare them all
            hits = self._shortlist(quote, prefix, suffix, old, hint, avoid)
        hits = [s for s in hits if (s, s + len(quote)) not in avoid]
        if not hits:
            return None
        return max(hits, key=lambda s: (self._context(s, s + len(quote), prefix, suffix), -abs(s - old)))

    def _near(self, needle: str, around: int, count: int = 1, avoid: Collection[tuple[int, int]] = ()) -> list[int]:
        """The ``count`` occurrences of ``needle`` nearest to ``around`` (not in ``avoid``), nearest first,
        searching ever wider around it: an unchanged passage costs a search of a few hundred characters."""
        text, find, size = self.text, self.text.find, len(needle)
        for radius in (*RADII, len(text)):
            lo, hi = max(0, around - radius), around + radius + size
            found = []
            pos = find(needle, lo, hi)
            while pos != -1:
                if (pos, pos + size) not in avoid:
                    found.append(pos)
                pos = find(needle, pos + 1, hi)
            if len(found) >= count or (lo == 0 and hi >= len(text)):
                # every occurrence within ``radius`` is in ``found``, every other one is further away
                return sorted(found, key=lambda p: (abs(p - around), p))[:count]
        return []

    def _all(self, needle: str, limit: int | None = None, lo: int = 0, hi: int | None = None) -> list[int] | None:
        """Every occurrence of ``needle`` in ``text[lo:hi]`` (cached); with ``limit``, None when there are more."""
        key = (needle, limit, lo, hi)
        if key in self._hits:
            return self._hits[key]
        found: list[int] | None = []
        find = self.text.find
        hi = len(self.text) if hi is None else hi
        pos = find(needle, lo, hi)
        while pos != -1:
            found.append(pos)  # type: ignore[union-attr]
            if limit is not None and len(found) > limit:  # type: ignore[arg-type]
                found = None
                break
            pos = find(needle, pos + 1, hi)
        self._hits[key] = found
        return found

    def _shortlist(
        self, quote: str, prefix: str, suffix: str, old: int, hint: int | None, avoid: Collection[tuple[int, int]]
    ) -> list[int]:
        """Of a quote found too often to compare every occurrence: the ones nearest to the old offset and to the
        hint, and those next to which the end of the prefix or the start of the suffix still stands."""
        found = set(self._near(quote, old, RANKED, avoid))
        if hint is not None and hint != old:
            found.update(self._near(quote, hint, RANKED, avoid))
        tail, head = prefix[-SEED:], suffix[:SEED]
        found.update(p + len(tail) for p in self._all(tail + quote, MAX_HITS) or ())
        found.update(self._all(quote + head, MAX_HITS) or ())
        return sorted(found)

    def _context(self, start: int, end: int, prefix: str, suffix: str) -> float:
        text = self.text
        return _fit(prefix, text[max(0, start - len(prefix)) : start]) + _fit(suffix, text[end : end + len(suffix)])

    # -- step 3: an approximate match -----------------------------------------------------------------------------
    def _fuzzy(self, quote: str, prefix: str, suffix: str, old: int, hint: int | None) -> Anchor | None:
        """The best approximate match scoring MIN_SCORE or more: first near the old offset and the hint, and
        only if there is none, in the whole text."""
        errors = int(len(quote) * (1 - MIN_SIMILARITY) + 1e-9)
        if errors == 0:
            return None
        wanted = _Wanted(quote, prefix, suffix, old, errors)
        near = [old] if hint is None or hint == old else [old, hint]
        lo, hi = max(0, min(near) - LOCAL), min(len(self.text), max(near) + len(quote) + LOCAL)
        best = self._best(wanted, self._windows(wanted, near, lo, hi))
        if best is None or best.fit < MIN_SCORE:
            far = [w for w in self._windows(wanted, [], 0, len(self.text)) if not lo <= w[0] <= w[1] <= hi]
            best = max(filter(None, (best, self._best(wanted, far))), key=lambda a: a.fit, default=None)
        return best if best is not None and best.fit >= MIN_SCORE else None

    def _best(self, wanted: _Wanted, windows: list[tuple[int, int]]) -> Anchor | None:
        """The best-scoring approximate match in ``windows`` (of the first MAX_CANDIDATES), nearest on a tie."""
        best: tuple[float, int, int, int] | None = None
        seen = 0
        for lo, hi in windows:
            for start, end, edits in self._approximate(wanted, lo, hi):
                score = self._score(start, end, edits / len(wanted.quote), wanted.prefix, wanted.suffix, wanted.old)
                candidate = (score, -abs(start - wanted.old), start, end)
                best = candidate if best is None else max(best, candidate)
                seen += 1
            if seen >= MAX_CANDIDATES:
                break
        if best is None:
            return None
        return Anchor(best[2], best[3], "fuzzy", round(best[0], 4), best[0])

    def _windows(self, wanted: _Wanted, starts: list[int], lo: int, hi: int) -> list[tuple[int, int]]:
        """Stretches of ``text[lo:hi]`` that could hold an approximate match: around ``starts`` and wherever a seed
        (the end of the prefix, the start of the suffix, a piece of the quote) stands; merged, at most
        MAX_WINDOWS, the likeliest first."""
        quote, size, errors = wanted.quote, len(wanted.quote), wanted.errors
        starts = list(starts)
        tail, head = wanted.prefix[-SEED:], wanted.suffix[:SEED]
        if len(tail) >= MIN_PIECE:
            starts += [p + len(tail) for p in self._all(tail, MAX_HITS, lo, hi) or ()]
        if len(head) >= MIN_PIECE:
            starts += [p - size for p in self._all(head, MAX_HITS, lo, hi) or ()]
        pieces = min(errors + 1, MAX_PIECES, size // MIN_PIECE)  # with errors+1 pieces, one is intact
        for i in range(pieces):
            offset = i * size // pieces
            piece = quote[offset : (i + 1) * size // pieces]
            starts += [p - offset for p in self._all(piece, MAX_HITS, lo, hi) or ()]
        reach = errors + PAD
        spans = [
            (max(0, s - reach), min(len(self.text), s + size + errors + reach))
            for s in list(dict.fromkeys(starts))[:MAX_WINDOWS]  # unique, the likeliest first
        ]
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [(start, end) for start, end in merged if end > start]

    def _approximate(self, wanted: _Wanted, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """(start, end, edits) of the approximate matches of the quote that end in ``text[lo:hi]`` with at most
        ``wanted.errors`` edits: the best end of each run, then the start that makes the fewest edits."""
        scores = _scores(wanted.quote, self.text[lo:hi], anchored=False, masks=wanted.masks)
        last = len(scores) - 1
        found = []
        for j, score in enumerate(scores):
            # a local minimum (the last of a plateau: it takes in the most of the quote's last characters)
            if score > wanted.errors or (j < last and scores[j + 1] <= score) or (j and scores[j - 1] < score):
                continue
            end = lo + j + 1
            found.append((self._start(wanted, end, score), end, score))
        return found

    def _start(self, wanted: _Wanted, end: int, errors: int) -> int:
        """The start of the match that ends at ``end`` with ``errors`` edits: the quote reversed, aligned with the
        text read backwards from ``end``; of equally good starts, the one giving the quote's own length."""
        size = len(wanted.quote)
        segment = self.text[max(0, end - size - errors) : end][::-1]
        scores = _scores(wanted.quote[::-1], segment, anchored=True, masks=wanted.backwards)
        length = min((j + 1 for j, s in enumerate(scores) if s == errors), key=lambda n: (abs(n - size), -n))
        return end - length

    def _score(self, start: int, end: int, errors: float, prefix: str, suffix: str, old: int) -> float:
        text = self.text
        before = _fit(prefix, text[max(0, start - len(prefix)) : start])
        after = _fit(suffix, text[end : end + len(suffix)])
        position = max(0.0, 1.0 - abs(start - old) / max(len(text), 1))
        total = QUOTE_WEIGHT * (1.0 - errors) + PREFIX_WEIGHT * before + SUFFIX_WEIGHT * after
        total += POSITION_WEIGHT * position
        return total / (QUOTE_WEIGHT + PREFIX_WEIGHT + SUFFIX_WEIGHT + POSITION_WEIGHT)


def locate(text: str, quote: str, start: int, end: int, prefix: str = "", suffix: str = "") -> Anchor:
    """Where ``quote`` is in ``text`` now (see ``Locator.locate``; ``locate_many`` for many quotes in one text)."""
    return Locator(text).locate(quote, start, end, prefix, suffix)


def locate_many(text: str, quotes: Sequence[Any]) -> list[Anchor]:
    """``Locator.locate`` for many quotes in one text (objects with quote, start, end, prefix and suffix, such as
    Annotations), in their order. Taken in text order, each one's shift hints where the next one went. Then an
    exact match with an ill-fitting context that lands on a span another quote fits well is located again,
    avoiding such spans: when one of several tagged occurrences of a word is deleted, its annotation becomes an
    orphan instead of doubling another occurrence's."""
    locator = Locator(text)
    anchors: list[Anchor] = [Anchor(0, 0, "orphan")] * len(quotes)
    hints = [0] * len(quotes)
    shift = 0
    for i in sorted(range(len(quotes)), key=lambda i: (quotes[i].start, quotes[i].end)):
        q = quotes[i]
        hints[i] = q.start + shift
        anchors[i] = locator.locate(q.quote, q.start, q.end, q.prefix, q.suffix, hint=hints[i])
        if anchors[i].status != "orphan":
            shift = anchors[i].start - q.start
    owners: dict[tuple[int, int], set[int]] = defaultdict(set)
    for i, anchor in enumerate(anchors):
        if anchor.status != "orphan" and anchor.fit >= MIN_SCORE:
            owners[(anchor.start, anchor.end)].add(i)
    for i, anchor in enumerate(anchors):
        if anchor.status == "moved" and anchor.fit < MIN_SCORE and owners.get((anchor.start, anchor.end), {i}) != {i}:
            q = quotes[i]
            taken = {span for span, who in owners.items() if who - {i}}
            anchors[i] = locator.locate(q.quote, q.start, q.end, q.prefix, q.suffix, hint=hints[i], avoid=taken)
    return anchors


# -- annotations ---------------------------------------------------------------------------------------------------
def document_ref(document: Any) -> DocumentRef:
    """The reference an annotation keeps to ``document`` (a ``Document``)."""
    return DocumentRef(document.key, document.title, document.fingerprint)


def reanchor(annotations: Sequence[Annotation], document: Any) -> list[Annotation]:
    """``annotations`` re-anchored in ``document`` (a ``Document`` whose text changed), as new Annotations in
    the same order (``locate_many``).

    ``anchored``/``moved``: new offsets and the context around them. ``fuzzy``: new offsets and a score; the
    quote, prefix and suffix stay what was annotated (so it stays fuzzy until the reader accepts it). ``orphan``:
    the old offsets, quote and context. Every result points at ``document`` and its fingerprint."""
    return [placed(a, document, found) for a, found in zip(annotations, locate_many(document.text, annotations))]


def placed(a: Annotation, document: Any, found: Anchor) -> Annotation:
    """Annotation ``a`` where ``found`` says it is in ``document`` (see ``reanchor``)."""
    ref = document_ref(document)
    if found.status in ("anchored", "moved"):
        prefix, _, suffix = quote_at(document.text, found.start, found.end)
        return replace(a, document=ref, start=found.start, end=found.end, prefix=prefix, suffix=suffix,
                       status=found.status, score=None)  # fmt: skip
    if found.status == "fuzzy":
        return replace(a, document=ref, start=found.start, end=found.end, status="fuzzy", score=found.score)
    return replace(a, document=ref, status="orphan", score=None)


def reattached(annotation: Annotation, document: Any, start: int, end: int) -> Annotation:
    """``annotation`` attached to ``document``'s span ``start:end`` by hand: its quote and context become that
    text and it is ``anchored`` again (the fix for an orphan, or accepting a fuzzy match)."""
    if not 0 <= start < end <= len(document.text):
        raise ValueError(f"span {start}:{end} is outside the document (0:{len(document.text)}) or empty")
    prefix, quote, suffix = quote_at(document.text, start, end)
    return replace(annotation, document=document_ref(document), start=start, end=end, quote=quote, prefix=prefix,
                   suffix=suffix, status="anchored", score=None)  # fmt: skip
