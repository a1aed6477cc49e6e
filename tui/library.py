"""Documents as the store sees them: which files its annotations point at, loaded when needed.

Every command that loads documents goes through here, so that re-anchoring (``anchoring``) happens in one place.
"""

from __future__ import annotations

from pathlib import Path

from .document import Document, DocumentError, load_document
from .store import Store


def annotated_paths(store: Store) -> list[str]:
    return sorted({a.document.path for a in store.annotations()})


def load_annotated_documents(store: Store, only: list[str] | None = None) -> dict[str, Document]:
    """The documents the store's annotations point at (or only those in ``only``), keyed by path; files that
    are gone or unreadable are left out (their annotations keep their stored quotes)."""
    documents: dict[str, Document] = {}
    for path in only if only is not None else annotated_paths(store):
        try:
            documents[path] = load_document(Path(path))
        except DocumentError:
            continue
    return documents
