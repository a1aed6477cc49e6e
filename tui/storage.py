"""The store's file: validated reads, atomic writes, rotating backups (a TinyDB ``Storage``).

TinyDB's own ``JSONStorage`` rewrites the file in place, so a killed writer can leave it broken. Here every write
goes to a temporary file in the same folder, is fsynced and then ``os.replace``d over the store; the folder is
fsynced too. Before the replace the old version is kept as ``NAME.bak-1`` (a hard link: no copy), shifting older
ones up to ``NAME.bak-{BACKUPS}``. A read checks the JSON and the schema before TinyDB sees it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from .files import FileProblem, check_regular, read_regular, write_atomically
from .model import PALETTE, STATUSES, theme_key

SCHEMA = 3
BACKUPS = 5
TABLES = ("meta", "themes", "annotations", "documents", "metadata", "memos")
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


def _check_annotation(record: dict[str, Any]) -> str | None:
    for name, kind in _ANNOTATION_FIELDS.items():
        value = record.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return f"field {name!r} is missing or not a {kind.__name__}"
        if isinstance(value, int) and not -(2**63) <= value < 2**63:  # the store could not be written back
            return f"field {name!r} is out of range"
    unknown = set(record) - set(_ANNOTATION_FIELDS) - _OPTIONAL_FIELDS
    if unknown:
        return f"unknown field {sorted(unknown)[0]!r}"
    document = record["document"]
    if set(document) != {"path", "title", "fingerprint"} or not all(isinstance(v, str) for v in document.values()):
        return "'document' must hold the strings path, title and fingerprint"
    if not 0 <= record["start"] <= record["end"]:
        return f"offsets {record['start']}:{record['end']} are not a span"
    if not all(isinstance(t, str) and t.strip() and "," not in t for t in record["themes"]):
        return "'themes' must be a list of names (without commas)"
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


def _check_theme(record: dict[str, Any]) -> str | None:
    if not isinstance(record.get("name"), str) or not record["name"].strip():
        return "a theme has no name"
    if "," in record["name"]:
        return f"theme {record['name']!r} has a comma in its name (commas separate themes)"
    if not isinstance(record.get("colour"), str) or not _COLOUR.match(record["colour"]):
        return f"theme {record['name']!r} has no #rrggbb colour"
    if not isinstance(record.get("description", ""), str):
        return f"theme {record['name']!r} has a description that is not text"
    if set(record) - {"name", "colour", "description"}:
        return f"theme {record['name']!r} has unknown fields"
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


def check_tables(data: Any) -> str | None:
    """What is wrong with the shape of a parsed store (any schema: tables of numbered objects), or None."""
    if not isinstance(data, dict):
        return "the top level is not an object"
    unknown = set(data) - set(TABLES)
    if unknown:
        return f"unknown table {sorted(unknown)[0]!r}"
    for table in TABLES:
        records = data.get(table, {})
        if not isinstance(records, dict):
            return f"table {table!r} is not an object"
        for key, record in records.items():
            if not _RECORD_ID.match(key) or not isinstance(record, dict):
                return f"record {key!r} in table {table!r} is not a numbered object"
    return None


def validate(data: Any) -> str | None:
    """What is wrong with a parsed store at the current schema, or None."""
    shape = check_tables(data)
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
    names: set[str] = set()
    for key, record in data.get("themes", {}).items():
        problem = _check_theme(record)
        if problem is None and theme_key(record["name"]) in names:
            problem = f"theme {record['name']!r} appears twice"
        if problem:
            return f"theme record {key}: {problem}"
        names.add(theme_key(record["name"]))
    for key, record in data.get("annotations", {}).items():
        missing = next((t for t in record["themes"] if theme_key(t) not in names), None)
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


MIGRATIONS = {0: migrate_0, 1: migrate_1, 2: migrate_2}


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


def empty_store() -> dict[str, Any]:
    return {
        "meta": {"1": {"schema": SCHEMA}},
        "themes": {},
        "annotations": {},
        "documents": {},
        "metadata": {},
        "memos": {},
    }


class AtomicStorage(Storage):
    """TinyDB storage over one JSON file. Parsed state is cached against the file's stamp, so re-reading an
    unchanged store costs a ``stat``. Inside ``begin()``/``commit()`` writes stay in memory and go to disk once."""

    def __init__(self, path: str | os.PathLike, lock: Any = None) -> None:
        self.path = Path(path)
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
        self._data = self._load() if stamp is not None else empty_store()
        self._stamp = stamp
        return True

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

    def _load(self) -> dict[str, Any]:
        try:
            raw = read_regular(self.path)
        except FileProblem as refused:
            raise StoreError(f"{self.path}: {refused}: it cannot be a store") from None
        except OSError as error:
            raise StoreError(f"{self.path}: cannot read the store ({error.strerror or error})") from None
        try:
            data = parse(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise self._corrupt(str(error)) from None
        if not isinstance(data, dict):
            raise self._corrupt("the top level is not an object")
        data = self._upgrade(data, raw)
        problem = validate(data)
        if problem:
            raise self._corrupt(problem)
        for table in TABLES:
            data.setdefault(table, {})
        return data

    def _upgrade(self, data: dict[str, Any], raw: bytes) -> dict[str, Any]:
        schema = schema_of(data)
        if type(schema) is not int:  # ``true`` and ``1.0`` equal 1 in Python, and are not schema 1
            raise self._corrupt(f"unknown schema version {schema!r}")
        if schema == SCHEMA:
            return data
        if schema > SCHEMA:
            raise StoreError(
                f"{self.path}: store schema {schema} is newer than this marginalia understands ({SCHEMA}); "
                "upgrade marginalia"
            )
        if schema not in MIGRATIONS:
            raise self._corrupt(f"unknown schema version {schema!r}")
        shape = check_tables(data)
        if shape:  # refused before anything is written (no backup of a store that cannot be migrated)
            raise self._corrupt(shape)
        try:
            with self._lock if self._lock is not None else nullcontext():
                if read_regular(self.path) != raw:
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
        backup.write_bytes(raw)  # only once the migration is known to succeed
        atomic_write(self.path, dump(data))
        return data

    def _corrupt(self, problem: str) -> CorruptStore:
        return CorruptStore(
            f"{self.path}: the store is damaged ({problem}); it was left as it was{_existing_backups(Path(os.path.realpath(self.path)))}"
        )
