"""Finding a file that was both moved and edited, by its content: its annotations' old path is gone and no loaded
document has its text (fingerprint), so the file is looked for among likely candidates and judged by how much of
what was annotated in it is still there.

Candidates, kept cheap: the documents being opened, and the files with the old file's suffix directly in the
folder where it was seen (every path the store remembers for that text) and in the folders being opened; at most
MAX_FILES files of at most MAX_BYTES, none that is already another annotated document. A candidate's
**likeness** is the share of the annotated passages (by length) found in it by re-anchoring (``anchoring``), each
counted by its fit (1 for a quote with its whole context, the score of a fuzzy or weakly moved one; an ambiguous
one or an orphan counts 0). A quick pass first counts the quotes that stand in it exactly, so a file sharing none is never
re-anchored against.

The most alike candidate is taken if its likeness is MIN_LIKENESS or more and the next one is at least MARGIN
less; otherwise nothing is chosen (``relink`` stays for the rest). A candidate shorter than half the furthest
annotated offset is not the text either. Only passages found with a fit of MIN_SCORE count, by their length, so
a common word standing somewhere with unrelated context adds nothing. Measured on the seeds (1, 3, 10 and 30
highlights of one to eight words; 5 to 80 random word edits, a tenth of them added sentences; 5 draws each): the
edited copy scored 0.77 to 1.0 (means 0.89 to 1.0) except where the edits fell on most of very few highlights
(one highlight edited away: 0; three with 40 edits: 0.51); the other seed (the same visit, the same names) at
most 0.17; the README, which quotes the seeds with their context, 0.53 once with three highlights, else at most
0.17. MIN_LIKENESS 0.6 is above every file that was not the document, and a document edited so much that it is
not reached is reported missing, as before, for ``relink``: a wrong file is worse than none.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .anchoring import MIN_SCORE, locate_many, needs_review
from .document import Document, DocumentError, load_document
from .model import Annotation

MIN_LIKENESS = 0.6
MARGIN = 0.1  # the best candidate must be this much more alike than the next, or none is chosen
MIN_EXACT = 0.2  # of the quotes, the share that must stand exactly in a file before it is re-anchored against
MAX_FILES = 32
MAX_BYTES = 8 * 1024 * 1024  # per file
MAX_TOTAL = 32 * 1024 * 1024  # all the files looked at for one lost file
PLACED = ("anchored", "moved", "fuzzy")  # (an ambiguous annotation or an orphan counts 0)


@dataclass(frozen=True)
class Found:
    document: Document
    likeness: float


def likeness(annotations: Sequence[Annotation], text: str) -> float:
    """How much of what was annotated is still in ``text``: each annotation's fit there, averaged (see above)."""
    if not annotations:
        return 0.0
    exact = sum(a.quote in text for a in annotations) / len(annotations)
    if exact < MIN_EXACT:
        return exact  # not worth re-anchoring against: under MIN_LIKENESS whatever the rest
    found = 0.0
    for annotation, anchor in zip(annotations, locate_many(text, annotations)):
        if anchor.status in PLACED and anchor.fit >= MIN_SCORE:  # (less: a look-alike, not the passage)
            found += anchor.fit * len(annotation.quote)
    return found / sum(len(a.quote) for a in annotations)


def candidate_paths(old: str, seen: Iterable[str], folders: Iterable[Path], taken: set[str]) -> list[Path]:
    """Files that could be ``old`` moved: its suffix, directly in the folders where it was seen and in
    ``folders``; not ``taken`` (other annotated documents); at most MAX_FILES, nearest folders first."""
    suffix = Path(old).suffix.lower()
    places = [Path(p).parent for p in (old, *seen)] + list(folders)
    found: list[Path] = []
    total = 0
    for folder in dict.fromkeys(places):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            size = _size(entry)
            if Path(entry.name).suffix.lower() != suffix or entry.path in taken or not 0 < size <= MAX_BYTES:
                continue
            total += size
            if len(found) >= MAX_FILES or total > MAX_TOTAL:
                return found
            found.append(Path(entry.path))
    return found


def _size(entry: os.DirEntry[str]) -> int:
    """A regular file's size (not a link, a folder, a pipe); 0 for anything else."""
    try:
        return entry.stat(follow_symlinks=False).st_size if entry.is_file(follow_symlinks=False) else 0
    except OSError:
        return 0


def find_moved(
    annotations: Sequence[Annotation],
    documents: Iterable[Document],
    paths: Iterable[Path],
    load: Callable[[Path], Document] = load_document,
) -> Found | None:
    """Of the loaded ``documents`` and the files at ``paths``, the one most like the text ``annotations`` were
    made on, if it is alike enough and clearly the most alike (see above); else None."""
    scored: list[Found] = []
    seen: set[str] = set()
    shortest = max(a.end for a in annotations) // 2  # the text reached this far: half of it must be left

    def judge(document: Document) -> None:
        seen.add(str(document.path))
        if len(document.text) >= shortest:
            scored.append(Found(document, likeness(annotations, document.text)))

    for document in documents:
        judge(document)
    for path in paths:
        if str(path) not in seen:
            try:
                judge(load(path))
            except (DocumentError, OSError, ValueError):
                continue
    scored.sort(key=lambda f: -f.likeness)
    if not scored or scored[0].likeness < MIN_LIKENESS:
        return None
    if len(scored) > 1 and scored[0].likeness - scored[1].likeness < MARGIN:
        return None  # two files about as alike (two drafts): the reader chooses with relink
    return scored[0]


def unsure(annotations: Iterable[Annotation]) -> int:
    """How many of ``annotations`` the reader should look at after the move (``anchoring.needs_review``)."""
    return sum(needs_review(a) for a in annotations)
