"""Markdown export of annotations, the selection every export starts from, and the file writing it shares.

Passages, notes and every other piece of text that comes from a document or a user are written so that a
CommonMark parser gives back exactly that text and no markup: ``markdown_text`` backslash-escapes the ASCII
punctuation that can start markup (all of it at the start of a line, a small inert set such as ``,.:;?'"()``
left alone elsewhere so prose stays readable), writes whitespace at either end of a line as character
references (``&#32;``) and newlines as hard breaks (or ``&#10;`` where a hard break cannot stand), and keeps a
blank line between paragraphs as a paragraph break. NUL cannot survive CommonMark (it becomes U+FFFD), and the
control characters documents already show as placeholders (``text.sanitise``) are shown the same way here, so
an export printed to a terminal cannot carry an escape sequence. Never imports Textual.
"""

from __future__ import annotations

import functools
import os
import re
import string
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path

from .codebook import Codebook, in_subtree, matches, node_key
from .coders import by_coder, coder_key
from .document import Document
from .files import write_atomically
from .library import load_annotated_documents
from .memos import MemoKey
from .metadata import Metadata
from .model import Annotation, Theme, theme_key
from .store import NotFound, Store
from .text import safe_line, sanitise
from .wording import plural

GROUPINGS = ("theme", "document")
FORMATS = ("markdown", "w3c", "csv")
UNTHEMED = "Without a theme"


class ExportError(ValueError):
    """An export that cannot be made or written; the message is one line."""


# -- CommonMark-safe text --------------------------------------------------------------------------------------
_PUNCTUATION = frozenset(string.punctuation)
# Inert in CommonMark (and GFM) in the middle of a line; everything else is escaped everywhere.
_INERT = frozenset(",.;:?!%/'\"()@^{}-+=")
_ACTIVE = re.compile("[" + re.escape("".join(sorted(_PUNCTUATION - _INERT))) + "]")
_ORDERED_MARKER = re.compile(r"\d+[.)]")
_PARAGRAPH_BREAK = re.compile(r"(?<=[^\n])\n\n(?=[^\n])")
_SURROGATE = re.compile("[\ud800-\udfff]")


def visible(text: str) -> str:
    """The text a CommonMark reader gets back from ``markdown_text(text)``: NUL (and lone surrogates) become
    U+FFFD, other control and bidi characters the placeholders documents show; anything a document can hold
    comes back unchanged."""
    return sanitise(_SURROGATE.sub("\ufffd", text.replace("\0", "\ufffd")))


def _reference(ch: str) -> str:
    return f"&#{ord(ch)};"


def _backslashed(match: re.Match[str]) -> str:
    return "\\" + match[0]


def _escape_line(line: str, line_start: bool = True) -> str:
    """One line: markup escaped, whitespace at either end as character references (parsers strip it).
    ``line_start``: the text starts a line, where ``-``, ``+``, ``1.`` and the like would start a block."""
    core = line.strip()
    if not core:
        return "".join(map(_reference, line))
    escaped = _ACTIVE.sub(_backslashed, core)
    if line_start:
        marker = _ORDERED_MARKER.match(core)
        if marker:  # digits, which escaping leaves alone, then an inert "." or ")"
            end = marker.end() - 1
            escaped = f"{escaped[:end]}\\{escaped[end:]}"
        elif core[0] in _INERT:
            escaped = "\\" + escaped
    if len(core) == len(line):
        return escaped
    lead = "".join(map(_reference, line[: len(line) - len(line.lstrip())]))
    return lead + escaped + "".join(map(_reference, line[len(line.rstrip()) :]))


def _paragraph(text: str) -> list[str]:
    """The physical lines of one paragraph: newlines as hard breaks, or ``&#10;`` next to an empty line."""
    lines = [_escape_line(line) for line in text.split("\n")]
    physical = [lines[0]]
    for line in lines[1:]:
        if physical[-1] and line:
            physical[-1] += "\\"
            physical.append(line)
        else:
            physical[-1] += "&#10;" + line
    return physical


