"""The annotation store: TinyDB over ``AtomicStorage``, safe for several processes at once.

The store is a codebook file (themes, documents seen, metadata set by hand) and one shard file per annotated
document (``tui.storage``): a command or the reader on one document reads and writes only its shard (and the
codebook), so its work is proportional to what it touches, not to the store. Shards are loaded when first asked
for; only the last ``CACHED_SHARDS`` stay parsed after a scan of them all.

Every change runs in ``_change()``: take the file lock, finish a journalled change a crashed writer left, re-read
each file the change touches if another process changed it, reset TinyDB's per-table caches (its cached next id
would otherwise collide with another process's inserts), apply the change in memory and write each touched file
once: one file atomically, several as one journalled change (``storage.commit_many``). Reads need no lock: the
files are only ever replaced (a read that finds a journal waits for its writer).
"""

from __future__ import annotations

import os
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from tinydb import TinyDB
from tinydb.table import Document as Record

from .codebook import SEPARATOR, in_subtree, node_key, subtree_renames
from .coders import by_coder, coder_key, resolve_coder
from .known import Known
from .memos import MemoKey
from .metadata import Metadata
from .model import (
    PALETTE,
    Annotation,
    DocumentRef,
    Theme,
    check_themes,
    clean_theme_name,
    colour_problem,
    now,
    pick_colour,
    theme_key,
    unique_themes,
)  # fmt: skip
from .storage import (
    AtomicStorage,
    CorruptStore,
    StoreError,
    commit_many,
    finish_journal,
    is_live,
    journal_path,
    resolve_themes,
    shard_folder,
    shard_name,
    theme_id,
)  # fmt: skip

if TYPE_CHECKING:
    from filelock import FileLock

LOCK_TIMEOUT = 15.0
MIN_PREFIX = 4  # characters of an id that name an annotation
ENV_VAR = "MARGINALIA_STORE"


class _UnknownTheme(CorruptStore):
    """A shard names a theme the codebook as read lacks: damage, unless the codebook changed since it was read."""


CACHED_SHARDS = 32  # shards kept parsed after a scan of them all (the reader's documents are among them)


class ConflictError(StoreError):
    """The annotation changed in another process since it was read."""


class NotFound(StoreError):
    pass


def default_store_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("marginalia", appauthor=False) / "annotations.json"


def resolve_store_path(option: str | os.PathLike | None = None, configured: str | os.PathLike | None = None) -> Path:
    """``--store``, else ``$MARGINALIA_STORE``, else the config file's ``store`` (``configured``), else
    ``annotations.json`` in the user data folder."""
    chosen = option or os.environ.get(ENV_VAR) or configured or default_store_path()
    return Path(chosen).expanduser().absolute()


class _Shard:
    """One document's shard: its TinyDB file in the store's folder."""

    def __init__(self, path: Path, lock: StoreLock, document: str, known: Known | None = None) -> None:
        """``document``: the path of the document it holds ("": learn it from the file); ``known``: the store's
        record of the shards already validated."""
        self.path = path
        self.db = TinyDB(path, storage=AtomicStorage, lock=lock, shard=document, known=known)
        self.storage: AtomicStorage = self.db.storage  # type: ignore[assignment]
        self.table = self.db.table("annotations", cache_size=0)
        self._made: tuple[Any, Mapping[str, str | None], list[Annotation]] | None = None  # (file, names, made)

    @property
    def document(self) -> str:
        return self.storage.shard or ""

    def records(self) -> dict[str, dict[str, Any]]:
        """The shard's records as stored, doc id -> record (no copies: use under the store's thread lock)."""
        return self.storage.read().get("annotations", {})

    def annotations(self, names: Mapping[str, str | None], check: bool, keep: bool) -> list[Annotation]:
        """The shard's annotations, made once per version of its file and of the codebook (``names``: theme id
        -> name, ``resolve_themes``) and shared: callers must not change them (``dataclasses.replace`` makes a
        changed copy). Unless ``keep``, the parsed records are dropped once the annotations are made (they would
        triple the memory a big store takes; a write reads the file again). With ``check``, a record naming a
        theme id the codebook lacks is damage (else that theme is left out)."""
        if self.storage.in_transaction:  # changed in memory, not yet on disk: made afresh, never kept
            return _in_order(_annotations_of(self.path, self.records(), names, check))
        version = self.storage.current()
        made = self._made
        if made is None or made[0] != version or made[1] is not names or version is None:
            annotations = _in_order(
                _annotations_of(self.path, self.records(), names, check)
            )  # (reads the file: version)
            # (the names themselves are kept, not their id(): an id can be reused once they are gone)
            made = self._made = (self.storage.version, names, annotations)
        if not keep:
            self.storage.forget()
        return made[2]

    def refresh(self) -> bool:
        """Pick up a change on disk; True if there was one. Records dropped after a scan (``annotations``) are
        compared by the file's stamp, not parsed again: else every poll of a reader with many documents would
        find them all "changed" and reload everything."""
        if self.storage.version is None and self._made is not None and self._made[0] is not None:
            return self.storage.current() != self._made[0]
        return self.storage.refresh()


