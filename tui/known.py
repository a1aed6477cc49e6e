"""What was learnt from files the last time they were read, trusted while each file is unchanged.

Listing or exporting a store of 100,000 annotations over 1,000 documents read, checked and fingerprinted every
file each time. Most have not changed since: a file whose stamp (inode, size, modification and change times, to
the nanosecond) is the one recorded when it was last read is the same file, so

- a store's shard whose bytes were parsed and validated at that stamp is parsed without checking it again
  (``storage.AtomicStorage``), and
- a text document read at that stamp has the fingerprint, title, encoding and metadata found then
  (``library.load_and_reconcile``): its annotations, anchored to that fingerprint, need no re-anchoring, and its
  text is read only if something asks for it (an export's citations).

Anything else (a new stamp, a file never seen, a damaged or missing record) is read and checked in full, as
before. Only what was read whole, with the same stamp before and after, is recorded.

The record is a cache, one JSON file per store in the user cache folder (never beside the store, which git may
track): lost, damaged or written by two processes at once, it only costs the full read again. Set
``MARGINALIA_KNOWN=off`` to read everything in full (the benchmark's cold runs).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import orjson

from .digest import sha256

VERSION = 1
ENV_VAR = "MARGINALIA_KNOWN"

Stamp = tuple[int, int, int, int]


def stamp_of(path: str | os.PathLike[str]) -> Stamp | None:
    """(inode, size, mtime_ns, ctime_ns) of the file at ``path`` (links followed), or None if there is none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def cache_path(store: Path) -> Path | None:
    """The record's file for the store at ``store`` (by its real path), or None when it is turned off."""
    if os.environ.get(ENV_VAR, "").strip().lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    name = sha256(os.path.realpath(store).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return Path(base) / "marginalia" / "known" / f"{name}.json"


class Known:
    """The record of one store's files: its shards (validated at a stamp) and its documents (facts at a stamp)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._data: dict[str, dict[str, Any]] | None = None
        self._learnt = False  # something to save

    @classmethod
    def for_store(cls, store: Path) -> Known:
        return cls(cache_path(store))

    def _read(self) -> dict[str, dict[str, Any]]:
        if self._data is None:
            self._data = {"shards": {}, "documents": {}}
            if self.path is not None:
                try:
                    data = orjson.loads(self.path.read_bytes())
                except (OSError, ValueError):
                    data = None  # none yet, or damaged: it is rebuilt
                if isinstance(data, dict) and data.get("version") == VERSION:
                    for table in ("shards", "documents"):
                        if isinstance(data.get(table), dict):
                            self._data[table] = data[table]
        return self._data

    # -- shards ----------------------------------------------------------------------------------------------------
    def checked(self, name: str, stamp: Stamp | None) -> bool:
        """Whether the shard file ``name`` was validated at ``stamp``."""
        return stamp is not None and self.path is not None and self._read()["shards"].get(name) == list(stamp)

    def learn_checked(self, name: str, stamp: Stamp) -> None:
        if self.path is None or self.checked(name, stamp):
            return
        self._read()["shards"][name] = list(stamp)
        self._learnt = True

    # -- documents -------------------------------------------------------------------------------------------------
    def document(self, path: str, stamp: Stamp | None, sidecar: Stamp | None) -> dict[str, Any] | None:
        """The facts recorded for the document at ``path`` if it was read at ``stamp`` (its folder's sidecar of
        metadata at ``sidecar``), else None."""
        if stamp is None or self.path is None:
            return None
        facts = self._read()["documents"].get(path)
        if not isinstance(facts, dict) or facts.get("stamp") != list(stamp):
            return None
        if facts.get("sidecar") != (list(sidecar) if sidecar else None):
            return None
        return facts

    def learn_document(self, path: str, stamp: Stamp, sidecar: Stamp | None, facts: dict[str, Any]) -> None:
        if self.path is None:
            return
        record = {"stamp": list(stamp), "sidecar": list(sidecar) if sidecar else None, **facts}
        documents = self._read()["documents"]
        if documents.get(path) != record:
            documents[path] = record
            self._learnt = True

    def forget_except(self, shards: set[str] | None = None, documents: set[str] | None = None) -> None:
        """Drop the records of shards and documents the store no longer has (after a scan of all of them)."""
        data = self._read()
        for table, keep in (("shards", shards), ("documents", documents)):
            if keep is not None and not set(data[table]) <= keep:
                data[table] = {k: v for k, v in data[table].items() if k in keep}
                self._learnt = True

    def save(self) -> None:
        """Write what was learnt (atomically; a cache, so not synced to disk). A failure to write is ignored:
        the next run reads in full."""
        if not self._learnt or self.path is None or self._data is None:
            return
        self._learnt = False
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(orjson.dumps({"version": VERSION, **self._data}))
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