def markdown_text(text: str, prefix: str = "") -> str:
    """``text`` as Markdown paragraphs (each line starting with ``prefix``, e.g. ``"> "`` for a blockquote)
    that a CommonMark parser reads back as ``visible(text)``, with no markup."""
    if text.isprintable():  # one line with nothing to replace (``visible`` only changes what is not printable)
        return prefix + _escape_line(text)
    paragraphs = [_paragraph(p) for p in _PARAGRAPH_BREAK.split(visible(text))]
    blank = prefix.rstrip()
    lines: list[str] = []
    for paragraph in paragraphs:
        if lines:
            lines.append(blank)
        lines.extend(prefix + line for line in paragraph)
    return "\n".join(lines)


def markdown_blockquote(text: str) -> str:
    return markdown_text(text, "> ")


@functools.lru_cache(maxsize=4096)  # titles, theme names and tags come back on every passage
def markdown_inline(text: str, line_start: bool = False) -> str:
    """One line of text inside a heading, a list item or a citation (``line_start`` if it starts the line):
    newlines become spaces."""
    return _escape_line(visible(text).replace("\n", " "), line_start)


def markdown_code(text: str) -> str:
    """A code span that shows ``text`` as it is (for paths); a newline or tab in it shows as its placeholder."""
    text = safe_line(visible(text))
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    # A parser strips one space from each end of a span that has one at both (and is not all spaces).
    spaced = text.startswith(" ") and text.endswith(" ") and text.strip(" ")
    pad = " " if text.startswith("`") or text.endswith("`") or spaced else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# -- memos: the user's Markdown, kept as Markdown but unable to break the export's structure ---------------------
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?=[ \t]|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)(?<!`)\1(?!`)")
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")


def _inert_html(line: str) -> str:
    """``<`` that could open an HTML tag or comment, written ``&lt;`` (but in code spans, where it is shown)."""
    parts, last = [], 0
    for span in _CODE_SPAN.finditer(line):
        parts += [_HTML_START.sub("&lt;", line[last : span.start()]), span.group()]
        last = span.end()
    return "".join(parts + [_HTML_START.sub("&lt;", line[last:])])


def memo_markdown(text: str, level: int) -> str:
    """A memo's Markdown to print under a heading of ``level``: its own headings moved below it (``# x`` under a
    ``##`` becomes ``### x``), raw HTML made text, control characters shown as placeholders; code blocks as
    they are. The export's outline stays the export's whatever a memo holds."""
    out: list[str] = []
    fence = ""
    for line in visible(text.strip("\n")).split("\n"):
        opened = _FENCE.match(line)
        if fence:
            fence = "" if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence) else fence
            out.append(line)
            continue
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        heading = _ATX.match(line)
        underline = _SETEXT.match(line)
        if heading:
            depth = min(6, level + len(heading.group(1)))
            line = "#" * depth + _inert_html(line[heading.end() :])
        elif underline and out and out[-1].strip() and not out[-1].startswith("#"):
            depth = min(6, level + (1 if underline.group(1)[0] == "=" else 2))
            out[-1] = "#" * depth + " " + out[-1].strip()
            continue
        else:
            line = _inert_html(line)
        out.append(line)
    if fence:
        out.append(fence)  # an unclosed fence would swallow the rest of the export
    return "\n".join(out)


def _memo_block(memos: Mapping[MemoKey, str], key: MemoKey, level: int) -> list[str]:
    text = memos.get(key, "")
    return [memo_markdown(text, level), ""] if text.strip() else []


# -- what an export holds ------------------------------------------------------------------------------------------
def _ordered(annotations: Iterable[Annotation]) -> list[Annotation]:
    return sorted(annotations, key=lambda a: (a.document.path, a.start, a.end, a.id))


