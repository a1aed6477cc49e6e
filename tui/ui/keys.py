"""Every key of the reader has one source: its ``Binding``. The id names it for the keymap, ``description`` is
the footer's word, ``tooltip`` the sentence the help, the palette, ``marginalia keys`` and the README show. This
module lists those bindings room by room, applies the user's keymap to them and words the hints built from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import _normalize_key_list  # Textual's own spelling of keys ("?" -> "question_mark")

from ..config import Config


@dataclass(frozen=True)
class Key:
    """A binding as the user has it: the keymap applied."""

    id: str
    keys: list[str]
    description: str
    room: str
    binding: Binding


def rooms() -> list[type[DOMNode]]:
    """Where marginalia's bindings live, in the order the help lists them."""
    from .app import MarginaliaApp, SearchBar
    from .compare import CompareScreen, Level, SideBySideLevel
    from .corpus_search import CorpusSearch
    from .dialogs import ConfirmDialog, PromptDialog, ThemeDialog
    from .document_view import DocumentView
    from .export_dialog import ExportDialog
    from .help import HelpScreen
    from .memo import MemoScreen
    from .panels import AnnotationsPanel, DocumentsPanel, SidePanel, ThemesPanel, ThemeTable
    from .passages import PassageColumn
    from .review import ReviewPanel
    from .safe_input import SafeInput

    return [
        MarginaliaApp,
        DocumentView,
        SearchBar,
        ThemeDialog,
        AnnotationsPanel,
        ReviewPanel,
        ThemesPanel,
        ThemeTable,
        DocumentsPanel,
        SidePanel,
        ExportDialog,
        CorpusSearch,
        CompareScreen,
        SideBySideLevel,
        Level,
        PassageColumn,
        MemoScreen,
        PromptDialog,
        ConfirmDialog,
        HelpScreen,
        SafeInput,
    ]


def own_bindings(room: type[DOMNode]) -> list[Binding]:
    """The bindings ``room`` declares itself (not those it inherits)."""
    return [b for b in vars(room).get("BINDINGS", []) if isinstance(b, Binding)]


def all_keys(keymap: Mapping[str, str] | None = None) -> list[Key]:
    keymap = keymap or {}
    found = []
    for room in rooms():
        for binding in own_bindings(room):
            assert binding.id, f"{room.__name__}: binding {binding.key!r} has no id"
            keys = keymap.get(binding.id, binding.key)
            found.append(
                Key(
                    binding.id,
                    _normalize_key_list(keys).split(","),
                    binding.tooltip or binding.description.capitalize(),
                    room.BINDING_GROUP_TITLE or room.__name__,
                    binding,
                )
            )
    return found


def checked_keymap(config: Config) -> tuple[dict[str, str], list[str]]:
    """The config's keymap without unknown ids, and one problem per unknown id (naming the file and the entry)."""
    if not config.keymap:  # nothing to check: the screens that declare the other keys are not imported at start
        return {}, []
    known = {key.id for key in all_keys()}
    keymap = {i: keys for i, keys in config.keymap.items() if i in known}
    problems = [
        f"{config.path}: [keymap] {i}: no such key id (marginalia keys lists them); ignored"
        for i in config.keymap
        if i not in known
    ]
    return keymap, problems


def hint(app: App[Any], room: type[DOMNode], ids: Iterable[str], extra: Iterable[str] = ()) -> str:
    """``r rename · m merge · ...``: the keys of ``ids`` in ``room`` as the user has them, with their words."""
    by_id = {b.id: b for b in own_bindings(room)}
    parts = list(extra)
    for binding_id in ids:
        parts.append(f"{key_name(app, room, binding_id)} {by_id[binding_id].description}")
    return " · ".join(parts)


# The reader's keys by task, for the help (``?``). A new key of the reader (``MarginaliaApp``, ``DocumentView``,
# ``SearchBar``) goes in one of these; ``tests/test_help.py`` says which id is missing. Keys of the panels and
# dialogs are listed by room, after these.
TASKS: dict[str, tuple[str, ...]] = {
    "Read": (
        "cursor-up", "cursor-up-vi", "cursor-down", "cursor-down-vi", "cursor-left", "cursor-right", "page-up",
        "page-down", "row-start", "row-end", "document-top", "document-bottom", "next-word", "previous-word",
        "next-sentence", "previous-sentence", "next-paragraph", "previous-paragraph", "next-pane", "previous-pane", "sync-scroll", "search", "next-match",
        "previous-match", "search-close",
    ),
    "Select": (
        "select", "clear-selection", "select-cursor-up", "select-cursor-down", "select-cursor-left",
        "select-cursor-right", "select-page-up", "select-page-down", "select-row-start", "select-row-end",
        "select-sentence", "select-paragraph", "other-end",
    ),
    "Highlight": ("highlight", "edit", "change-extent", "save-extent", "delete", "next-highlight", "previous-highlight",
                  "undo", "redo", "coders"),
    "Panels": ("annotations", "review", "themes", "search-all", "compare", "documents", "memo-document"),
    "Export": ("export",),
    "Other": ("help", "quit"),
}  # fmt: skip


def reader_rooms() -> list[type[DOMNode]]:
    """The rooms whose keys work while reading, listed by task (the rest, by room)."""
    from .app import MarginaliaApp, SearchBar
    from .document_view import DocumentView

    return [MarginaliaApp, DocumentView, SearchBar]


Row = tuple[list[str], str]  # the keys as shown, what they do


def help_sections(app: App[Any]) -> list[tuple[str, list[Row]]]:
    """The help's sections: the reader's keys by task, then each panel's and dialog's own, as the user's keymap
    has them. Keys that do the same (the same sentence) share a row."""
    found = all_keys(app._keymap)
    reader = {room.BINDING_GROUP_TITLE or room.__name__ for room in reader_rooms()}
    by_id = {key.id: key for key in found if key.room in reader}
    tasked = {i for ids in TASKS.values() for i in ids}
    sections = []
    for task, ids in TASKS.items():
        chosen = [by_id[i] for i in ids if i in by_id]
        if task == "Other":  # and any reader key not given a task yet: listed all the same
            chosen += [key for key in by_id.values() if key.id not in tasked]
        rows = _rows(app, chosen)
        if task == "Other":
            palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette")
            rows.insert(0, ([app.get_key_display(palette)], "Command palette: every action by name"))
        sections.append((task, rows))
    rooms: dict[str, list[Key]] = {}
    for key in found:
        if key.room not in reader:
            rooms.setdefault(key.room, []).append(key)
    sections += [(room, _rows(app, keys)) for room, keys in rooms.items()]
    return sections


def _rows(app: App[Any], found: list[Key]) -> list[Row]:
    rows: dict[str, list[str]] = {}
    for key in found:
        shown = rows.setdefault(key.description, [])
        shown += [app.get_key_display(key.binding.with_key(k, key_display=None)) for k in key.keys]
    return [(shown, description) for description, shown in rows.items()]


def key_name(app: App[Any], room: type[DOMNode], binding_id: str) -> str:
    """The key of ``binding_id`` in ``room`` as the user has it (its first, where several are bound)."""
    binding = next(b for b in own_bindings(room) if b.id == binding_id)
    keys = app._keymap.get(binding_id, binding.key)  # the keymap Textual applies (set by set_keymap)
    first = keys.split(",")[0].strip()  # a hint names one key; the help lists them all
    return app.get_key_display(binding.with_key(first, key_display=None))
