"""The installed ``marginalia`` command in a real terminal (tmux): scroll, select, highlight, delete, each checked
on the captured screen, colours included. Skipped where tmux is not installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.store import Store

TMUX = shutil.which("tmux")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal test needs it"),
]

_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
Cell = tuple[str, str | None]  # (character, background as #RRGGBB)


def console_script() -> str:
    """The ``marginalia`` the package installed (next to this interpreter, else on PATH)."""
    beside = Path(sys.executable).with_name("marginalia")
    found = str(beside) if beside.exists() else shutil.which("marginalia")
    assert found, "the marginalia console script is not installed (pip install .)"
    return found


class Terminal:
    """A tmux session on a private server (its own socket: no clash with anyone's tmux)."""

    def __init__(self, command: list[str], width: int, height: int) -> None:
        self.socket = f"marginalia-test-{uuid.uuid4().hex[:8]}"
        self.width = width
        self._tmux(
            "new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height), "-e", "COLORTERM=truecolor",
            *[f"-e{name}={os.environ[name]}" for name in ("HOME", "XDG_DATA_HOME", "MARGINALIA_STORE")],
            " ".join(map(_quote, command)),
        )  # fmt: skip

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(
            [TMUX, "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True, timeout=20
        )
        return result.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:  # one at a time, as typed
            self._tmux("send-keys", "-t", "main", key)

    def cells(self) -> list[list[Cell]]:
        return [_parse(line) for line in self._tmux("capture-pane", "-p", "-e", "-t", "main").splitlines()]

    def text(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main")

    def wait(self, done: Callable[[], bool], what: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{self.text()}")
            time.sleep(0.1)

    def settle(self, timeout: float = 15) -> list[list[Cell]]:
        """The screen once three captures 0.4 s apart agree (on a loaded machine a key can take longer than one gap)."""
        deadline = time.monotonic() + timeout
        last, same = self.cells(), 0
        while time.monotonic() < deadline and same < 2:
            time.sleep(0.4)
            now = self.cells()
            same = same + 1 if now == last else 0
            last = now
        return last

    def close(self) -> None:
        self._tmux("kill-server")


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def _parse(line: str) -> list[Cell]:
    """The cells of one captured line: (character, background), reverse video resolved."""
    cells: list[Cell] = []
    fg = bg = None
    reverse = False
    position = 0
    for match in _SGR.finditer(line + "\x1b[m"):
        for char in line[position : match.start()]:
            cells.append((char, fg if reverse else bg))
        position = match.end()
        codes = [int(c) if c.isdigit() else 0 for c in match.group(1).replace(":", ";").split(";")]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                fg = bg = None
                reverse = False
            elif code == 7:
                reverse = True
            elif code == 27:
                reverse = False
            elif code in (38, 48) and i + 4 < len(codes) + 0 and codes[i + 1] == 2:
                colour = "#{:02X}{:02X}{:02X}".format(*codes[i + 2 : i + 5])
                fg, bg = (colour, bg) if code == 38 else (fg, colour)
                i += 4
            elif code in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                fg, bg = (f"idx{codes[i + 2]}", bg) if code == 38 else (fg, f"idx{codes[i + 2]}")
                i += 2
            elif code == 39:
                fg = None
            elif code == 49:
                bg = None
            i += 1
    return cells


def left_pane(screen: list[list[Cell]], width: int) -> list[list[Cell]]:
    return [row[: width // 2] for row in screen]


def changed(before: list[list[Cell]], after: list[list[Cell]]) -> list[tuple[int, int, Cell]]:
    return [
        (x, y, cell)
        for y, (old, new) in enumerate(zip(before, after, strict=False))
        for x, cell in enumerate(new)
        if x >= len(old) or old[x] != cell
    ]


def with_background(screen: list[list[Cell]], colour: str) -> str:
    return "".join(char for row in screen for char, bg in row if bg == colour)


def test_scroll_select_highlight_delete_in_tmux(tmp_path):
    store_path = Path(os.environ["MARGINALIA_STORE"])
    terminal = Terminal([console_script()], 120, 30)
    try:
        terminal.wait(lambda: "highlights" in terminal.text(), "the reader to start")
        terminal.keys("PageDown", "PageDown")
        terminal.wait(lambda: "0 highlights" in terminal.text() and "· 7%" not in terminal.text(), "the scroll")
        before = left_pane(terminal.settle(), 120)
        terminal.keys("v", "w", "w", "w")
        after = left_pane(terminal.settle(), 120)
        # selecting on the third screen changes the screen: the selection and the cursor after it
        moved = changed(before, after)
        assert moved, "v w w w changed nothing on screen"
        selection_colour, _ = Counter(cell[1] for _, _, cell in moved).most_common(1)[0]
        selected = with_background(after, selection_colour)
        assert len(selected.split()) >= 2, selected

        terminal.keys("h")
        terminal.wait(lambda: "Themes" in terminal.text() or "theme" in terminal.text().lower(), "the theme dialog")
        terminal.keys("a", "r", "m", "s", "Enter")
        terminal.wait(lambda: store_path.exists() and Store(store_path).annotations(), "the highlight to be saved")
        [saved] = Store(store_path).annotations()
        colour = Store(store_path).theme("arms").colour.upper()
        terminal.wait(lambda: with_background(left_pane(terminal.cells(), 120), colour), "the highlight's colour")
        shown = with_background(left_pane(terminal.settle(), 120), colour)
        # on screen at once, in its colour, over the text it holds (but the cursor's cell, on its last character)
        assert shown.replace(" ", "") in saved.quote.replace("\n", "").replace(" ", "")
        assert len(shown.replace(" ", "")) >= len(saved.quote.replace(" ", "").replace("\n", "")) - 1
        assert saved.quote.startswith(selected.strip()[:5])

        terminal.keys("d")
        terminal.wait(lambda: Store(store_path).annotations() == [], "the delete to be saved")
        terminal.wait(lambda: not with_background(left_pane(terminal.cells(), 120), colour), "the highlight to go")
        terminal.keys("q")
        terminal.wait(lambda: "highlights" not in terminal.text(), "the reader to quit")
    finally:
        terminal.close()
