"""W3C Web Annotation export and import (JSON-LD). Never imports Textual.

Export: an ``AnnotationCollection`` whose embedded first ``AnnotationPage`` holds every annotation, each with
``TextualBody`` bodies (``tagging`` per theme, ``commenting`` for the note) and a target whose ``source`` is the
document's ``file:`` URI, selected by a ``TextQuoteSelector`` and a ``TextPositionSelector`` (code points, end
exclusive; orphans, whose offsets mean nothing, carry the quote alone).

Import reads that, another tool's W3C JSON (a collection, a page, one annotation or a list) or Hypothesis-style
JSON (``rows``/a list of objects with ``target``, ``text`` and ``tags``). The whole file is checked before anything
changes, then the new annotations go to the store in one atomic write. Import never fetches: of a collection, the
pages embedded in the file are imported and the linked ones are named in the report. Selectors refined by
``refinedBy`` are followed: a position within a position (or an RFC 5147 ``char=`` fragment) is offset by it, a
quote within one is looked for there first; an annotation whose quote is empty is placed by its position.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import orjson

from .anchoring import MAX_KEPT, Anchor, Candidate, Locator
from .coders import clean_coder, coder_key
from .document import Document, DocumentError, load_document, seeds_dir
from .files import FileProblem, read_regular
from .model import (
    MAX_TEXT,
    Annotation,
    DocumentRef,
    Theme,
    check_themes,
    clean_theme_name,
    document_ref,
    now,
    quote_at,
    theme_key,
    unique_themes,
)
from .storage import parse as parse_json
from .store import Store
from .text import json_safe
from .wording import plural

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# Our extension of the context: the collection carries its themes' colours and descriptions under ``mg:themes``
# (a list of {mg:name, mg:colour, mg:description}), which other tools ignore and our import reads back.
EXTENSION = {"mg": "urn:marginalia:", "mg:themes": {"@container": "@list"}}
THEMES = "mg:themes"
QUOTE = "TextQuoteSelector"
POSITION = "TextPositionSelector"
FRAGMENT = "FragmentSelector"
CHAR_FRAGMENT = re.compile(r"char=(\d+),(\d+)")  # RFC 5147: a plain text's code points start,end
MAX_REFINED = 16  # selectors refined within selectors: deeper is a hostile file, not an annotation
RANKED_WITHIN = 32  # copies of a refined quote looked at within its span
UNKNOWN = (-1, -1)  # the segment of a selector marginalia cannot apply (CSS, XPath, a range of elements)


class ImportFailure(ValueError):
    """A file that cannot be imported; the message is one line, and the store was not changed."""


# -- export ------------------------------------------------------------------------------------------------------
def urn(annotation_id: str) -> str:
    """Our ids are uuid4 strings; anything else gets a stable uuid5 so the IRI stays a valid ``urn:uuid``."""
    try:
        value = uuid.UUID(annotation_id)
    except ValueError:
        value = uuid.uuid5(uuid.NAMESPACE_URL, f"marginalia:{annotation_id}")
    return value.urn


def file_uri(path: str) -> str:
    return Path(path).absolute().as_uri()


def to_w3c(annotation: Annotation) -> dict[str, Any]:
    """One annotation in the W3C Web Annotation Data Model."""
    body: list[dict[str, str]] = [{"type": "TextualBody", "purpose": "tagging", "value": t} for t in annotation.themes]
    if annotation.note:
        body.append({"type": "TextualBody", "purpose": "commenting", "value": annotation.note, "format": "text/plain"})
    selectors: list[dict[str, Any]] = [
        {"type": QUOTE, "exact": annotation.quote, "prefix": annotation.prefix, "suffix": annotation.suffix}
    ]
    if annotation.status not in ("orphan", "ambiguous"):  # an ambiguous one's offsets are only a guess
        selectors.append({"type": POSITION, "start": annotation.start, "end": annotation.end})
    item: dict[str, Any] = {
        "id": urn(annotation.id),
        "type": "Annotation",
        "motivation": "highlighting",
        "created": annotation.created,
        "modified": annotation.updated,
    }
    if annotation.coder:
        item["creator"] = {"type": "Person", "name": annotation.coder}
    if body:
        item["body"] = body
    item["target"] = {"source": file_uri(annotation.document.path), "selector": selectors}
    return item


def render_collection(annotations: Iterable[Annotation], themes: Iterable[Theme] = ()) -> str:
    """An ``AnnotationCollection`` (JSON-LD) of ``annotations``; the same annotations give the same bytes. With
    ``themes``, those the annotations use travel along (``EXTENSION``: colour and description)."""
    ordered = sorted(annotations, key=lambda a: (a.document.path, a.start, a.end, a.id))
    ids = "\n".join(a.id for a in ordered)
    collection_id = uuid.uuid5(uuid.NAMESPACE_URL, f"marginalia:collection:{ids}")
    used = {theme_key(t) for a in ordered for t in a.themes}
    carried = sorted((t for t in themes if t.key in used), key=lambda t: t.key)
    collection: dict[str, Any] = {
        "@context": [CONTEXT, EXTENSION] if carried else CONTEXT,
        "id": collection_id.urn,
        "type": "AnnotationCollection",
        "label": "Annotations exported by marginalia",
        "total": len(ordered),
    }
    if carried:
        collection[THEMES] = [
            {"mg:name": t.name, "mg:colour": t.colour, "mg:description": t.description} for t in carried
        ]
    if ordered:
        collection["first"] = {
            "id": uuid.uuid5(collection_id, "page 1").urn,
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": [to_w3c(a) for a in ordered],
        }
    return json_safe(orjson.dumps(collection, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)).decode()


# -- reading a file ----------------------------------------------------------------------------------------------
@dataclass
class Incoming:
    """One annotation as read from a file, checked but not yet anchored."""

    id: str | None  # kept when the file's id is a urn:uuid
    source: str
    exact: str | None = None
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None
    themes: list[str] = field(default_factory=list)
    note: str = ""
    created: str = ""
    modified: str = ""
    coder: str = ""  # the W3C creator's name, if it has one
    within: tuple[int, int] | None = None  # a quote refined within this span (``refinedBy``): looked for there
    empty_quote: bool = False  # it has a TextQuoteSelector whose exact is empty (placed by position, if any)


@dataclass
class Parsed:
    """What a file holds: its annotations, the themes it describes, and the pages it links to but does not
    embed (never fetched: the report names them)."""

    annotations: list[Incoming]
    themes: list[Theme]
    unfollowed: list[str] = field(default_factory=list)


class _Bad(Exception):
    """What is wrong with one annotation (the caller adds which one)."""


def _items(data: Any, unfollowed: list[str]) -> list[Any]:
    """The annotations of a collection (its embedded pages), a page, a list, ``rows`` or one annotation; the
    links to pages not embedded go to ``unfollowed``."""
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise ImportFailure("the top level is neither an object nor a list")
    if isinstance(data.get("rows"), list):
        return data["rows"]  # Hypothesis's search API
    kinds = _types(data)
    if "AnnotationCollection" in kinds:
        first = data.get("first")
        if _link(first) is not None:
            raise ImportFailure(
                f"the collection's pages are links, not embedded (first: {_link(first)}); marginalia never "
                "fetches: save each page and import it"
            )
        items = _pages(first, unfollowed)
        last = _link(data.get("last"))
        if unfollowed and last is not None and last not in unfollowed:
            unfollowed.append(last)
        return items
    if "AnnotationPage" in kinds or "items" in data:
        return _pages(data, unfollowed)
    if "Annotation" in kinds or "target" in data:
        return [data]
    raise ImportFailure("not a W3C annotation collection, page or annotation, nor a list of annotations")


def _link(page: Any) -> str | None:
    """A page given by reference: its IRI (a string, or an object with an id and no items)."""
    if isinstance(page, str):
        return page
    if isinstance(page, dict) and "items" not in page and isinstance(page.get("id"), str):
        return page["id"]
    return None


def _pages(page: Any, unfollowed: list[str]) -> list[Any]:
    """The items of ``page`` and of the embedded pages its ``next`` chain leads to; the first linked one is
    noted in ``unfollowed`` (what comes after it cannot be known without fetching it)."""
    items: list[Any] = []
    while page is not None:
        link = _link(page)
        if link is not None:
            unfollowed.append(link)
            break
        if not isinstance(page, dict):
            raise ImportFailure("a page of the collection is neither a link nor an object")
        items.extend(_page_items(page))
        page = page.get("next")
    return items


def _page_items(page: dict[str, Any]) -> list[Any]:
    items = page.get("items")
    if not isinstance(items, list):
        raise ImportFailure("an annotation page has no 'items' list")
    return items


def _types(value: dict[str, Any]) -> set[str]:
    kind = value.get("type", value.get("@type"))
    if isinstance(kind, str):
        return {kind}
    return {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _Bad(f"{what} is not text")
    if len(value) > MAX_TEXT:
        raise _Bad(f"{what} is {len(value):,} characters long; at most {MAX_TEXT:,} are allowed")
    return value


def _offset(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Bad(f"{what} {value!r} is not a non-negative integer")
    return value


def _date(value: Any, what: str) -> str:
    if value is None:
        return ""
    text = _string(value, what)
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise _Bad(f"{what} {text!r} is not a date and time") from None
    return text


def _target(item: dict[str, Any]) -> tuple[str, list[Any]]:
    """(source, selectors) of the first target that has selectors (else the first target)."""
    targets = _as_list(item.get("target"))
    if not targets:
        raise _Bad("it has no target")
    chosen = next((t for t in targets if isinstance(t, dict) and t.get("selector")), targets[0])
    if isinstance(chosen, str):
        return chosen, []
    if not isinstance(chosen, dict):
        raise _Bad("its target is neither a link nor an object")
    source = chosen.get("source", chosen.get("id", item.get("uri", "")))
    if isinstance(source, dict):
        source = source.get("id", "")
    return _string(source, "its target's source"), _as_list(chosen.get("selector"))


def _read_selectors(incoming: Incoming, selectors: list[Any]) -> None:
    for selector in selectors:
        _read_selector(incoming, selector, None, 0)


def _read_selector(incoming: Incoming, selector: Any, within: tuple[int, int] | None, depth: int) -> None:
    """One selector, then those refining it (``refinedBy``) within the span it selects. ``within``: that span
    (None: the whole text; UNKNOWN: a segment marginalia cannot find, in which a position means nothing)."""
    if not isinstance(selector, dict):
        return  # a link to a selector elsewhere: nothing to anchor by
    if depth > MAX_REFINED:
        raise _Bad(f"its selectors are refined more than {MAX_REFINED} levels deep")
    kinds = _types(selector)
    segment = UNKNOWN
    if QUOTE in kinds:
        exact = _string(selector.get("exact"), "its TextQuoteSelector's exact")
        if exact and incoming.exact is None:
            incoming.exact = exact
            incoming.prefix = _string(selector.get("prefix", ""), "its TextQuoteSelector's prefix")
            incoming.suffix = _string(selector.get("suffix", ""), "its TextQuoteSelector's suffix")
            incoming.within = within if within != UNKNOWN else None
        incoming.empty_quote |= not exact
    elif POSITION in kinds or FRAGMENT in kinds:
        span = _position(selector) if POSITION in kinds else _char_fragment(selector)
        if span is not None and within != UNKNOWN:
            base = within[0] if within is not None else 0
            segment = (base + span[0], base + span[1])
            # a selector refined by others selects where they apply, not the annotation's span
            if incoming.start is None and span[0] < span[1] and not selector.get("refinedBy"):
                incoming.start, incoming.end = segment
    for refinement in _as_list(selector.get("refinedBy")):
        _read_selector(incoming, refinement, segment, depth + 1)


def _position(selector: dict[str, Any]) -> tuple[int, int]:
    start = _offset(selector.get("start"), "its TextPositionSelector's start")
    end = _offset(selector.get("end"), "its TextPositionSelector's end")
    if start > end:
        raise _Bad(f"its TextPositionSelector runs backwards ({start} to {end})")
    return start, end


def _char_fragment(selector: dict[str, Any]) -> tuple[int, int] | None:
    """An RFC 5147 fragment (``char=10,20``) as a span; None for any other fragment (a page, an SVG region)."""
    value = selector.get("value")
    match = CHAR_FRAGMENT.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[1]) > int(match[2]):
        return None
    return int(match[1]), int(match[2])


def _read_bodies(incoming: Incoming, item: dict[str, Any]) -> None:
    notes: list[str] = []
    themes: list[str] = []
    if "bodyValue" in item:
        notes.append(_string(item["bodyValue"], "its bodyValue"))
    for body in _as_list(item.get("body")):
        if not isinstance(body, dict) or "value" not in body:
            continue  # a link or a resource: nothing marginalia can hold
        value = _string(body["value"], "a body's value")
        purposes = set(_as_list(body.get("purpose")))
        (themes if "tagging" in purposes else notes).append(value)
    themes += [_string(t, "a tag") for t in _as_list(item.get("tags"))]  # Hypothesis
    if item.get("text"):
        notes.append(_string(item["text"], "its text"))  # Hypothesis
    try:
        incoming.themes = check_themes(unique_themes(themes))
    except ValueError as error:
        raise _Bad(f"a tag cannot be a theme: {error}") from None
    incoming.note = _string("\n\n".join(n for n in notes if n), "its note")


def _read_id(value: Any) -> str | None:
    if isinstance(value, str) and value.lower().startswith("urn:uuid:"):
        try:
            return str(uuid.UUID(value[9:]))
        except ValueError:
            raise _Bad(f"its id {value!r} is not a valid urn:uuid") from None
    return None


def _read_one(item: Any) -> Incoming:
    if not isinstance(item, dict):
        raise _Bad("it is not an object")
    source, selectors = _target(item)
    incoming = Incoming(_read_id(item.get("id")), source)
    _read_selectors(incoming, selectors)
    if incoming.empty_quote and incoming.exact is None and incoming.start is None:
        raise _Bad("its TextQuoteSelector's exact is empty and it has no position to place it by")
    _read_bodies(incoming, item)
    incoming.created = _date(item.get("created"), "its created date")
    incoming.modified = _date(item.get("modified", item.get("updated")), "its modified date")
    incoming.coder = _creator(item.get("creator"))
    return incoming


def _creator(value: Any) -> str:
    """A creator's name (a string, or an object with ``name`` or ``nickname``); "" where there is none usable."""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("name") or value.get("nickname")
    if not isinstance(value, str):
        return ""
    try:
        return clean_coder(value)
    except ValueError:
        return ""


