"""Compare by theme: the theme x document matrix and theme x theme co-occurrence. Never imports Textual.

A cell of the matrix holds the passages (annotations) coded with a codebook node (a theme or any theme below it)
in a column (a document, or the documents sharing an attribute such as their author): how many there are, how
many characters they cover (the union of their spans, so overlapping passages count once) and what share of the
column's text that is. Co-occurrence counts the passages of two themes that are the same passage or overlap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

from .codebook import Codebook, covering, in_subtree
from .model import Annotation, Theme

COUNTS = ("passages", "characters", "percent")
STEP = 250  # passages between two yields of the step-by-step builders (a few milliseconds)
T = TypeVar("T")
BUILD_HERE = 1_000  # annotations up to which the reader builds a matrix at once (a few ms); above, in a worker


@dataclass(frozen=True)
class Source:
    """A document as the matrix sees it: where annotations point, its title, its length (None: not loaded) and
    the attributes columns can be grouped by."""

    path: str
    title: str
    length: int | None
    attributes: tuple[tuple[str, str], ...] = ()

    def attribute(self, name: str) -> str:
        return dict(self.attributes).get(name, "")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    paths: tuple[str, ...]


def group_columns(sources: Sequence[Source], by: str = "document") -> list[Column]:
    """One column per document (in the order given), or per value of an attribute (sorted; documents without
    it under "(no author)" and the like, last)."""
    if by == "document":
        return [Column(s.path, s.title, (s.path,)) for s in sources]
    groups: dict[str, list[str]] = defaultdict(list)
    for source in sources:
        groups[source.attribute(by)].append(source.path)
    missing = f"(no {by})"
    ordered = sorted(groups, key=lambda v: (v == "", v.casefold()))
    return [Column(value or missing, value or missing, tuple(groups[value])) for value in ordered]


@dataclass
class Cell:
    node: str
    column: str
    passages: list[Annotation] = field(default_factory=list)
    characters: int = 0
    percent: float | None = None  # None: the column's text is not available

    def value(self, count: str) -> int | float | None:
        return {"passages": len(self.passages), "characters": self.characters, "percent": self.percent}[count]


def coded_characters(annotations: Iterable[Annotation], ordered: bool = False) -> int:
    """Characters covered by the annotations' spans (of one document), each counted once. ``ordered``: they
    come sorted by start already."""
    spans = [(a.start, a.end) for a in annotations if a.status != "orphan"]
    if not ordered:
        spans.sort()
    total = 0
    reach = -1
    for start, end in spans:
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def _document_order(a: Annotation) -> tuple[str, int, int, str]:
    return a.document.path, a.start, a.end, a.id


class Matrix:
    """Rows: the codebook's nodes in tree order; columns: ``columns``; a cell for every pair."""

    def __init__(
        self,
        codebook: Codebook,
        columns: list[Column],
        sources: Sequence[Source],
        cells: dict[tuple[str, str], Cell],
        by: str = "document",
    ) -> None:
        self.codebook = codebook
        self.columns = columns
        self.by = by  # what a column is: a document, or the documents sharing this attribute's value
        self.sources = {s.path: s for s in sources}
        self.cells: dict[tuple[str, str], Cell] = cells

    def cell(self, node: str, column: str) -> Cell:
        return self.cells[(node, column)]

    def row_total(self, node: str) -> int:
        """Passages of ``node`` over all columns."""
        return sum(len(self.cells[(node, c.key)].passages) for c in self.columns)


def build_matrix(
    annotations: Iterable[Annotation],
    themes: Iterable[Theme],
    sources: Sequence[Source],
    by: str = "document",
    only: Callable[[str], bool] | None = None,
) -> Matrix:
    """The matrix of ``annotations`` on ``sources``; ``only(node_key)`` keeps some rows (and their ancestors)."""
    return finish(matrix_steps(annotations, themes, sources, by, only))


Steps = Generator[None, None, T]


