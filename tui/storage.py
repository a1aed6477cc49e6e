"""The store's files: validated reads, atomic writes, rotating backups (a TinyDB ``Storage``).

The store is a codebook file (``annotations.json``: themes, documents, metadata set by hand) and, in the folder
``annotations.json.d`` beside it, one shard file per annotated document (its annotations), so a change to one
document reads and writes one small file. Each is a TinyDB file in the same canonical layout.

TinyDB's own ``JSONStorage`` rewrites the file in place, so a killed writer can leave it broken. Here every write
goes to a temporary file in the same folder, is fsynced and then ``os.replace``d over the file; the folder is
fsynced too. Before the replace the old version is kept as ``NAME.bak-1`` (a hard link: no copy), shifting older
ones up to ``NAME.bak-{BACKUPS}``. A change to several files at once goes through a journal (``commit_many``):
every new version is first safe on disk, then the journal naming them is written (the commit point), then they
replace the old ones; a crash after the commit point is finished by the next writer (``finish_journal``). A read
checks the JSON and the schema before TinyDB sees it.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Container, Iterable, Mapping
from contextlib import nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from tinydb.storages import Storage

from .digest import sha256
from .files import FileProblem, check_regular, fsync_folder, read_regular, write_atomically
from .model import PALETTE, STATUSES, theme_key

if TYPE_CHECKING:
    from .known import Known

SCHEMA = 5
BACKUPS = 5
TABLES = ("meta", "themes", "annotations", "documents", "metadata", "memos")
CODEBOOK_TABLES = ("meta", "themes", "documents", "metadata", "memos")  # the store's own file, since schema 4
SHARD_TABLES = ("meta", "annotations")  # a shard: one document's annotations
DUMP_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE  # schema 1's layout (and exports)


class StoreError(Exception):
    """A store that cannot be used; the message is one line and names the file."""


class CorruptStore(StoreError):
    pass


def backup_paths(path: Path) -> list[Path]:
    return [path.with_name(f"{path.name}.bak-{n}") for n in range(1, BACKUPS + 1)]


def _existing_backups(path: Path) -> str:
    found = [str(p) for p in backup_paths(path) if p.exists()]
    return f"; backups: {', '.join(found)}" if found else "; no backups found"


def _strict_parse(raw: bytes) -> Any:
    """Python's parser with duplicate keys treated as errors (orjson silently keeps the last)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            duplicate = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"duplicate key {duplicate!r}")
        return dict(pairs)

    return json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)


def _record_order(item: tuple[str, Any]) -> tuple[int, str]:
    key = item[0]
    return (int(key), key) if key.isdigit() else (0, key)  # numbered records in number order


def dump(data: dict[str, Any]) -> bytes:
    """The store's canonical bytes, for ``git diff`` and merges: the tables in a fixed order, each record on a
    line of its own with its keys sorted, records in number order. The same data always gives the same bytes,
    and a change to one record changes one line."""
    tables = [name for name in TABLES if name in data] + sorted(set(data) - set(TABLES))
    out = [b"{"]
    for t, name in enumerate(tables):
        records = data[name]
        comma = b"," if t < len(tables) - 1 else b""
        if not isinstance(records, dict) or not records:
            out.append(b"  " + orjson.dumps(name) + b": " + orjson.dumps(records, option=orjson.OPT_SORT_KEYS) + comma)
            continue
        out.append(b"  " + orjson.dumps(name) + b": {")
        items = sorted(records.items(), key=_record_order)
        last = len(items) - 1
        for n, (key, record) in enumerate(items):
            line = b"    " + orjson.dumps(key) + b": " + orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
            out.append(line + b"," if n < last else line)
        out.append(b"  }" + comma)
    out.append(b"}\n")
    return b"\n".join(out)


def parse(raw: bytes) -> Any:
    """Parse the store's bytes. Our own files take the fast path: re-dumping them gives the same bytes."""
    if not raw.strip():
        raise ValueError("the file is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error})") from None
    if isinstance(data, dict) and (dump(data) == raw or orjson.dumps(data, option=DUMP_OPTIONS) == raw):
        return data
    return _strict_parse(raw)  # hand-edited: look for duplicate keys too


_RECORD_ID = re.compile(r"[1-9][0-9]*\Z")
THEME_ID = re.compile(r"[0-9a-f]{10}\Z")  # a theme's stable id (``theme_id``), what shards name it by
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}\Z")
_ANNOTATION_FIELDS = {
    "id": str, "start": int, "end": int, "quote": str, "prefix": str, "suffix": str, "themes": list,
    "note": str, "created": str, "updated": str, "status": str, "rev": int, "document": dict, "coder": str,
}  # fmt: skip
_OPTIONAL_FIELDS = {"score", "conflict", "candidates"}


