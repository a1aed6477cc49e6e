"""What a running app shows: each row's text and each cell's style, read from the screen's compositor.

The compositor joins every widget's rendered lines as the terminal would get them, including lines a widget
cached and did not repaint, so a repaint that hits the wrong row shows here as it does in a real terminal.

    shot = screen(app)
    shot.rows[3]                 # the text of the fourth row
    shot.style(x, y).bgcolor     # a cell's style
    view_rows(app, view)         # the rows of one widget's region only (text, styles per cell)
    span_cells(app, view, a, b)  # the cells where a DocumentView draws the characters a:b (those in view)
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget

from tui.ui.document_view import DocumentView


@dataclass
class Cell:
    char: str
    style: Style

    @property
    def background(self) -> str | None:
        return _hex(self.style.bgcolor)

    @property
    def foreground(self) -> str | None:
        return _hex(self.style.color)


@dataclass
class Shot:
    """A screen (or a widget's part of it): rows of cells. A wide character takes one cell; the cell after it
    holds "" so that x stays a terminal column."""

    cells: list[list[Cell]]

    @property
    def rows(self) -> list[str]:
        return ["".join(c.char for c in row) for row in self.cells]

    @property
    def text(self) -> str:
        return "\n".join(self.rows)

    def style(self, x: int, y: int) -> Style:
        return self.cells[y][x].style

    def find(self, needle: str) -> tuple[int, int]:
        """(x, y) of the first cell of ``needle`` on screen; AssertionError if it is not shown."""
        for y, row in enumerate(self.rows):
            x = row.find(needle)
            if x >= 0:
                return x, y
        raise AssertionError(f"{needle!r} is not on screen:\n{self.text}")

    def run(self, x: int, y: int, length: int) -> list[Cell]:
        return self.cells[y][x : x + length]

    def backgrounds(self, x: int, y: int, length: int) -> set[str | None]:
        return {c.background for c in self.run(x, y, length)}


def _hex(color: Color | None) -> str | None:
    if color is None or color.is_default:
        return None
    return color.get_truecolor().hex.upper()


def _cells(strip: Strip) -> list[Cell]:
    cells: list[Cell] = []
    for segment in strip:
        text, style, _ = segment
        if segment.control:
            continue
        for char in text:
            cells.append(Cell(char, style or Style()))
            width = Segment(char).cell_length
            cells.extend(Cell("", style or Style()) for _ in range(width - 1))
    return cells


def screen(app: App) -> Shot:
    """The whole screen as the terminal shows it (the modal on top of what is behind it)."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    strips = [Strip.join(row) for row in update.strips]  # type: ignore[union-attr]
    return Shot([_cells(strip) for strip in strips])


def view_rows(app: App, widget: Widget, scrollbar: bool = True) -> Shot:
    """The rows of ``widget``'s content region (without its vertical scrollbar unless ``scrollbar``)."""
    shot = screen(app)
    region = widget.content_region
    width = region.width
    if not scrollbar:
        width -= widget.scrollbar_size_vertical if widget.show_vertical_scrollbar else 0
    return Shot([row[region.x : region.x + width] for row in shot.cells[region.y : region.bottom]])


def span_cells(app: App, view: DocumentView, start: int, end: int, newlines: bool = False) -> list[Cell]:
    """The cells on screen where ``view`` draws the characters ``start:end`` (newlines, rows scrolled out of
    view and spaces past the right edge left out), found from the text's own layout, not from the rendering under test."""
    shot = view_rows(app, view, scrollbar=False)
    layout = view.wrapped
    assert layout is not None
    top = view.scroll_offset.y
    found = []
    for offset in range(start, end):
        if view.text[offset] == "\n" and not newlines:  # a selected newline is drawn as a cell after its row
            continue
        row, column = layout.column_of(offset)
        if 0 <= row - top < len(shot.cells) and column < len(shot.cells[row - top]):  # a wrapped row's last
            found.append(shot.cells[row - top][column])  # space may fall past the edge
    return found


def background_cells(app: App, view: DocumentView, colour: str) -> int:
    """How many cells of ``view`` have this background."""
    shot = view_rows(app, view, scrollbar=False)
    return sum(c.background == colour.upper() for row in shot.cells for c in row)


def component_background(view: Widget, component: str) -> str:
    colour = _hex(view.get_component_rich_style(component).bgcolor)
    assert colour is not None
    return colour


async def burst(pilot: Pilot, *keys: str) -> None:
    """Send ``keys`` as a fast typist or a paste does: all at once, with no pause for the app between them
    (``pilot.press`` waits for the app to go idle after each key, which hides keys dropped or misrouted)."""
    from textual import events
    from textual.app import _character_to_key  # type: ignore[attr-defined]

    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        char = key if len(key) == 1 else {"space": " ", "tab": "\t", "enter": "\r"}.get(key)
        event = events.Key(name, char)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await pilot.pause()