class StoreLock:
    """The store's re-entrant cross-process lock (``filelock``), made when first taken: reading needs no lock, and
    importing filelock costs the reader's start more than opening the store does."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock: FileLock | None = None
        self._making = threading.Lock()

    def _made(self) -> FileLock:
        with self._making:
            if self._lock is None:
                from filelock import FileLock

                self._lock = FileLock(self.path, timeout=LOCK_TIMEOUT, thread_local=False)
            return self._lock

    def acquire(self) -> None:
        self._made().acquire()

    def release(self) -> None:
        self._made().release()

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Store:
    def __init__(self, path: str | os.PathLike, coder: str | None = None) -> None:
        """``coder``: who is coding (``tui.coders.resolve_coder``): new annotations without one get this name."""
        self.path = Path(path)
        self.coder = resolve_coder(coder)
        # beside the real file: two links to one store share its lock
        self._lock_path = f"{os.path.realpath(self.path)}.lock"
        self._file_lock = StoreLock(self._lock_path)
        self._db = TinyDB(self.path, storage=AtomicStorage, lock=self._file_lock)  # the storage migrates under it
        self.storage: AtomicStorage = self._db.storage  # type: ignore[assignment]
        self._themes = self._db.table("themes", cache_size=0)
        self._documents = self._db.table("documents", cache_size=0)
        self._metadata = self._db.table("metadata", cache_size=0)  # document metadata set by hand, per path
        self._memos = self._db.table("memos", cache_size=0)  # Markdown memos: kind, name, text (tui.memos)
        self._folder = shard_folder(self.path)
        self.known = Known.for_store(self.path)  # what was validated and learnt before (a cache: tui.known)
        self._journal = journal_path(self.path)
        self._shards: OrderedDict[str, _Shard] = OrderedDict()  # by file name, least recently used first
        self._names: frozenset[str] | None = None  # the shard files found by the last scan
        self._touched: dict[str, _Shard] = {}  # the shards the current change has read
        self._codebook_before: dict[tuple[str, str], bytes] = {}  # the codebook's records as the change began
        self._names_cache: tuple[Any, dict[str, str | None]] | None = None  # (codebook version, theme id -> name)
        self._thread_lock = threading.RLock()
        self._depth = 0
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder, not a store file")
        self.refresh()  # fail now, with a clear message, if the file is damaged

    # -- reading ---------------------------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Pick up changes another process wrote; True if there were any (to the codebook, to a shard already
        read, or a shard added or removed)."""
        with self._thread_lock:
            self._settle()
            changed = self.storage.refresh()
            for shard in list(self._shards.values()):
                changed = shard.refresh() or changed
            if self._names is not None:
                names = self._shard_names()
                changed = changed or names != self._names
                self._names = names
            return changed

    def annotations(
        self,
        doc: str | None = None,
        theme: str | None = None,
        coders: list[str] | None = None,
        docs: Iterable[str] | None = None,
    ) -> list[Annotation]:
        """Annotations ordered by document path, then start; optionally one document's (``doc``) or only some
        documents' (``docs``: only their shards are read), one theme's, or only these coders'."""
        paths = [doc] if doc is not None else (None if docs is None else list(docs))
        with self._thread_lock:
            shards = self._shards_of(paths)
            keep = len(shards) <= CACHED_SHARDS  # a scan of many keeps their annotations, not their records
            made = self._checked_annotations(shards, keep)
            self._trim(keep=len(shards) if paths is not None else 0)
        # each shard's are in order, and hold one document's: in document order, they are all in order
        by_document = sorted(zip((s.document for s in shards), made, strict=True), key=itemgetter(0))
        found = [a for _, each in by_document for a in each]
        if theme is not None:
            key = theme_key(theme)
            found = [a for a in found if key in {theme_key(t) for t in a.themes}]
        if coders:
            found = by_coder(found, coders)
        return found

    def _checked_annotations(self, shards: list[_Shard], keep: bool) -> list[list[Annotation]]:
        """Each shard's annotations, checked against the codebook. A writer writes a new theme to the codebook
        before the shard that names it, and readers take no lock: a shard read after the codebook may be newer
        than it, so a missing theme is damage only if the codebook, read again, still lacks it."""
        for attempt in range(3):
            names = self._theme_names()
            try:  # (inside a change, themes come and go: not checked)
                return [shard.annotations(names, not self._depth, keep) for shard in shards]
            except _UnknownTheme:
                if attempt == 2 or not self.storage.refresh():
                    raise
        raise AssertionError("unreachable")

    def _theme_names(self) -> dict[str, str | None]:
        """Theme id -> the live theme's name it stands for (None: deleted), made once per codebook version."""
        records = self.storage.read().get("themes", {}).values()
        if self._depth:
            return resolve_themes(records)
        version = self.storage.version
        if self._names_cache is None or self._names_cache[0] != version or version is None:
            self._names_cache = (version, resolve_themes(records))
        return self._names_cache[1]

    def _live_ids(self) -> dict[str, str]:
        """Theme key -> id, for the live themes."""
        return {theme_key(r["name"]): r["id"] for r in self._themes.all() if is_live(r)}

    def _theme_ids(self, names: Iterable[str], live: dict[str, str] | None = None) -> list[str]:
        """The ids of these themes (created if missing), in order; ``live``: ``_live_ids()``, if at hand."""
        wanted = list(names)
        if live is None or any(theme_key(n) not in live for n in wanted):
            self._ensure_themes(wanted)
            live = self._live_ids()
        return list(dict.fromkeys(live[theme_key(n)] for n in wanted))

    def _stored(self, annotation: Annotation, live: dict[str, str] | None = None) -> dict[str, Any]:
        """An annotation's record as a shard keeps it: its themes (and its conflict versions' themes) by id."""
        live = self._live_ids() if live is None else live
        record = annotation.to_record()
        record["themes"] = self._theme_ids(record["themes"], live)
        if record.get("conflict"):
            record["conflict"] = [
                v if v.get("deleted") is True else {**v, "themes": self._theme_ids(v["themes"], live)}
                for v in record["conflict"]
            ]
        return record

    def _annotation(self, record: Mapping[str, Any]) -> Annotation:
        """A stored record as an ``Annotation``: its themes by name."""
        return self._annotations_from([record])[0]

    def _annotations_from(self, records: Iterable[Mapping[str, Any]]) -> list[Annotation]:
        numbered = {str(n): dict(record) for n, record in enumerate(records)}
        return _annotations_of(self.path, numbered, self._theme_names(), False)

    def documents(self) -> list[str]:
        """The paths of every annotated document."""
        with self._thread_lock:
            shards = self._shards_of(None)
            made = self._checked_annotations(shards, keep=False)
            found = sorted(s.document for s, annotations in zip(shards, made, strict=True) if annotations)
            self._trim()
            return found

    def coders(self) -> list[str]:
        """Every coder's name in the store (one spelling per coder), sorted."""
        names = {coder_key(a.coder): a.coder for a in self.annotations()}
        return sorted(names.values(), key=coder_key)

    def get(self, annotation_id: str) -> Annotation:
        with self._thread_lock:
            _, record = self._record(annotation_id)
            return self._annotation(record)

    def themes(self) -> list[Theme]:
        """The live themes (not those merged into others or deleted)."""
        with self._thread_lock:
            records = [r for r in self._themes.all() if is_live(r)]
        return sorted((_theme(r) for r in records), key=lambda t: t.key)

    def theme(self, name: str) -> Theme:
        with self._thread_lock:
            record = self._theme_record(name)
        return _theme(record)

    def paths_seen(self) -> dict[str, list[str]]:
        """Per text (fingerprint): every path where it was seen with annotations."""
        with self._thread_lock:
            self._settle()
            return {r["fingerprint"]: list(r["paths"]) for r in self.storage.read().get("documents", {}).values()}

    def remember_paths(self, seen: Mapping[str, Iterable[str]]) -> None:
        """Add paths where texts (fingerprint -> paths) were seen; writes only if one is new."""
        known = self.paths_seen()
        if any(not set(p) <= set(known.get(f, ())) for f, p in seen.items()):
            with self._change():
                self._remember(seen)

    def _remember_texts(self, annotations: Iterable[Annotation]) -> None:
        """Remember where these annotations' texts are (so ``tui.library`` finds them when a file moves)."""
        seen: dict[str, set[str]] = defaultdict(set)
        for a in annotations:
            if a.document.fingerprint:
                seen[a.document.fingerprint].add(a.document.path)
        known = {r["fingerprint"]: set(r["paths"]) for r in self._documents.all()}
        if any(not paths <= known.get(f, set()) for f, paths in seen.items()):
            self._remember(seen)

    def _remember(self, seen: Mapping[str, Iterable[str]]) -> None:
        known = {r["fingerprint"]: r for r in self._documents.all()}
        for fingerprint, found in seen.items():
            record = known.get(fingerprint)
            paths = sorted(set(found) | set(record["paths"] if record else ()))
            if record is None:
                self._documents.insert({"fingerprint": fingerprint, "paths": paths})
            elif paths != record["paths"]:
                self._documents.update({"paths": paths}, doc_ids=[record.doc_id])

    def theme_counts(self) -> dict[str, Counter[str]]:
        """Per theme key: how many annotations each document path has under it."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for annotation in self.annotations():
            for name in annotation.themes:
                counts[theme_key(name)][annotation.document.path] += 1
        return counts

    # -- changing annotations ----------------------------------------------------------------------------------
    def add(self, annotation: Annotation) -> Annotation:
        return self.add_many([annotation])[0][0]

    def add_many(self, annotations: Iterable[Annotation], merge: bool = False) -> tuple[list[Annotation], int]:
        """Insert annotations in ONE write (one TinyDB insert and at most one update per document, whatever
        their number: inserting one at a time rebuilt the table every time); one without a coder gets the
        store's. With ``merge``, one whose document and span already have an annotation by the same coder adds
        its themes to that one instead, and its note too if that one lacks it (notes are kept both, a blank line
        apart); returns (created, how many were merged)."""
        incoming = list(annotations)
        created: list[Annotation] = []
        merged = 0
        with self._change():
            self._ensure_all(incoming)
            shards = {a.document.path: self._shard(a.document.path) for a in incoming}
            stored = [r for shard in shards.values() for r in shard.records().values()]
            spans: dict[tuple[str, int, int, str], dict[str, Any]] = {}
            if merge:
                spans = {self._span(r): r for r in stored}
            ids = {r["id"] for r in stored}
            fresh: dict[str, list[dict[str, Any]]] = defaultdict(list)
            new: set[str] = set()
            changed: dict[str, dict[str, Any]] = {}  # id -> the merged record, for stored ones
            live, names = self._live_ids(), self._theme_names()
            for annotation in incoming:
                annotation.coder = annotation.coder or self.coder
                record = self._stored(annotation, live)
                existing = spans.get(self._span(record))
                if existing is not None:
                    merged += 1
                    target = existing if existing["id"] in new else changed.setdefault(existing["id"], dict(existing))
                    _merge(target, annotation, record["themes"], names)
                    continue
                if annotation.id in ids:
                    raise StoreError(f"{self.path}: annotation {annotation.id} already exists")
                fresh[annotation.document.path].append(record)
                new.add(annotation.id)
                if merge:  # later ones in this call on the same span merge into it too
                    spans[self._span(record)] = record
                ids.add(annotation.id)
                created.append(annotation)
            for path, records in fresh.items():
                shards[path].table.insert_multiple(records)
            self._remember_texts(created)
            for shard in shards.values():
                self._replace_all(shard, {i: r for i, r in changed.items() if r != spans[self._span(r)]})
        return created, merged

    def update(
        self,
        annotation_id: str,
        *,
        expect_rev: int | None = None,
        themes: list[str] | None = None,
        note: str | None = None,
        **fields: Any,
    ) -> Annotation:
        """Change an annotation. ``expect_rev``: the revision the caller saw; if another process changed the
        annotation meanwhile, raise ConflictError instead of overwriting its change."""
        with self._change():
            shard, record = self._record(annotation_id)
            self._check_rev(record, expect_rev)
            changes = dict(fields)
            if themes is not None:
                changes["themes"] = self._theme_ids(check_themes(unique_themes(themes)))
            if note is not None:
                changes["note"] = note
            changes.update(updated=now(), rev=record["rev"] + 1)
            shard.table.update(changes, doc_ids=[record.doc_id])
            return self._annotation({**record, **changes})

    def resolve(self, annotation_id: str, take: int) -> Annotation | None:
        """End a git merge conflict: keep version ``take`` (0: the one shown, n: the n-th other version of its
        ``conflict`` list); returns the annotation as kept, or None if the version kept is a deletion."""
        with self._change():
            shard, record = self._record(annotation_id)
            versions = [{k: v for k, v in record.items() if k != "conflict"}, *(record.get("conflict") or [])]
            if len(versions) == 1:
                raise StoreError(f"annotation {record['id'][:8]} has no conflict to resolve")
            if not 0 <= take < len(versions):
                raise StoreError(f"annotation {record['id'][:8]} has versions 0 to {len(versions) - 1}, not {take}")
            chosen = versions[take]
            if chosen.get("deleted") is True:
                shard.table.remove(doc_ids=[record.doc_id])
                return None
            kept = {**chosen, "rev": max(v.get("rev", 1) for v in versions) + 1, "updated": now()}
            annotation = self._annotation(kept)
            shard.table.update(_replace(self._stored(annotation)), doc_ids=[record.doc_id])
            return annotation

    def delete(self, annotation_id: str, expect_rev: int | None = None) -> Annotation:
        with self._change():
            shard, record = self._record(annotation_id)
            self._check_rev(record, expect_rev)
            shard.table.remove(doc_ids=[record.doc_id])
            return self._annotation(record)

    def put(self, annotation: Annotation) -> None:
        """Write ``annotation`` as it is, inserting or replacing (used by undo and re-anchoring)."""
        self.put_many([annotation])

    def put_many(self, annotations: Iterable[Annotation]) -> None:
        """Insert or replace annotations in ONE write (per document: one insert, one update). One stored on
        another document than it now names (undo of a relink) moves to its document's shard."""
        incoming = {a.id: a for a in annotations}  # the last one of an id wins
        with self._change():
            self._ensure_all(list(incoming.values()))
            shards = {a.document.path: self._shard(a.document.path) for a in incoming.values()}
            cached = [self._shard(s.document) for s in list(self._shards.values())]  # read under the lock
            where = {r["id"]: (shard, r) for shard in cached for r in shard.records().values()}
            fresh: dict[str, list[dict[str, Any]]] = defaultdict(list)
            replaced: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
            live = self._live_ids()
            for annotation in incoming.values():
                record = self._stored(annotation, live)
                found = where.get(annotation.id)
                if found is not None and found[0].document != annotation.document.path:
                    self._remove_ids(found[0], {annotation.id})
                    found = None
                if found is None:
                    fresh[annotation.document.path].append(record)
                else:
                    replaced[annotation.document.path][annotation.id] = record
            for path, records in fresh.items():
                shards[path].table.insert_multiple(records)
            for path, changes in replaced.items():
                self._replace_all(shards[path], changes)
            self._remember_texts(incoming.values())

    def _replace_all(self, shard: _Shard, records: dict[str, dict[str, Any]]) -> None:
        """Make the shard's annotations with these ids exactly these records, in one TinyDB update."""
        doc_ids = [int(key) for key, r in shard.records().items() if r["id"] in records]
        if doc_ids:
            shard.table.update(lambda stored: _replace(records[stored["id"]])(stored), doc_ids=doc_ids)

    def _remove_ids(self, shard: _Shard, ids: set[str]) -> None:
        shard.table.remove(doc_ids=[int(key) for key, r in shard.records().items() if r["id"] in ids])

    def _ensure_all(self, annotations: list[Annotation]) -> None:
        """Create every theme these annotations name at once, and give them the stored spellings."""
        names = unique_themes([name for annotation in annotations for name in annotation.themes])
        spelling = {theme_key(n): s for n, s in zip(names, self._ensure_themes(names))}
        for annotation in annotations:
            annotation.themes = [spelling[theme_key(t)] for t in unique_themes(annotation.themes)]

    # -- changing themes ----------------------------------------------------------------------------------------
    def ensure_themes(self, names: list[str]) -> list[str]:
        with self._change():
            return self._ensure_themes(names)

    def rename_theme(self, old: str, new: str) -> Theme:
        """Rename a theme and its codebook subtree (``sanctions`` -> ``measures`` takes ``sanctions/UN`` to
        ``measures/UN``), in one write; ``old`` may be a parent only its children carry."""
        new = clean_theme_name(new)
        with self._change():
            renames = self._subtree_renames(old, new)
            records = {theme_key(r["name"]): r for r in self._themes.all() if is_live(r)}
            moving = {theme_key(name) for name in renames}
            for target in renames.values():
                clash = records.get(theme_key(target))
                if clash is not None and theme_key(clash["name"]) not in moving:
                    raise StoreError(f"theme {clash['name']!r} already exists; merge instead")
            for name, target in renames.items():  # the codebook only: annotations name themes by id
                record = records.get(theme_key(name))
                if record is not None:
                    settled = {k: v for k, v in record.items() if k != "conflict"}
                    self._themes.update(_replace({**settled, "name": target}), doc_ids=[record.doc_id])
            self._move_memos(old, new)
            top = records.get(theme_key(old)) or {"name": old, "colour": PALETTE[-1], "description": ""}
            return Theme(**{**top, "name": new})

    def _subtree_renames(self, old: str, new: str) -> dict[str, str]:
        names = [r["name"] for r in self._themes.all() if is_live(r)]  # every theme an annotation can carry
        renames = subtree_renames(names, old, new)
        if not renames:
            raise NotFound(f"no theme named {old.strip()!r}")
        return renames

    def merge_themes(self, names: list[str], into: str) -> Theme:
        into = clean_theme_name(into)
        with self._change():
            sources = [self._theme_record(n) for n in names]
            found = self._find_theme(into)
            if found is None:
                self._ensure_themes([into])
            target = found if found is not None else self._theme_record(into)
            for record in {r.doc_id: r for r in sources if r.doc_id != target.doc_id}.values():  # given twice: once
                # the codebook only: the source keeps its id, now standing for the target, in annotations
                merged = {"id": record["id"], "name": record["name"], "into": target["id"]}
                self._themes.update(_replace(merged), doc_ids=[record.doc_id])
            self._join_memos([r["name"] for r in sources], target["name"])
            return _theme(target)

    def describe_theme(self, name: str, description: str) -> Theme:
        return self._set_theme(name, description=description.strip())

    def recolour_theme(self, name: str, colour: str) -> Theme:
        problem = colour_problem(colour)
        if problem is not None:
            raise StoreError(problem)
        return self._set_theme(name, colour=colour.upper())

    def delete_theme(self, name: str) -> tuple[Theme, int]:
        """Remove a theme and take it off every annotation (which stay, as plain highlights if need be)."""
        with self._change():
            record = self._theme_record(name)
            changed = self._count_carrying(self._ids_standing_for({record["id"]}))
            deleted = {"id": record["id"], "name": record["name"], "deleted": True}  # its id is never reused
            self._themes.update(_replace(deleted), doc_ids=[record.doc_id])
            return _theme(record), changed

    def restore_themes(self, themes: list[Theme]) -> None:
        """Put themes back as they were (undo of a rename, merge or delete): by id if they have one (a merged or
        deleted theme comes back to life, and with it its annotations' theme), else by name."""
        with self._change():
            for theme in themes:
                records = self._themes.all()
                record = next((r for r in records if theme.id and r["id"] == theme.id), None)
                record = record or self._find_theme(theme.name)
                fields = {"name": theme.name, "colour": theme.colour, "description": theme.description}
                if record is None:
                    made = theme.id or theme_id(theme.name, {r["id"] for r in records})
                    self._themes.insert({"id": made, **fields})
                else:
                    self._themes.update(_replace({"id": record["id"], **fields}), doc_ids=[record.doc_id])

    def remove_themes(self, names: list[str]) -> None:
        """Remove themes no annotation carries (the undo of a change that created them)."""
        with self._change():
            ids = [r.doc_id for n in names if (r := self._find_theme(n)) is not None]
            self._themes.remove(doc_ids=ids)

    # -- document metadata set by hand ----------------------------------------------------------------------------
    def document_metadata(self, path: str) -> Metadata:
        """What was set by hand for the document at ``path`` (a stored path): empty fields were not."""
        return self.all_document_metadata().get(path, Metadata())

    def all_document_metadata(self) -> dict[str, Metadata]:
        with self._thread_lock:
            self._settle()
            records = self.storage.read().get("metadata", {}).values()
            return {r["path"]: Metadata.from_record(r) for r in records}

    def set_document_metadata(self, path: str, fields: dict[str, Any]) -> Metadata:
        """Set (or, with an empty value, clear) fields of ``path``'s metadata in one write; returns them all."""
        with self._change():
            found = next((r for r in self._metadata.all() if r["path"] == path), None)
            current = Metadata.from_record(found).to_record() if found is not None else Metadata().to_record()
            current.update(fields)
            merged = Metadata.from_record(current)
            record = {"path": path, **merged.to_record()}
            if found is None:
                self._metadata.insert(record)
            else:
                self._metadata.update(record, doc_ids=[found.doc_id])
            return merged

    # -- memos (tui.memos): one table, reached only through these methods, so a new store layout moves them too ----
    def memo(self, key: MemoKey) -> str:
        """The memo's Markdown text ("" if there is none)."""
        with self._thread_lock:
            record = self._find_memo(self.storage.read().get("memos", {}).values(), key)
        return record["text"] if record is not None else ""

    def memos(self) -> dict[MemoKey, str]:
        """Every memo that has text, by key (a theme's under its name as last saved)."""
        with self._thread_lock:
            records = list(self.storage.read().get("memos", {}).values())
        return {MemoKey(r["kind"], r["name"]): r["text"] for r in records if r["text"].strip()}

    def set_memo(self, key: MemoKey, text: str, expect: str | None = None) -> str:
        """Replace the memo's text in one write (blank text removes it); returns the text before. ``expect``: the
        text the caller started from; if another process changed the memo meanwhile, raise ConflictError."""
        with self._change():
            record = self._find_memo(self._memos.all(), key)
            before = record["text"] if record is not None else ""
            if expect is not None and before != expect:
                raise ConflictError(f"the memo on {key.heading()} was changed elsewhere meanwhile")
            if not text.strip():
                if record is not None:
                    self._memos.remove(doc_ids=[record.doc_id])
            elif record is None:
                self._memos.insert({"kind": key.kind, "name": key.name, "text": text, "updated": now()})
            elif text != before:
                self._memos.update({"name": key.name, "text": text, "updated": now()}, doc_ids=[record.doc_id])
            return before

    @staticmethod
    def _find_memo(records: Iterable[Any], key: MemoKey) -> Any:
        for record in records:
            if record["kind"] == key.kind and MemoKey(key.kind, record["name"]).match == key.match:
                return record
        return None

    def _move_memos(self, old: str, new: str) -> None:
        """Theme memos follow a rename of their theme and its subtree (a parent only children carry too)."""
        top = node_key(old)
        for record in self._memos.all():
            if record["kind"] == "theme" and in_subtree(node_key(record["name"]), top):
                rest = record["name"].split(SEPARATOR)[len(top.split(SEPARATOR)) :]
                self._memos.update({"name": SEPARATOR.join([new, *rest])}, doc_ids=[record.doc_id])

    def _join_memos(self, sources: list[str], target: str) -> None:
        """Merged themes' memos become the target's, its own first, a blank line between them."""
        keys = dict.fromkeys(MemoKey("theme", name).match for name in [target, *sources])
        by_match = {MemoKey("theme", r["name"]).match: r for r in self._memos.all() if r["kind"] == "theme"}
        found = [by_match[k] for k in keys if k in by_match]
        if not found or (len(found) == 1 and found[0]["name"] == target):
            return
        text = "\n\n".join(r["text"].strip("\n") for r in found) + "\n"
        self._memos.remove(doc_ids=[r.doc_id for r in found])
        self._memos.insert({"kind": "theme", "name": target, "text": text, "updated": now()})

    def replace_memos(self, kind: str, memos: Mapping[MemoKey, str]) -> None:
        """Make ``kind``'s memos exactly ``memos`` (the undo of a theme rename or merge), in one write."""
        with self._change():
            self._memos.remove(doc_ids=[r.doc_id for r in self._memos.all() if r["kind"] == kind])
            stamp = now()
            fresh = [
                {"kind": k.kind, "name": k.name, "text": t, "updated": stamp} for k, t in memos.items() if t.strip()
            ]
            self._memos.insert_multiple(fresh)

    # -- internals ---------------------------------------------------------------------------------------------
    def batch(self) -> Any:
        """Group several changes into one atomic write: ``with store.batch(): ...``."""
        return self._change()

    @contextmanager
    def _change(self) -> Iterator[None]:
        with self._thread_lock:
            if self._depth:  # inside a batch: the outer change writes
                yield
                return
            try:
                Path(self._lock_path).parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(self._lock_path, os.O_WRONLY | os.O_CREAT, 0o644))  # so a failure says so
            except OSError as error:
                raise StoreError(f"{self._lock_path}: cannot create the store's lock file ({error.strerror})") from None
            from filelock import Timeout

            try:
                self._file_lock.acquire()
            except Timeout:
                raise StoreError(f"{self.path}: the store is locked by another process") from None
            except OSError as error:
                raise StoreError(f"{self.path}: cannot lock the store ({error.strerror or error})") from None
            try:
                self._finish_journal()
                self.storage.begin()
                self._codebook_before = _snapshot(self.storage.read())
                for table in (self._themes, self._documents, self._metadata, self._memos):
                    table.clear_cache()
                    table._next_id = None  # another process may have inserted since we last looked
                self._depth += 1
                self._touched = {}
                try:
                    yield
                    self._commit()
                except BaseException:
                    self.storage.rollback()
                    for shard in self._touched.values():
                        shard.storage.rollback()
                    raise
                finally:
                    self._depth -= 1
                    self._touched = {}
            finally:
                self._file_lock.release()
            self._trim()

    def _commit(self) -> None:
        """Write what the change touched: one file atomically, several through the journal. A change to one
        shard that only adds to the codebook (a new theme, a path seen) needs no journal: the codebook is written
        first, and a crash between the two writes leaves an unused theme or path, never half a change."""
        storages = [self.storage, *(s.storage for s in self._touched.values())]
        if any(s.pending for s in storages[1:]):
            self.storage.touch()  # a store's first write creates its codebook too
        staged = [(storage, found) for storage in storages if (found := storage.staged()) is not None]
        shards = [storage for storage, _ in staged if storage is not self.storage]
        if len(shards) <= 1 and (len(staged) == len(shards) or self._codebook_grew()):
            for storage in storages:  # the codebook first
                storage.commit()
            return
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            commit_many([found for _, found in staged], self._journal)
        except OSError as error:
            raise StoreError(f"{self.path}: cannot write the store ({error.strerror or error})") from None
        for storage in storages:
            storage.written()
        self._names = None

    def _codebook_grew(self) -> bool:
        """Whether this change only added records to the codebook (every record it had is as it was)."""
        now = _snapshot(self.storage.read())
        return all(now.get(key) == raw for key, raw in self._codebook_before.items())

    def _finish_journal(self) -> None:
        try:
            if finish_journal(self._journal):
                self._names = None
        except OSError as error:
            raise StoreError(
                f"{self.path}: cannot finish the store's last change ({error.strerror or error})"
            ) from None

    def _settle(self) -> None:
        """A reader that finds a journal waits for its writer (or finishes a crashed one's change) under the
        lock, so it never sees half a change."""
        if not self._depth and self._journal.exists():
            with self._change():
                pass

    def _shard(self, document: str) -> _Shard:
        """The shard of the document at path ``document`` (empty if it has no file yet); inside a change, read
        afresh under the lock."""
        name = shard_name(document)
        shard = self._shards.get(name)
        if shard is None:
            shard = self._shards[name] = _Shard(self._folder / name, self._file_lock, document, self.known)
        self._shards.move_to_end(name)
        if self._depth and name not in self._touched:
            shard.storage.begin()
            shard.table.clear_cache()
            shard.table._next_id = None
            self._touched[name] = shard
        return shard

    def _shard_names(self) -> frozenset[str]:
        try:
            return frozenset(n for n in os.listdir(self._folder) if n.endswith(".json") and not n.startswith("."))
        except FileNotFoundError:
            return frozenset()
        except OSError as error:
            raise StoreError(f"{self._folder}: cannot read the store's folder ({error.strerror or error})") from None

    def _all_shards(self) -> Iterator[_Shard]:
        """Every shard, read one after the other (only the last ``CACHED_SHARDS`` stay parsed afterwards)."""
        if not self._depth:
            self._settle()
        names = self._shard_names()
        self._names = names
        for name in sorted(names):
            shard = self._shards.get(name)
            if shard is None:
                shard = self._shards[name] = _Shard(self._folder / name, self._file_lock, "", self.known)
                shard.storage.read()  # learns its document from the file
                if shard_name(shard.document) != name:
                    raise CorruptStore(
                        f"{shard.path}: the store is damaged (a shard under another name than its document's)"
                    )
            if self._depth and name not in self._touched:
                self._shard(shard.document)
            yield shard
        self.known.forget_except(shards=set(names))  # every shard read: record those validated at last
        self.known.save()

    def _shards_of(self, paths: list[str] | None) -> list[_Shard]:
        self.storage.read()  # a damaged codebook is a damaged store, whatever is asked for
        if paths is None:
            shards = list(self._all_shards())
        else:
            if not self._depth:
                self._settle()
            shards = [self._shard(p) for p in dict.fromkeys(paths)]
        return shards

    def _trim(self, keep: int = 0) -> None:
        """Forget the parsed records of the least recently used shards beyond ``CACHED_SHARDS`` (never those a
        change is using); their annotations stay."""
        if self._depth:
            return
        for shard in list(self._shards.values())[: -max(CACHED_SHARDS, keep)]:
            shard.storage.forget()

    def _find(self, annotation_id: str) -> tuple[_Shard, Record] | None:
        # the shards already read first (the reader's documents), then all of them
        # (a plain scan: a TinyDB query took ten times as long, 32 ms for 10,000 records)
        for shards in (list(self._shards.values()), self._all_shards()):
            for shard in shards:
                if self._depth and shard.path.name not in self._touched:
                    shard = self._shard(shard.document)
                for doc_id, record in shard.records().items():
                    if record["id"] == annotation_id:
                        return shard, Record(record, int(doc_id))
        return None

    def _record(self, annotation_id: str) -> tuple[_Shard, Record]:
        found = self._find(annotation_id)
        if found is None:
            if len(annotation_id) < MIN_PREFIX:
                raise NotFound(f"give at least {MIN_PREFIX} characters of the id (got {annotation_id!r})")
            matches = [
                (shard, Record(r, int(k)))
                for shard in self._all_shards()
                for k, r in shard.records().items()
                if r["id"].startswith(annotation_id)
            ]
            if len(matches) > 1:
                raise NotFound(f"{len(matches)} annotations have ids starting with {annotation_id!r}: give more of it")
            if len(matches) == 1:
                return matches[0]
            raise NotFound(f"no annotation with id {annotation_id!r}")
        return found

    @staticmethod
    def _check_rev(record: Record, expect_rev: int | None) -> None:
        if expect_rev is not None and record["rev"] != expect_rev:
            raise ConflictError(
                f"annotation {record['id'][:8]} was changed elsewhere meanwhile (revision {record['rev']}, "
                f"you edited {expect_rev}); reload to see it"
            )

    def _span(self, record: dict[str, Any]) -> tuple[str, int, int, str]:
        """What makes two annotations duplicates: one coder, one document, one span (an unattributed one, from
        before coders were recorded, counts as the store's coder's)."""
        coder = coder_key(record.get("coder") or self.coder)
        return record["document"]["path"], record["start"], record["end"], coder

    def _theme_record(self, name: str) -> Record:
        record = self._find_theme(name)
        if record is None:
            raise NotFound(f"no theme named {name.strip()!r}")
        return record

    def _find_theme(self, name: str) -> Record | None:
        """The live theme of that name (case and spacing aside)."""
        key = theme_key(name)
        for record in self._themes.all():
            if is_live(record) and theme_key(record["name"]) == key:
                return record
        return None

    def _ensure_themes(self, names: list[str]) -> list[str]:
        """Create missing themes (with a colour and a new id) in one insert; return the names in their stored
        spelling."""
        records = self._themes.all()
        existing: dict[str, Mapping[str, Any]] = {theme_key(r["name"]): r for r in records if is_live(r)}
        taken = {r["id"] for r in records}  # every id ever given, merged and deleted themes' too
        colours = {r["colour"].upper() for r in existing.values()}  # distinct colours: few, whatever the themes
        result, fresh = [], []
        for name in unique_themes(names):
            record = existing.get(theme_key(name))
            if record is None:
                colour = pick_colour(sorted(colours), name)
                record = {"id": theme_id(name, taken), "name": name, "colour": colour, "description": ""}
                taken.add(record["id"])
                fresh.append(record)
                colours.add(colour.upper())
                existing[theme_key(name)] = record
            result.append(record["name"])
        if fresh:
            self._themes.insert_multiple(fresh)
        return result

    def _set_theme(self, name: str, **fields: str) -> Theme:
        """Change a theme's fields in the codebook; a change settles a git merge's conflict on it."""
        with self._change():
            record = self._theme_record(name)
            settled = {k: v for k, v in {**record, **fields}.items() if k != "conflict"}
            self._themes.update(_replace(settled), doc_ids=[record.doc_id])
            return _theme(settled)

    def _count_carrying(self, ids: set[str]) -> int:
        """How many annotations name one of these theme ids (a read of every shard; nothing is written)."""
        return sum(
            1 for shard in self._all_shards() for r in shard.records().values() if not ids.isdisjoint(r["themes"])
        )

    def _ids_standing_for(self, theme_ids: set[str]) -> set[str]:
        """These ids and every id merged into one of them (what annotations carrying them may name)."""
        records = {r["id"]: r for r in self._themes.all()}
        out = set(theme_ids)
        for start in records:
            chain, current = [start], records[start]
            while "into" in current and current["into"] in records and current["into"] not in chain:
                chain.append(current["into"])
                current = records[current["into"]]
            if not out.isdisjoint(chain):
                out.add(start)
        return out

    # -- re-anchoring (tui.library.reconcile, relink, reattach) ------------------------------------------------------
    def reanchor(self, changes: Iterable[tuple[Annotation, Annotation]], strict: bool = False) -> list[Annotation]:
        """For each (seen, new) pair, give the stored annotation ``new``'s anchor (document, offsets, quote,
        context, status, score) in ONE write; themes and notes edited meanwhile elsewhere are kept. One whose
        anchor changed since ``seen`` was read (re-anchored, re-attached or deleted by another process) is left
        alone, or with ``strict`` fails the whole write. One that now points at another document moves to its
        shard. Returns the annotations as saved."""
        pairs = list(changes)
        with self._change():
            shards = {p: self._shard(p) for seen, new in pairs for p in (seen.document.path, new.document.path)}
            records = {r["id"]: (shard, r) for shard in shards.values() for r in shard.records().values()}
            fresh: dict[str, dict[str, Any]] = {}
            for seen, new in pairs:
                found = records.get(seen.id)
                record = found[1] if found is not None else None
                if record is None or _anchor(record) != _anchor(seen.to_record()):
                    if not strict:
                        continue
                    if record is None:
                        raise NotFound(f"no annotation with id {seen.id!r}")
                    raise ConflictError(f"annotation {seen.id[:8]} was moved elsewhere meanwhile; reload to see it")
                update = {key: value for key, value in record.items() if key not in OPTIONAL_ANCHOR_FIELDS}
                update.update(_anchor(new.to_record()), rev=record["rev"] + 1)
                for key in OPTIONAL_ANCHOR_FIELDS:
                    if update[key] is None:
                        del update[key]
                fresh[seen.id] = update
            moving: dict[str, list[dict[str, Any]]] = defaultdict(list)
            staying: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
            for annotation_id, update in fresh.items():
                shard = records[annotation_id][0]
                target = update["document"]["path"]
                if target == shard.document:
                    staying[target][annotation_id] = update
                else:
                    self._remove_ids(shard, {annotation_id})
                    moving[target].append(update)
            for path, updates in staying.items():
                self._replace_all(shards[path], updates)
            for path, inserts in moving.items():
                shards[path].table.insert_multiple(inserts)
            self._remember_texts(new for _, new in pairs if new.id in fresh)
            return self._annotations_from(fresh.values())