def _check_conflict(record: dict[str, Any]) -> str | None:
    """``conflict``: the other versions a git merge found (annotation records, or ``{"deleted": true}``)."""
    versions = record.get("conflict")
    if versions is None:
        return None
    if not isinstance(versions, list) or not versions:
        return "'conflict' must be a non-empty list of versions"
    for version in versions:
        if version == {"deleted": True}:
            continue
        if not isinstance(version, dict) or "conflict" in version:
            return "a version in 'conflict' is not an annotation"
        problem = _check_annotation(version)
        if problem:
            return f"a version in 'conflict': {problem}"
        if version["id"] != record["id"]:
            return "a version in 'conflict' has another id"
    return None


_FIELD_NAMES = tuple(_ANNOTATION_FIELDS)
_FIELD_TYPES = tuple(_ANNOTATION_FIELDS.values())  # what JSON gives: exactly these types (a bool is not an int)
_KNOWN_FIELDS = frozenset(_ANNOTATION_FIELDS) | _OPTIONAL_FIELDS
_REF_KEYS = frozenset({"path", "title", "fingerprint"})
_REF_ORDER = ("path", "title", "fingerprint")
_INT_RANGE = range(-(2**63), 2**63)


_STATUS_SET = frozenset(STATUSES)
_ONLY_STR = frozenset({str})


@functools.lru_cache(maxsize=4096)
def _good_theme_id(theme: str) -> bool:
    return THEME_ID.match(theme) is not None


def _plainly_sound(record: dict[str, Any]) -> bool:
    """True for a record ``_check_annotation`` finds nothing wrong with and that has none of the optional fields,
    checked in a few C-level steps (every record of a 100,000-annotation store is checked on each load); False
    sends it through the full check, which says what is wrong."""
    if len(record) != len(_FIELD_NAMES) or tuple(map(type, map(record.get, _FIELD_NAMES))) != _FIELD_TYPES:
        return False  # (all the fields there, of their types, and no other: no unknown or optional one)
    document, themes = record["document"], record["themes"]
    if len(document) != 3 or set(map(type, map(document.get, _REF_ORDER))) != _ONLY_STR:
        return False
    if not (0 <= record["start"] <= record["end"] < 2**63 and -(2**63) <= record["rev"] < 2**63):
        return False
    return record["status"] in _STATUS_SET and set(map(type, themes)) <= _ONLY_STR and all(map(_good_theme_id, themes))


def _check_annotation(record: dict[str, Any]) -> str | None:
    if _plainly_sound(record):
        return None
    if tuple(type(record.get(name)) for name in _FIELD_NAMES) != _FIELD_TYPES:
        for name, kind in _ANNOTATION_FIELDS.items():
            value = record.get(name)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                return f"field {name!r} is missing or not a {kind.__name__}"
    for name in ("start", "end", "rev"):
        if record[name] not in _INT_RANGE:  # the store could not be written back
            return f"field {name!r} is out of range"
    unknown = record.keys() - _KNOWN_FIELDS
    if unknown:
        return f"unknown field {sorted(unknown)[0]!r}"
    document = record["document"]
    if document.keys() != _REF_KEYS or not all(type(v) is str for v in document.values()):
        return "'document' must hold the strings path, title and fingerprint"
    if not 0 <= record["start"] <= record["end"]:
        return f"offsets {record['start']}:{record['end']} are not a span"
    if not all(type(t) is str and THEME_ID.match(t) for t in record["themes"]):
        return "'themes' must be a list of theme ids (10 hex digits)"
    if record["status"] not in STATUSES:
        return f"status {record['status']!r} is not one of {', '.join(STATUSES)}"
    score = record.get("score")
    if score is not None and not isinstance(score, (int, float)):
        return "'score' is not a number"
    return _check_candidates(record.get("candidates")) or _check_conflict(record)


