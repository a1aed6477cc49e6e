"""Who coded an annotation: the coder's name, where it comes from, and filtering by it."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from typing import Protocol, TypeVar

ENV_VAR = "MARGINALIA_CODER"
UNKNOWN = "unknown"


class Coded(Protocol):
    coder: str


C = TypeVar("C", bound=Coded)


def clean_coder(name: str) -> str:
    """One line of visible text: spaces collapsed, control characters refused."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("a coder's name cannot be empty")
    if any(not ch.isprintable() for ch in cleaned):
        raise ValueError(f"a coder's name cannot contain control characters: {cleaned!r}")
    return cleaned


def configured_coder() -> str | None:
    """The ``coder`` setting of marginalia's config file (``tui.config``), if it has one."""
    from .config import load  # only where a coder is needed: commands that never make annotations skip it

    value = load().coder
    return value if value and value.strip() else None


def login_name() -> str:
    try:
        return getpass.getuser() or UNKNOWN
    except (OSError, KeyError, ImportError):  # no login name (a container with no passwd entry)
        return UNKNOWN


def resolve_coder(option: str | None = None) -> str:
    """``--coder``, else ``$MARGINALIA_CODER``, else the config file's ``coder``, else the login name."""
    for candidate in (option, os.environ.get(ENV_VAR), configured_coder()):
        if candidate and candidate.strip():
            return clean_coder(candidate)
    return clean_coder(login_name())


def coder_key(name: str) -> str:
    """Coders are the same case-insensitively ("Ana" and "ana" are one person)."""
    return " ".join(name.split()).casefold()


def by_coder(annotations: Iterable[C], coders: Iterable[str] | None) -> list[C]:
    """The annotations of these coders (all of them for None or no names)."""
    wanted = {coder_key(c) for c in coders or ()}
    if not wanted:
        return list(annotations)
    return [a for a in annotations if coder_key(a.coder) in wanted]
