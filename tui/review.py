"""The review list: the annotations re-anchoring was unsure of (``anchoring.needs_review``), the places each
could be, and the reader's verdicts: accept a place (its text becomes the quote and context, ``anchored``) or
reject (an orphan, to attach by hand). Never imports Textual; the reader's review panel presents it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .anchoring import needs_review, reattached
from .model import Annotation


@dataclass(frozen=True)
class Place:
    """A span an annotation under review could be attached to, and how well its quote and context fit there."""

    start: int
    end: int
    score: float | None = None


def to_review(annotations: Iterable[Annotation]) -> list[Annotation]:
    """The annotations to review, in document order."""
    return sorted((a for a in annotations if needs_review(a)), key=lambda a: (a.document.path, a.start, a.end, a.id))


def places(annotation: Annotation) -> list[Place]:
    """Where ``annotation`` could be, best first: an ambiguous one's candidates, an orphan's (possibly none),
    else the place it was given (fuzzy, or moved with a weak context)."""
    kept = [Place(c["start"], c["end"], c.get("score")) for c in annotation.candidates or () if c["end"] > c["start"]]
    if annotation.status == "orphan":
        return kept
    own = Place(annotation.start, annotation.end, annotation.score)
    return [own, *(p for p in kept if (p.start, p.end) != (own.start, own.end))]


def reason(annotation: Annotation) -> str:
    """Why it is on the list, in a few words."""
    score = f" {annotation.score:.2f}" if annotation.score is not None else ""
    count = len(places(annotation))
    if annotation.status == "fuzzy":
        return f"fuzzy{score}: the text differs from the quote"
    if annotation.status == "ambiguous":
        return f"ambiguous: {count} places fit about as well"
    if annotation.status == "moved":
        return f"moved{score}: its context changed"
    if count:
        return f"orphan: not found; {count} place{'s' * (count != 1)} to look at"
    return "orphan: not found; select its place and accept"


def accept(annotation: Annotation, document: Any, place: Place) -> Annotation:
    """``annotation`` attached at ``place`` in ``document``: the text there becomes its quote and context."""
    return reattached(annotation, document, place.start, place.end)


def reject(annotation: Annotation) -> Annotation:
    """``annotation`` as an orphan: no place is claimed, and the candidates the reader turned down are dropped."""
    return replace(annotation, status="orphan", score=None, candidates=None)
