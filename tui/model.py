"""Annotations and themes as plain values, and the rules that shape them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .document import Document

CONTEXT = 32  # characters of prefix/suffix kept around a quote

# Paul Tol's "light" scheme: colour-blind safe and made for backgrounds under dark text.
PALETTE = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD")

STATUSES = ("anchored", "moved", "fuzzy", "ambiguous", "orphan")
PUBLIC_KEYS = (
    "id",
    "document",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "themes",
    "note",
    "created",
    "updated",
    "status",
    "coder",
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_AROUND_SLASH = re.compile(r" ?/ ?")


@lru_cache(maxsize=4096)  # asked for every annotation's every theme, again and again
def theme_key(name: str) -> str:
    """Themes are unique case-insensitively, and spaced as ``clean_theme_name`` spaces them."""
    return " ".join(name.split()).casefold()


def clean_theme_name(name: str) -> str:
    """Spaces collapsed, none around a ``/`` (which makes ``sanctions/UN`` a child of ``sanctions``)."""
    name = _AROUND_SLASH.sub("/", " ".join(name.split()))
    if not name:
        raise ValueError("a theme name cannot be empty")
    if "," in name:
        raise ValueError(f"a theme name cannot contain a comma: {name!r}")
    return name


MAX_THEMES = 100  # on one annotation: an import with 20,000 tags on one is an error, not minutes of work
MAX_TEXT = 100_000  # code points of an imported quote or note (a 10 MB quote took minutes to anchor)


def check_themes(names: list[str]) -> list[str]:
    if len(names) > MAX_THEMES:
        raise ValueError(f"{len(names):,} themes on one annotation; at most {MAX_THEMES} are allowed")
    return names


def unique_themes(names: list[str]) -> list[str]:
    """Clean names, drop case-insensitive repeats, keep the first spelling and the order."""
    seen: dict[str, str] = {}
    for name in names:
        name = clean_theme_name(name)
        seen.setdefault(theme_key(name), name)
    return list(seen.values())


def pick_colour(used: list[str], name: str) -> str:
    """The first palette colour no theme has yet; once all are taken, one chosen by the name (stable)."""
    taken = {c.upper() for c in used}
    for colour in PALETTE:
        if colour not in taken:
            return colour
    return PALETTE[sum(theme_key(name).encode()) % len(PALETTE)]


def colour_problem(colour: str) -> str | None:
    """Why ``colour`` cannot be a theme's colour (``#RRGGBB``, hex digits), or None if it can."""
    if len(colour) == 7 and colour.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in colour[1:]):
        return None
    return f"colour {colour!r} is not #rrggbb"


@dataclass(slots=True)  # slots: a store of 100,000 annotations holds one of these each
class DocumentRef:
    path: str
    title: str
    fingerprint: str


def document_ref(document: Document) -> DocumentRef:
    """The reference an annotation keeps to ``document``."""
    return DocumentRef(document.key, document.title, document.fingerprint)


@dataclass(slots=True)
class Annotation:
    document: DocumentRef
    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""
    themes: list[str] = field(default_factory=list)
    note: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created: str = field(default_factory=now)
    updated: str = ""
    status: str = "anchored"
    score: float | None = None
    rev: int = 1
    coder: str = ""  # who made it (tui.coders); the store fills it in on insert when empty
    conflict: list[dict[str, Any]] | None = None  # other versions from a git merge, until resolved
    candidates: list[dict[str, Any]] | None = None  # ambiguous or orphan: places to review ({start, end, score})

    @property
    def conflicted(self) -> bool:
        return bool(self.conflict)

    def __post_init__(self) -> None:
        self.updated = self.updated or self.created

    def to_record(self) -> dict[str, Any]:
        """The stored form (``dataclasses.asdict`` took four times as long: it deep-copies every value)."""
        record = dict(zip(_ANNOTATION_FIELDS, _annotation_values(self)))
        record["document"] = dict(zip(_REF_FIELDS, _ref_values(self.document)))
        record["themes"] = list(self.themes)
        if record["score"] is None:
            del record["score"]
        if record["conflict"] is None:
            del record["conflict"]
        if record["candidates"] is None:
            del record["candidates"]
        else:
            record["candidates"] = [dict(c) for c in record["candidates"]]
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Annotation:
        data = dict(record)
        data["document"] = DocumentRef(**data["document"])
        data["themes"] = list(data.get("themes", []))
        return cls(**data)

    def public(self) -> dict[str, Any]:
        """The shape ``list --format json`` promises (plus ``score`` for fuzzy, ambiguous and weakly moved
        anchors, ``candidates`` for ambiguous ones and orphans that have some, ``conflict`` for an annotation a git
        merge found edited on both sides)."""
        ref = self.document
        shape = {
            "id": self.id,
            "document": {"path": ref.path, "title": ref.title, "fingerprint": ref.fingerprint},
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "prefix": self.prefix,
            "suffix": self.suffix,
            "themes": list(self.themes),
            "note": self.note,
            "created": self.created,
            "updated": self.updated,
            "status": self.status,
            "coder": self.coder,
        }  # fmt: skip (built directly, in PUBLIC_KEYS' order: through ``to_record`` took 3x as long)
        if self.score is not None:
            shape["score"] = self.score
        if self.candidates is not None:
            shape["candidates"] = [dict(c) for c in self.candidates]
        if self.conflict is not None:
            shape["conflict"] = self.conflict
        return shape


_ANNOTATION_FIELDS = tuple(f.name for f in fields(Annotation))  # in order: records keep it
_REF_FIELDS = tuple(f.name for f in fields(DocumentRef))
_annotation_values = attrgetter(*_ANNOTATION_FIELDS)
_ref_values = attrgetter(*_REF_FIELDS)


@dataclass
class Theme:
    name: str
    colour: str
    description: str = ""
    id: str = field(default="", compare=False)  # the store's stable id ("" for one not from a store)
    conflict: list[dict[str, Any]] | None = field(default=None, compare=False)  # other versions a git merge found

    def conflict_notes(self) -> list[str]:
        """One line per other version a git merge kept beside this theme (none if there is no conflict)."""
        return [
            f"conflict: theme {self.name!r} is {_theme_version(v)} on the other side of a git merge; "
            "rename, recolour or describe it to settle"
            for v in self.conflict or []
        ]

    @property
    def key(self) -> str:
        return theme_key(self.name)


def _theme_version(version: dict[str, Any]) -> str:
    if version.get("deleted"):
        return "deleted"
    if "into" in version:
        return f"merged into another theme (as {version['name']!r})"
    described = f" ({version['description']})" if version.get("description") else ""
    return f"{version['name']!r} {version['colour']}{described}"


def quote_at(text: str, start: int, end: int) -> tuple[str, str, str]:
    """(prefix, quote, suffix) for a span of ``text``."""
    return text[max(0, start - CONTEXT) : start], text[start:end], text[end : end + CONTEXT]


def new_annotation(
    document: Document, start: int, end: int, themes: list[str], note: str = "", coder: str = ""
) -> Annotation:
    """An annotation on ``document`` (a ``Document``) spanning ``start:end``."""
    if not 0 <= start < end <= len(document.text):
        raise ValueError(f"span {start}:{end} is outside the document (0:{len(document.text)}) or empty")
    prefix, quote, suffix = quote_at(document.text, start, end)
    ref = document_ref(document)
    return Annotation(ref, start, end, quote, prefix, suffix, check_themes(unique_themes(themes)), note, coder=coder)