def parse_annotations(raw: bytes) -> list[Incoming]:
    """Every annotation in a file's bytes, checked; ``ImportFailure`` names the first problem."""
    return parse_file(raw).annotations


def parse_file(raw: bytes) -> Parsed:
    """Every annotation in a file's bytes, the themes it describes (``mg:themes``) and the pages it links to,
    checked."""
    try:
        data = parse_json(raw)  # the store's parser: empty files, bad JSON and duplicate keys are errors
    except ValueError as error:
        raise ImportFailure(str(error)) from None
    unfollowed: list[str] = []
    items = _items(data, unfollowed)
    return Parsed(_read_all(items), _read_themes(data), unfollowed)


def _read_themes(data: Any) -> list[Theme]:
    described = data.get(THEMES, []) if isinstance(data, dict) else []
    themes: list[Theme] = []
    for number, entry in enumerate(_as_list(described), 1):
        try:
            if not isinstance(entry, dict):
                raise _Bad("it is not an object")
            name = clean_theme_name(_string(entry.get("mg:name"), "its mg:name"))
            colour = _string(entry.get("mg:colour"), "its mg:colour")
            if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
                raise _Bad(f"its mg:colour {colour!r} is not #rrggbb")
            themes.append(Theme(name, colour.upper(), _string(entry.get("mg:description", ""), "its description")))
        except (_Bad, ValueError) as problem:
            raise ImportFailure(f"theme {number} of {THEMES}: {problem}") from None
    return themes


