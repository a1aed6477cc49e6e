"""What a document says about itself (title, authors, date, URL) and the citations made from it.

Read from the file where it has them (``formats``), from ``seeds/.metadata.json`` for the bundled seeds, and set
by hand (``marginalia doc set``, kept in the store's ``documents`` table). The effective metadata of a document is
the file's, with every field set by hand taking its place: ``Metadata.merged``.

For other modules (the compare matrix groups by author): ``document.metadata`` is a ``Metadata``;
``metadata.short_author`` ("Asmolov", "Fifield and Lankov", "Kim et al."), ``metadata.year`` ("2023") and
``metadata.short_title`` are what a column header or a citation needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from .text import sanitise

if TYPE_CHECKING:
    from .document import Document
    from .store import Store

FIELDS = ("title", "authors", "date", "url")
SHORT_TITLE = 40


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    authors: tuple[str, ...] = field(default_factory=tuple)
    date: str = ""  # as the source gives it, ideally ISO 8601 (2023-08-08, or just 2023)
    url: str = ""

    def __post_init__(self) -> None:
        # whatever a file says about itself is shown in panes and exports: one line each, no control characters
        object.__setattr__(self, "title", _clean(self.title))
        object.__setattr__(self, "authors", tuple(a for a in map(_clean, self.authors) if a))
        object.__setattr__(self, "date", _clean(self.date))
        object.__setattr__(self, "url", _clean(self.url))

    @classmethod
    def from_record(cls, record: dict[str, Any] | None) -> Metadata:
        """From a stored or JSON form; unknown keys and wrong types are ignored (a hand-edited file)."""
        record = record or {}
        authors = record.get("authors") or ()
        if isinstance(authors, str):
            authors = split_authors(authors)
        return cls(
            title=_clean(record.get("title")),
            authors=tuple(_clean(a) for a in authors if isinstance(a, str)),
            date=_clean(record.get("date")),
            url=_clean(record.get("url")),
        )

    def to_record(self) -> dict[str, Any]:
        return {"title": self.title, "authors": list(self.authors), "date": self.date, "url": self.url}

    def merged(self, overrides: Metadata) -> Metadata:
        """These fields, with every non-empty field of ``overrides`` in its place."""
        return replace(self, **{f.name: getattr(overrides, f.name) for f in fields(self) if getattr(overrides, f.name)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @property
    def year(self) -> str:
        match = re.search(r"\b(1[5-9]\d\d|2\d\d\d)\b", self.date)
        return match.group(1) if match else ""

    @property
    def short_author(self) -> str:
        """Family names as a citation gives them: one, two joined with "and", or the first "et al."."""
        names = [surname(a) for a in self.authors]
        if not names:
            return ""
        if len(names) == 1:
            return names[0]
        if len(names) == 2:
            return f"{names[0]} and {names[1]}"
        return f"{names[0]} et al."

    @property
    def main_title(self) -> str:
        """The title before its subtitle (a colon or a dash): "Sergei Shoigu's Visit To North Korea"."""
        return re.split(r":\s|\s[–—-]\s|\s\|\s", self.title, maxsplit=1)[0].strip() or self.title

    @property
    def short_title(self) -> str:
        """The main title cut to ``SHORT_TITLE`` characters (a citation's; a pane cuts by cells instead)."""
        title = self.main_title
        return title if len(title) <= SHORT_TITLE else title[: SHORT_TITLE - 1].rstrip() + "…"


def _clean(value: object) -> str:
    return sanitise(" ".join(value.split())) if isinstance(value, str) else ""


def split_authors(text: str) -> tuple[str, ...]:
    """ "A; B", "A and B", "A, B" (but "Asmolov, Konstantin" is one name written family name first)."""
    parts = [p.strip() for p in re.split(r"\s*;\s*|\s+(?:and|&)\s+", text) if p.strip()]
    if len(parts) == 1 and "," in text:
        family_first = text.count(",") == 1 and " " not in text.split(",")[0].strip()
        if not family_first:
            parts = [p.strip() for p in text.split(",") if p.strip()]
    return tuple(parts)


def surname(name: str) -> str:
    """ "Konstantin Asmolov" -> "Asmolov"; "Asmolov, Konstantin" -> "Asmolov"; an organisation stays whole."""
    name = name.strip()
    if "," in name:
        return name.split(",", 1)[0].strip()
    words = name.split()
    if len(words) > 4:  # "Institute for Far Eastern Studies": not a person's name
        return name
    return words[-1] if words else name


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``["title=...", "author=A; B", "date=2023", "url=..."]`` as a record; ``author=`` may repeat, and an
    empty value clears a field. Raises ValueError naming what is wrong."""
    record: dict[str, Any] = {}
    authors: list[str] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower()
        if not sep:
            raise ValueError(f"{pair!r} is not FIELD=VALUE (fields: title, author, date, url)")
        if key in ("author", "authors"):
            authors.extend(split_authors(value))
            record["authors"] = authors
        elif key in ("title", "date", "url"):
            record[key] = " ".join(value.split())
        else:
            raise ValueError(f"unknown field {key!r} (fields: title, author, date, url)")
    if "date" in record and record["date"] and not re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", record["date"]):
        raise ValueError(f"date {record['date']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return record


def apply_metadata(store: Store, documents: Iterable[Document]) -> None:
    """Give each document the metadata set by hand for its path (``marginalia doc set``) over the file's own."""
    overrides = store.all_document_metadata()
    for document in documents:
        if document.key in overrides:
            document.set_metadata(overrides[document.key])