def finish(steps: Steps[T]) -> T:
    """Run ``steps`` to the end: its result."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def matrix_steps(
    annotations: Iterable[Annotation],
    themes: Iterable[Theme],
    sources: Sequence[Source],
    by: str = "document",
    only: Callable[[str], bool] | None = None,
) -> Steps[Matrix]:
    """``build_matrix`` in small steps: it yields every ``STEP`` passages or so, so a reader can build the matrix
    of 10,000 passages on its event loop between keys (a thread would slow every frame down: the GIL)."""
    annotations = sorted(annotations, key=_document_order)  # so every bucket is in document order already
    yield
    codebook = Codebook(themes, {t for a in annotations for t in a.themes})
    columns = group_columns(sources, by)
    column_of = {path: c.key for c in columns for path in c.paths}
    buckets: dict[tuple[str, str], list[Annotation]] = defaultdict(list)
    for n, annotation in enumerate(annotations, 1):
        where = column_of.get(annotation.document.path)
        if where is not None:
            for key in covering(annotation):
                buckets[(key, where)].append(annotation)
        if not n % STEP:
            yield
    length_of = {s.path: s.length for s in sources}
    lengths: dict[str, int | None] = {}
    for column in columns:
        known = [length_of[p] or 0 for p in column.paths if length_of[p] is not None]
        lengths[column.key] = sum(known) if known else None
    if only is not None:
        codebook.order = [k for k in codebook.order if only(k)]
    cells: dict[tuple[str, str], Cell] = {}
    done = 0
    for key in codebook.order:
        for column in columns:
            passages = buckets.get((key, column.key), [])
            if len(column.paths) == 1:
                characters = coded_characters(passages, ordered=True)
            else:
                characters = sum(
                    coded_characters((a for a in passages if a.document.path == p), ordered=True) for p in column.paths
                )
            length = lengths[column.key]
            percent = round(100 * characters / length, 2) if length else (0.0 if length == 0 else None)
            cells[(key, column.key)] = Cell(key, column.key, passages, characters, percent)
            done += len(passages)
            if done >= STEP:
                done = 0
                yield
    return Matrix(codebook, columns, sources, cells, by)


# -- co-occurrence -------------------------------------------------------------------------------------------------
Cooccurrence = dict[tuple[str, str], list[Annotation]]


def cooccurrence(annotations: Iterable[Annotation], themes: Iterable[Theme]) -> tuple[Codebook, Cooccurrence]:
    """(codebook, {(node, other): passages}): for two nodes neither of which is the other's ancestor, the
    passages coded with both or overlapping a passage of the other (in document order); for a node and itself,
    its passages. Pairs of a node and its ancestor or descendant are left out (one contains the other)."""
    return finish(cooccurrence_steps(annotations, themes))


@lru_cache(maxsize=4096)
def _pairs(these: frozenset[str], those: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """The cells two passages covering these and those nodes both go in (both orders)."""
    found = []
    for p in these:
        for q in those:
            if not (in_subtree(p, q) or in_subtree(q, p)):
                found += [(p, q), (q, p)]
    return tuple(found)


def cooccurrence_steps(
    annotations: Iterable[Annotation], themes: Iterable[Theme]
) -> Steps[tuple[Codebook, Cooccurrence]]:
    """``cooccurrence`` in small steps (as ``matrix_steps``)."""
    annotations = sorted(annotations, key=_document_order)
    yield
    rank = {a.id: n for n, a in enumerate(annotations)}
    codebook = Codebook(themes, {t for a in annotations for t in a.themes})
    yield
    found: dict[tuple[str, str], dict[str, Annotation]] = defaultdict(dict)
    per_document: dict[str, list[Annotation]] = defaultdict(list)
    for n, annotation in enumerate(annotations, 1):
        per_document[annotation.document.path].append(annotation)
        for key in covering(annotation):
            found[(key, key)][annotation.id] = annotation
        if not n % STEP:
            yield

    def pair(x: Annotation, y: Annotation) -> None:
        for cell in _pairs(covering(x), covering(y)):
            passages = found[cell]
            passages[x.id] = x
            passages[y.id] = y

    n = 0
    for group in per_document.values():
        active: list[Annotation] = []
        for annotation in (a for a in group if a.status != "orphan"):  # in document order already
            active = [a for a in active if a.end > annotation.start]
            pair(annotation, annotation)
            for other in active:
                pair(other, annotation)
            active.append(annotation)
            n += 1
            if not n % STEP:
                yield
        for annotation in group:
            if annotation.status == "orphan":
                pair(annotation, annotation)  # no place in the text, but its own themes still co-occur
    yield
    ordered: Cooccurrence = {}
    done = 0
    for cell, passages in found.items():  # each cell's passages in document order
        ordered[cell] = sorted(passages.values(), key=lambda a: rank[a.id])
        done += len(passages)
        if done >= STEP:
            done = 0
            yield
    return codebook, ordered
