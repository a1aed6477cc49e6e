"""PDF: text by pdfminer.six's layout analysis, put in reading order by our own XY-cut, metadata and page labels
by pypdf.

Measured on generated pages (tests/bench/formats.py): pdfminer.six's own box order reads a two-column page
across the columns (1, 3, 2, 4) and pypdf interleaves their lines, so the boxes pdfminer finds (one per
paragraph) are ordered here: columns left to right wherever a vertical gutter runs through a band of the page,
top to bottom otherwise. Running headers and footers (the same text, digits aside, near the top or bottom edge of
most pages) and bare page numbers are left out; a paragraph's lines are joined (``join_lines``).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING

from ..metadata import Metadata, split_authors

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader
from . import Extraction, FormatError, NoTextLayer, PasswordRequired, Progress, TextBuilder, join_lines

EDGE = 0.08  # the top and bottom eighth-ish of a page, where running headers and footers sit
MIN_GUTTER = 6.0  # points of empty width between two columns
_PAGE_NUMBER = re.compile(r"\W*(page\s*)?(\d+|[ivxlcdm]+)(\s*(of|/)\s*\d+)?\W*", re.IGNORECASE)


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def extract_pdf(data: bytes, password: str | None = None, progress: Progress | None = None) -> Extraction:
    reader = _open(data, password)
    total = len(reader.pages)
    labels = _labels(reader, total)
    pages = list(_pdfminer_pages(data, password, total, progress))
    drop = _running_lines(pages)
    builder = TextBuilder()
    for number, (height, boxes) in enumerate(pages):
        builder.page(labels[number] if number < len(labels) else str(number + 1))
        for box in reading_order(boxes):
            if not (_at_edge(box, height) and _edge_key(box.text) in drop):
                builder.add(join_lines(box.text))
    text = builder.text
    if not text.strip():
        raise NoTextLayer("no text layer; run OCR first, e.g. ocrmypdf")
    return Extraction("pdf", text, f"pdfminer.six {version('pdfminer.six')}", builder.pages, [], _metadata(reader))


def check_pdf(data: bytes, password: str | None = None) -> None:
    """Opened (the password checked), and some page (or a form it draws) shows text; a scan shows none (its
    fonts, if any, unused), so it has nothing to extract."""
    reader = _open(data, password)
    try:
        if any(_shows_text(page) for page in reader.pages):
            return
    except Exception:  # a damaged content stream: the extraction will tell
        return
    raise NoTextLayer("no text layer; run OCR first, e.g. ocrmypdf")


_SHOWS_TEXT = re.compile(rb"[)>\]]\s*(Tj|TJ|'|\")")  # a string, then an operator that shows it


def _shows_text(page: PageObject) -> bool:
    contents = page.get_contents()
    if contents is not None and _SHOWS_TEXT.search(contents.get_data()):
        return True
    resources = page.get("/Resources")
    forms = resources.get_object().get("/XObject") if resources is not None else None
    for xobject in (forms.get_object() if forms is not None else {}).values():
        form = xobject.get_object()
        if form.get("/Subtype") == "/Form" and _SHOWS_TEXT.search(form.get_data()):
            return True
    return False


def _open(data: bytes, password: str | None) -> PdfReader:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt(password or "") == 0:
            if password:
                raise PasswordRequired("wrong password for this encrypted PDF")
            raise PasswordRequired("encrypted PDF: give its password with --password")
        reader.pages[0]
    except (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, OSError) as error:
        if isinstance(error, FormatError):
            raise
        raise FormatError(f"not a readable PDF ({_reason(error)})") from None
    return reader


def _reason(error: Exception) -> str:
    return " ".join(str(error).split())[:120] or type(error).__name__


def _pdfminer_pages(
    data: bytes, password: str | None, total: int, progress: Progress | None
) -> Iterator[tuple[float, list[Box]]]:
    """(page height, text boxes) per page."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextBox

    try:
        # boxes_flow=None: pdfminer's own box ordering (a clustering over every pair of a page's boxes) is skipped,
        # since ``reading_order`` orders them; the boxes themselves are the same
        laparams = LAParams(boxes_flow=None)
        for number, page in enumerate(extract_pages(io.BytesIO(data), password=password or "", laparams=laparams)):
            boxes = [Box(*element.bbox, element.get_text()) for element in page if isinstance(element, LTTextBox)]
            yield page.height, [b for b in boxes if b.text.strip()]
            if progress is not None:
                progress(number + 1, total)
    except FormatError:
        raise
    except Exception as error:  # pdfminer raises many kinds (PSEOF, PDFSyntaxError, struct.error...) on bad files
        raise FormatError(f"not a readable PDF ({_reason(error)})") from None


