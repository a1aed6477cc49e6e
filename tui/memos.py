"""Memos: free Markdown notes on a theme, a document or the whole project (a QDA tool's analytic memos). Never
imports Textual.

A memo is stored by the store (``Store.memo`` / ``set_memo``, its own table) under a ``MemoKey``: a theme's is
keyed by its codebook node (so ``Sanctions/UN`` and ``sanctions/un`` share one), a document's by its stored path,
the project's by nothing. ``edit_in_editor`` is how the command line lets ``$EDITOR`` write one.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .codebook import node_key

KINDS = ("theme", "document", "project")
ALIASES = {"doc": "document", "theme": "theme", "document": "document", "project": "project"}


class MemoError(ValueError):
    """A memo that cannot be named or edited; the message is one line."""


@dataclass(frozen=True)
class MemoKey:
    kind: str  # one of KINDS
    name: str = ""  # a theme's name as spelt, a document's stored path, "" for the project

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MemoError(f"a memo is on a theme, a document or the project, not {self.kind!r}")
        if (self.kind == "project") != (not self.name.strip()):
            what = "takes no name" if self.kind == "project" else "needs a name"
            raise MemoError(f"a {self.kind} memo {what}")

    @property
    def match(self) -> str:
        """What two keys for the same memo have in common (a theme's node key, a path as it is)."""
        return node_key(self.name) if self.kind == "theme" else self.name

    def heading(self) -> str:
        return {"theme": "theme", "document": "document", "project": "the project"}[self.kind] + (
            f" {self.name}" if self.name else ""
        )


def memo_key(kind: str, name: str = "") -> MemoKey:
    """A key from the command line's words (``doc`` is short for ``document``)."""
    if kind not in ALIASES:
        raise MemoError(f"a memo is on a theme, a doc or the project, not {kind!r}")
    return MemoKey(ALIASES[kind], name)


def editor_command(environ: dict[str, str] | None = None) -> list[str]:
    """``$VISUAL``, else ``$EDITOR`` (split as a shell would, so ``code --wait`` works), else ``vi``."""
    environ = dict(os.environ if environ is None else environ)
    chosen = environ.get("VISUAL") or environ.get("EDITOR") or "vi"
    try:
        words = shlex.split(chosen)
    except ValueError as error:
        raise MemoError(f"cannot read the editor command {chosen!r}: {error}") from None
    if not words:
        raise MemoError("the editor command ($VISUAL or $EDITOR) is empty")
    return words


def edit_in_editor(text: str, label: str = "memo") -> str | None:
    """Let the user's editor change ``text`` (in a private temporary ``.md`` file); the text as saved, or None if
    the editor failed (exit status not 0), so a crashed editor never blanks a memo."""
    command = editor_command()
    with tempfile.TemporaryDirectory(prefix="marginalia-memo-") as folder:
        safe = "".join(c if c.isalnum() else "-" for c in label)[:40].strip("-") or "memo"
        path = Path(folder) / f"{safe}.md"
        path.write_text(text, encoding="utf-8")
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as error:
            raise MemoError(f"cannot run the editor {command[0]!r}: {error.strerror or error}") from None
        if done.returncode != 0:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
