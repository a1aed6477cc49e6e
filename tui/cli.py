"""The ``marginalia`` command line. Errors are one line on stderr; exit 0 ok, 1 failure, 2 usage."""

from __future__ import annotations

import argparse
import functools
import gc
import io
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import orjson
from rich.cells import cell_len

from . import config, files, state
from .codebook import Codebook, matches, node_key
from .coders import by_coder, coder_key
from .config import Config
from .document import Document, DocumentError, load_document, load_paths, load_paths_leniently, seed_paths
from .formats import snapshot
from .metadata import FIELDS, Metadata, apply_metadata, parse_assignments
from .model import Annotation, check_themes, new_annotation, unique_themes
from .storage import StoreError
from .store import Store, resolve_store_path
from .text import json_safe, safe_line, sanitise, with_ends
from .wording import cut, fit, plural

if TYPE_CHECKING:
    from .library import Report

COMMANDS = (
    "read", "tag", "list", "themes", "theme", "delete", "export", "import", "relink", "matrix", "cooccur", "search",
    "agree", "keys", "config", "resolve", "git", "doc", "memo",
)  # fmt: skip


class Failure(Exception):
    """An expected failure: printed as one line, exit code 1."""


class Usage(Exception):
    """A command used wrongly in a way argparse cannot see: one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: usage error: {message} (see --help)\n")


def _add_store(parser: argparse.ArgumentParser, top: bool = False) -> None:
    # Sub-commands must not reset a --store given before the command name: their default is "absent".
    parser.add_argument(
        "--store",
        metavar="PATH",
        default=None if top else argparse.SUPPRESS,
        help="the annotation store (default: $MARGINALIA_STORE, else the user data folder)",
    )
    parser.add_argument(
        "--max-size",
        metavar="SIZE",
        type=_size,
        default=files.DEFAULT_MAX_SIZE if top else argparse.SUPPRESS,
        help=f"read no document, store or import file larger than this (default {files.human(files.DEFAULT_MAX_SIZE)}; "
        "e.g. 1G)",
    )


def _size(text: str) -> int:
    try:
        return files.parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_coder(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--coder", metavar="NAME", help="who is coding (default: $MARGINALIA_CODER, else your login name)"
    )


def _add_coder_filter(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--coder", dest="coders", action="append", default=[], metavar="NAME", help="only this coder's (repeatable)"
    )


def _add_extraction(parser: argparse.ArgumentParser, all_options: bool = True) -> None:
    """How PDFs, web pages, EPUBs and Word files are turned into text (text files ignore these)."""
    parser.add_argument("--password", metavar="TEXT", help="the password of an encrypted PDF")
    if all_options:
        parser.add_argument(
            "--reextract", action="store_true", help="extract the text again instead of reusing its snapshot"
        )
        parser.add_argument("--whole-page", action="store_true", help="a web page's every part, not just its article")


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table", help="table for people, json for tools")


def build_parser(only_read: bool = False) -> Parser:
    """The parser of every command; with ``only_read``, of the reader's (its start needs no other command's
    options: building them all takes a few percent of it)."""
    parser = Parser(prog="marginalia", description="Read documents side by side, highlight and tag passages by theme.")
    _add_store(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    read = sub.add_parser("read", help="open the reader (the default command; no paths: the bundled seeds)")
    read.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to open side by side")
    read.add_argument("--encoding", help="decode documents with this encoding instead of detecting it")
    read.add_argument(
        "--no-state", action="store_true", help="start fresh: do not restore (nor save) where you left off"
    )
    _add_coder(read)
    _add_extraction(read)
    _add_store(read)
    if only_read:
        return parser
    # what only the other commands use is imported here: the reader's start imports no more than it needs
    from .compare import COUNTS
    from .corpus import CONTEXT

    tag = sub.add_parser("tag", help="highlight every occurrence of a text under one or more themes")
    tag.add_argument("path", metavar="PATH")
    tag.add_argument("--match", required=True, metavar="TEXT", help="the text to highlight")
    tag.add_argument("--theme", action="append", required=True, metavar="NAME", help="a theme (repeat for several)")
    tag.add_argument("--note", default="", metavar="TEXT")
    tag.add_argument("--ignore-case", action="store_true")
    tag.add_argument("--first", action="store_true", help="only the first occurrence")
    tag.add_argument("--encoding")
    _add_coder(tag)
    _add_extraction(tag)
    _add_store(tag)

    listing = sub.add_parser("list", help="list annotations")
    listing.add_argument("--doc", metavar="PATH", help="only this document's")
    listing.add_argument("--theme", metavar="NAME", help="only this theme's (and its subtree's: a/b is under a)")
    listing.add_argument("--conflicts", action="store_true", help="only annotations a git merge left in conflict")
    _add_coder_filter(listing)
    _add_format(listing)
    _add_store(listing)

    themes = sub.add_parser("themes", help="list themes with their colour, description and counts")
    _add_format(themes)
    _add_store(themes)

    theme = sub.add_parser("theme", help="rename, merge, describe, recolour or delete themes")
    theme_sub = theme.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    rename = theme_sub.add_parser("rename", help="rename a theme everywhere")
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    merge = theme_sub.add_parser("merge", help="merge themes into one")
    merge.add_argument("names", nargs="+", metavar="NAME")
    merge.add_argument("--into", required=True, metavar="NAME")
    describe = theme_sub.add_parser("describe", help="set a theme's description")
    describe.add_argument("name", metavar="NAME")
    describe.add_argument("text", metavar="TEXT")
    recolour = theme_sub.add_parser("recolour", help="set a theme's colour (#rrggbb)")
    recolour.add_argument("name", metavar="NAME")
    recolour.add_argument("colour", metavar="COLOUR")
    delete_theme = theme_sub.add_parser("delete", help="delete a theme (its highlights stay)")
    delete_theme.add_argument("name", metavar="NAME")
    delete_theme.add_argument("--yes", action="store_true", help="do not ask")
    for action in (rename, merge, describe, recolour, delete_theme):
        _add_store(action)
    _add_store(theme)

    delete = sub.add_parser("delete", help="delete an annotation by id (or a unique id prefix)")
    delete.add_argument("id", metavar="ID")
    _add_store(delete)

    relinking = sub.add_parser("relink", help="point a moved or renamed file's annotations at its new path")
    relinking.add_argument("old", metavar="OLD_PATH", help="where they point now (may be gone; a folder: its files)")
    relinking.add_argument("new", metavar="NEW_PATH", help="where the file (or folder) is now")
    relinking.add_argument("--encoding", help="decode the new file with this encoding instead of detecting it")
    _add_store(relinking)

    export = sub.add_parser("export", help="export annotations as Markdown or W3C Web Annotation JSON-LD")
    export.add_argument("--by", choices=("theme", "document"), default="theme", help="Markdown sections by (theme)")
    export.add_argument("--theme", action="append", default=[], metavar="NAME", help="only this theme (repeatable)")
    export.add_argument("--doc", action="append", default=[], metavar="PATH", help="only this document (repeatable)")
    export.add_argument("--format", choices=("markdown", "w3c", "csv"), default="markdown")
    export.add_argument(
        "--verbatim", action="store_true", help="csv: no leading ' on cells starting with = + - @ (see README)"
    )
    _add_coder_filter(export)
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    _add_store(export)

    matrix = sub.add_parser("matrix", help="themes x documents: passages, characters or percent of text coded")
    matrix.add_argument(
        "--cols",
        default="document",
        metavar="BY",
        help="columns: document (default), or a document attribute (author, date, ...)",
    )
    matrix.add_argument("--count", choices=COUNTS, default="passages", help="what each cell counts (passages)")
    matrix.add_argument("--theme", action="append", default=[], metavar="NAME", help="only this theme and its subtree")
    matrix.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _add_store(matrix)

    cooccur = sub.add_parser("cooccur", help="themes x themes: passages coded with both, or overlapping")
    cooccur.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _add_store(cooccur)

    search = sub.add_parser("search", help="search documents; keyword-in-context hits with offsets")
    search.add_argument("text", metavar="TEXT")
    search.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    search.add_argument("--regex", action="store_true", help="TEXT is a Python regular expression")
    search.add_argument("--ignore-case", action="store_true")
    search.add_argument("--context", type=int, default=CONTEXT, metavar="N", help=f"characters either side ({CONTEXT})")
    search.add_argument("--encoding")
    _add_format(search)
    _add_store(search)  # unused: every command takes it

    importing = sub.add_parser("import", help="import W3C or Hypothesis-style annotation JSON")
    importing.add_argument("file", metavar="FILE")
    importing.add_argument("--doc", metavar="PATH", help="anchor every annotation in this document")
    importing.add_argument(
        "--folder",
        action="append",
        default=[],
        metavar="DIR",
        help="also anchor into files directly in DIR (besides the store's documents, the import file's folder and "
        "the current folder; nothing else is ever opened)",
    )
    _add_coder(importing)
    _add_store(importing)

    agree = sub.add_parser("agree", help="how far two coders agree, theme by theme (kappa, alpha, disagreements)")
    agree.add_argument(
        "--coder", dest="coders", action="append", required=True, metavar="NAME", help="a coder (give two)"
    )
    agree.add_argument("--theme", action="append", metavar="NAME", help="only this theme (repeatable; default: all)")
    agree.add_argument("--doc", action="append", metavar="PATH", help="only this document (repeatable)")
    agree.add_argument("--unit", choices=("character", "sentence", "paragraph"), default="character")
    agree.add_argument("--limit", type=int, default=10, metavar="N", help="table: disagreements shown per theme")
    _add_format(agree)
    _add_store(agree)

    keys = sub.add_parser("keys", help="list the reader's keys as the config file's keymap has them")
    keys.add_argument("--format", choices=("table", "json"), default="table", help="table for people, json for tools")
    _add_store(keys)  # unused: every command takes it

    config = sub.add_parser("config", help="where the config file is (settings and keymap: see README)")
    config.add_argument("action", choices=("path",), metavar="ACTION", help="path: print the config file's path")
    _add_store(config)  # unused: every command takes it
    resolve = sub.add_parser("resolve", help="end a git merge conflict on an annotation: show or pick a version")
    resolve.add_argument("id", metavar="ID")
    resolve.add_argument("--take", type=int, metavar="N", help="keep version N (0: the one shown now)")
    _add_store(resolve)

    git = sub.add_parser("git", help="work on the store through git (init: set up; merge: git's merge driver)")
    git_sub = git.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    git_init = git_sub.add_parser("init", help="register the merge driver and ignore rules in this work tree")
    _add_store(git_init)
    git_merge = git_sub.add_parser("merge", help="the merge driver git runs: BASE OURS THEIRS [PATH]")
    for name in ("base", "ours", "theirs"):
        git_merge.add_argument(name, metavar=name.upper())
    git_merge.add_argument("path", nargs="?", default="", metavar="PATH")
    _add_store(git_merge)  # accepted like everywhere, unused: git names the files
    _add_store(git)

    doc = sub.add_parser("doc", help="show or set a document's title, authors, date and URL (for citations)")
    doc_sub = doc.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    show = doc_sub.add_parser("show", help="what a document is: format, pages or chapters, snapshot, metadata")
    show.add_argument("path", metavar="PATH")
    _add_format(show)
    _add_extraction(show, all_options=False)
    setting = doc_sub.add_parser("set", help="set metadata by hand: title=... author=... date=YYYY-MM-DD url=...")
    setting.add_argument("path", metavar="PATH")
    setting.add_argument("fields", nargs="+", metavar="FIELD=VALUE", help="author= may repeat; empty clears")
    for action in (show, setting):
        _add_store(action)
    _add_store(doc)

    memo = sub.add_parser("memo", help="a Markdown memo on a theme, a document or the project: edit or show")
    memo_sub = memo.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    memo_edit = memo_sub.add_parser("edit", help="write the memo in $VISUAL or $EDITOR")
    memo_show = memo_sub.add_parser("show", help="print a memo (no KIND: every memo, under its heading)")
    for action, optional in ((memo_edit, False), (memo_show, True)):
        action.add_argument("kind", nargs="?" if optional else None, choices=("theme", "doc", "project"), metavar="KIND",
                            help="theme, doc or project")  # fmt: skip
        action.add_argument(
            "name", nargs="?", default="", metavar="NAME", help="the theme's name or the document's path"
        )
        _add_store(action)
    _add_store(memo)
    return parser


def _with_command(argv: list[str]) -> list[str]:
    """``marginalia [PATH ...]`` means ``marginalia read [PATH ...]``."""
    index = _command_at(argv)
    if index < len(argv) and argv[index] in COMMANDS:
        return argv
    if any(a in ("-h", "--help") for a in argv[:index]):
        return argv
    return argv[:index] + ["read"] + argv[index:]


def _command_at(argv: list[str]) -> int:
    """Where the command's name is (or would be) in ``argv``: after the options before it."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in ("--store", "--max-size"):
            index += 2
        elif arg.startswith(("--store=", "--max-size=")) or arg in ("-h", "--help"):
            index += 1
        else:
            break
    return index


