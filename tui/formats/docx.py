"""DOCX (Word): the body's paragraphs and tables in order, read from ``word/document.xml`` with the standard
library (python-docx reads no footnotes and would add nothing else we need): headings and list items as their own
paragraphs (list items marked "•" or "1."), each table row as one line of cells joined by " | ", footnote
references as [n] and the footnotes themselves after the body under "Notes". Title, authors and date from
``docProps/core.xml``."""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree

from ..metadata import Metadata, split_authors
from . import Extraction, FormatError, TextBuilder
from .archive import Archive

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_TERMS = "{http://purl.org/dc/terms/}"
EXTRACTOR = "marginalia-docx 1"


def extract_docx(data: bytes) -> Extraction:
    archive = Archive(data, "Word file")
    body = archive.xml("word/document.xml").find(f"{W}body")
    if body is None:
        raise FormatError("not a readable Word file (its document has no body)")
    styles = _style_names(archive)
    numbering = _ordered_lists(archive)
    counters: dict[tuple[str, str], int] = defaultdict(int)
    builder = TextBuilder()
    for element in body:
        if element.tag == f"{W}p":
            builder.add(_paragraph(element, styles, numbering, counters))
        elif element.tag == f"{W}tbl":
            for row in element.iter(f"{W}tr"):
                cells = [" ".join(_text(p) for p in cell.iter(f"{W}p")).strip() for cell in row.iter(f"{W}tc")]
                builder.add(" | ".join(cells))
    notes = _footnotes(archive)
    if notes:
        builder.add("Notes")
        for number, note in notes:
            builder.add(f"[{number}] {note}")
    text = builder.text
    if not text.strip():
        raise FormatError("this Word file has no text")
    return Extraction("docx", text, EXTRACTOR, metadata=_metadata(archive))


def _text(paragraph: ElementTree.Element) -> str:
    parts = []
    for node in paragraph.iter():
        tag = node.tag
        if tag == f"{W}t":
            parts.append(node.text or "")
        elif tag == f"{W}tab":
            parts.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            parts.append(" ")
        elif tag == f"{W}footnoteReference":
            parts.append(f"[{node.get(f'{W}id', '')}]")
        elif tag == f"{W}noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _paragraph(
    element: ElementTree.Element,
    styles: dict[str, str],
    numbering: set[str],
    counters: dict[tuple[str, str], int],
) -> str:
    text = _text(element).strip()
    properties = element.find(f"{W}pPr")
    if not text or properties is None:
        return text
    style_id = properties.find(f"{W}pStyle")
    style = styles.get(style_id.get(f"{W}val", ""), "") if style_id is not None else ""
    num = properties.find(f"{W}numPr")
    if num is None and not style.lower().startswith("list"):
        return text
    num_id = _attribute(num, "numId", "")
    level = _attribute(num, "ilvl", "0")
    if num_id in numbering or "number" in style.lower():
        counters[(num_id or style, level)] += 1
        return f"{counters[(num_id or style, level)]}. {text}"
    return f"• {text}"


def _attribute(parent: ElementTree.Element | None, child: str, default: str) -> str:
    element = parent.find(f"{W}{child}") if parent is not None else None
    return element.get(f"{W}val", default) if element is not None else default


def _style_names(archive: Archive) -> dict[str, str]:
    if "word/styles.xml" not in archive.names:
        return {}
    names = {}
    for style in archive.xml("word/styles.xml").iter(f"{W}style"):
        name = style.find(f"{W}name")
        names[style.get(f"{W}styleId", "")] = name.get(f"{W}val", "") if name is not None else ""
    return names


def _ordered_lists(archive: Archive) -> set[str]:
    """The numIds whose first level is numbered (decimal, letters, roman), not bulleted."""
    if "word/numbering.xml" not in archive.names:
        return set()
    root = archive.xml("word/numbering.xml")
    ordered_abstract = set()
    for abstract in root.iter(f"{W}abstractNum"):
        fmt = abstract.find(f"{W}lvl/{W}numFmt")
        if fmt is not None and fmt.get(f"{W}val") not in ("bullet", "none"):
            ordered_abstract.add(abstract.get(f"{W}abstractNumId"))
    ordered = set()
    for num in root.iter(f"{W}num"):
        if _attribute(num, "abstractNumId", "") in ordered_abstract:
            ordered.add(num.get(f"{W}numId", ""))
    return ordered


def _footnotes(archive: Archive) -> list[tuple[str, str]]:
    if "word/footnotes.xml" not in archive.names:
        return []
    notes = []
    for note in archive.xml("word/footnotes.xml").iter(f"{W}footnote"):
        if note.get(f"{W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        text = " ".join(_text(p).strip() for p in note.iter(f"{W}p")).strip()
        if text:
            notes.append((note.get(f"{W}id", ""), text))
    return notes


def _metadata(archive: Archive) -> Metadata:
    if "docProps/core.xml" not in archive.names:
        return Metadata()
    try:
        core = archive.xml("docProps/core.xml")
    except FormatError:
        return Metadata()  # damaged properties: the text is still there

    def value(tag: str) -> str:
        element = core.find(tag)
        return " ".join((element.text or "").split()) if element is not None else ""

    author = value(f"{_DC}creator")
    return Metadata(
        title=value(f"{_DC}title"),
        authors=split_authors(author) if author else (),
        date=value(f"{_TERMS}created")[:10],
    )