def _snapshot(data: dict[str, Any]) -> dict[tuple[str, str], bytes]:
    """Each record of the codebook as bytes, by (table, record number)."""
    return {(name, key): orjson.dumps(record) for name, table in data.items() for key, record in table.items()}


_ORDER = attrgetter("start", "end", "created")  # a shard's annotations are one document's: by start in it


def _in_order(annotations: list[Annotation]) -> list[Annotation]:
    """One document's annotations in the order ``Store.annotations`` gives: by start, end and creation time."""
    annotations.sort(key=_ORDER)
    return annotations


def _annotations_of(
    path: Path, records: dict[str, dict[str, Any]], themes: Mapping[str, str | None], check: bool
) -> list[Annotation]:
    """Annotations from a shard's records, sharing what repeats (the document reference, coder, status, theme
    names, a creation time that is also the update time) so that each takes well under 1 KB. ``themes``: theme
    id -> name (None: deleted); with ``check`` an id it lacks is damage, else it is left out."""
    refs: dict[tuple[str, str, str], DocumentRef] = {}
    shared: dict[str, str] = {}
    named: dict[tuple[str, ...], list[str]] = {}  # a store has few combinations of themes
    out = []
    for key, r in records.items():
        document = r["document"]
        ref_key = (document["path"], document["title"], document["fingerprint"])
        ref = refs.get(ref_key) or refs.setdefault(ref_key, DocumentRef(*ref_key))
        ids = tuple(r["themes"])
        names = named.get(ids)
        if names is None:
            missing = next((t for t in ids if t not in themes), None) if check else None
            if missing is not None:
                raise _UnknownTheme(
                    f"{path}: the store is damaged (annotation record {key}: theme {missing!r} is not in the themes "
                    "table); it was left as it was"
                )
            names = named[ids] = list(dict.fromkeys(n for t in ids if (n := themes.get(t)) is not None))
        names = list(names)
        conflict = r.get("conflict")
        if conflict:
            conflict = [
                v if v.get("deleted") is True else {**v, "themes": [n for t in v["themes"] if (n := themes.get(t))]}
                for v in conflict
            ]
        created = r["created"]
        updated = created if r["updated"] == created else r["updated"]
        out.append(
            Annotation(
                ref, r["start"], r["end"], r["quote"], r["prefix"], r["suffix"], names,
                shared.setdefault(r["note"], r["note"]), r["id"], created, updated,
                shared.setdefault(r["status"], r["status"]), r.get("score"), r["rev"],
                shared.setdefault(r["coder"], r["coder"]), conflict, r.get("candidates"),
            )
        )  # fmt: skip
    return out


