"""The corpus search in a helper process, so that searching never holds the reader's interpreter lock (in a thread
it did: each ``finditer`` step and each row cut out kept the keys waiting). Never imports Textual.

One ``Helper`` per reader starts the process (``python -m tui.corpus_helper``, a plain subprocess as in
``tui.extracting``) when a search is first wanted, sends it each document's normalised text once (again only if
the document's text changed), then queries. The process searches the very text the reader holds, with
``tui.corpus.hits``: the offsets are the reader's code-point offsets. It sends hits back in batches as it finds
them; a newer query (or ``cancel``) stops the older search between two batches. A search stuck in one match (a
regular expression that backtracks for ever) cannot stop itself: a process that has not taken up a newer order
within ``STUCK`` seconds is ended, and the current search given to a fresh one.

The process never outlives the reader: it ends when its stdin closes (the reader exited, crashed or was killed:
the kernel closes the pipe), and on Linux also by a signal when the reader dies (``PR_SET_PDEATHSIG``, for a
process busy in a long match); ``close`` (the app's exit, and ``atexit``) kills it at once. It runs at a lower
priority (``NICE``): on busy cores the reader's keys and frames come first.

Messages are pickled frames (length, then the pickle) on the child's stdin and stdout: both ends are this module.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import sys
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from .corpus import SearchError, compile_pattern, hits

if TYPE_CHECKING:
    import subprocess

BATCH = 200  # hits in a message: the first ones soon, and little work for the reader to take in at a time
COUNT_CHECK = 20_000  # matches counted (past the limit) between two looks for a newer query
NICE = 10  # the process's lower priority: when the cores are busy, the reader's keys and frames come first (at the
# same priority, with other work on the machine, a frame waited behind the search for the CPU: keys 60-130 ms)
STUCK = 1.0  # seconds a busy process has to take up a newer order before it is taken for stuck and replaced
FRAME = struct.Struct("<Q")

Row = tuple[str, int, int, str, str, str]  # a Hit's fields in order (``Hit(*row)``): a tuple, which the cyclic
# garbage collector stops looking at once it sees it holds no containers (10,000 Hit objects it walks each time)


class Searchable(Protocol):
    """What the helper needs of a document: its key (the path annotations use) and its normalised text."""

    @property
    def key(self) -> str: ...

    @property
    def text(self) -> str: ...


def write_frame(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(FRAME.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    head = stream.read(FRAME.size)
    if len(head) < FRAME.size:
        raise EOFError
    data = stream.read(FRAME.unpack(head)[0])
    if len(data) < FRAME.unpack(head)[0]:
        raise EOFError
    return pickle.loads(data)  # our own child's, written by write_frame


# -- the reader's side ---------------------------------------------------------------------------------------------
@dataclass
class Found:
    """A message of the current search: ``hits`` (a batch of one document's, of ``count`` found), ``count`` (more
    found past the limit, not listed), ``done`` (``count``: the total) or ``error`` (``text``: one line)."""

    kind: str
    path: str = ""
    hits: list[Row] = field(default_factory=list)
    count: int = 0
    text: str = ""


class Helper:
    """The reader's end: start, feed, query, read back. ``take()`` hands the current search's messages over (call
    it from the event loop, a little at a time); the rest happens in two threads of this object (the texts are
    looked up there too: a document still being read is read there, not in the event loop)."""

    def __init__(self) -> None:
        self.generation = 0
        self.searching = False  # a search is under way (its "done" not yet read)
        self.inbox: deque[Found] = deque()
        self._link: _Link | None = None  # the process, once one is started
        self._lock = threading.Condition()
        self._orders: deque[tuple[Any, ...]] = deque()  # to do: queries (and texts to prepare) before texts
        self._texts: deque[tuple[str, str, int, str]] = deque()  # ("text", key, version, text) to send
        self._sent: dict[str, tuple[str, int]] = {}  # key -> (the text object sent, its version)
        self._version = 0
        self._heard = 0  # the newest generation the process has shown it took up
        self._order: tuple[Any, ...] | None = None  # the current search's order (to give a fresh process)
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The process's id (once started: this waits for it; for tests and the benchmark)."""
        link = self._link
        if link is None or not link.started.wait(30) or link.process is None:
            return None
        return link.process.pid

    def prepare(self, documents: Sequence[Searchable]) -> None:
        """Start the process (if it is not running) and send the texts it lacks, ahead of the first query."""
        with self._lock:
            self._start()
            self._orders.append(("prepare", list(documents)))
            self._lock.notify_all()

    def search(
        self,
        documents: Sequence[Searchable],
        query: str,
        regex: bool,
        ignore_case: bool,
        context: int,
        limit: int,
    ) -> int:
        """Search ``documents`` (in their order); returns the search's generation. Older searches' messages are
        dropped from now on."""
        with self._lock:
            busy = self.searching
            self._start()
            self.generation += 1
            self.inbox.clear()
            self._order = ("search", self.generation, query, regex, ignore_case, list(documents), context, limit)
            self._orders.append(self._order)
            self.searching = True
            self._lock.notify_all()
            if busy:
                self._watch()
            return self.generation

    def cancel(self) -> None:
        """Stop the current search (its messages are dropped); a process stuck in one match is ended."""
        with self._lock:
            self.generation += 1
            self.inbox.clear()
            self._order = None
            if self._link is not None and self.searching:
                self._orders.append(("cancel", self.generation))
                self._lock.notify_all()
                self._watch()
            self.searching = False

    def take(self, most: int) -> list[Found]:
        """The current search's messages that arrived, up to about ``most`` hits' worth (at least one message)."""
        taken: list[Found] = []
        weight = 0
        while self.inbox and (not taken or weight < most):
            found = self.inbox.popleft()
            weight += max(1, len(found.hits))
            taken.append(found)
        return taken

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._stop()

    # -- inside ------------------------------------------------------------------------------------------------
    def _watch(self) -> None:
        """A newer order went to a busy process: if it has not taken it up within ``STUCK`` (a search stuck in
        one match never looks for orders), end it, and give the current search to a fresh one."""
        link, generation = self._link, self.generation

        def check() -> None:
            with self._lock:
                if self._link is not link or self._heard >= generation or self._closed:
                    return
                self._stop()
                if self._order is not None:  # (this order, or a newer one, also lost with the process)
                    self._start()
                    self._orders.append(self._order)
                    self.searching = True
                    self._lock.notify_all()

        timer = threading.Timer(STUCK, check)
        timer.daemon = True
        timer.start()

    def _start(self) -> None:
        """A process, if none is running: started by its own writing thread (a fork and exec in the event loop
        would hold the keys up for tens of milliseconds; and the kernel's signal on the starter's death then
        follows that thread, which ends only once this process is done with)."""
        if self._closed or (self._link is not None and self._link.alive):
            return
        self._link = link = _Link()
        self._sent.clear()
        self._texts.clear()
        self._orders.clear()
        threading.Thread(target=self._write, args=(link,), daemon=True, name="corpus-helper-write").start()

    def _stop(self) -> None:
        link, self._link = self._link, None
        self.searching = False
        self._lock.notify_all()  # the writing thread sees its process gone and ends
        if link is not None:
            link.end()

    def _next(self, link: _Link) -> tuple[Any, ...] | None:
        """What to send next: a query as soon as it comes, a text in between (one at a time: a query is never held
        up behind the whole corpus); None once ``link``'s process is done with."""
        with self._lock:
            self._lock.wait_for(lambda: self._link is not link or self._orders or self._texts)
            if self._link is not link:
                return None
            if self._orders:
                order = self._orders.popleft()
            else:
                kind, key, version, text = self._texts.popleft()
                order = ()
        if not order:  # a text, encoded out of the lock
            return kind, key, version, text.encode("utf-8", "surrogatepass")
        if order[0] == "cancel":
            return order
        documents = order[-3] if order[0] == "search" else order[1]
        texts = [(d.key, d.text) for d in documents]  # here, not in the event loop: a text may still be read
        with self._lock:
            keys = []
            for key, text in texts:
                sent = self._sent.get(key)
                if sent is None or sent[0] is not text:
                    self._version += 1
                    sent = self._sent[key] = (text, self._version)
                    self._texts.append(("text", key, self._version, text))  # (encoded as it is sent)
                keys.append((key, sent[1]))
        return (*order[:-3], keys, *order[-2:]) if order[0] == "search" else ()

    def _write(self, link: _Link) -> None:
        process = link.spawn()
        if process is None:
            with self._lock:
                if self._link is link and self.searching:
                    self.searching = False
                    self.inbox.append(Found("error", text="the search's helper process could not start"))
            return
        assert process.stdin is not None
        threading.Thread(target=self._read, args=(link, process), daemon=True, name="corpus-helper-read").start()
        try:
            while (message := self._next(link)) is not None:
                if message:
                    write_frame(process.stdin, message)
        except (OSError, ValueError):  # the process ended
            pass
        finally:
            with contextlib.suppress(OSError):
                process.stdin.close()

    def _read(self, link: _Link, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        try:
            while True:
                kind, generation, *rest = read_frame(process.stdout)
                self._heard = max(self._heard, generation)
                if generation == self.generation and kind not in ("started", "idle"):  # else an older search's
                    if kind in ("done", "error"):
                        self.searching = False
                    self.inbox.append(_found(kind, rest))
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            pass
        finally:
            process.stdout.close()
        with self._lock:
            if self._link is link and self.searching:  # it ended by itself, in the middle of a search
                self.searching = False
                self.inbox.append(Found("error", text="the search stopped: its helper process ended"))


class _Link:
    """One helper process: started in its writing thread, ended from anywhere (even before it has started)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.started = threading.Event()
        self._ended = False
        self._lock = threading.Lock()

    def spawn(self) -> subprocess.Popen[bytes] | None:
        import subprocess

        here = str(Path(__file__).resolve().parent.parent)  # this very ``tui``, installed or a checkout
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
        env.setdefault("MALLOC_MMAP_THRESHOLD_", str(1 << 17))  # each text's frame freed back to the system once read
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "tui.corpus_helper", str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            )  # fmt: skip
        except OSError:
            process = None
        with self._lock:
            self.process = process
            self.started.set()
            ended = self._ended
        if ended:
            self.end()
            return None
        return process

    @property
    def alive(self) -> bool:
        """Starting, or running."""
        process = self.process
        return not self.started.is_set() or (process is not None and process.poll() is None)

    def end(self) -> None:
        with self._lock:
            self._ended = True
            process = self.process
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()


def _found(kind: str, rest: list[Any]) -> Found:
    if kind == "hits":
        path, rows, count = rest
        return Found(kind, path, [(path, *row) for row in rows], count)
    if kind == "count":
        return Found(kind, rest[0], count=rest[1])
    if kind == "done":
        return Found(kind, count=rest[0])
    return Found(kind, text=rest[0])


# -- the helper process --------------------------------------------------------------------------------------------
class _Child:
    def __init__(self, output: IO[bytes]) -> None:
        self.output = output
        self.lock = threading.Condition()
        self.texts: dict[str, tuple[int, bytes]] = {}  # key -> (version, the text in UTF-8: a text beyond ASCII
        # takes 2 or 4 bytes a character as a str; it is decoded for each search, a document at a time)
        self.latest = 0  # the newest generation asked for
        self.order: tuple[Any, ...] | None = None  # the search to run next

    def listen(self, stream: IO[bytes]) -> None:
        """Take in texts and orders (in a thread of its own: an order arrives while a search runs); end the
        process when the reader's end closes."""
        try:
            while True:
                message = read_frame(stream)
                with self.lock:
                    if message[0] == "text":
                        self.texts[message[1]] = (message[2], message[3])
                    else:
                        self.latest = message[1]
                        self.order = message if message[0] == "search" else None
                    self.lock.notify_all()
        except BaseException:  # (the reader is gone, or sent what it cannot: end either way)
            os._exit(0)

    def serve(self) -> None:
        while True:
            with self.lock:
                self.lock.wait_for(lambda: self.order is not None)
                order, self.order = self.order, None
            assert order is not None
            try:
                self.say("started", order[1])
                self.search(*order[1:])
            except (OSError, ValueError):
                raise  # the pipe to the reader is gone
            except Exception as error:  # a bug: one line to the reader, and the process lives on
                self.say("error", order[1], f"the search failed ({type(error).__name__})")
            with self.lock:
                idle = self.order is None
            if idle:
                self.say("idle", self.latest)  # (a cancelled search ended: the reader knows this process lives)

    def say(self, *message: object) -> None:
        write_frame(self.output, message)

    def text(self, key: str, version: int, generation: int) -> str | None:
        """The text of ``key`` at ``version``, once it came (the texts come in order, after the query); None if a
        newer query came first."""
        with self.lock:
            self.lock.wait_for(lambda: self.texts.get(key, (0, ""))[0] == version or self.cancelled(generation))
            data = None if self.cancelled(generation) else self.texts[key][1]
        return None if data is None else data.decode("utf-8", "surrogatepass")

    def cancelled(self, generation: int) -> bool:
        return self.latest != generation

    def search(
        self,
        generation: int,
        query: str,
        regex: bool,
        ignore_case: bool,
        keys: list[tuple[str, int]],
        context: int,
        limit: int,
    ) -> None:
        try:
            pattern = compile_pattern(query, regex, ignore_case)
        except SearchError as error:
            self.say("error", generation, str(error))
            return
        total = 0
        for key, version in keys:
            text = self.text(key, version, generation)
            if text is None:
                return
            found = hits(key, text, pattern, context)
            while total < limit:
                batch = list(islice(found, BATCH))
                if self.cancelled(generation):
                    return
                if not batch:
                    break
                rows = [(h.start, h.end, h.match, h.left, h.right) for h in batch[: limit - total]]
                total += len(batch)
                self.say("hits", generation, key, rows, len(batch))
            else:  # past what is listed: only counted (no context cut out)
                more = 0
                for more, _ in enumerate(found, 1):
                    if more % COUNT_CHECK == 0 and self.cancelled(generation):
                        return
                total += more
                if more:
                    self.say("count", generation, key, more)
        self.say("done", generation, total)


def _die_with(parent: int) -> None:
    """On Linux, have the kernel kill this process when the reader dies, even while it is busy in a match."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before that
        os._exit(0)


def main(argv: list[str]) -> None:
    _die_with(int(argv[0]))
    with contextlib.suppress(AttributeError, OSError):  # (no ``nice`` on Windows)
        os.nice(NICE)
    output = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the pipe
    child = _Child(output)
    threading.Thread(target=child.listen, args=(sys.stdin.buffer,), daemon=True).start()
    try:
        child.serve()
    except BaseException:  # (the reader closed the pipe: nothing to say, nobody to say it to)
        os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
