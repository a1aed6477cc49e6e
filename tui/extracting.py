"""A long extraction in another process, its progress sent back as it goes.

pdfminer.six is pure Python and CPU-bound: in a thread it would hold the GIL for whole pages, and the reader's
keys would wait for it. A child process (``python -m tui.extracting``, a plain subprocess: multiprocessing's
helpers cannot start under Textual, which replaces ``sys.stderr``) extracts the file and saves its snapshot; the
caller then opens the document from that snapshot, as fast as a text file. The child is told what to do on its
stdin (the password never shows in the process list) and answers with JSON lines on its stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from .document import DocumentError, PendingDocument, load_document
from .formats import Progress, snapshot

POLL_SECONDS = 0.1  # how soon a cancellation (the reader quitting) stops the child


def extract_apart(
    pending: PendingDocument,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """Extract ``pending``'s file in a child process and save its snapshot where this process keeps them; True
    once it is saved, False if ``cancelled()`` stopped it first. Raises DocumentError (one line) if it fails."""
    options = pending.options
    order = {
        "path": str(pending.path),
        "password": options.password,
        "whole_page": options.whole_page,
        "reextract": options.reextract,
        "folder": str(snapshot.folder()),
    }
    here = str(Path(__file__).resolve().parent.parent)  # this very ``tui``, installed or a checkout
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
    child = subprocess.Popen(
        [sys.executable, "-m", "tui.extracting"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    try:
        with contextlib.suppress(BrokenPipeError):
            child.stdin.write(json.dumps(order).encode("utf-8"))
            child.stdin.close()
        return _follow(pending, child, progress, cancelled)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()


def _follow(
    pending: PendingDocument, child: subprocess.Popen[bytes], progress: Progress | None, cancelled: Callable[[], bool]
) -> bool:
    assert child.stdout is not None
    fd = child.stdout.fileno()
    buffer = b""
    while not cancelled():
        if not select.select([fd], [], [], POLL_SECONDS)[0]:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:  # it ended without a word (killed, out of memory)
            code = child.wait()
            raise DocumentError(f"{pending.path}: the text extraction stopped (exit code {code})")
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if "error" in message:
                raise DocumentError(message["error"])
            if "done" in message:
                return True
            if progress is not None:
                progress(message["page"], message["of"])
    return False


def _child() -> None:
    order = json.loads(sys.stdin.buffer.read())
    snapshot.use_folder(order["folder"])

    def say(**message: object) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    options = snapshot.Options(order["password"], order["whole_page"], order["reextract"])
    options.progress = lambda done, total: say(page=done, of=total)
    try:
        load_document(order["path"], options=options)
    except DocumentError as error:
        say(error=str(error))
    except Exception as error:  # a library's bug on a strange file: one line, never a traceback
        say(error=f"{order['path']}: cannot extract its text ({type(error).__name__})")
    else:
        say(done=True)


if __name__ == "__main__":
    _child()