def select(
    store: Store, themes: list[str] | None = None, docs: list[str] | None = None, coders: list[str] | None = None
) -> tuple[list[Annotation], list[Theme], dict[str, Document]]:
    """The annotations, themes and documents an export covers: with ``themes``, the annotations under any of
    them and only those themes; with ``docs`` (paths as stored), only those documents' annotations; with
    ``coders``, only theirs. Unknown themes, coders and documents without annotations are errors, so a typo
    does not export nothing in silence."""
    documents = load_annotated_documents(store)  # loads (and re-anchors) before the annotations are read
    annotations = store.annotations()
    if coders:
        known_coders = {coder_key(a.coder) for a in annotations}
        for name in coders:
            if coder_key(name) not in known_coders:
                raise ExportError(f"no annotations by coder {name!r}")
        annotations = by_coder(annotations, coders)
    if docs:
        known = {a.document.path for a in annotations}
        for path in docs:
            if path not in known:
                raise ExportError(f"{path}: no annotations on this document")
        wanted_docs = set(docs)
        annotations = [a for a in annotations if a.document.path in wanted_docs]
    if themes:  # a parent theme (``sanctions``) brings its subtree (``sanctions/UN``)
        everything = store.themes()
        book = Codebook(everything, {t for a in annotations for t in a.themes})
        for name in themes:
            if node_key(name) not in book:
                raise NotFound(f"no theme named {name.strip()!r}")
        annotations = [a for a in annotations if matches(a, themes)]
        keys = [node_key(n) for n in themes]
        chosen = [t for t in everything if any(in_subtree(node_key(t.name), k) for k in keys)]
    else:
        used = {theme_key(t) for a in annotations for t in a.themes}
        chosen = [t for t in store.themes() if t.key in used]
    paths = {a.document.path for a in annotations}
    return _ordered(annotations), chosen, {p: d for p, d in documents.items() if p in paths}


def _span_text(first: int, last: int, word: str) -> str:
    return f"{word} {first}" if first == last else f"{word}s {first}–{last}"


def citation(annotation: Annotation, document: Document | None, inline: Callable[[str], str] = markdown_inline) -> str:
    """``Asmolov, *Title* (2023), p. 4`` for a PDF page (its label), ``…, chapter 2`` for an EPUB, ``…, paragraph
    12`` for a web page or Word file, ``…, paragraph 3, lines 12–14`` for a text file; without metadata (author,
    date or a title of its own) just the document's title, not in italics. ``(approximate)`` for a fuzzy anchor,
    ``(ambiguous: one of N places)`` for an ambiguous one; the title alone when the document is missing or the
    passage is not where the annotation says. ``inline`` writes the title (as Markdown by default; ``str`` for
    plain text, without the italics)."""
    a = annotation
    text = document.text if document is not None else ""
    placed = document is not None and 0 <= a.start < a.end <= len(text)
    fuzzy = a.status in ("fuzzy", "ambiguous") and placed
    if document is None or (text[a.start : a.end] != a.quote and not fuzzy):
        title = inline(document.title if document is not None else a.document.title)
        return title + (" (not found in the document as it is now)" if a.status == "orphan" else "")
    cited = f"{cited_work(document, inline)}, {cited_place(document, a.start, a.end)}"
    if a.status == "ambiguous":
        return f"{cited} (ambiguous: one of {max(len(a.candidates or ()), 2)} places)"
    return cited + (" (approximate)" if fuzzy else "")


def cited_work(document: Document, inline: Callable[[str], str] = markdown_inline) -> str:
    """``Asmolov, *Title* (2023)`` in Markdown (``inline=str``: plain, no italics); the title alone for a
    document without metadata."""
    return _cited_work(document.title, document.metadata, inline)


@functools.lru_cache(maxsize=1024)  # the same for every passage of a document
def _cited_work(title: str, meta: Metadata, inline: Callable[[str], str]) -> str:
    if not (meta.authors or meta.year or meta.title):
        return inline(title)
    markdown = inline is markdown_inline
    work = f"*{inline(meta.title or title)}*" if markdown else inline(meta.title or title)
    if meta.short_author:
        author = markdown_inline(meta.short_author, True) if markdown else inline(meta.short_author)
        work = f"{author}, {work}"
    return work + (f" ({meta.year})" if meta.year else "")


def cited_place(document: Document, start: int, end: int) -> str:
    """Where ``start:end`` is: ``p. 4``/``pp. 4–5``, ``chapter 2``, ``paragraph 12`` or ``paragraph 3, line 12``."""
    last = max(start, end - 1)
    if document.pages:
        first_page, last_page = document.page_of(start), document.page_of(last)
        return f"p. {first_page}" if first_page == last_page else f"pp. {first_page}–{last_page}"
    if document.chapters:
        first_chapter, last_chapter = document.chapter_of(start), document.chapter_of(last)
        return _span_text(first_chapter[0] if first_chapter else 1, last_chapter[0] if last_chapter else 1, "chapter")
    paragraphs = _span_text(document.paragraph_of(start), document.paragraph_of(last), "paragraph")
    if document.kind != "text":
        return paragraphs  # one paragraph a line: line numbers would say nothing more
    lines = _span_text(document.lines.line_of(start) + 1, document.lines.line_of(last) + 1, "line")
    return f"{paragraphs}, {lines}"


