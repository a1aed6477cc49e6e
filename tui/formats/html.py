"""A saved web page: its article by trafilatura (menus, banners, sidebars, footers, scripts and styles left out),
or the whole page by inscriptis (``--whole-page``, and every EPUB chapter); metadata from ``<meta>``, Open Graph
and citation tags. Both parse the text they are given: nothing is fetched, no script runs."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from importlib.metadata import version

from ..metadata import Metadata, split_authors
from ..text import DecodeError, decode
from . import Extraction, FormatError, TextBuilder

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def decode_html(data: bytes) -> str:
    """The page's declared charset where it names a real one, else detected as a text file is."""
    match = _CHARSET.search(data[:4096])
    if match:
        try:
            name = codecs.lookup(match.group(1).decode("ascii")).name
            return data.decode(name, errors="replace")
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return decode(data)[0]
    except DecodeError as error:
        raise FormatError(f"not a readable web page ({error})") from None


def extract_html(data: bytes, whole_page: bool = False) -> Extraction:
    html = decode_html(data)
    builder = TextBuilder()
    article = None if whole_page else main_text(html)
    if article:
        for line in article.splitlines():
            builder.add(line)
        extractor = f"trafilatura {version('trafilatura')}"
    else:  # whole page asked for, or no article found (a page of links): everything, rather than nothing
        for block in page_blocks(html):
            builder.add(block)
        extractor = f"inscriptis {version('inscriptis')}"
    text = builder.text
    if not text.strip():
        raise FormatError("this web page has no text")
    return Extraction("html", text, extractor, metadata=html_metadata(html))


def main_text(html: str) -> str | None:
    """The article's paragraphs, one a line (trafilatura), or None."""
    import trafilatura

    try:
        return trafilatura.extract(html, include_comments=False, include_tables=True, deduplicate=False)
    except Exception:  # a page trafilatura cannot take apart falls back to the whole page
        return None


def page_blocks(html: str) -> list[str]:
    """Every block of the page (inscriptis: scripts and styles dropped, lists and tables laid out), a block's
    lines kept (list items, table rows)."""
    from inscriptis import get_text  # type: ignore[import-untyped]

    try:
        text = get_text(html)
    except Exception as error:
        raise FormatError(f"not a readable web page ({' '.join(str(error).split())[:100]})") from None
    blocks = re.split(r"\n[ \t]*\n", text)
    return ["\n".join(line.strip() for line in block.splitlines() if line.strip()) for block in blocks]


_TITLE_KEYS = ("citation_title", "og:title", "dc.title", "twitter:title")
_AUTHOR_KEYS = ("citation_author", "author", "article:author", "dc.creator", "parsely-author", "sailthru.author")
_DATE_KEYS = ("citation_publication_date", "citation_date", "article:published_time", "dc.date", "date",
              "og:published_time", "pubdate", "publish-date")  # fmt: skip
_URL_KEYS = ("og:url", "citation_public_url", "canonical")


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or values.get("itemprop") or "").lower()
            if key and values.get("content", "").strip():
                self.meta.setdefault(key, []).append(values["content"].strip())
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split() and values.get("href"):
            self.meta.setdefault("canonical", []).append(values["href"])
        elif tag == "title" and not self.title:
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def first(self, keys: tuple[str, ...]) -> str:
        return next((self.meta[k][0] for k in keys if k in self.meta), "")


def html_metadata(html: str) -> Metadata:
    parser = _MetaParser()
    try:
        parser.feed(html[:1_000_000])
    except Exception:  # metadata is a courtesy
        return Metadata()
    authors: tuple[str, ...] = ()
    for key in _AUTHOR_KEYS:
        names = [n for n in parser.meta.get(key, []) if not n.startswith(("http://", "https://"))]
        if names:
            authors = tuple(a for n in names for a in split_authors(n))
            break
    date = parser.first(_DATE_KEYS)
    iso = re.match(r"\d{4}(-\d\d(-\d\d)?)?", date.replace("/", "-"))
    url = parser.first(_URL_KEYS)
    return Metadata(
        title=parser.first(_TITLE_KEYS) or parser.title,
        authors=authors,
        date=iso.group() if iso else date,
        url=url if url.startswith(("http://", "https://")) else "",
    )