def reading_order(boxes: list[Box]) -> list[Box]:
    """Bands of the page top to bottom; in a band crossed by a gutter, its columns left to right, each read the
    same way (a column can hold columns); elsewhere top to bottom."""
    if len(boxes) <= 1:
        return boxes
    ordered: list[Box] = []
    for band in _bands(boxes):
        columns = _columns(band)
        if len(columns) == 1:
            ordered += sorted(band, key=lambda b: (-b.y1, b.x0))
        else:
            for column in columns:
                ordered += reading_order(column)
    return ordered


def _columns(boxes: list[Box]) -> list[list[Box]]:
    """Boxes split at every vertical gap at least ``MIN_GUTTER`` wide, left to right."""
    groups: list[list[Box]] = []
    right = float("-inf")
    for box in sorted(boxes, key=lambda b: b.x0):
        if not groups or box.x0 > right + MIN_GUTTER:
            groups.append([])
        groups[-1].append(box)
        right = max(right, box.x1)
    return groups


def _bands(boxes: list[Box]) -> list[list[Box]]:
    """Boxes split at every horizontal gap, top to bottom, then neighbours merged where a gutter runs through
    both (the paragraphs of two columns side by side are one band, however their gaps line up)."""
    strips: list[list[Box]] = []
    bottom = float("inf")
    for box in sorted(boxes, key=lambda b: -b.y1):
        if not strips or box.y1 < bottom:
            strips.append([])
        strips[-1].append(box)
        bottom = min(bottom, box.y0)
    bands = [strips[0]]
    for strip in strips[1:]:
        if len(_columns(bands[-1] + strip)) > 1:
            bands[-1] = bands[-1] + strip
        else:
            bands.append(strip)
    return bands


def _at_edge(box: Box, height: float) -> bool:
    return box.y0 > height * (1 - EDGE) or box.y1 < height * EDGE


def _edge_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split()).casefold())


def _running_lines(pages: list[tuple[float, list[Box]]]) -> set[str]:
    """Texts (digits aside) near the top or bottom edge on at least half the pages (two at least), and bare
    page numbers there."""
    counts: Counter[str] = Counter()
    numbers = set()
    for height, boxes in pages:
        keys = {_edge_key(b.text) for b in boxes if _at_edge(b, height)}
        counts.update(keys)
        numbers |= {_edge_key(b.text) for b in boxes if _at_edge(b, height) and _PAGE_NUMBER.fullmatch(b.text.strip())}
    needed = max(2, (len(pages) + 1) // 2)
    return {key for key, n in counts.items() if n >= needed} | numbers


def _labels(reader: PdfReader, total: int) -> list[str]:
    try:
        labels = list(reader.page_labels)
    except Exception:  # a damaged /PageLabels tree: plain numbers
        labels = []
    return labels if len(labels) == total else [str(n + 1) for n in range(total)]


def _metadata(reader: PdfReader) -> Metadata:
    title = author = date = ""
    try:
        info: Mapping[str, object] = reader.metadata or {}
        title, author = str(info.get("/Title") or ""), str(info.get("/Author") or "")
        date = _pdf_date(str(info.get("/CreationDate") or ""))
    except Exception:  # metadata is a courtesy: a damaged info dictionary leaves it empty
        pass
    try:
        xmp = reader.xmp_metadata
        if xmp is not None:
            title = title or (xmp.dc_title or {}).get("x-default", "")
            author = author or "; ".join(xmp.dc_creator or [])
            if not date and xmp.dc_date:
                date = xmp.dc_date[0].date().isoformat()
    except Exception:
        pass
    return Metadata(title=title, authors=split_authors(author) if author else (), date=date)


def _pdf_date(value: str) -> str:
    """``D:20230808120000+00'00'`` -> ``2023-08-08``."""
    match = re.match(r"(?:D:)?(\d{4})(\d\d)?(\d\d)?", value)
    if not match:
        return ""
    return "-".join(part for part in match.groups() if part)
