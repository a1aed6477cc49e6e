"""Reports on the command line: the compare matrix, co-occurrence and the CSV export, as text tables, CSV
(RFC 4180, UTF-8, CRLF) and JSON-ready values. Never imports Textual.

CSV cells are the text as stored, with two exceptions that keep a CSV file safe to open and to print:
control and bidi characters (which only notes and theme names can hold: documents already show them as
placeholders) become the same visible placeholders, and a lone surrogate becomes U+FFFD (UTF-8 cannot hold it).
Against spreadsheet formula injection, a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return, after any number of ``'``, gets one more ``'`` in front (``unguard`` takes it off again, so
the rule loses nothing); ``guard=False`` writes text cells as they are. Numbers are never changed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .codebook import Codebook, in_subtree, node_key
from .compare import Matrix, Source, build_matrix, cooccurrence
from .document import Document
from .export import citation
from .model import Annotation, Theme
from .text import sanitise

EXPORT_COLUMNS = ("path", "title", "author", "start", "end", "page", "quote", "themes", "note", "citation", "coder")
THEME_SEPARATOR = "; "

_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_GUARDED = re.compile(r"'+[=+\-@\t\r]")


def guard(cell: str) -> str:
    """``cell`` with a leading ``'`` if a spreadsheet could read it as a formula."""
    return "'" + cell if _FORMULA.match(cell) else cell


def unguard(cell: str) -> str:
    """The inverse of ``guard``: what the cell held before it was written."""
    return cell[1:] if _GUARDED.match(cell) else cell


