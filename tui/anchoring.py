"""Re-anchoring: finding an annotation's quote again in a text that has changed.

Every place the annotation could now be is a candidate, and all of them are compared on one measure, their
**cost**: the characters that would have to have been edited for that place to be where the annotation was made,
in the quote (Levenshtein) plus in its prefix and suffix. A context is aligned from the quote's edge outwards with
its far end free (semi-global), so a word inserted or deleted next to the quote costs that word, not a shifted
window. ``score = 1 - cost / (quote + prefix + suffix)``. Candidates are:

- every exact occurrence of the quote (of a quote found more than RANKED times, a shortlist: the nearest, and
  those next to which the context still stands);
- approximate matches, at most ``1 - MIN_SIMILARITY`` of the quote's length in edits, searched in small windows
  around likely places (the old offset, the caller's ``hint``, where the tail of the prefix or the head of the
  suffix stands, where exact pieces of the quote stand), with Myers's bit-parallel edit distance;
- where the prefix and suffix still stand with other text between them (the quote edited past recognition): such
  a place cannot be chosen, but it can show that a look-alike elsewhere is not where the annotation was.

Then:

1. the stored offsets still hold the quote with its context: ``anchored``, nothing compared;
2. the quote with its whole context stands once (or at the offsets its neighbours' shift predicts): ``moved``;
3. the cheapest candidate, if its score is MIN_SCORE or more, its quote at least MIN_SIMILARITY like the stored
   one, and no candidate at another place is within MARGIN edits of it: ``anchored``/``moved`` for the exact
   quote, ``fuzzy`` (with its score) for an approximate one;
4. if a candidate at another place is within MARGIN edits: ``ambiguous``, at the best one, with the candidates
   kept so the reader can choose; nothing is claimed;
5. else ``orphan``: the old offsets stay, with the candidates worth showing.

MARGIN is one word: an edit of one word (five letters and a space on average in English, eight covers most) next
to the true place can cost it that much, so a rival closer than that could be the true place after one ordinary
edit. Where less than 32 characters are compared (a quote with no context), a word is too much: the margin is
then a quarter of what is compared, as for MIN_SCORE. MIN_SCORE keeps a place whose context is mostly gone (an exact copy of a short quote elsewhere, its own
context unrelated) from ever being chosen on the quote alone. A missed candidate can make an annotation an orphan
or ambiguous; it cannot make a wrong place look certain unless the true one is not found at all, which only
happens when it was edited past the limits.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .model import CONTEXT, Annotation, document_ref, quote_at

MIN_SIMILARITY = 0.75  # a fuzzy match differs from the quote in at most a quarter of its length
MIN_SCORE = 0.75  # a place whose quote and context together cost more than a quarter is never chosen
MARGIN = 8  # edits: the best place must be cheaper than any other by one word's edits (see above)
KEEP_SCORE = 0.5  # candidates worth showing in review
MAX_KEPT = 5  # candidates kept on an ambiguous annotation or an orphan
WEAK = 0.9  # a moved annotation scoring less lost a tenth of its context: the reader asks about it

RADII = (512, 8192, 131072)  # where an unchanged context is looked for first, around the old offset
LOCAL = 65536  # how far around the old offset (and the hint) an approximate match is looked for first
RANKED = 32  # up to this many exact matches are all compared; of more, a shortlist (``_shortlist``)
SEED = 12  # characters of prefix and suffix used as seeds
MIN_PIECE = 3  # the shortest piece of the quote used as a seed
MAX_PIECES = 4
MAX_HITS = 32  # a seed found more often than this is too common to say anything
MAX_WINDOWS = 64
MAX_CANDIDATES = 64
PAD = 8
FIND_SLICE = 1 << 20  # characters one ``str.find`` looks through at most (``_find``)
SIDE = 8  # a context this long or longer can vouch for a quote alone (``Candidate.support``)


@dataclass(frozen=True)
class Candidate:
    """A place the quote could be: its span, what it costs (edits), its score, how like the quote it is, and how
    well the quote stands with the better of its two contexts (``support``)."""

    start: int
    end: int
    cost: int
    score: float
    similarity: float
    support: float  # the score of the quote with its better-fitting side of context alone

    @property
    def exact(self) -> bool:
        return self.similarity == 1.0


@dataclass(frozen=True)
class Anchor:
    """Where a quote is now: offsets, a status from ``model.STATUSES``, a score (0..1; None for an unmoved
    quote), how well it fits (``fit``: the score, 1 for an unmoved quote), and for ``ambiguous`` and ``orphan``
    the candidates worth reviewing, best first."""

    start: int
    end: int
    status: str
    score: float | None = None
    fit: float = 0.0
    candidates: tuple[Candidate, ...] = ()


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


def context_cost(expected: str, text: str, edge: int, before: bool, masks: dict[str, int] | None = None) -> int:
    """The edits between a stored context and the text beside a place: ``expected`` aligned from ``edge`` (the
    place's start for a prefix, ``before``; its end for a suffix) outwards, its far end free, so a word inserted
    or deleted next to the quote costs that word and nothing more. ``masks``: ``_masks`` of the pattern (the
    prefix reversed, or the suffix)."""
    size = len(expected)
    if not size:
        return 0
    reach = size + size // 2 + 1
    if before:
        if text.endswith(expected, 0, edge):
            return 0
        segment = text[max(0, edge - reach) : edge][::-1]
        pattern = expected[::-1]
    else:
        if text.startswith(expected, edge):
            return 0
        segment, pattern = text[edge : edge + reach], expected
    if not segment:
        return size
    return min(size, *_scores(pattern, segment, anchored=True, masks=masks))


@dataclass
class _Wanted:
    """A quote being looked for, with what the search needs of it."""

    quote: str
    prefix: str
    suffix: str
    old: int
    hint: int | None
    errors: int  # the most edits an approximate match may have
    masks: dict[str, int] = field(init=False)
    backwards: dict[str, int] = field(init=False)  # the masks of the reversed quote
    before: dict[str, int] = field(init=False)  # of the reversed prefix
    after: dict[str, int] = field(init=False)  # of the suffix

    def __post_init__(self) -> None:
        self.masks = _masks(self.quote)
        self.backwards = _masks(self.quote[::-1])
        self.before = _masks(self.prefix[::-1])
        self.after = _masks(self.suffix)

    @property
    def length(self) -> int:
        return len(self.quote) + len(self.prefix) + len(self.suffix)

    def distance(self, start: int) -> int:
        """How far ``start`` is from where the quote is expected (the hint, else the old offset)."""
        return min(abs(start - self.old), abs(start - self.hint) if self.hint is not None else abs(start - self.old))


def _same_place(a: Candidate, b: Candidate) -> bool:
    """Two candidates are one place if they overlap, unless both are exact copies (then they are two)."""
    return a.start < b.end and b.start < a.end and not (a.exact and b.exact)


# -- locating ----------------------------------------------------------------------------------------------------
def _find(text: str, needle: str, lo: int = 0, hi: int | None = None) -> int:
    """``text.find(needle, lo, hi)``, a megabyte at a time: one call holds the interpreter lock until it returns,
    and the reader re-anchors in a thread while its keys are handled (a miss in 50 MB of text took 20-30 ms)."""
    hi = len(text) if hi is None else min(hi, len(text))
    reach = FIND_SLICE + len(needle) - 1  # a slice's matches start in its first FIND_SLICE characters
    while hi - lo > reach:
        pos = text.find(needle, lo, lo + reach)
        if pos != -1:
            return pos
        lo += FIND_SLICE
    return text.find(needle, lo, hi)


class Locator:
    """Locates quotes in one text; reuse it for many annotations of the same document (it caches searches)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._hits: dict[tuple[str, int | None, int, int | None], list[int] | None] = {}

    def locate(
        self, quote: str, start: int, end: int, prefix: str = "", suffix: str = "", hint: int | None = None
    ) -> Anchor:
        """Where ``quote`` (stored at ``start:end`` with its ``prefix`` and ``suffix``) is in this text now (see
        the module's description). ``hint``: where the quote probably starts now (the old offset shifted like its
        neighbours'): it widens the search and, like the old offset, settles which of two copies of the quote
        with its whole context is the one."""
        text = self.text
        if not quote:
            return Anchor(start, end, "anchored" if 0 <= start == end <= len(text) else "orphan", fit=1.0)
        size = len(quote)
        if start >= len(prefix) and text.startswith(prefix + quote + suffix, start - len(prefix)):
            return Anchor(start, end, "anchored", fit=1.0)
        place = self._whole(prefix + quote + suffix, len(prefix), start, hint)
        if place is not None:
            return Anchor(place, place + size, "anchored" if place == start else "moved", fit=1.0)
        wanted = _Wanted(quote, prefix, suffix, start, hint, int(size * (1 - MIN_SIMILARITY) + 1e-9))
        return self._decide(wanted, end, self._candidates(wanted))

    def _whole(self, whole: str, before: int, old: int, hint: int | None) -> int | None:
        """Where the quote with its whole context (``whole``, the quote ``before`` characters in) stands at the
        offsets its neighbours predict (``hint``), else stands only once: the start of the quote there."""
        text = self.text
        if hint is not None and hint >= before and text.startswith(whole, hint - before):
            return hint
        nearest = self._near(whole, old - before)
        if not nearest:
            return None
        pos = nearest[0]
        if _find(text, whole) == pos and _find(text, whole, pos + 1) == -1:  # one pass over the text: it is unique
            return pos + before
        return None

    def _candidates(self, wanted: _Wanted) -> list[Candidate]:
        """Every place worth comparing, each scored (``_candidate``): exact copies anywhere, approximate matches and
        context places near the old offset and the hint, and only if none of these could be chosen, approximate
        matches in the rest of the text (so a look-alike further than LOCAL away is not compared with a good
        candidate nearby)."""
        size = len(wanted.quote)
        spans: dict[tuple[int, int], int] = {}  # span -> edits in the quote
        hits = self._all(wanted.quote, RANKED)
        if hits is None:  # too many to compare them all
            hits = self._shortlist(wanted)
        for s in hits:
            spans[(s, s + size)] = 0
        lo, hi = self._local(wanted)
        if wanted.errors:
            near = [wanted.old] if wanted.hint is None or wanted.hint == wanted.old else [wanted.old, wanted.hint]
            for s, e, edits in self._matches(wanted, self._windows(wanted, near, lo, hi)):
                spans.setdefault((s, e), edits)
        for s, e in self._context_places(wanted, lo, hi) + self._expected_places(wanted):
            if (s, e) not in spans:
                spans[(s, e)] = edit_distance(wanted.quote, self.text[s:e])
        found = self._scored(wanted, spans)
        if wanted.errors and not any(c.support >= MIN_SCORE and c.similarity >= MIN_SIMILARITY for c in found):
            far = [w for w in self._windows(wanted, [], 0, len(self.text)) if not lo <= w[0] <= w[1] <= hi]
            spans = {(s, e): edits for s, e, edits in self._matches(wanted, far) if (s, e) not in spans}
            found += self._scored(wanted, spans, min((c.cost for c in found), default=wanted.length))
        return found

    def _scored(
        self, wanted: _Wanted, spans: dict[tuple[int, int], int], cheapest: int | None = None
    ) -> list[Candidate]:
        """The candidates of ``spans`` (span -> edits in the quote), the likeliest scored first so that those
        costing more than MARGIN over the cheapest are dropped before their second context is aligned."""
        found: list[Candidate] = []
        cheapest = wanted.length if cheapest is None else cheapest
        for (s, e), edits in sorted(spans.items(), key=lambda item: (item[1], wanted.distance(item[0][0]))):
            candidate = self._candidate(wanted, s, e, edits, cheapest + MARGIN)
            if candidate is not None:
                found.append(candidate)
                cheapest = min(cheapest, candidate.cost)
        return found

    def _candidate(self, wanted: _Wanted, start: int, end: int, edits: int, limit: int) -> Candidate | None:
        """The candidate ``start:end`` (``edits`` in its quote), or None if it costs more than ``limit``."""
        text = self.text
        before = context_cost(wanted.prefix, text, start, True, wanted.before)
        if edits + before > limit:
            return None
        after = context_cost(wanted.suffix, text, end, False, wanted.after)
        cost = edits + before + after
        if cost > limit:
            return None
        size = len(wanted.quote)
        score = 1.0 - cost / wanted.length
        sides = [(c, len(ctx)) for c, ctx in ((before, wanted.prefix), (after, wanted.suffix)) if len(ctx) >= SIDE]
        support = max([score] + [1.0 - (edits + c) / (size + n) for c, n in sides])
        likeness = 1.0 - edits / size  # at most a quarter of the quote in edits, whatever the span's length
        return Candidate(start, end, cost, score, likeness, support)

    def _decide(self, wanted: _Wanted, old_end: int, found: list[Candidate]) -> Anchor:
        """The anchor the candidates support (steps 3 to 5 in the module's description)."""
        ranked = sorted(found, key=lambda c: (c.cost, -c.similarity, wanted.distance(c.start), c.start))
        places: list[Candidate] = []  # one candidate per place, the best of each
        for candidate in ranked:
            if not any(_same_place(candidate, p) for p in places):
                places.append(candidate)
        if not places:
            return Anchor(wanted.old, old_end, "orphan")
        best = places[0]
        margin = min(MARGIN, max(1, int(wanted.length * (1 - MIN_SCORE))))
        near = [c for c in places[1:] if c.cost - best.cost <= margin]
        close = tuple(c for c in near if c.end > c.start)
        worth = tuple(c for c in places if c.score >= KEEP_SCORE and c.end > c.start)[:MAX_KEPT]
        if best.support < MIN_SCORE or best.end == best.start:  # (the latter: the quote most likely deleted)
            return Anchor(wanted.old, old_end, "orphan", candidates=worth)
        if close:
            return Anchor(best.start, best.end, "ambiguous", round(best.score, 4), best.score,
                          (best, *close)[:MAX_KEPT])  # fmt: skip
        if best.similarity < MIN_SIMILARITY or any(
            c.end == c.start for c in places[1:] if c.cost - best.cost <= MARGIN
        ):
            return Anchor(wanted.old, old_end, "orphan", candidates=worth)  # (or deleted: nothing is claimed)
        if best.exact:
            status = "anchored" if best.start == wanted.old else "moved"
            return Anchor(best.start, best.end, status, round(best.score, 4), best.score)
        return Anchor(best.start, best.end, "fuzzy", round(best.score, 4), best.score)

    # -- where to look ----------------------------------------------------------------------------------------------
    def _near(self, needle: str, around: int, count: int = 1) -> list[int]:
        """The ``count`` occurrences of ``needle`` nearest to ``around``, nearest first,
        searching ever wider around it: an unchanged passage costs a search of a few hundred characters."""
        text, size = self.text, len(needle)
        for radius in (*RADII, len(text)):
            lo, hi = max(0, around - radius), around + radius + size
            found = []
            pos = _find(text, needle, lo, hi)
            while pos != -1:
                found.append(pos)
                pos = _find(text, needle, pos + 1, hi)
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
        text = self.text
        hi = len(text) if hi is None else hi
        pos = _find(text, needle, lo, hi)
        while pos != -1:
            found.append(pos)  # type: ignore[union-attr]
            if limit is not None and len(found) > limit:  # type: ignore[arg-type]
                found = None
                break
            pos = _find(text, needle, pos + 1, hi)
        self._hits[key] = found
        return found

    def _shortlist(self, wanted: _Wanted) -> list[int]:
        """Of a quote found too often to compare every occurrence: the ones nearest to the old offset and to the
        hint, and those next to which the end of the prefix or the start of the suffix still stands."""
        quote, hint = wanted.quote, wanted.hint
        found = set(self._near(quote, wanted.old, RANKED))
        if hint is not None and hint != wanted.old:
            found.update(self._near(quote, hint, RANKED))
        tail, head = wanted.prefix[-SEED:], wanted.suffix[:SEED]
        found.update(p + len(tail) for p in self._all(tail + quote, MAX_HITS) or ())
        found.update(self._all(quote + head, MAX_HITS) or ())
        return sorted(found)

    def _context_places(self, wanted: _Wanted, lo: int, hi: int) -> list[tuple[int, int]]:
        """Where the end of the prefix and the start of the suffix stand in ``text[lo:hi]`` with at most twice
        the quote's length between them (nothing, if the quote was deleted): the quote's place even if it was
        edited past recognition. A context cut short by the edge of the text is not looked for: the other one
        alone marks where the quote ends (or starts), deleted or as long as it was."""
        tail, head = wanted.prefix[-SEED:], wanted.suffix[:SEED]
        size, least = len(wanted.quote), SEED // 2
        tails = [p + len(tail) for p in self._all(tail, MAX_HITS, lo, hi) or ()] if len(tail) >= least else []
        heads = self._all(head, MAX_HITS, lo, hi) or [] if len(head) >= least else []
        if not tails:
            return [(max(0, h - k), h) for h in heads for k in (0, size)] if len(tail) < least else []
        if not heads:
            return [(t, min(len(self.text), t + k)) for t in tails for k in (0, size)] if len(head) < least else []
        places = []
        for start in tails:
            i = bisect_left(heads, start)
            if i < len(heads) and heads[i] - start <= 2 * size + PAD:
                places.append((start, heads[i]))
        return places

    def _expected_places(self, wanted: _Wanted) -> list[tuple[int, int]]:
        """The quote deleted, or edited as long as it was, next to the edge of the text, if its context was cut
        short by it (``_context_places`` has no seed there to look for)."""
        size, length = len(wanted.quote), len(self.text)
        starts = set()  # (a quote with no context at all, as imported ones can be, has no edge to go by)
        if len(wanted.prefix) < CONTEXT and len(wanted.suffix) >= SEED:
            starts.add(len(wanted.prefix))
        if len(wanted.suffix) < CONTEXT and len(wanted.prefix) >= SEED:
            starts.update((length - len(wanted.suffix), length - len(wanted.suffix) - size))
        return [(s, min(length, s + k)) for s in starts if 0 <= s <= length for k in (0, size)]

    def _local(self, wanted: _Wanted) -> tuple[int, int]:
        """Where to look first: within LOCAL of the old offset and the hint."""
        near = [wanted.old] if wanted.hint is None else [wanted.old, wanted.hint]
        return max(0, min(near) - LOCAL), min(len(self.text), max(near) + len(wanted.quote) + LOCAL)

    def _matches(self, wanted: _Wanted, windows: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
        found: list[tuple[int, int, int]] = []
        for lo, hi in windows:
            found += self._approximate(wanted, lo, hi)
            if len(found) >= MAX_CANDIDATES:
                break
        return found

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


def locate(text: str, quote: str, start: int, end: int, prefix: str = "", suffix: str = "") -> Anchor:
    """Where ``quote`` is in ``text`` now (see ``Locator.locate``; ``locate_many`` for many quotes in one text)."""
    return Locator(text).locate(quote, start, end, prefix, suffix)


def locate_many(text: str, quotes: Sequence[Any]) -> list[Anchor]:
    """``Locator.locate`` for many quotes in one text (objects with quote, start, end, prefix and suffix, such as
    Annotations), in their order. Taken in text order, each placed one's shift hints where the next one went."""
    locator = Locator(text)
    anchors: list[Anchor] = [Anchor(0, 0, "orphan")] * len(quotes)
    shift = 0
    for i in sorted(range(len(quotes)), key=lambda i: (quotes[i].start, quotes[i].end)):
        q = quotes[i]
        anchors[i] = locator.locate(q.quote, q.start, q.end, q.prefix, q.suffix, hint=q.start + shift)
        if anchors[i].status in ("anchored", "moved", "fuzzy"):
            shift = anchors[i].start - q.start
    return anchors


# -- annotations ---------------------------------------------------------------------------------------------------
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
    kept = [{"start": c.start, "end": c.end, "score": round(c.score, 4)} for c in found.candidates] or None
    if found.status in ("anchored", "moved"):
        prefix, _, suffix = quote_at(document.text, found.start, found.end)
        weak = found.score if found.status == "moved" and found.score is not None and found.score < 1 else None
        return replace(a, document=ref, start=found.start, end=found.end, prefix=prefix, suffix=suffix,
                       status=found.status, score=weak, candidates=None)  # fmt: skip
    if found.status in ("fuzzy", "ambiguous"):
        return replace(a, document=ref, start=found.start, end=found.end, status=found.status, score=found.score,
                       candidates=kept)  # fmt: skip
    return replace(a, document=ref, status="orphan", score=None, candidates=kept)


def needs_review(a: Annotation) -> bool:
    """Whether the reader should ask about ``a``: placed approximately or not at all, ambiguous, or moved with
    a weak context (a score under WEAK)."""
    return a.status in ("fuzzy", "ambiguous", "orphan") or (a.status == "moved" and (a.score or 1.0) < WEAK)


def reattached(annotation: Annotation, document: Any, start: int, end: int) -> Annotation:
    """``annotation`` attached to ``document``'s span ``start:end`` by hand: its quote and context become that
    text and it is ``anchored`` again (the fix for an orphan, or accepting a fuzzy match)."""
    if not 0 <= start < end <= len(document.text):
        raise ValueError(f"span {start}:{end} is outside the document (0:{len(document.text)}) or empty")
    prefix, quote, suffix = quote_at(document.text, start, end)
    return replace(annotation, document=document_ref(document), start=start, end=end, quote=quote, prefix=prefix,
                   suffix=suffix, status="anchored", score=None, candidates=None)  # fmt: skip