def _check_candidates(candidates: Any) -> str | None:
    """``candidates``: the places an ambiguous annotation or an orphan could be, ``{start, end, score}``."""
    if candidates is None:
        return None
    if not isinstance(candidates, list):
        return "'candidates' is not a list"
    for candidate in candidates:
        if not isinstance(candidate, dict) or set(candidate) != {"start", "end", "score"}:
            return "a candidate is not {start, end, score}"
        start, end, score = candidate["start"], candidate["end"], candidate["score"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
            return f"candidate offsets {start!r}:{end!r} are not a span"
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            return "a candidate's score is not a number"
    return None


_LIVE_THEME = {"id", "name", "colour", "description"}
_GONE_THEME = {"id", "name", "into", "deleted"}  # a theme merged into another (``into``) or deleted: its id stays


def _check_theme(record: dict[str, Any], versions: bool = True) -> str | None:
    """A theme record: live (``id``, ``name``, ``colour``, ``description``, and ``conflict``: the other versions a
    git merge found), merged (``id``, ``name``, ``into``: the id it was merged into) or deleted (``id``, ``name``,
    ``deleted``: true)."""
    if not isinstance(record.get("name"), str) or not record["name"].strip():
        return "a theme has no name"
    if "," in record["name"]:
        return f"theme {record['name']!r} has a comma in its name (commas separate themes)"
    if not isinstance(record.get("id"), str) or not THEME_ID.match(record["id"]):
        return f"theme {record['name']!r} has no id (10 hex digits)"
    if "colour" not in record:
        into, deleted = record.get("into"), record.get("deleted")
        if set(record) - {"id", "name"} not in ({"into"}, {"deleted"}):
            return f"theme {record['name']!r} is neither live (a colour), merged ('into') nor deleted"
        if "into" in record and not (isinstance(into, str) and THEME_ID.match(into)):
            return f"theme {record['name']!r} is merged into something that is not a theme id"
        if "deleted" in record and deleted is not True:
            return f"theme {record['name']!r} has 'deleted' other than true"
        return None
    if not isinstance(record.get("colour"), str) or not _COLOUR.match(record["colour"]):
        return f"theme {record['name']!r} has no #rrggbb colour"
    if not isinstance(record.get("description", ""), str):
        return f"theme {record['name']!r} has a description that is not text"
    if set(record) - _LIVE_THEME - ({"conflict"} if versions else set()):
        return f"theme {record['name']!r} has unknown fields"
    conflict = record.get("conflict")
    if conflict is None:
        return None
    if not isinstance(conflict, list) or not conflict:
        return f"theme {record['name']!r}: 'conflict' must be a non-empty list of versions"
    for version in conflict:
        problem = _check_theme(version, versions=False) if isinstance(version, dict) else "not a theme"
        if problem or version["id"] != record["id"]:
            return f"theme {record['name']!r}: a version in 'conflict' is not this theme ({problem or 'another id'})"
    return None


def is_live(record: Mapping[str, Any]) -> bool:
    """A theme record that is a theme today (not merged into another, nor deleted)."""
    return "colour" in record


def theme_id(name: str, taken: Container[str] = ()) -> str:
    """A new theme's id: a hash of its key, so two coders who make the same theme on two git branches (or migrate
    the same store) give it the same id, and a store migrated shard by shard agrees with its codebook. An id is
    never reused: one already ``taken`` (by a theme renamed, merged or deleted) moves on to the next salt."""
    key = theme_key(name).encode("utf-8", "surrogatepass")
    for salt in range(1_000_000):
        candidate = sha256(key if not salt else key + b"\n%d" % salt).hexdigest()[:10]
        if candidate not in taken:
            return candidate
    raise StoreError("no free theme id")  # unreachable in practice


def resolve_themes(records: Iterable[Mapping[str, Any]]) -> dict[str, str | None]:
    """Each theme id -> the name of the live theme it stands for today (following merges), None if deleted."""
    by_id = {r["id"]: r for r in records}
    out: dict[str, str | None] = {}
    for start, record in by_id.items():
        current: Mapping[str, Any] | None = record
        seen = set()
        while current is not None and "into" in current and current["id"] not in seen:  # (validate refuses circles)
            seen.add(current["id"])
            current = by_id.get(current["into"])
        out[start] = current["name"] if current is not None and is_live(current) else None
    return out


def _check_codebook_themes(themes: dict[str, Any]) -> str | None:
    """Ids unique, live names unique, every merge pointing at a theme and never in a circle."""
    ids: set[str] = set()
    names: set[str] = set()
    for key, record in themes.items():
        problem = _check_theme(record)
        if problem is None and is_live(record) and theme_key(record["name"]) in names:
            problem = f"theme {record['name']!r} appears twice"
        if problem is None and record["id"] in ids:
            problem = f"theme id {record['id']} appears twice"
        if problem:
            return f"theme record {key}: {problem}"
        ids.add(record["id"])
        if is_live(record):
            names.add(theme_key(record["name"]))
    by_id = {r["id"]: r for r in themes.values()}
    for record in by_id.values():
        seen = {record["id"]}
        current = record
        while "into" in current:
            target = by_id.get(current["into"])
            if target is None:
                return f"theme {record['name']!r} is merged into {current['into']}, which is not in the themes table"
            if target["id"] in seen:
                return f"theme {record['name']!r} is merged in a circle"
            seen.add(target["id"])
            current = target
    return None


_DOCUMENT_FIELDS = {"path": str, "title": str, "authors": list, "date": str, "url": str}


def _check_fields(record: dict[str, Any], fields: Mapping[str, type]) -> str | None:
    """A record with exactly these fields, of these types."""
    for name, kind in fields.items():
        if not isinstance(record.get(name), kind):
            return f"field {name!r} is missing or not a {kind.__name__}"
    if set(record) - set(fields):
        return f"unknown field {sorted(set(record) - set(fields))[0]!r}"
    return None


def _check_metadata(record: dict[str, Any]) -> str | None:
    """Metadata set by hand for one document path (``marginalia doc set``)."""
    problem = _check_fields(record, _DOCUMENT_FIELDS)
    if problem:
        return problem
    if not all(isinstance(a, str) for a in record["authors"]):
        return "'authors' must be a list of names"
    return None


_MEMO_FIELDS = {"kind": str, "name": str, "text": str, "updated": str}


def _check_memo(record: dict[str, Any]) -> str | None:
    """A memo (``tui.memos``): on a theme or document (named) or the project (not)."""
    from .memos import KINDS

    problem = _check_fields(record, _MEMO_FIELDS)
    if problem:
        return problem
    if record["kind"] not in KINDS or (record["kind"] == "project") != (not record["name"].strip()):
        return f"a memo on {record['kind']!r} named {record['name']!r} is on nothing marginalia knows"
    return None


def check_tables(data: Any, tables: tuple[str, ...] = TABLES) -> str | None:
    """What is wrong with the shape of a parsed store (any schema: tables of numbered objects), or None."""
    if not isinstance(data, dict):
        return "the top level is not an object"
    unknown = set(data) - set(tables)
    if unknown:
        return f"unknown table {sorted(unknown)[0]!r}"
    for table in tables:
        records = data.get(table, {})
        if not isinstance(records, dict):
            return f"table {table!r} is not an object"
        for key, record in records.items():
            if not _RECORD_ID.match(key) or not isinstance(record, dict):
                return f"record {key!r} in table {table!r} is not a numbered object"
    return None


def validate(data: Any) -> str | None:
    """What is wrong with a parsed store at the current schema, or None: a codebook, a shard (tables ``meta`` and
    ``annotations`` only: its themes are checked against the codebook by the store), or a whole store in one
    file (schema 3, before it is split)."""
    shard = isinstance(data, dict) and shard_document(data) is not None
    shape = check_tables(data, SHARD_TABLES if shard else TABLES)
    if shape:
        return shape
    texts: set[str] = set()
    for key, record in data.get("documents", {}).items():
        fingerprint, paths = record.get("fingerprint"), record.get("paths")
        if set(record) != {"fingerprint", "paths"} or not isinstance(fingerprint, str) or fingerprint in texts:
            return f"document record {key}: not a unique {{fingerprint, paths}}"
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            return f"document record {key}: 'paths' is not a list of paths"
        texts.add(fingerprint)
    ids: set[str] = set()
    for key, record in data.get("annotations", {}).items():
        problem = _check_annotation(record)
        if problem is None and record["id"] in ids:
            problem = f"annotation id {record['id']} appears twice"
        if problem:
            return f"annotation record {key}: {problem}"
        ids.add(record["id"])
    problem = _check_codebook_themes(data.get("themes", {}))
    if problem:
        return problem
    ids = {r["id"] for r in data.get("themes", {}).values()}
    for key, record in data.get("annotations", {}).items() if not shard else ():
        missing = next((t for t in record["themes"] if t not in ids), None)
        if missing is not None:
            return f"annotation record {key}: theme {missing!r} is not in the themes table"
    for key, record in data.get("metadata", {}).items():
        problem = _check_metadata(record)
        if problem:
            return f"metadata record {key}: {problem}"
    for key, record in data.get("memos", {}).items():
        problem = _check_memo(record)
        if problem:
            return f"memo record {key}: {problem}"
    return None


def schema_of(data: dict[str, Any]) -> Any:
    meta = data.get("meta") or {}
    if not meta:
        return 0  # written before the meta record existed
    if not isinstance(meta, dict) or len(meta) != 1:
        return None
    record = next(iter(meta.values()))
    return record.get("schema") if isinstance(record, dict) else None


def migrate_0(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 had no meta record, no revisions and no colours on themes."""
    for record in (data.get("annotations") or {}).values():
        if isinstance(record, dict):
            record.setdefault("rev", 1)
            record.setdefault("status", "anchored")
            record.setdefault("updated", record.get("created", ""))
    for n, record in enumerate((data.get("themes") or {}).values()):
        if isinstance(record, dict):
            record.setdefault("colour", PALETTE[n % len(PALETTE)])
            record.setdefault("description", "")
    data["meta"] = {"1": {"schema": 1}}
    return data  # and on to migrate_1


def migrate_1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 had no coders: what was there has an unknown coder (""), the same on every machine, so two
    copies of one store migrated by two coders still merge without a difference on every record."""
    for record in (data.get("annotations") or {}).values():
        if isinstance(record, dict):
            record.setdefault("coder", "")
    data["meta"] = {"1": {"schema": 2}}
    return data  # and on to migrate_2


def migrate_2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 knew a text only by the path of each annotation: schema 3 remembers, per text (fingerprint),
    every path where it was seen, starting with those its annotations point at."""
    paths: dict[str, set[str]] = {}
    for record in (data.get("annotations") or {}).values():
        document = record.get("document") if isinstance(record, dict) else None
        if isinstance(document, dict) and isinstance(document.get("fingerprint"), str) and document["fingerprint"]:
            paths.setdefault(document["fingerprint"], set()).add(str(document.get("path", "")))
    data["documents"] = {
        str(n): {"fingerprint": fingerprint, "paths": sorted(found)}
        for n, (fingerprint, found) in enumerate(sorted(paths.items()), 1)
    }
    data["meta"] = {"1": {"schema": 3}}
    return data


def migrate_3(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 3 held every annotation in the one file: schema 4 keeps them in one shard file per document
    (``split``), the file itself being the codebook. Here the data only changes its version: the caller moves the
    annotations out (``AtomicStorage._migrate`` to the shard files, a merge to its own sides)."""
    data["meta"] = {"1": {"schema": 4}}
    return data


def migrate_4(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 4 named themes in annotations by name, so a rename rewrote every shard: schema 5 gives each theme a
    stable id (``theme_id``) and annotations name themes by id. Works on a codebook (its themes get ids), a whole
    store (its annotations too) and a shard (no codebook at hand: the ids are the ones the codebook gets)."""
    ids: dict[str, str] = {}
    for record in (data.get("themes") or {}).values():
        if isinstance(record, dict) and isinstance(record.get("name"), str):
            made = ids.get(theme_key(record["name"])) or theme_id(record["name"], set(ids.values()))
            record["id"] = ids[theme_key(record["name"])] = made
    known = set(ids.values())
    records = [r for r in (data.get("annotations") or {}).values() if isinstance(r, dict)]
    for record in records + [v for r in records for v in (r.get("conflict") or []) if isinstance(v, dict)]:
        names = record.get("themes")
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            record["themes"] = [n if n in known else ids.get(theme_key(n)) or theme_id(n) for n in names]
    meta = (data.get("meta") or {}).get("1")
    document = meta.get("document") if isinstance(meta, dict) else None
    data["meta"] = {"1": {"schema": 5, **({"document": document} if isinstance(document, str) else {})}}
    return data


MIGRATIONS = {0: migrate_0, 1: migrate_1, 2: migrate_2, 3: migrate_3, 4: migrate_4}


# -- shards -------------------------------------------------------------------------------------------------------
def shard_folder(store: Path) -> Path:
    """The folder of the shard files, beside the codebook's real file (a link's target)."""
    real = Path(os.path.realpath(store))
    return real.with_name(f"{real.name}.d")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def shard_name(document: str) -> str:
    """The shard file of the document at path ``document``: its file name (made safe) and a hash of the path,
    so a listing says which document each file holds and two documents never share one."""
    stem = _UNSAFE.sub("_", Path(document).name).strip("._")[:40] or "document"
    digest = sha256(document.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{stem}-{digest}.json"


def shard_data(document: str, records: dict[str, Any]) -> dict[str, Any]:
    return {"meta": {"1": {"schema": SCHEMA, "document": document}}, "annotations": records}


def split(annotations: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A whole store's annotation records as shards: per document path, its records numbered from 1."""
    shards: dict[str, dict[str, Any]] = {}
    for _, record in sorted(annotations.items(), key=_record_order):
        records = shards.setdefault(record["document"]["path"], {})
        records[str(len(records) + 1)] = record
    return shards


def shard_document(data: dict[str, Any]) -> str | None:
    """The document a shard's meta record names (None: not a shard)."""
    meta = data.get("meta")
    meta = next(iter(meta.values()), None) if isinstance(meta, dict) else None
    document = meta.get("document") if isinstance(meta, dict) else None
    return document if isinstance(document, str) else None


def _check_shard(data: dict[str, Any]) -> str | None:
    document = shard_document(data)
    if document is None:
        return "a shard's meta record names no document"
    if set(data) - set(SHARD_TABLES):
        return f"unknown table {sorted(set(data) - set(SHARD_TABLES))[0]!r} in a shard"
    stray = next((k for k, r in data.get("annotations", {}).items() if r["document"]["path"] != document), None)
    if stray is not None:
        return f"annotation record {stray} is on another document than its shard's"
    return None


# -- writing several files as one change ------------------------------------------------------------------------------
def journal_path(store: Path) -> Path:
    real = Path(os.path.realpath(store))
    return real.with_name(f"{real.name}.journal")


def commit_many(writes: list[tuple[Path, bytes]], journal: Path) -> None:
    """Write several files as one atomic change: each new version to a temporary file beside its target
    (fsynced), then the journal that lists them (the commit point, written atomically), then each put in place
    with its backups kept. Before the journal is written a crash leaves every file as it was; after it, the next
    writer finishes the change (``finish_journal``)."""
    staged: list[tuple[str, str]] = []
    try:
        for path, raw in writes:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, str(path)))
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o666 & ~_umask() if not path.exists() else path.stat().st_mode & 0o777)
        for folder in {Path(target).parent for _, target in staged}:
            fsync_folder(folder)
        write_atomically(journal, orjson.dumps(staged))
    except BaseException:
        for tmp, _ in staged:
            with suppress(OSError):
                os.unlink(tmp)
        raise
    finish_journal(journal)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def finish_journal(journal: Path, rotate: Callable[[Path], None] | None = None) -> bool:
    """Finish a change ``commit_many`` committed (call it under the store's lock); True if there was one."""
    try:
        raw = journal.read_bytes()
    except FileNotFoundError:
        return False
    try:
        staged = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise StoreError(f"{journal}: the store's journal is damaged; it was left as it was") from None
    for tmp, target in staged:
        if os.path.exists(tmp):
            (rotate or _rotate_backups)(Path(target))
            os.replace(tmp, target)
    for folder in {Path(target).parent for _, target in staged}:
        fsync_folder(folder)
    journal.unlink()
    fsync_folder(journal.parent)
    return True


