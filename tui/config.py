"""The user's settings, set once in a TOML file in the user config folder: the default store, the colour scheme,
the coder's name, synchronised scrolling and a ``[keymap]`` of binding ids to keys.

A missing file means the defaults. A file or an entry that cannot be used is reported as a one-line problem naming
the file and the entry, and the default is kept for it: the reader always starts. Never imports Textual (which ids
exist is the reader's business: ``tui.ui.keys`` checks the keymap's ids).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_VAR = "MARGINALIA_CONFIG"  # another config file (tests, or a second setup)
FILE_NAME = "config.toml"

# key names Textual uses besides single characters and character names (``question_mark``); modifiers join with +
NAMED_KEYS = {
    *("escape", "enter", "return", "tab", "backspace", "space", "delete", "insert", "home", "end"),
    *("up", "down", "left", "right", "pageup", "pagedown"),
    *(f"f{n}" for n in range(1, 25)),
}
MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
_CHARACTER_NAME = re.compile(r"[a-z][a-z0-9_]*")  # e.g. question_mark, right_square_bracket


@dataclass(frozen=True)
class Config:
    path: Path
    store: Path | None = None
    colour_scheme: str | None = None  # a Textual theme name ("textual-dark", "nord", ...)
    coder: str | None = None  # who codes: credited as the creator of exported annotations
    sync_scroll: bool | None = None
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys, as Textual writes them
    problems: list[str] = field(default_factory=list)


def config_path() -> Path:
    """``$MARGINALIA_CONFIG``, else ``config.toml`` in the user config folder (XDG on Linux)."""
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        return Path(chosen).expanduser().absolute()
    from platformdirs import user_config_path  # imported here: only commands that read the config need it

    return user_config_path("marginalia", appauthor=False) / FILE_NAME


def load(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path)
    except OSError as error:
        return Config(path, problems=[f"{path}: cannot read ({error.strerror or error}); defaults used"])
    import tomllib  # only when there is a file: most starts have none

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Config(path, problems=[f"{path}: not valid TOML ({error}); defaults used"])
    return _parse(path, data)


def _parse(path: Path, data: dict[str, Any]) -> Config:
    problems: list[str] = []

    def setting(name: str, kind: type, what: str) -> Any:
        value = data.pop(name, None)
        if isinstance(value, str):
            value = value.strip() or None  # an empty text is no setting
        if value is None or isinstance(value, kind):
            return value
        problems.append(f"{path}: {name} = {value!r}: expected {what}; the default is used")
        return None

    store = setting("store", str, "a file path")
    colour_scheme = setting("colour-scheme", str, "a colour scheme's name")
    coder = setting("coder", str, "a name")
    sync_scroll = setting("sync-scroll", bool, "true or false")
    keymap = _keymap(path, data.pop("keymap", {}), problems)
    problems += [f"{path}: {name}: no such setting (ignored)" for name in data]
    return Config(
        path,
        store=Path(store).expanduser() if store else None,
        colour_scheme=colour_scheme,
        coder=coder,
        sync_scroll=sync_scroll,
        keymap=keymap,
        problems=problems,
    )


def _keymap(path: Path, table: Any, problems: list[str]) -> dict[str, str]:
    if not isinstance(table, dict):
        problems.append(f"{path}: keymap must be a table ([keymap]); the default keys are used")
        return {}
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        problem = key_problem(keys)
        if problem:
            problems.append(f"{path}: [keymap] {binding_id} = {keys!r}: {problem}; its default key is used")
        else:
            keymap[binding_id] = ",".join(part.strip() for part in keys.split(","))
    return keymap


def key_problem(keys: object) -> str | None:
    """Why ``keys`` (comma-separated, as in a Textual binding: ``h``, ``ctrl+r``, ``d,delete``) is not usable."""
    if not isinstance(keys, str) or not keys.strip():
        return 'expected keys as text, such as "h" or "ctrl+r"'
    for key in (part.strip() for part in keys.split(",")):
        *modifiers, name = key.split("+") if len(key) > 1 else [key]
        if not name or any(m not in MODIFIERS for m in modifiers):
            return f"{key!r} is not a key (modifiers: {', '.join(sorted(MODIFIERS))})"
        if len(name) > 1 and name not in NAMED_KEYS and not _is_character_name(name):
            return f"{key!r} is not a key"
    return None


def _is_character_name(name: str) -> bool:
    import unicodedata

    if not _CHARACTER_NAME.fullmatch(name):
        return False
    try:
        unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return False
    return True
