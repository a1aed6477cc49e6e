"""Documents: a file's normalised text, its title, fingerprint and line index."""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_right
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any

from .digest import sha256
from .files import FileProblem, open_regular, read_chunks, read_regular
from .memory import offset_array, steady_big_blocks
from .metadata import Metadata
from .text import DecodeError, Utf8Pieces, decode, plain_utf8
from .wording import cut

if TYPE_CHECKING:
    from .formats.snapshot import Options

MAX_TITLE = 120
PROGRESSIVE = 2 << 20  # bytes: a bigger UTF-8 file can be opened at its start, the rest read later (``read_for``)
HEAD = 1 << 18  # bytes read at once from such a file: a few screens' worth, whatever its size
PIECE = 1 << 18  # bytes read, decoded and normalised per step after that (a few milliseconds each)
SEED_METADATA = ".metadata.json"  # in the seeds folder: each seed's author, title and date


class DocumentError(Exception):
    """A path that cannot be opened as a document; the message is one line and names the path."""


class LineIndex:
    """Maps offsets to (line, column) and back in O(log n); lines and columns count from 0."""

    def __init__(self, text: str) -> None:
        starts = offset_array(len(text))  # 4 bytes a line (a list of ints takes 36: 54 MB for 1.5 million lines)
        starts.append(0)
        append, find = starts.append, text.find
        pos = find("\n")
        while pos != -1:
            append(pos + 1)
            pos = find("\n", pos + 1)
        self.starts = starts
        self.length = len(text)

    def __len__(self) -> int:
        return len(self.starts)

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, self.length))
        line = self.line_of(offset)
        return line, offset - self.starts[line]

    def offset(self, line: int, column: int = 0) -> int:
        line = max(0, min(line, len(self.starts) - 1))
        return min(self.starts[line] + column, self.line_end(line))

    def line_end(self, line: int) -> int:
        """Offset of the end of ``line`` (its newline, or the end of the text)."""
        if line + 1 < len(self.starts):
            return self.starts[line + 1] - 1
        return self.length