def _read_all(items: list[Any]) -> list[Incoming]:
    found: list[Incoming] = []
    seen: dict[str, int] = {}
    for number, item in enumerate(items, 1):
        try:
            incoming = _read_one(item)
        except _Bad as problem:
            label = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
            raise ImportFailure(f"annotation {number}{f' ({label})' if label else ''}: {problem}") from None
        if incoming.id is not None and incoming.id in seen:
            raise ImportFailure(f"annotations {seen[incoming.id]} and {number} have the same id urn:uuid:{incoming.id}")
        if incoming.id is not None:
            seen[incoming.id] = number
        found.append(incoming)
    return found


# -- importing ---------------------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    imported: int = 0
    orphans: int = 0  # imported, but unanchored (status orphan, offsets 0:0)
    skipped: int = 0  # exact duplicates: same id, or same content as a stored one (or, without an id, an earlier one)
    conflicts: int = 0  # skipped: an annotation with this id is in the store with other content
    dropped: int = 0  # unanchorable and without a quote: not imported
    fuzzy: int = 0  # imported, anchored approximately (status fuzzy, to be reviewed in the reader)
    ambiguous: int = 0  # imported, but the quote fits several places equally well (to be chosen in the reader)
    unfollowed: list[str] = field(default_factory=list)  # linked pages of the collection, never fetched
    annotations: list[Annotation] = field(default_factory=list)

    @property
    def unanchored(self) -> int:
        return self.orphans + self.dropped

    def lines(self) -> list[str]:
        skipped = self.skipped + self.conflicts
        lines = [f"imported {self.imported}, skipped {skipped}, left unanchored {self.unanchored}"]
        if self.orphans:
            lines.append(f"{plural(self.orphans, 'imported as orphan')} (quote or document not "
                         "found): 'marginalia list' marks them [orphan]")  # fmt: skip
        if self.fuzzy:
            lines.append(f"{self.fuzzy} anchored approximately (the quote differs from the text): review them in the "
                         "reader")  # fmt: skip
        if self.ambiguous:
            lines.append(f"{self.ambiguous} ambiguous (the quote fits several places equally well): choose in the "
                         "reader")  # fmt: skip
        if self.dropped:
            lines.append(f"{self.dropped} not imported: not found in the document and without a quote to keep")
        if self.conflicts:
            lines.append(f"{self.conflicts} skipped: the store has an annotation with the same id but other content")
        if self.unfollowed:
            pages = ", ".join(self.unfollowed)
            lines.append(f"only the pages embedded in the file were imported; not followed (marginalia never fetches): "
                         f"{pages}; save {'them' if len(self.unfollowed) > 1 else 'it'} and import "
                         f"{'each' if len(self.unfollowed) > 1 else 'it'}")  # fmt: skip
        return lines