def _tags(annotation: Annotation) -> str:
    return " ".join("#" + markdown_inline("-".join(name.split())) for name in annotation.themes)


def _passage(annotation: Annotation, document: Document | None, tags: bool, coders: bool = False) -> list[str]:
    cite = "— " + citation(annotation, document)
    if tags and annotation.themes:
        cite += " · " + _tags(annotation)
    if coders:  # an export of several coders' work says whose each passage is
        cite += " · coded by " + markdown_inline(annotation.coder or "(unknown)")
    block = [markdown_blockquote(annotation.quote), "", cite, ""]
    if annotation.note:
        block += [markdown_text(annotation.note), ""]
    return block


def _title_of(path: str, group: list[Annotation], documents: Mapping[str, Document]) -> str:
    document = documents.get(path)
    return document.title if document is not None else group[0].document.title


def _by_document(annotations: list[Annotation]) -> dict[str, list[Annotation]]:
    """``annotations`` (already ``_ordered``) per document path, paths in order."""
    groups: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        groups[annotation.document.path].append(annotation)
    return dict(sorted(groups.items()))


def render_markdown(
    annotations: list[Annotation],
    themes: list[Theme],
    documents: Mapping[str, Document],
    by: str = "theme",
    today: date | None = None,
    memos: Mapping[MemoKey, str] | None = None,
) -> str:
    """The Markdown export. ``by="theme"``: a section per theme in ``themes`` (plus one for annotations without
    a theme), passages grouped by document in document order; ``by="document"``: a section per document,
    passages in order with their themes as ``#tags``. ``documents`` (path -> Document) gives the citations
    their paragraph and line numbers; a missing one is cited by title alone. ``memos``: the project's at the top,
    a theme's or document's under its heading (those without one here in a last section, "Memos").
    Deterministic but for the date."""
    if by not in GROUPINGS:
        raise ExportError(f"cannot group an export by {by!r} (choose theme or document)")
    today = today or date.today()
    annotations = _ordered(annotations)
    per_document = _by_document(annotations)
    coders = len({coder_key(a.coder) for a in annotations}) > 1
    spelt = dict(memos or {})
    memos = {MemoKey(k.kind, k.match): t for k, t in spelt.items()}  # looked up by node key or path
    if by == "theme":
        sections = _theme_sections(annotations, themes, documents, coders, memos)
    else:
        sections = [_document_section(path, group, documents, coders, memos) for path, group in per_document.items()]
    placed = (
        {MemoKey("theme", t.key) for t in themes} if by == "theme" else {MemoKey("document", p) for p in per_document}
    )
    project = _memo_block(memos, MemoKey("project"), 2)
    out = [
        f"# Annotations by {by}",
        "",
        f"{plural(len(per_document), 'document')}, {plural(len(annotations), 'highlight')}, "
        f"{plural(len(themes), 'theme')}; exported on {today.isoformat()}.",
        "",
    ]
    if project:
        out += ["## Project memo", ""] + project
    rest = _other_memos(spelt, placed, documents)
    if not sections:
        return "\n".join(out + ["No highlights to export.", ""] + rest)
    out += ["## Contents", ""]
    out += [f"- {markdown_inline(name, True)} ({plural(count, 'highlight')})" for name, count, _ in sections]
    out.append("")
    for name, _, body in sections:
        out += [f"## {markdown_inline(name)}", ""] + body
    return "\n".join(out + rest)


def _other_memos(memos: Mapping[MemoKey, str], placed: set[MemoKey], documents: Mapping[str, Document]) -> list[str]:
    """The memos no section of the export is headed by: themes', then documents', each under its own heading."""
    rest = [k for k in memos if k.kind != "project" and MemoKey(k.kind, k.match) not in placed and memos[k].strip()]
    if not rest:
        return []
    out = ["## Memos", ""]
    for key in sorted(rest, key=lambda k: (k.kind != "theme", k.name)):
        document = documents.get(key.name) if key.kind == "document" else None
        name = document.title if document is not None else key.name
        out += [f"### {key.kind.capitalize()}: {markdown_inline(name)}", ""] + _memo_block(memos, key, 3)
    return out