class Document:
    """A document's normalised text and what is derived from it. The line index and the fingerprint cost time in
    proportion to the text, so they are made when first asked for (the reader shows its first screen without
    them; re-anchoring asks for the fingerprint in a thread). A PDF, web page, EPUB or Word file (``kind``) has
    the extracted text of its snapshot, its page or chapter offsets and its metadata.

    A big text file opened ``progressive`` (the reader's) has only its start read at first (``loaded_text``): the
    rest is read by ``read_for`` in steps, or at once by the first look at ``text``, ``lines`` or
    ``fingerprint``, which are always the whole document's."""

    def __init__(
        self,
        path: str | os.PathLike,
        text: str,
        encoding: str = "utf-8",
        title: str = "",
        fingerprint: str = "",
        *,
        kind: str = "text",
        pages: list[tuple[int, str]] | None = None,
        chapters: list[tuple[int, str]] | None = None,
        source_metadata: Metadata | None = None,
        extractor: str = "",
        rest: Generator[None, None, str] | None = None,
    ) -> None:
        self.path = Path(path)
        self._text = text
        self._rest = rest  # reading the rest of the file: returns the whole text
        self._reading = threading.Lock()  # ``read_for`` in a thread (corpus search) and on the event loop
        self.problem = ""  # why the rest could not be read, if it could not (the text is then the start)
        self.encoding = encoding
        self.kind = kind  # or a format of ``formats``: "pdf", "html", "epub", "docx"
        self.pages = pages or []  # (start offset, label): a PDF's
        self.chapters = chapters or []  # (start offset, title): an EPUB's
        self.source_metadata = source_metadata or Metadata()  # what the file says about itself
        self.metadata = self.source_metadata  # that, with what was set by hand (``set_metadata``)
        self.extractor = extractor  # the snapshot's extractor, for formatted documents
        self.title = title or self.metadata.title or make_title(text, self.path)
        self._titled = bool(title)  # else the title is the text's first line, maybe cut at the start read first
        self._fingerprint = fingerprint
        self.stored_as = ""  # the path its annotations use, if another copy of this text was annotated first

    def __repr__(self) -> str:
        return f"Document(path={self.path!r}, encoding={self.encoding!r}, title={self.title!r})"

    @property
    def text(self) -> str:
        """The whole normalised text (the rest of a document still being read is read first)."""
        if self._rest is not None:
            self.read_for(None)
        return self._text

    @property
    def loaded_text(self) -> str:
        """The text read so far: its start, until ``complete``; then ``text``."""
        return self._text

    @property
    def complete(self) -> bool:
        return self._rest is None

    def read_for(self, seconds: float | None) -> bool:
        """Read more of the rest for about ``seconds`` (None: to the end); True once the whole text is read. A
        rest that cannot be read leaves the start as the text, and says why in ``problem``."""
        if self._rest is None:
            return True
        if not self._reading.acquire(blocking=seconds is None):
            return False  # another thread is reading it to the end: a slice would wait for all of it
        try:
            return self._read(None if seconds is None else perf_counter() + seconds)
        finally:
            self._reading.release()

    def _read(self, deadline: float | None) -> bool:
        if self._rest is None:  # read meanwhile, by the thread that held the lock
            return True
        try:
            next(self._rest)  # at least one step
            while deadline is None or perf_counter() < deadline:
                next(self._rest)
            return False
        except StopIteration as done:
            self._text = done.value
        except DocumentError as error:
            self.problem = str(error)
        self._rest = None
        if not self._titled:
            self.title = self.metadata.title or make_title(self._text, self.path)
        self.__dict__.pop("lines", None)
        self.__dict__.pop("_paragraphs", None)
        return True

    @property
    def fingerprint(self) -> str:
        if not self._fingerprint:
            self._fingerprint = fingerprint(self.text)
        return self._fingerprint

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)

    def set_metadata(self, overrides: Metadata) -> None:
        """Fields set by hand (the store's) over the file's own; the title follows."""
        self.metadata = self.source_metadata.merged(overrides)
        self.title = self.metadata.title or make_title(self._text, self.path)

    @property
    def pane_title(self) -> str:
        """What a pane's title bar names it by: the author's family name and the main title where the metadata
        has them ("Proma, Sergei Shoigu's Visit To North Korea"), else the title (its first line)."""
        title = self.metadata.main_title if self.metadata.title else self.title
        author = self.metadata.short_author
        return f"{author}, {title}" if author else title

    def page_of(self, offset: int) -> str | None:
        """The label of the page holding ``offset`` (a PDF's), else None."""
        return _mark_at(self.pages, offset)

    def chapter_of(self, offset: int) -> tuple[int, str] | None:
        """(1-based number, title) of the chapter holding ``offset`` (an EPUB's), else None."""
        if not self.chapters:
            return None
        index = max(bisect_right([o for o, _ in self.chapters], offset) - 1, 0)
        return index + 1, self.chapters[index][1]

    @property
    def key(self) -> str:
        """The path as stored in annotations: where this text was first annotated (``stored_as``, set by
        ``library.reconcile`` when the same text lies at another path too), else this file's path."""
        return self.stored_as or str(self.path)

    def line_text(self, line: int) -> str:
        return self.text[self.lines.starts[line] : self.lines.line_end(line)]

    def paragraph_of(self, offset: int) -> int:
        """1-based number of the paragraph (block of non-blank lines) holding ``offset``."""
        return self._paragraphs[self.lines.line_of(offset)]

    @cached_property
    def _paragraphs(self) -> list[int]:
        numbers, number, blank = [], 0, True
        for line in range(len(self.lines)):
            empty = not self.line_text(line).strip()
            if not empty and blank:
                number += 1
            blank = empty
            numbers.append(max(number, 1))
        return numbers

    def facts(self) -> dict[str, Any]:
        """What ``KnownDocument`` needs to stand for this text file, unchanged, without reading it (``tui.known``)."""
        return {
            "fingerprint": self.fingerprint, "encoding": self.encoding, "title": make_title(self.text, self.path),
            "metadata": self.source_metadata.to_record(),
        }  # fmt: skip