def _local_path(source: str) -> str | None:
    parsed = urlparse(source)
    if parsed.scheme == "file":
        host = "" if parsed.netloc in ("", "localhost") else f"//{parsed.netloc}"  # a Windows share: //host/path
        return url2pathname(host + parsed.path)
    if not parsed.scheme:
        return source or None
    return None


def _file_name(source: str) -> str:
    return Path(unquote(urlparse(source).path)).name


class DocumentFinder:
    """A target's document, among the documents the user chose and only those: the store's documents (by path,
    then by file name) and the files directly in ``folders`` (the import file's folder, the current folder, the
    seeds, folders given with ``--folder``). A source anywhere else (``file:///etc/shadow``) is never opened: a
    shared annotation file must not pull the contents of files the user did not choose into the store."""

    def __init__(self, store: Store, folders: Iterable[str | Path]) -> None:
        self.known = sorted({a.document.path for a in store.annotations()})
        self.known_set = set(self.known)
        # in the order given: the import file's own folder is searched before the current folder and the seeds
        self.folders = [f for f in dict.fromkeys(_real(folder) for folder in folders) if f]
        self.cache: dict[str, Document | None] = {}

    def find(self, source: str) -> Document | None:
        if source not in self.cache:
            self.cache[source] = self._find(source)
        return self.cache[source]

    def chosen(self, path: Path) -> bool:
        """A store document, or a file directly in one of the folders (after resolving ``..`` and links)."""
        return str(path) in self.known_set or _real(path.parent) in self.folders

    def _candidates(self, source: str) -> Iterator[Path]:
        local = _local_path(source)
        if local:
            yield Path(local).absolute()
        name = _file_name(source)
        if name:
            yield from (Path(p) for p in self.known if Path(p).name == name)
            yield from (Path(folder) / name for folder in self.folders)

    def _find(self, source: str) -> Document | None:
        for path in self._candidates(source):
            try:
                if not self.chosen(path) or not path.is_file():
                    continue
                return load_document(path)
            except (DocumentError, OSError, ValueError):  # a name too long, a NUL in the path, unreadable...
                continue
        return None


