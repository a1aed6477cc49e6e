"""Where the reader left off: per document the cursor and the first row shown, and for the app the colour scheme,
synchronised scrolling and the export dialog's last choices. Kept in the user state folder (never in the
annotation store), written atomically; a missing file is a fresh start, a broken one is ignored with one problem.
``--no-state`` or ``$MARGINALIA_NO_STATE`` starts fresh and writes nothing. Never imports Textual."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .files import write_atomically

ENV_VAR = "MARGINALIA_NO_STATE"
FILE_NAME = "state.json"
MAX_DOCUMENTS = 200  # the places of the documents read most recently; older ones are forgotten


@dataclass(frozen=True)
class Place:
    fingerprint: str  # the text it was for: a changed document starts at its top
    cursor: int
    top: int  # the offset the first row shown starts at (stays right at another width)


@dataclass
class State:
    path: Path
    places: dict[str, Place] = field(default_factory=dict)  # by document path
    colour_scheme: str | None = None
    sync_scroll: bool | None = None
    export: dict[str, str] = field(default_factory=dict)  # "by", "format", "themes", "folder"


def state_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("marginalia", appauthor=False) / FILE_NAME


def disabled() -> bool:
    return os.environ.get(ENV_VAR, "") not in ("", "0")


def load(path: Path | None = None) -> tuple[State, str | None]:
    """The saved state, and a problem (one line naming the file) if the file could not be used."""
    path = path or state_path()
    try:
        data = orjson.loads(path.read_bytes())
        return _parse(path, data), None
    except FileNotFoundError:
        return State(path), None
    except (OSError, orjson.JSONDecodeError, TypeError, ValueError, KeyError, AttributeError) as error:
        return State(path), f"{path}: not a state file ({error}); starting fresh"


def _parse(path: Path, data: Any) -> State:
    places = {
        str(key): Place(str(p["fingerprint"]), max(0, int(p["cursor"])), max(0, int(p["top"])))
        for key, p in dict(data.get("places", {})).items()
    }
    scheme = data.get("colour_scheme")
    sync = data.get("sync_scroll")
    export = {str(k): str(v) for k, v in dict(data.get("export", {})).items()}
    return State(
        path,
        places,
        scheme if isinstance(scheme, str) else None,
        sync if isinstance(sync, bool) else None,
        export,
    )


def save(state: State) -> None:
    places = list(state.places.items())[-MAX_DOCUMENTS:]
    data = {
        "places": {key: vars(place) for key, place in places},
        "colour_scheme": state.colour_scheme,
        "sync_scroll": state.sync_scroll,
        "export": state.export,
    }
    state.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(state.path, orjson.dumps(data, option=orjson.OPT_INDENT_2))