class KnownDocument(Document):
    """A text file unchanged since it was last read whole (``tui.known``): its fingerprint, encoding, title and
    metadata as found then. Its text is read (and checked against the fingerprint) only when something asks for
    it: a listing or the re-anchoring of unchanged documents never does."""

    def __init__(self, path: Path, fingerprint: str, encoding: str, title: str, metadata: Metadata) -> None:
        rest = _read_later(path, fingerprint, encoding)
        super().__init__(path, "", encoding, fingerprint=fingerprint, source_metadata=metadata, rest=rest)
        self._text_title = title
        self.title = self.metadata.title or title

    @classmethod
    def from_facts(cls, path: Path, facts: dict[str, Any]) -> KnownDocument | None:
        """From ``Document.facts``, as recorded; None if the record is not of that shape."""
        fingerprint, encoding, title = (facts.get(k) for k in ("fingerprint", "encoding", "title"))
        if not (isinstance(fingerprint, str) and isinstance(encoding, str) and isinstance(title, str)):
            return None
        if not (fingerprint and encoding and title and isinstance(facts.get("metadata"), dict)):
            return None
        return cls(path, fingerprint, encoding, title, Metadata.from_record(facts["metadata"]))

    def set_metadata(self, overrides: Metadata) -> None:
        self.metadata = self.source_metadata.merged(overrides)
        title = self._text_title if not self.complete else make_title(self.loaded_text, self.path)
        self.title = self.metadata.title or title


def _read_later(path: Path, known: str, encoding: str) -> Generator[None, None, str]:
    """The text of a ``KnownDocument``, read as ``load_document`` reads a text file; it must be the one known."""
    yield  # (nothing is read until the text is asked for)
    with _read_problems(path):
        data = read_regular(path)
    from .formats import detect

    try:
        text, used = decode(data) if detect(data, path.name) is None else ("", "")
    except DecodeError:
        used = ""
    if used != encoding or fingerprint(text) != known:
        raise DocumentError(f"{path}: changed while it was being read")
    return text


class PendingDocument(Document):
    """A PDF, web page, EPUB or Word file with no snapshot yet, as the reader first has it: no text until its
    extraction (in another process: ``extracting``) has saved one; the file was checked enough to be worth it."""

    def __init__(self, path: Path, kind: str, options: Options) -> None:
        super().__init__(path, "", kind, title=path.name, kind=kind)
        self.options = options


def _mark_at(marks: list[tuple[int, str]], offset: int) -> str | None:
    if not marks:
        return None
    index = max(bisect_right([o for o, _ in marks], offset) - 1, 0)
    return marks[index][1]


HASH_SLICE = 1 << 16  # characters encoded and hashed at a time: a 50 MB text is never copied whole, and a
# thread hashing it holds the interpreter lock (CPython's own SHA-256 does) for half a millisecond at a time