ANCHOR_FIELDS = ("document", "start", "end", "quote", "prefix", "suffix", "status", "score", "candidates")
OPTIONAL_ANCHOR_FIELDS = ("score", "candidates")  # stored only when there are some


def _anchor(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record.get(key) for key in ANCHOR_FIELDS}


def _merge(record: dict[str, Any], annotation: Annotation, ids: list[str], names: Mapping[str, str | None]) -> None:
    """``annotation``'s themes (``ids``) and note (if new) added to the stored ``record`` in place; ``names``:
    theme id -> name, for the themes ``record`` names by an id merged into another."""
    have = {names.get(t) or t for t in record["themes"]}
    extra = [t for t in ids if (names.get(t) or t) not in have]
    note = record["note"]
    if annotation.note and annotation.note not in note:
        note = f"{note}\n\n{annotation.note}" if note else annotation.note
    if extra or note != record["note"]:
        check_themes(record["themes"] + extra)
        record.update(themes=record["themes"] + extra, note=note, updated=now(), rev=record["rev"] + 1)


def _theme(record: Mapping[str, Any]) -> Theme:
    return Theme(record["name"], record["colour"], record.get("description", ""), record["id"], record.get("conflict"))


def _replace(record: dict[str, Any]) -> Any:
    """A TinyDB update that makes a stored record exactly ``record`` (dropping fields it lacks)."""

    def apply(stored: MutableMapping[str, Any]) -> None:
        stored.clear()
        stored.update(record)

    return apply
