"""Keys before background work: the frame a key brings is drawn before the next slice of work done between keys.

The reader does long work (wrapping a big document, lexing it) in slices on the event loop, keys handled between
them. A key takes several turns of the loop to reach the screen (the app, its binding, the screen's idle, its update
timer); a slice that became ready meanwhile ran first, and a key waited for one slice or more. ``pressed`` marks a key
on its way; ``keys_first`` makes a slice wait until the key's frame is drawn, or ``AT_MOST`` has passed (a key that
brings no frame of this screen, one that opens a dialog, holds the work up no longer).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.app import App

AT_MOST = 0.05  # seconds a slice waits for a key's frame at most


def pressed(app: App[Any]) -> None:
    """A key is on its way to the screen."""
    app._key_since = time.perf_counter()  # type: ignore[attr-defined]
    app.call_after_refresh(_shown, app)


def _shown(app: App[Any]) -> None:
    app._key_since = None  # type: ignore[attr-defined]


async def keys_first(app: App[Any]) -> None:
    """Until no key is on its way to the screen (``AT_MOST`` at most)."""
    while (since := getattr(app, "_key_since", None)) is not None and time.perf_counter() - since < AT_MOST:
        await asyncio.sleep(0.001)