Section = tuple[str, int, list[str]]  # heading (plain text), how many passages, body lines (Markdown)


def _theme_sections(
    annotations: list[Annotation],
    themes: list[Theme],
    documents: Mapping[str, Document],
    coders: bool = False,
    memos: Mapping[MemoKey, str] | None = None,
) -> list[Section]:
    sections = []
    themes = sorted({t.key: t for t in themes}.values(), key=lambda t: t.key)
    keyed = [(a, {theme_key(n) for n in a.themes}) for a in annotations]
    groups = [(t, [a for a, keys in keyed if key in keys]) for t, key in ((t, t.key) for t in themes)]
    unthemed = [a for a in annotations if not a.themes]
    passages: dict[str, list[str]] = {}  # by annotation id: one under several themes is written once
    for theme, members in groups + ([(None, unthemed)] if unthemed else []):
        body = [markdown_text(theme.description), ""] if theme is not None and theme.description else []
        if theme is not None:
            body += _memo_block(memos or {}, MemoKey("theme", theme.key), 2)
        per_document = _by_document(members)
        body += [f"{plural(len(members), 'highlight')} in {plural(len(per_document), 'document')}.", ""]
        for path, group in per_document.items():
            body += [f"### {markdown_inline(_title_of(path, group, documents))}", ""]
            document = documents.get(path)
            for annotation in group:
                passage = passages.get(annotation.id)
                if passage is None:
                    passage = passages[annotation.id] = _passage(annotation, document, tags=False, coders=coders)
                body += passage
        sections.append((theme.name if theme is not None else UNTHEMED, len(members), body))
    return sections


def _document_section(
    path: str,
    group: list[Annotation],
    documents: Mapping[str, Document],
    coders: bool = False,
    memos: Mapping[MemoKey, str] | None = None,
) -> Section:
    document = documents.get(path)
    missing = "" if document is not None else " (missing: cited from the store)"
    body = [f"File: {markdown_code(path)}{missing}", ""] + _memo_block(memos or {}, MemoKey("document", path), 2)
    for annotation in group:
        body += _passage(annotation, document, tags=True, coders=coders)
    return _title_of(path, group, documents), len(group), body


def render_store(
    store: Store,
    format: str = "markdown",
    by: str = "theme",
    themes: list[str] | None = None,
    docs: list[str] | None = None,
    today: date | None = None,
    guard: bool = True,
    coders: list[str] | None = None,
) -> str:
    """The export of ``store`` (or of the chosen themes, documents and coders) as Markdown, W3C JSON-LD or CSV
    (``guard``: against spreadsheet formulas, see ``reports``)."""
    if format not in FORMATS:
        raise ExportError(f"unknown export format {format!r} (choose markdown, w3c or csv)")
    annotations, chosen, documents = select(store, themes, docs, coders)
    if format == "w3c":
        from .w3c import render_collection

        return render_collection(annotations, store.themes())
    if format == "csv":
        from .reports import export_csv

        return export_csv(annotations, documents, protect=guard)
    return render_markdown(annotations, chosen, documents, by=by, today=today, memos=_chosen_memos(store, themes, docs))


def _chosen_memos(store: Store, themes: list[str] | None, docs: list[str] | None) -> dict[MemoKey, str]:
    """The project memo, and the memos of the themes (subtrees) and documents the export is limited to, if it is."""
    keys = [node_key(n) for n in themes or []]
    wanted = set(docs or [])

    def chosen(key: MemoKey) -> bool:
        if key.kind == "theme" and themes:
            return any(in_subtree(key.match, k) for k in keys)
        return not (key.kind == "document" and docs) or key.name in wanted

    return {key: text for key, text in store.memos().items() if chosen(key)}


# -- writing ---------------------------------------------------------------------------------------------------------
def write_export(text: str, path: str | os.PathLike, force: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; an existing file is replaced only with ``force``."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise ExportError(f"{target}: is a folder")
    if target.exists() and not force:
        raise ExportError(f"{target}: already exists (use --force to overwrite it)")
    try:
        write_atomically(target, text.encode("utf-8"), overwrite=force)
    except FileExistsError:
        raise ExportError(f"{target}: already exists (use --force to overwrite it)") from None
    except OSError as error:
        raise ExportError(f"{target}: cannot write ({error.strerror or error})") from None
    return target