def _reads(argv: list[str]) -> bool:
    """``argv`` (with its command) opens the reader, and asks for no help (which lists every command)."""
    index = _command_at(argv)
    return index < len(argv) and argv[index] == "read" and not {"-h", "--help"} & set(argv)


# -- output helpers --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)  # a table repeats its titles, coders and themes row after row
def _clip(text: str, width: int) -> str:
    if len(text) <= width and text.isascii() and text.isprintable() and "  " not in text and text.strip() == text:
        return text  # what ``_flat`` and ``cut`` would leave as it is (ids, spans, names: most cells of a table)
    head = text[: 4 * width + 16]  # a quote is shown in a few dozen cells: flatten only its start
    flat = _flat(head)
    if len(head) < len(text) and fit(flat, width) == flat:  # (whitespace collapsed, or zero-width characters)
        flat = _flat(text)
    return cut(flat, width)


def _flat(text: str) -> str:
    """One line, safe for the terminal: line ends shown as ⏎."""
    return sanitise(" ".join(text.replace("\n", " ⏎ ").split()))


def _table(rows: list[list[str]], headers: list[str], flexible: int) -> str:
    """Fixed-width columns; column ``flexible`` takes the rest of the terminal width."""
    total = shutil.get_terminal_size((120, 24)).columns
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    fixed = sum(w for i, w in enumerate(widths) if i != flexible) + 2 * (len(headers) - 1)
    widths[flexible] = max(12, min(widths[flexible], total - fixed))
    lines = []
    for row in [headers] + rows:
        cells = [_clip(cell, widths[i]).ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def say(line: str, err: bool = False) -> None:
    """Every line the command prints goes through here: whatever it quotes (file names, themes, notes, paths)
    reaches the terminal as placeholders, never as control codes, and a newline in it stays in its line."""
    print(safe_line(line), file=sys.stderr if err else sys.stdout)


def _say_table(rows: list[list[str]], headers: list[str], flexible: int) -> None:
    for line in _table(rows, headers, flexible).split("\n"):
        say(line)


def _print_json(value: object) -> None:
    """JSON is UTF-8 whatever the locale's encoding (RFC 8259): written as bytes where stdout has a buffer; C1 and
    bidi controls are escaped too (``text.json_safe``)."""
    raw = json_safe(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(raw.decode())
        return
    sys.stdout.flush()
    buffer.write(raw)
    buffer.flush()


STREAMED = 1000  # list items serialised at a time: 100,000 annotations are never all held as JSON objects


def _print_json_list(items: Iterable[object]) -> None:
    """``_print_json`` of a list, written a thousand items at a time, byte for byte what the whole list would
    give (each item indented one level deeper: a JSON string never holds a raw newline)."""
    buffer = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()
    start = b"[\n"
    chunk: list[bytes] = []
    for item in items:
        chunk.append(b"  " + orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  "))
        if len(chunk) == STREAMED:
            _write_bytes(buffer, json_safe(start + b",\n".join(chunk)))
            start, chunk = b",\n", []
    if start == b"[\n" and not chunk:
        _write_bytes(buffer, b"[]\n")
        return
    _write_bytes(buffer, json_safe(start + b",\n".join(chunk) if chunk else b"") + b"\n]\n")


def _write_bytes(buffer: Any, raw: bytes) -> None:
    if buffer is None:
        sys.stdout.write(raw.decode())
        return
    buffer.write(raw)
    buffer.flush()


def _settings() -> Config:
    """The config file's settings; what cannot be used in it is said on standard error and left at its default."""
    settings = config.load()
    for problem in settings.problems:
        say(f"marginalia: warning: {problem}", err=True)
    return settings


def _open_store(args: argparse.Namespace, settings: Config | None = None) -> Store:
    settings = settings or _settings()
    coder = getattr(args, "coder", None)  # the commands that make annotations say who makes them
    return Store(resolve_store_path(args.store, settings.store), coder=coder)


# -- commands ----------------------------------------------------------------------------------------------------
def _options(args: argparse.Namespace) -> snapshot.Options:
    return snapshot.Options(
        password=getattr(args, "password", None),
        whole_page=getattr(args, "whole_page", False),
        reextract=getattr(args, "reextract", False),
        progress=_progress_on_stderr(),
    )


def _progress_on_stderr() -> snapshot.Progress | None:
    """A long extraction's progress, on stderr only when it is a terminal (a pipe or a log gets nothing)."""
    if not sys.stderr or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rmarginalia: extracting text: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def cmd_read(args: argparse.Namespace) -> int:
    for word in args.paths:  # ``marginalia frob``: a mistyped command, not a missing file
        if not os.path.lexists(word) and re.fullmatch(r"[a-z][a-z-]*", word):
            raise Usage(f"{word!r} is neither a command nor a file; the commands are {', '.join(COMMANDS)}")
    # a big text file is shown from its start while the reader reads the rest (``Document.read_for``); a file
    # with no snapshot yet is checked, not extracted: the reader extracts it without holding up its keys
    settings = config.load()  # its problems are the reader's notices
    store = _open_store(args, settings)
    documents, problems = load_paths_leniently(
        args.paths or seed_paths(), args.encoding, _options(args), progressive=True, defer=True,
        store=store.path,
    )  # fmt: skip
    if not documents:
        raise Failure(problems[0] if len(problems) == 1 else "; ".join(problems))
    apply_metadata(store, documents)
    from .ui.app import MarginaliaApp  # the only command that needs Textual; it re-anchors in a worker

    saved = None
    if not (args.no_state or state.disabled()):
        saved, problem = state.load()
        problems += [problem] if problem else []
    MarginaliaApp(documents, store, problems, settings=settings, state=saved).run()
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from .ui import keys  # the bindings live with the reader (Textual)

    settings = _settings()
    keymap, problems = keys.checked_keymap(settings)
    for problem in problems:
        say(f"marginalia: warning: {problem}", err=True)
    found = keys.all_keys(keymap)
    if args.format == "json":
        _print_json([{"id": k.id, "keys": k.keys, "description": k.description} for k in found])
        return 0
    rows = [[k.room, ", ".join(k.keys), k.id, k.description] for k in found]
    _say_table(rows, ["where", "keys", "id", "description"], 3)
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    say(str(config.config_path()))
    return 0


def find_spans(text: str, needle: str, ignore_case: bool = False, first: bool = False) -> list[tuple[int, int]]:
    """Non-overlapping occurrences of ``needle`` in ``text`` (offsets into ``text``, never shifted by case)."""
    if not needle:
        return []
    flags = re.IGNORECASE if ignore_case else 0
    spans = []
    for match in re.finditer(re.escape(needle), text, flags):
        spans.append(match.span())
        if first:
            break
    return spans


def cmd_tag(args: argparse.Namespace) -> int:
    from .library import reconcile

    if not args.theme:
        raise Failure("give at least one --theme")
    if not args.match:
        raise Usage("--match needs a text to look for (it is empty)")
    check_themes(unique_themes(args.theme))
    document = load_document(args.path, args.encoding, _options(args))
    needle = args.match.replace("\r\n", "\n")
    spans = find_spans(document.text, needle, args.ignore_case, args.first)
    if not spans:  # scripts can trust the exit code: nothing found is a failure, and nothing is written
        raise Failure(f"no occurrence of {needle!r} in {_clip(document.title, 60)!r}")
    store = _open_store(args)
    apply_metadata(store, [document])
    annotations = [new_annotation(document, s, e, args.theme, args.note) for s, e in spans]
    _note(reconcile(store, [document]))  # old annotations first follow the file's edits, so merging finds them
    # (and the document takes the path its text is annotated under, if another copy of it was tagged first)
    annotations = [new_annotation(document, s, e, args.theme, args.note) for s, e in spans]
    created, merged = store.add_many(annotations, merge=True)
    where = _clip(document.title, 60)
    # an existing highlight gets the new themes, and the note too: notes are kept both, never dropped
    also = "; the note is added to theirs" if args.note else ""
    say(
        f"created {plural(len(created), 'highlight')} of {needle!r} in {where!r}"
        + (f" ({merged} already there{also})" if merged else "")
    )
    return 0


def _doc_filter(path: str | None) -> str | None:
    return str(Path(path).expanduser().resolve()) if path else None


def cmd_list(args: argparse.Namespace) -> int:
    from .library import load_and_reconcile

    store = _open_store(args)
    doc = _doc_filter(args.doc)
    if doc and not store.annotations(doc=doc):
        raise Failure(f"{doc}: no annotations on this document")  # as export says
    documents, report = load_and_reconcile(store, [doc] if doc else None)
    _note(report)
    annotations = store.annotations(doc=doc, coders=args.coders)
    if args.theme:  # a parent theme lists its subtree too
        used = {t for a in annotations for t in a.themes}
        if node_key(args.theme) not in Codebook(store.themes(), used):
            raise Failure(f"no theme named {args.theme.strip()!r}")
        annotations = [a for a in annotations if matches(a, [args.theme])]
    if args.conflicts:
        annotations = [a for a in annotations if a.conflicted]
    if args.format == "json":
        overrides = store.all_document_metadata()
        _print_json_list(_public(annotations, documents, overrides))
        return 0
    if not annotations:
        say("no annotations")
        return 0
    rows = [_annotation_row(a) for a in annotations]
    _say_table(rows, ["ID", "DOCUMENT", "SPAN", "CODER", "THEMES", "QUOTE", "NOTE"], flexible=5)
    conflicts = sum(a.conflicted for a in annotations)
    if conflicts:
        print(
            f"{plural(conflicts, 'annotation')} edited on both sides of a git merge "
            "(marginalia resolve ID to choose a version)",
            file=sys.stderr,
        )
    return 0


def _public(annotations: list[Annotation], documents: dict[str, Document], overrides: dict) -> Iterator[dict]:
    """The annotations as ``list --format json`` gives them: each with its page (a PDF's label, else null) and its
    document's metadata (the file's and what was set by hand; only the latter if the file is gone), made once a
    document."""
    metadata: dict[str, dict | None] = {}
    for annotation in annotations:
        path = annotation.document.path
        document = documents.get(path)
        if path not in metadata:
            found = document.metadata if document is not None else overrides.get(path)
            metadata[path] = found.to_record() if found is not None else None
        shape = annotation.public()
        shape["page"] = document.page_of(annotation.start) if document is not None else None
        shape["metadata"] = metadata[path]
        yield shape


def _annotation_row(annotation: Annotation) -> list[str]:
    score = "" if annotation.score is None else f" {annotation.score:.2f}"
    status = "" if annotation.status == "anchored" else f" [{annotation.status}{score}]"
    if annotation.conflicted:
        status += " [conflict]"
    return [
        annotation.id[:8],
        _clip(annotation.document.title, 28),
        f"{annotation.start}-{annotation.end}{status}",
        _clip(annotation.coder or "-", 16),
        ", ".join(annotation.themes) or "-",
        annotation.quote,
        _clip(annotation.note, 30),
    ]


def cmd_themes(args: argparse.Namespace) -> int:
    store = _open_store(args)
    counts = store.theme_counts()
    themes = store.themes()
    if args.format == "json":
        _print_json([
            {"name": t.name, "colour": t.colour, "description": t.description, "id": t.id,
             **({"conflict": t.conflict} if t.conflict else {}),
             "counts": dict(sorted(counts[t.key].items())), "total": sum(counts[t.key].values())}
            for t in themes
        ])  # fmt: skip
        return 0
    if not themes:
        say("no themes")
        return 0
    titles = {a.document.path: a.document.title for a in store.annotations()}
    rows = []
    for theme in themes:
        per_doc = "; ".join(f"{_clip(titles[p], 24)}: {n}" for p, n in sorted(counts[theme.key].items()))
        rows.append([theme.name, theme.colour, str(sum(counts[theme.key].values())), per_doc or "-", theme.description])
    _say_table(rows, ["THEME", "COLOUR", "TOTAL", "PER DOCUMENT", "DESCRIPTION"], flexible=3)
    for theme in themes:
        for note in theme.conflict_notes():
            say(note)
    return 0


def cmd_theme(args: argparse.Namespace) -> int:
    store = _open_store(args)
    if args.action == "rename":
        if " ".join(args.old.split()) == " ".join(args.new.split()):
            raise Failure(f"theme {args.old.strip()!r} already has that name: nothing renamed")
        theme = store.rename_theme(args.old, args.new)
        say(f"renamed {args.old.strip()!r} to {theme.name!r}")
    elif args.action == "merge":
        theme = store.merge_themes(args.names, args.into)
        say(f"merged {', '.join(repr(n) for n in args.names)} into {theme.name!r}")
    elif args.action == "describe":
        theme = store.describe_theme(args.name, args.text)
        say(f"described {theme.name!r}")
    elif args.action == "recolour":
        theme = store.recolour_theme(args.name, args.colour)
        say(f"{theme.name!r} is now {theme.colour}")
    elif args.action == "delete":
        theme = store.theme(args.name)
        if not args.yes and not _confirm(f"delete theme {theme.name!r} from every annotation?"):
            raise Failure(f"theme {theme.name!r} not deleted (pass --yes to delete without asking)")
        _, changed = store.delete_theme(args.name)
        say(f"deleted theme {theme.name!r} ({plural(changed, 'annotation')} changed)")
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def cmd_relink(args: argparse.Namespace) -> int:
    from .library import relink

    report = relink(_open_store(args), args.old, args.new, args.encoding)
    if not report.saved and not report.conflicts:
        raise Failure(f"nothing relinked: {report.summary() or 'the annotations already point there'}")
    count = len(report.saved)
    say(f"relinked {plural(count, 'annotation')} to {args.new}")
    report.relinked = 0  # just said
    _note(report)
    return 0


def _note(report: Report) -> None:
    """What loading documents changed in the store, on stderr (stdout stays the command's output)."""
    summary = report.summary()
    if summary:
        say(f"marginalia: {_one_line(summary)}", err=True)


def cmd_delete(args: argparse.Namespace) -> int:
    annotation = _open_store(args).delete(args.id)
    say(f"deleted {annotation.id[:8]} ({_clip(annotation.quote, 50)!r})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .export import render_store, write_export

    docs = [p for p in map(_doc_filter, args.doc) if p]
    store = _open_store(args)
    text = render_store(
        store, args.format, args.by, args.theme or None, docs or None, guard=not args.verbatim, coders=args.coders
    )
    if args.output and args.output != "-":
        say(f"wrote {write_export(text, args.output, args.force)}")
        return 0
    _write_text(text)
    return 0


def _write_text(text: str) -> None:
    """Text as UTF-8 whatever the terminal's encoding (CSV, like JSON, is a UTF-8 file)."""
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write(text.encode("utf-8"))
        out.flush()


def _loaded(args: argparse.Namespace) -> tuple[Store, list[Annotation], dict]:
    from .library import load_and_reconcile

    store = _open_store(args)
    documents, report = load_and_reconcile(store)
    _note(report)
    return store, store.annotations(), documents


def cmd_matrix(args: argparse.Namespace) -> int:
    from . import reports

    store, annotations, documents = _loaded(args)
    matrix = reports.matrix_for(annotations, store.themes(), documents, args.cols, args.theme)
    if args.format == "json":
        _print_json(reports.matrix_json(matrix, args.cols))
    elif args.format == "csv":
        _write_text(reports.matrix_csv(matrix, args.count))
    elif not matrix.codebook.order:
        say("no themes")
    else:
        labels = [_clip(c.label, 24) for c in matrix.columns]
        rows = [
            [name, *[reports.format_value(v, args.count) for v in values]]  # full names: the tree's order shows
            for name, _, values in reports.matrix_rows(matrix, args.count)
        ]
        _say_table(rows, [f"THEME ({args.count})", *labels], flexible=0)
    return 0


def cmd_cooccur(args: argparse.Namespace) -> int:
    from . import reports

    store, annotations, _ = _loaded(args)
    themes = store.themes()
    if args.format == "json":
        _print_json(reports.cooccurrence_json(annotations, themes))
        return 0
    names, square = reports.cooccurrence_rows(annotations, themes)
    if args.format == "csv":
        _write_text(reports.write_csv(["theme", *names], [[n, *row] for n, row in zip(names, square)]))
    elif not names:
        say("no themes")
    else:
        rows = [
            [f"{n}. {name}", *("·" if v is None else str(v) for v in row)]
            for n, (name, row) in enumerate(zip(names, square), 1)
        ]
        _say_table(rows, ["THEME", *(str(n) for n in range(1, len(names) + 1))], flexible=0)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .corpus import compile_pattern, hits

    if args.context < 0:
        raise Failure("--context must be 0 or more")
    pattern = compile_pattern(args.text, args.regex, args.ignore_case)
    store_path = resolve_store_path(args.store, config.load().store)
    documents = load_paths(args.paths, args.encoding, store=store_path)
    found = [hit for document in documents for hit in hits(document.key, document.text, pattern, args.context)]
    if args.format == "json":
        _print_json([hit.public() for hit in found])
        return 0
    if not found:
        say("no matches")
        return 0
    width = shutil.get_terminal_size((120, 24)).columns
    side = max(10, (width - 40) // 2)
    for document in documents:
        mine = [h for h in found if h.path == document.key]
        if not mine:
            continue
        say(f"{_clip(document.title, width - 20)}  ({plural(len(mine), 'match', 'matches')})")
        for hit in mine:
            left = cut(
                with_ends(hit.left, _flat(hit.left)), side, keep_end=True
            )  # cut where it is furthest from the match
            right = cut(with_ends(hit.right, _flat(hit.right)), side)
            left = " " * (side - cell_len(left)) + left  # right-aligned by cells, not characters
            say(f"  {hit.start:>8}  {left}[{_clip(hit.match, 30)}]{right}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .w3c import import_file

    report = import_file(_open_store(args), args.file, args.doc, args.folder)
    for line in report.lines():
        say(line)
    return 0


def cmd_agree(args: argparse.Namespace) -> int:
    from .agreement import compare
    from .library import load_and_reconcile

    if len(args.coders) != 2 or coder_key(args.coders[0]) == coder_key(args.coders[1]):
        raise Failure("give two different coders: --coder A --coder B")
    store = _open_store(args)
    annotations = store.annotations()
    for name in args.coders:
        if not any(coder_key(a.coder) == coder_key(name) for a in annotations):
            raise Failure(f"no annotations by coder {name!r}")
    if args.theme:
        book = Codebook(store.themes(), {t for a in annotations for t in a.themes})
        for name in args.theme:
            if node_key(name) not in book:
                raise Failure(f"no theme named {name.strip()!r}")
    docs = [p for p in map(_doc_filter, args.doc or []) if p]
    mine = [a for a in by_coder(annotations, args.coders) if not docs or a.document.path in docs]
    documents, report = load_and_reconcile(store, sorted({a.document.path for a in mine}))
    _note(report)
    mine = [a for a in by_coder(store.annotations(), args.coders) if not docs or a.document.path in docs]
    result = compare(mine, documents, args.coders[0], args.coders[1], args.theme, args.unit)
    for path in result.skipped:
        say(f"marginalia: skipped {path}: cannot read it (its annotations are not compared)", err=True)
    if args.format == "json":
        _print_json(result.as_json())
        return 0
    _say_agreement(result, args.limit)
    return 0


def _figure(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.1f}%" if percent else f"{value:.3f}"


def _say_agreement(result: Any, limit: int) -> None:
    a, b = result.coders
    unit = result.unit + "s"
    say(f"{_clip(a, 30)} and {_clip(b, 30)}, by {unit}, over {len(result.documents)} document(s)")
    rows = [
        [t.theme, str(t.units), str(t.both + t.only_a), str(t.both + t.only_b), str(t.both),
         _figure(t.percent, True), _figure(t.kappa), _figure(t.alpha)]
        for t in result.themes
    ]  # fmt: skip
    headers = ["THEME", unit.upper(), _clip(a, 12).upper(), _clip(b, 12).upper(), "BOTH", "AGREE", "KAPPA", "ALPHA"]
    _say_table(rows, headers, flexible=0)
    for theme in result.themes:
        if not theme.disagreements:
            continue
        say("")
        say(f"{theme.theme}: {len(theme.disagreements)} passage(s) only one coder put under it")
        for d in theme.disagreements[: max(limit, 0)]:
            say(f"  {_clip(d.title, 30)} {d.start}-{d.end}  only {_clip(d.coded_by, 16)}: {_clip(d.quote, 60)}")
        if len(theme.disagreements) > limit:
            say(f"  ... and {len(theme.disagreements) - limit} more (--limit N, or --format json for all)")


def cmd_resolve(args: argparse.Namespace) -> int:
    store = _open_store(args)
    annotation = store.get(args.id)
    if args.take is None:
        if not annotation.conflicted:
            raise Failure(f"annotation {annotation.id[:8]} has no conflict to resolve")
        versions = [annotation.to_record(), *(annotation.conflict or [])]
        say(f"annotation {annotation.id[:8]} has {len(versions)} versions from a git merge:")
        for n, version in enumerate(versions):
            if version.get("deleted") is True:
                say(f"  {n}: deleted")
                continue
            themes = ", ".join(version["themes"]) or "-"
            say(f"  {n}: {version['start']}-{version['end']} by {version.get('coder') or '-'}; themes: {themes}; "
                f"note: {_clip(version['note'], 40) or '-'}; quote: {_clip(version['quote'], 40)}")  # fmt: skip
        say("keep one with: marginalia resolve ID --take N")
        return 1
    kept = store.resolve(annotation.id, args.take)
    say(f"resolved {annotation.id[:8]}: " + ("deleted" if kept is None else f"version {args.take} kept"))
    return 0


def cmd_git(args: argparse.Namespace) -> int:
    from .gitmerge import MergeError, merge_files, own_program, setup

    try:
        if args.action == "init":
            for line in setup(resolve_store_path(args.store), own_program()):
                say(line)
            return 0
        report = merge_files(Path(args.base), Path(args.ours), Path(args.theirs), args.path)
    except MergeError as error:
        raise Failure(str(error)) from None
    for line in report.lines():
        say(line, err=True)
    return 0


def cmd_doc(args: argparse.Namespace) -> int:
    store = _open_store(args)
    key = _doc_filter(args.path) or ""
    if args.action == "set":
        try:
            fields = parse_assignments(args.fields)
        except ValueError as error:
            raise Failure(str(error)) from None
        if not Path(key).is_file() and not store.annotations(doc=key):
            raise Failure(f"{key}: no such file, and no annotations point there")
        store.set_document_metadata(key, fields)
        say(f"set {', '.join(f for f in FIELDS if f in fields)} of {sanitise(key)}")
        return 0
    document = load_document(args.path, options=snapshot.Options(password=args.password))
    apply_metadata(store, [document])
    by_hand = store.document_metadata(document.key)
    if args.format == "json":
        _print_json({
            "path": document.key, "format": document.kind, "extractor": document.extractor or None,
            "pages": len(document.pages) or None, "chapters": [t for _, t in document.chapters] or None,
            "metadata": document.metadata.to_record(), "set_by_hand": [f for f, v in by_hand.to_record().items() if v],
        })  # fmt: skip
        return 0
    say(f"path:      {sanitise(document.key)}")
    say(f"format:    {document.kind}" + (f" (text by {document.extractor})" if document.extractor else ""))
    if document.pages:
        say(f"pages:     {len(document.pages)} ({document.pages[0][1]}–{document.pages[-1][1]})")
    if document.chapters:
        say(f"chapters:  {len(document.chapters)}: " + _clip("; ".join(t for _, t in document.chapters), 100))
    say(f"length:    {len(document.text)} characters")
    _print_metadata(document.metadata, by_hand)
    return 0


def _print_metadata(metadata: Metadata, by_hand: Metadata) -> None:
    hand = by_hand.to_record()
    for name, value in metadata.to_record().items():
        shown = "; ".join(value) if isinstance(value, list) else value
        mark = " (set by hand)" if hand.get(name) else ""
        say(f"{name + ':':<10} {_clip(shown, 100) if shown else '-'}{mark}")


def cmd_memo(args: argparse.Namespace) -> int:
    from .memos import MemoError, MemoKey, edit_in_editor, memo_key

    store = _open_store(args)
    if args.kind is None:
        memos = store.memos()
        for key in sorted(memos, key=lambda k: (("project", "theme", "document").index(k.kind), k.name)):
            say(f"── memo on {key.heading()} ──")
            _say_memo(memos[key])
        if not memos:
            say("no memos yet (marginalia memo edit theme|doc|project [NAME])", err=True)
        return 0
    try:
        key = memo_key(args.kind, _doc_filter(args.name) or "" if args.kind == "doc" else args.name.strip())
    except MemoError as error:
        raise Usage(str(error)) from None
    if key.kind == "theme":
        used = {t for a in store.annotations() for t in a.themes}
        book = Codebook(store.themes(), used)
        if key.match not in book:
            raise Failure(f"no theme named {args.name.strip()!r}")
        key = MemoKey("theme", book.nodes[key.match].name)  # as the codebook spells it
    elif key.kind == "document" and not Path(key.name).is_file() and not store.annotations(doc=key.name):
        raise Failure(f"{key.name}: no such file, and no annotations point there")
    before = store.memo(key)
    if args.action == "show":
        if not before.strip():
            raise Failure(f"no memo on {key.heading()}")
        _say_memo(before)
        return 0
    try:
        text = edit_in_editor(before, key.heading())
    except MemoError as error:
        raise Failure(str(error)) from None
    if text is None:
        raise Failure(f"the editor failed; the memo on {key.heading()} is unchanged")
    if text == before or (not text.strip() and not before.strip()):
        say(f"memo on {key.heading()} unchanged")
        return 0
    try:
        store.set_memo(key, text, expect=before)
    except StoreError as error:  # another process wrote it meanwhile: keep the user's words in a file
        kept = store.path.with_name(f"memo-not-saved-{os.getpid()}.md")
        kept.write_text(text, encoding="utf-8")
        raise Failure(f"{error}; your text is in {kept}") from None
    say(f"memo on {key.heading()} " + ("removed" if not text.strip() else "saved"))
    return 0


def _say_memo(text: str) -> None:
    for line in text.rstrip("\n").split("\n"):
        say(sanitise(line).replace("\t", "    "))


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "read": cmd_read,
    "tag": cmd_tag,
    "list": cmd_list,
    "themes": cmd_themes,
    "theme": cmd_theme,
    "delete": cmd_delete,
    "relink": cmd_relink,
    "export": cmd_export,
    "import": cmd_import,
    "matrix": cmd_matrix,
    "cooccur": cmd_cooccur,
    "search": cmd_search,
    "agree": cmd_agree,
    "keys": cmd_keys,
    "config": cmd_config,
    "resolve": cmd_resolve,
    "git": cmd_git,
    "doc": cmd_doc,
    "memo": cmd_memo,
}


def main(argv: Sequence[str] | None = None) -> int:
    # The reader's start makes tens of thousands of objects that live as long as it does (modules, classes,
    # widgets): collecting garbage among them before the first screen costs a tenth of the start and frees
    # nothing. The reader turns the collector back on once its first screen is drawn (``MarginaliaApp``).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()


def _main(argv: Sequence[str] | None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a character gets an escape, not a crash
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    words = _with_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser(only_read=_reads(words))
    args = parser.parse_args(words)
    if args.command != "read":
        gc.enable()  # the other commands' work is the user's data: collected as usual
    if args.store == "":
        parser.error("--store needs a path (an empty one would silently mean the default store)")
    files.max_size = args.max_size
    thresholds = gc.get_threshold()
    if args.command != "read":
        # collected, but a hundred times less often: run every 700 new objects while 100,000 annotations were
        # parsed, the collector took 40% of a listing's time (a higher threshold keeps four fifths of the gain)
        gc.set_threshold(100_000, 50, 100)
    try:
        # snapshots live next to the store this command uses (--store, $MARGINALIA_STORE, the config file's)
        snapshot.use_folder(snapshot.folder_for_store(resolve_store_path(args.store, config.load().store)))
        return HANDLERS[args.command](args)
    except Usage as error:
        say(f"marginalia: usage error: {_one_line(str(error))} (see --help)", err=True)
        return 2
    except (Failure, DocumentError, StoreError, ValueError) as error:
        say(f"marginalia: error: {_one_line(str(error))}", err=True)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as error:  # what no command foresaw (a full disk under a temporary file...): still one line
        where = f"{error.filename}: " if error.filename else ""
        say(f"marginalia: error: {_one_line(where + (error.strerror or str(error)))}", err=True)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        gc.set_threshold(*thresholds)
        snapshot.use_folder(None)  # the next caller in this process (a test) may use another store


def _one_line(message: str) -> str:
    return " ".join(sanitise(message).split())


if __name__ == "__main__":
    sys.exit(main())