def _real(path: str | Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return ""


def _key(annotation: Annotation) -> tuple[Any, ...]:
    """What makes two annotations exact duplicates (the id aside)."""
    themes = tuple(sorted(theme_key(t) for t in annotation.themes))
    place = annotation.document.path, annotation.start, annotation.end, annotation.quote
    return *place, themes, annotation.note, coder_key(annotation.coder)


def _orphan_ref(incoming: Incoming, document: Document | None, finder: DocumentFinder) -> DocumentRef:
    """An orphan points at its source's local path, so that it re-anchors once that file is opened; but a file
    that exists and was not chosen keeps the source as written (a ``file:`` URI no command opens as a path):
    ``list`` and ``export`` load annotated paths, and must not read it either."""
    if document is not None:
        return document_ref(document)
    local = _local_path(incoming.source)
    path = incoming.source
    if local:
        absolute = Path(local).absolute()
        path = absolute.as_uri()  # a file that exists and was not chosen: a URI, never opened as a path
        with contextlib.suppress(OSError, ValueError):
            if finder.chosen(absolute) or not os.path.lexists(absolute):
                path = str(absolute)
    return DocumentRef(path, _file_name(incoming.source) or path, "")


def _anchor(incoming: Incoming, locator: Locator) -> Anchor | None:
    """Where the selectors point: the position if the text there is the quote, else the quote (exact: of several
    matches the one whose prefix and suffix fit best; else approximate, ``fuzzy``), by ``anchoring.Locator``;
    a quote refined within a span is looked for there first. A position alone (or with an empty quote) is taken
    as it is if it fits the text. None if nothing fits."""
    start, end = incoming.start, incoming.end
    if incoming.exact is None:
        fits = start is not None and end is not None and end <= len(locator.text)
        return Anchor(start, end, "anchored") if fits else None  # type: ignore[arg-type]
    if incoming.within is not None and start is None:
        inside = _within(incoming, locator)
        if inside is not None:
            return inside
        start = incoming.within[0]  # the quote changed there: looked for around it
    found = locator.locate(incoming.exact, start or 0, end or 0, incoming.prefix, incoming.suffix)
    if found.status == "orphan":
        return None
    # An import anchors afresh: finding the quote away from the file's position is not a "move" to review.
    return found if found.status in ("fuzzy", "ambiguous") else Anchor(found.start, found.end, "anchored")


def _within(incoming: Incoming, locator: Locator) -> Anchor | None:
    """A quote refined within a span, where it stands there exactly: the one copy, the one its context picks
    (by ``Locator``), or of several it cannot tell apart, ``ambiguous``. None if it is not there."""
    assert incoming.exact is not None and incoming.within is not None
    quote, (lo, hi) = incoming.exact, incoming.within
    text, size = locator.text, len(incoming.exact)
    copies: list[int] = []
    at = text.find(quote, lo, hi)
    while at != -1 and len(copies) <= RANKED_WITHIN:
        copies.append(at)
        at = text.find(quote, at + 1, hi)
    if not copies:
        return None
    if len(copies) > 1 and (incoming.prefix or incoming.suffix):
        found = locator.locate(quote, copies[0], copies[0] + size, incoming.prefix, incoming.suffix, hint=copies[0])
        if found.status in ("anchored", "moved") and found.start in copies:
            return Anchor(found.start, found.end, "anchored")
    if len(copies) > 1:
        candidates = tuple(Candidate(c, c + size, 0, 1.0, 1.0, 1.0) for c in copies[:MAX_KEPT])
        return Anchor(copies[0], copies[0] + size, "ambiguous", 1.0, 1.0, candidates)
    return Anchor(copies[0], copies[0] + size, "anchored")


def _build(
    incoming: Incoming, document: Document | None, locator: Locator | None, finder: DocumentFinder
) -> Annotation | None:
    """The annotation to store: anchored, an orphan that keeps its quote, or None (nothing to keep)."""
    created = incoming.created or now()
    common: dict[str, Any] = dict(
        themes=incoming.themes,
        note=incoming.note,
        id=incoming.id or str(uuid.uuid4()),
        created=created,
        updated=incoming.modified or created,
        coder=incoming.coder,
    )
    found = _anchor(incoming, locator) if locator is not None else None
    if document is not None and found is not None:
        ref = document_ref(document)
        if found.status in ("fuzzy", "ambiguous"):  # like re-anchoring: the quote stays until accepted
            quote, prefix, suffix = incoming.exact or "", incoming.prefix, incoming.suffix
        else:
            prefix, quote, suffix = quote_at(document.text, found.start, found.end)
        kept = [{"start": c.start, "end": c.end, "score": round(c.score, 4)} for c in found.candidates] or None
        return Annotation(ref, found.start, found.end, quote, prefix, suffix, status=found.status, score=found.score,
                          candidates=kept, **common)  # fmt: skip
    if incoming.exact is None:
        return None
    ref = _orphan_ref(incoming, document, finder)
    return Annotation(ref, 0, 0, incoming.exact, incoming.prefix, incoming.suffix, status="orphan", **common)


def plan_import(
    store: Store, incoming: list[Incoming], finder: DocumentFinder, doc: Document | None = None
) -> ImportReport:
    """Anchor every incoming annotation and sort out duplicates; nothing is written."""
    report = ImportReport()
    stored = {a.id: a for a in store.annotations()}
    keys = {_key(a) for a in stored.values()}
    locators: dict[str, Locator] = {}
    for item in incoming:
        document = doc if doc is not None else finder.find(item.source)
        locator = None
        if document is not None:
            locator = locators.setdefault(document.key, Locator(document.text))
        annotation = _build(item, document, locator, finder)
        if annotation is None:
            report.dropped += 1
            continue
        annotation.coder = annotation.coder or store.coder  # no creator: the importing coder's
        key = _key(annotation)
        existing = stored.get(annotation.id)
        if existing is not None and _key(existing) != key:
            report.conflicts += 1
            continue
        if existing is not None or key in keys:
            report.skipped += 1
            continue
        if item.id is None:  # no id of its own: a second copy in this file is a duplicate too
            keys.add(key)
        stored[annotation.id] = annotation
        report.annotations.append(annotation)
        report.imported += 1
        report.orphans += annotation.status == "orphan"
        report.fuzzy += annotation.status == "fuzzy"
        report.ambiguous += annotation.status == "ambiguous"
    return report


def import_file(
    store: Store, path: str | Path, doc: str | Path | None = None, folders: Iterable[str | Path] = ()
) -> ImportReport:
    """Import a W3C or Hypothesis-style JSON file into ``store`` in one atomic write (or not at all). Annotations
    anchor into ``doc``, else into documents the user chose (see ``DocumentFinder``; ``folders``: more of them)."""
    path = Path(path).expanduser()
    try:
        raw = read_regular(path)
    except FileProblem as problem:
        raise ImportFailure(f"{path}: {problem}; nothing was imported") from None
    except (OSError, ValueError) as error:
        raise ImportFailure(f"{path}: cannot read ({getattr(error, 'strerror', None) or error})") from None
    try:
        parsed = parse_file(raw)
    except ImportFailure as error:
        raise ImportFailure(f"{path}: {error}; nothing was imported") from None
    incoming, described = parsed.annotations, parsed.themes
    document = load_document(doc) if doc is not None else None
    folders = [path.absolute().parent, Path.cwd(), *(Path(f).expanduser() for f in folders)]
    with contextlib.suppress(DocumentError):
        folders.append(seeds_dir())
    report = plan_import(store, incoming, DocumentFinder(store, folders), document)
    report.unfollowed = parsed.unfollowed
    if report.annotations:
        with store.batch():  # one write
            had = {t.key for t in store.themes()}
            # put_many, not add_many: add_many merges annotations that share a span even without merge=True, and
            # every id here was checked to be new.
            store.put_many(report.annotations)
            # the themes this import created take the file's colours and descriptions; yours stay as they are
            created = {t.key: t for t in store.themes() if t.key not in had}
            store.restore_themes([replace(t, name=created[t.key].name) for t in described if t.key in created])
    return report