def atomic_write(path: Path, raw: bytes) -> None:
    """Write the store's file atomically, the version it replaces kept as the first backup. A symbolic link is
    written through: its target gets the new bytes (and the backups), the link stays a link (even a dangling one)."""
    path = Path(os.path.realpath(path))
    write_atomically(path, raw, before_replace=lambda: _rotate_backups(path))


def _rotate_backups(path: Path) -> None:
    if not path.exists():
        return
    backups = backup_paths(path)
    for older, newer in zip(reversed(backups[1:]), reversed(backups[:-1])):
        if newer.exists():
            os.replace(newer, older)
    try:
        if backups[0].exists():
            backups[0].unlink()
        os.link(path, backups[0])
    except OSError:
        shutil.copy2(path, backups[0])


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    """The file's identity and version; None if there is no file yet (nor a link's target: it will be created).
    A named pipe, a device or a folder is refused at once: reading one would hang or never end."""
    try:
        st = check_regular(path)
    except FileNotFoundError:
        return None
    except FileProblem as problem:
        raise StoreError(f"{path}: {problem}: it cannot be a store") from None
    except (OSError, ValueError) as error:  # e.g. a file where a folder of the path should be
        raise StoreError(f"{path}: cannot read the store ({getattr(error, 'strerror', None) or error})") from None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def share_repeats(records: dict[str, Any]) -> None:
    """Hold once what a shard's records repeat: the document (one dict per path, title and fingerprint), theme
    ids, and an ``updated`` equal to its ``created``. A reader keeps a few shards parsed, for its writes: a record
    took 2.3 KB, 850 bytes of it its own copy of the document. Nothing changes a record's values in place (an
    update replaces them), so sharing them is safe."""
    documents: dict[tuple[Any, ...], Any] = {}
    ids: dict[str, str] = {}
    for record in records.values():
        if not isinstance(record, dict):
            continue
        document = record.get("document")
        if isinstance(document, dict):
            with suppress(TypeError):  # (a value that cannot be hashed: left as it is)
                record["document"] = documents.setdefault(tuple(document.items()), document)
        themes = record.get("themes")
        if isinstance(themes, list):
            themes[:] = [ids.setdefault(t, t) if isinstance(t, str) else t for t in themes]
        created = record.get("created")
        if created is not None and record.get("updated") == created:
            record["updated"] = created


