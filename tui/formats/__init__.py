"""Documents as researchers have them: PDF, saved web pages, EPUB and Word files, turned into normalised text.

``detect`` names a file's format from its first bytes (never its extension alone); ``extract`` turns its bytes into
an ``Extraction``: the text (normalised like a text file's: ``text.normalise``), the offsets where its pages or
chapters start, its metadata and the extractor that made it. Every failure is a ``FormatError`` with a one-line
message. Nothing here fetches, executes or imports Textual; the libraries are imported only when a file needs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..metadata import Metadata
from ..text import normalise

KINDS = ("pdf", "html", "epub", "docx")
Progress = Callable[[int, int], None]  # (done, total): pages or chapters


class FormatError(ValueError):
    """A file that looks like one of our formats but cannot be read; one line, without the path."""


class PasswordRequired(FormatError):
    pass


class NoTextLayer(FormatError):
    pass


@dataclass
class Extraction:
    kind: str
    text: str
    extractor: str  # name and version, e.g. "pdfminer.six 20260107"
    pages: list[tuple[int, str]] = field(default_factory=list)  # (offset where the page starts, its label)
    chapters: list[tuple[int, str]] = field(default_factory=list)  # (offset where the chapter starts, its title)
    metadata: Metadata = field(default_factory=Metadata)


class TextBuilder:
    """Blocks (paragraphs, headings, table rows) joined by blank lines, each normalised on the way in, with marks
    (page or chapter starts) recorded as offsets into the result."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.pages: list[tuple[int, str]] = []
        self.chapters: list[tuple[int, str]] = []

    def _next_offset(self) -> int:
        return self._length + (2 if self._parts else 0)

    def add(self, block: str) -> None:
        block = _SURROGATE.sub("\ufffd", normalise(block)).strip("\n ")
        if not block:
            return
        if self._parts:
            self._parts.append("\n\n")
            self._length += 2
        self._parts.append(block)
        self._length += len(block)

    def page(self, label: str) -> None:
        self.pages.append((self._next_offset(), label))

    def chapter(self, title: str) -> None:
        self.chapters.append((self._next_offset(), normalise(" ".join(title.split()))))

    @property
    def text(self) -> str:
        text = "".join(self._parts)
        # a mark past the last block (an empty last page) points at the end, never past it
        self.pages = [(min(o, len(text)), label) for o, label in self.pages]
        self.chapters = [(min(o, len(text)), title) for o, title in self.chapters]
        return text


_SURROGATE = re.compile("[\ud800-\udfff]")  # a broken font's text: not even JSON can hold it
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\xad": ""})
_HYPHENATED = re.compile(r"(\w)[-‐]\n(?=[a-zà-ÿа-я])")


def join_lines(text: str) -> str:
    """The lines of one paragraph as one line: a word hyphenated at a line end joined, other lines with a space,
    ligatures spelt out (so a search for "find" finds "ﬁnd") and soft hyphens dropped."""
    lines = [" ".join(line.split()) for line in text.translate(_LIGATURES).splitlines()]
    return _HYPHENATED.sub(r"\1", "\n".join(line for line in lines if line)).replace("\n", " ")


def detect(data: bytes, name: str = "") -> str | None:
    """ "pdf", "html", "epub", "docx", or None for anything else (text, Markdown, code: read as text). By content;
    the file ``name``'s extension only names a damaged zip (so it gets a damaged-EPUB error, not "binary")."""
    head = data[:1024]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n\x00").startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        from .archive import zip_kind

        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        return zip_kind(data) or (suffix if suffix in ("epub", "docx") else None)
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith((b"<!doctype html", b"<html")) or (
        sample.startswith(b"<?xml") and b"<html" in data[:4096].lower()
    ):
        return "html"
    return None


def check(data: bytes, kind: str, password: str | None = None) -> None:
    """What can be told about ``data`` without extracting it (a wrong or missing password, a damaged file or zip,
    a zip bomb by its declared sizes, a PDF without fonts: a scan); raises FormatError."""
    if kind == "pdf":
        from .pdf import check_pdf

        check_pdf(data, password)
    elif kind in ("epub", "docx"):
        from .archive import Archive

        Archive(data, "EPUB" if kind == "epub" else "Word file")


def extract(
    data: bytes,
    kind: str,
    password: str | None = None,
    whole_page: bool = False,
    progress: Progress | None = None,
) -> Extraction:
    """The text of ``data`` (a file of ``kind``); raises FormatError."""
    if kind == "pdf":
        from .pdf import extract_pdf

        return extract_pdf(data, password, progress)
    if kind == "html":
        from .html import extract_html

        return extract_html(data, whole_page)
    if kind == "epub":
        from .epub import extract_epub

        return extract_epub(data, progress)
    if kind == "docx":
        from .docx import extract_docx

        return extract_docx(data)
    raise FormatError(f"unknown format {kind!r}")