def fingerprint(text: str) -> str:
    """SHA-256 of the text's UTF-8 (as if encoded whole: a slice boundary never splits a code point)."""
    digest = sha256()
    for start in range(0, len(text), HASH_SLICE):
        digest.update(text[start : start + HASH_SLICE].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


_FIRST_LINE = re.compile(r"\S[^\n]*")  # from the first non-blank character to the end of its line


def make_title(text: str, path: Path) -> str:
    """The first non-empty line (however far down), else the file name."""
    match = _FIRST_LINE.search(text)
    if match is None:
        return path.name
    line = match.group().rstrip()
    return cut(line, MAX_TITLE)


def load_document(
    path: str | os.PathLike,
    encoding: str | None = None,
    options: Options | None = None,
    progressive: bool = False,
    defer: bool = False,
) -> Document:
    """A text file, or a PDF, web page, EPUB or Word file (chosen by content) through its snapshot. With
    ``progressive``, a big UTF-8 text file is opened at its start (see ``Document``). With ``defer``, a formatted
    file with no snapshot yet is checked (password, damage, a text layer) but not extracted: it comes back as a
    ``PendingDocument`` (the reader extracts it without holding up its keys)."""
    path = Path(path).expanduser()
    with _read_problems(path):
        opened = _open_at_start(path) if progressive and encoding in (None, "utf-8") else None
        if opened is not None:
            return opened
        data = read_regular(path)  # not a named pipe or a device (a hang), nor more than --max-size
    from .formats import detect

    kind = detect(data, path.name)
    if kind is not None and defer:
        return _pending_or_loaded(path, data, kind, options)
    if kind is not None:
        return _load_formatted(path, data, kind, options)
    try:
        text, used = decode(data, encoding)
    except DecodeError as error:
        raise DocumentError(f"{path}: {error}") from None
    return Document(path.resolve(), text, used, source_metadata=_seed_metadata(path))


@contextmanager
def _read_problems(path: Path) -> Iterator[None]:
    """A file that cannot be read: a one-line ``DocumentError`` naming it."""
    try:
        yield
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except FileProblem as problem:
        raise DocumentError(f"{path}: {problem}") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise DocumentError(f"{path}: cannot read ({getattr(error, 'strerror', None) or error})") from None


def _open_at_start(path: Path) -> Document | None:
    """A big plain UTF-8 text file with only its first ``HEAD`` bytes read, decoded and normalised (the same
    characters as the whole file's first ones); None for any other file (read whole)."""
    fd, size = open_regular(path)
    try:
        head = os.read(fd, HEAD) if size > PROGRESSIVE else b""
        from .formats import detect

        if not head or detect(head, path.name) is not None or not plain_utf8(head):
            os.close(fd)
            return None
        pieces = Utf8Pieces()
        start = pieces.decode(head)
    except BaseException:
        os.close(fd)
        raise
    steady_big_blocks()  # a big text, and its rows, will be held
    rest = _read_rest(path, fd, pieces, start, len(head))
    return Document(path.resolve(), start, "utf-8", source_metadata=_seed_metadata(path), rest=rest)


def _read_rest(path: Path, fd: int, pieces: Utf8Pieces, text: str, done: int) -> Generator[None, None, str]:
    """Read, decode and normalise the rest of the file after its first ``done`` bytes, a ``PIECE`` a step, and
    return the whole text. Appended in place (``+=`` on a string nothing else holds grows it; the first one copies
    the document's start): 50 MB of text is never held twice, nor as bytes and text at once. Bytes that are not UTF-8 after all: the whole file is decoded
    as ``load_document`` would (its encoding guessed)."""
    with _read_problems(path):
        try:
            try:
                for data in read_chunks(fd, size=PIECE, done=done):
                    text += pieces.decode(data)
                    yield
                text += pieces.decode(b"", final=True)
                return text
            except (UnicodeDecodeError, DecodeError):
                del text
                try:
                    return decode(read_regular(path))[0]
                except DecodeError as error:
                    raise DocumentError(f"{path}: {error}") from None
        finally:
            os.close(fd)


def _load_formatted(path: Path, data: bytes, kind: str, options: Options | None) -> Document:
    from .formats import FormatError
    from .formats.snapshot import load_or_extract

    try:
        snapshot = load_or_extract(data, kind, options)
    except FormatError as error:
        raise DocumentError(f"{path}: {error}") from None
    except OSError as error:
        raise DocumentError(f"{path}: cannot save its snapshot ({error.strerror or error})") from None
    e = snapshot.extraction
    return Document(
        path.resolve(), e.text, kind, kind=kind, pages=e.pages, chapters=e.chapters, source_metadata=e.metadata,
        extractor=e.extractor,
    )  # fmt: skip


def _pending_or_loaded(path: Path, data: bytes, kind: str, options: Options | None) -> Document:
    from .formats import FormatError, check
    from .formats.snapshot import Options, saved

    options = options or Options()
    if saved(data, kind, options) is not None:
        return _load_formatted(path, data, kind, options)
    try:
        check(data, kind, options.password)
    except FormatError as error:
        raise DocumentError(f"{path}: {error}") from None
    return PendingDocument(path.resolve(), kind, options)


def sidecar_path(path: Path) -> Path:
    """Where the metadata of the text files of ``path``'s folder would be (the bundled seeds have one)."""
    return path.parent / SEED_METADATA


def _seed_metadata(path: Path) -> Metadata:
    """The bundled seeds' author, title and date (``seeds/.metadata.json``); nothing for other text files."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return Metadata()
    try:
        import orjson

        record = orjson.loads(sidecar.read_bytes()).get(path.name)
    except (OSError, ValueError, AttributeError):
        return Metadata()
    return Metadata.from_record(record) if isinstance(record, dict) else Metadata()


def _stores_in(names: list[str], dirs: list[str]) -> set[str]:
    """The names of marginalia stores in a folder: a file ``NAME`` beside its shard folder ``NAME.d``."""
    return {d[:-2] for d in dirs if d.endswith(".d") and d[:-2] in names}


def _shown(name: str, stores: set[str], snapshots: str) -> bool:
    """Whether ``name`` may hold documents: not hidden, and not a store's codebook, shard folder, lock, journal
    or backup (``NAME``, ``NAME.*``), nor the text snapshots beside a store."""
    if name.startswith("."):
        return False
    return not stores or (name != snapshots and not any(name == s or name.startswith(s + ".") for s in stores))


def _folder_files(folder: Path, store: Path | None = None) -> list[Path]:
    """The folder's files, but hidden ones and any marginalia store's own (a team's, kept in its repository):
    ``store`` (the one in use, even before it has shards), and any other known by its shard folder."""
    from .formats.snapshot import FOLDER as SNAPSHOTS  # (only when a folder is opened)

    active = Path(os.path.realpath(store)) if store is not None else None
    files: list[Path] = []
    for root, dirs, names in os.walk(folder):
        stores = _stores_in(names, dirs)
        if active is not None and Path(os.path.realpath(root)) == active.parent:
            stores.add(active.name)
        dirs[:] = sorted(d for d in dirs if _shown(d, stores, SNAPSHOTS))
        for name in names:  # regular files only: reading a named pipe (or a device) would wait for ever
            path = Path(root) / name
            if _shown(name, stores, SNAPSHOTS) and path.is_file():
                files.append(path)
    return sorted(files, key=lambda p: p.relative_to(folder).parts)


def load_paths(
    paths: list[str | os.PathLike],
    encoding: str | None = None,
    options: Options | None = None,
    progressive: bool = False,
    defer: bool = False,
    store: Path | None = None,
) -> list[Document]:
    """Load files and folders (their text files, sorted, hidden and binary ones skipped, and the files of a
    store kept there: ``store``, the one in use, or any other), in the order given."""
    documents: list[Document] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.is_dir():
            documents.append(load_document(path, encoding, options, progressive, defer))
            continue
        found = []
        for file in _folder_files(path, store):
            try:
                found.append(load_document(file, encoding, options, progressive, defer))
            except DocumentError:
                continue  # a folder's binary or unreadable files are not its text files
        if not found:
            raise DocumentError(f"{path}: no text files in this folder")
        documents.extend(found)
    return documents


def load_paths_leniently(
    paths: Sequence[str | os.PathLike[str]],
    encoding: str | None = None,
    options: Options | None = None,
    progressive: bool = False,
    defer: bool = False,
    store: Path | None = None,
) -> tuple[list[Document], list[str]]:
    """Like ``load_paths``, but what cannot be loaded becomes a one-line problem instead of stopping the rest
    (the reader opens what it can and shows the problems)."""
    documents: list[Document] = []
    problems: list[str] = []
    for path in paths:
        try:
            documents.extend(load_paths([path], encoding, options, progressive, defer, store))
        except DocumentError as error:
            problems.append(str(error))
    return documents, problems


def seeds_dir() -> Path:
    """The bundled seed articles: inside the installed package, else the source checkout's ``seeds/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "seeds", here.parent / "seeds"):
        if candidate.is_dir():
            return candidate
    raise DocumentError(f"{here / 'seeds'}: the bundled seed articles are missing")


def seed_paths() -> list[Path]:
    return sorted(seeds_dir().glob("*.txt"))
