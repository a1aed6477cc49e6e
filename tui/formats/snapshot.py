"""Snapshots: a document's extracted text, kept next to the store in ``snapshots/``, named by the SHA-256 of the
source file's bytes, with the extractor's name and version and the page / chapter offsets.

Annotations anchor into the snapshot's text, so opening the same file again reuses it (no extraction, and no
drift when a library is upgraded); a changed file has another hash and gets a new snapshot, and the usual
re-anchoring carries its annotations over. ``reextract`` (or asking for the whole page of a web page whose
snapshot holds its article) replaces the snapshot. A snapshot is written only after a successful extraction,
atomically, readable by its owner only (it may hold the text of an encrypted PDF).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..digest import sha256
from ..metadata import Metadata
from . import Extraction, Progress, extract

VERSION = 1
FOLDER = "snapshots"
_where: dict[str, Path | None] = {"folder": None}  # set once by the CLI (``use_folder``)


@dataclass
class Options:
    """How to extract a document (ignored for text files)."""

    password: str | None = None
    whole_page: bool = False  # a web page's every part, not just its article
    reextract: bool = False  # a new snapshot even if one exists
    progress: Progress | None = None


def use_folder(folder: str | os.PathLike | None) -> None:
    """Keep snapshots in ``folder`` (the CLI: next to the store it was given); None: next to the default store."""
    _where["folder"] = Path(folder) if folder is not None else None


def folder() -> Path:
    chosen = _where["folder"]
    if chosen is not None:
        return chosen
    from ..store import resolve_store_path

    return resolve_store_path(None).parent / FOLDER


def folder_for_store(store_path: str | os.PathLike) -> Path:
    return Path(store_path).parent / FOLDER


@dataclass
class Snapshot:
    path: Path
    source_sha256: str
    extraction: Extraction
    whole_page: bool


def source_hash(data: bytes) -> str:
    return sha256(data).hexdigest()


def load_or_extract(data: bytes, kind: str, options: Options | None = None) -> Snapshot:
    """The snapshot of ``data`` (a file of ``kind``), extracted and saved if there is none yet; raises
    FormatError (and then saves nothing)."""
    options = options or Options()
    existing = saved(data, kind, options)
    if existing is not None:
        return existing
    digest = source_hash(data)
    extraction = extract(data, kind, options.password, options.whole_page, options.progress)
    snapshot = Snapshot(folder() / f"{digest}.json", digest, extraction, options.whole_page and kind == "html")
    write(snapshot)
    return snapshot


def saved(data: bytes, kind: str, options: Options) -> Snapshot | None:
    """The snapshot ``load_or_extract`` would reuse for ``data``, or None if it would extract."""
    if options.reextract:
        return None
    digest = source_hash(data)
    existing = read(folder() / f"{digest}.json", digest)
    if existing is not None and options.whole_page and kind == "html" and not existing.whole_page:
        return None  # it holds the article only
    return existing


def read(path: Path, digest: str) -> Snapshot | None:
    """A saved snapshot, or None if there is none or it is damaged (then it is made again)."""
    try:
        record = orjson.loads(path.read_bytes())
        if record.get("version") != VERSION or record.get("source_sha256") != digest:
            return None
        extraction = Extraction(
            kind=record["kind"],
            text=record["text"],
            extractor=record["extractor"],
            pages=[(int(o), str(label)) for o, label in record.get("pages", [])],
            chapters=[(int(o), str(title)) for o, title in record.get("chapters", [])],
            metadata=Metadata.from_record(record.get("metadata")),
        )
    except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return None
    if not isinstance(extraction.text, str):
        return None
    return Snapshot(path, digest, extraction, bool(record.get("whole_page")))


def write(snapshot: Snapshot) -> None:
    e = snapshot.extraction
    record: dict[str, Any] = {
        "version": VERSION,
        "source_sha256": snapshot.source_sha256,
        "kind": e.kind,
        "extractor": e.extractor,
        "whole_page": snapshot.whole_page,
        "pages": e.pages,
        "chapters": e.chapters,
        "metadata": e.metadata.to_record(),
        "text": e.text,
    }
    _atomic_write(snapshot.path, orjson.dumps(record))


def _atomic_write(path: Path, raw: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