def _text_cell(value: str, protect: bool) -> str:
    value = sanitise(value)  # placeholders for control and bidi characters, U+FFFD for a lone surrogate
    return guard(value) if protect else value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], protect: bool = True) -> str:
    """RFC 4180 CSV: CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled. ``None``
    is an empty cell."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for n, row in enumerate([header, *rows]):
        cells = []
        for value in row:
            if value is None:
                cells.append("")
            elif isinstance(value, str):
                cells.append(_text_cell(value, protect and n > 0))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return out.getvalue()


# -- what the documents are ------------------------------------------------------------------------------------------
def attributes(document: Document) -> tuple[tuple[str, str], ...]:
    """A document's metadata as (name, value) pairs, where the document has any: ``author`` (family names, as a
    citation gives them: "Asmolov", "Fifield and Lankov"), ``authors`` (full names), ``date``, ``year``,
    ``title``, ``url``."""
    meta = document.metadata
    pairs = {
        "author": meta.short_author, "authors": "; ".join(meta.authors), "date": meta.date, "year": meta.year,
        "title": meta.title, "url": meta.url,
    }  # fmt: skip
    return tuple(sorted((k, v) for k, v in pairs.items() if v))


def sources(annotations: Iterable[Annotation], documents: Mapping[str, Document]) -> list[Source]:
    """The annotated documents (sorted by path): loaded ones with their length, missing ones with their stored
    title and no length."""
    titles: dict[str, str] = {}
    for annotation in annotations:
        titles.setdefault(annotation.document.path, annotation.document.title)
    found = []
    for path in sorted(set(titles) | set(documents)):
        document = documents.get(path)
        if document is None:
            found.append(Source(path, titles[path], None))
        else:
            found.append(Source(path, document.title, len(document.text), attributes(document)))
    return found


def theme_filter(codebook: Codebook, names: Sequence[str]) -> Callable[[str], bool] | None:
    """Rows for ``--theme``: the named nodes and their subtrees. An unknown name is an error."""
    if not names:
        return None
    keys = [node_key(n) for n in names]
    for name, key in zip(names, keys):
        if key not in codebook:
            raise ValueError(f"no theme named {name.strip()!r}")
    return lambda k: any(in_subtree(k, parent) for parent in keys)


def matrix_for(
    annotations: list[Annotation],
    themes: list[Theme],
    documents: Mapping[str, Document],
    by: str = "document",
    names: Sequence[str] = (),
) -> Matrix:
    found = sources(annotations, documents)
    codebook = Codebook(themes, {t for a in annotations for t in a.themes})
    return build_matrix(annotations, themes, found, by, theme_filter(codebook, names))


# -- the matrix --------------------------------------------------------------------------------------------------------
def format_value(value: int | float | None, count: str) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if count == "percent" else str(value)


def matrix_rows(matrix: Matrix, count: str) -> list[tuple[str, int, list[int | float | None]]]:
    """(theme name, depth, one value per column) for each row."""
    rows = []
    for key in matrix.codebook.order:
        node = matrix.codebook.nodes[key]
        rows.append((node.name, node.depth, [matrix.cell(key, c.key).value(count) for c in matrix.columns]))
    return rows


def matrix_csv(matrix: Matrix, count: str, protect: bool = True) -> str:
    """A header (``theme``, then each column's key: a document's path, or the attribute's value), then a row
    per codebook node with its full name."""
    rows = [[name, *values] for name, _, values in matrix_rows(matrix, count)]
    return write_csv(["theme", *[c.key for c in matrix.columns]], rows, protect)


def matrix_json(matrix: Matrix, by: str = "document") -> list[dict[str, Any]]:
    cells = []
    for key in matrix.codebook.order:
        name = matrix.codebook.nodes[key].name
        for column in matrix.columns:
            cell = matrix.cell(key, column.key)
            where: dict[str, Any]
            if by == "document":
                where = {"document": {"path": column.key, "title": column.label}}
            else:
                where = {by: column.label, "documents": list(column.paths)}
            cells.append({
                "theme": name, **where,
                "passages": len(cell.passages), "characters": cell.characters, "percent": cell.percent,
            })  # fmt: skip
    return cells


# -- co-occurrence -----------------------------------------------------------------------------------------------------
def cooccurrence_rows(annotations: list[Annotation], themes: list[Theme]) -> tuple[list[str], list[list[int | None]]]:
    """The theme names in tree order and the square of counts (None where one theme contains the other)."""
    codebook, cells = cooccurrence(annotations, themes)
    names = [codebook.nodes[k].name for k in codebook.order]
    square: list[list[int | None]] = []
    for p in codebook.order:
        row: list[int | None] = []
        for q in codebook.order:
            related = p != q and (in_subtree(p, q) or in_subtree(q, p))
            row.append(None if related else len(cells.get((p, q), [])))
        square.append(row)
    return names, square


def cooccurrence_json(annotations: list[Annotation], themes: list[Theme]) -> list[dict[str, Any]]:
    codebook, cells = cooccurrence(annotations, themes)
    found = []
    for p in codebook.order:
        for q in codebook.order:
            if p != q and (in_subtree(p, q) or in_subtree(q, p)):
                continue
            passages = cells.get((p, q), [])
            found.append({
                "theme": codebook.nodes[p].name, "with": codebook.nodes[q].name,
                "passages": len(passages), "annotations": [a.id for a in passages],
            })  # fmt: skip
    return found


# -- the CSV export ------------------------------------------------------------------------------------------------------
def page_of(document: Document | None, offset: int) -> int | None:
    """The page an offset is on, for documents that have pages (PDF)."""
    finder = getattr(document, "page_of", None)
    return finder(offset) if callable(finder) else None


def export_rows(annotations: Iterable[Annotation], documents: Mapping[str, Document]) -> list[list[Any]]:
    rows = []
    for a in annotations:
        document = documents.get(a.document.path)
        author = dict(attributes(document)).get("author", "") if document is not None else ""
        title = document.title if document is not None else a.document.title
        rows.append([
            a.document.path, title, author, a.start, a.end, page_of(document, a.start), a.quote,
            THEME_SEPARATOR.join(a.themes), a.note, citation(a, document, inline=str), a.coder,
        ])  # fmt: skip
    return rows


def export_csv(annotations: Iterable[Annotation], documents: Mapping[str, Document], protect: bool = True) -> str:
    return write_csv(EXPORT_COLUMNS, export_rows(annotations, documents), protect)
