"""EPUB: a zip of XHTML. ``META-INF/container.xml`` names the package (OPF) file, whose spine orders the chapters
and whose ``dc:`` metadata gives title, authors and date; chapter titles come from the table of contents (EPUB 3
nav or EPUB 2 NCX), else the chapter's first heading. Each chapter's text is the whole-page HTML text."""

from __future__ import annotations

import posixpath
from importlib.metadata import version
from urllib.parse import unquote
from xml.etree import ElementTree

from ..metadata import Metadata
from . import Extraction, FormatError, Progress, TextBuilder
from .archive import Archive, parse_xml
from .html import page_blocks

_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_XHTML = "{http://www.w3.org/1999/xhtml}"
_NCX = "{http://www.daisy.org/z3986/2005/ncx/}"
_EPUB = "{http://www.idpf.org/2007/ops}"


def extract_epub(data: bytes, progress: Progress | None = None) -> Extraction:
    book = Archive(data, "EPUB")
    root = book.xml("META-INF/container.xml").find(f".//{_CONTAINER}rootfile")
    if root is None or not root.get("full-path"):
        raise FormatError("not a readable EPUB (its container names no package file)")
    opf_path = root.get("full-path", "")
    opf = book.xml(opf_path)
    base = posixpath.dirname(opf_path)
    items = {item.get("id", ""): item for item in opf.iter(f"{_OPF}item") if item.get("href")}
    spine = opf.find(f"{_OPF}spine")
    if spine is None:
        raise FormatError("not a readable EPUB (its package has no spine)")
    chapters = [
        _href(base, items[ref.get("idref", "")]) for ref in spine.iter(f"{_OPF}itemref") if ref.get("idref") in items
    ]
    titles = _toc_titles(book, base, items, spine)
    builder = TextBuilder()
    for number, path in enumerate(chapters):
        html = book.read(path).decode("utf-8", errors="replace")
        blocks = [b for b in page_blocks(html) if b.strip()]
        if blocks:
            builder.chapter(titles.get(path) or _first_heading(html) or f"Chapter {len(builder.chapters) + 1}")
            for block in blocks:
                builder.add(block)
        if progress is not None:
            progress(number + 1, len(chapters))
    text = builder.text
    if not text.strip():
        raise FormatError("this EPUB has no text")
    return Extraction(
        "epub", text, f"marginalia-epub 1 + inscriptis {version('inscriptis')}", [], builder.chapters, _metadata(opf)
    )


def _href(base: str, item: ElementTree.Element) -> str:
    return posixpath.normpath(posixpath.join(base, unquote(item.get("href", "").split("#")[0])))


def _metadata(opf: ElementTree.Element) -> Metadata:
    meta = opf.find(f"{_OPF}metadata")
    if meta is None:
        return Metadata()

    def texts(tag: str) -> list[str]:
        return [" ".join("".join(e.itertext()).split()) for e in meta.iter(f"{_DC}{tag}")]

    dates = texts("date")
    return Metadata(
        title=next(iter(texts("title")), ""),
        authors=tuple(a for a in texts("creator") if a),
        date=dates[0][:10] if dates else "",
    )


def _toc_titles(
    book: Archive, base: str, items: dict[str, ElementTree.Element], spine: ElementTree.Element
) -> dict[str, str]:
    """Chapter path -> its title in the table of contents (the first entry pointing into it)."""
    titles: dict[str, str] = {}
    nav = next((i for i in items.values() if "nav" in (i.get("properties") or "").split()), None)
    ncx = items.get(spine.get("toc") or "")
    try:
        if nav is not None:
            path = _href(base, nav)
            for link in book.xml(path).iter(f"{_XHTML}a"):
                target = link.get("href", "").split("#")[0]
                if target:
                    full = posixpath.normpath(posixpath.join(posixpath.dirname(path), unquote(target)))
                    titles.setdefault(full, " ".join("".join(link.itertext()).split()))
        elif ncx is not None:
            path = _href(base, ncx)
            for point in book.xml(path).iter(f"{_NCX}navPoint"):
                label, content = point.find(f"{_NCX}navLabel/{_NCX}text"), point.find(f"{_NCX}content")
                if label is not None and content is not None and content.get("src"):
                    full = posixpath.normpath(
                        posixpath.join(posixpath.dirname(path), unquote(content.get("src", "").split("#")[0]))
                    )
                    titles.setdefault(full, " ".join((label.text or "").split()))
    except FormatError as error:
        if "refused" in str(error):
            raise
        return {}  # a broken table of contents: chapters are named from their headings
    return titles


def _first_heading(html: str) -> str:
    try:
        root = parse_xml(html.encode("utf-8"), "chapter")
    except FormatError:
        return ""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] in ("h1", "h2", "h3", "title"):
            text = " ".join("".join(element.itertext()).split())
            if text:
                return text
    return ""
