"""Documents as the store sees them: which files its annotations point at, loaded when needed.

Every path that loads documents (the reader, ``tag``, ``list``, ``export``) calls ``reconcile`` with them, so
re-anchoring (``anchoring``) happens in one place. A document is matched to its annotations by fingerprint first
(a moved or renamed file: same text, its annotations follow it, as long as their old path is gone), then by path
(an edited file: its annotations are re-anchored). Either way the changes are saved in one store write.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import files
from .anchoring import reanchor, reattached
from .document import Document, DocumentError, KnownDocument, load_document, sidecar_path
from .known import Known, stamp_of
from .metadata import apply_metadata
from .model import Annotation, document_ref
from .relocate import candidate_paths, find_moved
from .store import NotFound, Store
from .wording import plural


@dataclass
class Report:
    """What a reconcile (or relink) changed."""

    statuses: Counter[str] = field(default_factory=Counter)  # re-anchored annotations by their new status
    relinked: int = 0  # annotations that now point at another path
    conflicts: int = 0  # changed by another process meanwhile: left for the next load
    missing: list[str] = field(default_factory=list)  # annotated files that are gone (see ``relink``)
    found: list[tuple[str, str, float]] = field(default_factory=list)  # (old, new, likeness): moved and edited
    saved: list[Annotation] = field(default_factory=list)  # the annotations as saved

    def summary(self) -> str:
        """One line for people, or "" when nothing worth saying happened."""
        parts = []
        for old, new, alike in self.found:
            parts.append(f"{Path(old).name} was moved and edited: found by its content as {new} ({alike:.0%} of its "
                         "highlighted passages are there)")  # fmt: skip
        if self.relinked:
            verb = "points" if self.relinked == 1 else "point"
            parts.append(f"{plural(self.relinked, 'annotation')} now {verb} at a moved or renamed file")
        changed = {s: n for s, n in sorted(self.statuses.items()) if s != "anchored"}
        if changed:
            parts.append(f"re-anchored after edits: {', '.join(f'{n} {s}' for s, n in changed.items())}")
        if self.conflicts:
            parts.append(f"{plural(self.conflicts, 'annotation')} changed elsewhere meanwhile, left as they are")
        if self.missing:
            parts.append(
                f"{plural(len(self.missing), 'annotated file')} missing ({', '.join(self.missing)}): "
                "marginalia relink OLD_PATH NEW_PATH"
            )
        return "; ".join(parts)


def annotated_paths(store: Store) -> list[str]:
    return store.documents()


def load_annotated_documents(store: Store, only: list[str] | None = None) -> dict[str, Document]:
    """The documents the store's annotations point at (or only those in ``only``), keyed by path, reconciled
    with the store; files that are gone or unreadable are left out (their annotations keep their stored quotes)."""
    return load_and_reconcile(store, only)[0]


def load_and_reconcile(store: Store, only: list[str] | None = None) -> tuple[dict[str, Document], Report]:
    """``load_annotated_documents`` that also returns what ``reconcile`` changed."""
    documents: dict[str, Document] = {}
    paths = only if only is not None else annotated_paths(store)
    for path in paths:
        try:
            documents[path] = load_known(store.known, Path(path))
        except DocumentError:
            continue
    if only is None:
        store.known.forget_except(documents={str(Path(p).expanduser()) for p in paths})
    store.known.save()
    apply_metadata(store, documents.values())
    return documents, reconcile(store, documents.values(), also=paths)


def load_known(known: Known, path: Path) -> Document:
    """``load_document(path)``, or for a text file unchanged since it was last read here (``tui.known``) what was
    learnt from it then, its text read only if asked for (``KnownDocument``)."""
    path = path.expanduser()
    sidecar = stamp_of(sidecar_path(path))
    stamp = stamp_of(path)
    facts = known.document(str(path), stamp, sidecar)
    if facts is not None and stamp is not None and stamp[1] <= files.max_size:
        trusted = KnownDocument.from_facts(path.resolve(), facts)
        if trusted is not None:
            return trusted
    document = load_document(path)
    if document.kind == "text" and document.complete and stamp is not None:
        facts = document.facts()  # (the text is read: this is what a later run will trust)
        if stamp_of(path) == stamp and stamp_of(sidecar_path(path)) == sidecar:
            known.learn_document(str(path), stamp, sidecar, facts)
    return document


def reconcile(store: Store, documents: Iterable[Document], also: Iterable[str] | None = None) -> Report:
    """Bring the store's annotations in line with freshly loaded ``documents``, in one store write.

    A text is one document wherever it lies: a loaded document whose text (fingerprint) is annotated under
    another path that still exists takes that path as its key (``Document.stored_as``), so it shows the same
    annotations and new ones join them; annotations of that text under any other path are brought to that key
    (two copies tagged apart become one document). Every path where an annotated text is seen is remembered
    (``Store.paths_seen``).

    - Same fingerprint, other path: the annotation belongs to the loaded text (above; a vanished path too:
      a moved or renamed file).
    - Same path, other fingerprint (the file was edited): the annotation is re-anchored (``anchoring``).
    - A vanished path whose text is nowhere (moved and edited): the file is looked for by its content
      (``relocate``) among the loaded documents and the files beside where it was seen and beside them; found,
      the annotation is re-anchored there.
    - Anything else (no loaded document is its own) is left alone.

    Only the annotations that could be these documents' are read (``_candidates``), and those of the paths in
    ``also`` (documents that were asked for but could not be loaded: reported missing if they are gone).
    """
    documents = list(documents)
    annotations = store.annotations(docs=_candidates(store, documents) + list(also or ()))
    refs = Counter((a.document.path, a.document.fingerprint) for a in annotations)  # few: one or two a document
    gone: dict[str, bool] = {}
    _identify(documents, refs, gone)
    loaded = {d.key: d for d in documents}
    by_path = {str(d.path): d for d in documents}
    by_text: dict[str, list[Document]] = defaultdict(list)
    for each in sorted(loaded.values(), key=lambda d: d.key):
        by_text[each.fingerprint].append(each)
    owner: dict[tuple[str, str], str] = {}  # (path, fingerprint) as annotated -> the key of the document now theirs
    for path, fingerprint in refs:
        document = loaded.get(path) or by_path.get(path)
        if by_text.get(fingerprint) and (document is None or document.fingerprint != fingerprint):
            document = _likeliest(by_text[fingerprint], path)  # its own text, wherever it lies
        if document is not None and (document.key, document.fingerprint) != (path, fingerprint):
            owner[path, fingerprint] = document.key
    mine: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations if owner else ():
        key = owner.get((annotation.document.path, annotation.document.fingerprint))
        if key is not None:
            mine[key].append(annotation)
    report = Report()
    changes = [pair for key, theirs in mine.items() for pair in _plan(loaded[key], theirs)]
    paths = {path for path, _ in refs}
    vanishing = _gone_elsewhere(store, paths, loaded, gone) or any(p not in loaded and _gone(p, gone) for p in paths)
    # nothing to change or look for (a listing of unchanged documents): no lock is taken (``remember_paths``
    # takes it if a path is new)
    with store.batch() if changes or vanishing else nullcontext():
        _save(store, changes, report)
        saved = {a.id: a for a in report.saved}
        now = [saved.get(a.id, a) for a in annotations] if saved else annotations  # as each one is now
        paths_now = {a.document.path for a in now} if saved else {path for path, _ in refs}
        lost = _gone_elsewhere(store, paths_now, loaded, gone)  # not read above
        vanished = lost or any(p not in loaded and _gone(p, gone) for p in paths_now)
        nearby = now + store.annotations(docs=lost) if lost else now
        found = _relocate(store, nearby, loaded, gone, report) if vanished else []
        texts = {fingerprint for _, fingerprint in refs} | {a.document.fingerprint for a in report.saved}
        seen: dict[str, set[str]] = defaultdict(set)
        for each in [*loaded.values(), *found]:
            if each.fingerprint in texts:
                seen[each.fingerprint].update({str(each.path), each.key})
        store.remember_paths(seen)
    saved = {a.id: a for a in report.saved}
    left = {saved.get(a.id, a).document.path for a in annotations} if saved else paths_now  # where they point now
    missing = {p for p in left if p not in loaded and _gone(p, gone)}
    missing |= set(_gone_elsewhere(store, left, loaded, gone))
    report.missing = sorted(missing)
    return report


def _gone_elsewhere(store: Store, left: set[str], loaded: dict[str, Document], gone: dict[str, bool]) -> list[str]:
    """Any other annotated file that is gone (known from the paths seen: only those gone are read)."""
    seen_paths = {p for paths in store.paths_seen().values() for p in paths} - left - set(loaded)
    return sorted(p for p in seen_paths if _gone(p, gone) and store.annotations(doc=p))


def _candidates(store: Store, documents: list[Document]) -> list[str]:
    """The documents whose annotations could belong to these (only their shards are read): their own paths,
    and every path where their texts were seen with annotations (a moved file's old path)."""
    seen = store.paths_seen()
    paths = {p for d in documents for p in (d.key, str(d.path), *seen.get(d.fingerprint, ()))}
    return sorted(paths)


def _relocate(
    store: Store, annotations: list[Annotation], loaded: dict[str, Document], gone: dict[str, bool], report: Report
) -> list[Document]:
    """Files moved and edited (their path gone, their text nowhere loaded), found by their content
    (``relocate.find_moved``); their annotations re-anchored there. Returns the documents found."""
    by_path: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        by_path[annotation.document.path].append(annotation)
    lost = [p for p in sorted(by_path) if p not in loaded and _gone(p, gone)]
    if not lost:
        return []
    annotated = {a.document.fingerprint for a in annotations if not _gone(a.document.path, gone)}
    taken = {p for p in by_path if not _gone(p, gone)} | {str(d.path) for d in loaded.values()}
    free = [d for d in loaded.values() if d.fingerprint not in annotated]  # not another annotated text
    folders = list(dict.fromkeys(d.path.parent for d in loaded.values()))
    remembered = store.paths_seen()
    found: list[Document] = []
    for path in lost:
        theirs = by_path[path]
        seen = {p for a in theirs for p in remembered.get(a.document.fingerprint, ())}
        candidates = candidate_paths(path, seen, folders, taken)
        match = find_moved(theirs, free, candidates)
        if match is None:
            continue
        document = match.document
        taken.add(str(document.path))
        free = [d for d in free if d is not document]
        report.found.append((path, str(document.path), match.likeness))
        _save(store, _plan(document, theirs), report)
        found.append(document)
    return found


def _identify(documents: list[Document], refs: Counter[tuple[str, str]], gone: dict[str, bool]) -> None:
    """Give each loaded document the key its text is annotated under: of the paths its fingerprint's
    annotations point at that still exist (``refs``: how many point at each (path, fingerprint)), the one most
    of them use (the first in order on a tie: the same for every copy)."""
    paths: dict[str, Counter[str]] = defaultdict(Counter)
    for (path, fingerprint), count in refs.items():
        paths[fingerprint][path] += count
    for document in documents:
        own = str(document.path)
        used = {p: n for p, n in paths.get(document.fingerprint, {}).items() if p == own or not _gone(p, gone)}
        best = min(used, key=lambda p: (-used[p], p), default=own)
        document.stored_as = "" if best == own else best


def relink(store: Store, old: str | os.PathLike, new: str | os.PathLike, encoding: str | None = None) -> Report:
    """Point the annotations of ``old`` (a file, or a folder: every annotated file below it) at ``new``,
    re-anchoring them where the text differs, in one store write. ``old`` need not exist any more."""
    old_key = _key(old)
    paths = annotated_paths(store)
    if old_key in paths:
        targets = {old_key: Path(new)}
    else:
        below = [p for p in paths if Path(p).is_relative_to(old_key)]
        if not below:
            raise NotFound(f"no annotations point at {old_key} or at files below it")
        targets = {p: Path(new) / Path(p).relative_to(old_key) for p in below}
    report = Report()
    changes = []
    for path, target in targets.items():
        if len(targets) > 1 and not target.is_file():
            report.missing.append(str(target))
            continue
        document = load_document(target, encoding)
        changes += _plan(document, store.annotations(doc=path))
    _save(store, changes, report)
    return report


def reattach(store: Store, annotation: Annotation, document: Document, start: int, end: int) -> Annotation:
    """Attach ``annotation`` to ``document``'s span ``start:end`` (an orphan's new place, or ``annotation.start,
    annotation.end`` to accept a fuzzy match): its quote and context become that text, status ``anchored``.
    Raises ConflictError if another process re-anchored it meanwhile (reload and retry)."""
    return store.reanchor([(annotation, reattached(annotation, document, start, end))], strict=True)[0]


def orphans(store: Store, document: Document | None = None) -> list[Annotation]:
    """The annotations that could not be re-anchored (of one document, or all)."""
    return [a for a in store.annotations(doc=document.key if document else None) if a.status == "orphan"]


# -- internals ---------------------------------------------------------------------------------------------------
def _key(path: str | os.PathLike) -> str:
    """A path as annotations store it (absolute, resolved), whether or not it still exists."""
    return str(Path(path).expanduser().resolve())


def _gone(path: str, cache: dict[str, bool]) -> bool:
    if path not in cache:
        cache[path] = not os.path.lexists(path)  # (False for a name too long: no file can have it)
    return cache[path]


def _likeliest(twins: list[Document], old_path: str) -> Document:
    """Of several loaded files with the text of a vanished one: the one with its file name, else the first."""
    name = Path(old_path).name
    return next((d for d in twins if d.path.name == name), twins[0])


def _plan(document: Document, annotations: list[Annotation]) -> list[tuple[Annotation, Annotation]]:
    """(as stored, as it should be) for annotations that now belong to ``document``: re-pointed if it holds the
    text they were made on, else re-anchored."""
    same = [a for a in annotations if a.document.fingerprint == document.fingerprint]
    edited = [a for a in annotations if a.document.fingerprint != document.fingerprint]
    changes = [(a, replace(a, document=document_ref(document))) for a in same]
    return changes + list(zip(edited, reanchor(edited, document)))


def _save(store: Store, changes: list[tuple[Annotation, Annotation]], report: Report) -> None:
    changes = [(seen, new) for seen, new in changes if seen != new]
    if not changes:
        return
    before = {seen.id: seen for seen, _ in changes}
    saved = store.reanchor(changes)
    report.saved += saved
    report.conflicts += len(changes) - len(saved)
    for annotation in saved:
        old = before[annotation.id]
        if annotation.document.path != old.document.path:
            report.relinked += 1
        if annotation.document.fingerprint != old.document.fingerprint:
            report.statuses[annotation.status] += 1