def empty_store() -> dict[str, Any]:
    return {"meta": {"1": {"schema": SCHEMA}}, "themes": {}, "documents": {}, "metadata": {}, "memos": {}}


class AtomicStorage(Storage):
    """TinyDB storage over one JSON file. Parsed state is cached against the file's stamp, so re-reading an
    unchanged store costs a ``stat``. Inside ``begin()``/``commit()`` writes stay in memory and go to disk once."""

    def __init__(
        self, path: str | os.PathLike, lock: Any = None, shard: str | None = None, known: Known | None = None
    ) -> None:
        """``shard``: this file is the shard of the document at that path ("": of the document its file names),
        else (None) the codebook. ``known``: the store's record of shards already validated (``tui.known``)."""
        self.path = Path(path)
        self.shard = shard
        self._known = known
        self._lock = lock  # the store's re-entrant cross-process lock: a migration is a write and takes it
        self._data: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int, int] | None = None
        self._pending = False
        self._in_transaction = False

    # TinyDB's interface
    def read(self) -> dict[str, Any]:
        if not self._in_transaction:
            self.refresh()
        assert self._data is not None
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self._pending = True
        if not self._in_transaction:
            self._flush()

    def close(self) -> None:
        pass

    # ours
    def refresh(self) -> bool:
        """Re-read the file if it changed on disk; True if it did."""
        stamp = _stamp(self.path)
        if self._data is not None and stamp == self._stamp:
            return False
        self._data = self._load(stamp) if stamp is not None else self._empty()
        self._stamp = stamp
        return True

    def _empty(self) -> dict[str, Any]:
        return empty_store() if self.shard is None else shard_data(self.shard, {})

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    @property
    def version(self) -> tuple[int, int, int, int] | None:
        """The stamp of the file the parsed state was read from (None: no file, or nothing read)."""
        return self._stamp if self._data is not None else None

    def current(self) -> tuple[int, int, int, int] | None:
        """The file's stamp now (a ``stat``)."""
        return _stamp(self.path)

    @property
    def pending(self) -> bool:
        return self._pending

    def touch(self) -> None:
        """Inside a transaction: write the file even unchanged, if there is none yet."""
        if self._stamp is None:
            self._pending = True

    def forget(self) -> None:
        """Drop the parsed state (outside a transaction): the next read parses the file again."""
        if not self._in_transaction:
            self._data = None
            self._stamp = None

    def staged(self) -> tuple[Path, bytes] | None:
        """Inside a transaction: (the real file, its new bytes) if it changed, for ``commit_many``."""
        if not self._pending:
            return None
        assert self._data is not None
        try:
            return Path(os.path.realpath(self.path)), dump(self._data)
        except TypeError as error:
            raise StoreError(f"{self.path}: cannot serialise the store ({error})") from None

    def written(self) -> None:
        """The transaction's bytes were written by ``commit_many``."""
        self._in_transaction = False
        self._pending = False
        self._stamp = _stamp(self.path)

    def begin(self) -> None:
        self.refresh()
        self._in_transaction = True
        self._pending = False

    def commit(self) -> None:
        self._in_transaction = False
        if self._pending:
            self._flush()

    def rollback(self) -> None:
        """TinyDB changed the cached dict in place: forget it, the file still holds the truth."""
        self._in_transaction = False
        self._pending = False
        self._data = None
        self._stamp = None

    def _flush(self) -> None:
        try:
            Path(os.path.realpath(self.path)).parent.mkdir(parents=True, exist_ok=True)
            assert self._data is not None
            atomic_write(self.path, dump(self._data))
        except OSError as error:
            self.rollback()
            raise StoreError(f"{self.path}: cannot write the store ({error.strerror or error})") from None
        except TypeError as error:
            self.rollback()
            raise StoreError(f"{self.path}: cannot serialise the store ({error})") from None
        self._pending = False
        self._stamp = _stamp(self.path)

    def _load(self, stamp: tuple[int, int, int, int] | None = None) -> dict[str, Any]:
        data = self._parsed(stamp)
        if self.shard is not None:
            share_repeats(data.get("annotations", {}))
        return data

    def _parsed(self, stamp: tuple[int, int, int, int] | None = None) -> dict[str, Any]:
        """The file parsed and checked (``stamp``: its stamp before it was read; a shard validated at that stamp
        before, and still at it after this read, is only parsed: ``tui.known``)."""
        try:
            raw = read_regular(self.path)
        except FileProblem as refused:
            raise StoreError(f"{self.path}: {refused}: it cannot be a store") from None
        except OSError as error:
            raise StoreError(f"{self.path}: cannot read the store ({error.strerror or error})") from None
        known = self._known if self.shard is not None and stamp is not None else None
        same = known is not None and _stamp(self.path) == stamp  # (not replaced while it was read)
        if same and known is not None and known.checked(self.path.name, stamp):
            trusted = self._trusted(raw)
            if trusted is not None:
                return trusted
        data = self._checked(raw)
        if same and known is not None and stamp is not None:
            known.learn_checked(self.path.name, stamp)
        return data

    def _trusted(self, raw: bytes) -> dict[str, Any] | None:
        """A shard's bytes validated before at this stamp, parsed; None if they are not what was validated."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        document = shard_document(data) if isinstance(data, dict) else None
        if document is None or (self.shard and document != self.shard) or schema_of(data) != SCHEMA:
            return None  # (the full check says what is wrong, or migrates a shard from before theme ids)
        self.shard = document
        for table in SHARD_TABLES:
            data.setdefault(table, {})
        return data

    def _checked(self, raw: bytes) -> dict[str, Any]:
        try:
            data = parse(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise self._corrupt(str(error)) from None
        if not isinstance(data, dict):
            raise self._corrupt("the top level is not an object")
        data = self._upgrade(data, raw)
        problem = validate(data) or self._check_kind(data)
        if problem:
            raise self._corrupt(problem)
        for table in CODEBOOK_TABLES if self.shard is None else SHARD_TABLES:
            data.setdefault(table, {})
        return data

    def _check_kind(self, data: dict[str, Any]) -> str | None:
        if self.shard is None:
            return "annotations in the codebook (they belong in the shard files)" if data.get("annotations") else None
        problem = _check_shard(data)
        if problem is None and self.shard and shard_document(data) != self.shard:
            return "the shard of another document"
        if problem is None and not self.shard:
            self.shard = shard_document(data)
        return problem

    def _upgrade(self, data: dict[str, Any], raw: bytes) -> dict[str, Any]:
        schema = schema_of(data)
        if type(schema) is not int:  # ``true`` and ``1.0`` equal 1 in Python, and are not schema 1
            raise self._corrupt(f"unknown schema version {schema!r}")
        if schema == SCHEMA and (self.shard is not None or not data.get("annotations")):
            return data  # (a codebook holding annotations, as a merge of two old stores gives, is split)
        if schema > SCHEMA:
            raise StoreError(
                f"{self.path}: store schema {schema} is newer than this marginalia understands ({SCHEMA}); "
                "upgrade marginalia"
            )
        if self.shard is not None and schema == 4:  # from before theme ids (an old branch, a migration cut short):
            return migrate_4(data)  # read as schema 5, written so the next time it changes
        if (schema not in MIGRATIONS and schema != SCHEMA) or self.shard is not None:  # shards begin at schema 4
            raise self._corrupt(f"unknown schema version {schema!r}")
        shape = check_tables(data) or (validate(data) if schema == SCHEMA else None)
        if shape:  # refused before anything is written (no backup of a store that cannot be migrated)
            raise self._corrupt(shape)
        try:
            with self._lock if self._lock is not None else nullcontext():
                if finish_journal(journal_path(self.path)) or read_regular(self.path) != raw:
                    return self._load()  # another process wrote (or migrated) since we read: start again
                return self._migrate(data, raw, schema)
        except FileProblem as problem:
            raise StoreError(f"{self.path}: {problem}: it cannot be a store") from None
        except OSError as error:  # the lock's Timeout too
            raise StoreError(f"{self.path}: cannot migrate the store ({error.strerror or error})") from None

    def _migrate(self, data: dict[str, Any], raw: bytes, schema: int) -> dict[str, Any]:
        real = Path(os.path.realpath(self.path))  # beside the real file, as the other backups
        backup = real.with_name(f"{real.name}.schema-{schema}.bak")
        while schema != SCHEMA:
            data = MIGRATIONS[schema](data)
            schema = schema_of(data)
        problem = validate(data)
        if problem:
            raise self._corrupt(f"cannot migrate: {problem}")
        shards = {
            document: self._joined(document, records)
            for document, records in split(data.pop("annotations", {})).items()
        }
        folder = shard_folder(self.path)
        upgraded = self._old_shards(folder, {shard_name(d) for d in shards})
        backup.write_bytes(raw)  # only once the migration is known to succeed
        for path, new in upgraded:  # each shard's schema-4 version kept beside it (a link: no copy)
            with suppress(FileExistsError):
                os.link(path, path.with_name(f"{path.name}.bak-schema-4"))
            atomic_write(path, new)
        for document, records in shards.items():
            folder.mkdir(exist_ok=True)
            atomic_write(folder / shard_name(document), dump(shard_data(document, records)))
        atomic_write(self.path, dump(data))  # the commit point: until then the old file stands, and migrates again
        return data

    def _old_shards(self, folder: Path, skip: set[str]) -> list[tuple[Path, bytes]]:
        """The shards still at schema 4 (but those in ``skip``), each with its bytes at the current schema; a
        damaged one stops the migration before anything is written."""
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".json") and not n.startswith("."))
        except FileNotFoundError:
            return []
        except OSError as error:
            raise StoreError(f"{folder}: cannot read the store's folder ({error.strerror or error})") from None
        out = []
        for name in names:
            if name in skip:
                continue
            path = folder / name
            existing = self._read_shard(path)
            if existing is not None:
                out.append((path, dump(existing)))
        return out

    def _read_shard(self, path: Path) -> dict[str, Any] | None:
        """A shard file at schema 4, migrated in memory; None if it is at the current schema already."""
        try:
            raw = read_regular(path)
            data = parse(raw)
        except (FileProblem, OSError) as error:
            raise StoreError(f"{path}: cannot read the store ({error})") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise CorruptStore(f"{path}: the store is damaged ({error}); it was left as it was") from None
        schema = schema_of(data) if isinstance(data, dict) else None
        if schema == SCHEMA:
            return None
        if schema != 4:
            raise CorruptStore(
                f"{path}: the store is damaged (unknown schema version {schema!r}); it was left as it was"
            )
        data = migrate_4(data)
        problem = validate(data) or _check_shard(data)
        if problem:
            raise CorruptStore(f"{path}: the store is damaged ({problem}); it was left as it was")
        return data

    def _joined(self, document: str, records: dict[str, Any]) -> dict[str, Any]:
        """``records`` (split from the codebook) added to the document's shard if it has one already: of two
        versions of one annotation, the later revision (the codebook's on a tie)."""
        path = shard_folder(self.path) / shard_name(document)
        try:
            raw = read_regular(path)
        except FileNotFoundError:
            return records
        except (FileProblem, OSError) as error:
            raise StoreError(f"{path}: cannot read the store ({error})") from None
        try:
            existing = parse(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise CorruptStore(f"{path}: the store is damaged ({error}); it was left as it was") from None
        if isinstance(existing, dict) and schema_of(existing) == 4:
            existing = migrate_4(existing)
        problem = validate(existing) or _check_shard(existing)
        if problem or shard_document(existing) != document:
            raise CorruptStore(f"{path}: the store is damaged ({problem or 'another document'}); it was left as it was")
        by_id = {r["id"]: r for _, r in sorted(existing["annotations"].items(), key=_record_order)}
        for record in records.values():
            old = by_id.get(record["id"])
            if old is None or record["rev"] >= old["rev"]:
                by_id[record["id"]] = record
        return {str(n): record for n, record in enumerate(by_id.values(), 1)}

    def _corrupt(self, problem: str) -> CorruptStore:
        return CorruptStore(
            f"{self.path}: the store is damaged ({problem}); it was left as it was{_existing_backups(Path(os.path.realpath(self.path)))}"
        )
