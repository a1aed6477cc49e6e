"""Every key of the reader has one source: its ``Binding``. The id names it for the keymap, ``description`` is
the footer's word, ``tooltip`` the sentence the help, the palette, ``marginalia keys`` and the README show. This
module lists those bindings room by room, applies the user's keymap to them and words the hints built from them.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    from .memo import MemoScreen
    from .panels import AnnotationsPanel, DocumentsPanel, SidePanel, ThemesPanel

    return [
        MarginaliaApp,
        DocumentView,
        SearchBar,
        ThemeDialog,
        AnnotationsPanel,
        ThemesPanel,
        DocumentsPanel,
        SidePanel,
        ExportDialog,
        CorpusSearch,
        CompareScreen,
        SideBySideLevel,
        Level,
        MemoScreen,
        PromptDialog,
        ConfirmDialog,
    ]


def own_bindings(room: type[DOMNode]) -> list[Binding]:
    """The bindings ``room`` declares itself (not those it inherits)."""
    return [b for b in vars(room).get("BINDINGS", []) if isinstance(b, Binding)]


def all_keys(keymap: dict[str, str] | None = None) -> list[Key]:
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
        binding = by_id[binding_id]
        keys = app._keymap.get(binding_id, binding.key)  # the keymap Textual applies (set by set_keymap)
        first = keys.split(",")[0].strip()  # a hint names one key; the help lists them all
        parts.append(f"{app.get_key_display(binding.with_key(first, key_display=None))} {binding.description}")
    return " · ".join(parts)
